"""Print a collection letter now, for customers or selected invoices; the letter is logged."""

from odoo import fields
from odoo import models
from odoo.exceptions import UserError

from ..tools.groups import COLLECTION_USER_GROUP
from ..tools.groups import requires_group

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


class ArCollectionLetterWizard(models.TransientModel):
    """Print a collection letter now, for customers or selected invoices; the letter is logged."""

    _name = "ar.collection.letter.wizard"
    _description = "Print Collection Letter"

    partner_ids = fields.Many2many("res.partner", string="Customers")
    move_ids = fields.Many2many("account.move", string="Invoices")
    letter = fields.Selection(LETTERS, required=True, default="reminder")

    @requires_group(COLLECTION_USER_GROUP)
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
            self.env["ar.credit.profile"]._get_or_create(partner, self.env.company)
            event = self.env["ar.collection.event"]._log(
                partner, self.env.company, "letter", moves=invoices, stage_id=stage.id, to_print=True
            )
            event._attach_letters(report)
            event._log_in_chatters({event: self.env._("%s printed.", report.name)})
            events |= event
        if not events:
            raise UserError(self.env._("These customers have no overdue invoice to write about."))
        # Our letters carry their own letterhead: no need to configure the document layout first.
        return report.report_action(events, config=False)
