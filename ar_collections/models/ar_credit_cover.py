"""The security behind a customer's credit (担保与信用保险): guarantees, mortgages and pledges,
bank guarantees and credit insurance, each with its amount, validity, document and guarantor.

Valid cover is summed per customer (``ar.credit.profile.secured_amount``), shown beside the
exposure and in the credit check's message, and added to the limit when the company says so
(``ar.credit.profile._effective_limit``). The daily job refreshes those sums as cover starts
and ends, warns before cover expires, and gives the credit manager the deadline to report an
overdue invoice to the credit insurer, since a late notification voids the cover.
"""

from datetime import timedelta

from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import ValidationError
from odoo.tools import format_date
from odoo.tools import formatLang

from ..tools.groups import CREDIT_MANAGER_GROUP
from ..tools.groups import requires_group

COVER_KINDS = [
    ("guarantee", "Guarantee (保证)"),
    ("mortgage", "Mortgage (抵押)"),
    ("pledge", "Pledge (质押)"),
    ("bank_guarantee", "Bank guarantee (保函)"),
    ("insurance", "Credit insurance (信用保险)"),
]


class ArCreditCover(models.Model):
    """One guarantee, security or credit insurance policy covering a customer's debts."""

    _name = "ar.credit.cover"
    _description = "Guarantee or Credit Cover"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date_end, id"
    _check_company_auto = True

    name = fields.Char(string="Reference", required=True, help="Contract, guarantee or policy number.")
    kind = fields.Selection(COVER_KINDS, required=True, default="guarantee", tracking=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        domain=[("is_company", "=", True)],
        tracking=True,
    )
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    company_currency_id = fields.Many2one(related="company_id.currency_id", string="Company Currency")
    profile_id = fields.Many2one("ar.credit.profile", string="Credit Profile", readonly=True, index=True)
    guarantor_id = fields.Many2one(
        "res.partner", string="Guarantor / Insurer", help="Who stands behind the debt: guarantor, bank or insurer."
    )
    amount = fields.Monetary(
        currency_field="currency_id", required=True, tracking=True, help="Insured limit for credit insurance."
    )
    currency_id = fields.Many2one("res.currency", required=True, default=lambda self: self.env.company.currency_id)
    amount_company = fields.Monetary(
        compute="_compute_amount_company",
        store=True,
        currency_field="company_currency_id",
        string="Amount (Company Currency)",
    )
    date_start = fields.Date(string="Valid From", required=True, default=fields.Date.context_today)
    date_end = fields.Date(string="Valid Until", index=True, help="Empty: until released.")
    document = fields.Binary(attachment=True, help="The signed guarantee, registration or policy.")
    document_name = fields.Char()
    report_days = fields.Integer(
        string="Report Overdue Within (Days)",
        help="Credit insurance: the insurer must be told of an overdue invoice within this many days after its due "
        "date, or the invoice is not covered.",
    )
    note = fields.Text()
    active = fields.Boolean(default=True)
    valid = fields.Boolean(compute="_compute_valid", search="_search_valid", string="Valid Today")
    expiry_alerted = fields.Boolean(readonly=True, copy=False)

    @api.depends("amount", "currency_id", "company_id", "date_start")
    def _compute_amount_company(self):
        for cover in self:
            cover.amount_company = cover.currency_id._convert(
                cover.amount, cover.company_id.currency_id, cover.company_id, cover.date_start or fields.Date.today()
            )

    @api.depends("date_start", "date_end", "active")
    def _compute_valid(self):
        today = fields.Date.context_today(self)
        for cover in self:
            cover.valid = cover.active and cover.date_start <= today and (not cover.date_end or cover.date_end >= today)

    def _search_valid(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise ValidationError(self.env._("Search valid cover with = True or = False."))
        today = fields.Date.context_today(self)
        domain = ["&", ("date_start", "<=", today), "|", ("date_end", "=", False), ("date_end", ">=", today)]
        return domain if (operator == "=") == value else ["!", *domain]

    @api.constrains("amount", "date_start", "date_end", "report_days", "kind")
    def _check_cover(self):
        for cover in self:
            if cover.amount <= 0:
                raise ValidationError(self.env._("The amount of %s must be positive.", cover.name))
            if cover.date_end and cover.date_end < cover.date_start:
                raise ValidationError(self.env._("%s ends before it starts.", cover.name))
            if cover.report_days < 0 or (cover.kind == "insurance" and not cover.report_days):
                raise ValidationError(
                    self.env._(
                        "Credit insurance %s needs the insurer's deadline to report an overdue invoice, in days "
                        "after the due date.",
                        cover.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        covers = super().create(vals_list)
        for cover in covers:
            cover.profile_id = self.env["ar.credit.profile"]._get_or_create(cover.partner_id, cover.company_id).sudo()
        covers._refresh_secured()
        return covers

    def write(self, vals):
        profiles = self.profile_id
        result = super().write(vals)
        if "partner_id" in vals or "company_id" in vals:
            for cover in self:
                cover.profile_id = self.env["ar.credit.profile"]._get_or_create(cover.partner_id, cover.company_id)
        (profiles | self.profile_id)._refresh_secured_amounts()
        return result

    def unlink(self):
        profiles = self.profile_id
        result = super().unlink()
        profiles._refresh_secured_amounts()
        return result

    def _refresh_secured(self):
        self.profile_id._refresh_secured_amounts()

    # ------------------------------------------------------------------
    # Daily job
    # ------------------------------------------------------------------

    @requires_group(CREDIT_MANAGER_GROUP)
    def action_refresh(self):
        """Refresh the secured amounts and the alerts now (the daily job does it every night)."""
        self._cron_daily()
        return True

    @api.model
    def _cron_daily(self):
        """Refresh every customer's secured amount (cover starts and ends with the calendar), warn
        before cover expires, and set the insurer's reporting deadline on overdue insured invoices."""
        Cover = self.sudo().with_context(active_test=False)
        profiles = Cover.search([]).profile_id | self.env["ar.credit.profile"].sudo().search(
            [("secured_amount", "!=", 0)]
        )
        profiles._refresh_secured_amounts()
        Cover._alert_expiring()
        self.env["account.move"].sudo()._ar_refresh_insurer_deadlines()

    @api.model
    def _alert_expiring(self):
        """One activity per cover ending within the company's warning days."""
        today = fields.Date.context_today(self)
        activity_type = self.env.ref("ar_collections.mail_activity_type_cover_expiry")
        covers = self.sudo().search(
            [("expiry_alerted", "=", False), ("date_end", "!=", False), ("date_end", ">=", today)]
        )
        due = covers.filtered(
            lambda cover: cover.date_end <= today + timedelta(days=cover.company_id.ar_cover_expiry_days)
        )
        managers = {company: self.env["ar.credit.profile"]._credit_managers(company)[:1] for company in due.company_id}
        for cover in due:
            manager = managers[cover.company_id]
            cover.activity_schedule(
                activity_type_id=activity_type.id,
                user_id=manager.id or self.env.uid,
                date_deadline=cover.date_end,
                summary=self.env._(
                    "%(kind)s %(name)s of %(customer)s ends on %(date)s: renew it or lower the limit.",
                    kind=dict(COVER_KINDS)[cover.kind],
                    name=cover.name,
                    customer=cover.partner_id.display_name,
                    date=format_date(self.env, cover.date_end),
                ),
            )
        due.write({"expiry_alerted": True})
        return due

    def _money(self, amount):
        return formatLang(self.env, amount, currency_obj=self.company_currency_id)
