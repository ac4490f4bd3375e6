from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError
from odoo.tools import plaintext2html

RELEASE_FIELDS = {"ar_credit_release_reason", "ar_credit_released_by_id", "ar_credit_released_on"}


class StockPicking(models.Model):
    _inherit = "stock.picking"

    ar_credit_release_reason = fields.Text(string="Credit Release Reason", copy=False, readonly=True)
    ar_credit_released_by_id = fields.Many2one("res.users", string="Credit Released By", copy=False, readonly=True)
    ar_credit_released_on = fields.Datetime(string="Credit Released On", copy=False, readonly=True)
    ar_credit_blocked = fields.Boolean(
        compute="_compute_ar_credit_blocked",
        string="Delivery Suspended",
        help="The customer is on credit hold or blacklisted: this delivery cannot be validated.",
    )
    ar_credit_banner = fields.Text(compute="_compute_ar_credit_blocked", string="Customer Credit Status")

    @api.depends("partner_id", "company_id", "picking_type_code", "state")
    def _compute_ar_credit_blocked(self):
        for picking in self:
            profiles = picking._ar_held_profiles()
            picking.ar_credit_blocked = bool(profiles) and not picking.ar_credit_released_by_id
            picking.ar_credit_banner = profiles._banner_text() if picking.picking_type_code == "outgoing" else False

    def write(self, vals):
        if RELEASE_FIELDS & set(vals):
            self.env["ar.credit.profile"]._check_credit_manager()
        return super().write(vals)

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
            if picking.ar_credit_released_by_id:
                continue
            profiles = picking._ar_held_profiles()
            if profiles:
                raise UserError(picking._ar_credit_block_message(profiles))

    def _ar_credit_block_message(self, profiles):
        managers = self.env["ar.credit.profile"]._credit_managers(self.company_id)
        lines = "\n".join(f"- {line}" for line in profiles._hold_lines())
        return self.env._(
            "Delivery %(picking)s cannot be validated: supply to this customer is suspended.\n%(lines)s\n"
            "A credit manager (%(managers)s) can release this delivery with a reason "
            '("Release Credit Hold" on the delivery) or lift the hold on the customer.',
            picking=self.name,
            lines=lines,
            managers=", ".join(managers.mapped("name")[:3]) or self.env._("none appointed yet"),
        )

    def _ar_credit_block_summary(self):
        """What the release wizard shows before a credit manager releases this delivery."""
        return "\n".join(self._ar_held_profiles()._hold_lines())

    def action_ar_release_credit(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Release Credit Hold"),
            "res_model": "ar.credit.release.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_res_model": self._name, "default_res_id": self.id},
        }

    def _ar_credit_release(self, reason):
        """Let this one delivery go despite the customer's hold (credit manager, with a reason)."""
        self.ensure_one()
        self.env["ar.credit.profile"]._check_credit_manager()
        summary = self._ar_credit_block_summary()
        self.write(
            {
                "ar_credit_release_reason": reason,
                "ar_credit_released_by_id": self.env.user.id,
                "ar_credit_released_on": fields.Datetime.now(),
            }
        )
        profile = self.env["ar.credit.profile"]._get_or_create(self.partner_id, self.company_id)
        profile._log_event(
            "release", self.env._("Delivery %(picking)s released: %(reason)s", picking=self.name, reason=reason)
        )
        self.sudo().message_post(
            author_id=self.env.user.partner_id.id,
            body=plaintext2html(
                self.env._(
                    "Credit hold released for this delivery by %(user)s: %(reason)s\n%(summary)s",
                    user=self.env.user.name,
                    reason=reason,
                    summary=summary,
                )
            ),
            subtype_xmlid="mail.mt_note",
        )
        # The credit manager's decision is checked above; validating may need inventory rights.
        return self.sudo().button_validate()
