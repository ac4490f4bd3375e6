"""Credit insurance on an invoice: the insurer must hear of an overdue invoice within the days its
policy says, or the invoice loses its cover. The daily job (``ar.credit.cover._cron_daily``)
sets the deadline on overdue invoices of insured customers and gives the credit manager an
activity; a collector records when the insurer was told."""

from odoo import fields
from odoo import models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools import format_date

from ..tools.groups import COLLECTION_USER_GROUP
from ..tools.groups import INTERNAL_USER_GROUP
from ..tools.groups import requires_group

# Credit insurance on invoices lives apart from the collection rules (account_move.py).
# pylint: disable=consider-merging-classes-inherited


class AccountMove(models.Model):
    _inherit = "account.move"

    ar_insurer_deadline = fields.Date(
        string="Report to Insurer By",
        readonly=True,
        copy=False,
        index="btree_not_null",
        groups=INTERNAL_USER_GROUP,
        help="The credit insurer must be told of this overdue invoice by this date, or it is not covered.",
    )
    ar_insurer_notified_on = fields.Date(
        string="Reported to Insurer On", readonly=True, copy=False, groups=INTERNAL_USER_GROUP
    )

    @requires_group(COLLECTION_USER_GROUP)
    def action_ar_insurer_notified(self):
        """Record that the credit insurer was told of these overdue invoices today."""
        if self.filtered(lambda move: not move.ar_insurer_deadline):
            raise UserError(self.env._("Only overdue invoices of an insured customer are reported to the insurer."))
        today = fields.Date.context_today(self)
        self.sudo().write({"ar_insurer_notified_on": today})
        activity_type = self.env.ref("ar_collections.mail_activity_type_insurer_report")
        self.sudo().activity_ids.filtered(lambda a: a.activity_type_id == activity_type).action_feedback(
            feedback=self.env._("Reported to the insurer.")
        )
        self.env["ar.collection.event"]._log_many(
            [
                {
                    "partner": partner,
                    "company": company,
                    "kind": "note",
                    "moves": moves,
                    "note": self.env._(
                        "Overdue invoices reported to the credit insurer: %s", ", ".join(moves.mapped("name"))
                    ),
                }
                for (partner, company), moves in self.grouped(
                    lambda move: (move.commercial_partner_id, move.company_id)
                ).items()
            ]
        )
        return True

    def _ar_refresh_insurer_deadlines(self):
        """Set the reporting deadline (due date + the shortest reporting delay of the customer's
        valid credit insurance) on open overdue invoices not reported yet, in one statement, and
        give the credit manager an activity for each invoice that just got one."""
        self.env.flush_all()
        today = fields.Date.context_today(self)
        self.env.cr.execute(
            SQL(
                """
                WITH insured AS (
                    SELECT cover.partner_id, cover.company_id, MIN(cover.report_days) AS report_days
                      FROM ar_credit_cover cover
                     WHERE cover.kind = 'insurance' AND cover.active
                       AND cover.date_start <= %(today)s
                       AND (cover.date_end IS NULL OR cover.date_end >= %(today)s)
                     GROUP BY cover.partner_id, cover.company_id
                )
                UPDATE account_move move
                   SET ar_insurer_deadline = move.invoice_date_due + insured.report_days
                  FROM insured
                 WHERE insured.partner_id = move.commercial_partner_id
                   AND insured.company_id = move.company_id
                   AND move.move_type = 'out_invoice'
                   AND move.invoice_date_due < %(today)s
                   AND move.ar_insurer_deadline IS NULL
                   AND move.ar_insurer_notified_on IS NULL
                   AND %(open_invoice)s
                RETURNING move.id
                """,
                today=today,
                open_invoice=self._ar_open_invoice_sql("move"),
            )
        )
        moves = self.browse([row[0] for row in self.env.cr.fetchall()])
        moves.invalidate_recordset(["ar_insurer_deadline"])
        activity_type = self.env.ref("ar_collections.mail_activity_type_insurer_report")
        managers = {
            company: self.env["ar.credit.profile"]._credit_managers(company)[:1] for company in moves.company_id
        }
        for move in moves.sudo():
            manager = managers[move.company_id]
            move.activity_schedule(
                activity_type_id=activity_type.id,
                user_id=manager.id or self.env.uid,
                date_deadline=move.ar_insurer_deadline,
                summary=self.env._(
                    "Report %(invoice)s to the credit insurer by %(date)s, or it is not covered.",
                    invoice=move.name,
                    date=format_date(self.env, move.ar_insurer_deadline),
                ),
            )
        return moves
