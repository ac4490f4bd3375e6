from dateutil.relativedelta import relativedelta

from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError

LETTERS = [
    ("reminder", "Reminder letter"),
    ("demand", "Demand letter"),
    ("lawyer", "Lawyer letter"),
]
LETTER_REPORTS = {
    "reminder": "ar_collections.action_report_reminder_letter",
    "demand": "ar_collections.action_report_demand_letter",
    "lawyer": "ar_collections.action_report_lawyer_letter",
}


class ArStatementWizard(models.TransientModel):
    """Print or email statements of account (对账单) for a period, for one or many customers."""

    _name = "ar.statement.wizard"
    _description = "Statement of Account"

    partner_ids = fields.Many2many("res.partner", string="Customers", required=True)
    date_from = fields.Date(
        required=True, default=lambda self: fields.Date.context_today(self).replace(day=1) - relativedelta(months=2)
    )
    date_to = fields.Date(required=True, default=fields.Date.context_today)

    @api.constrains("date_from", "date_to")
    def _check_period(self):
        for wizard in self:
            if wizard.date_from > wizard.date_to:
                raise UserError(self.env._("The statement period ends before it starts: check the dates."))

    def _data(self):
        return {"date_from": str(self.date_from), "date_to": str(self.date_to)}

    def action_print(self):
        self.ensure_one()
        return self.env.ref("ar_collections.action_report_statement").report_action(
            self.partner_ids.commercial_partner_id, data=self._data(), config=False
        )

    def action_send(self):
        self.ensure_one()
        partners = self.partner_ids.commercial_partner_id
        without_email = partners.filtered(lambda partner: not partner.email)
        if without_email:
            raise UserError(
                self.env._(
                    "%s has no email address: print the statement instead.",
                    ", ".join(without_email.mapped("display_name")),
                )
            )
        for partner in partners:
            partner._ar_send_statement(self.date_from, self.date_to)
        return {"type": "ir.actions.act_window_close"}


class ArCollectionLetterWizard(models.TransientModel):
    """Print a collection letter now, for customers or selected invoices; the letter is logged."""

    _name = "ar.collection.letter.wizard"
    _description = "Print Collection Letter"

    partner_ids = fields.Many2many("res.partner", string="Customers")
    move_ids = fields.Many2many("account.move", string="Invoices")
    letter = fields.Selection(LETTERS, required=True, default="reminder")

    def action_print(self):
        """One ledger event per customer (its open overdue invoices, or the selected ones), then the PDF."""
        self.ensure_one()
        Move = self.env["account.move"]
        moves = self.move_ids
        partners = (self.partner_ids | moves.partner_id).commercial_partner_id
        if not partners:
            raise UserError(self.env._("Choose the customers or the invoices to write to."))
        if not moves:
            moves = Move.search(
                [
                    *Move._ar_open_invoice_domain(),
                    ("commercial_partner_id", "in", partners.ids),
                    ("company_id", "=", self.env.company.id),
                    ("invoice_date_due", "<", fields.Date.context_today(self)),
                ]
            )
        report = self.env.ref(LETTER_REPORTS[self.letter])
        stage = self.env["ar.collection.stage"].search([("report_id", "=", report.id)], limit=1)
        events = self.env["ar.collection.event"]
        for partner in partners:
            invoices = moves.filtered(lambda move, partner=partner: move.commercial_partner_id == partner)
            if not invoices:
                continue
            profile = self.env["ar.credit.profile"]._get_or_create(partner, self.env.company)
            overdue = invoices.filtered(lambda move: move.ar_days_overdue > 0)
            plan = {
                "stage": stage,
                "listed": invoices,
                "amount_due": sum(overdue.mapped("amount_residual_signed")),
                "days_overdue": max(invoices.mapped("ar_days_overdue") or [0]),
            }
            event = profile._new_event(plan, "letter", to_print=True)
            event._attach_letters(report)
            event._log_in_chatters({event: self.env._("%s printed.", report.name)})
            events |= event
        if not events:
            raise UserError(self.env._("These customers have no overdue invoice to write about."))
        # Our letters carry their own letterhead: no need to configure the document layout first.
        return report.report_action(events, config=False)
