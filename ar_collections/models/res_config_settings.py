"""Settings > Invoicing > Collections: the company's collection and credit settings."""

from odoo import fields
from odoo import models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    ar_collection_enabled = fields.Boolean(related="company_id.ar_collection_enabled", readonly=False)
    ar_credit_review_enabled = fields.Boolean(related="company_id.ar_credit_review_enabled", readonly=False)
    ar_credit_approval_required = fields.Boolean(related="company_id.ar_credit_approval_required", readonly=False)
    ar_credit_new_customer_score = fields.Integer(related="company_id.ar_credit_new_customer_score", readonly=False)
    ar_credit_min_history = fields.Integer(related="company_id.ar_credit_min_history", readonly=False)
    ar_credit_manager_id = fields.Many2one(related="company_id.ar_credit_manager_id", readonly=False)
    ar_new_customer_terms = fields.Selection(related="company_id.ar_new_customer_terms", readonly=False)
    ar_new_customer_limit = fields.Monetary(related="company_id.ar_new_customer_limit", readonly=False)
    ar_credit_four_eyes_limit = fields.Monetary(related="company_id.ar_credit_four_eyes_limit", readonly=False)
    ar_cover_raises_limit = fields.Boolean(related="company_id.ar_cover_raises_limit", readonly=False)
    ar_cover_expiry_days = fields.Integer(related="company_id.ar_cover_expiry_days", readonly=False)
    ar_default_policy_id = fields.Many2one(related="company_id.ar_default_policy_id", readonly=False)
    ar_use_courtesy_stage = fields.Boolean(related="company_id.ar_use_courtesy_stage", readonly=False)
    ar_lift_collection_hold = fields.Boolean(related="company_id.ar_lift_collection_hold", readonly=False)
    ar_collection_batch_size = fields.Integer(related="company_id.ar_collection_batch_size", readonly=False)
    ar_collection_email_from = fields.Char(related="company_id.ar_collection_email_from", readonly=False)
    ar_reply_pause_days = fields.Integer(related="company_id.ar_reply_pause_days", readonly=False)
    ar_limitation_years = fields.Integer(related="company_id.ar_limitation_years", readonly=False)
    ar_limitation_restart = fields.Boolean(related="company_id.ar_limitation_restart", readonly=False)
    ar_limitation_alert_days = fields.Char(related="company_id.ar_limitation_alert_days", readonly=False)
    ar_court_lang = fields.Selection(related="company_id.ar_court_lang", readonly=False)
    ar_late_fee_fixed = fields.Monetary(related="company_id.ar_late_fee_fixed", readonly=False)
    ar_late_fee_percent = fields.Float(related="company_id.ar_late_fee_percent", readonly=False)
    ar_late_fee_grace_days = fields.Integer(related="company_id.ar_late_fee_grace_days", readonly=False)
    ar_late_fee_product_id = fields.Many2one(related="company_id.ar_late_fee_product_id", readonly=False)
    ar_promise_grace_days = fields.Integer(related="company_id.ar_promise_grace_days", readonly=False)
    ar_plan_grace_days = fields.Integer(related="company_id.ar_plan_grace_days", readonly=False)
    ar_portal_enabled = fields.Boolean(related="company_id.ar_portal_enabled", readonly=False)
    ar_portal_promise_max_days = fields.Integer(related="company_id.ar_portal_promise_max_days", readonly=False)
    ar_portal_plan_max_instalments = fields.Integer(related="company_id.ar_portal_plan_max_instalments", readonly=False)
    ar_portal_link_days = fields.Integer(related="company_id.ar_portal_link_days", readonly=False)
    ar_portal_daily_requests = fields.Integer(related="company_id.ar_portal_daily_requests", readonly=False)
    ar_law_firm_id = fields.Many2one(related="company_id.ar_law_firm_id", readonly=False)
    ar_lawyer_name = fields.Char(related="company_id.ar_lawyer_name", readonly=False)
    ar_lawyer_phone = fields.Char(related="company_id.ar_lawyer_phone", readonly=False)
    ar_lawyer_email = fields.Char(related="company_id.ar_lawyer_email", readonly=False)
    ar_late_payment_clause = fields.Html(related="company_id.ar_late_payment_clause", readonly=False)
    ar_letter_signatory = fields.Char(related="company_id.ar_letter_signatory", readonly=False)
    ar_stamp_image = fields.Binary(related="company_id.ar_stamp_image", readonly=False)
    ar_statement_monthly = fields.Boolean(related="company_id.ar_statement_monthly", readonly=False)
    ar_salesperson_digest = fields.Boolean(related="company_id.ar_salesperson_digest", readonly=False)

    def _inverse_account_default_credit_limit(self):
        # EXTENDS account: customers without a limit of their own follow the company default.
        result = super()._inverse_account_default_credit_limit()
        profiles = self.env["ar.credit.profile"].sudo().search([("company_id", "=", self.company_id.id)])
        profiles._refresh_limits()
        return result
