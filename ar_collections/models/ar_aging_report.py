"""The receivable aging report (an SQL view of the open receivable items by age) and the aging buckets."""

from odoo import fields
from odoo import models
from odoo.tools import SQL

# The aging buckets, youngest first: key, label, and the most days past due an item in the
# bucket has (None for the last, open-ended bucket). The aging report (SQL), the statement of
# account (Python), the dashboard and the bad-debt provision (its rates are per bucket) all
# sort items with them. Past 90 days they follow the years of the aging method (账龄分析法).
AGING_BUCKETS = [
    ("current", "Not yet due", 0),
    ("1_30", "1-30 days", 30),
    ("31_60", "31-60 days", 60),
    ("61_90", "61-90 days", 90),
    ("91_365", "91-365 days", 365),
    ("1_2_years", "1-2 years", 730),
    ("2_3_years", "2-3 years", 1095),
    ("over_3_years", "Over 3 years", None),
]


def aging_bucket(days_overdue):
    """The key of the aging bucket of an item ``days_overdue`` days past due (0 or less: not yet due)."""
    return next(key for key, _label, max_days in AGING_BUCKETS if max_days is None or days_overdue <= max_days)


def aging_bucket_sql(days_overdue):
    """:func:`aging_bucket` in SQL: the bucket's key, for ``days_overdue``, an :class:`SQL` number of days."""
    bounded = SQL(" ").join(
        SQL("WHEN %s <= %s THEN %s", days_overdue, max_days, key)
        for key, _label, max_days in AGING_BUCKETS
        if max_days is not None
    )
    return SQL("CASE %s ELSE %s END", bounded, AGING_BUCKETS[-1][0])


# Items owed to the customer (a negative residual: payments not matched with an invoice,
# advances, open credit notes) are not aged: they stand apart under this key, so that no
# bucket is negative and the buckets add up to the open invoices.
UNAPPLIED_BUCKET = ("unapplied", "Unapplied payments and credits")


def receivable_bucket_sql(residual, days_overdue):
    """The aging report's key of an open receivable item, in SQL: its aging bucket when it is
    owed to us (``residual`` positive), UNAPPLIED_BUCKET's when it is owed to the customer."""
    return SQL("CASE WHEN %s < 0 THEN %s ELSE %s END", residual, UNAPPLIED_BUCKET[0], aging_bucket_sql(days_overdue))


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
    bucket = fields.Selection(
        [*((key, label) for key, label, _max_days in AGING_BUCKETS), UNAPPLIED_BUCKET], string="Age", readonly=True
    )
    amount = fields.Monetary(string="Open Amount", readonly=True)

    @property
    def _table_query(self):
        days = SQL("(CURRENT_DATE - COALESCE(aml.date_maturity, aml.date))")
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
                   CASE WHEN aml.amount_residual < 0 THEN 0
                        ELSE GREATEST(%(days)s, 0) END AS days_overdue,
                   %(bucket)s AS bucket,
                   aml.amount_residual AS amount
              FROM account_move_line aml
              JOIN account_move move ON move.id = aml.move_id
              JOIN account_account account ON account.id = aml.account_id
              JOIN res_partner partner ON partner.id = aml.partner_id
              LEFT JOIN ar_credit_profile profile
                     ON profile.partner_id = partner.commercial_partner_id AND profile.company_id = aml.company_id
             WHERE account.account_type = 'asset_receivable'
               AND aml.reconciled IS NOT TRUE
               AND aml.parent_state = 'posted'
            """,
            days=days,
            bucket=receivable_bucket_sql(SQL("aml.amount_residual"), days),
        )
