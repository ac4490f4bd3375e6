"""The salespeople's collection scorecard (回款考核): per salesperson and sales team, what their
customers owe, how much of it is overdue, DSO, what came in this month and the promises kept."""

from odoo import api
from odoo import fields
from odoo import models
from odoo.tools import SQL

from .ar_collection_kpi import credit_sales_sql

# DSO is rolling over the credit sales of this many days, as on the Collections dashboard.
DSO_DAYS = 90


class ArSalespersonSummary(models.Model):
    """One row per company, salesperson and sales team: the figures of ar.salesperson.report added
    up, the credit sales of the last 90 days, and the ratios computed from them."""

    _name = "ar.salesperson.summary"
    _inherit = ["ar.report.flush.mixin"]
    _description = "Salesperson Collection Scorecard"
    _auto = False
    _order = "overdue desc, receivable desc, id"
    _rec_name = "user_id"

    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    receivable = fields.Monetary(readonly=True, help="Open invoices (and other debits) of the salesperson's customers.")
    unapplied = fields.Monetary(
        string="Unapplied Credits", readonly=True, help="Payments and credit notes not matched with an invoice yet."
    )
    overdue = fields.Monetary(readonly=True)
    collected = fields.Monetary(
        string="Collected This Month",
        readonly=True,
        help="Payments matched this month with the salesperson's invoices.",
    )
    sales = fields.Monetary(
        string="Sales (90 Days)", readonly=True, help="Invoices less credit notes of the last 90 days."
    )
    overdue_share = fields.Float(string="Overdue %", compute="_compute_ratios", digits=(16, 1))
    dso = fields.Float(
        string="DSO (Days)",
        compute="_compute_ratios",
        digits=(16, 1),
        help="Days sales outstanding: net receivable / sales of the last 90 days x 90 (as on the dashboard).",
    )
    promises_kept = fields.Integer(compute="_compute_promises")
    promises_broken = fields.Integer(compute="_compute_promises")
    promise_kept_rate = fields.Float(
        string="Promises Kept %",
        compute="_compute_promises",
        digits=(16, 1),
        help="Of the promises to pay on the salesperson's invoices closed in the last 12 months, the share kept.",
    )

    @property
    def _table_query(self):
        salesperson = self.env["account.move"]._ar_salesperson_sql("move")
        return SQL(
            """
            WITH figures AS (
                SELECT company_id, user_id, team_id,
                       COALESCE(SUM(amount_residual) FILTER (WHERE amount_residual > 0), 0) AS receivable,
                       COALESCE(SUM(amount_residual) FILTER (WHERE amount_residual < 0), 0) AS unapplied,
                       SUM(amount_overdue) AS overdue,
                       SUM(amount_collected) AS collected,
                       0 AS sales
                  FROM (%(lines)s) line
                 GROUP BY company_id, user_id, team_id
                UNION ALL
                SELECT move.company_id, %(salesperson)s, move.team_id, 0, 0, 0, 0, SUM(move.amount_total_signed)
                  FROM account_move move
                 WHERE %(credit_sales)s
                 GROUP BY 1, 2, 3
            )
            SELECT ROW_NUMBER() OVER (ORDER BY figures.company_id, figures.user_id NULLS FIRST,
                                               figures.team_id NULLS FIRST) AS id,
                   figures.company_id,
                   company.currency_id,
                   figures.user_id,
                   figures.team_id,
                   SUM(figures.receivable) AS receivable,
                   SUM(figures.unapplied) AS unapplied,
                   SUM(figures.overdue) AS overdue,
                   SUM(figures.collected) AS collected,
                   SUM(figures.sales) AS sales
              FROM figures
              JOIN res_company company ON company.id = figures.company_id
             GROUP BY figures.company_id, company.currency_id, figures.user_id, figures.team_id
            """,
            lines=self.env["ar.salesperson.report"]._table_query,
            salesperson=salesperson,
            credit_sales=credit_sales_sql("move", SQL("CURRENT_DATE - %s", DSO_DAYS - 1), SQL("CURRENT_DATE")),
        )

    @api.depends("receivable", "unapplied", "overdue", "sales")
    def _compute_ratios(self):
        Kpi = self.env["ar.collection.kpi"]
        for row in self:
            row.overdue_share = round(row.overdue / row.receivable * 100, 1) if row.receivable > 0 else 0.0
            row.dso = Kpi._dso_of(row.receivable + row.unapplied, row.sales, DSO_DAYS) or 0.0

    @api.depends("company_id", "user_id", "team_id")
    def _compute_promises(self):
        """The promises closed in the last 12 months on each row's invoices (a promise on the
        invoices of two salespeople counts for both): one query per company."""
        Kpi = self.env["ar.collection.kpi"]
        Promise = self.env["ar.collection.promise"].sudo()
        today = fields.Date.context_today(self)
        promises = {}
        for company in self.company_id:
            groups = Promise._read_group(
                Kpi._closed_promises_domain(company, today), ["move_ids", "state"], ["id:array_agg"]
            )
            for move, state, ids in groups:
                key = (company.id, move._ar_sold_by().id, move.team_id.id)
                promises.setdefault(key, {"kept": set(), "broken": set()})[state].update(ids)
        for row in self:
            found = promises.get((row.company_id.id, row.user_id.id, row.team_id.id), {})
            rate = Kpi._kept_rate(len(found.get("kept", ())), len(found.get("broken", ())))
            row.promises_kept, row.promises_broken = rate["kept"], rate["broken"]
            row.promise_kept_rate = rate["rate"] or 0.0
