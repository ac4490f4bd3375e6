"""The receivable aging report: open receivable items by age (an SQL view)."""

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
