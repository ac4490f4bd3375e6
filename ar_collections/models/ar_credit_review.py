from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError

# Context key under which the review's own methods may update a row.
DECISION_CONTEXT = "ar_credit_review_decision"


class ArCreditReview(models.Model):
    """Append-only history of a customer's credit score, rating and limit."""

    _name = "ar.credit.review"
    _description = "Credit Review"
    _order = "date desc, id desc"
    _rec_name = "partner_id"

    profile_id = fields.Many2one("ar.credit.profile", required=True, ondelete="cascade", index=True, readonly=True)
    partner_id = fields.Many2one(related="profile_id.partner_id", store=True, index=True, string="Customer")
    company_id = fields.Many2one(related="profile_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Datetime(default=fields.Datetime.now, required=True, readonly=True)
    user_id = fields.Many2one("res.users", string="By", default=lambda self: self.env.user, readonly=True)
    origin = fields.Selection(
        [
            ("job", "Review job"),
            ("manual", "Manual review"),
            ("rating", "Rating changed by hand"),
            ("limit", "Limit changed by hand"),
        ],
        required=True,
        readonly=True,
    )
    old_score = fields.Integer(readonly=True)
    new_score = fields.Integer(readonly=True)
    old_rating_id = fields.Many2one("ar.credit.rating", readonly=True)
    new_rating_id = fields.Many2one("ar.credit.rating", readonly=True)
    old_limit = fields.Monetary(readonly=True)
    new_limit = fields.Monetary(readonly=True)
    reason = fields.Text(readonly=True)
    state = fields.Selection(
        [
            ("applied", "Applied"),
            ("proposed", "Awaiting approval"),
            ("approved", "Approved"),
            ("rejected", "Rejected"),
        ],
        default="applied",
        required=True,
        readonly=True,
        index=True,
    )
    rating_changed = fields.Boolean(compute="_compute_rating_changed", store=True)
    decided_by_id = fields.Many2one("res.users", readonly=True)
    decided_on = fields.Datetime(readonly=True)

    @api.depends("old_rating_id", "new_rating_id")
    def _compute_rating_changed(self):
        for review in self:
            review.rating_changed = review.old_rating_id != review.new_rating_id

    def write(self, vals):
        if not self.env.context.get(DECISION_CONTEXT):
            raise UserError(self.env._("The credit history is append-only: a review cannot be changed once written."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("The credit history is append-only: reviews cannot be deleted."))

    def action_approve(self):
        self._check_pending()
        self.profile_id._check_credit_manager()
        self._decide("approved")
        self._apply_to_profile()
        return True

    def action_reject(self):
        self._check_pending()
        self.profile_id._check_credit_manager()
        self._decide("rejected")
        return True

    def _check_pending(self):
        decided = self.filtered(lambda review: review.state != "proposed")
        if decided:
            raise UserError(
                self.env._(
                    "Only proposals awaiting approval can be approved or rejected; %(names)s already decided.",
                    names=", ".join(decided.partner_id.mapped("display_name")),
                )
            )

    def _decide(self, state):
        self.with_context(**{DECISION_CONTEXT: True}).sudo().write(
            {"state": state, "decided_by_id": self.env.user.id, "decided_on": fields.Datetime.now()}
        )
        for review in self:
            if review.profile_id.pending_review_id == review:
                review.profile_id.sudo().pending_review_id = False

    def _apply_to_profile(self):
        """Give each profile the rating of its review, with the rating's default limit and terms."""
        for review in self.sudo():
            profile = review.profile_id
            rating = review.new_rating_id
            if rating and rating != profile.rating_id:
                partner = profile.partner_id.with_company(profile.company_id).with_context(ar_credit_no_log=True)
                if partner.use_partner_credit_limit:
                    partner.use_partner_credit_limit = False
                if rating.payment_term_id:
                    partner.property_payment_term_id = rating.payment_term_id
                profile.rating_id = rating
            profile._refresh_limits()
            if review.new_limit != profile.credit_limit:
                review.with_context(**{DECISION_CONTEXT: True}).new_limit = profile.credit_limit
