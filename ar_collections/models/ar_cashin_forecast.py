"""The cash-in forecast: when open invoices fall due and when customers will likely pay them (an SQL view)."""

from odoo import api
from odoo import fields
from odoo import models
from odoo.tools import SQL


class ArCashinForecast(models.Model):
    """Open invoices by the week they fall due and the week the customer will likely pay them."""

    _name = "ar.cashin.forecast"
    _inherit = ["ar.report.flush.mixin"]
    _description = "Cash-in Forecast"
    _auto = False
    _order = "date"

    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    kind = fields.Selection([("due", "Due"), ("expected", "Expected")], readonly=True)
    date = fields.Date(readonly=True, help="Due date, or expected payment date; past dates count this week.")
    amount = fields.Monetary(readonly=True)

    @property
    def _table_query(self):
        # Two rows per open invoice: when it is due and when it is expected, both within the
        # 13 weeks to come (anything already late is counted in the current week).
        return SQL(
            """
            WITH open_invoices AS (
                SELECT move.id AS move_id, move.commercial_partner_id AS partner_id, move.company_id,
                       company.currency_id, move.amount_residual_signed AS amount, move.invoice_date_due,
                       move.invoice_date_due + ROUND(COALESCE(profile.payment_delay, 0))::int AS expected
                  FROM account_move move
                  JOIN res_company company ON company.id = move.company_id
                  LEFT JOIN ar_credit_profile profile
                         ON profile.partner_id = move.commercial_partner_id AND profile.company_id = move.company_id
                 WHERE %(open_invoice)s
            ),
            rows AS (
                SELECT move_id, partner_id, company_id, currency_id, 'due' AS kind,
                       GREATEST(invoice_date_due, CURRENT_DATE) AS date, amount
                  FROM open_invoices
                UNION ALL
                SELECT move_id, partner_id, company_id, currency_id, 'expected' AS kind,
                       GREATEST(expected, CURRENT_DATE) AS date, amount
                  FROM open_invoices
            )
            SELECT ROW_NUMBER() OVER (ORDER BY move_id, kind) AS id, *
              FROM rows
             WHERE date < CURRENT_DATE + 91
            """,
            open_invoice=self.env["account.move"]._ar_open_invoice_sql("move"),
        )

    @api.model
    def _weekly(self, company):
        """[(week start, amount due, amount expected)] for the 13 weeks to come."""
        rows = self._read_group(
            [("company_id", "=", company.id)], ["date:week", "kind"], ["amount:sum"], order="date:week"
        )
        weeks = {}
        for week, kind, amount in rows:
            weeks.setdefault(week, {"due": 0.0, "expected": 0.0})[kind] = amount
        return [(week, values["due"], values["expected"]) for week, values in sorted(weeks.items())]
