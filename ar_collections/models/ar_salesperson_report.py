"""Receivables by salesperson (回款考核): each salesperson answers for the open receivable of the
invoices they sold, its age, and what was collected on them this month (an SQL view)."""

from odoo import api
from odoo import fields
from odoo import models
from odoo.tools import SQL


class ArSalespersonReport(models.Model):
    """One row per open receivable item (the aging report's rows) and per payment matched this
    month with a customer invoice, under the invoice's salesperson and sales team."""

    _name = "ar.salesperson.report"
    _inherit = ["ar.report.flush.mixin"]
    _description = "Receivables by Salesperson"
    _auto = False
    _order = "days_overdue desc, id"
    _rec_name = "move_id"

    kind = fields.Selection([("open", "Open Item"), ("collected", "Collected This Month")], readonly=True)
    move_id = fields.Many2one("account.move", string="Document", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    stage_id = fields.Many2one("ar.collection.stage", string="Collection Stage", readonly=True)
    date_maturity = fields.Date(string="Due Date", readonly=True)
    date = fields.Date(string="Collected On", readonly=True)
    days_overdue = fields.Integer(readonly=True, aggregator="max")
    bucket = fields.Selection(selection="_bucket_selection", string="Age", readonly=True)
    amount_residual = fields.Monetary(string="Receivable", readonly=True)
    amount_overdue = fields.Monetary(string="Overdue", readonly=True)
    amount_collected = fields.Monetary(string="Collected This Month", readonly=True)

    @api.model
    def _bucket_selection(self):
        # The aging report's ages, whatever buckets it has.
        return self.env["ar.aging.report"]._fields["bucket"]._description_selection(self.env)

    @property
    def _table_query(self):
        salesperson = self.env["account.move"]._ar_salesperson_sql("move")
        # Ids: the open item's (even) or the reconciliation's (odd), unique and stable.
        return SQL(
            """
            SELECT aging.id * 2 AS id,
                   'open' AS kind,
                   aging.move_id,
                   aging.partner_id,
                   aging.company_id,
                   aging.currency_id,
                   %(salesperson)s AS user_id,
                   move.team_id,
                   aging.stage_id,
                   aging.date_maturity,
                   NULL::date AS date,
                   aging.days_overdue,
                   aging.bucket,
                   aging.amount AS amount_residual,
                   CASE WHEN aging.amount > 0 AND aging.days_overdue > 0 THEN aging.amount ELSE 0 END
                       AS amount_overdue,
                   0 AS amount_collected
              FROM (%(aging)s) aging
              JOIN account_move move ON move.id = aging.move_id
            UNION ALL
            SELECT partial.id * 2 + 1,
                   'collected',
                   move.id,
                   move.commercial_partner_id,
                   move.company_id,
                   company.currency_id,
                   %(salesperson)s,
                   move.team_id,
                   move.ar_stage_id,
                   line.date_maturity,
                   partial.max_date,
                   0,
                   NULL,
                   0,
                   0,
                   partial.amount
              FROM account_partial_reconcile partial
              JOIN account_move_line line ON line.id = partial.debit_move_id
              JOIN account_move move ON move.id = line.move_id
              JOIN res_company company ON company.id = move.company_id
              JOIN account_move_line paying ON paying.id = partial.credit_move_id
              JOIN account_move paying_move ON paying_move.id = paying.move_id
             WHERE move.move_type = 'out_invoice'
               AND move.state = 'posted'
               -- money collected: a credit note matched with the invoice is not
               AND paying_move.move_type != 'out_refund'
               AND partial.max_date >= date_trunc('month', CURRENT_DATE)::date
               AND partial.max_date <= CURRENT_DATE
            """,
            salesperson=salesperson,
            aging=self.env["ar.aging.report"]._table_query,
        )
