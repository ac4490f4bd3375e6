"""Collection policies: a named ladder of stages, chosen per customer, rating or company."""

from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import ValidationError


class ArCollectionPolicy(models.Model):
    """A named ladder of collection stages, from the courtesy reminder to the legal file."""

    _name = "ar.collection.policy"
    _description = "Collection Policy"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", help="Leave empty to share the policy between companies.")
    stage_ids = fields.One2many("ar.collection.stage", "policy_id", string="Stages", copy=True)
    stage_count = fields.Integer(compute="_compute_stage_count")
    charge_late_fees = fields.Boolean(
        help="Stages with the late-fee action charge the company's late fee to customers of this policy."
    )
    min_days_between = fields.Integer(
        string="Minimum Days Between Communications",
        default=0,
        help="Space the reminders to a same customer by at least this many days (0: no spacing).",
    )
    note = fields.Text(translate=True)

    @api.depends("stage_ids")
    def _compute_stage_count(self):
        for policy in self:
            policy.stage_count = len(policy.stage_ids)

    @api.constrains("min_days_between")
    def _check_min_days_between(self):
        for policy in self:
            if policy.min_days_between < 0:
                raise ValidationError(
                    self.env._("The days between two communications of policy %s cannot be negative.", policy.name)
                )

    def write(self, vals):
        result = super().write(vals)
        if {"active", "company_id"} & set(vals):
            self.env["account.move"]._ar_refresh_open_invoices()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_stages_used(self):
        # Deleting a policy deletes its stages: not those the ledger or an invoice names.
        self.env["ar.collection.stage"].with_context(active_test=False).search(
            [("policy_id", "in", self.ids)]
        )._check_unused()

    def _stages_for(self, company):
        """The stages this policy runs in ``company``, in order of offset."""
        self.ensure_one()
        stages = self.stage_ids.filtered("active").sorted("offset_days")
        if not company.ar_use_courtesy_stage:
            stages = stages.filtered(lambda stage: stage.offset_days >= 0)
        return stages
