"""Pause the collection of customers until a date (force majeure), with a logged reason."""

from odoo import fields
from odoo import models

from ..tools.groups import CREDIT_MANAGER_GROUP
from ..tools.groups import requires_group


class ArCollectionPauseWizard(models.TransientModel):
    """Force majeure (不可抗力): leave customers alone until a date, with a reason."""

    _name = "ar.collection.pause.wizard"
    _description = "Pause Collection"

    partner_ids = fields.Many2many("res.partner", string="Customers", required=True)
    until = fields.Date(string="Pause Until", required=True)
    reason = fields.Text(required=True)

    @requires_group(CREDIT_MANAGER_GROUP)
    def action_pause(self):
        self.ensure_one()
        profiles = self.env["ar.credit.profile"]._get_or_create(self.partner_ids, self.env.company)
        profiles.action_pause_collection(self.until, (self.reason or "").strip())
        return {"type": "ir.actions.act_window_close"}
