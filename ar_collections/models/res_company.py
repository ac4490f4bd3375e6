"""The company's collection and credit settings, and what they compute (late fees, default policy)."""

from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import ValidationError

from ..tools.groups import CREDIT_MANAGER_GROUP


class ResCompany(models.Model):
    _inherit = "res.company"

    # ar_collections enforces credit limits: the core setting is on by default.
    account_use_credit_limit = fields.Boolean(default=True)
    ar_collection_enabled = fields.Boolean(
        string="Scheduled Collections",
        default=True,
        help="Let the daily collection job escalate this company's overdue invoices.",
    )
    ar_credit_review_enabled = fields.Boolean(
        string="Periodic Credit Review",
        default=True,
        help="Let the daily credit review job re-score customers whose review date has come.",
    )
    ar_credit_approval_required = fields.Boolean(
        string="Credit Changes Need Approval",
        help="Rating changes found by the review job are proposals a credit manager approves or rejects.",
    )
    ar_credit_new_customer_score = fields.Integer(
        string="Starting Score",
        default=60,
        help="Credit score of customers with too little payment history to be scored.",
    )
    ar_credit_min_history = fields.Integer(
        string="Invoices Needed for a Score",
        default=3,
        help="Customers with fewer invoices due in the last 12 months get the starting score.",
    )
    ar_credit_manager_id = fields.Many2one(
        "res.users",
        string="Credit Manager",
        domain=lambda self: [("groups_id", "in", self.env.ref(CREDIT_MANAGER_GROUP).ids)],
        help="Receives the requests for credit approval (blocked quotations accepted online).",
    )
    # ---- credit onboarding (信用申请) and cover ----
    ar_credit_onboarding_since = fields.Datetime(
        string="Credit Onboarding Since",
        readonly=True,
        default=fields.Datetime.now,
        help="Customers created from this moment on (the addon's install) are on the new-customer terms until their "
        "credit application is approved; customers that existed before keep their terms.",
    )
    ar_new_customer_terms = fields.Selection(
        [("prepayment", "Prepayment only"), ("limit", "A small credit limit")],
        string="New-Customer Terms",
        default="prepayment",
        required=True,
        help="What a new customer may buy until a credit manager approves its credit application.",
    )
    ar_new_customer_limit = fields.Monetary(
        string="New-Customer Limit",
        currency_field="currency_id",
        help="The credit limit of a new customer whose application is not approved yet (with 'A small credit limit').",
    )
    ar_credit_four_eyes_limit = fields.Monetary(
        string="Second Approval Above",
        currency_field="currency_id",
        default=100000.0,
        help="A credit limit above this amount, granted or raised, needs the approval of two different credit "
        "managers (four eyes). 0: one approval is enough.",
    )
    ar_cover_raises_limit = fields.Boolean(
        string="Cover Raises the Limit",
        help="Guarantees, securities and credit insurance valid today are added to the customer's credit limit.",
    )
    ar_cover_expiry_days = fields.Integer(
        string="Warn Before Cover Expires (Days)",
        default=30,
        help="The credit manager gets an activity this many days before a guarantee or a policy expires.",
    )

    # ---- collection ----
    ar_default_policy_id = fields.Many2one(
        "ar.collection.policy",
        string="Default Collection Policy",
        help="Policy of customers whose rating names none.",
    )
    ar_use_courtesy_stage = fields.Boolean(
        string="Reminders Before the Due Date",
        default=True,
        help="Run the stages that come before the due date (courtesy reminders).",
    )
    ar_lift_collection_hold = fields.Boolean(
        string="Lift Collection Holds When Paid",
        default=True,
        help="A credit hold set by a collection stage lifts by itself once the customer has nothing "
        "overdue. Manual holds and the blacklist stay until a credit manager lifts them.",
    )
    ar_reply_pause_days = fields.Integer(
        string="Pause After a Reply (Days)",
        default=5,
        help="When a customer answers a collection email, its invoices wait at most this many days for "
        "a collector to handle the reply before the escalation goes on. 0: no pause.",
    )
    ar_collection_batch_size = fields.Integer(
        string="Customers per Batch",
        default=200,
        help="The collection job commits after each batch of customers.",
    )
    ar_collection_email_from = fields.Char(
        string="Collection Emails From",
        help="Sender of collection emails, e.g. Credit Control <credit@example.com>. Empty: the company's email.",
    )
    ar_late_fee_fixed = fields.Monetary(string="Late Fee (Fixed)", currency_field="currency_id")
    ar_late_fee_percent = fields.Float(
        string="Late Interest (% per Month)", help="Charged on the overdue amount, per month overdue."
    )
    ar_late_fee_grace_days = fields.Integer(string="Late Fee Grace Days", default=0)
    ar_late_fee_product_id = fields.Many2one(
        "product.product", string="Late Fee Product", help="Product of late-fee invoice lines."
    )
    ar_promise_grace_days = fields.Integer(
        string="Promise Grace Days", default=2, help="Days after the promised date before a promise counts as broken."
    )
    ar_plan_grace_days = fields.Integer(
        string="Instalment Grace Days",
        default=3,
        help="Days after an instalment's date before a plan counts as broken.",
    )
    # ---- limitation period (诉讼时效) ----
    ar_limitation_years = fields.Integer(
        string="Limitation Period (Years)",
        default=3,
        help="A claim becomes time-barred this many years after its due date (3 under art. 188 of the Civil Code "
        "of the People's Republic of China).",
    )
    ar_limitation_restart = fields.Boolean(
        string="Interruptions Restart It",
        default=True,
        help="A formal notice served, an acknowledgement, a promise, a payment plan, a payment or a suit restarts the "
        "period (art. 195 of the Civil Code).",
    )
    ar_limitation_alert_days = fields.Char(
        string="Alert Before Limitation (Days)",
        default="180,90,30",
        help="The credit manager gets an activity on an invoice this many days before it becomes time-barred, "
        "comma-separated. Empty: no alert.",
    )
    ar_court_lang = fields.Selection(
        "_ar_lang_selection",
        string="Court Language",
        help="The language of the evidence bundle handed to a court, a law firm or an agency (not the debtor's). "
        "Empty: the company's language.",
    )
    ar_law_firm_id = fields.Many2one(
        "res.partner",
        string="Law Firm",
        help="Signs the lawyer letters, on its letterhead. Without a firm, the lawyer-letter stage sends the "
        "company's own final notice (催告函): a company does not write as a law firm.",
    )
    ar_lawyer_name = fields.Char(string="Lawyer", help="The lawyer who signs the lawyer letters.")
    ar_lawyer_phone = fields.Char(
        string="Lawyer's Phone", help="Printed on the lawyer letters, for the debtor's answer."
    )
    ar_lawyer_email = fields.Char(
        string="Lawyer's Email", help="Printed on the lawyer letters, for the debtor's answer."
    )
    ar_late_payment_clause = fields.Html(
        string="Late Payment Clause",
        translate=True,
        help="The clause of your terms of sale on late payment, quoted in the demand letter.",
    )
    ar_letter_signatory = fields.Char(
        string="Letters Signed By", translate=True, help="Name and title under the company's collection letters."
    )
    ar_stamp_image = fields.Binary(
        string="Company Stamp", help="Image of the company seal (公章) printed on demand letters and agreements."
    )
    ar_portal_enabled = fields.Boolean(
        string="Customer Self-Service",
        default=True,
        help="Customers can promise to pay, dispute an invoice and ask for a payment plan in the portal.",
    )
    ar_portal_promise_max_days = fields.Integer(
        string="Portal Promise Horizon (Days)",
        default=30,
        help="A customer can promise in the portal to pay within this many days at most.",
    )
    ar_portal_plan_max_instalments = fields.Integer(
        string="Portal Plan Instalments (Max)",
        default=6,
        help="The most monthly instalments a customer can ask for in the portal.",
    )
    ar_portal_link_days = fields.Integer(
        string="Email Links Valid For (Days)",
        default=30,
        help="The links in collection emails let the customer act without logging in for this many days.",
    )
    ar_portal_daily_requests = fields.Integer(
        string="Portal Requests per Day",
        default=5,
        help="Promises, disputes and plan requests a customer can submit in the portal in 24 hours.",
    )
    ar_salesperson_digest = fields.Boolean(
        string="Monthly Digest to Salespeople",
        help="On the first day of each month, email each salesperson the overdue invoices of their customers: "
        "the one who sold it collects it first.",
    )
    ar_statement_monthly = fields.Boolean(
        string="Monthly Statements",
        help="On the first day of each month, email a statement of account to every customer with an open balance.",
    )

    @api.model
    def _ar_lang_selection(self):
        return self.env["res.lang"].get_installed()

    @api.constrains("ar_limitation_years", "ar_limitation_alert_days")
    def _check_limitation(self):
        for company in self:
            if company.ar_limitation_years < 1:
                raise ValidationError(self.env._("The limitation period is at least one year."))
            company._ar_limitation_thresholds()

    def _ar_limitation_thresholds(self):
        """The alert thresholds, in days before the limitation date (e.g. [180, 90, 30])."""
        self.ensure_one()
        parts = [part.strip() for part in (self.ar_limitation_alert_days or "").split(",") if part.strip()]
        if not all(part.isdigit() and int(part) > 0 for part in parts):
            raise ValidationError(
                self.env._(
                    "Alert Before Limitation takes whole numbers of days, comma-separated, e.g. 180,90,30 (not %s).",
                    self.ar_limitation_alert_days,
                )
            )
        return sorted({int(part) for part in parts}, reverse=True)

    @api.constrains("ar_credit_new_customer_score", "ar_credit_min_history")
    def _check_ar_credit_settings(self):
        for company in self:
            if not 0 <= company.ar_credit_new_customer_score <= 100:
                raise ValidationError(self.env._("The starting credit score must be between 0 and 100."))
            if company.ar_credit_min_history < 1:
                raise ValidationError(self.env._("At least one invoice is needed to score a customer."))

    @api.constrains(
        "ar_collection_batch_size",
        "ar_late_fee_fixed",
        "ar_late_fee_percent",
        "ar_late_fee_grace_days",
        "ar_promise_grace_days",
        "ar_plan_grace_days",
        "ar_portal_promise_max_days",
        "ar_portal_plan_max_instalments",
        "ar_portal_link_days",
        "ar_portal_daily_requests",
        "ar_reply_pause_days",
    )
    def _check_ar_collection_settings(self):
        for company in self:
            if company.ar_collection_batch_size < 1:
                raise ValidationError(self.env._("The collection job needs at least one customer per batch."))
            if company.ar_late_fee_fixed < 0 or company.ar_late_fee_percent < 0:
                raise ValidationError(self.env._("Late fees cannot be negative."))
            if min(company.ar_late_fee_grace_days, company.ar_promise_grace_days, company.ar_plan_grace_days) < 0:
                raise ValidationError(self.env._("Grace days cannot be negative."))
            if company.ar_reply_pause_days < 0:
                raise ValidationError(
                    self.env._("The pause after a customer's reply cannot be negative (0: no pause).")
                )
            portal_limits = (
                company.ar_portal_promise_max_days,
                company.ar_portal_plan_max_instalments,
                company.ar_portal_link_days,
                company.ar_portal_daily_requests,
            )
            if min(portal_limits) < 1:
                raise ValidationError(
                    self.env._("The portal limits (promise days, instalments, link days, requests) must be 1 or more.")
                )

    def write(self, vals):
        result = super().write(vals)
        if {"ar_default_policy_id", "ar_use_courtesy_stage"} & set(vals):
            self.env["account.move"]._ar_refresh_open_invoices([("company_id", "in", self.ids)])
        return result

    def _ar_default_policy(self):
        self.ensure_one()
        # The shipped policy's id from the registry's cache: no query per call.
        shipped = self.env["ir.model.data"]._xmlid_to_res_id("ar_collections.ar_collection_policy_default")
        policy = self.ar_default_policy_id or self.env["ar.collection.policy"].browse(shipped or [])
        return policy if policy and policy.active else self.env["ar.collection.policy"]

    def _ar_late_fee_product(self):
        self.ensure_one()
        return self.ar_late_fee_product_id or self.env.ref("ar_collections.product_late_fee")

    def _ar_late_fee_amount(self, move, today):
        """Fixed fee plus monthly interest on the overdue amount, after the grace days."""
        self.ensure_one()
        days = (today - move.invoice_date_due).days - self.ar_late_fee_grace_days
        if days <= 0:
            return 0.0
        interest = move.amount_residual_signed * self.ar_late_fee_percent / 100 * days / 30
        return self.currency_id.round(self.ar_late_fee_fixed + interest)
