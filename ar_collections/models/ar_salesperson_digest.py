"""The salespeople's monthly digest: each salesperson gets, once a month, the overdue invoices of
their customers (a company setting, off by default). The log of what was sent makes the job
restart-safe: a rerun in the same month sends nobody a second digest."""

from odoo import api
from odoo import fields
from odoo import models

from ..tools.batch_jobs import run_isolated


class ArSalespersonDigest(models.Model):
    """One digest emailed to a salesperson for a month: the overdue invoices it listed."""

    _name = "ar.salesperson.digest"
    _description = "Salesperson Overdue Digest"
    _order = "period desc, id desc"
    _rec_name = "user_id"

    user_id = fields.Many2one("res.users", string="Salesperson", required=True, readonly=True, index=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    period = fields.Date(required=True, readonly=True, help="First day of the month the digest was sent for.")
    move_ids = fields.Many2many("account.move", string="Overdue Invoices", readonly=True)
    amount_overdue = fields.Monetary(readonly=True)
    mail_id = fields.Many2one("mail.mail", string="Email", readonly=True, ondelete="set null")

    _sql_constraints = [
        (
            "once_a_month",
            "UNIQUE(user_id, company_id, period)",
            "A salesperson gets one digest a month per company.",
        ),
    ]

    @api.model
    def _cron_salesperson_digest(self):
        """Monthly job: email each salesperson of the companies with the digest on the overdue
        invoices of their customers, once a month. Return how many digests were sent.

        The digest is logged in the transaction that queues its email, salesperson by salesperson
        (one that fails is logged and skipped): a rerun the same month, even after a crash, sends
        only the digests not sent yet.
        """
        today = fields.Date.context_today(self)
        period = today.replace(day=1)
        template = self.env.ref("ar_collections.mail_template_salesperson_digest")
        sent = 0
        for company in self.env["res.company"].sudo().search([("ar_salesperson_digest", "=", True)]):
            owed = self._overdue_by_salesperson(company, today)
            done = self.sudo().search([("company_id", "=", company.id), ("period", "=", period)]).user_id
            users = self.env["res.users"].union(*owed) - done

            def send(batch, company=company, owed=owed):
                digests = self.sudo().create(
                    [
                        {
                            "user_id": user.id,
                            "company_id": company.id,
                            "period": period,
                            "move_ids": [fields.Command.set(owed[user].ids)],
                            "amount_overdue": sum(owed[user].mapped("amount_residual_signed")),
                        }
                        for user in batch
                    ]
                )
                for digest in digests:
                    digest.mail_id = template.send_mail(digest.id)

            sent += len(users) - len(run_isolated(users, send, "Salesperson digest"))
        return sent

    @api.model
    def _overdue_by_salesperson(self, company, today):
        """{salesperson: their customers' overdue invoices} of ``company`` (salespeople who can
        read an email: active internal users with an address)."""
        Move = self.env["account.move"].sudo()
        overdue = Move.search(
            [*Move._ar_open_invoice_domain(), ("company_id", "=", company.id), ("invoice_date_due", "<", today)],
            order="invoice_date_due, id",
        )
        return {
            user: moves for user, moves in overdue.grouped(lambda move: move._ar_salesperson()).items() if user.email
        }
