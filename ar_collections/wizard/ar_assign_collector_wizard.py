"""Assign a collector to several customers at once."""

from odoo import fields
from odoo import models
from odoo.exceptions import UserError

from ..tools.groups import CREDIT_MANAGER_GROUP
from ..tools.groups import requires_group


class ArAssignCollectorWizard(models.TransientModel):
    """Give customers (or the customers of selected invoices) a collector."""

    _name = "ar.assign.collector.wizard"
    _description = "Assign Collector"

    partner_ids = fields.Many2many("res.partner", string="Customers")
    move_ids = fields.Many2many("account.move", string="Invoices")
    collector_id = fields.Many2one("res.users", required=True, domain=[("share", "=", False)])

    @requires_group(CREDIT_MANAGER_GROUP)
    def action_assign(self):
        self.ensure_one()
        partners = (self.partner_ids | self.move_ids.partner_id).commercial_partner_id
        if not partners:
            raise UserError(self.env._("Select the customers or invoices to assign."))
        profiles = self.env["ar.credit.profile"]._get_or_create(partners, self.env.company)
        profiles._check_credit_manager()
        profiles.sudo().write({"collector_id": self.collector_id.id})
        return {"type": "ir.actions.act_window_close"}
