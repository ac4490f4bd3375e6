"""The credit profile of a customer in a company: what it owes (exposure), what it may owe
(the effective limit), whether it may buy (holds, blacklist) and how it is collected
(collector, policy, pause).

Exposure is refreshed set-wise in SQL (`_refresh_exposure`); the effective limit has one
definition (`_effective_limit`), which the stored over-limit flag, the order check and the
quotation and invoice warnings all use. Scoring and reviews are `ar.credit.review`'s; the
collection engine is `ar.collection.engine`.
"""

from collections import defaultdict
from contextlib import contextmanager

from dateutil.relativedelta import relativedelta
from markupsafe import escape

from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import AccessError
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools import create_index
from odoo.tools import format_date
from odoo.tools import formatLang
from odoo.tools import split_every

from ..tools.batch_jobs import run_in_batches
from ..tools.batch_jobs import run_isolated
from ..tools.credit_score import PAST_90_PRIOR
from ..tools.groups import COLLECTION_USER_GROUP
from ..tools.groups import CREDIT_MANAGER_GROUP
from ..tools.groups import INTERNAL_USER_GROUP
from ..tools.groups import check_group
from ..tools.groups import requires_group

# What a user may write on a credit profile directly (who collects it, how, when it is next
# reviewed); the rest goes through the actions, which log it.
USER_WRITE_FIELDS = {"collector_id", "policy_id", "next_review_date"}
USER_CREATE_FIELDS = USER_WRITE_FIELDS | {"partner_id", "company_id"}
# What the exposure statement reads, model by model (None: every field), flushed before it
# runs: flushing everything would write what the operation under way (a payment, an order's
# confirmation) changes again before its end, twice. Upstream models first.
EXPOSURE_SOURCES = {
    "res.partner": ["commercial_partner_id"],
    "account.account": ["account_type"],
    "account.move.line": [
        "company_id",
        "partner_id",
        "account_id",
        "amount_residual",
        "date_maturity",
        "reconciled",
        "parent_state",
    ],
    "account.move": [
        "move_type",
        "state",
        "payment_state",
        "commercial_partner_id",
        "company_id",
        "amount_total_signed",
        "ar_stage_id",
        "ar_limitation_date",
    ],
    "sale.order.line": ["order_id", "price_total", "product_uom_qty", "qty_invoiced"],
    "sale.order": ["state", "company_id", "partner_invoice_id", "currency_rate"],
    "ar.collection.stage": ["offset_days"],
    "res.company": ["currency_id"],
    "res.currency": ["rounding"],
    "ar.credit.profile": None,
}
# Customers whose exposure refresh waits for the end of the operation at work (see
# _refreshing_exposure_once).
EXPOSURE_PENDING = "ar_exposure_pending"


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
    prepayment_required = fields.Boolean(
        compute="_compute_prepayment_required",
        help="Orders are confirmed only once paid: the rating asks for it, or the customer's credit is not approved "
        "and the company's new-customer terms are prepayment.",
    )
    credit_state = fields.Selection(
        [
            ("new", "New customer"),
            ("applied", "Application filed"),
            ("approved", "Credit approved"),
            ("rejected", "Application rejected"),
        ],
        string="Credit Status",
        default="approved",
        required=True,
        readonly=True,
        index=True,
        help="Customers created after the addon was installed are on the company's new-customer terms until a "
        "credit manager approves their credit application; a rejected application keeps them on prepayment.",
    )
    application_ids = fields.One2many("ar.credit.application", "profile_id", string="Credit Applications")
    cover_ids = fields.One2many("ar.credit.cover", "profile_id", string="Guarantees and Cover")
    secured_amount = fields.Monetary(
        string="Secured",
        readonly=True,
        help="Guarantees, securities and credit insurance valid today, in company currency.",
    )
    score = fields.Integer(string="Credit Score", help="0 (worst) to 100 (best), from the customer's payment history.")
    score_date = fields.Date(string="Scored On")
    score_details = fields.Json(string="Score Breakdown", groups=COLLECTION_USER_GROUP)
    score_details_html = fields.Html(
        compute="_compute_score_details_html", string="Score Explanation", groups=COLLECTION_USER_GROUP
    )
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
            ("new", "New-customer terms"),
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

    # ---- collection ----
    policy_id = fields.Many2one(
        "ar.collection.policy",
        string="Collection Policy",
        check_company=True,
        help="Overrides the policy of the customer's rating.",
    )
    effective_policy_id = fields.Many2one(
        "ar.collection.policy", compute="_compute_effective_policy_id", string="Policy Applied"
    )
    collector_id = fields.Many2one("res.users", domain=[("share", "=", False)], index="btree_not_null")
    collection_paused_until = fields.Date(
        help="Force majeure (不可抗力): the collection job leaves this customer alone until this date.",
    )
    collection_pause_reason = fields.Text(groups=COLLECTION_USER_GROUP)
    last_contact_date = fields.Date(help="Date of the last communication sent by the collection job.")
    reply_pending_date = fields.Datetime(
        string="Replied, Not Handled Since",
        readonly=True,
        index="btree_not_null",
        help="When the customer's oldest reply to a collection email that no one has handled yet came in.",
    )
    limitation_date = fields.Date(
        string="First Time-Barred On",
        readonly=True,
        index="btree_not_null",
        help="The earliest day one of the customer's open invoices becomes time-barred (诉讼时效届满).",
    )
    statement_sent_until = fields.Date(
        string="Statement Sent Up To",
        readonly=True,
        help="End of the last period whose monthly statement of account was emailed: each period is sent once.",
    )
    legal_file_ids = fields.One2many("ar.legal.file", "profile_id", string="Legal Files")
    next_activity_date = fields.Date(related="partner_id.activity_date_deadline", string="Next Activity")

    # ---- holds ----
    hold = fields.Boolean(string="On Credit Hold")
    hold_cause = fields.Selection(
        [("manual", "Manual"), ("collection", "Collection stage"), ("blacklist", "Blacklist")],
    )
    hold_reason = fields.Text(groups=COLLECTION_USER_GROUP)
    hold_since = fields.Datetime()
    hold_user_id = fields.Many2one("res.users", string="Hold Set By", groups=COLLECTION_USER_GROUP)
    blacklisted = fields.Boolean()
    blacklist_reason = fields.Text(groups=COLLECTION_USER_GROUP)
    blacklist_since = fields.Datetime()
    blacklist_user_id = fields.Many2one("res.users", string="Blacklisted By", groups=COLLECTION_USER_GROUP)

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

    @api.depends("rating_id.prepayment_required", "credit_state", "company_id.ar_new_customer_terms")
    def _compute_prepayment_required(self):
        for profile in self:
            profile.prepayment_required = profile.rating_id.prepayment_required or self._onboarding_terms(
                profile.company_id, profile.credit_state
            ) == (0.0, True)

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

    @api.depends("policy_id", "rating_id", "company_id")
    def _compute_effective_policy_id(self):
        for profile in self:
            profile.effective_policy_id = profile._collection_policy()

    def _collection_policy(self):
        """The customer's own policy, else its rating's, else the company's default."""
        self.ensure_one()
        rating_policy = self.rating_id.with_company(self.company_id).sudo().policy_id
        return self.policy_id or rating_policy or self.company_id._ar_default_policy()

    # ------------------------------------------------------------------
    # Access helpers
    # ------------------------------------------------------------------

    @api.model
    def _get_or_create(self, partners, company):
        """The profiles of the commercial partners of ``partners`` in ``company``, created when missing."""
        commercial = partners.commercial_partner_id
        # Read with the search, as the first access would read them: callers read the figures next.
        profiles = self.sudo().search_fetch(
            [("partner_id", "in", commercial.ids), ("company_id", "=", company.id)],
            [name for name, field in self._fields.items() if field.prefetch is True],
        )
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
            newcomers = profiles.filtered(
                lambda profile: self._initial_credit_state(profile.company_id, profile.partner_id)
            )
            newcomers.sudo().write({"credit_state": "new"})
        self._refresh_limits()

    @api.model
    def _initial_credit_state(self, company, partner):
        """'new' for a customer created after the company began credit onboarding (the addon's
        install): it waits for an approved application. Customers that existed before keep
        their terms, so that installing the addon blocks nobody. False when established."""
        start = company.ar_credit_onboarding_since
        return "new" if start and partner and partner.create_date and partner.create_date >= start else False

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

    @api.model
    def _check_credit_manager(self, message=None):
        """Refuse (AccessError, ``message`` or the default) unless the user is a credit manager.

        The user, not the environment: superuser mode (``sudo()``) on a path a user started
        does not make that user a credit manager. Scheduled jobs run as the superuser itself."""
        check_group(
            self.env,
            CREDIT_MANAGER_GROUP,
            message
            or self.env._(
                "Only a Collections / Credit Manager can change ratings, credit limits, holds and the "
                "blacklist. Ask a credit manager."
            ),
        )

    # ------------------------------------------------------------------
    # Exposure
    # ------------------------------------------------------------------

    @api.model
    def _refresh_exposure(self, partners, invoices=None):
        """Recompute the stored exposure of the commercial partners of ``partners``, in every company.

        One statement for the whole set: receivable, orders and drafts are
        aggregated per (commercial partner, company) and upserted, with the customer's
        earliest limitation date (``account.move._ar_first_limitation_sql``), after the
        limitation period of ``invoices`` (customer invoices a payment may restart). Children
        contacts count toward their commercial partner. Within ``_refreshing_exposure_once``,
        the customers and invoices are only noted, and refreshed when the block ends.
        """
        partner_ids = list(set(partners.ids))
        if not partner_ids:
            return self.browse()
        pending = self.env.cr.cache.get(EXPOSURE_PENDING)
        if pending is not None:
            pending["partners"].update(partner_ids)
            pending["invoices"].update(invoices.ids if invoices else ())
            return self.browse()
        if invoices:
            invoices.sudo()._ar_refresh_limitation_dates()
        for model, fnames in EXPOSURE_SOURCES.items():
            self.env[model].flush_model(fnames)
        today = fields.Date.context_today(self)
        # The contacts whose entries count for these commercial partners: as arrays, so that the
        # statement below reaches their journal items through the partner index, not a scan.
        self.env.cr.execute(
            SQL(
                """
                SELECT id, commercial_partner_id FROM res_partner
                 WHERE commercial_partner_id IN (
                       SELECT commercial_partner_id FROM res_partner WHERE id = ANY(%s))
                """,
                partner_ids,
            )
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
                       AND %(open_invoice)s
                     ORDER BY move.company_id, move.commercial_partner_id, stage.offset_days DESC
                ),
                limitation AS (
                    %(first_limitation)s
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
                           st.stage_id,
                           lim.limitation_date,
                           prof.credit_limit,
                           currency.rounding
                      FROM keys k
                      JOIN res_company company ON company.id = k.company_id
                      JOIN res_currency currency ON currency.id = company.currency_id
                      LEFT JOIN ar_credit_profile prof
                             ON prof.partner_id = k.partner_id AND prof.company_id = k.company_id
                      LEFT JOIN receivable r ON r.company_id = k.company_id AND r.partner_id = k.partner_id
                      LEFT JOIN orders o ON o.company_id = k.company_id AND o.partner_id = k.partner_id
                      LEFT JOIN drafts d ON d.company_id = k.company_id AND d.partner_id = k.partner_id
                      LEFT JOIN stages st ON st.company_id = k.company_id AND st.partner_id = k.partner_id
                      LEFT JOIN limitation lim ON lim.company_id = k.company_id AND lim.partner_id = k.partner_id
                )
                INSERT INTO ar_credit_profile AS p (
                    partner_id, company_id, open_receivable, overdue_amount, oldest_due_date,
                    order_uninvoiced, draft_invoiced, exposure, over_limit, priority, stage_id, limitation_date,
                    exposure_date, credit_state, create_uid, create_date, write_uid, write_date)
                SELECT partner_id, company_id, open_receivable, overdue_amount, oldest_due_date,
                       order_uninvoiced, draft_invoiced, open_receivable + order_uninvoiced + draft_invoiced,
                       %(over_limit)s, priority, stage_id, limitation_date, now() AT TIME ZONE 'UTC', 'approved',
                       %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
                  FROM figures
                ON CONFLICT (partner_id, company_id) DO UPDATE SET
                    open_receivable = EXCLUDED.open_receivable,
                    overdue_amount = EXCLUDED.overdue_amount,
                    oldest_due_date = EXCLUDED.oldest_due_date,
                    order_uninvoiced = EXCLUDED.order_uninvoiced,
                    draft_invoiced = EXCLUDED.draft_invoiced,
                    exposure = EXCLUDED.exposure,
                    over_limit = EXCLUDED.over_limit,
                    priority = EXCLUDED.priority,
                    stage_id = EXCLUDED.stage_id,
                    limitation_date = EXCLUDED.limitation_date,
                    exposure_date = EXCLUDED.exposure_date,
                    write_uid = EXCLUDED.write_uid,
                    write_date = EXCLUDED.write_date
                RETURNING p.id, (p.xmax = 0) AS inserted,
                          -- held by a collection stage, nothing overdue any more: see below
                          (p.hold AND p.hold_cause = 'collection' AND p.oldest_due_date IS NULL
                           AND p.overdue_amount <= 0) AS settled
                """,
                commercial_ids=commercial_ids,
                member_ids=member_ids,
                member_commercial_ids=[row[1] for row in members],
                today=today,
                prior=PAST_90_PRIOR,
                uid=self.env.uid,
                open_invoice=self.env["account.move"]._ar_open_invoice_sql("move"),
                first_limitation=self.env["account.move"]._ar_first_limitation_sql(SQL("SELECT id FROM commercial")),
                over_limit=self._over_limit_sql(
                    SQL("open_receivable + order_uninvoiced + draft_invoiced"), SQL("credit_limit"), SQL("rounding")
                ),
            )
        )
        rows = self.env.cr.fetchall()
        profiles = self.browse([row[0] for row in rows])
        profiles.invalidate_recordset()
        # New rows have no limit yet: compute it (and over_limit) the ORM way, with their credit status.
        profiles.browse([row[0] for row in rows if row[1]])._init_new_profiles()
        profiles.browse([row[0] for row in rows if row[2]])._lift_settled_collection_holds()
        return profiles

    @api.model
    @contextmanager
    def _refreshing_exposure_once(self):
        """Within, the exposure refreshes only note their customers (and invoices); the outermost
        block refreshes them once, as it ends: an operation that refreshes the same customer at each
        step (a payment's entry created, posted, then reconciled) pays for one refresh. The
        exposure is current when the block returns. The note is kept on the cursor, out of
        reach of what a client sends."""
        cache = self.env.cr.cache
        if EXPOSURE_PENDING in cache:
            yield
            return
        pending = cache[EXPOSURE_PENDING] = {"partners": set(), "invoices": set()}
        try:
            yield
        finally:
            del cache[EXPOSURE_PENDING]
        self.sudo()._refresh_exposure(
            self.env["res.partner"].browse(pending["partners"]),
            self.env["account.move"].browse(pending["invoices"]),
        )

    def _refresh_secured_amounts(self):
        """Store the cover valid today of these profiles, in one query, and their limits."""
        if not self:
            return
        self.env.flush_all()
        today = fields.Date.context_today(self)
        self.env.cr.execute(
            SQL(
                """
                UPDATE ar_credit_profile profile
                   SET secured_amount = COALESCE((
                       SELECT SUM(cover.amount_company) FROM ar_credit_cover cover
                        WHERE cover.profile_id = profile.id AND cover.active
                          AND cover.date_start <= %(today)s
                          AND (cover.date_end IS NULL OR cover.date_end >= %(today)s)
                   ), 0)
                 WHERE profile.id = ANY(%(ids)s)
                """,
                today=today,
                ids=self.ids,
            )
        )
        self.invalidate_recordset(["secured_amount"])
        self._refresh_limits()

    def _secured_line(self):
        """The sentence on the customer's cover, for the credit check's message."""
        self.ensure_one()
        if self.company_id.ar_cover_raises_limit:
            return self.env._(
                "Secured by guarantees and cover valid today: %(amount)s, counted in the credit limit.",
                amount=self._money(self.secured_amount),
            )
        return self.env._(
            "Secured by guarantees and cover valid today: %(amount)s (not counted in the credit limit).",
            amount=self._money(self.secured_amount),
        )

    def _lift_settled_collection_holds(self):
        """Holds follow the money: these customers, held by a collection stage, have nothing
        overdue any more: lift their holds (unless their company keeps them). Manual holds and
        the blacklist stay."""
        self.filtered(lambda profile: profile.company_id.ar_lift_collection_hold)._apply_lift(
            self.env._("Collection hold lifted: nothing is overdue any more.")
        )

    # ------------------------------------------------------------------
    # The effective limit
    # ------------------------------------------------------------------

    @api.model
    def _effective_limit(self, company, partner=None, rating=None, credit_state="approved", secured=0.0):
        """(limit, source) of the credit limit that applies in ``company`` to ``partner`` (a
        commercial partner; none: a customer not known yet) rated ``rating``.

        A customer whose credit is not approved (``credit_state``) is on the company's
        new-customer terms. Otherwise: the customer's own limit when it has one, else its
        rating's default limit, else the company's default (Odoo's credit limit fallback); 0
        means no limit. Valid cover (``secured``) raises a limit when the company says so.
        The one definition of the limit: the stored limit, the order check, the quotation and
        invoice warnings and the terms of a customer without a profile all come here.
        """
        terms = self._onboarding_terms(company, credit_state)
        if terms:
            return terms[0], "new"
        limit, source = self._base_limit(company, partner, rating)
        if company.ar_cover_raises_limit and limit > 0 and secured > 0:
            return limit + secured, source
        return limit, source

    @api.model
    def _onboarding_terms(self, company, credit_state):
        """(limit, prepayment required) of a customer whose credit is not approved in ``company``:
        prepayment after a rejection, else the company's new-customer terms; None once approved."""
        if credit_state == "approved":
            return None
        if credit_state == "rejected" or company.ar_new_customer_terms != "limit":
            return 0.0, True
        return company.ar_new_customer_limit, False

    @api.model
    def _base_limit(self, company, partner=None, rating=None):
        if partner and partner.with_company(company).sudo().use_partner_credit_limit:
            return partner.with_company(company).sudo().credit_limit, "partner"
        if rating and rating.default_credit_limit:
            return rating.default_credit_limit, "rating"
        Partner = self.env["res.partner"].sudo().with_company(company)
        return Partner._fields["credit_limit"].get_company_dependent_fallback(Partner) or 0.0, "company"

    @api.model
    def _exceeds_limit(self, exposure, limit, currency):
        """Whether ``exposure`` is over ``limit`` (0: no limit), both rounded to ``currency``:
        the one over-limit rule; ``_over_limit_sql`` states the same rule in SQL."""
        return currency.compare_amounts(limit, 0.0) > 0 and currency.compare_amounts(exposure, limit) > 0

    @api.model
    def _over_limit_sql(self, exposure, limit, rounding):
        """``_exceeds_limit`` on SQL expressions: both amounts rounded to the currency's
        ``rounding`` (half away from zero, as Odoo rounds), then compared."""
        return SQL(
            "COALESCE(ROUND((%(limit)s) / (%(rounding)s)) > 0 "
            "AND ROUND((%(exposure)s) / (%(rounding)s)) > ROUND((%(limit)s) / (%(rounding)s)), false)",
            exposure=exposure,
            limit=limit,
            rounding=rounding,
        )

    def _base_limits(self):
        """{profile: the limit its customer, rating or company gives, before onboarding and cover}."""
        return {
            profile: self._base_limit(profile.company_id, profile.partner_id, profile.rating_id)[0] for profile in self
        }

    def _check_four_eyes(self, old_limits):
        """Refuse a limit raised by hand above the company's four-eyes threshold: it takes an
        application approved by two credit managers (``old_limits``: ``_base_limits`` before)."""
        for profile, limit in self._base_limits().items():
            company = profile.company_id
            threshold = company.ar_credit_four_eyes_limit
            currency = company.currency_id
            if (
                threshold
                and currency.compare_amounts(limit, threshold) > 0
                and currency.compare_amounts(limit, old_limits.get(profile, 0.0)) > 0
            ):
                raise UserError(
                    self.env._(
                        "A credit limit of %(limit)s for %(customer)s is above %(threshold)s: two credit managers must "
                        "approve it. File a credit application (Apply for Credit) instead.",
                        limit=self._money_in(company, limit),
                        customer=profile.partner_id.display_name,
                        threshold=self._money_in(company, threshold),
                    )
                )

    @api.model
    def _money_in(self, company, amount):
        return formatLang(self.env, amount, currency_obj=company.currency_id)

    def _refresh_limits(self):
        """Recompute the effective credit limit and the over-limit flag of these profiles."""
        for company, profiles in self.grouped("company_id").items():
            changes = defaultdict(list)
            for profile in profiles:
                limit, source = self._effective_limit(
                    company, profile.partner_id, profile.rating_id, profile.credit_state, profile.secured_amount
                )
                over = self._exceeds_limit(profile.exposure, limit, company.currency_id)
                values = {"credit_limit": limit, "credit_limit_source": source, "over_limit": over}
                if any(profile[name] != value for name, value in values.items()):
                    changes[(limit, source, over)].append(profile.id)
            # One write per distinct outcome: thousands of new profiles share a few.
            for (limit, source, over), ids in changes.items():
                values = {"credit_limit": limit, "credit_limit_source": source, "over_limit": over}
                self.browse(ids).sudo().write(values)

    def _limit_with_rating(self, rating):
        """The effective limit this profile would have with ``rating``.

        A new rating brings its default limit (the customer's own limit is
        cleared when the rating changes); the same rating keeps the current one.
        """
        self.ensure_one()
        if rating == self.rating_id:
            return self.credit_limit
        return self._effective_limit(
            self.company_id, rating=rating, credit_state=self.credit_state, secured=self.secured_amount
        )[0]

    @api.model
    def _new_customer_terms(self, company, partner=None):
        """(limit, prepayment required, credit state) of a customer without a profile in
        ``company`` yet: the new-customer terms for a newcomer, else those of the rating the
        company's starting score gives."""
        state = self._initial_credit_state(company, partner) or "approved"
        rating = self.env["ar.credit.rating"]._rating_for_score(company.ar_credit_new_customer_score, company)
        terms = self._onboarding_terms(company, state)
        if terms:
            return terms[0], terms[1], state
        return self._effective_limit(company, partner, rating)[0], rating.prepayment_required, state

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

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(set(vals) - USER_CREATE_FIELDS for vals in vals_list):
            self._refuse_direct_change()
        return super().create(vals_list)

    def write(self, vals):
        # Rating, limit, holds, blacklist, figures and pause are changed by their actions, which
        # check who may and log it (credit history, ledger); over RPC a credit manager writes
        # only the collector, the policy and the next review date.
        if not self.env.su and set(vals) - USER_WRITE_FIELDS:
            self._refuse_direct_change()
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

    def _refuse_direct_change(self):
        raise AccessError(
            self.env._(
                "A customer's rating, credit limit, holds, blacklist and pause are changed through their "
                "actions (Credit wizard, Hold, Pause, Review), which log who did it and why; they cannot be "
                "written directly."
            )
        )

    @api.model
    def _write_each(self, values):
        """Store each profile's own ``values`` ({profile id: {field: value}}, the same fields for
        all, as write() takes them) in one statement.

        The review gives hundreds of profiles each a score, a date or a rating of its own: a
        write() each would cost its own checks, triggers and search of the invoices. What
        write() does follows once for all (cache, dependent fields, constraints, companies, the
        invoices' collector and rating), without access checks: internal, as superuser. Plain
        columns only: translated and company-dependent values go through the ORM.
        """
        if not values:
            return
        names = sorted(next(iter(values.values())))
        columns = [self._fields[name] for name in names]
        assert all(
            field.store and field.column_type and not field.translate and not field.company_dependent
            for field in columns
        ), names
        records = self.browse(list(values))
        records.flush_recordset(names)  # a value still to flush would overwrite ours

        def row(record):
            # Each value as the ORM stores it (e.g. a Json field's as JSON), cast below.
            cells = [field.convert_to_column(values[record.id][field.name], record) for field in columns]
            return SQL("(%s)", SQL(", ").join([record.id, *cells]))

        self.env.cr.execute(
            SQL(
                """
                UPDATE %(table)s AS profile
                   SET %(assignments)s, write_uid = %(uid)s, write_date = now() AT TIME ZONE 'UTC'
                  FROM (VALUES %(rows)s) AS new_values(id, %(columns)s)
                 WHERE profile.id = new_values.id
                """,
                table=SQL.identifier(self._table),
                assignments=SQL(", ").join(
                    SQL(
                        "%s = new_values.%s::%s",
                        SQL.identifier(field.name),
                        SQL.identifier(field.name),
                        SQL(field.column_type[1]),
                    )
                    for field in columns
                ),
                uid=self.env.uid,
                rows=SQL(", ").join(row(record) for record in records),
                columns=SQL(", ").join(SQL.identifier(name) for name in names),
            )
        )
        records.invalidate_recordset([*names, "write_uid", "write_date"], flush=False)
        records.modified(names)
        records._validate_fields(names)
        records._check_company(names)
        if {"collector_id", "rating_id"} & set(names):
            records._sync_invoices()

    def _sync_invoices(self):
        """Give the customers' invoices the collector and rating of these profiles, in one statement.

        What ``write`` has the ORM recompute invoice by invoice (``account.move``'s
        ``_compute_ar_customer_credit``) when a rating or collector changes; ``_write_each``,
        which rates many customers at once, does it here.
        """
        if not self:
            return
        self.flush_recordset(["collector_id", "rating_id"])
        Move = self.env["account.move"]
        Move.flush_model(["commercial_partner_id", "company_id", "move_type", "ar_collector_id", "ar_rating_id"])
        self.env.cr.execute(
            SQL(
                """
                UPDATE account_move move
                   SET ar_collector_id = profile.collector_id, ar_rating_id = profile.rating_id,
                       write_uid = %(uid)s, write_date = now() AT TIME ZONE 'UTC'
                  FROM ar_credit_profile profile
                 WHERE profile.id = ANY(%(ids)s)
                   AND move.commercial_partner_id = profile.partner_id
                   AND move.company_id = profile.company_id
                   AND move.move_type IN ('out_invoice', 'out_refund')
                   AND (move.ar_collector_id IS DISTINCT FROM profile.collector_id
                        OR move.ar_rating_id IS DISTINCT FROM profile.rating_id)
                """,
                ids=self.ids,
                uid=self.env.uid,
            )
        )
        Move.invalidate_model(["ar_collector_id", "ar_rating_id", "write_uid", "write_date"], flush=False)

    def _review_date_after(self, months):
        return fields.Date.context_today(self) + relativedelta(months=months)

    @api.model
    def _create_missing_customer_profiles(self):
        """Customers (commercial partners with a customer rank) get a profile in each company
        they have invoices or orders in; others get one with their first document."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO ar_credit_profile (partner_id, company_id, exposure, credit_state, create_uid,
                                               create_date, write_uid, write_date)
                SELECT partner.id, company.id, 0, 'approved', %(uid)s, now() AT TIME ZONE 'UTC',
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
    def _cron_refresh_exposure(self, batch_size=5000, time_budget=1800):
        """Daily job: overdue figures move with the calendar; refresh every customer with open items.

        The customers refreshed longest ago come first, so that a run cut short by its time
        budget leaves the rest to the next run, first in line. Batch after batch, each
        customer isolated from the others: one whose refresh fails is logged and skipped.
        Return how many customers were refreshed.
        """
        self.env.cr.execute(
            SQL(
                "SELECT partner_id FROM ar_credit_profile WHERE open_receivable <> 0 OR oldest_due_date IS NOT NULL "
                "GROUP BY partner_id ORDER BY MIN(exposure_date) NULLS FIRST, partner_id"
            )
        )
        todo = list(split_every(batch_size, [row[0] for row in self.env.cr.fetchall()], list))

        def refresh_batch():
            if not todo:
                return None
            partners = self.env["res.partner"].browse(todo.pop(0))
            return len(partners) - len(run_isolated(partners, self._refresh_exposure, "Exposure refresh"))

        return run_in_batches(
            self.env, refresh_batch, lambda: sum(len(batch) for batch in todo), time_budget, name="Exposure refresh"
        )

    # ------------------------------------------------------------------
    # Partner merge
    # ------------------------------------------------------------------

    @api.model
    def _merge_partners(self, src_partners, dst_partner):
        """Odoo's partner merge: the profiles of ``src_partners`` become ``dst_partner``'s,
        with their credit history, legal files and ledger; nothing is deleted but empty rows.

        In a company where the destination has a profile already, that one is kept (its
        rating, limit and score); what points to the other moves to it, and it keeps the
        stricter standing of the two: a hold or blacklist of either, the earlier review date,
        the later last contact. Elsewhere the source's profile simply moves. Runs before the
        merge repoints the partners' links, which would delete a profile it cannot move.
        """
        Profile = self.sudo()
        sources = Profile.search([("partner_id", "in", src_partners.ids)], order="id")
        if not sources:
            return
        kept = {
            profile.company_id: profile
            for profile in Profile.search(
                [("partner_id", "=", dst_partner.id), ("company_id", "in", sources.company_id.ids)]
            )
        }
        Merge = self.env["base.partner.merge.automatic.wizard"]
        for source in sources:
            target = kept.get(source.company_id)
            if not target:
                source.write({"partner_id": dst_partner.id})
                kept[source.company_id] = source
                continue
            note = self.env._(
                "Credit profile of %(partner)s merged into this one (contacts merged).",
                partner=source.partner_id.display_name,
            )
            target.write(target._stricter_standing(source))
            Merge._update_foreign_keys_generic(self._name, source, target)
            source.unlink()
            target._log_event("note", note)

    def _stricter_standing(self, other):
        """The values that give this profile the stricter standing of itself and ``other``."""
        self.ensure_one()
        names = []
        if other.blacklisted and not self.blacklisted:
            names += ["blacklisted", "blacklist_reason", "blacklist_since", "blacklist_user_id"]
        if other.hold and not self.hold:
            names += ["hold", "hold_cause", "hold_reason", "hold_since", "hold_user_id"]
        if other.pending_review_id and not self.pending_review_id:
            names.append("pending_review_id")
        values = other._convert_to_write({name: other[name] for name in names})
        if other.next_review_date and (not self.next_review_date or other.next_review_date < self.next_review_date):
            values["next_review_date"] = other.next_review_date
        if other.last_contact_date and (not self.last_contact_date or other.last_contact_date > self.last_contact_date):
            values["last_contact_date"] = other.last_contact_date
        if other.collection_paused_until and self.collection_paused_until:
            values["collection_paused_until"] = min(other.collection_paused_until, self.collection_paused_until)
        return values

    # ------------------------------------------------------------------
    # Holds and blacklist
    # ------------------------------------------------------------------

    def _set_hold(self, reason, cause="manual"):
        """A credit manager puts these customers on hold."""
        self._check_credit_manager()
        self._apply_hold(reason, cause)

    def _apply_hold(self, reason, cause):
        """Put these customers on hold and log it; callers check who may (the collection engine
        applies its policy's holds whoever started the run)."""
        values = {"hold": True, "hold_cause": cause, "hold_reason": reason, "hold_user_id": self.env.user.id}
        self.filtered("hold").sudo().write(values)
        self.filtered(lambda profile: not profile.hold).sudo().write({**values, "hold_since": fields.Datetime.now()})
        self._log_event("hold", reason)

    def _lift_hold(self, reason):
        """A credit manager lifts the holds of these customers."""
        self._check_credit_manager()
        self._apply_lift(reason)

    def _apply_lift(self, reason):
        """Lift the holds of these customers and log it; callers check who may."""
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
        events = self.env["ar.collection.event"]._log_many(
            [
                {**values, "partner": profile.partner_id, "company": profile.company_id, "kind": kind, "note": note}
                for profile in self
            ]
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

    @requires_group(CREDIT_MANAGER_GROUP)
    def action_review_now(self):
        self._check_credit_manager()
        self.env["ar.credit.review"]._review(self, origin="manual")
        return True

    @requires_group(CREDIT_MANAGER_GROUP)
    def action_rescore(self):
        Review = self.env["ar.credit.review"]
        Review._apply_scores(self, Review._compute_scores(self))
        return True

    @requires_group(INTERNAL_USER_GROUP)
    def action_open_dossier(self):
        """The customer's dossier: its form, on the collection tab."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": self.partner_id.id,
            "view_mode": "form",
            "context": {"ar_open_tab": "ar_collection"},
        }

    def _collector(self):
        self.ensure_one()
        return self.collector_id or self.partner_id.user_id or self.company_id.ar_credit_manager_id

    def _money(self, amount):
        return formatLang(self.env, amount, currency_obj=self.company_id.currency_id)

    # ------------------------------------------------------------------
    # Pause
    # ------------------------------------------------------------------

    @requires_group(CREDIT_MANAGER_GROUP)
    def action_pause_collection(self, until, reason):
        """Force majeure: leave the customer alone until ``until`` (credit managers)."""
        self._check_credit_manager()
        if not until or until <= fields.Date.context_today(self):
            raise UserError(self.env._("Pause until a date in the future."))
        if not (reason or "").strip():
            raise UserError(self.env._("Give the reason for pausing the collection: it is logged."))
        self.sudo().write({"collection_paused_until": until, "collection_pause_reason": reason})
        self._log_event(
            "note",
            self.env._(
                "Collection paused until %(date)s: %(reason)s", date=format_date(self.env, until), reason=reason
            ),
        )
