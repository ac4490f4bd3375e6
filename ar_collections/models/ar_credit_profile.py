import logging
import math
import threading
import time
from collections import defaultdict

from dateutil.relativedelta import relativedelta
from markupsafe import escape

from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import AccessError
from odoo.tools import SQL
from odoo.tools import create_index
from odoo.tools import format_date

_logger = logging.getLogger(__name__)

# Points of each factor of the credit score; they add up to 100.
SCORE_WEIGHTS = {
    "on_time": 40,
    "days_late": 25,
    "overdue_share": 20,
    "relationship": 15,
}
# Average days late (amount-weighted) at which the "days late" factor gives no point.
DAYS_LATE_ZERO_POINTS = 60
# Likelihood of passing 90 days overdue before any history: 1 in 10, worth two invoices.
PAST_90_PRIOR = 0.1
PAST_90_PRIOR_WEIGHT = 2
# Relationship length and yearly invoice count that earn the full relationship points.
RELATIONSHIP_FULL_MONTHS = 24
RELATIONSHIP_FULL_INVOICES = 12
CREDIT_MANAGER_GROUP = "ar_collections.group_ar_credit_manager"


class ArCreditProfile(models.Model):
    """The credit profile of a commercial partner in one company.

    Ratings, scores, holds and exposure differ from company to company, so they
    live here, one row per (customer, company), where they can be indexed and
    updated set-wise; the partner shows the row of the current company.
    """

    _name = "ar.credit.profile"
    _description = "Customer Credit Profile"
    _rec_name = "partner_id"
    _order = "exposure desc, id"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        ondelete="cascade",
        index=True,
        domain=[("is_company", "=", True)],
    )
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")

    # ---- rating and score ----
    rating_id = fields.Many2one("ar.credit.rating", index="btree_not_null", check_company=True)
    prepayment_required = fields.Boolean(related="rating_id.prepayment_required")
    score = fields.Integer(string="Credit Score", help="0 (worst) to 100 (best), from the customer's payment history.")
    score_date = fields.Date(string="Scored On")
    score_details = fields.Json(string="Score Breakdown")
    score_details_html = fields.Html(compute="_compute_score_details_html", string="Score Explanation")
    next_review_date = fields.Date(index="btree_not_null")
    pending_review_id = fields.Many2one("ar.credit.review", string="Proposal Awaiting Approval")
    payment_delay = fields.Float(
        string="Usual Delay (Days)", help="How many days after the due date this customer usually pays."
    )
    past_90_likelihood = fields.Float(
        string="Likelihood Past 90 Days",
        default=PAST_90_PRIOR,
        help="How likely one of this customer's invoices is to pass 90 days overdue, from its history.",
    )
    review_ids = fields.One2many("ar.credit.review", "profile_id", string="Credit History")

    # ---- credit limit (Odoo's own company-dependent credit_limit, or the rating's) ----
    credit_limit = fields.Monetary(
        string="Effective Credit Limit",
        help="The customer's own credit limit, or its rating's default, or the company's default. 0: no limit.",
    )
    credit_limit_source = fields.Selection(
        [
            ("partner", "Customer's own limit"),
            ("rating", "Rating default"),
            ("company", "Company default"),
        ],
        string="Limit From",
    )

    # ---- exposure, in company currency, refreshed set-wise by _refresh_exposure ----
    open_receivable = fields.Monetary(help="Posted, unreconciled receivable (credit notes and payments deducted).")
    overdue_amount = fields.Monetary(help="Part of the open receivable past its due date.")
    oldest_due_date = fields.Date(string="Oldest Overdue Due Date")
    oldest_overdue_days = fields.Integer(compute="_compute_oldest_overdue_days", string="Oldest Overdue (Days)")
    order_uninvoiced = fields.Monetary(string="Orders Not Invoiced", help="Confirmed sale orders not yet invoiced.")
    draft_invoiced = fields.Monetary(string="Draft Invoices")
    exposure = fields.Monetary(string="Total Exposure", help="Open receivable + orders not invoiced + draft invoices.")
    available_credit = fields.Monetary(compute="_compute_available_credit")
    over_limit = fields.Boolean(help="Exposure is above the effective credit limit.")
    stage_id = fields.Many2one(
        "ar.collection.stage",
        string="Collection Stage",
        index="btree_not_null",
        help="The highest collection stage reached by the customer's open invoices.",
    )
    priority = fields.Monetary(
        string="Expected Loss",
        help="Overdue amount times the likelihood of passing 90 days overdue (1 once past 90 days): "
        "the worklist's order.",
    )
    exposure_date = fields.Datetime(string="Exposure Updated On")

    # ---- holds ----
    hold = fields.Boolean(string="On Credit Hold")
    hold_cause = fields.Selection(
        [("manual", "Manual"), ("collection", "Collection stage"), ("blacklist", "Blacklist")],
    )
    hold_reason = fields.Text()
    hold_since = fields.Datetime()
    hold_user_id = fields.Many2one("res.users", string="Hold Set By")
    blacklisted = fields.Boolean()
    blacklist_reason = fields.Text()
    blacklist_since = fields.Datetime()
    blacklist_user_id = fields.Many2one("res.users", string="Blacklisted By")

    _sql_constraints = [
        ("partner_company_unique", "UNIQUE (partner_id, company_id)", "A customer has one credit profile per company."),
    ]

    def init(self):
        # The partner filters "On credit hold", "Over limit" and "Blacklisted"
        # select few rows of one company: partial indexes answer them directly.
        for flag in ("hold", "over_limit", "blacklisted"):
            create_index(
                self.env.cr,
                f"ar_credit_profile_{flag}_idx",
                self._table,
                ["company_id", "partner_id"],
                where=f"{flag} IS TRUE",
            )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------

    @api.depends("oldest_due_date")
    def _compute_oldest_overdue_days(self):
        today = fields.Date.context_today(self)
        for profile in self:
            due = profile.oldest_due_date
            profile.oldest_overdue_days = (today - due).days if due and due < today else 0

    @api.depends("credit_limit", "exposure")
    def _compute_available_credit(self):
        for profile in self:
            profile.available_credit = profile.credit_limit - profile.exposure if profile.credit_limit else 0.0

    @api.depends("score_details")
    def _compute_score_details_html(self):
        for profile in self:
            profile.score_details_html = self.env["ir.qweb"]._render(
                "ar_collections.credit_score_breakdown", {"profile": profile, "details": profile.score_details or {}}
            )

    # ------------------------------------------------------------------
    # Access helpers
    # ------------------------------------------------------------------

    @api.model
    def _get_or_create(self, partners, company):
        """The profiles of the commercial partners of ``partners`` in ``company``, created when missing."""
        commercial = partners.commercial_partner_id
        profiles = self.sudo().search([("partner_id", "in", commercial.ids), ("company_id", "=", company.id)])
        missing = commercial - profiles.partner_id
        if missing:
            profiles |= self.sudo().create([{"partner_id": p.id, "company_id": company.id} for p in missing])
            profiles.filtered(lambda p: p.partner_id in missing)._init_new_profiles()
        return profiles.sudo(False)

    def _init_new_profiles(self):
        """A new customer starts with the company's starting score and the rating it gives,
        and is due for review so that the job scores its real history."""
        Rating = self.env["ar.credit.rating"]
        today = fields.Date.context_today(self)
        for company, profiles in self.grouped("company_id").items():
            score = company.ar_credit_new_customer_score
            profiles.sudo().write(
                {
                    "score": score,
                    "rating_id": Rating._rating_for_score(score, company).id,
                    "next_review_date": today,
                }
            )
        self._refresh_limits()

    @api.model
    def _credit_managers(self, company):
        """Users who can release credit blocks in ``company``: the appointed credit manager first."""
        group = self.env.ref(CREDIT_MANAGER_GROUP)
        managers = (
            self.env["res.users"]
            .sudo()
            .search(
                [("groups_id", "in", group.ids), ("share", "=", False), ("company_ids", "in", company.ids)],
                order="id",
            )
            .filtered(lambda user: not user._is_superuser())
        )
        appointed = company.ar_credit_manager_id
        return (appointed | managers) if appointed else managers

    def _check_credit_manager(self):
        if not (self.env.su or self.env.user.has_group(CREDIT_MANAGER_GROUP)):
            raise AccessError(
                self.env._(
                    "Only a Collections / Credit Manager can change ratings, credit limits, holds and the "
                    "blacklist. Ask a credit manager."
                )
            )

    # ------------------------------------------------------------------
    # Exposure
    # ------------------------------------------------------------------

    @api.model
    def _refresh_exposure(self, partners):
        """Recompute the stored exposure of the commercial partners of ``partners``, in every company.

        One statement for the whole set: receivable, orders and drafts are
        aggregated per (commercial partner, company) and upserted. Children
        contacts count toward their commercial partner.
        """
        partner_ids = list(set(partners.ids))
        if not partner_ids:
            return self.browse()
        self.env.flush_all()
        today = fields.Date.context_today(self)
        # The contacts whose entries count for these commercial partners: as arrays, so that the
        # statement below reaches their journal items through the partner index, not a scan.
        self.env.cr.execute(
            """
            SELECT id, commercial_partner_id FROM res_partner
             WHERE commercial_partner_id IN (
                   SELECT commercial_partner_id FROM res_partner WHERE id = ANY(%s))
            """,
            [partner_ids],
        )
        members = self.env.cr.fetchall()
        member_ids = [row[0] for row in members]
        commercial_ids = list({row[1] for row in members})
        self.env.cr.execute(
            SQL(
                """
                WITH commercial AS (
                    SELECT unnest(%(commercial_ids)s::int[]) AS id
                ),
                members AS (
                    SELECT unnest(%(member_ids)s::int[]) AS id, unnest(%(member_commercial_ids)s::int[])
                           AS commercial_partner_id
                ),
                receivable AS (
                    -- The priority weighs each overdue amount by the customer's likelihood of passing
                    -- 90 days: L + (1 - L) * age / 90. L is the customer's, so both sums are taken here
                    -- and L is applied once per customer below.
                    SELECT aml.company_id, m.commercial_partner_id AS partner_id,
                           SUM(aml.amount_residual) AS open_receivable,
                           SUM(aml.amount_residual) FILTER (
                               WHERE aml.amount_residual > 0 AND aml.date_maturity < %(today)s) AS overdue_debit,
                           SUM(aml.amount_residual) FILTER (WHERE aml.amount_residual < 0) AS open_credit,
                           MIN(aml.date_maturity) FILTER (
                               WHERE aml.amount_residual > 0 AND aml.date_maturity < %(today)s) AS oldest_due_date,
                           SUM(aml.amount_residual * LEAST(%(today)s - aml.date_maturity, 90) / 90.0) FILTER (
                               WHERE aml.amount_residual > 0 AND aml.date_maturity < %(today)s) AS aged_overdue
                      FROM account_move_line aml
                      JOIN members m ON m.id = aml.partner_id
                      JOIN account_account account ON account.id = aml.account_id
                     WHERE aml.partner_id = ANY(%(member_ids)s::int[])
                       AND account.account_type = 'asset_receivable'
                       AND aml.reconciled IS NOT true
                       AND aml.parent_state = 'posted'
                     GROUP BY aml.company_id, m.commercial_partner_id
                ),
                orders AS (
                    SELECT so.company_id, m.commercial_partner_id AS partner_id,
                           SUM(sol.price_total * (sol.product_uom_qty - sol.qty_invoiced) / sol.product_uom_qty
                               / COALESCE(NULLIF(so.currency_rate, 0), 1)) AS order_uninvoiced
                      FROM sale_order_line sol
                      JOIN sale_order so ON so.id = sol.order_id
                      JOIN members m ON m.id = so.partner_invoice_id
                     WHERE so.state = 'sale'
                       AND sol.product_uom_qty > 0
                       AND sol.qty_invoiced < sol.product_uom_qty
                     GROUP BY so.company_id, m.commercial_partner_id
                ),
                drafts AS (
                    SELECT move.company_id, move.commercial_partner_id AS partner_id,
                           SUM(move.amount_total_signed) AS draft_invoiced
                      FROM account_move move
                     WHERE move.state = 'draft'
                       AND move.move_type IN ('out_invoice', 'out_refund')
                       AND move.commercial_partner_id IN (SELECT id FROM commercial)
                     GROUP BY move.company_id, move.commercial_partner_id
                ),
                stages AS (
                    SELECT DISTINCT ON (move.company_id, move.commercial_partner_id)
                           move.company_id, move.commercial_partner_id AS partner_id, move.ar_stage_id AS stage_id
                      FROM account_move move
                      JOIN ar_collection_stage stage ON stage.id = move.ar_stage_id
                     WHERE move.commercial_partner_id IN (SELECT id FROM commercial)
                       AND move.move_type = 'out_invoice'
                       AND move.state = 'posted'
                       AND move.payment_state IN ('not_paid', 'partial')
                     ORDER BY move.company_id, move.commercial_partner_id, stage.offset_days DESC
                ),
                keys AS (
                    SELECT company_id, partner_id FROM receivable
                    UNION SELECT company_id, partner_id FROM orders
                    UNION SELECT company_id, partner_id FROM drafts
                    UNION SELECT company_id, partner_id FROM ar_credit_profile
                           WHERE partner_id IN (SELECT id FROM commercial)
                ),
                figures AS (
                    SELECT k.partner_id, k.company_id,
                           COALESCE(r.open_receivable, 0) AS open_receivable,
                           GREATEST(COALESCE(r.overdue_debit, 0) + COALESCE(r.open_credit, 0), 0) AS overdue_amount,
                           r.oldest_due_date,
                           COALESCE(o.order_uninvoiced, 0) AS order_uninvoiced,
                           COALESCE(d.draft_invoiced, 0) AS draft_invoiced,
                           COALESCE(
                               COALESCE(prof.past_90_likelihood, %(prior)s) * r.overdue_debit
                               + (1 - COALESCE(prof.past_90_likelihood, %(prior)s)) * r.aged_overdue,
                               0
                           ) AS priority,
                           st.stage_id
                      FROM keys k
                      LEFT JOIN ar_credit_profile prof
                             ON prof.partner_id = k.partner_id AND prof.company_id = k.company_id
                      LEFT JOIN receivable r ON r.company_id = k.company_id AND r.partner_id = k.partner_id
                      LEFT JOIN orders o ON o.company_id = k.company_id AND o.partner_id = k.partner_id
                      LEFT JOIN drafts d ON d.company_id = k.company_id AND d.partner_id = k.partner_id
                      LEFT JOIN stages st ON st.company_id = k.company_id AND st.partner_id = k.partner_id
                )
                INSERT INTO ar_credit_profile AS p (
                    partner_id, company_id, open_receivable, overdue_amount, oldest_due_date,
                    order_uninvoiced, draft_invoiced, exposure, over_limit, priority, stage_id, exposure_date,
                    create_uid, create_date, write_uid, write_date)
                SELECT partner_id, company_id, open_receivable, overdue_amount, oldest_due_date,
                       order_uninvoiced, draft_invoiced, open_receivable + order_uninvoiced + draft_invoiced,
                       false, priority, stage_id, now() AT TIME ZONE 'UTC',
                       %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
                  FROM figures
                ON CONFLICT (partner_id, company_id) DO UPDATE SET
                    open_receivable = EXCLUDED.open_receivable,
                    overdue_amount = EXCLUDED.overdue_amount,
                    oldest_due_date = EXCLUDED.oldest_due_date,
                    order_uninvoiced = EXCLUDED.order_uninvoiced,
                    draft_invoiced = EXCLUDED.draft_invoiced,
                    exposure = EXCLUDED.exposure,
                    over_limit = p.credit_limit > 0 AND EXCLUDED.exposure > p.credit_limit,
                    priority = EXCLUDED.priority,
                    stage_id = EXCLUDED.stage_id,
                    exposure_date = EXCLUDED.exposure_date,
                    write_uid = EXCLUDED.write_uid,
                    write_date = EXCLUDED.write_date
                RETURNING p.id, (p.xmax = 0) AS inserted
                """,
                commercial_ids=commercial_ids,
                member_ids=member_ids,
                member_commercial_ids=[row[1] for row in members],
                today=today,
                prior=PAST_90_PRIOR,
                uid=self.env.uid,
            )
        )
        rows = self.env.cr.fetchall()
        profiles = self.browse([row[0] for row in rows])
        profiles.invalidate_recordset()
        # New rows have no limit yet: compute it (and over_limit) the ORM way.
        profiles.browse([row[0] for row in rows if row[1]])._init_new_profiles()
        return profiles

    def _refresh_limits(self):
        """Recompute the effective credit limit and the over-limit flag of these profiles."""
        Partner = self.env["res.partner"].sudo()
        for company, profiles in self.grouped("company_id").items():
            partners = profiles.partner_id.with_company(company).sudo()
            company_default = Partner._fields["credit_limit"].get_company_dependent_fallback(
                Partner.with_company(company)
            )
            explicit = {partner.id for partner in partners if partner.use_partner_credit_limit}
            changes = defaultdict(list)
            for profile in profiles:
                partner = profile.partner_id.with_company(company).sudo()
                if partner.id in explicit:
                    limit, source = partner.credit_limit, "partner"
                elif profile.rating_id.default_credit_limit:
                    limit, source = profile.rating_id.default_credit_limit, "rating"
                else:
                    limit, source = company_default or 0.0, "company"
                over = bool(limit) and company.currency_id.compare_amounts(profile.exposure, limit) > 0
                values = {"credit_limit": limit, "credit_limit_source": source, "over_limit": over}
                if any(profile[name] != value for name, value in values.items()):
                    changes[(limit, source, over)].append(profile.id)
            # One write per distinct outcome: thousands of new profiles share a few.
            for (limit, source, over), ids in changes.items():
                values = {"credit_limit": limit, "credit_limit_source": source, "over_limit": over}
                self.browse(ids).sudo().write(values)

    # ------------------------------------------------------------------
    # Credit score
    # ------------------------------------------------------------------

    def _compute_scores(self):
        """Score these profiles from their own payment history: {profile id: (score, details)}.

        The one place the score formula lives; the review job, the "Re-score"
        button and the partner form all use it. One aggregate query per company.
        """
        results = {}
        today = fields.Date.context_today(self)
        since = today - relativedelta(months=12)
        for company, profiles in self.grouped("company_id").items():
            history = profiles._payment_history(company, since, today)
            min_history = company.ar_credit_min_history
            for profile in profiles:
                row = history.get(profile.partner_id.id, {})
                results[profile.id] = self._score_from_history(row, company, min_history, today)
        return results

    def _payment_history(self, company, since, today):
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
                       SUM(amount_residual) FILTER (WHERE NOT reconciled OR reconciled IS NULL) AS open_amount,
                       SUM(amount_residual) FILTER (
                           WHERE (NOT reconciled OR reconciled IS NULL) AND date_maturity < %(today)s
                       ) AS overdue_amount
                  FROM terms
                 GROUP BY partner_id
                """,
                partner_ids=self.partner_id.ids,
                company_id=company.id,
                since=since,
                recent=today - relativedelta(months=3),
                today=today,
            )
        )
        return {row["partner_id"]: row for row in self.env.cr.dictfetchall()}

    @api.model
    def _prediction_from_history(self, row):
        """How late this customer pays, and how likely an invoice is to pass 90 days overdue.

        Delay: amount-weighted days late over 12 months, leaning on the last 3 months
        when there are some (the recent trend). Likelihood: invoices past 90 days over
        invoices due, with a prior of 1 in 10 worth two invoices (new customers: 10 %).
        """
        due = row.get("due_12m") or 0
        delay_12m = (row.get("weighted_days_late") or 0.0) / (row.get("due_amount_12m") or 1.0)
        recent_amount = row.get("due_amount_3m") or 0.0
        delay_3m = (row.get("weighted_days_late_3m") or 0.0) / recent_amount if recent_amount else None
        delay = delay_12m if delay_3m is None else (delay_12m + delay_3m) / 2
        past_90 = row.get("past_90_12m") or 0
        return {
            "invoices_due": due,
            "delay_12m": round(delay_12m, 1),
            "delay_3m": round(delay_3m, 1) if delay_3m is not None else None,
            "delay": round(delay, 1),
            "past_90": past_90,
            "p90": round((past_90 + PAST_90_PRIOR * PAST_90_PRIOR_WEIGHT) / (due + PAST_90_PRIOR_WEIGHT), 4),
        }

    @api.model
    def _score_from_history(self, row, company, min_history, today):
        due = row.get("due_12m") or 0
        prediction = self._prediction_from_history(row)
        if due < min_history:
            score = company.ar_credit_new_customer_score
            return score, {
                "new_customer": True,
                "invoices_due": due,
                "min_history": min_history,
                "score": score,
                "factors": [],
                "prediction": prediction,
            }
        on_time_ratio = (row["on_time_12m"] or 0) / due
        avg_days_late = (row["weighted_days_late"] or 0.0) / (row["due_amount_12m"] or 1.0)
        open_amount = row["open_amount"] or 0.0
        overdue_share = min(max((row["overdue_amount"] or 0.0) / open_amount, 0.0), 1.0) if open_amount > 0 else 0.0
        months = 0
        if row.get("first_invoice_date"):
            delta = relativedelta(today, row["first_invoice_date"])
            months = delta.years * 12 + delta.months
        invoices_12m = row.get("invoices_12m") or 0
        relationship = 0.5 * min(months / RELATIONSHIP_FULL_MONTHS, 1.0) + 0.5 * min(
            invoices_12m / RELATIONSHIP_FULL_INVOICES, 1.0
        )
        factors = [
            {
                "key": "on_time",
                "value": round(on_time_ratio * 100, 1),
                "points": SCORE_WEIGHTS["on_time"] * on_time_ratio,
                "detail": {"on_time": row["on_time_12m"] or 0, "due": due},
            },
            {
                "key": "days_late",
                "value": round(avg_days_late, 1),
                "points": SCORE_WEIGHTS["days_late"] * max(0.0, 1 - avg_days_late / DAYS_LATE_ZERO_POINTS),
                "detail": {},
            },
            {
                "key": "overdue_share",
                "value": round(overdue_share * 100, 1),
                "points": SCORE_WEIGHTS["overdue_share"] * (1 - overdue_share),
                "detail": {},
            },
            {
                "key": "relationship",
                "value": months,
                "points": SCORE_WEIGHTS["relationship"] * relationship,
                "detail": {"months": months, "invoices_12m": invoices_12m},
            },
        ]
        for factor in factors:
            factor["points"] = round(factor["points"], 1)
            factor["max"] = SCORE_WEIGHTS[factor["key"]]
        score = max(0, min(100, math.floor(sum(f["points"] for f in factors) + 0.5)))
        return score, {
            "new_customer": False,
            "invoices_due": due,
            "score": score,
            "factors": factors,
            "prediction": prediction,
        }

    def _apply_scores(self, scores):
        today = fields.Date.context_today(self)
        for profile in self:
            score, details = scores[profile.id]
            prediction = details["prediction"]
            profile.sudo().write(
                {
                    "score": score,
                    "score_details": details,
                    "score_date": today,
                    "payment_delay": prediction["delay"],
                    "past_90_likelihood": prediction["p90"],
                }
            )

    # ------------------------------------------------------------------
    # Review
    # ------------------------------------------------------------------

    def _review(self, origin="job", reason=None):
        """Re-score these profiles and apply (or propose) the rating the score gives.

        Writes one ar.credit.review row per profile. When the company asks for
        approval, a rating change found by the job becomes a proposal that a
        credit manager approves or rejects; a credit manager's own review applies.
        """
        old_scores = {profile.id: profile.score for profile in self}
        scores = self._compute_scores()
        self._apply_scores(scores)
        Rating = self.env["ar.credit.rating"]
        review_values = []
        for profile in self:
            company = profile.company_id
            score = scores[profile.id][0]
            new_rating = Rating._rating_for_score(score, company) or profile.rating_id
            changed = new_rating != profile.rating_id
            proposed = changed and origin == "job" and company.ar_credit_approval_required
            review_values.append(
                {
                    "profile_id": profile.id,
                    "origin": origin,
                    "old_score": old_scores[profile.id],
                    "new_score": score,
                    "old_rating_id": profile.rating_id.id,
                    "new_rating_id": new_rating.id,
                    "old_limit": profile.credit_limit,
                    "new_limit": profile._limit_with_rating(new_rating),
                    "state": "proposed" if proposed else "applied",
                    "reason": reason or self.env._("Periodic credit review"),
                }
            )
            interval = (new_rating or profile.rating_id).review_interval_months or 6
            profile.sudo().next_review_date = profile._review_date_after(interval)
        reviews = self.env["ar.credit.review"].sudo().create(review_values)
        for review in reviews.filtered(lambda r: r.state == "proposed"):
            review.profile_id.sudo().pending_review_id = review
        reviews.filtered(lambda r: r.state == "applied")._apply_to_profile()
        return reviews

    def _prediction_note(self):
        """The payment prediction in one sentence, e.g. pays on average 12 days late over 23 invoices."""
        self.ensure_one()
        prediction = (self.score_details or {}).get("prediction") or {}
        count = prediction.get("invoices_due", 0)
        if not count:
            return self.env._("No payment history yet: expected on its due date.")
        note = self.env._(
            "This customer pays on average %(days)s days late over %(count)s invoices",
            days=round(prediction.get("delay_12m", 0)),
            count=count,
        )
        if prediction.get("delay_3m") is not None:
            note += self.env._(" (last 3 months: %s days)", round(prediction["delay_3m"]))
        return note + "."

    def write(self, vals):
        result = super().write(vals)
        if {"collector_id", "rating_id"} & set(vals) and not self.env.context.get("ar_skip_move_sync"):
            moves = (
                self.env["account.move"]
                .sudo()
                .search(
                    [
                        ("commercial_partner_id", "in", self.partner_id.ids),
                        ("move_type", "in", ("out_invoice", "out_refund")),
                    ]
                )
            )
            self.env.add_to_compute(self.env["account.move"]._fields["ar_collector_id"], moves)
            self.env.add_to_compute(self.env["account.move"]._fields["ar_rating_id"], moves)
        return result

    def _review_date_after(self, months):
        return fields.Date.context_today(self) + relativedelta(months=months)

    def _limit_with_rating(self, rating):
        """The effective limit this profile would have with ``rating``.

        A new rating brings its default limit (the customer's own limit is
        cleared when the rating changes); the same rating keeps the current one.
        """
        self.ensure_one()
        if rating == self.rating_id:
            return self.credit_limit
        if rating.default_credit_limit:
            return rating.default_credit_limit
        Partner = self.env["res.partner"].with_company(self.company_id)
        return Partner._fields["credit_limit"].get_company_dependent_fallback(Partner) or 0.0

    @api.model
    def _cron_review_due(self, batch_size=None, time_budget=300):
        """Daily job: create the missing profiles of customers, then review those whose date has come."""
        self._create_missing_customer_profiles()
        today = fields.Date.context_today(self)
        domain = [
            ("company_id.ar_credit_review_enabled", "=", True),
            "|",
            ("next_review_date", "=", False),
            ("next_review_date", "<=", today),
            ("partner_id.active", "=", True),
        ]
        auto_commit = not getattr(threading.current_thread(), "testing", False)
        started, done = time.monotonic(), 0
        while True:
            batch = self.sudo().search(domain, limit=batch_size or 500, order="id")
            if not batch:
                break
            for company, profiles in batch.grouped("company_id").items():
                profiles.with_company(company)._review(origin="job")
            done += len(batch)
            remaining = self.sudo().search_count(domain)
            self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
            if auto_commit:
                # One transaction per batch, so a long run keeps what it did.
                self.env.cr.commit()  # pylint: disable=invalid-commit
            if not remaining or time.monotonic() - started > time_budget:
                break
        _logger.info("Credit review: %s customer(s) reviewed", done)
        return done

    @api.model
    def _create_missing_customer_profiles(self):
        """Customers (commercial partners with a customer rank) get a profile in each company
        they have invoices or orders in; others get one with their first document."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO ar_credit_profile (partner_id, company_id, exposure, create_uid, create_date,
                                               write_uid, write_date)
                SELECT partner.id, company.id, 0, %(uid)s, now() AT TIME ZONE 'UTC',
                       %(uid)s, now() AT TIME ZONE 'UTC'
                  FROM res_partner partner
                  JOIN res_company company
                    ON partner.company_id IS NULL OR partner.company_id = company.id
                 WHERE partner.customer_rank > 0
                   AND partner.active
                   AND partner.id = partner.commercial_partner_id
                   AND (
                       EXISTS (SELECT 1 FROM account_move move
                                WHERE move.commercial_partner_id = partner.id AND move.company_id = company.id
                                  AND move.move_type IN ('out_invoice', 'out_refund'))
                       OR EXISTS (SELECT 1 FROM sale_order so
                                   JOIN res_partner buyer ON buyer.id = so.partner_id
                                  WHERE buyer.commercial_partner_id = partner.id AND so.company_id = company.id)
                   )
                ON CONFLICT (partner_id, company_id) DO NOTHING
                RETURNING id
                """,
                uid=self.env.uid,
            )
        )
        created = self.browse([row[0] for row in self.env.cr.fetchall()])
        created._init_new_profiles()
        return created

    @api.model
    def _cron_refresh_exposure(self, batch_size=5000):
        """Daily job: overdue figures move with the calendar; refresh every customer with open items."""
        self.env.cr.execute(
            "SELECT DISTINCT partner_id FROM ar_credit_profile "
            "WHERE open_receivable <> 0 OR oldest_due_date IS NOT NULL"
        )
        partner_ids = [row[0] for row in self.env.cr.fetchall()]
        auto_commit = not getattr(threading.current_thread(), "testing", False)
        for start in range(0, len(partner_ids), batch_size):
            self._refresh_exposure(self.env["res.partner"].browse(partner_ids[start : start + batch_size]))
            if auto_commit:
                # One transaction per batch, so a long run keeps what it did.
                self.env.cr.commit()  # pylint: disable=invalid-commit
        return len(partner_ids)

    # ------------------------------------------------------------------
    # Holds and blacklist
    # ------------------------------------------------------------------

    def _set_hold(self, reason, cause="manual"):
        self._check_credit_manager()
        values = {"hold": True, "hold_cause": cause, "hold_reason": reason, "hold_user_id": self.env.user.id}
        self.filtered("hold").sudo().write(values)
        self.filtered(lambda profile: not profile.hold).sudo().write({**values, "hold_since": fields.Datetime.now()})
        self._log_event("hold", reason)

    def _lift_hold(self, reason):
        self._check_credit_manager()
        held = self.filtered("hold")
        held.sudo().write(self._lifted_hold_values())
        held._log_event("release", reason)

    @api.model
    def _lifted_hold_values(self):
        return {"hold": False, "hold_cause": False, "hold_reason": False, "hold_since": False, "hold_user_id": False}

    def _set_blacklist(self, reason):
        """Blacklist these customers; a blacklisted customer is also on hold (cause: blacklist)."""
        self._check_credit_manager()
        now = fields.Datetime.now()
        self.sudo().write(
            {
                "blacklisted": True,
                "blacklist_reason": reason,
                "blacklist_since": now,
                "blacklist_user_id": self.env.user.id,
            }
        )
        self.filtered(lambda profile: not profile.hold).sudo().write(
            {
                "hold": True,
                "hold_cause": "blacklist",
                "hold_reason": reason,
                "hold_since": now,
                "hold_user_id": self.env.user.id,
            }
        )
        self._log_event("blacklist", reason)

    def _lift_blacklist(self, reason):
        self._check_credit_manager()
        listed = self.filtered("blacklisted")
        listed.sudo().write(
            {"blacklisted": False, "blacklist_reason": False, "blacklist_since": False, "blacklist_user_id": False}
        )
        listed.filtered(lambda profile: profile.hold_cause == "blacklist").sudo().write(self._lifted_hold_values())
        listed._log_event("release", reason)

    def _hold_lines(self):
        """One sentence per hold or blacklist of these customers, for banners and messages."""
        lines = []
        causes = dict(self._fields["hold_cause"]._description_selection(self.env))
        for profile in self:
            customer = profile.partner_id.display_name
            if profile.blacklisted:
                lines.append(
                    self.env._(
                        "%(customer)s is blacklisted since %(date)s: %(reason)s",
                        customer=customer,
                        date=format_date(self.env, profile.blacklist_since),
                        reason=profile.blacklist_reason or "-",
                    )
                )
            if profile.hold and not (profile.blacklisted and profile.hold_cause == "blacklist"):
                lines.append(
                    self.env._(
                        "%(customer)s is on credit hold since %(date)s (%(cause)s): %(reason)s",
                        customer=customer,
                        date=format_date(self.env, profile.hold_since),
                        cause=causes.get(profile.hold_cause) or "-",
                        reason=profile.hold_reason or "-",
                    )
                )
        return lines

    def _banner_text(self):
        return "\n".join(self._hold_lines()) or False

    def _log_event(self, kind, note, **values):
        """Record a collection-ledger event and a chatter note on each customer."""
        events = (
            self.env["ar.collection.event"]
            .sudo()
            .create(
                [
                    {
                        "partner_id": profile.partner_id.id,
                        "company_id": profile.company_id.id,
                        "kind": kind,
                        "note": note,
                        **values,
                    }
                    for profile in self
                ]
            )
        )
        labels = dict(self.env["ar.collection.event"]._fields["kind"]._description_selection(self.env))
        for company, profiles in self.grouped("company_id").items():
            body = escape(
                self.env._("%(kind)s (%(company)s): %(note)s", kind=labels[kind], company=company.name, note=note)
            )
            profiles.partner_id.sudo()._message_log_batch(
                {partner.id: body for partner in profiles.partner_id},
                author_id=self.env.user.partner_id.id,
                message_type="comment",
            )
        return events

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_review_now(self):
        self._check_credit_manager()
        self._review(origin="manual")
        return True

    def action_rescore(self):
        self._apply_scores(self._compute_scores())
        return True
