"""Outgoing mail: a collection email that Odoo fails to send is not counted as sent; one the
mail server accepts is the electronic proof that it was served. The emails of a batch each
carry their own customer's document."""

from collections import defaultdict

from odoo import api
from odoo import fields
from odoo import models
from odoo.tools import SQL

from .mail_message import SANITIZE_ONCE


class MailMail(models.Model):
    _inherit = "mail.mail"

    @api.model_create_multi
    def create(self, vals_list):
        """Under ``ar_sanitize_once`` (a collection run's emails), their messages' bodies are
        sanitized once each (see ``mail.message._ar_create_sanitizing_once``)."""
        if not self.env.context.get(SANITIZE_ONCE):
            return super().create(vals_list)
        plain = self.with_context(**{SANITIZE_ONCE: False})
        return self.env["mail.message"]._ar_create_sanitizing_once(vals_list, create=super(MailMail, plain).create)

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
        # An email deleted once sent takes its link to the ledger along: its service is recorded
        # now. The others' is recorded for their whole sending batch (see `_send`).
        deleted_once_sent = self.filtered(lambda mail: mail.state == "sent" and mail.auto_delete)
        if deleted_once_sent:
            self._ar_record_email_service(deleted_once_sent)
        return super()._postprocess_sent_message(success_pids, failure_reason=failure_reason, failure_type=failure_type)

    def _send(self, auto_commit=False, raise_exception=False, smtp_session=None, alias_domain_id=False,
              mail_server=False, post_send_callback=None):  # fmt: skip
        """Send, then record at once the service of the collection emails of this batch that
        the mail server accepted: done email by email, it was a third of the mail queue's time.
        Odoo commits each email as it goes; a sending cut short before the end leaves its
        accepted emails to the daily sweep (``_cron_limitation``), served the day they left."""
        result = super()._send(
            auto_commit=auto_commit,
            raise_exception=raise_exception,
            smtp_session=smtp_session,
            alias_domain_id=alias_domain_id,
            mail_server=mail_server,
            post_send_callback=post_send_callback,
        )
        self._ar_record_email_service(self)
        return result

    @api.model
    def _ar_record_email_service(self, mails=None):
        """Record the service by email of the ledger's emails that the mail server accepted and
        whose service is not recorded yet: among ``mails``, just sent, served today; or all of
        them, each served the day it left (the day its email was marked sent)."""
        self.env.flush_all()
        today = fields.Date.context_today(self)
        scope = SQL("mail.id = ANY(%s)", mails.ids) if mails is not None else SQL("TRUE")
        self.env.cr.execute(
            SQL(
                """
                SELECT event.id, mail.write_date
                  FROM ar_collection_event event
                  JOIN mail_mail mail ON mail.id = event.mail_id
                 WHERE %s AND mail.state = 'sent' AND event.failed IS NOT TRUE AND event.service_date IS NULL
                """,
                scope,
            )
        )
        rows = self.env.cr.fetchall()
        by_day = defaultdict(list)
        for event_id, sent_at in rows:
            by_day[today if mails is not None else fields.Date.context_today(self, sent_at)].append(event_id)
        Event = self.env["ar.collection.event"].sudo()
        for day, event_ids in by_day.items():
            Event.browse(event_ids)._record_service("email", day)

    def _ar_attach_each(self, attachments):
        """Attach to each of these emails its own attachment (``attachments`` in the same
        order, an empty one for none), in one statement: a template's ``send_mail_batch``
        can only give every email of the batch the same ones."""
        pairs = [
            (mail.mail_message_id.id, attachment.id)
            for mail, attachment in zip(self, attachments, strict=True)
            if attachment
        ]
        if not pairs:
            return
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "INSERT INTO message_attachment_rel (message_id, attachment_id) VALUES %s ON CONFLICT DO NOTHING",
                SQL(", ").join(SQL("(%s, %s)", message, attachment) for message, attachment in pairs),
            )
        )
        self.mail_message_id.invalidate_recordset(["attachment_ids"])
        self.invalidate_recordset(["attachment_ids"])
