"""Invoices written off as bad debts (坏账核销): the request from the invoice, its recovery."""

from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError

from ..tools.groups import COLLECTION_USER_GROUP
from ..tools.groups import CREDIT_MANAGER_GROUP
from ..tools.groups import requires_group
from .ar_write_off import WRITE_OFF_STATES

# Write-offs on invoices live apart from the collection rules (account_move.py).
# pylint: disable=consider-merging-classes-inherited


class AccountMove(models.Model):
    _inherit = "account.move"

    ar_write_off_ids = fields.One2many(
        "ar.write.off", "move_id", string="Write-Offs", readonly=True, groups=COLLECTION_USER_GROUP
    )
    ar_write_off_state = fields.Selection(
        WRITE_OFF_STATES,
        string="Bad Debt",
        compute="_compute_ar_write_off_state",
        groups=COLLECTION_USER_GROUP,
        help="Where the invoice's latest write-off request stands.",
    )

    @api.depends("ar_write_off_ids.state")
    def _compute_ar_write_off_state(self):
        for move in self:
            move.ar_write_off_state = move.ar_write_off_ids.sorted("id")[-1:].state

    @requires_group(COLLECTION_USER_GROUP)
    def action_ar_write_off(self):
        """Ask to write this open invoice off as a bad debt (a reason, a credit manager's approval)."""
        self.ensure_one()
        self._ar_check_collectible_invoices(self.env._("A write-off"))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Write Off as Bad Debt"),
            "res_model": "ar.write.off",
            "view_mode": "form",
            "target": "new",
            "context": {"default_move_id": self.id},
        }

    @requires_group(CREDIT_MANAGER_GROUP)
    def action_ar_recover_bad_debt(self):
        """The customer pays a written-off invoice after all: reverse its write-off."""
        write_offs = self.sudo().ar_write_off_ids.filtered(lambda write_off: write_off.state == "written_off")
        if not write_offs:
            raise UserError(self.env._("Only an invoice written off as a bad debt can be recovered."))
        return write_offs.sudo(False).action_recover()
