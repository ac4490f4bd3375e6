from odoo import fields
from odoo import models
from odoo.exceptions import UserError


class ArLateFeeWaiveWizard(models.TransientModel):
    """A credit manager cancels late fees with a credit note and a reason."""

    _name = "ar.late.fee.waive.wizard"
    _description = "Waive Late Fees"

    move_ids = fields.Many2many("account.move", string="Late Fee Invoices", required=True)
    reason = fields.Text(required=True)

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


class ArCollectionPauseWizard(models.TransientModel):
    """Force majeure (不可抗力): leave customers alone until a date, with a reason."""

    _name = "ar.collection.pause.wizard"
    _description = "Pause Collection"

    partner_ids = fields.Many2many("res.partner", string="Customers", required=True)
    until = fields.Date(string="Pause Until", required=True)
    reason = fields.Text(required=True)

    def action_pause(self):
        self.ensure_one()
        profiles = self.env["ar.credit.profile"]._get_or_create(self.partner_ids, self.env.company)
        profiles.action_pause_collection(self.until, (self.reason or "").strip())
        return {"type": "ir.actions.act_window_close"}


class ArAssignCollectorWizard(models.TransientModel):
    """Give customers (or the customers of selected invoices) a collector."""

    _name = "ar.assign.collector.wizard"
    _description = "Assign Collector"

    partner_ids = fields.Many2many("res.partner", string="Customers")
    move_ids = fields.Many2many("account.move", string="Invoices")
    collector_id = fields.Many2one("res.users", required=True, domain=[("share", "=", False)])

    def action_assign(self):
        self.ensure_one()
        partners = (self.partner_ids | self.move_ids.partner_id).commercial_partner_id
        if not partners:
            raise UserError(self.env._("Select the customers or invoices to assign."))
        profiles = self.env["ar.credit.profile"]._get_or_create(partners, self.env.company)
        profiles._check_credit_manager()
        profiles.sudo().write({"collector_id": self.collector_id.id})
        return {"type": "ir.actions.act_window_close"}
