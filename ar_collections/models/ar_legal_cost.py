"""What a legal case costs (court fees, lawyer fees, an agency's commission): the net recovery
per route is what the case recovered minus these."""

from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import ValidationError

COST_KINDS = [
    ("court_fee", "Court or arbitration fee (诉讼费/仲裁费)"),
    ("preservation_fee", "Preservation fee (保全费)"),
    ("lawyer_fee", "Lawyer fee (律师费)"),
    ("agency_commission", "Agency commission (催收佣金)"),
    ("enforcement_fee", "Enforcement fee (执行费)"),
    ("other", "Other"),
]


class ArLegalCost(models.Model):
    """One cost of a legal case, in company currency."""

    _name = "ar.legal.cost"
    _description = "Legal Case Cost"
    _order = "date, id"

    legal_file_id = fields.Many2one("ar.legal.file", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="legal_file_id.company_id", store=True)
    currency_id = fields.Many2one(related="legal_file_id.currency_id")
    kind = fields.Selection(COST_KINDS, required=True, default="court_fee")
    date = fields.Date(required=True, default=fields.Date.context_today)
    amount = fields.Monetary(required=True)
    note = fields.Char()

    @api.constrains("amount")
    def _check_amount(self):
        for cost in self:
            if cost.amount <= 0:
                raise ValidationError(self.env._("A case's cost is a positive amount."))
