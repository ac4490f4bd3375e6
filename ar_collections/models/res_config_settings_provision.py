"""Settings > Invoicing > Bad-Debt Provisions."""

from odoo import fields
from odoo import models

from ..tools.groups import CREDIT_MANAGER_GROUP
from ..tools.groups import requires_group

# The bad-debt settings live beside their feature.
# pylint: disable=consider-merging-classes-inherited


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    ar_allowance_account_id = fields.Many2one(related="company_id.ar_allowance_account_id", readonly=False)
    ar_bad_debt_expense_account_id = fields.Many2one(
        related="company_id.ar_bad_debt_expense_account_id", readonly=False
    )
    ar_provision_journal_id = fields.Many2one(related="company_id.ar_provision_journal_id", readonly=False)
    ar_provision_monthly = fields.Boolean(related="company_id.ar_provision_monthly", readonly=False)
    ar_write_off_legal_threshold = fields.Monetary(related="company_id.ar_write_off_legal_threshold", readonly=False)

    @requires_group(CREDIT_MANAGER_GROUP)
    def action_ar_provision_rates(self):
        """The company's provision rates, one per aging bucket (the missing ones made with the defaults)."""
        self.env["ar.provision.rate"]._rates(self.company_id)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Provision Rates"),
            "res_model": "ar.provision.rate",
            "view_mode": "list",
            "domain": [("company_id", "=", self.company_id.id)],
        }
