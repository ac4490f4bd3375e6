"""Payment plans (分期付款协议): an agreed schedule of instalments for a customer's invoices."""

from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError
from odoo.exceptions import ValidationError

from ..tools.batch_jobs import run_over_records
from ..tools.groups import COLLECTION_USER_GROUP
from ..tools.groups import CREDIT_MANAGER_GROUP
from ..tools.groups import requires_group
from .account_move import CUSTOMER_OPEN_INVOICES_DOMAIN

# A plan the customer asks for starts a week after the request.
REQUEST_FIRST_INSTALMENT_DELAY = timedelta(days=7)
FREQUENCIES = {
    "weekly": relativedelta(weeks=1),
    "biweekly": relativedelta(weeks=2),
    "monthly": relativedelta(months=1),
}


class ArPaymentPlan(models.Model):
    """An instalment agreement (分期付款 / 补充协议) on overdue invoices of one customer."""

    _name = "ar.payment.plan"
    _description = "Payment Plan"
    _inherit = ["mail.thread", "mail.activity.mixin", "portal.mixin"]
    _order = "create_date desc, id desc"
    _check_company_auto = True

    name = fields.Char(default=lambda self: self.env._("New"), copy=False, readonly=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        domain=[("is_company", "=", True)],
        ondelete="cascade",
    )
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    move_ids = fields.Many2many(
        "account.move",
        string="Invoices",
        required=True,
        check_company=True,
        domain=CUSTOMER_OPEN_INVOICES_DOMAIN,
    )
    amount_total = fields.Monetary(
        compute="_compute_amount_total",
        store=True,
        readonly=False,
        help="What the plan collects: the invoices' open amount when the plan is made.",
    )
    instalment_count = fields.Integer(string="Instalments", default=3, required=True)
    first_date = fields.Date(string="First Instalment", required=True, default=fields.Date.context_today)
    frequency = fields.Selection(
        [("weekly", "Weekly"), ("biweekly", "Every two weeks"), ("monthly", "Monthly")],
        default="monthly",
        required=True,
    )
    waive_fees = fields.Boolean(
        string="Waive Late Fees If Honoured",
        help="Late fees charged on these invoices are cancelled once the plan is fully paid on schedule.",
    )
    line_ids = fields.One2many("ar.payment.plan.line", "plan_id", string="Schedule", copy=True)
    paid_amount = fields.Monetary(compute="_compute_paid_amount")
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("active", "Active"),
            ("honoured", "Honoured"),
            ("broken", "Broken"),
            ("cancelled", "Cancelled"),
        ],
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
        index=True,
    )
    confirmed_by_id = fields.Many2one("res.users", readonly=True)
    confirmed_on = fields.Date(readonly=True)
    note = fields.Text(string="Terms", help="Special terms of the agreement, printed on it.")
    by_customer = fields.Boolean(readonly=True, help="Requested by the customer in the portal.")
    request_note = fields.Text(string="Customer's Request", readonly=True)

    def _compute_access_url(self):  # pylint: disable=method-required-super
        for plan in self:
            plan.access_url = f"/my/payment_plans/{plan.id}"

    def _get_report_base_filename(self):
        """File name of the agreement downloaded from the portal."""
        self.ensure_one()
        return self.env._("Payment plan agreement - %s", self.name)

    @api.depends("move_ids")
    def _compute_amount_total(self):
        for plan in self:
            if plan.state == "draft":
                plan.amount_total = sum(plan.move_ids.mapped("amount_residual_signed"))

    @api.depends("move_ids.amount_residual_signed", "amount_total", "state")
    def _compute_paid_amount(self):
        for plan in self:
            open_now = sum(plan.move_ids.mapped("amount_residual_signed"))
            plan.paid_amount = max(plan.amount_total - open_now, 0.0) if plan.state != "draft" else 0.0

    @api.model
    def _create_request(self, moves, instalments, note, summary):
        """The draft plan of ``instalments`` monthly payments a customer asks for on ``moves``
        (portal or email), with its schedule, and an activity (``summary``) for a credit
        manager, else the collector, to approve or decline it."""
        partner, company = moves.commercial_partner_id, moves.company_id
        plan = self.create(
            {
                "partner_id": partner.id,
                "company_id": company.id,
                "move_ids": [(6, 0, moves.ids)],
                "instalment_count": instalments,
                "frequency": "monthly",
                "first_date": fields.Date.context_today(self) + REQUEST_FIRST_INSTALMENT_DELAY,
                "by_customer": True,
                "request_note": note or False,
            }
        )
        plan.action_compute_schedule()
        Profile = self.env["ar.credit.profile"]
        manager = Profile._credit_managers(company)[:1] or Profile._get_or_create(partner, company)._collector()
        plan.sudo().activity_schedule(
            "mail.mail_activity_data_todo",
            user_id=(manager or self.env.user).id,
            summary=summary,
            note=note or False,
        )
        return plan

    @api.constrains("instalment_count")
    def _check_instalment_count(self):
        for plan in self:
            if plan.instalment_count < 1:
                raise ValidationError(self.env._("A payment plan has at least one instalment."))

    @api.constrains("move_ids", "partner_id")
    def _check_invoices(self):
        for plan in self:
            if plan.move_ids.commercial_partner_id - plan.partner_id.commercial_partner_id:
                raise ValidationError(self.env._("A payment plan covers invoices of its customer only."))

    @requires_group(COLLECTION_USER_GROUP)
    def action_compute_schedule(self):
        """Split the amount into equal instalments (the last one takes the rounding)."""
        for plan in self:
            if plan.state != "draft":
                raise UserError(self.env._("Only a draft plan's schedule can be recomputed."))
            currency = plan.currency_id
            share = currency.round(plan.amount_total / plan.instalment_count)
            step = FREQUENCIES[plan.frequency]
            lines = []
            for index in range(plan.instalment_count):
                amount = share if index < plan.instalment_count - 1 else plan.amount_total - share * index
                lines.append((0, 0, {"date": plan.first_date + step * index, "amount": currency.round(amount)}))
            plan.line_ids = [(5, 0, 0), *lines]
        return True

    @requires_group(CREDIT_MANAGER_GROUP)
    def action_confirm(self):
        """A credit manager approves the plan: its invoices stop escalating while it is kept."""
        self.env["ar.credit.profile"]._check_credit_manager()
        for plan in self:
            plan._check_confirmable()
            plan.write(
                {
                    "state": "active",
                    "name": self.env["ir.sequence"].next_by_code("ar.payment.plan") or plan.name,
                    "confirmed_by_id": self.env.user.id,
                    "confirmed_on": fields.Date.context_today(self),
                }
            )
            plan.move_ids.sudo()._ar_write({"ar_plan_id": plan.id})
            # The agreement the customer signs acknowledges the debt: the limitation period restarts.
            plan.move_ids.sudo()._ar_refresh_limitation()
            self.env["ar.collection.event"]._log(
                **plan._ledger_values(),
                note=self.env._(
                    "Payment plan %(plan)s agreed: %(count)s instalments.", plan=plan.name, count=len(plan.line_ids)
                ),
            )
        self.filtered("by_customer")._ar_tell_customer("ar_collections.mail_template_plan_approved")
        return True

    def _ar_tell_customer(self, template_xmlid):
        """Email the customer who asked for these plans in the portal what became of them."""
        template = self.env.ref(template_xmlid, raise_if_not_found=False)
        for plan in self.filtered(lambda p: p.partner_id.email):
            if template:
                template.sudo().send_mail(plan.id, email_layout_xmlid="mail.mail_notification_light")

    def _check_confirmable(self):
        self.ensure_one()
        if self.state != "draft":
            raise UserError(self.env._("Only a draft plan can be confirmed."))
        if not self.line_ids:
            raise UserError(self.env._("Compute or enter the schedule of the plan before confirming it."))
        self.move_ids._ar_check_collectible_invoices(self.env._("A payment plan"))
        planned = self.move_ids.filtered(lambda move: move.ar_plan_id and move.ar_plan_id != self)
        if planned:
            raise UserError(
                self.env._("%s is already covered by another payment plan.", ", ".join(planned.mapped("name")))
            )
        currency = self.currency_id
        total = sum(self.line_ids.mapped("amount"))
        if currency.compare_amounts(total, self.amount_total):
            raise UserError(
                self.env._(
                    "The schedule adds up to %(schedule)s but the plan covers %(total)s: make the instalments "
                    "add up to the amount, or recompute the schedule.",
                    schedule=currency.format(total),
                    total=currency.format(self.amount_total),
                )
            )
        if any(line.amount <= 0 for line in self.line_ids):
            raise UserError(self.env._("Every instalment must be a positive amount."))

    @requires_group(CREDIT_MANAGER_GROUP)
    def action_cancel(self):
        for plan in self:
            if plan.state in ("honoured", "broken"):
                raise UserError(self.env._("Plan %s is closed already.", plan.name))
            plan._release_invoices()
            was_active = plan.state == "active"
            declined_request = plan.state == "draft" and plan.by_customer
            plan.state = "cancelled"
            if was_active:
                self.env["ar.collection.event"]._log(
                    **plan._ledger_values(), note=self.env._("Payment plan %s cancelled.", plan.name)
                )
            if declined_request:
                self.env["ar.collection.event"]._log(
                    **plan._ledger_values(), note=self.env._("Payment plan requested in the portal declined.")
                )
                plan._ar_tell_customer("ar_collections.mail_template_plan_declined")
        return True

    def _release_invoices(self):
        self.move_ids.filtered(lambda move: move.ar_plan_id in self).sudo()._ar_write({"ar_plan_id": False})

    @api.model
    def _cron_follow_up(self, batch_size=200, time_budget=600):
        """Daily job: active plans are honoured once paid, broken when an instalment is missed.

        Batch after batch, each plan isolated from the others: one that fails is logged and
        stays active for the next run. Return how many plans were followed up.
        """
        return run_over_records(
            self.sudo(),
            [("state", "=", "active")],
            lambda plans: plans._check_schedule(),
            "Payment plan follow-up",
            batch_size=batch_size,
            time_budget=time_budget,
        )

    def _check_schedule(self):
        """Honoured once paid; broken when an instalment is missed (after the grace days).

        The whole set at once, whatever its size: one write per outcome, one release of the
        invoices, one insert into the ledger, one of activities for the collectors (the fees
        of honoured plans that waive them are credited plan by plan)."""
        today = fields.Date.context_today(self)
        active = self.filtered(lambda plan: plan.state == "active")
        honoured = active.filtered(lambda plan: plan._is_paid())
        missed = {plan: plan._missed_instalments(today) for plan in active - honoured}
        broken = (active - honoured).filtered(lambda plan: missed[plan])
        notes = {plan: self.env._("Payment plan %s honoured.", plan.name) for plan in honoured}
        notes.update((plan, plan._broken_note(missed[plan][0])) for plan in broken)
        closed = active.filtered(lambda plan: plan in notes)
        for state, plans in (("honoured", honoured), ("broken", broken)):
            plans.write({"state": state})
        closed._release_invoices()
        self.env["ar.collection.event"]._log_many([{**plan._ledger_values(), "note": notes[plan]} for plan in closed])
        for plan in honoured.filtered("waive_fees"):
            plan._waive_late_fees()
        self.env["ar.collection.engine"]._schedule_collector_activities(
            broken, self.env._("Broken payment plan"), notes
        )

    def _is_paid(self):
        """Its amount paid, or every invoice settled."""
        self.ensure_one()
        return (
            self.move_ids._ar_all_settled()
            or self.currency_id.compare_amounts(self.paid_amount, self.amount_total) >= 0
        )

    def _missed_instalments(self, today):
        """The instalments not paid by their date plus the company's grace days."""
        grace = timedelta(days=self.company_id.ar_plan_grace_days)
        return self.line_ids.filtered(lambda line: line.state != "paid" and line.date + grace < today)

    def _broken_note(self, instalment):
        return self.env._(
            "Payment plan %(plan)s broken: the instalment of %(date)s (%(amount)s) was not paid.",
            plan=self.name,
            date=instalment.date,
            amount=self.currency_id.format(instalment.amount),
        )

    def _waive_late_fees(self):
        fee_lines = self.move_ids.ar_late_fee_line_ids.filtered(lambda line: line.parent_state == "posted")
        fee_lines.move_id._ar_waive_late_fee(self.env._("Payment plan %s honoured", self.name))

    def _ledger_values(self):
        """What the ledger records of this plan (see ``ar.collection.event._log``)."""
        self.ensure_one()
        return {
            "partner": self.partner_id,
            "company": self.company_id,
            "kind": "plan",
            "moves": self.move_ids,
            "plan_id": self.id,
        }
