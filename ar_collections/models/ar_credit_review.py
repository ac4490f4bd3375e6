"""The credit history (信用档案): every change of a customer's score, rating or limit, and the
review that rescores customers and applies (or proposes) the rating their score gives.

The score formula itself is plain Python (``tools/credit_score.py``); this file reads the
payment history it needs, applies the result, logs each change (``_log_change``, the one way
a change is recorded) and runs the review job.
"""

import logging

from dateutil.relativedelta import relativedelta

from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools.batch_jobs import run_over_records
from ..tools.credit_score import score_from_history
from ..tools.groups import CREDIT_MANAGER_GROUP
from ..tools.groups import requires_group

# What the review's own code may still set on a row, as superuser: the decision on a proposal
# and the limit the profile actually got. Nothing else changes, by anyone.
DECISION_FIELDS = {"state", "decided_by_id", "decided_on", "new_limit"}

_logger = logging.getLogger(__name__)


class ArCreditReview(models.Model):
    """Append-only history of a customer's credit score, rating and limit."""

    _name = "ar.credit.review"
    _description = "Credit Review"
    _order = "date desc, id desc"
    _rec_name = "partner_id"

    # The history outlives nothing it names: a customer or rating in it is archived, not deleted.
    profile_id = fields.Many2one("ar.credit.profile", required=True, ondelete="restrict", index=True, readonly=True)
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
            ("application", "Credit application"),
        ],
        required=True,
        readonly=True,
    )
    old_score = fields.Integer(readonly=True)
    new_score = fields.Integer(readonly=True)
    old_rating_id = fields.Many2one("ar.credit.rating", readonly=True, ondelete="restrict")
    new_rating_id = fields.Many2one("ar.credit.rating", readonly=True, ondelete="restrict")
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

    @api.model_create_multi
    def create(self, vals_list):
        # Rows are written by `_log_change` (as superuser), which sets date, author and the
        # figures before the change itself: a row made by hand over RPC is refused.
        if not self.env.su:
            raise UserError(
                self.env._(
                    "The credit history is recorded by the changes themselves: change the customer's rating or "
                    "credit limit, or run a credit review."
                )
            )
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su or not set(vals) <= DECISION_FIELDS:
            raise UserError(self.env._("The credit history is append-only: a review cannot be changed once written."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("The credit history is append-only: reviews cannot be deleted."))

    @requires_group(CREDIT_MANAGER_GROUP)
    def action_approve(self):
        self._check_pending()
        self.profile_id._check_credit_manager()
        self._decide("approved")
        self._apply_to_profile()
        return True

    @requires_group(CREDIT_MANAGER_GROUP)
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
        self.sudo().write({"state": state, "decided_by_id": self.env.user.id, "decided_on": fields.Datetime.now()})
        for review in self:
            if review.profile_id.pending_review_id == review:
                review.profile_id.sudo().pending_review_id = False

    def _apply_to_profile(self):
        """Give each profile the rating of its review, with the rating's default limit and terms.

        Set-wise: the customers given the same rating are written together, their limits
        refreshed once for all, and each review keeps the limit its customer got.
        """
        reviews = self.sudo()
        if len(reviews.profile_id) < len(reviews):
            # Two decisions on one customer apply one after the other, in their order.
            for review in reviews:
                review._apply_to_profile()
            return
        rerated = reviews.filtered(
            lambda review: review.new_rating_id and review.new_rating_id != review.profile_id.rating_id
        )
        for rating, rating_reviews in rerated.grouped("new_rating_id").items():
            self._give_rating_terms(rating_reviews.profile_id, rating)
        self.env["ar.credit.profile"].sudo()._write_each(
            {review.profile_id.id: {"rating_id": review.new_rating_id.id} for review in rerated}
        )
        reviews.profile_id._refresh_limits()
        for limit, limit_reviews in reviews.grouped(lambda review: review.profile_id.credit_limit).items():
            outdated = limit_reviews.filtered(lambda review, limit=limit: review.new_limit != limit)
            if outdated:
                outdated.new_limit = limit

    @api.model
    def _give_rating_terms(self, profiles, rating):
        """The customers of ``profiles``, given ``rating``, leave their own limit for the
        rating's default and take its payment terms."""
        for company, company_profiles in profiles.grouped("company_id").items():
            # Terms and limits are not tracked: no need to read the tracked values of them all.
            partners = company_profiles.partner_id.with_company(company).with_context(mail_notrack=True)
            with partners._ar_credit_change_logged():  # the review is the log
                own_limit = partners.filtered("use_partner_credit_limit")
                if own_limit:
                    # What clearing use_partner_credit_limit does (account's inverse, a write
                    # per partner): the company's default limit, in one write for all. The
                    # flag is computed from the limit without depending on it: read it afresh.
                    own_limit.credit_limit = own_limit._fields["credit_limit"].get_company_dependent_fallback(own_limit)
                    own_limit.invalidate_recordset(["use_partner_credit_limit"])
                if rating.payment_term_id:
                    partners.property_payment_term_id = rating.payment_term_id

    # ------------------------------------------------------------------
    # Logging a change
    # ------------------------------------------------------------------

    @api.model
    def _log_change(self, origin, reason, changes, state="applied"):
        """Record changes of customers' credit, one history row each, in one create.

        ``changes`` is a list of (profile, {field: new value}) where the fields are any of
        new_score, new_rating_id, new_limit (and old_limit when the profile no longer holds
        it): what is not given is the profile's current value, before and after. The one way
        a score, rating or limit change is logged, by the job, a review or a hand change.
        """
        values = []
        for profile, change in changes:
            values.append(
                {
                    "profile_id": profile.id,
                    "origin": origin,
                    "reason": reason,
                    "state": state,
                    "old_score": profile.score,
                    "new_score": profile.score,
                    "old_rating_id": profile.rating_id.id,
                    "new_rating_id": profile.rating_id.id,
                    "old_limit": profile.credit_limit,
                    "new_limit": profile.credit_limit,
                    **change,
                }
            )
        return self.sudo().create(values)

    # ------------------------------------------------------------------
    # Scoring
    # ------------------------------------------------------------------

    @api.model
    def _compute_scores(self, profiles):
        """Score ``profiles`` from their own payment history: {profile id: (score, details)}.

        The review job, the "Re-score" button and the partner form all come here; the
        formula is ``tools/credit_score.py``. One aggregate query per company.
        """
        results = {}
        today = fields.Date.context_today(self)
        since = today - relativedelta(months=12)
        for company, company_profiles in profiles.grouped("company_id").items():
            history = self._payment_history(company_profiles.partner_id, company, since, today)
            for profile in company_profiles:
                results[profile.id] = score_from_history(
                    history.get(profile.partner_id.id, {}),
                    company.ar_credit_new_customer_score,
                    company.ar_credit_min_history,
                    today,
                )
        return results

    @api.model
    def _payment_history(self, partners, company, since, today):
        """Per commercial partner: the figures the score is made of, in one query."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                WITH members AS (
                    SELECT id, commercial_partner_id FROM res_partner
                     WHERE commercial_partner_id = ANY(%(partner_ids)s)
                ),
                terms AS (
                    SELECT m.commercial_partner_id AS partner_id, aml.date_maturity, aml.balance,
                           aml.amount_residual, aml.reconciled, move.invoice_date,
                           paid.paid_date
                      FROM account_move_line aml
                      JOIN account_move move ON move.id = aml.move_id
                      JOIN members m ON m.id = aml.partner_id
                      LEFT JOIN LATERAL (
                          SELECT MAX(apr.max_date) AS paid_date
                            FROM account_partial_reconcile apr
                           WHERE apr.debit_move_id = aml.id
                      ) paid ON aml.reconciled
                     WHERE aml.company_id = %(company_id)s
                       AND aml.display_type = 'payment_term'
                       AND move.move_type = 'out_invoice'
                       AND move.state = 'posted'
                       AND aml.balance > 0
                )
                SELECT partner_id,
                       MIN(invoice_date) AS first_invoice_date,
                       COUNT(*) FILTER (WHERE invoice_date >= %(since)s) AS invoices_12m,
                       COUNT(*) FILTER (
                           WHERE date_maturity >= %(since)s AND date_maturity < %(today)s
                       ) AS due_12m,
                       COUNT(*) FILTER (
                           WHERE date_maturity >= %(since)s AND date_maturity < %(today)s
                             AND reconciled AND paid_date <= date_maturity
                       ) AS on_time_12m,
                       SUM(balance * GREATEST(COALESCE(paid_date, %(today)s) - date_maturity, 0)) FILTER (
                           WHERE date_maturity >= %(since)s AND date_maturity < %(today)s
                       ) AS weighted_days_late,
                       SUM(balance) FILTER (
                           WHERE date_maturity >= %(since)s AND date_maturity < %(today)s
                       ) AS due_amount_12m,
                       SUM(balance * GREATEST(COALESCE(paid_date, %(today)s) - date_maturity, 0)) FILTER (
                           WHERE date_maturity >= %(recent)s AND date_maturity < %(today)s
                       ) AS weighted_days_late_3m,
                       SUM(balance) FILTER (
                           WHERE date_maturity >= %(recent)s AND date_maturity < %(today)s
                       ) AS due_amount_3m,
                       COUNT(*) FILTER (
                           WHERE date_maturity >= %(since)s AND date_maturity < %(today)s
                             AND COALESCE(paid_date, %(today)s) - date_maturity > 90
                       ) AS past_90_12m,
                       SUM(amount_residual) FILTER (WHERE reconciled IS NOT TRUE) AS open_amount,
                       SUM(amount_residual) FILTER (
                           WHERE reconciled IS NOT TRUE AND date_maturity < %(today)s
                       ) AS overdue_amount
                  FROM terms
                 GROUP BY partner_id
                """,
                partner_ids=partners.ids,
                company_id=company.id,
                since=since,
                recent=today - relativedelta(months=3),
                today=today,
            )
        )
        return {row["partner_id"]: row for row in self.env.cr.dictfetchall()}

    @api.model
    def _apply_scores(self, profiles, scores, next_review_dates=None):
        """Store each profile's score, its explanation and its payment prediction, and, after a
        review, the date of the next one ({profile id: date}): one statement for all."""
        today = fields.Date.context_today(self)
        values = {}
        for profile in profiles:
            score, details = scores[profile.id]
            prediction = details["prediction"]
            values[profile.id] = {
                "score": score,
                "score_details": details,
                "score_date": today,
                "payment_delay": prediction["delay"],
                "past_90_likelihood": prediction["p90"],
            }
            if next_review_dates is not None:
                values[profile.id]["next_review_date"] = next_review_dates[profile.id]
        self.env["ar.credit.profile"].sudo()._write_each(values)

    # ------------------------------------------------------------------
    # Review
    # ------------------------------------------------------------------

    @api.model
    def _review(self, profiles, origin="job", reason=None):
        """Re-score ``profiles`` and apply (or propose) the rating the score gives.

        Logs one history row per profile. When the company asks for approval, a rating
        change found by the job becomes a proposal that a credit manager approves or
        rejects; a credit manager's own review applies. Set-wise: the job's batch of
        hundreds of customers costs the statements of a few.
        """
        old_scores = {profile.id: profile.score for profile in profiles}
        scores = self._compute_scores(profiles)
        Rating = self.env["ar.credit.rating"]
        ladders = {company: Rating._ladder(company) for company in profiles.company_id}
        reason = reason or self.env._("Periodic credit review")
        applied, proposed, next_review_dates = [], [], {}
        for profile in profiles:
            company = profile.company_id
            new_rating = Rating._rating_for_score(scores[profile.id][0], company, ladders[company]) or profile.rating_id
            change = {
                "old_score": old_scores[profile.id],
                "new_rating_id": new_rating.id,
                "new_limit": profile._limit_with_rating(new_rating),
            }
            if new_rating != profile.rating_id and origin == "job" and company.ar_credit_approval_required:
                proposed.append((profile, change))
            else:
                applied.append((profile, change))
            interval = (new_rating or profile.rating_id).review_interval_months or 6
            next_review_dates[profile.id] = profile._review_date_after(interval)
        self._apply_scores(profiles, scores, next_review_dates)
        proposals = self._log_change(origin, reason, proposed, state="proposed")
        self.env["ar.credit.profile"].sudo()._write_each(
            {review.profile_id.id: {"pending_review_id": review.id} for review in proposals}
        )
        reviews = self._log_change(origin, reason, applied)
        reviews._apply_to_profile()
        return proposals | reviews

    @api.model
    def _cron_review_due(self, batch_size=None, time_budget=300):
        """Daily job: create the missing profiles of customers, then review those whose date has come.

        Batch after batch, each customer isolated from the others: one whose review fails is
        logged and stays due for the next run. Return how many customers were reviewed.
        """
        Profile = self.env["ar.credit.profile"].sudo()
        Profile._create_missing_customer_profiles()
        today = fields.Date.context_today(self)
        domain = [
            ("company_id.ar_credit_review_enabled", "=", True),
            "|",
            ("next_review_date", "=", False),
            ("next_review_date", "<=", today),
            ("partner_id.active", "=", True),
        ]

        def review(profiles):
            for company, company_profiles in profiles.grouped("company_id").items():
                self.sudo().with_company(company)._review(company_profiles.with_company(company), origin="job")

        done = run_over_records(
            Profile, domain, review, "Credit review", batch_size=batch_size or 500, time_budget=time_budget
        )
        _logger.info("Credit review: %s customer(s) reviewed", done)
        return done
