from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError

from odoo.addons.ar_collections.tools.groups import INTERNAL_USER_GROUP


class StockPicking(models.Model):
    _name = "stock.picking"
    _inherit = ["stock.picking", "ar.credit.release.mixin"]

    ar_credit_blocked = fields.Boolean(
        compute="_compute_ar_credit_blocked",
        string="Delivery Suspended",
        help="The customer is on credit hold or blacklisted: this delivery cannot be validated.",
        groups=INTERNAL_USER_GROUP,
    )
    ar_credit_banner = fields.Text(
        compute="_compute_ar_credit_blocked", string="Customer Credit Status", groups=INTERNAL_USER_GROUP
    )

    @api.depends("partner_id", "company_id", "picking_type_code", "state")
    def _compute_ar_credit_blocked(self):
        for picking in self:
            profiles = picking._ar_held_profiles()
            picking.ar_credit_blocked = bool(profiles) and not picking._ar_credit_released()
            picking.ar_credit_banner = profiles._banner_text() if picking.picking_type_code == "outgoing" else False

    def button_validate(self):
        self._ar_check_credit_hold()
        return super().button_validate()

    def _action_done(self):
        # Every way of validating a delivery ends here (backorder wizards, barcode...).
        self._ar_check_credit_hold()
        return super()._action_done()

    def _ar_held_profiles(self):
        """Hold or blacklist of the customer of this outgoing delivery, in its company."""
        self.ensure_one()
        if self.picking_type_code != "outgoing" or not self.partner_id or self.state in ("done", "cancel"):
            return self.env["ar.credit.profile"]
        return (
            self.env["ar.credit.profile"]
            .sudo()
            .search(
                [
                    ("partner_id", "=", self.partner_id.commercial_partner_id.id),
                    ("company_id", "=", self.company_id.id),
                    "|",
                    ("hold", "=", True),
                    ("blacklisted", "=", True),
                ]
            )
        )

    def _ar_check_credit_hold(self):
        """Suspend supply (停止供货): refuse deliveries to customers on hold or blacklisted."""
        for picking in self:
            if picking._ar_credit_released():
                continue
            summary = picking._ar_credit_block_summary()
            if summary:
                header = self.env._(
                    "Delivery %(picking)s cannot be validated: supply to this customer is suspended.",
                    picking=picking.name,
                )
                raise UserError(picking._ar_blocked_message(header, summary))

    # ------------------------------------------------------------------
    # Release (ar.credit.release.mixin)
    # ------------------------------------------------------------------

    def _ar_credit_block_summary(self):
        """What the release wizard shows before a credit manager releases this delivery."""
        return "\n".join(f"- {line}" for line in self._ar_held_profiles()._hold_lines())

    def _ar_release_customer(self):
        return self.partner_id

    def _ar_release_document_name(self):
        return self.env._("Delivery %s", self.name)

    def _ar_release_action_name(self):
        return self.env._("Release Credit Hold")

    def _ar_credit_release(self, reason, amount=None):
        """Let this one delivery go despite the customer's hold, and validate it."""
        super()._ar_credit_release(reason, amount)
        # The credit manager's decision is checked above; validating may need inventory rights.
        return self.sudo().button_validate()
