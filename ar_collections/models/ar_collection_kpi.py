from dataclasses import dataclass
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from ..tools.groups import COLLECTION_USER_GROUP
from ..tools.groups import requires_group
from .account_move_limitation import LIMITATION_WARNING_DAYS
from .ar_aging_report import AGING_BUCKETS
from .ar_aging_report import UNAPPLIED_BUCKET
from .ar_aging_report import receivable_bucket_sql


def _receivable_lines(company):
    """FROM and WHERE of the posted receivable lines (``aml``) of ``company``."""
    return SQL(
        """
          FROM account_move_line aml
          JOIN account_account account ON account.id = aml.account_id
         WHERE account.account_type = 'asset_receivable'
           AND aml.parent_state = 'posted'
           AND aml.company_id = %s
        """,
        company.id,
    )


@dataclass(frozen=True)
class ReceivablePosition:
    """What a company's customers owe on a day, in company currency, split as an accountant reads it.

    ``open_invoices``: the positive residuals of the posted receivable items (invoices and other
    debits not fully paid): what customers owe. ``unapplied``: the negative residuals (payments not
    matched with an invoice, advances, open credit notes), a negative amount: what is owed to them
    until it is applied. ``net``: the two together, the balance of the receivable accounts.
    ``overdue``: the open invoices past their due date, a part of ``open_invoices`` and never more.
    ``aging``: ``open_invoices`` per AGING_BUCKETS key: no bucket is negative, and they add up to it.
    """

    open_invoices: float
    unapplied: float
    overdue: float
    aging: dict

    @property
    def net(self):
        return self.open_invoices + self.unapplied


def credit_sales_sql(move, date_from, date_to):
    """Whether the account_move aliased ``move`` is a credit sale of the period: a posted customer
    invoice or credit note dated in it. Its amount is ``amount_total_signed`` (company currency)."""
    return SQL(
        "%(state)s = 'posted' AND %(type)s IN ('out_invoice', 'out_refund') AND %(date)s >= %(start)s "
        "AND %(date)s <= %(end)s",
        state=SQL.identifier(move, "state"),
        type=SQL.identifier(move, "move_type"),
        date=SQL.identifier(move, "invoice_date"),
        start=date_from,
        end=date_to,
    )


