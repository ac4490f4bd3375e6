"""Waive late fees: a credit note per fee invoice, logged with its reason."""

from odoo import fields
from odoo import models
from odoo.exceptions import UserError

from ..tools.groups import CREDIT_MANAGER_GROUP
from ..tools.groups import requires_group


class ArLateFeeWaiveWizard(models.TransientModel):
    """A credit manager cancels late fees with a credit note and a reason."""

    _name = "ar.late.fee.waive.wizard"
    _description = "Waive Late Fees"

    move_ids = fields.Many2many("account.move", string="Late Fee Invoices", required=True)
    reason = fields.Text(required=True)

    @requires_group(CREDIT_MANAGER_GROUP)
    def action_waive(self):
        self.ensure_one()
        self.env["ar.credit.profile"]._check_credit_manager()
        if not (self.reason or "").strip():
            raise UserError(self.env._("Give the reason for waiving the fee: it is logged."))
        fees = self.move_ids.filtered("ar_is_late_fee")
        if not fees:
            raise UserError(self.env._("Select late-fee invoices to waive."))
        fees._ar_waive_late_fee(self.reason.strip())
        return {"type": "ir.actions.act_window_close"}
