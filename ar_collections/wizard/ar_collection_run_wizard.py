from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError


class ArCollectionRunWizard(models.TransientModel):
    """Preview what the collection job would do today, untick customers, and run exactly that."""

    _name = "ar.collection.run.wizard"
    _description = "Run Collections"

    date = fields.Date(default=fields.Date.context_today, readonly=True)
    line_ids = fields.One2many("ar.collection.run.wizard.line", "wizard_id", string="Customers")
    line_count = fields.Integer(compute="_compute_line_count")

    @api.depends("line_ids")
    def _compute_line_count(self):
        for wizard in self:
            wizard.line_count = len(wizard.line_ids)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if "line_ids" in fields_list:
            values["line_ids"] = [(0, 0, line) for line in self._preview_lines()]
        return values

    @api.model
    def _preview_lines(self):
        today = fields.Date.context_today(self)
        Profile = self.env["ar.credit.profile"].sudo()
        companies = self.env.companies.filtered("ar_collection_enabled")
        if not companies:
            return []
        self.env.cr.execute(Profile._due_profiles_query(companies, today, ()))
        profiles = Profile.browse([row[0] for row in self.env.cr.fetchall()])
        lines = []
        for plan in profiles._collection_plans(today):
            stage = plan["stage"]
            if not stage:
                continue
            lines.append(
                {
                    "profile_id": plan["profile"].id,
                    "stage_id": stage.id,
                    "invoice_count": len(plan["listed"]),
                    "invoice_names": ", ".join(plan["listed"].mapped("name")),
                    "amount_due": plan["amount_due"],
                    "days_overdue": plan["days_overdue"],
                    "actions": stage._actions_summary(),
                    "selected": True,
                }
            )
        return lines

    def action_run(self):
        self.ensure_one()
        self.env["ar.credit.profile"]._check_credit_manager()
        selected = self.line_ids.filtered("selected").profile_id
        if not selected:
            raise UserError(self.env._("Tick at least one customer to run the collection for."))
        done = selected.sudo()._run_collection(selected=set(selected.ids))
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._("Collection run: %s customer(s) contacted.", done),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }


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
