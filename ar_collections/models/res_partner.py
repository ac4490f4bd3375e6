from contextlib import contextmanager

from dateutil.relativedelta import relativedelta

from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError
from odoo.exceptions import ValidationError
from odoo.tools import format_date

from ..tools.batch_jobs import run_over_records
from ..tools.groups import COLLECTION_USER_GROUP
from ..tools.groups import CREDIT_MANAGER_GROUP
from ..tools.groups import INTERNAL_USER_GROUP
from ..tools.groups import requires_group
from .account_move_limitation import LIMITATION_WARNING_DAYS
from .ir_qweb import COMPILE_ONCE
from .mail_message import SANITIZE_ONCE

PROFILE = "ar_credit_profile_id"
# Partners whose credit change is being logged by the code at work (see _ar_credit_change_logged).
CHANGE_LOGGED = "ar_credit_change_logged"
# The profile shown is the current company's: so are the figures read through it.
COMPANY = ("company",)


class ResPartner(models.Model):
    _inherit = "res.partner"

    ar_credit_profile_ids = fields.One2many(
        "ar.credit.profile", "partner_id", string="Credit Profiles", groups=INTERNAL_USER_GROUP
    )
    ar_credit_profile_id = fields.Many2one(
        "ar.credit.profile",
        compute="_compute_ar_credit_profile_id",
        search="_search_ar_credit_profile_id",
        string="Credit Profile",
        help="Credit profile of the commercial partner in the current company.",
        groups=INTERNAL_USER_GROUP,
    )
    ar_credit_rating_id = fields.Many2one(
        "ar.credit.rating",
        string="Credit Rating",
        compute="_compute_ar_credit_rating_id",
        inverse="_inverse_ar_credit_rating_id",
        search="_search_ar_credit_rating_id",
        groups=INTERNAL_USER_GROUP,
    )
    ar_credit_score = fields.Integer(
        related=f"{PROFILE}.score", depends_context=COMPANY, string="Credit Score", groups=INTERNAL_USER_GROUP
    )
    ar_credit_score_date = fields.Date(
        related=f"{PROFILE}.score_date", depends_context=COMPANY, string="Scored On", groups=INTERNAL_USER_GROUP
    )
    ar_credit_score_details_html = fields.Html(
        related=f"{PROFILE}.score_details_html",
        depends_context=COMPANY,
        string="Score Explanation",
        groups=COLLECTION_USER_GROUP,
    )
    ar_next_review_date = fields.Date(
        related=f"{PROFILE}.next_review_date",
        depends_context=COMPANY,
        string="Next Credit Review",
        groups=INTERNAL_USER_GROUP,
    )
    ar_pending_review_id = fields.Many2one(
        related=f"{PROFILE}.pending_review_id",
        depends_context=COMPANY,
        string="Rating Proposal",
        groups=COLLECTION_USER_GROUP,
    )
    ar_proposed_rating_id = fields.Many2one(
        related="ar_pending_review_id.new_rating_id",
        depends_context=COMPANY,
        string="Proposed Rating",
        groups=COLLECTION_USER_GROUP,
    )
    ar_is_credit_manager = fields.Boolean(compute="_compute_ar_is_credit_manager", groups=INTERNAL_USER_GROUP)
    ar_credit_currency_id = fields.Many2one(
        related=f"{PROFILE}.currency_id", depends_context=COMPANY, string="Credit Currency", groups=INTERNAL_USER_GROUP
    )
    ar_credit_limit_effective = fields.Monetary(
        related=f"{PROFILE}.credit_limit",
        depends_context=COMPANY,
        string="Effective Credit Limit",
        currency_field="ar_credit_currency_id",
        groups=INTERNAL_USER_GROUP,
    )
    ar_credit_limit_source = fields.Selection(
        related=f"{PROFILE}.credit_limit_source",
        depends_context=COMPANY,
        string="Limit From",
        groups=INTERNAL_USER_GROUP,
    )
    ar_credit_state = fields.Selection(
        related=f"{PROFILE}.credit_state", depends_context=COMPANY, string="Credit Status", groups=INTERNAL_USER_GROUP
    )
    ar_secured_amount = fields.Monetary(
        related=f"{PROFILE}.secured_amount",
        depends_context=COMPANY,
        string="Secured by Cover",
        currency_field="ar_credit_currency_id",
        groups=INTERNAL_USER_GROUP,
    )
    ar_open_receivable = fields.Monetary(
        related=f"{PROFILE}.open_receivable",
        depends_context=COMPANY,
        string="Open Receivable",
        currency_field="ar_credit_currency_id",
        groups=INTERNAL_USER_GROUP,
    )
    ar_overdue_amount = fields.Monetary(
        related=f"{PROFILE}.overdue_amount",
        depends_context=COMPANY,
        string="Overdue Amount",
        currency_field="ar_credit_currency_id",
        groups=INTERNAL_USER_GROUP,
    )
    ar_oldest_overdue_days = fields.Integer(
        related=f"{PROFILE}.oldest_overdue_days",
        depends_context=COMPANY,
        string="Oldest Overdue (Days)",
        groups=INTERNAL_USER_GROUP,
    )
    ar_order_uninvoiced = fields.Monetary(
        related=f"{PROFILE}.order_uninvoiced",
        depends_context=COMPANY,
        string="Orders Not Invoiced",
        currency_field="ar_credit_currency_id",
        groups=INTERNAL_USER_GROUP,
    )
    ar_draft_invoiced = fields.Monetary(
        related=f"{PROFILE}.draft_invoiced",
        depends_context=COMPANY,
        string="Draft Invoices",
        currency_field="ar_credit_currency_id",
        groups=INTERNAL_USER_GROUP,
    )
    ar_exposure = fields.Monetary(
        related=f"{PROFILE}.exposure",
        depends_context=COMPANY,
        string="Total Exposure",
        currency_field="ar_credit_currency_id",
        groups=INTERNAL_USER_GROUP,
    )
    ar_available_credit = fields.Monetary(
        related=f"{PROFILE}.available_credit",
        depends_context=COMPANY,
        string="Available Credit",
        currency_field="ar_credit_currency_id",
        groups=INTERNAL_USER_GROUP,
    )
    ar_credit_hold_cause = fields.Selection(
        related=f"{PROFILE}.hold_cause", depends_context=COMPANY, string="Hold Cause", groups=INTERNAL_USER_GROUP
    )
    ar_credit_hold_reason = fields.Text(
        related=f"{PROFILE}.hold_reason", depends_context=COMPANY, string="Hold Reason", groups=COLLECTION_USER_GROUP
    )
    ar_credit_hold_since = fields.Datetime(
        related=f"{PROFILE}.hold_since", depends_context=COMPANY, string="On Hold Since", groups=INTERNAL_USER_GROUP
    )
    ar_credit_hold_user_id = fields.Many2one(
        related=f"{PROFILE}.hold_user_id", depends_context=COMPANY, string="Hold Set By", groups=COLLECTION_USER_GROUP
    )
    ar_blacklist_reason = fields.Text(
        related=f"{PROFILE}.blacklist_reason",
        depends_context=COMPANY,
        string="Blacklist Reason",
        groups=COLLECTION_USER_GROUP,
    )
    ar_blacklist_since = fields.Datetime(
        related=f"{PROFILE}.blacklist_since",
        depends_context=COMPANY,
        string="Blacklisted Since",
        groups=INTERNAL_USER_GROUP,
    )
    # Flags with search methods, for the partner filters of the current company.
    ar_credit_hold = fields.Boolean(
        compute="_compute_ar_credit_flags",
        search="_search_ar_credit_hold",
        string="On Credit Hold",
        groups=INTERNAL_USER_GROUP,
    )
    ar_blacklisted = fields.Boolean(
        compute="_compute_ar_credit_flags",
        search="_search_ar_blacklisted",
        string="Blacklisted",
        groups=INTERNAL_USER_GROUP,
    )
    ar_over_limit = fields.Boolean(
        compute="_compute_ar_credit_flags",
        search="_search_ar_over_limit",
        string="Over Limit",
        groups=INTERNAL_USER_GROUP,
    )
    ar_review_due = fields.Boolean(
        compute="_compute_ar_credit_flags",
        search="_search_ar_review_due",
        string="Credit Review Due",
        groups=INTERNAL_USER_GROUP,
    )
    ar_credit_review_ids = fields.One2many(
        "ar.credit.review", compute="_compute_ar_credit_history", string="Credit History", groups=COLLECTION_USER_GROUP
    )
    ar_collection_event_ids = fields.One2many(
        "ar.collection.event", "partner_id", string="Collection Ledger", groups=COLLECTION_USER_GROUP
    )
    # ---- collection ----
    ar_collector_id = fields.Many2one(
        "res.users",
        string="Collector",
        compute="_compute_ar_collection_settings",
        inverse="_inverse_ar_collector_id",
        search="_search_ar_collector_id",
        groups=COLLECTION_USER_GROUP,
    )
    ar_policy_id = fields.Many2one(
        "ar.collection.policy",
        string="Collection Policy",
        compute="_compute_ar_collection_settings",
        inverse="_inverse_ar_policy_id",
        help="Overrides the policy of the customer's rating.",
        groups=COLLECTION_USER_GROUP,
    )
    ar_effective_policy_id = fields.Many2one(
        related=f"{PROFILE}.effective_policy_id",
        string="Policy Applied",
        depends_context=COMPANY,
        groups=COLLECTION_USER_GROUP,
    )
    ar_collection_paused_until = fields.Date(
        related=f"{PROFILE}.collection_paused_until",
        string="Collection Paused Until",
        depends_context=COMPANY,
        groups=COLLECTION_USER_GROUP,
    )
    ar_collection_pause_reason = fields.Text(
        related=f"{PROFILE}.collection_pause_reason",
        string="Pause Reason",
        depends_context=COMPANY,
        groups=COLLECTION_USER_GROUP,
    )
    ar_last_contact_date = fields.Date(
        related=f"{PROFILE}.last_contact_date",
        string="Last Reminder",
        depends_context=COMPANY,
        groups=COLLECTION_USER_GROUP,
    )
    ar_reply_pending_date = fields.Datetime(
        related=f"{PROFILE}.reply_pending_date",
        string="Replied, Not Handled Since",
        depends_context=COMPANY,
        groups=COLLECTION_USER_GROUP,
    )
    ar_limitation_date = fields.Date(
        related=f"{PROFILE}.limitation_date",
        string="First Time-Barred On",
        depends_context=COMPANY,
        groups=COLLECTION_USER_GROUP,
    )
    ar_limitation_expiring = fields.Boolean(
        string="Limitation Expiring",
        compute="_compute_ar_limitation_expiring",
        groups=COLLECTION_USER_GROUP,
        help="One of the customer's open invoices becomes time-barred within 180 days.",
    )
    ar_promise_ids = fields.One2many(
        "ar.collection.promise", "partner_id", string="Promises to Pay", groups=COLLECTION_USER_GROUP
    )
    ar_open_invoice_ids = fields.Many2many(
        "account.move", compute="_compute_ar_open_invoice_ids", string="Open Invoices", groups=COLLECTION_USER_GROUP
    )
    ar_dispute_ids = fields.One2many(
        "ar.collection.dispute", "partner_id", string="Disputes", groups=COLLECTION_USER_GROUP
    )
    ar_plan_ids = fields.One2many("ar.payment.plan", "partner_id", string="Payment Plans", groups=COLLECTION_USER_GROUP)
    ar_legal_file_ids = fields.One2many(
        "ar.legal.file", "partner_id", string="Legal Files", groups=COLLECTION_USER_GROUP
    )

    @api.depends_context("company")
    def _compute_ar_limitation_expiring(self):
        horizon = fields.Date.context_today(self) + relativedelta(days=LIMITATION_WARNING_DAYS)
        for partner in self:
            partner.ar_limitation_expiring = bool(partner.ar_limitation_date and partner.ar_limitation_date <= horizon)

    @api.depends_context("company")
    @api.depends("commercial_partner_id")
    def _compute_ar_credit_profile_id(self):
        company = self.env.company
        commercial = self.commercial_partner_id
        profiles = (
            self.env["ar.credit.profile"]
            .sudo()
            .search([("partner_id", "in", commercial.ids), ("company_id", "=", company.id)])
        )
        by_partner = {profile.partner_id.id: profile.id for profile in profiles}
        for partner in self:
            partner.ar_credit_profile_id = by_partner.get(partner.commercial_partner_id.id, False)

    @api.depends_context("company")
    def _compute_ar_open_invoice_ids(self):
        Move = self.env["account.move"]
        moves = Move.search(
            [
                *Move._ar_open_invoice_domain(),
                ("commercial_partner_id", "in", self.commercial_partner_id.ids),
                ("company_id", "=", self.env.company.id),
            ],
            order="invoice_date_due, id",
        )
        for partner in self:
            partner.ar_open_invoice_ids = moves.filtered(
                lambda move, partner=partner: move.commercial_partner_id == partner.commercial_partner_id
            )

    @api.depends_context("company")
    @api.depends("commercial_partner_id")
    def _compute_ar_collection_settings(self):
        for partner in self:
            profile = partner.ar_credit_profile_id.sudo()
            partner.ar_collector_id = profile.collector_id
            partner.ar_policy_id = profile.policy_id

    def _inverse_ar_collector_id(self):
        for partner in self:
            self.env["ar.credit.profile"]._get_or_create(
                partner, self.env.company
            ).collector_id = partner.ar_collector_id

    def _inverse_ar_policy_id(self):
        for partner in self:
            profile = self.env["ar.credit.profile"]._get_or_create(partner, self.env.company)
            profile.policy_id = partner.ar_policy_id
            self.env["account.move"]._ar_refresh_open_invoices(
                [("commercial_partner_id", "=", profile.partner_id.id), ("company_id", "=", profile.company_id.id)]
            )

    def _search_ar_collector_id(self, operator, value):
        return [
            (
                "ar_credit_profile_ids",
                "any",
                [("company_id", "=", self.env.company.id), ("collector_id", operator, value)],
            )
        ]

    def _search_ar_credit_profile_id(self, operator, value):
        return [
            (
                "commercial_partner_id.ar_credit_profile_ids",
                "any",
                [("company_id", "=", self.env.company.id), ("id", operator, value)],
            )
        ]

    @api.depends_context("uid")
    def _compute_ar_is_credit_manager(self):
        self.ar_is_credit_manager = self.env.user.has_group(CREDIT_MANAGER_GROUP)

    @api.depends_context("company")
    @api.depends("commercial_partner_id")
    def _compute_ar_credit_rating_id(self):
        for partner in self:
            partner.ar_credit_rating_id = partner.ar_credit_profile_id.sudo().rating_id

    def _inverse_ar_credit_rating_id(self):
        """A credit manager rates a customer by hand: logged as a review."""
        company = self.env.company
        for partner in self:
            profile = self.env["ar.credit.profile"]._get_or_create(partner, company)
            if profile.rating_id == partner.ar_credit_rating_id:
                continue
            profile._check_credit_manager()
            reason = self.env.context.get("ar_credit_reason") or self.env._("Rating changed by hand")
            rating = partner.ar_credit_rating_id
            review = self.env["ar.credit.review"]._log_change(
                "rating",
                reason,
                [(profile, {"new_rating_id": rating.id, "new_limit": profile._limit_with_rating(rating)})],
            )
            review._apply_to_profile()
            interval = partner.ar_credit_rating_id.review_interval_months or 6
            profile.sudo().next_review_date = profile._review_date_after(interval)

    def _search_ar_credit_rating_id(self, operator, value):
        return [
            ("ar_credit_profile_ids", "any", [("company_id", "=", self.env.company.id), ("rating_id", operator, value)])
        ]

    @api.depends_context("company")
    @api.depends("commercial_partner_id")
    def _compute_ar_credit_flags(self):
        today = fields.Date.context_today(self)
        for partner in self:
            profile = partner.ar_credit_profile_id.sudo()
            partner.ar_credit_hold = profile.hold
            partner.ar_blacklisted = profile.blacklisted
            partner.ar_over_limit = profile.over_limit
            partner.ar_review_due = bool(profile) and (
                not profile.next_review_date or profile.next_review_date <= today
            )

    def _search_profile_flag(self, flag, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise NotImplementedError(self.env._("Unsupported search on a credit flag."))
        positive = [("ar_credit_profile_ids", "any", [("company_id", "=", self.env.company.id), (flag, "=", True)])]
        if (operator == "=") == value:
            return positive
        return ["!", *positive]

    def _search_ar_credit_hold(self, operator, value):
        return self._search_profile_flag("hold", operator, value)

    def _search_ar_blacklisted(self, operator, value):
        return self._search_profile_flag("blacklisted", operator, value)

    def _search_ar_over_limit(self, operator, value):
        return self._search_profile_flag("over_limit", operator, value)

    def _search_ar_review_due(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise NotImplementedError(self.env._("Unsupported search on a credit flag."))
        today = fields.Date.context_today(self)
        positive = [
            (
                "ar_credit_profile_ids",
                "any",
                [
                    ("company_id", "=", self.env.company.id),
                    "|",
                    ("next_review_date", "=", False),
                    ("next_review_date", "<=", today),
                ],
            )
        ]
        if (operator == "=") == value:
            return positive
        return ["!", *positive]

    @api.depends_context("company")
    @api.depends("commercial_partner_id")
    def _compute_ar_credit_history(self):
        for partner in self:
            partner.ar_credit_review_ids = partner.ar_credit_profile_id.review_ids

    @api.constrains("credit_limit")
    def _check_ar_credit_limit_positive(self):
        for partner in self:
            if partner.sudo().credit_limit < 0:
                raise ValidationError(
                    self.env._(
                        "The credit limit of %(partner)s cannot be negative. Enter 0 for no limit.",
                        partner=partner.display_name,
                    )
                )

    def write(self, vals):
        # Contacts receive their company's limit by commercial-field sync: only the
        # commercial partner's own limit is a credit decision.
        commercial = self.filtered(lambda partner: partner == partner.commercial_partner_id)
        if not {"credit_limit", "use_partner_credit_limit"} & set(vals) or not commercial:
            return super().write(vals)
        profiles = self.env["ar.credit.profile"]._get_or_create(commercial, self.env.company)
        profiles._check_credit_manager()
        if set(commercial.ids) <= self.env.cr.cache.get(CHANGE_LOGGED, set()):
            result = super().write(vals)
            profiles._refresh_limits()
            return result
        old_limits = {profile.partner_id.id: profile.credit_limit for profile in profiles}
        old_base = profiles._base_limits()
        # The inverse of use_partner_credit_limit writes credit_limit again: log once, here.
        with commercial._ar_credit_change_logged():
            result = super().write(vals)
        profiles._check_four_eyes(old_base)
        profiles._refresh_limits()
        reason = self.env.context.get("ar_credit_reason") or self.env._("Credit limit changed by hand")
        self.env["ar.credit.review"]._log_change(
            "limit",
            reason,
            [
                (profile, {"old_limit": old_limits[profile.partner_id.id]})
                for profile in profiles
                if old_limits[profile.partner_id.id] != profile.credit_limit
            ],
        )
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_ar_history(self):
        """A customer with a collection ledger or a credit history is archived, not deleted:
        the record outlives it (merging it into another partner moves its record there)."""
        used = set()
        for model in ("ar.collection.event", "ar.credit.review"):
            used |= {
                partner
                for (partner,) in self.env[model].sudo()._read_group([("partner_id", "in", self.ids)], ["partner_id"])
            }
        if used:
            raise UserError(
                self.env._(
                    "%(partners)s has a collection ledger or a credit history, which are kept for good, and cannot "
                    "be deleted: archive it instead (or merge it into another contact).",
                    partners=", ".join(sorted(partner.display_name for partner in used)),
                )
            )

    @contextmanager
    def _ar_credit_change_logged(self):
        """Within, the credit limits of these partners change without a history row of their
        own: the caller logs the change (a review, or the write that began it). The mark is
        kept on the cursor, out of reach of what a client sends: no context key skips the log."""
        logged = self.env.cr.cache.setdefault(CHANGE_LOGGED, set())
        added = set(self.ids) - logged
        logged |= added
        try:
            yield
        finally:
            logged -= added

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def _ar_collection_recipient(self):
        """Who collection emails go to: the customer's invoicing contact with an email, else the customer."""
        self.ensure_one()
        invoice_contacts = self.child_ids.filtered(lambda child: child.type == "invoice" and child.email)
        return invoice_contacts[:1] or self

    def _ar_profiles(self):
        return self.env["ar.credit.profile"]._get_or_create(self, self.env.company)

    @requires_group(CREDIT_MANAGER_GROUP)
    def action_ar_credit_wizard(self):
        """Open the hold / blacklist wizard in the mode given by the button's context."""
        self._ar_profiles()._check_credit_manager()
        return {
            "type": "ir.actions.act_window",
            "res_model": "ar.credit.hold.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_partner_ids": self.commercial_partner_id.ids,
                "default_action": self.env.context.get("ar_hold_action", "hold"),
            },
        }

    @requires_group(INTERNAL_USER_GROUP)
    def action_ar_apply_for_credit(self):
        """A new credit application for this customer, filled with what Odoo knows of it."""
        partner = self.commercial_partner_id[:1]
        self.env["ar.credit.application"].check_access("create")
        return {
            "type": "ir.actions.act_window",
            "res_model": "ar.credit.application",
            "view_mode": "form",
            "target": "current",
            "context": {"default_partner_id": partner.id, "default_vat": partner.vat},
        }

    @requires_group(COLLECTION_USER_GROUP)
    def action_ar_view_cover(self):
        """The customer's guarantees, securities and credit insurance."""
        partner = self.commercial_partner_id[:1]
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Guarantees and Cover"),
            "res_model": "ar.credit.cover",
            "view_mode": "list,form",
            "domain": [("partner_id", "=", partner.id)],
            "context": {"default_partner_id": partner.id, "active_test": False},
        }

    @requires_group(COLLECTION_USER_GROUP)
    def action_ar_log_call(self):
        partner = self.commercial_partner_id[:1]
        invoices = self.env["account.move"].search(
            [
                *self.env["account.move"]._ar_open_invoice_domain(),
                ("commercial_partner_id", "=", partner.id),
                ("company_id", "=", self.env.company.id),
                ("invoice_date_due", "<", fields.Date.context_today(self)),
            ]
        )
        return self.env["ar.collection.log.wizard"]._action_open(partner, invoices)

    @requires_group(CREDIT_MANAGER_GROUP)
    def action_ar_pause_collection(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Pause Collection"),
            "res_model": "ar.collection.pause.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_ids": self.commercial_partner_id.ids},
        }

    @requires_group(COLLECTION_USER_GROUP)
    def action_ar_view_ledger(self):
        action = self.env["ir.actions.act_window"]._for_xml_id("ar_collections.ar_collection_event_action")
        action["domain"] = [("partner_id", "in", self.commercial_partner_id.ids)]
        return action

    @requires_group(COLLECTION_USER_GROUP)
    def action_ar_view_replies(self):
        """The customer's replies to collection emails that wait for a collector."""
        action = self.env["ir.actions.act_window"]._for_xml_id("ar_collections.ar_collection_event_action_replies")
        action["domain"] = [("partner_id", "in", self.commercial_partner_id.ids)]
        return action

    # ------------------------------------------------------------------
    # Statement of account (对账单)
    # ------------------------------------------------------------------

    @requires_group(COLLECTION_USER_GROUP)
    def action_ar_print_statement(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Statement of Account"),
            "res_model": "ar.statement.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_ids": self.commercial_partner_id.ids},
        }

    @requires_group(COLLECTION_USER_GROUP)
    def action_ar_print_letter(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Print Collection Letter"),
            "res_model": "ar.collection.letter.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_ids": self.commercial_partner_id.ids},
        }

    @api.model
    def _cron_ar_monthly_statements(self, batch_size=100, time_budget=1800):
        """Monthly job: email last month's statement to customers with an open balance.

        Each customer's profile records the period sent (``statement_sent_until``) and the
        ledger logs it, in the transaction that queues the email: a rerun in the same month,
        even after a crash midway, sends each customer its statement once. Batch after batch,
        the statements of a batch printed together (see ``_ar_send_statements``), a customer
        whose statement fails retried alone, then skipped. Return how many statements were sent.
        """
        today = fields.Date.context_today(self)
        date_to = today.replace(day=1) - relativedelta(days=1)
        date_from = date_to.replace(day=1)
        template = self.env.ref("ar_collections.mail_template_statement")
        note = self.env._(
            "Statement of account from %(date_from)s to %(date_to)s emailed.",
            date_from=format_date(self.env, date_from),
            date_to=format_date(self.env, date_to),
        )

        def send(profiles):
            sent = {}
            for company, group in profiles.grouped("company_id").items():
                emails = group.partner_id.with_company(company)._ar_send_statements(date_from, date_to, template)
                sent.update((profile, emails[profile.partner_id]) for profile in group)
            profiles.sudo().write({"statement_sent_until": date_to})
            self.env["ar.collection.event"]._log_many(
                [
                    {
                        "partner": profile.partner_id,
                        "company": profile.company_id,
                        "kind": "statement",
                        "note": note,
                        **values,
                    }
                    for profile, values in sent.items()
                ]
            )

        return run_over_records(
            self.env["ar.credit.profile"].sudo(),
            [
                ("company_id.ar_statement_monthly", "=", True),
                ("open_receivable", ">", 0),
                ("partner_id.email", "!=", False),
                "|",
                ("statement_sent_until", "=", False),
                ("statement_sent_until", "<", date_to),
            ],
            send,
            "Monthly statements",
            batch_size=batch_size,
            time_budget=time_budget,
        )

    def _ar_send_statement(self, date_from, date_to, template=None):
        """Email this customer its statement of account for the period, with the PDF. Return the
        ledger's values of the email ({attachment_id, mail_id, mail_message_id}): a reply to it
        comes back to the customer's chatter and the ledger."""
        self.ensure_one()
        return self._ar_send_statements(date_from, date_to, template)[self]

    def _ar_send_statements(self, date_from, date_to, template=None):
        """Email each of these customers its statement of account for the period, in the current
        company, with the PDF; return {customer: the ledger's values of its email}.

        The statements of a language print in one go (a few wkhtmltopdf calls side by side,
        then cut per customer: a call costs about a second), the attachments and the emails
        are created together, each email with its own customer's statement."""
        template = template or self.env.ref("ar_collections.mail_template_statement")
        report = self.env.ref("ar_collections.action_report_statement")
        data = {"date_from": str(date_from), "date_to": str(date_to)}
        Report = self.env["ir.actions.report"].sudo()
        documents = {}
        for lang, partners in self.grouped("lang").items():
            documents.update(Report.with_context(lang=lang)._ar_render_each(report.report_name, partners.ids, data))
        attachments = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                [
                    {
                        "name": f"{report.name} - {partner.name} - {date_to}.{documents[partner.id][1]}",
                        "raw": documents[partner.id][0],
                        "res_model": "res.partner",
                        "res_id": partner.id,
                    }
                    for partner in self
                ]
            )
        )
        template = template.with_context(
            **{COMPILE_ONCE: True, SANITIZE_ONCE: True}, ar_statement_date_from=date_from, ar_statement_date_to=date_to
        )
        mails = template.send_mail_batch(self.ids)
        mails._ar_attach_each(attachments)
        return {
            partner: {"attachment_id": attachment.id, "mail_id": mail.id, "mail_message_id": mail.mail_message_id.id}
            for partner, attachment, mail in zip(self, attachments, mails, strict=True)
        }

    @requires_group(CREDIT_MANAGER_GROUP)
    def action_ar_review_now(self):
        self._ar_profiles().action_review_now()
        return True

    @requires_group(CREDIT_MANAGER_GROUP)
    def action_ar_rescore(self):
        self._ar_profiles().action_rescore()
        return True

    @requires_group(CREDIT_MANAGER_GROUP)
    def action_ar_approve_review(self):
        self.ar_pending_review_id.action_approve()
        return True

    @requires_group(CREDIT_MANAGER_GROUP)
    def action_ar_reject_review(self):
        self.ar_pending_review_id.action_reject()
        return True
