"""Disputes (异议): a customer's objection to an invoice, which pauses its escalation until resolved."""

from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError

from ..tools.groups import COLLECTION_USER_GROUP
from ..tools.groups import requires_group

DISPUTE_REASONS = [
    ("quality", "Quality"),
    ("quantity", "Quantity"),
    ("price", "Price"),
    ("not_received", "Not received"),
    ("duplicate", "Duplicate invoice"),
    ("other", "Other"),
]


class ArCollectionDispute(models.Model):
    """A customer's objection to an invoice (an "excuse"): it pauses the invoice until resolved.

    The five checks follow the guides' way of answering excuses (应对客户借口五步法).
    """

    _name = "ar.collection.dispute"
    _description = "Invoice Dispute"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "create_date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    move_id = fields.Many2one(
        "account.move",
        string="Invoice",
        required=True,
        index=True,
        check_company=True,
        readonly=True,
        ondelete="cascade",
    )
    partner_id = fields.Many2one(related="move_id.commercial_partner_id", store=True, index=True, string="Customer")
    company_id = fields.Many2one(related="move_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="move_id.currency_id")
    amount_disputed = fields.Monetary(help="The part of the invoice the customer disputes.")
    reason = fields.Selection(DISPUTE_REASONS, required=True, tracking=True)
    note = fields.Text(string="Customer's Explanation")
    user_id = fields.Many2one("res.users", string="Handled By", default=lambda self: self.env.user, tracking=True)
    state = fields.Selection(
        [("open", "Open"), ("valid", "Valid"), ("invalid", "Invalid")],
        default="open",
        required=True,
        readonly=True,
        tracking=True,
        index=True,
    )
    by_customer = fields.Boolean(readonly=True, help="Opened by the customer in the portal.")
    resolution_note = fields.Text(help="How the dispute was resolved: kept in the collection ledger.")
    resolved_on = fields.Date(readonly=True)
    # The five steps (seed 004): the checklist a collector works through.
    check_legal = fields.Boolean(
        string="1. Is the excuse founded?",
        help="Is the claim valid (the debt documented, the excuse credible)? Check contract, delivery and invoice.",
    )
    check_suspends = fields.Boolean(
        string="2. Does it justify not paying?",
        help="Is the problem serious enough to suspend payment? A rude delivery man does not change the debt.",
    )
    check_measured = fields.Boolean(
        string="3. How big is the problem?",
        help="Measure it: all the goods damaged, or a part? Which amount is really in question?",
    )
    check_solution = fields.Boolean(
        string="4. What solution?",
        help="What does the customer want? Is there a compromise (partial credit note, replacement)?",
    )
    check_resolved = fields.Boolean(
        string="5. Settle it now",
        help="Resolve it quickly: waive late interest for prompt payment, or agree an instalment plan.",
    )

    @api.depends("move_id", "reason")
    def _compute_name(self):
        reasons = dict(DISPUTE_REASONS)
        for dispute in self:
            dispute.name = f"{dispute.move_id.name or ''} - {reasons.get(dispute.reason, '')}"

    @api.model_create_multi
    def create(self, vals_list):
        disputes = super().create(vals_list)
        for dispute in disputes:
            move = dispute.move_id
            move._ar_check_collectible_invoices(self.env._("A dispute"))
            if move.ar_dispute_id:
                raise UserError(self.env._("Invoice %s is already disputed.", move.name))
            if not dispute.amount_disputed:
                dispute.amount_disputed = move.amount_residual
            move.sudo()._ar_write({"ar_dispute_id": dispute.id})
            self.env["ar.collection.event"]._log(
                **dispute._ledger_values(),
                by_customer=dispute.by_customer,
                note=self.env._(
                    "Dispute opened (%(reason)s): %(note)s", reason=dispute._reason_label(), note=dispute.note or "-"
                ),
            )
            profile = self.env["ar.credit.profile"]._get_or_create(move.partner_id, move.company_id)
            self.env["ar.collection.engine"]._schedule_activity(
                profile,
                self.env._("Dispute on %s", move.name),
                self.env._("Work through the five checks and resolve the dispute: %s", dispute._reason_label()),
            )
        return disputes

    def _reason_label(self):
        return dict(self._fields["reason"]._description_selection(self.env)).get(self.reason)

    def _resolve(self, state):
        self.ensure_one()
        note = self.resolution_note
        if self.state != "open":
            raise UserError(self.env._("The dispute on %s is already resolved.", self.move_id.name))
        if not (note or "").strip():
            raise UserError(self.env._("Say how the dispute was resolved: the note is kept in the ledger."))
        self.write({"state": state, "resolved_on": fields.Date.context_today(self)})
        self.move_id.sudo()._ar_write({"ar_dispute_id": False})
        label = dict(self._fields["state"]._description_selection(self.env))[state]
        self.env["ar.collection.event"]._log(
            **self._ledger_values(), note=self.env._("Dispute resolved as %(state)s: %(note)s", state=label, note=note)
        )

    @requires_group(COLLECTION_USER_GROUP)
    def action_resolve_valid(self):
        """The customer is right: record it and issue the credit note through Odoo's own flow."""
        self._resolve("valid")
        return self.move_id.action_reverse()

    @requires_group(COLLECTION_USER_GROUP)
    def action_resolve_invalid(self):
        """The excuse does not hold: the escalation resumes."""
        self._resolve("invalid")
        return True

    def _ledger_values(self):
        """What the ledger records of this dispute (see ``ar.collection.event._log``)."""
        self.ensure_one()
        return {
            "partner": self.partner_id,
            "company": self.company_id,
            "kind": "dispute",
            "moves": self.move_id,
            "dispute_id": self.id,
        }
