"""A customer of the "Run collections" preview: its stage, invoices and figures."""

from odoo import fields
from odoo import models


class ArCollectionRunWizardLine(models.TransientModel):
    _name = "ar.collection.run.wizard.line"
    _description = "Run Collections: Customer"

    wizard_id = fields.Many2one("ar.collection.run.wizard", required=True, ondelete="cascade")
    selected = fields.Boolean(string="Run", default=True)
    profile_id = fields.Many2one("ar.credit.profile", required=True, readonly=True)
    partner_id = fields.Many2one(related="profile_id.partner_id", string="Customer")
    currency_id = fields.Many2one(related="profile_id.currency_id")
    stage_id = fields.Many2one("ar.collection.stage", readonly=True)
    invoice_count = fields.Integer(string="Invoices", readonly=True)
    invoice_names = fields.Char(string="Invoice Numbers", readonly=True)
    amount_due = fields.Monetary(string="Overdue", readonly=True)
    days_overdue = fields.Integer(readonly=True)
    actions = fields.Char(readonly=True)
