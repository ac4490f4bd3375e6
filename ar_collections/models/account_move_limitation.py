"""The limitation period of each open invoice (诉讼时效): the day the claim becomes time-barred.

Three years (民法典 art. 188; a company setting, other jurisdictions differ) from the due date,
restarted (art. 195, when the company's setting says interruptions restart it) by the last of:
a formal notice proven served on the customer, the customer's acknowledgement (a returned
slip), a promise to pay, a confirmed payment plan, a payment on the invoice, a suit or
arbitration filed for it. One SQL statement computes it for any set of invoices (the daily job:
every open one), so the date shown on the invoice, the dossier and the worklist is the ledger's.

The credit manager is alerted at the company's thresholds (180, 90 and 30 days before by
default), once per threshold and date: an invoice whose period restarts is alerted again.
"""

from datetime import timedelta

from odoo import api
from odoo import fields
from odoo import models
from odoo.tools import SQL
from odoo.tools import format_date

from ..tools.groups import INTERNAL_USER_GROUP

# pylint: disable=consider-merging-classes-inherited

# An invoice whose claim becomes time-barred within this many days is "expiring" (filters, dossier).
LIMITATION_WARNING_DAYS = 180
# Computed from the ledger, written by nobody else (see account.move's write).
LIMITATION_FIELDS = {"ar_limitation_date", "ar_limitation_start", "ar_limitation_cause", "ar_limitation_alerted"}
# What the limitation statement reads, flushed before it runs (not everything: a payment
# flushes what the rest of its reconciliation changes again): of the invoices, then of the rest,
# model by model.
LIMITATION_MOVE_FIELDS = ["invoice_date_due", "company_id", *sorted(LIMITATION_FIELDS)]
LIMITATION_SOURCES = {
    "account.move.line": ["move_id"],
    "account.partial.reconcile": ["debit_move_id", "max_date"],
    "ar.collection.event": ["move_ids", "stage_id", "service_date", "failed", "kind", "acknowledged_on"],
    "ar.collection.stage": ["formal_notice"],
    "ar.collection.promise": ["move_ids", "create_date"],
    "ar.payment.plan": ["move_ids", "confirmed_on"],
    "ar.legal.file": ["move_ids", "filing_date"],
    "res.company": ["ar_limitation_restart", "ar_limitation_years"],
}
# What tells an open invoice (``_ar_open_invoice_sql``), and what the customers' earliest
# limitation date reads.
OPEN_INVOICE_FIELDS = ["move_type", "state", "payment_state"]
FIRST_LIMITATION_SOURCES = {
    "account.move": ["commercial_partner_id", "company_id", "ar_limitation_date", *OPEN_INVOICE_FIELDS],
    "ar.credit.profile": ["partner_id", "company_id", "limitation_date"],
}
LIMITATION_CAUSES = [
    ("due", "Due date"),
    ("notice", "Formal notice served"),
    ("acknowledgement", "Acknowledgement"),
    ("promise", "Promise to pay"),
    ("plan", "Payment plan"),
    ("payment", "Payment"),
    ("suit", "Suit or arbitration filed"),
]


