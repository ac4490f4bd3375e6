"""Put customers on hold or on the blacklist, or lift it, with a logged reason."""

from odoo import fields
from odoo import models
from odoo.exceptions import UserError

from ..tools.groups import CREDIT_MANAGER_GROUP
from ..tools.groups import requires_group

ACTIONS = [
    ("hold", "Put on credit hold"),
    ("lift_hold", "Lift credit hold"),
    ("blacklist", "Blacklist"),
    ("lift_blacklist", "Remove from blacklist"),
]


class ArCreditHoldWizard(models.TransientModel):
    """Put customers on hold or on the blacklist, or lift it, with a reason (credit managers)."""

    _name = "ar.credit.hold.wizard"
    _description = "Credit Hold or Blacklist"

    partner_ids = fields.Many2many("res.partner", string="Customers", required=True)
    action = fields.Selection(ACTIONS, required=True, default="hold")
    reason = fields.Text(required=True)

    @requires_group(CREDIT_MANAGER_GROUP)
    def action_apply(self):
        self.ensure_one()
        reason = (self.reason or "").strip()
        if not reason:
            raise UserError(self.env._("Give a reason: it is logged on each customer."))
        profiles = self.env["ar.credit.profile"]._get_or_create(self.partner_ids, self.env.company)
        {
            "hold": profiles._set_hold,
            "lift_hold": profiles._lift_hold,
            "blacklist": profiles._set_blacklist,
            "lift_blacklist": profiles._lift_blacklist,
        }[self.action](reason)
        return {"type": "ir.actions.act_window_close"}
