"""Handle a customer's reply: turn it into a promise to pay, a dispute, a payment plan request
or a note "paid, awaiting proof", in one step from the reply."""

from datetime import timedelta

from markupsafe import Markup

from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError

from ..models.account_move import CUSTOMER_OPEN_INVOICES_DOMAIN
from ..models.ar_collection_dispute import DISPUTE_REASONS
from ..tools.groups import COLLECTION_USER_GROUP
from ..tools.groups import requires_group

ANSWERS = [
    ("promise", "Promise to pay"),
    ("dispute", "Dispute"),
    ("plan", "Payment plan request"),
    ("paid", "Paid, awaiting proof"),
    ("none", "No action needed"),
]
# Days a promise is taken for, and days a "paid" answer waits for its proof, unless changed.
DEFAULT_PROMISE_DAYS = 7
DEFAULT_PROOF_DAYS = 5


class ArCollectionReplyWizard(models.TransientModel):
    _name = "ar.collection.reply.wizard"
    _description = "Handle a Customer's Reply"

    reply_id = fields.Many2one("ar.collection.event", required=True, readonly=True)
    partner_id = fields.Many2one(related="reply_id.partner_id")
    company_id = fields.Many2one(related="reply_id.company_id")
    currency_id = fields.Many2one(related="company_id.currency_id")
    reply_from = fields.Char(related="reply_id.reply_from")
    reply_body = fields.Html(related="reply_id.reply_body", string="What the Customer Wrote")
    reply_attachment_ids = fields.Many2many(related="reply_id.reply_attachment_ids")
    answer = fields.Selection(ANSWERS, string="The Reply Is", required=True, default="promise")
    move_ids = fields.Many2many("account.move", string="Invoices", domain=CUSTOMER_OPEN_INVOICES_DOMAIN)
    promised_date = fields.Date(string="Promised For")
    promised_amount = fields.Monetary()
    dispute_reason = fields.Selection(DISPUTE_REASONS, default="other")
    instalment_count = fields.Integer(string="Monthly Instalments", default=3)
    check_date = fields.Date(
        string="Check the Payment On", help="The invoices wait until then for the payment to show in the bank."
    )
    note = fields.Text()

    @api.model
    def _action_open(self, reply, answer=None):
        """The wizard for ``reply``, on ``answer`` (one of ANSWERS) when given."""
        today = fields.Date.context_today(self)
        moves = reply.move_ids.filtered(lambda move: move._ar_is_open_invoice())
        context = {
            "default_reply_id": reply.id,
            "default_move_ids": moves.ids,
            "default_promised_date": fields.Date.to_string(today + timedelta(days=DEFAULT_PROMISE_DAYS)),
            "default_promised_amount": sum(moves.mapped("amount_residual_signed")),
            "default_check_date": fields.Date.to_string(today + timedelta(days=DEFAULT_PROOF_DAYS)),
            "default_note": reply.note,
        }
        if answer in dict(ANSWERS):
            context["default_answer"] = answer
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Handle the Reply of %s", reply.partner_id.name),
            "res_model": self._name,
            "view_mode": "form",
            "target": "new",
            "context": context,
        }

    @requires_group(COLLECTION_USER_GROUP)
    def action_confirm(self):
        """Record what the reply is, mark it handled by that, and open what was created."""
        self.ensure_one()
        reply = self.reply_id
        reply._check_can_handle()
        moves = self.move_ids
        if moves.commercial_partner_id - reply.partner_id:
            raise UserError(self.env._("Choose invoices of %s only.", reply.partner_id.display_name))
        if self.answer in ("promise", "dispute", "plan") and not moves:
            raise UserError(self.env._("Choose the invoices the reply is about."))
        event, action = getattr(self, f"_answer_{self.answer}")()
        reply._handle(event)
        if self.answer == "paid":
            self._wait_for_proof()
        return action or {"type": "ir.actions.act_window_close"}

    def _log(self, kind, **values):
        values.setdefault("note", self.note)
        return self.env["ar.collection.event"]._log(
            self.partner_id, self.company_id, kind, moves=self.move_ids, **values
        )

    def _answer_promise(self):
        if not self.promised_date:
            raise UserError(self.env._("Enter the date the customer promises to pay by."))
        promise = self.env["ar.collection.promise"].create(
            {
                "partner_id": self.partner_id.id,
                "company_id": self.company_id.id,
                "move_ids": [(6, 0, self.move_ids.ids)],
                "promised_date": self.promised_date,
                "amount": self.promised_amount,
                "contact_name": self.reply_from,
                "note": self.note,
            }
        )
        event = self._log(
            "promise",
            outcome_id=self.env.ref("ar_collections.outcome_promised").id,
            promise_id=promise.id,
            promised_date=self.promised_date,
            promised_amount=self.promised_amount,
        )
        return event, None

    def _answer_dispute(self):
        """One dispute per invoice, each with the reply (and its attachments) as first evidence."""
        Dispute = self.env["ar.collection.dispute"]
        disputes = Dispute.create(
            [{"move_id": move.id, "reason": self.dispute_reason, "note": self.note} for move in self.move_ids]
        )
        reply = self.reply_id
        for dispute in disputes:
            evidence = [
                attachment.sudo().copy({"res_model": dispute._name, "res_id": dispute.id}).id
                for attachment in self.reply_attachment_ids
            ]
            dispute.message_post(
                body=Markup("<p>%s</p>%s")
                % (
                    self.env._("The customer's reply (%(sender)s), first evidence:", sender=reply.reply_from),
                    reply.reply_body or "",
                ),
                attachment_ids=evidence,
                subtype_xmlid="mail.mt_note",
            )
        event = self.env["ar.collection.event"].search([("dispute_id", "in", disputes.ids)], order="id", limit=1)
        action = {
            "type": "ir.actions.act_window",
            "res_model": Dispute._name,
            "view_mode": "form" if len(disputes) == 1 else "list,form",
            "domain": [("id", "in", disputes.ids)],
            "res_id": disputes[:1].id,
            "name": self.env._("Disputes"),
        }
        return event, action

    def _answer_plan(self):
        """A draft payment plan, as the customer asked, for a credit manager to approve."""
        plan = self.env["ar.payment.plan"]._create_request(
            self.move_ids,
            self.instalment_count,
            self.note,
            self.env._("Approve or decline the payment plan %s asked for by email", self.partner_id.name),
        )
        event = self._log("plan", plan_id=plan.id)
        action = {
            "type": "ir.actions.act_window",
            "res_model": plan._name,
            "view_mode": "form",
            "res_id": plan.id,
            "name": plan.display_name,
        }
        return event, action

    def _answer_paid(self):
        if not self.check_date or self.check_date <= fields.Date.context_today(self):
            raise UserError(self.env._("Choose a day to come to check that the payment arrived."))
        return self._log("note", outcome_id=self.env.ref("ar_collections.outcome_paid").id), None

    def _answer_none(self):
        return self._log("note", note=self.note or self.env._("Reply read: nothing to do.")), None

    def _wait_for_proof(self):
        """The customer says it has paid: its invoices wait until the check date, and the
        collector is reminded to check the bank then."""
        moves = self.move_ids.filtered(lambda move: move._ar_collectible())
        moves.sudo()._ar_write({"ar_snooze_until": self.check_date})
        profile = self.env["ar.credit.profile"]._get_or_create(self.partner_id, self.company_id)
        self.partner_id.sudo().activity_schedule(
            "mail.mail_activity_data_todo",
            date_deadline=self.check_date,
            user_id=(profile._collector() or self.env.user).id,
            summary=self.env._("Check that %s's payment arrived", self.partner_id.name),
            note=self.note or False,
        )
