"""Outgoing mail: a collection email that fails for its recipient is logged on the customer."""

from odoo import models

# Failures that belong to the customer (its address), not to the mail server: those are logged
# on the customer. A mail server that is down fails every email alike and is the admin's business.
CUSTOMER_FAILURES = ("mail_bounce", "mail_email_invalid", "mail_email_missing", "mail_spam")


class MailMail(models.Model):
    _inherit = "mail.mail"

    def _postprocess_sent_message(self, success_pids, failure_reason=False, failure_type=None):
        """A collection email that bounces at sending is logged on its customer, with an activity."""
        if failure_type in CUSTOMER_FAILURES:
            events = (
                self.env["ar.collection.event"].sudo().search([("mail_id", "in", self.ids), ("failed", "=", False)])
            )
            labels = dict(self._fields["failure_type"]._description_selection(self.env))
            for event in events:
                profile = self.env["ar.credit.profile"]._get_or_create(event.partner_id, event.company_id)
                self.env["ar.collection.engine"]._log_failure(
                    profile, event.stage_id, event.move_ids, failure_reason or labels.get(failure_type, failure_type)
                )
        return super()._postprocess_sent_message(success_pids, failure_reason=failure_reason, failure_type=failure_type)
