"""Preview what the collection job would do today, untick customers, and run exactly that."""

from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError

from ..tools.groups import CREDIT_MANAGER_GROUP
from ..tools.groups import requires_group


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
        Engine = self.env["ar.collection.engine"].sudo()
        companies = self.env.companies.filtered("ar_collection_enabled")
        if not companies:
            return []
        profiles = Engine._due_profiles(companies, today).sudo()
        return [
            {
                "profile_id": plan.profile.id,
                "stage_id": plan.stage.id,
                "invoice_count": len(plan.listed),
                "invoice_names": ", ".join(plan.listed.mapped("name")),
                "amount_due": plan.amount_due,
                "days_overdue": plan.days_overdue,
                "actions": plan.stage._actions_summary(),
                "selected": True,
            }
            for plan in Engine._collection_plans(profiles, today)
            if plan.stage
        ]

    @requires_group(CREDIT_MANAGER_GROUP)
    def action_run(self):
        self.ensure_one()
        self.env["ar.credit.profile"]._check_credit_manager()
        selected = self.line_ids.filtered("selected").profile_id
        if not selected:
            raise UserError(self.env._("Tick at least one customer to run the collection for."))
        done = self.env["ar.collection.engine"].sudo()._run_collection(selected.sudo())
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._("Collection run: %s customer(s) contacted.", done),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
