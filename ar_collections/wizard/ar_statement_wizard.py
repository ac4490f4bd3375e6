"""Print or email customers' statements of account (对账单) for a period."""

from dateutil.relativedelta import relativedelta

from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError
from odoo.tools import format_date

from ..tools.groups import COLLECTION_USER_GROUP
from ..tools.groups import requires_group


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

    @requires_group(COLLECTION_USER_GROUP)
    def action_print(self):
        self.ensure_one()
        return self.env.ref("ar_collections.action_report_statement").report_action(
            self.partner_ids.commercial_partner_id, data=self._data(), config=False
        )

    @requires_group(COLLECTION_USER_GROUP)
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
        note = self.env._(
            "Statement of account from %(date_from)s to %(date_to)s emailed.",
            date_from=format_date(self.env, self.date_from),
            date_to=format_date(self.env, self.date_to),
        )
        self.env["ar.collection.event"]._log_many(
            [
                {
                    "partner": partner,
                    "company": self.env.company,
                    "kind": "statement",
                    "note": note,
                    **partner._ar_send_statement(self.date_from, self.date_to),
                }
                for partner in partners
            ]
        )
        return {"type": "ir.actions.act_window_close"}
