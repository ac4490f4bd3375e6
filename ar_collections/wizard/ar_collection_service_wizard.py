"""Record how a letter reached the customer (送达凭证): carrier, tracking number, date, receipt."""

from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError
from odoo.exceptions import ValidationError

from ..models.ar_collection_event import SERVICE_METHODS
from ..tools.groups import COLLECTION_USER_GROUP
from ..tools.groups import requires_group


class ArCollectionServiceWizard(models.TransientModel):
    """The proof that a letter reached the customer, kept (once) on its ledger event."""

    _name = "ar.collection.service.wizard"
    _description = "Record Proof of Service"

    event_id = fields.Many2one("ar.collection.event", string="Letter", required=True, readonly=True)
    method = fields.Selection(
        [method for method in SERVICE_METHODS if method[0] != "email"],
        string="Served By",
        required=True,
        default="post",
    )
    date = fields.Date(string="Served On", required=True, default=fields.Date.context_today)
    carrier = fields.Char(help="e.g. China Post EMS, SF Express")
    tracking = fields.Char(string="Tracking Number")
    proof = fields.Binary(string="Scanned Receipt", help="The signed delivery receipt (回执) or the carrier's proof.")
    proof_name = fields.Char()

    @api.constrains("method", "carrier", "tracking")
    def _check_carrier(self):
        for wizard in self:
            if wizard.method in ("post", "courier") and not (wizard.carrier and wizard.tracking):
                raise ValidationError(
                    self.env._("A letter sent by post or courier is proven by its carrier and tracking number.")
                )

    @requires_group(COLLECTION_USER_GROUP)
    def action_confirm(self):
        self.ensure_one()
        event = self.event_id
        event._check_can_record_service()
        if self.date > fields.Date.context_today(self) or self.date < event._letter_date():
            raise UserError(
                self.env._("The letter was served between the day it was sent and today: correct the date.")
            )
        proof = self.env["ir.attachment"]
        if self.proof:
            proof = (
                self.env["ir.attachment"]
                .sudo()
                .create(
                    {
                        "name": self.proof_name or self.env._("Proof of service - %s", event._reference()),
                        "datas": self.proof,
                        "res_model": "res.partner",
                        "res_id": event.partner_id.id,
                    }
                )
            )
        event.sudo()._record_service(self.method, self.date, self.carrier, self.tracking, proof)
        tracking = f", {self.carrier} {self.tracking}" if self.tracking else ""
        event.sudo()._log_in_chatters(
            {
                event: self.env._(
                    "%(letter)s served on %(date)s (%(method)s%(tracking)s).",
                    letter=event.stage_id.name or event.name,
                    date=self.date,
                    method=dict(self._fields["method"]._description_selection(self.env))[self.method],
                    tracking=tracking,
                )
            }
        )
        return {"type": "ir.actions.act_window_close"}
