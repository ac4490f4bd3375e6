"""Log a call, visit or note with its outcome; a "promised" outcome records a promise to pay."""

from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError

from ..models.account_move import CUSTOMER_OPEN_INVOICES_DOMAIN
from ..tools.groups import COLLECTION_USER_GROUP
from ..tools.groups import requires_group


class ArCollectionLogWizard(models.TransientModel):
    """Log a call, visit or note with its outcome; a "promised" outcome records a promise to pay."""

    _name = "ar.collection.log.wizard"
    _description = "Log a Collection Contact"

    partner_id = fields.Many2one("res.partner", string="Customer", required=True)
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company, required=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    move_ids = fields.Many2many(
        "account.move",
        string="Invoices",
        domain=CUSTOMER_OPEN_INVOICES_DOMAIN,
    )
    kind = fields.Selection([("call", "Call"), ("visit", "Visit"), ("note", "Note")], default="call", required=True)
    outcome_id = fields.Many2one("ar.collection.outcome")
    records_promise = fields.Boolean(related="outcome_id.records_promise")
    note = fields.Text()
    contact_name = fields.Char(string="Spoke With")
    promised_date = fields.Date()
    promised_amount = fields.Monetary()
    next_action_date = fields.Date(
        string="Follow Up On", help="Schedules a follow-up activity for the collector on that day."
    )

    @api.onchange("move_ids", "outcome_id")
    def _onchange_promised_amount(self):
        if self.records_promise and not self.promised_amount:
            self.promised_amount = sum(self.move_ids.mapped("amount_residual_signed"))

    @api.model
    def _action_open(self, partner, moves, **defaults):
        """The wizard, to log a contact with ``partner`` about ``moves`` (``defaults``: other
        fields' default values)."""
        context = {"default_partner_id": partner.id, "default_move_ids": moves.ids}
        context.update({f"default_{name}": value for name, value in defaults.items() if value})
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Log a Collection Contact"),
            "res_model": self._name,
            "view_mode": "form",
            "target": "new",
            "context": context,
        }

    @requires_group(COLLECTION_USER_GROUP)
    def action_log(self):
        self.ensure_one()
        partner = self.partner_id.commercial_partner_id
        promise = self.env["ar.collection.promise"]
        if self.records_promise:
            if not self.move_ids:
                raise UserError(self.env._("Choose the invoices the customer promises to pay."))
            if not self.promised_date:
                raise UserError(self.env._("Enter the date the customer promises to pay by."))
            promise = self.env["ar.collection.promise"].create(
                {
                    "partner_id": partner.id,
                    "company_id": self.company_id.id,
                    "move_ids": [(6, 0, self.move_ids.ids)],
                    "promised_date": self.promised_date,
                    "amount": self.promised_amount,
                    "contact_name": self.contact_name,
                    "note": self.note,
                }
            )
        event = self.env["ar.collection.event"]._log(
            partner,
            self.company_id,
            self.kind,
            moves=self.move_ids,
            outcome_id=self.outcome_id.id,
            note=self.note,
            promise_id=promise.id,
            promised_date=self.promised_date if promise else False,
            promised_amount=self.promised_amount if promise else 0.0,
        )
        # Whatever the customer wrote is answered by this contact.
        event.browse()._pending_replies(partner, self.company_id)._handle(event)
        if self.next_action_date:
            profile = self.env["ar.credit.profile"]._get_or_create(partner, self.company_id)
            partner.sudo().activity_schedule(
                "mail.mail_activity_data_call",
                date_deadline=self.next_action_date,
                user_id=(profile._collector() or self.env.user).id,
                summary=self.env._("Follow up: %s", self.outcome_id.name or self.kind),
                note=self.note,
            )
        if self.outcome_id.opens_dispute and self.move_ids:
            return self.move_ids[:1].action_ar_open_dispute()
        return event and {"type": "ir.actions.act_window_close"}