class AccountMove(models.Model):
    _inherit = "account.move"

    ar_limitation_date = fields.Date(
        string="Time-Barred On",
        copy=False,
        readonly=True,
        index="btree_not_null",
        groups=INTERNAL_USER_GROUP,
        help="The day the claim becomes time-barred (诉讼时效届满): the limitation period from the due date, or "
        "from the last event that restarted it.",
    )
    ar_limitation_start = fields.Date(
        string="Limitation Runs From", copy=False, readonly=True, groups=INTERNAL_USER_GROUP
    )
    ar_limitation_cause = fields.Selection(
        LIMITATION_CAUSES,
        string="Limitation Restarted By",
        copy=False,
        readonly=True,
        groups=INTERNAL_USER_GROUP,
    )
    ar_limitation_alerted = fields.Integer(
        string="Limitation Alert Sent (Days Before)",
        copy=False,
        readonly=True,
        groups=INTERNAL_USER_GROUP,
        help="The smallest alert threshold (days before the limitation date) already sent for this date.",
    )

    @api.model
    def _cron_limitation(self):
        """Daily: recompute every open invoice's limitation date, then alert the credit managers.
        The emails a cut-short sending left without their service recorded get it first: a
        formal notice served restarts the period."""
        self.env["mail.mail"]._ar_record_email_service()
        self._ar_refresh_limitation(everything=True)
        return self._ar_alert_limitation(fields.Date.context_today(self))

    def _ar_refresh_limitation(self, everything=False):
        """Recompute the limitation period of these invoices (``everything``: of every open
        customer invoice), in one statement, then their customers' earliest limitation date."""
        if not self and not everything:
            return
        self._ar_refresh_limitation_dates(everything)
        # The customers' earliest limitation date: their dossier and the worklist show it.
        for model, fnames in FIRST_LIMITATION_SOURCES.items():
            self.env[model].flush_model(fnames)
        scope = SQL("TRUE") if everything else SQL("target.partner_id = ANY(%s)", self.commercial_partner_id.ids)
        customers = None if everything else SQL("SELECT unnest(%s::int[])", self.commercial_partner_id.ids)
        self.env.cr.execute(
            SQL(
                """
                UPDATE ar_credit_profile profile
                   SET limitation_date = first.limitation_date
                  FROM ar_credit_profile target
                  LEFT JOIN (%s) first ON first.partner_id = target.partner_id AND first.company_id = target.company_id
                 WHERE profile.id = target.id AND %s
                   AND profile.limitation_date IS DISTINCT FROM first.limitation_date
                """,
                self._ar_first_limitation_sql(customers),
                scope,
            )
        )
        self.env["ar.credit.profile"].invalidate_model(["limitation_date"])

    @api.model
    def _ar_first_limitation_sql(self, customers=None):
        """The customers' limitation date: rows (partner_id, company_id, limitation_date), the
        earliest limitation date of each customer's open invoices in each company, for the
        commercial partners ``customers`` (a query of their ids; None: all). Grouped, not one
        subquery per customer: PostgreSQL could answer each from the date index in date order,
        a scan of every open invoice per customer."""
        return SQL(
            """
            SELECT move.commercial_partner_id AS partner_id, move.company_id,
                   min(move.ar_limitation_date) AS limitation_date
              FROM account_move move
             WHERE %s AND %s
             GROUP BY move.commercial_partner_id, move.company_id
            """,
            self._ar_open_invoice_sql("move"),
            SQL("TRUE") if customers is None else SQL("move.commercial_partner_id IN (%s)", customers),
        )

    def _ar_refresh_limitation_dates(self, everything=False):
        """The limitation period of these invoices (``everything``: of every open customer
        invoice), in one statement; their customers' earliest date is the caller's to refresh
        (``_ar_refresh_limitation``, or the exposure refresh, which takes it along)."""
        if not self and not everything:
            return
        if everything:
            self.flush_model(LIMITATION_MOVE_FIELDS + OPEN_INVOICE_FIELDS)
        else:
            self.flush_recordset(LIMITATION_MOVE_FIELDS)
        for model, fnames in LIMITATION_SOURCES.items():
            self.env[model].flush_model(fnames)
        event_rel = self.env["ar.collection.event"]._fields["move_ids"]
        promise_rel = self.env["ar.collection.promise"]._fields["move_ids"]
        plan_rel = self.env["ar.payment.plan"]._fields["move_ids"]
        file_rel = self.env["ar.legal.file"]._fields["move_ids"]
        scope = self._ar_open_invoice_sql("move") if everything else SQL("move.id = ANY(%s)", self.ids)
        self.env.cr.execute(
            SQL(
                """
                WITH moves AS (
                    SELECT move.id, move.invoice_date_due, move.company_id
                      FROM account_move move
                     WHERE %(scope)s AND move.invoice_date_due IS NOT NULL
                ),
                interruptions AS (
                    SELECT rel.%(event_move)s AS move_id, event.service_date AS day, 'notice' AS cause
                      FROM %(event_table)s rel
                      JOIN ar_collection_event event ON event.id = rel.%(event_col)s
                      JOIN ar_collection_stage stage ON stage.id = event.stage_id
                     WHERE rel.%(event_move)s IN (SELECT id FROM moves)
                       AND stage.formal_notice AND event.service_date IS NOT NULL AND event.failed IS NOT TRUE
                    UNION ALL
                    SELECT rel.%(event_move)s, event.acknowledged_on, 'acknowledgement'
                      FROM %(event_table)s rel
                      JOIN ar_collection_event event ON event.id = rel.%(event_col)s
                     WHERE rel.%(event_move)s IN (SELECT id FROM moves)
                       AND event.kind = 'acknowledgement' AND event.acknowledged_on IS NOT NULL
                    UNION ALL
                    SELECT rel.%(promise_move)s, promise.create_date::date, 'promise'
                      FROM %(promise_table)s rel
                      JOIN ar_collection_promise promise ON promise.id = rel.%(promise_col)s
                     WHERE rel.%(promise_move)s IN (SELECT id FROM moves)
                    UNION ALL
                    SELECT rel.%(plan_move)s, plan.confirmed_on, 'plan'
                      FROM %(plan_table)s rel
                      JOIN ar_payment_plan plan ON plan.id = rel.%(plan_col)s
                     WHERE rel.%(plan_move)s IN (SELECT id FROM moves) AND plan.confirmed_on IS NOT NULL
                    UNION ALL
                    SELECT line.move_id, partial.max_date, 'payment'
                      FROM account_partial_reconcile partial
                      JOIN account_move_line line ON line.id = partial.debit_move_id
                     WHERE line.move_id IN (SELECT id FROM moves)
                    UNION ALL
                    SELECT rel.%(file_move)s, legal_file.filing_date, 'suit'
                      FROM %(file_table)s rel
                      JOIN ar_legal_file legal_file ON legal_file.id = rel.%(file_col)s
                     WHERE rel.%(file_move)s IN (SELECT id FROM moves) AND legal_file.filing_date IS NOT NULL
                ),
                latest AS (
                    SELECT DISTINCT ON (move_id) move_id, day, cause
                      FROM interruptions
                     WHERE day IS NOT NULL
                     ORDER BY move_id, day DESC, cause
                ),
                computed AS (
                    SELECT moves.id,
                           CASE WHEN company.ar_limitation_restart AND latest.day > moves.invoice_date_due
                                THEN latest.day ELSE moves.invoice_date_due END AS start,
                           CASE WHEN company.ar_limitation_restart AND latest.day > moves.invoice_date_due
                                THEN latest.cause ELSE 'due' END AS cause,
                           GREATEST(company.ar_limitation_years, 1) AS years
                      FROM moves
                      JOIN res_company company ON company.id = moves.company_id
                      LEFT JOIN latest ON latest.move_id = moves.id
                )
                UPDATE account_move move
                   SET ar_limitation_start = computed.start,
                       ar_limitation_cause = computed.cause,
                       ar_limitation_date = (computed.start + make_interval(years => computed.years))::date,
                       -- A new limitation date is alerted afresh.
                       ar_limitation_alerted = CASE
                           WHEN move.ar_limitation_date
                                = (computed.start + make_interval(years => computed.years))::date
                           THEN move.ar_limitation_alerted END
                  FROM computed
                 WHERE move.id = computed.id
                   AND (move.ar_limitation_start IS DISTINCT FROM computed.start
                        OR move.ar_limitation_cause IS DISTINCT FROM computed.cause
                        OR move.ar_limitation_date IS DISTINCT FROM
                           (computed.start + make_interval(years => computed.years))::date)
                """,
                scope=scope,
                event_table=SQL.identifier(event_rel.relation),
                event_col=SQL.identifier(event_rel.column1),
                event_move=SQL.identifier(event_rel.column2),
                promise_table=SQL.identifier(promise_rel.relation),
                promise_col=SQL.identifier(promise_rel.column1),
                promise_move=SQL.identifier(promise_rel.column2),
                plan_table=SQL.identifier(plan_rel.relation),
                plan_col=SQL.identifier(plan_rel.column1),
                plan_move=SQL.identifier(plan_rel.column2),
                file_table=SQL.identifier(file_rel.relation),
                file_col=SQL.identifier(file_rel.column1),
                file_move=SQL.identifier(file_rel.column2),
            )
        )
        self.invalidate_model(
            ["ar_limitation_start", "ar_limitation_cause", "ar_limitation_date", "ar_limitation_alerted"]
        )

    @api.model
    def _ar_alert_limitation(self, today):
        """One activity for the credit manager per open invoice reaching an alert threshold
        (days before its limitation date) not alerted yet; return the activities."""
        companies = self.env["res.company"].sudo().search([])
        entries, alerted = [], {}
        for company in companies:
            thresholds = company._ar_limitation_thresholds()
            if not thresholds:
                continue
            invoices = self.sudo().search(
                [
                    *self._ar_open_invoice_domain(),
                    ("company_id", "=", company.id),
                    ("ar_limitation_date", "!=", False),
                    ("ar_limitation_date", "<=", today + timedelta(days=max(thresholds))),
                ]
            )
            for invoice in invoices:
                days_left = (invoice.ar_limitation_date - today).days
                reached = min(threshold for threshold in thresholds if days_left <= threshold)
                if invoice.ar_limitation_alerted and invoice.ar_limitation_alerted <= reached:
                    continue
                alerted.setdefault(reached, self.browse())
                alerted[reached] |= invoice
                entries.append((invoice, company.ar_credit_manager_id, days_left))
        activity_type = self.env.ref("ar_collections.mail_activity_type_limitation")
        model = self.env["ir.model"]._get_id("account.move")
        activities = (
            self.env["mail.activity"]
            .sudo()
            .with_context(mail_activity_quick_update=True)
            .create(
                [
                    {
                        "res_model_id": model,
                        "res_id": invoice.id,
                        "activity_type_id": activity_type.id,
                        "user_id": (manager or self.env.ref("base.user_admin")).id,
                        "summary": self.env._(
                            "Time-barred in %(days)s days: act before %(date)s",
                            days=days_left,
                            date=format_date(self.env, invoice.ar_limitation_date),
                        ),
                        "note": self.env._(
                            "The claim on %(invoice)s (%(customer)s, %(amount)s open) becomes time-barred on "
                            "%(date)s. A formal notice served on the customer, its acknowledgement or a suit "
                            "restarts the period.",
                            invoice=invoice.name,
                            customer=invoice.commercial_partner_id.name,
                            amount=invoice.currency_id.format(invoice.amount_residual),
                            date=format_date(self.env, invoice.ar_limitation_date),
                        ),
                        "date_deadline": today,
                        "automated": True,
                    }
                    for invoice, manager, days_left in entries
                ]
            )
        )
        for threshold, invoices in alerted.items():
            invoices.sudo()._ar_write({"ar_limitation_alerted": threshold})
        return activities
