"""Credit applications (信用申请): the investigation a customer's credit rests on, before the first
order on credit or a higher limit, and the credit manager's decision on it.

A salesperson (or the customer in the portal) files the application with the customer's identity,
trade references, last figures and external credit report; a credit manager approves or rejects
it. A limit above the company's four-eyes threshold needs two different credit managers. The
decision is applied to the customer's profile and logged in the credit history
(``ar.credit.review._log_change``), the one record of credit changes.
"""

import base64

from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError
from odoo.exceptions import ValidationError
from odoo.tools import formatLang

from ..tools.groups import CREDIT_MANAGER_GROUP
from ..tools.groups import INTERNAL_USER_GROUP
from ..tools.groups import requires_group
from .account_move_portal import MAX_ATTACHMENT_BYTES

# What the applicant fills in; the decision fields are the credit manager's, set by the actions.
APPLICANT_FIELDS = {
    "partner_id",
    "company_id",
    "vat",
    "registration_date",
    "registered_capital",
    "legal_representative",
    "trade_references",
    "fiscal_year",
    "revenue",
    "net_profit",
    "total_assets",
    "total_liabilities",
    "credit_report",
    "credit_report_name",
    "requested_limit",
    "requested_payment_term_id",
    "note",
}
# The credit manager proposes the terms granted before approving.
DECISION_INPUT_FIELDS = {"approved_limit", "approved_payment_term_id", "approved_rating_id", "decision_note"}
# What a customer fills in the portal (its identity is its login's).
PORTAL_FIELDS = APPLICANT_FIELDS - {
    "partner_id",
    "company_id",
    "credit_report",
    "credit_report_name",
    "note",
    "requested_payment_term_id",
}
# Once filed, the customer and company of an application stay.
APPLICANT_WRITE_FIELDS = APPLICANT_FIELDS - {"partner_id", "company_id"}
OPEN_STATES = ("draft", "submitted", "first_approved")


