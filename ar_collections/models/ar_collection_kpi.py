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
        Profile = self.env["ar.credit.profile"]
        worklist = Profile.search(
            [("company_id", "=", company.id), ("overdue_amount", ">", 0)], order="priority desc", limit=10
        )
        return {
            "currency": {"id": currency.id, "symbol": currency.symbol},
            "totals": self._totals(company, today),
            "dso": self._dso(company, today),
            "cei": self._cei_by_month(company, today),
            "aging": self._aging(company),
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
    def _totals(self, company, today):
        row = self._fetch(
            SQL(
                """SELECT COALESCE(SUM(aml.amount_residual), 0) AS open,
                          COALESCE(SUM(aml.amount_residual) FILTER (
                              WHERE aml.amount_residual > 0 AND aml.date_maturity < %(today)s), 0) AS overdue
                   %(lines)s
                   AND aml.reconciled IS NOT TRUE""",
                lines=_receivable_lines(company),
                today=today,
            )
        )[0]
        profiles = self.env["ar.credit.profile"].search_count(
            [("company_id", "=", company.id), ("overdue_amount", ">", 0)]
        )
        held = self.env["ar.credit.profile"].search_count([("company_id", "=", company.id), ("hold", "=", True)])
        overdue_share = row["overdue"] / row["open"] * 100 if row["open"] > 0 else 0.0
        return {**row, "overdue_share": round(overdue_share, 1), "customers_overdue": profiles, "on_hold": held}

    @api.model
    def _credit_sales(self, company, date_from, date_to):
        """Customer invoices less credit notes, posted, dated in the period (company currency)."""
        row = self._fetch(
            SQL(
                """SELECT COALESCE(SUM(amount_total_signed), 0) AS sales
                     FROM account_move
                    WHERE company_id = %(company_id)s AND state = 'posted'
                      AND move_type IN ('out_invoice', 'out_refund')
                      AND invoice_date >= %(date_from)s AND invoice_date <= %(date_to)s""",
                company_id=company.id,
                date_from=date_from,
                date_to=date_to,
            )
        )
        return row[0]["sales"]

    @api.model
    def _dso(self, company, today, days=90):
        """Days sales outstanding, rolling: open receivable / credit sales of the last 90 days x 90."""
        sales = self._credit_sales(company, today - timedelta(days=days - 1), today)
        open_amount = self._totals(company, today)["open"]
        return round(open_amount / sales * days, 1) if sales > 0 else None

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
    def _aging(self, company):
        rows = self.env["ar.aging.report"]._read_group([("company_id", "=", company.id)], ["bucket"], ["amount:sum"])
        amounts = dict(rows)
        return [
            {"bucket": key, "label": label, "amount": amounts.get(key, 0.0)}
            for key, label in self.env["ar.aging.report"]._fields["bucket"]._description_selection(self.env)
        ]

    @api.model
    def _collection_rate_by_stage(self, company, today, within_days=14, months=12):
        """Per stage: of the invoices its communications listed, the share paid within N days after."""
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
                [
                    ("company_id", "=", company.id),
                    ("state", "in", ("kept", "broken")),
                    ("closed_on", ">=", today - relativedelta(months=months)),
                ],
                ["state"],
                ["__count"],
            )
        )
        kept, broken = counts.get("kept", 0), counts.get("broken", 0)
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