class ArCollectionKpi(models.AbstractModel):
    """Collection KPIs, computed in SQL for one company: what the dashboard shows."""

    _name = "ar.collection.kpi"
    _description = "Collection KPIs"

    @requires_group(COLLECTION_USER_GROUP)
    @api.model
    def get_dashboard_data(self):
        """Everything the Collections dashboard shows, for the current company."""
        if not self.env.user.has_group(COLLECTION_USER_GROUP):
            raise AccessError(self.env._("The collection dashboard is for collection users."))
        company = self.env.company
        today = fields.Date.context_today(self)
        currency = company.currency_id
        position = self._receivable_position(company, today)
        Profile = self.env["ar.credit.profile"]
        worklist = Profile.search(
            [("company_id", "=", company.id), ("overdue_amount", ">", 0)], order="priority desc", limit=10
        )
        return {
            "currency": {"id": currency.id, "symbol": currency.symbol},
            "totals": self._totals(company, today, position),
            "dso": self._dso(company, today, position=position),
            "cei": self._cei_by_month(company, today),
            "aging": self._aging(company, today, position),
            "stage_rates": self._collection_rate_by_stage(company, today),
            "promise_rate": self._promise_kept_rate(company, today),
            "disputes": self._dispute_reasons(company, today),
            "outcomes": self._outcomes_by_collector(company, today),
            "limitation": self._limitation_at_risk(company, today),
            "legal": self._legal_recovery_by_route(company),
            "forecast": [
                {"week": fields.Date.to_string(week), "due": due, "expected": expected}
                for week, due, expected in self.env["ar.cashin.forecast"]._weekly(company)
            ],
            "worklist": [
                {
                    "id": profile.id,
                    "partner_id": profile.partner_id.id,
                    "name": profile.partner_id.display_name,
                    "collector": profile.collector_id.name or "",
                    "stage": profile.stage_id.name or "",
                    "overdue": profile.overdue_amount,
                    "days": profile.oldest_overdue_days,
                    "priority": profile.priority,
                }
                for profile in worklist
            ],
        }

    # ------------------------------------------------------------------
    # Legal path
    # ------------------------------------------------------------------

    @api.model
    def _limitation_at_risk(self, company, today):
        """Open invoices that become time-barred within LIMITATION_WARNING_DAYS, and those already
        time-barred: count and open amount (company currency)."""
        Move = self.env["account.move"].sudo()
        base = [*Move._ar_open_invoice_domain(), ("company_id", "=", company.id)]
        horizon = today + timedelta(days=LIMITATION_WARNING_DAYS)
        [(count, at_risk)] = Move._read_group(
            [*base, ("ar_limitation_date", ">=", today), ("ar_limitation_date", "<=", horizon)],
            aggregates=["__count", "amount_residual_signed:sum"],
        )
        [(expired_count, expired)] = Move._read_group(
            [*base, ("ar_limitation_date", "<", today)], aggregates=["__count", "amount_residual_signed:sum"]
        )
        return {"count": count, "at_risk": at_risk or 0.0, "expired_count": expired_count, "expired": expired or 0.0}

    @api.model
    def _legal_recovery_by_route(self, company):
        """Per case route: cases, amount claimed, recovered, costs and net recovery."""
        routes = dict(self.env["ar.legal.file"]._fields["route"]._description_selection(self.env))
        groups = (
            self.env["ar.legal.file"]
            .sudo()
            ._read_group(
                [("company_id", "=", company.id)],
                ["route"],
                ["__count", "amount_claimed:sum", "amount_recovered:sum", "amount_costs:sum", "amount_net:sum"],
            )
        )
        return [
            {
                "route": routes.get(route) or self.env._("Not decided yet"),
                "count": count,
                "claimed": claimed,
                "recovered": recovered,
                "costs": costs,
                "net": net,
            }
            for route, count, claimed, recovered, costs, net in groups
        ]

    # ------------------------------------------------------------------
    # The figures
    # ------------------------------------------------------------------

    def _fetch(self, query):
        """The rows of ``query`` (an :class:`SQL`) as dicts, once pending writes are flushed."""
        self.env.flush_all()
        self.env.cr.execute(query)
        return self.env.cr.dictfetchall()

    @api.model
    def _receivable_position(self, company, today):
        """The :class:`ReceivablePosition` of ``company`` on ``today``: one pass over its open
        receivable items, each aged from its due date (else its date) as the aging report does."""
        days = SQL("(%s::date - COALESCE(aml.date_maturity, aml.date))", today)
        rows = self._fetch(
            SQL(
                """SELECT %(bucket)s AS bucket,
                          SUM(aml.amount_residual) AS amount,
                          COALESCE(SUM(aml.amount_residual) FILTER (
                              WHERE aml.amount_residual > 0 AND %(days)s > 0), 0) AS overdue
                   %(lines)s
                   AND aml.reconciled IS NOT TRUE
                   AND aml.amount_residual != 0
                 GROUP BY 1""",
                bucket=receivable_bucket_sql(SQL("aml.amount_residual"), days),
                days=days,
                lines=_receivable_lines(company),
            )
        )
        amounts = {row["bucket"]: row["amount"] for row in rows}
        aging = {key: amounts.get(key, 0.0) for key, _label, _max_days in AGING_BUCKETS}
        round_ = company.currency_id.round
        return ReceivablePosition(
            open_invoices=round_(sum(aging.values())),
            unapplied=round_(amounts.get(UNAPPLIED_BUCKET[0], 0.0)),
            overdue=round_(sum(row["overdue"] for row in rows)),
            aging=aging,
        )

    @api.model
    def _totals(self, company, today, position=None):
        """The dashboard's receivable cards, in company currency (see :class:`ReceivablePosition`):
        ``open`` (open invoices), ``unapplied`` (payments and credits not applied, negative),
        ``net`` (net receivable), ``overdue`` and ``overdue_share`` (percent of the open invoices).

        ``customers_overdue`` counts the worklist's customers: those whose overdue invoices exceed
        their own unapplied credits (``ar.credit.profile.overdue_amount``); ``on_hold`` the held ones.
        """
        position = position or self._receivable_position(company, today)
        Profile = self.env["ar.credit.profile"]
        profiles = Profile.search_count([("company_id", "=", company.id), ("overdue_amount", ">", 0)])
        held = Profile.search_count([("company_id", "=", company.id), ("hold", "=", True)])
        open_invoices = position.open_invoices
        overdue_share = position.overdue / open_invoices * 100 if open_invoices > 0 else 0.0
        return {
            "open": open_invoices,
            "unapplied": position.unapplied,
            "net": company.currency_id.round(position.net),
            "overdue": position.overdue,
            "overdue_share": round(overdue_share, 1),
            "customers_overdue": profiles,
            "on_hold": held,
        }

    @api.model
    def _credit_sales(self, company, date_from, date_to):
        """Customer invoices less credit notes, posted, dated in the period (company currency)."""
        row = self._fetch(
            SQL(
                """SELECT COALESCE(SUM(move.amount_total_signed), 0) AS sales
                     FROM account_move move
                    WHERE move.company_id = %s AND %s""",
                company.id,
                credit_sales_sql("move", date_from, date_to),
            )
        )
        return row[0]["sales"]

    @api.model
    def _dso(self, company, today, days=90, position=None):
        """Days sales outstanding, rolling: net receivable / credit sales of the last ``days`` days
        (today included) x ``days``; None without sales.

        Both sides are net, as the ledger has them: the receivable is the open invoices less the
        unapplied payments and credits (money received is collected, matched or not), the sales
        are the invoices less the credit notes (see :meth:`_credit_sales`). CEI uses the same
        ledger balance.
        """
        sales = self._credit_sales(company, today - timedelta(days=days - 1), today)
        position = position or self._receivable_position(company, today)
        return self._dso_of(position.net, sales, days)

    @api.model
    def _dso_of(self, receivable, sales, days):
        """The DSO formula, for the company (`_dso`) and per salesperson (ar.salesperson.summary):
        ``receivable`` / ``sales`` of ``days`` days x ``days``, in days; None without sales."""
        return round(receivable / sales * days, 1) if sales > 0 else None

    @api.model
    def _balance_on(self, company, day):
        """Receivable balance at the end of ``day``."""
        return self._fetch(
            SQL(
                "SELECT COALESCE(SUM(aml.balance), 0) AS balance %s AND aml.date <= %s",
                _receivable_lines(company),
                day,
            )
        )[0]["balance"]

    @api.model
    def _current_on(self, company, day):
        """Part of the receivable at the end of ``day`` that was not yet due then."""
        return self._fetch(
            SQL(
                """SELECT COALESCE(SUM(aml.balance - COALESCE(paid.amount, 0)), 0) AS current
                     FROM account_move_line aml
                     JOIN account_account account ON account.id = aml.account_id
                     LEFT JOIN LATERAL (
                         SELECT SUM(apr.amount) AS amount FROM account_partial_reconcile apr
                          WHERE apr.debit_move_id = aml.id AND apr.max_date <= %(day)s
                     ) paid ON true
                    WHERE account.account_type = 'asset_receivable'
                      AND aml.parent_state = 'posted'
                      AND aml.company_id = %(company_id)s
                      AND aml.date <= %(day)s
                      AND aml.balance > 0
                      AND aml.date_maturity > %(day)s""",
                company_id=company.id,
                day=day,
            )
        )[0]["current"]

    @api.model
    def _cei_by_month(self, company, today, months=6):
        """Collection effectiveness index of the last months, oldest first.

        CEI = (opening receivable + credit sales - closing receivable)
            / (opening receivable + credit sales - closing current receivable) x 100

        The receivable is the ledger balance, the net receivable of :class:`ReceivablePosition`
        (a payment counts as collected when received, applied or not); the current receivable is
        what of the invoices was not yet due at the month's end, less what was applied to them by
        then; the credit sales are the invoices less the credit notes of the month.
        """
        result = []
        first_of_month = today.replace(day=1)
        for index in range(months, 0, -1):
            start = first_of_month - relativedelta(months=index)
            end = start + relativedelta(months=1, days=-1)
            opening = self._balance_on(company, start - timedelta(days=1))
            sales = self._credit_sales(company, start, end)
            closing = self._balance_on(company, end)
            current = self._current_on(company, end)
            collectible = opening + sales - current
            cei = round((opening + sales - closing) / collectible * 100, 1) if collectible > 0 else None
            result.append({"month": fields.Date.to_string(start), "cei": cei})
        return result

    @api.model
    def _aging(self, company, today=None, position=None):
        """The open invoices per aging bucket (AGING_BUCKETS, youngest first), in company currency:
        never negative, they add up to the open invoices; unapplied payments and credits are not
        aged (the ``unapplied`` total)."""
        position = position or self._receivable_position(company, today or fields.Date.context_today(self))
        labels = dict(self.env["ar.aging.report"]._fields["bucket"]._description_selection(self.env))
        round_ = company.currency_id.round
        return [
            {"bucket": key, "label": labels[key], "amount": round_(position.aging[key])}
            for key, _label, _max_days in AGING_BUCKETS
        ]

    @api.model
    def _collection_rate_by_stage(self, company, today, within_days=14, months=12):
        """Per stage: of the invoices its communications (emails, letters) listed in the last
        ``months``, the share paid within ``within_days`` days after, in number of invoices.

        Paid means the invoice's payment state is paid or in payment (a payment or a credit note
        applied in full), on the date of its last reconciliation; a partly paid invoice is not paid.
        """
        rows = self._fetch(
            SQL(
                """
                WITH listed AS (
                    SELECT event.stage_id, event.date::date AS sent_on, rel.move_id
                      FROM ar_collection_event event
                      JOIN ar_collection_event_move_rel rel ON rel.event_id = event.id
                     WHERE event.company_id = %(company_id)s
                       AND event.kind IN ('email', 'letter')
                       AND event.failed IS NOT TRUE
                       AND event.stage_id IS NOT NULL
                       AND event.date >= %(since)s
                ),
                paid AS (
                    SELECT aml.move_id, MAX(apr.max_date) AS paid_on
                      FROM account_move_line aml
                      JOIN account_move move ON move.id = aml.move_id
                      JOIN account_partial_reconcile apr ON apr.debit_move_id = aml.id
                     WHERE move.payment_state IN ('paid', 'in_payment') AND aml.move_id IN (SELECT move_id FROM listed)
                     GROUP BY aml.move_id
                )
                SELECT listed.stage_id,
                       COUNT(*) AS reached,
                       COUNT(*) FILTER (WHERE paid.paid_on <= listed.sent_on + %(within)s) AS paid
                  FROM listed
                  LEFT JOIN paid ON paid.move_id = listed.move_id
                 GROUP BY listed.stage_id
                """,
                company_id=company.id,
                since=today - relativedelta(months=months),
                within=within_days,
            )
        )
        stages = self.env["ar.collection.stage"].browse([row["stage_id"] for row in rows])
        names = {stage.id: (stage.offset_days, stage.name) for stage in stages}
        return sorted(
            (
                {
                    "stage": names[row["stage_id"]][1],
                    "offset": names[row["stage_id"]][0],
                    "reached": row["reached"],
                    "paid": row["paid"],
                    "rate": round(row["paid"] / row["reached"] * 100, 1),
                }
                for row in rows
            ),
            key=lambda item: item["offset"],
        )

    @api.model
    def _promise_kept_rate(self, company, today, months=12):
        counts = dict(
            self.env["ar.collection.promise"]._read_group(
                self._closed_promises_domain(company, today, months), ["state"], ["__count"]
            )
        )
        return self._kept_rate(counts.get("kept", 0), counts.get("broken", 0))

    @api.model
    def _closed_promises_domain(self, company, today, months=12):
        """The promises the kept rate counts: kept or broken in the last ``months``."""
        return [
            ("company_id", "=", company.id),
            ("state", "in", ("kept", "broken")),
            ("closed_on", ">=", today - relativedelta(months=months)),
        ]

    @api.model
    def _kept_rate(self, kept, broken):
        """{kept, broken, rate}: the share of closed promises kept, in percent (None without any)."""
        return {
            "kept": kept,
            "broken": broken,
            "rate": round(kept / (kept + broken) * 100, 1) if kept + broken else None,
        }

    @api.model
    def _dispute_reasons(self, company, today, months=12):
        Dispute = self.env["ar.collection.dispute"]
        rows = Dispute._read_group(
            [("company_id", "=", company.id), ("create_date", ">=", today - relativedelta(months=months))],
            ["reason"],
            ["__count", "amount_disputed:sum"],
        )
        labels = dict(Dispute._fields["reason"]._description_selection(self.env))
        return [
            {"reason": labels.get(reason, reason), "count": count, "amount": amount} for reason, count, amount in rows
        ]

    @api.model
    def _outcomes_by_collector(self, company, today, days=90):
        rows = self.env["ar.collection.event"]._read_group(
            [
                ("company_id", "=", company.id),
                ("outcome_id", "!=", False),
                ("date", ">=", today - timedelta(days=days)),
            ],
            ["user_id", "outcome_id"],
            ["__count"],
        )
        return [{"collector": user.name, "outcome": outcome.name, "count": count} for user, outcome, count in rows]
