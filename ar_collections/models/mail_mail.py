"""Outgoing mail: a collection email that Odoo fails to send is not counted as sent; one the
mail server accepts is the electronic proof that it was served."""

from odoo import fields
from odoo import models


class MailMail(models.Model):
    _inherit = "mail.mail"

    def _postprocess_sent_message(self, success_pids, failure_reason=False, failure_type=None):
        """A collection email that fails to go out (mail server down or refusing, bad address,
        bounce at sending) marks its ledger event failed and puts its invoices back where they
        stood: the next run sends it again."""
        not_sent = self.filtered(lambda mail: mail.state != "sent") if failure_type else self.browse()
        if not_sent:
            events = (
                self.env["ar.collection.event"].sudo().search([("mail_id", "in", not_sent.ids), ("failed", "=", False)])
            )
            label = dict(self._fields["failure_type"]._description_selection(self.env)).get(failure_type, failure_type)
            # A mail server down fails the whole batch with one reason: one marking for all.
            by_reason = events.grouped(lambda event: failure_reason or event.mail_id.failure_reason or label)
            for reason, failed in by_reason.items():
                failed._mark_failed(reason)
        sent = self.filtered(lambda mail: mail.state == "sent")
        if sent:
            served = (
                self.env["ar.collection.event"]
                .sudo()
                .search([("mail_id", "in", sent.ids), ("failed", "=", False), ("service_date", "=", False)])
            )
            served._record_service("email", fields.Date.context_today(self))
        return super()._postprocess_sent_message(success_pids, failure_reason=failure_reason, failure_type=failure_type)
