"""One customer of a bad-debt provision run: its open receivable by age, the allowance it needs,
the allowance it has, and the adjustment."""

from odoo import api
from odoo import fields
from odoo import models

from .ar_aging_report import AGING_BUCKETS

# The line's figure of each aging bucket: amount_<bucket key>.
BUCKET_FIELDS = [f"amount_{key}" for key, _label, _days in AGING_BUCKETS]


class ArProvisionRunLine(models.Model):
    """A customer's receivable by aging bucket and its allowance."""

    _name = "ar.provision.run.line"
    _description = "Bad-Debt Provision per Customer"
    _order = "run_id, allowance_required desc, id"

    run_id = fields.Many2one("ar.provision.run", required=True, index=True, ondelete="cascade", readonly=True)
    company_id = fields.Many2one(related="run_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="run_id.currency_id")
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, readonly=True, index=True)
    amount_current = fields.Monetary(string="Not Yet Due", readonly=True)
    amount_1_30 = fields.Monetary(string="1-30 Days", readonly=True)
    amount_31_60 = fields.Monetary(string="31-60 Days", readonly=True)
    amount_61_90 = fields.Monetary(string="61-90 Days", readonly=True)
    amount_91_365 = fields.Monetary(string="91-365 Days", readonly=True)
    amount_1_2_years = fields.Monetary(string="1-2 Years", readonly=True)
    amount_2_3_years = fields.Monetary(string="2-3 Years", readonly=True)
    amount_over_3_years = fields.Monetary(string="Over 3 Years", readonly=True)
    amount_receivable = fields.Monetary(string="Receivable", compute="_compute_amount_receivable", store=True)
    allowance_required = fields.Monetary(readonly=True, help="Each age's receivable times its provision rate.")
    allowance_before = fields.Monetary(readonly=True, help="The customer's balance on the allowance account.")
    adjustment = fields.Monetary(
        readonly=True, help="Required minus before: credited to the allowance account when positive."
    )

    @api.depends(*BUCKET_FIELDS)
    def _compute_amount_receivable(self):
        for line in self:
            line.amount_receivable = sum(line[name] for name in BUCKET_FIELDS)
