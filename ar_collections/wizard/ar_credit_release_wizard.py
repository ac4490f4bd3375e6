from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError

from ..tools.groups import CREDIT_MANAGER_GROUP
from ..tools.groups import requires_group


class ArCreditReleaseWizard(models.TransientModel):
    """A credit manager releases one document blocked by the credit check, with a reason."""

    _name = "ar.credit.release.wizard"
    _description = "Release a Credit Block"

    res_model = fields.Char(required=True, readonly=True)
    res_id = fields.Integer(required=True, readonly=True)
    record_name = fields.Char(compute="_compute_summary", string="Document")
    summary = fields.Text(compute="_compute_summary", string="Why it is blocked")
    amount = fields.Float(
        string="Release Up To",
        help="Sale orders: the total the release covers (at least the order's total now); a confirmed "
        "order may then grow up to it.",
    )
    reason = fields.Text(
        required=True, help="Why the company accepts the risk; logged on the customer and the document."
    )

    @api.depends("res_model", "res_id")
    def _compute_summary(self):
        for wizard in self:
            record = wizard._record()
            wizard.record_name = record.display_name
            wizard.summary = record._ar_credit_block_summary() if record else False

    def _record(self):
        self.ensure_one()
        if self.res_model not in self.env or not self.res_id:
            return None
        return self.env[self.res_model].browse(self.res_id).exists()

    @requires_group(CREDIT_MANAGER_GROUP)
    def action_release(self):
        self.ensure_one()
        if not (self.reason or "").strip():
            raise UserError(self.env._("Give the reason for releasing the credit block: it is logged."))
        record = self._record()
        if not record or not isinstance(record, self.pool["ar.credit.release.mixin"]):
            raise UserError(self.env._("This document cannot be released from a credit block."))
        result = record._ar_credit_release(self.reason.strip(), amount=self.amount or None)
        # A release may open the document's next step (e.g. a delivery's backorder wizard).
        return result if isinstance(result, dict) else {"type": "ir.actions.act_window_close"}