class ArCreditApplication(models.Model):
    """A customer's application for credit (new customer) or for a higher limit."""

    _name = "ar.credit.application"
    _description = "Credit Application"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "create_date desc, id desc"
    _check_company_auto = True

    name = fields.Char(string="Reference", default=lambda self: self.env._("New"), copy=False, readonly=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        domain=[("is_company", "=", True)],
        tracking=True,
    )
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    profile_id = fields.Many2one("ar.credit.profile", string="Credit Profile", readonly=True, index=True)
    kind = fields.Selection(
        [("new", "New customer"), ("increase", "Limit increase")],
        readonly=True,
        default="new",
        help="A customer whose credit is approved already applies for a higher limit.",
    )
    user_id = fields.Many2one("res.users", string="Filed By", default=lambda self: self.env.user, readonly=True)
    from_portal = fields.Boolean(string="Filed Online", readonly=True)
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("submitted", "Submitted"),
            ("first_approved", "Awaiting Second Approval"),
            ("approved", "Approved"),
            ("rejected", "Rejected"),
            ("cancelled", "Cancelled"),
        ],
        default="draft",
        required=True,
        readonly=True,
        index=True,
        tracking=True,
    )

    # ---- identity (主体信息) ----
    vat = fields.Char(
        string="Tax ID / Unified Social Credit Code",
        help="统一社会信用代码 (18 characters) for a company registered in China, else its VAT number.",
    )
    registration_date = fields.Date(string="Registered On")
    registered_capital = fields.Monetary()
    legal_representative = fields.Char()
    trade_references = fields.Text(
        help="Suppliers the customer buys from on credit: name, contact, since when, usual amount, how it pays.",
    )
    # ---- last financial figures ----
    fiscal_year = fields.Char(string="Figures of Year")
    revenue = fields.Monetary()
    net_profit = fields.Monetary()
    total_assets = fields.Monetary()
    total_liabilities = fields.Monetary()
    credit_report = fields.Binary(string="External Credit Report", attachment=True)
    credit_report_name = fields.Char()
    note = fields.Text(string="Salesperson's Note")

    # ---- what is asked, and what is granted ----
    requested_limit = fields.Monetary(tracking=True)
    requested_payment_term_id = fields.Many2one("account.payment.term", string="Requested Terms")
    current_limit = fields.Monetary(related="profile_id.credit_limit", string="Current Limit")
    approved_limit = fields.Monetary(string="Limit Granted", tracking=True)
    approved_payment_term_id = fields.Many2one("account.payment.term", string="Terms Granted")
    approved_rating_id = fields.Many2one(
        "ar.credit.rating", string="Rating Granted", help="Empty: the customer keeps its rating."
    )
    needs_second_approval = fields.Boolean(compute="_compute_needs_second_approval")
    first_approver_id = fields.Many2one("res.users", string="First Approval By", readonly=True)
    first_approved_on = fields.Datetime(readonly=True)
    approver_id = fields.Many2one("res.users", string="Decided By", readonly=True)
    decided_on = fields.Datetime(readonly=True)
    decision_note = fields.Text(string="Decision", help="Why the credit is granted or refused: logged.")

    @api.depends("approved_limit", "requested_limit", "company_id.ar_credit_four_eyes_limit")
    def _compute_needs_second_approval(self):
        for application in self:
            application.needs_second_approval = application._four_eyes(application._limit_to_grant())

    @api.constrains("requested_limit", "approved_limit", "registered_capital")
    def _check_amounts(self):
        for application in self:
            if min(application.requested_limit, application.approved_limit, application.registered_capital) < 0:
                raise ValidationError(self.env._("Limits and capital cannot be negative."))

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(set(vals) - APPLICANT_FIELDS for vals in vals_list):
            raise UserError(
                self.env._("An application is filed with the customer's details; a credit manager decides.")
            )
        applications = super().create(vals_list)
        for application in applications:
            profile = self.env["ar.credit.profile"]._get_or_create(application.partner_id, application.company_id)
            kind = "increase" if profile.credit_state == "approved" else "new"
            sequence = self.env["ir.sequence"].sudo().with_company(application.company_id)
            application.sudo().write(
                {
                    "profile_id": profile.id,
                    "kind": kind,
                    "name": sequence.next_by_code("ar.credit.application") or application.name,
                    "vat": application.vat or application.partner_id.vat,
                }
            )
        return applications

    def write(self, vals):
        if not self.env.su:
            fields_written = set(vals)
            if fields_written - APPLICANT_WRITE_FIELDS - DECISION_INPUT_FIELDS:
                raise UserError(self.env._("An application changes state through its buttons (Submit, Approve...)."))
            if fields_written & DECISION_INPUT_FIELDS:
                self.env["ar.credit.profile"]._check_credit_manager(
                    self.env._("Only a credit manager sets the terms granted.")
                )
            if fields_written & APPLICANT_WRITE_FIELDS and self.filtered(lambda a: a.state != "draft"):
                raise UserError(self.env._("A submitted application cannot be changed: cancel it and file another."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_drafts(self):
        if self.filtered(lambda application: application.state not in ("draft", "cancelled")):
            raise UserError(self.env._("A submitted or decided application is kept: cancel it instead."))

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    @requires_group(INTERNAL_USER_GROUP)
    def action_submit(self):
        """The salesperson sends the application to the credit managers."""
        self.check_access("write")
        for application in self:
            if application.state != "draft":
                raise UserError(self.env._("%s is submitted already.", application.name))
            application._check_complete()
        self._submit()
        return True

    @requires_group(CREDIT_MANAGER_GROUP)
    def action_approve(self):
        """Approve: a limit above the four-eyes threshold needs a second credit manager."""
        self.env["ar.credit.profile"]._check_credit_manager()
        for application in self:
            application._approve()
        return True

    @requires_group(CREDIT_MANAGER_GROUP)
    def action_reject(self):
        """Refuse the credit: a new customer stays on prepayment; the reason is logged."""
        self.env["ar.credit.profile"]._check_credit_manager()
        for application in self:
            if application.state not in ("submitted", "first_approved"):
                raise UserError(self.env._("Only a submitted application can be rejected (%s).", application.name))
            if not (application.decision_note or "").strip():
                raise UserError(self.env._("Write in Decision why the credit is refused: it is logged."))
        self._decide("rejected")
        for application in self:
            profile = application.profile_id.sudo()
            if profile.credit_state != "approved":
                profile.credit_state = "rejected"
                profile._refresh_limits()
            self.env["ar.credit.review"]._log_change(
                "application", application._history_reason(), [(profile, {})], state="rejected"
            )
        return True

    @requires_group(INTERNAL_USER_GROUP)
    def action_cancel(self):
        self.check_access("write")
        if self.filtered(lambda application: application.state not in OPEN_STATES):
            raise UserError(self.env._("Only an application not decided yet can be cancelled."))
        self.sudo().write({"state": "cancelled"})
        self._close_activities()
        for application in self:
            profile = application.profile_id.sudo()
            if profile.credit_state == "applied" and not profile.application_ids.filtered(
                lambda other: other.state in ("submitted", "first_approved")
            ):
                profile.credit_state = "new"
        return True

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    @api.model
    def _portal_apply(self, customer, company, values, report=None):
        """File and submit ``customer``'s application from the portal (the logged-in customer's
        own company, passed by the controller): only what the applicant may fill in, one open
        application at a time. ``report``: (file name, content) of the credit report."""
        if self.sudo().search_count(
            [("partner_id", "=", customer.id), ("company_id", "=", company.id), ("state", "in", OPEN_STATES)], limit=1
        ):
            raise UserError(self.env._("Your credit application is being examined: we will answer it shortly."))
        values = {name: value for name, value in values.items() if name in PORTAL_FIELDS}
        if report:
            if len(report[1]) > MAX_ATTACHMENT_BYTES:
                raise UserError(self.env._("The credit report is larger than 10 MB: send a smaller file."))
            values.update(credit_report_name=report[0], credit_report=base64.b64encode(report[1]))
        application = self.sudo().create(
            {**values, "partner_id": customer.id, "company_id": company.id, "user_id": False, "from_portal": True}
        )
        application._check_complete()
        application._submit()
        return application

    def _check_complete(self):
        self.ensure_one()
        missing = [
            label
            for name, label in (
                ("vat", self._fields["vat"].string),
                ("legal_representative", self._fields["legal_representative"].string),
            )
            if not self[name]
        ]
        if self.requested_limit <= 0:
            missing.append(self._fields["requested_limit"].string)
        if missing:
            raise UserError(
                self.env._("Fill in before submitting the application: %(fields)s.", fields=", ".join(missing))
            )

    def _submit(self):
        """Submit these applications: the customers wait, on the new-customer terms, for a decision."""
        self.sudo().write({"state": "submitted"})
        for application in self.sudo():
            profile = application.profile_id
            if profile.credit_state in ("new", "rejected"):
                profile.credit_state = "applied"
            application._ask_credit_managers(self.env._("Credit application to decide: %s", application.name))

    def _approve(self):
        self.ensure_one()
        if self.state not in ("submitted", "first_approved"):
            raise UserError(self.env._("Only a submitted application can be approved (%s).", self.name))
        limit = self._limit_to_grant()
        if limit <= 0:
            raise UserError(self.env._("Set the Limit Granted before approving %s.", self.name))
        if self._four_eyes(limit):
            if self.state == "submitted":
                self.sudo().write(
                    {
                        "state": "first_approved",
                        "approved_limit": limit,
                        "first_approver_id": self.env.user.id,
                        "first_approved_on": fields.Datetime.now(),
                    }
                )
                self._close_activities()
                self._ask_credit_managers(
                    self.env._("Second approval: %(name)s, limit %(limit)s", name=self.name, limit=self._money(limit)),
                    exclude=self.env.user,
                )
                self.message_post(body=self.env._("First approval: a second credit manager must approve."))
                return
            if self.first_approver_id == self.env.user:
                raise UserError(
                    self.env._(
                        "A limit of %(limit)s is above %(threshold)s: another credit manager than %(user)s must give "
                        "the second approval.",
                        limit=self._money(limit),
                        threshold=self._money(self.company_id.ar_credit_four_eyes_limit),
                        user=self.env.user.name,
                    )
                )
        self.sudo().approved_limit = limit
        self._decide("approved")
        self._grant()

    def _grant(self):
        """Give the customer the terms of this approved application, logged in its credit history."""
        self.ensure_one()
        profile = self.profile_id.sudo()
        partner = profile.partner_id.with_company(self.company_id).sudo()
        before = {
            "old_limit": profile.credit_limit,
            "old_rating_id": profile.rating_id.id,
        }
        values = {"use_partner_credit_limit": True, "credit_limit": self.approved_limit}
        if self.approved_payment_term_id or self.requested_payment_term_id:
            values["property_payment_term_id"] = (self.approved_payment_term_id or self.requested_payment_term_id).id
        with partner._ar_credit_change_logged():  # the history row below is the log
            partner.write(values)
        rating = self.approved_rating_id or profile.rating_id
        # The credit manager has just reviewed the customer: the review job leaves it until the next review.
        profile.write(
            {
                "credit_state": "approved",
                "rating_id": rating.id,
                "next_review_date": profile._review_date_after(rating.review_interval_months or 6),
            }
        )
        profile._refresh_limits()
        self.env["ar.credit.review"]._log_change(
            "application",
            self._history_reason(),
            [(profile, {**before, "new_limit": profile.credit_limit, "new_rating_id": profile.rating_id.id})],
        )

    def _decide(self, state):
        self.sudo().write({"state": state, "approver_id": self.env.user.id, "decided_on": fields.Datetime.now()})
        self._close_activities()
        for application in self:
            application.message_post(
                body=self.env._(
                    "%(state)s by %(user)s: %(note)s",
                    state=dict(self._fields["state"]._description_selection(self.env))[state],
                    user=self.env.user.name,
                    note=application.decision_note or "-",
                )
            )

    def _history_reason(self):
        self.ensure_one()
        reason = self.env._("Credit application %(name)s", name=self.name)
        if self.first_approver_id:
            reason += self.env._(
                " (approved by %(first)s and %(second)s)",
                first=self.first_approver_id.name,
                second=self.env.user.name,
            )
        return f"{reason}: {self.decision_note}" if self.decision_note else reason

    def _limit_to_grant(self):
        self.ensure_one()
        return self.approved_limit or self.requested_limit

    def _four_eyes(self, limit):
        """Whether granting ``limit`` needs two credit managers (the company's threshold)."""
        threshold = self.company_id.ar_credit_four_eyes_limit
        return bool(threshold) and self.currency_id.compare_amounts(limit, threshold) > 0

    def _ask_credit_managers(self, summary, exclude=None):
        managers = self.env["ar.credit.profile"]._credit_managers(self.company_id) - (exclude or self.env["res.users"])
        activity_type = self.env.ref("ar_collections.mail_activity_type_credit_application")
        for manager in managers[:1]:
            self.sudo().activity_schedule(activity_type_id=activity_type.id, user_id=manager.id, summary=summary)

    def _close_activities(self):
        activity_type = self.env.ref("ar_collections.mail_activity_type_credit_application")
        self.sudo().activity_ids.filtered(lambda activity: activity.activity_type_id == activity_type).action_feedback(
            feedback=self.env._("Decided.")
        )

    def _money(self, amount):
        return formatLang(self.env, amount, currency_obj=self.currency_id)
