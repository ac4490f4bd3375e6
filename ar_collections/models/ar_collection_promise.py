"""Promises to pay (承诺付款): they pause their invoices' escalation until kept or broken,
and their daily follow-up job."""

from datetime import timedelta

from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError
from odoo.exceptions import ValidationError

from ..tools.batch_jobs import run_over_records
from ..tools.groups import COLLECTION_USER_GROUP
from ..tools.groups import requires_group


class ArCollectionPromise(models.Model):
    """A customer's promise to pay by a date: it pauses the escalation of its invoices until then."""

    _name = "ar.collection.promise"
    _description = "Promise to Pay"
    _order = "promised_date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name")
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, readonly=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    move_ids = fields.Many2many("account.move", string="Invoices", required=True, readonly=True, check_company=True)
    promised_date = fields.Date(required=True, readonly=True)
    amount = fields.Monetary(required=True, readonly=True)
    contact_name = fields.Char(string="Promised By", readonly=True)
    note = fields.Text(readonly=True)
    by_customer = fields.Boolean(
        readonly=True,
        default=lambda self: bool(self.env.context.get("ar_by_customer")),
        help="Made by the customer in the portal.",
    )
    user_id = fields.Many2one("res.users", string="Recorded By", default=lambda self: self.env.user, readonly=True)
    deadline = fields.Date(compute="_compute_deadline", store=True, help="Promised date plus the company's grace days.")
    residual_at_promise = fields.Monetary(readonly=True, help="What the invoices still owed when the promise was made.")
    paid_amount = fields.Monetary(compute="_compute_paid_amount", string="Paid Since")
    state = fields.Selection(
        [("open", "Open"), ("kept", "Kept"), ("broken", "Broken"), ("cancelled", "Cancelled")],
        default="open",
        required=True,
        readonly=True,
        index=True,
    )
    closed_on = fields.Date(readonly=True)

    @api.depends("partner_id", "promised_date", "amount")
    def _compute_name(self):
        for promise in self:
            promise.name = self.env._(
                "%(customer)s: %(amount)s by %(date)s",
                customer=promise.partner_id.display_name,
                amount=promise.currency_id.format(promise.amount) if promise.currency_id else promise.amount,
                date=promise.promised_date,
            )

    @api.depends("promised_date", "company_id.ar_promise_grace_days")
    def _compute_deadline(self):
        for promise in self:
            grace = promise.company_id.ar_promise_grace_days
            promise.deadline = promise.promised_date and promise.promised_date + timedelta(days=grace)

    @api.depends("move_ids.amount_residual_signed", "residual_at_promise")
    def _compute_paid_amount(self):
        for promise in self:
            promise.paid_amount = promise.residual_at_promise - sum(promise.move_ids.mapped("amount_residual_signed"))

    @api.constrains("amount", "move_ids", "partner_id")
    def _check_promise(self):
        for promise in self:
            if promise.state == "open":
                promise.move_ids._ar_check_collectible_invoices(self.env._("A promise to pay"))
            if promise.amount <= 0:
                raise ValidationError(self.env._("The promised amount must be positive."))
            if promise.move_ids.commercial_partner_id != promise.partner_id:
                raise ValidationError(self.env._("A promise covers invoices of its customer only."))

    @api.model_create_multi
    def create(self, vals_list):
        today = fields.Date.context_today(self)
        for vals in vals_list:
            promised = fields.Date.to_date(vals.get("promised_date"))
            if not promised or promised < today:
                raise UserError(self.env._("A promise to pay is for today or a later date: choose a date to come."))
        promises = super().create(vals_list)
        for promise in promises:
            moves = promise.move_ids
            promise.residual_at_promise = sum(moves.mapped("amount_residual_signed"))
            moves.sudo()._ar_write({"ar_promise_id": promise.id})
        # A promise to pay acknowledges the debt: the limitation period of its invoices restarts.
        promises.move_ids.sudo()._ar_refresh_limitation()
        return promises

    def _close(self, state):
        self.write({"state": state, "closed_on": fields.Date.context_today(self)})
        self._release_invoices()

    def _release_invoices(self):
        self.move_ids.filtered(lambda move: move.ar_promise_id in self).sudo()._ar_write({"ar_promise_id": False})

    @api.model
    def _cron_follow_up(self, batch_size=200, time_budget=600):
        """Daily job: open promises are kept once paid, broken once their deadline has passed.

        Batch after batch, each promise isolated from the others: one that fails is logged and
        stays open for the next run. Return how many promises were followed up.
        """
        return run_over_records(
            self.sudo(),
            [("state", "=", "open")],
            lambda promises: promises._check_deadline(),
            "Promise follow-up",
            batch_size=batch_size,
            time_budget=time_budget,
        )

    def _check_deadline(self):
        """Kept once paid; broken when its deadline passes unpaid: the escalation resumes.

        The whole set at once, whatever its size: one write per outcome, one release of the
        invoices, one insert into the ledger, one of activities for the collectors."""
        today = fields.Date.context_today(self)
        pending = self.filtered(lambda promise: promise.state == "open")
        kept = pending.filtered(lambda promise: promise._is_paid())
        broken = (pending - kept).filtered(lambda promise: promise.deadline < today)
        notes = {promise: promise._kept_note() for promise in kept}
        notes.update((promise, promise._broken_note()) for promise in broken)
        closed = pending.filtered(lambda promise: promise in notes)
        for state, promises in (("kept", kept), ("broken", broken)):
            promises.write({"state": state, "closed_on": today})
        closed._release_invoices()
        self.env["ar.collection.event"]._log_many(
            [{**promise._ledger_values(), "note": notes[promise]} for promise in closed]
        )
        self.env["ar.collection.engine"]._schedule_collector_activities(
            broken, self.env._("Broken promise to pay"), notes
        )

    def _is_paid(self):
        """Paid the promised amount, or every invoice settled."""
        self.ensure_one()
        return self.move_ids._ar_all_settled() or self.currency_id.compare_amounts(self.paid_amount, self.amount) >= 0

    def _kept_note(self):
        return self.env._("Promise kept: %s paid.", self.currency_id.format(self.paid_amount))

    def _broken_note(self):
        currency = self.currency_id
        return self.env._(
            "Promise broken: %(amount)s promised by %(date)s, %(paid)s paid.",
            amount=currency.format(self.amount),
            date=self.promised_date,
            paid=currency.format(self.paid_amount),
        )

    def _ledger_values(self):
        """What the ledger records of this promise (see ``ar.collection.event._log``)."""
        self.ensure_one()
        return {
            "partner": self.partner_id,
            "company": self.company_id,
            "kind": "promise",
            "moves": self.move_ids,
            "promise_id": self.id,
            "promised_date": self.promised_date,
            "promised_amount": self.amount,
        }

    @requires_group(COLLECTION_USER_GROUP)
    def action_cancel(self):
        self._close("cancelled")
        for promise in self:
            self.env["ar.collection.event"]._log(
                **promise._ledger_values(), note=self.env._("Promise cancelled by %s.", self.env.user.name)
            )
        return True
