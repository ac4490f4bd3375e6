"""Record a returned slip (回执 / 对账确认): the customer's signed acknowledgement of its debt.

The slip printed under a demand letter or a statement of account, signed, stamped and sent
back, is the strongest evidence a creditor keeps: it acknowledges the debt (it restarts the
limitation period) and, where the customer disputes part of it, says which part. Recorded
here, it is a ledger event with its scan; a disputed part opens a dispute on the invoices named.
"""

from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError

from ..models.account_move import CUSTOMER_OPEN_INVOICES_DOMAIN
from ..models.ar_collection_dispute import DISPUTE_REASONS
from ..tools.groups import COLLECTION_USER_GROUP
from ..tools.groups import requires_group


class ArCollectionAcknowledgementWizard(models.TransientModel):
    _name = "ar.collection.acknowledgement.wizard"
    _description = "Record a Returned Slip"

    partner_id = fields.Many2one("res.partner", string="Customer", required=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    letter_id = fields.Many2one(
        "ar.collection.event",
        string="Slip Of",
        domain="[('partner_id', '=', partner_id), ('kind', 'in', ('email', 'letter', 'statement'))]",
        help="The letter or statement whose slip came back.",
    )
    date = fields.Date(string="Signed On", required=True, default=fields.Date.context_today)
    scan = fields.Binary(string="Signed Slip", required=True, help="The scan of the slip, signed and stamped.")
    scan_name = fields.Char()
    move_ids = fields.Many2many("account.move", string="Invoices", domain=CUSTOMER_OPEN_INVOICES_DOMAIN)
    confirmed_amount = fields.Monetary(string="Amount Confirmed")
    disputed_amount = fields.Monetary()
    disputed_move_ids = fields.Many2many(
        "account.move",
        "ar_ack_wizard_disputed_move_rel",
        string="Disputed Invoices",
        domain="[('id', 'in', move_ids)]",
    )
    dispute_reason = fields.Selection(DISPUTE_REASONS, default="other")
    note = fields.Text(help="What the customer wrote on the slip.")

    @api.onchange("letter_id")
    def _onchange_letter_id(self):
        if self.letter_id:
            self.move_ids = self.letter_id.move_ids.filtered(lambda move: move._ar_is_open_invoice())

    @requires_group(COLLECTION_USER_GROUP)
    def action_confirm(self):
        self.ensure_one()
        partner = self.partner_id.commercial_partner_id
        if self.move_ids.commercial_partner_id - partner or self.letter_id.partner_id - partner:
            raise UserError(self.env._("The slip, its letter and its invoices must all be %s's.", partner.name))
        if not self.move_ids:
            raise UserError(self.env._("Choose the invoices the customer acknowledged."))
        if self.date > fields.Date.context_today(self):
            raise UserError(self.env._("The slip cannot be signed in the future: correct its date."))
        if self.confirmed_amount < 0 or self.disputed_amount < 0:
            raise UserError(self.env._("Confirmed and disputed amounts cannot be negative."))
        if self.disputed_amount and not self.disputed_move_ids:
            raise UserError(self.env._("The customer disputes part of the debt: choose the invoices it disputes."))
        scan = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": self.scan_name or self.env._("Returned slip - %s", partner.name),
                    "datas": self.scan,
                    "res_model": "res.partner",
                    "res_id": partner.id,
                }
            )
        )
        event = self.env["ar.collection.event"]._log(
            partner,
            self.company_id,
            "acknowledgement",
            moves=self.move_ids,
            attachment_id=scan.id,
            acknowledged_on=self.date,
            acknowledged_amount=self.confirmed_amount,
            disputed_amount=self.disputed_amount,
            note=self.env._(
                "Returned slip signed on %(date)s%(letter)s: %(confirmed)s confirmed, %(disputed)s disputed. %(note)s",
                date=self.date,
                letter=self.env._(" (slip of %s)", self.letter_id._reference()) if self.letter_id else "",
                confirmed=self.currency_id.format(self.confirmed_amount),
                disputed=self.currency_id.format(self.disputed_amount),
                note=self.note or "",
            ).strip(),
        )
        if self.disputed_amount:
            self.env["ar.collection.dispute"].create(
                [
                    {
                        "move_id": move.id,
                        "reason": self.dispute_reason,
                        "note": self.note or self.env._("Disputed on the returned slip of %s", self.date),
                    }
                    for move in self.disputed_move_ids.filtered(lambda move: not move.ar_dispute_id)
                ]
            )
        self.move_ids.sudo()._ar_refresh_limitation()
        return {
            "type": "ir.actions.act_window",
            "res_model": "ar.collection.event",
            "res_id": event.id,
            "view_mode": "form",
        }
