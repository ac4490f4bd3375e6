"""An instalment of a payment plan: its date, amount and how much of it is paid."""

from odoo import api
from odoo import fields
from odoo import models


class ArPaymentPlanLine(models.Model):
    _name = "ar.payment.plan.line"
    _description = "Payment Plan Instalment"
    _order = "date, id"

    plan_id = fields.Many2one("ar.payment.plan", required=True, ondelete="cascade", index=True)
    currency_id = fields.Many2one(related="plan_id.currency_id")
    date = fields.Date(required=True)
    amount = fields.Monetary(required=True)
    paid_amount = fields.Monetary(compute="_compute_paid", string="Paid")
    state = fields.Selection(
        [("open", "To pay"), ("paid", "Paid"), ("late", "Late")], compute="_compute_paid", string="Status"
    )

    @api.depends("plan_id.paid_amount", "amount", "date")
    def _compute_paid(self):
        """Payments cover the instalments in order of date."""
        today = fields.Date.context_today(self)
        for plan in self.plan_id:
            remaining = plan.paid_amount
            for line in plan.line_ids.sorted(lambda line: (line.date, line.id)):
                covered = min(max(remaining, 0.0), line.amount)
                remaining -= covered
                line.paid_amount = covered
                if plan.currency_id.compare_amounts(covered, line.amount) >= 0:
                    line.state = "paid"
                else:
                    line.state = "late" if line.date < today else "open"
