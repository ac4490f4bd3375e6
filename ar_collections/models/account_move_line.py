"""Journal items: the late-fee line's link to the invoice and stage it charges for (once each)."""

from odoo import fields
from odoo import models
from odoo.tools import SQL
from odoo.tools import index_exists

from ..tools.groups import INTERNAL_USER_GROUP


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    ar_fee_source_move_id = fields.Many2one(
        "account.move",
        string="Late Fee For",
        index="btree_not_null",
        copy=False,
        readonly=True,
        help="The overdue invoice this late-fee line charges for.",
        groups=INTERNAL_USER_GROUP,
    )
    ar_fee_stage_id = fields.Many2one(
        "ar.collection.stage",
        string="Late Fee Stage",
        copy=False,
        readonly=True,
        ondelete="restrict",
        groups=INTERNAL_USER_GROUP,
    )

    def init(self):
        # A late fee is charged at most once per invoice and stage (cancelled fee invoices aside).
        if not index_exists(self.env.cr, "account_move_line_ar_fee_once_idx"):
            self.env.cr.execute(
                SQL(
                    "CREATE UNIQUE INDEX account_move_line_ar_fee_once_idx "
                    "ON account_move_line (ar_fee_source_move_id, ar_fee_stage_id) "
                    "WHERE ar_fee_source_move_id IS NOT NULL AND parent_state != 'cancel'"
                )
            )
