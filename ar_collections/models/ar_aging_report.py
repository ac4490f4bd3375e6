from odoo import api
from odoo import fields
from odoo import models
from odoo.tools import SQL

BUCKETS = [
    ("current", "Not yet due"),
    ("1_30", "1-30 days"),
    ("31_60", "31-60 days"),
    ("61_90", "61-90 days"),
    ("over_90", "Over 90 days"),
]


class ReportFlushMixin(models.AbstractModel):
    _name = "ar.report.flush.mixin"
    _description = "SQL views read what the ORM has not written yet: flush first"

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None, **kwargs):
        self.env.flush_all()
        return super()._search(domain, offset=offset, limit=limit, order=order, **kwargs)


class ArAgingReport(models.Model):
    """Open customer receivable by age, one row per open item (a view, computed as of today)."""

    _name = "ar.aging.report"
    _inherit = ["ar.report.flush.mixin"]
    _description = "Receivable Aging"
    _auto = False
    _order = "days_overdue desc"
    _rec_name = "move_id"

    move_id = fields.Many2one("account.move", string="Document", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    collector_id = fields.Many2one("res.users", readonly=True)
    rating_id = fields.Many2one("ar.credit.rating", readonly=True)
    stage_id = fields.Many2one("ar.collection.stage", readonly=True)
    date_maturity = fields.Date(string="Due Date", readonly=True)
    days_overdue = fields.Integer(readonly=True)
    bucket = fields.Selection(BUCKETS, string="Age", readonly=True)
    amount = fields.Monetary(string="Open Amount", readonly=True)

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT aml.id AS id,
                   aml.move_id,
                   partner.commercial_partner_id AS partner_id,
                   aml.company_id,
                   aml.company_currency_id AS currency_id,
                   profile.collector_id,
                   profile.rating_id,
                   move.ar_stage_id AS stage_id,
                   aml.date_maturity,
                   GREATEST(CURRENT_DATE - COALESCE(aml.date_maturity, aml.date), 0) AS days_overdue,
                   CASE
                       WHEN CURRENT_DATE - COALESCE(aml.date_maturity, aml.date) <= 0 THEN 'current'
                       WHEN CURRENT_DATE - COALESCE(aml.date_maturity, aml.date) <= 30 THEN '1_30'
                       WHEN CURRENT_DATE - COALESCE(aml.date_maturity, aml.date) <= 60 THEN '31_60'
                       WHEN CURRENT_DATE - COALESCE(aml.date_maturity, aml.date) <= 90 THEN '61_90'
                       ELSE 'over_90'
                   END AS bucket,
                   aml.amount_residual AS amount
              FROM account_move_line aml
              JOIN account_move move ON move.id = aml.move_id
              JOIN account_account account ON account.id = aml.account_id
              JOIN res_partner partner ON partner.id = aml.partner_id
              LEFT JOIN ar_credit_profile profile
                     ON profile.partner_id = partner.commercial_partner_id AND profile.company_id = aml.company_id
             WHERE account.account_type = 'asset_receivable'
               AND (aml.reconciled IS NULL OR aml.reconciled = false OR aml.reconciled IS NOT true)
               AND aml.parent_state = 'posted'
            """
        )


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
                 WHERE move.move_type = 'out_invoice'
                   AND move.state = 'posted'
                   AND move.payment_state IN ('not_paid', 'partial')
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
            """
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
