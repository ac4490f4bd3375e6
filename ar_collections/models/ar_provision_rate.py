"""The bad-debt provision rate of each aging bucket (坏账准备计提比例), per company."""

from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import ValidationError

from .ar_aging_report import AGING_BUCKETS

# The rates of the aging method (账龄分析法) as Chinese companies commonly set them: 5 % within
# one year, 10 % for one to two years, 30 % for two to three, 50 % past three. The aging
# method ages a receivable from the day it arises, so an invoice not yet due is within its
# first year and carries the first-year rate.
DEFAULT_PROVISION_RATES = {
    "current": 5.0,
    "1_30": 5.0,
    "31_60": 5.0,
    "61_90": 5.0,
    "91_365": 5.0,
    "1_2_years": 10.0,
    "2_3_years": 30.0,
    "over_3_years": 50.0,
}


class ArProvisionRate(models.Model):
    """What share of the receivable of one aging bucket the allowance covers, in one company."""

    _name = "ar.provision.rate"
    _description = "Bad-Debt Provision Rate"
    _order = "company_id, sequence"
    _rec_name = "bucket"

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True, ondelete="cascade")
    bucket = fields.Selection(
        [(key, label) for key, label, _max_days in AGING_BUCKETS], string="Age", required=True, readonly=True
    )
    sequence = fields.Integer(readonly=True)
    rate = fields.Float(
        string="Provision Rate (%)",
        digits=(5, 2),
        help="Share of the open receivable of this age the allowance for bad debts covers. Defaults of the aging "
        "method (账龄分析法): 5 % within one year (not yet due included: the aging method counts from the day "
        "the receivable arises), 10 % for 1-2 years, 30 % for 2-3 years, 50 % over 3 years. Companies that "
        "provide in full for the oldest debts set 100 %.",
    )

    _sql_constraints = [
        ("bucket_company_uniq", "UNIQUE(company_id, bucket)", "A company has one provision rate per age."),
    ]

    @api.constrains("rate")
    def _check_rate(self):
        for rate in self:
            if not 0.0 <= rate.rate <= 100.0:
                raise ValidationError(self.env._("A provision rate is a percentage between 0 and 100."))

    @api.model
    def _rates(self, company):
        """{bucket key: rate in %} of ``company``; the rows missing are created with the defaults."""
        rows = self.sudo().search([("company_id", "=", company.id)])
        missing = [key for key, _label, _days in AGING_BUCKETS if key not in set(rows.mapped("bucket"))]
        if missing:
            sequences = {key: index for index, (key, _label, _days) in enumerate(AGING_BUCKETS)}
            rows |= rows.create(
                [
                    {
                        "company_id": company.id,
                        "bucket": key,
                        "sequence": sequences[key],
                        "rate": DEFAULT_PROVISION_RATES.get(key, 0.0),
                    }
                    for key in missing
                ]
            )
        return {row.bucket: row.rate for row in rows}
