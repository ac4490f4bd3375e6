"""Customer replies (客户回复): answers to collection emails come back to the customer's collector.

A collection email is a message of its customer's thread (``res.partner``), with the reply-to
Odoo gives documents (the company's catchall alias when one is set, else the collection
address). Odoo's mail gateway routes the answer by its ``In-Reply-To``/``References`` to the
customer's chatter; ``_receive_reply`` then records it in the ledger as a ``reply`` event of
the email it answers, copies it (with its attachments) onto each invoice the email listed,
pauses those invoices' escalation for a few days and asks the collector to handle it. An
out-of-office answer is logged and does nothing else; a bounce marks the email failed.

A reply stays "not handled" until a collector logs what it became (``_handle``): a promise
to pay, a dispute, a payment plan request, a note.
"""

from datetime import timedelta
from textwrap import shorten

from lxml import etree
from lxml import html
from markupsafe import Markup

from odoo import Command
from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools import html2plaintext
from odoo.tools.mail import unfold_references

from ..tools.groups import COLLECTION_USER_GROUP
from ..tools.groups import requires_group

# RFC 3834 says an automatic answer carries Auto-Submitted (anything but "no"); mail
# programs that predate it set one of these headers, or a Precedence of these values.
AUTO_REPLY_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Auto-Reply")
AUTO_REPLY_PRECEDENCE = {"auto_reply", "bulk", "junk"}
# Events whose email a customer can answer.
ANSWERABLE_KINDS = ("email", "statement")
# How much of a reply the ledger's note keeps (the whole reply is its message).
NOTE_LENGTH = 500


def answer_text(body):
    """The text of a reply's HTML ``body`` without the quoted email it answers (the parts Odoo's
    mail parser marks as quotes)."""
    if not body:
        return ""
    try:
        tree = html.fragment_fromstring(str(body), create_parent="div")
    except etree.ParserError:
        return html2plaintext(body)
    for quote in tree.xpath("//*[@data-o-mail-quote]"):
        quote.getparent().remove(quote)
    return html2plaintext(etree.tostring(tree, encoding="unicode")).strip()


def is_auto_reply(email_message):
    """Whether ``email_message`` (an ``email.message.EmailMessage``) is an automatic answer."""
    auto_submitted = (email_message.get("Auto-Submitted") or "").strip().lower()
    if auto_submitted and auto_submitted != "no":
        return True
    if any(email_message.get(header) for header in AUTO_REPLY_HEADERS):
        return True
    return (email_message.get("Precedence") or "").strip().lower() in AUTO_REPLY_PRECEDENCE


class ArCollectionEvent(models.Model):
    _inherit = "ar.collection.event"

    # ------------------------------------------------------------------
    # Outgoing: emails on the customer's thread
    # ------------------------------------------------------------------

    def _thread_on_customers(self, mails):
        """Make each of ``mails`` (one per event, in order) a message of its customer's thread,
        with the reply-to Odoo gives the customer (its company's catchall alias when there is
        one, else the email's sender): the answer comes back to the customer. One statement."""
        if not mails:
            return
        reply_to = {}
        for company, events in self.grouped("company_id").items():
            partners = events.partner_id.with_company(company)
            default = company.ar_collection_email_from or company.email_formatted
            for partner_id, address in partners._notify_get_reply_to(default=default).items():
                reply_to[company.id, partner_id] = address
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                UPDATE mail_message message
                   SET model = 'res.partner', res_id = new.partner_id, record_name = new.name,
                       reply_to = COALESCE(new.reply_to, message.reply_to)
                  FROM (VALUES %s) AS new (id, partner_id, name, reply_to)
                 WHERE message.id = new.id
                """,
                SQL(", ").join(
                    SQL(
                        "(%s, %s, %s, %s)",
                        mail.mail_message_id.id,
                        event.partner_id.id,
                        event.partner_id.display_name,
                        reply_to.get((event.company_id.id, event.partner_id.id)),
                    )
                    for event, mail in zip(self, mails, strict=True)
                ),
            )
        )
        mails.invalidate_recordset(["model", "res_id", "record_name", "reply_to"])
        mails.mail_message_id.invalidate_recordset(["model", "res_id", "record_name", "reply_to"])

    # ------------------------------------------------------------------
    # Incoming: replies, automatic replies and bounces
    # ------------------------------------------------------------------

    @api.model
    def _answered_event(self, message_dict):
        """The collection email an incoming message answers (by its In-Reply-To and
        References), if any."""
        references = unfold_references(message_dict.get("references") or "")
        references.append(message_dict.get("in_reply_to") or "")
        references = [reference.strip() for reference in references if reference and reference.strip()]
        if not references:
            return self.browse()
        return self.sudo().search(
            [("kind", "in", ANSWERABLE_KINDS), ("mail_message_id.message_id", "in", references[-32:])],
            order="id desc",
            limit=1,
        )

    @api.model
    def _receive_reply(self, email_message, message_dict):
        """Record the message Odoo's gateway has just posted, if it answers a collection email:
        a ``reply`` event of that email, about its invoices. Return the event (or nothing)."""
        answered = self._answered_event(message_dict)
        if not answered:
            return self.browse()
        customer = answered.partner_id
        posted = (
            self.env["mail.message"]
            .sudo()
            .search(
                [
                    ("message_id", "=", message_dict["message_id"]),
                    ("model", "=", "res.partner"),
                    ("res_id", "=", customer.id),
                ],
                limit=1,
            )
        )
        # Odoo's gateway drops a Message-Id it already has: a message is recorded once.
        if not posted:
            return self.browse()
        auto = is_auto_reply(email_message)
        today = fields.Date.context_today(self)
        moves = answered.move_ids.filtered(lambda move: move._ar_is_open_invoice())
        pause_days = 0 if auto else answered.company_id.ar_reply_pause_days
        paused = moves.filtered(lambda move: move._ar_collectible()) if pause_days else moves.browse()
        until = today + timedelta(days=pause_days)
        paused = paused.filtered(lambda move: not move.ar_snooze_until or move.ar_snooze_until < until)
        sender = message_dict.get("email_from") or posted.email_from or ""
        unknown = posted.author_id.commercial_partner_id != customer
        reply = self._log(
            customer,
            answered.company_id,
            "reply",
            moves=moves,
            by_customer=True,
            reply_to_id=answered.id,
            mail_message_id=posted.id,
            auto_reply=auto,
            reply_from=sender,
            reply_from_unknown=unknown,
            note=shorten(answer_text(posted.body) or posted.subject or "-", NOTE_LENGTH),
            stages_before={
                "paused_until": fields.Date.to_string(until) if paused else None,
                "snooze": {str(move.id): fields.Date.to_string(move.ar_snooze_until) for move in paused},
            },
        )
        if auto:
            return reply
        if paused:
            paused._ar_write({"ar_snooze_until": until})
        reply._copy_to_invoices()
        self._refresh_replies_pending(reply)
        reply._ask_collector()
        return reply

    def _copy_to_invoices(self):
        """Each reply, with its attachments, as a note on each invoice it concerns: one insert."""
        note = self.env.ref("mail.mt_note")
        self.env["mail.message"].sudo().create(
            [
                {
                    "model": "account.move",
                    "res_id": move.id,
                    "body": Markup("<p>%s</p>%s%s")
                    % (
                        self.env._(
                            "%(sender)s replied to the %(stage)s email:",
                            sender=reply.reply_from,
                            stage=reply.reply_to_id.stage_id.name or reply.reply_to_id.name,
                        ),
                        reply.mail_message_id.body or "",
                        reply._link(),
                    ),
                    "message_type": "comment",
                    "subtype_id": note.id,
                    "author_id": reply.mail_message_id.author_id.id,
                    "email_from": reply.reply_from,
                    "attachment_ids": [Command.link(attachment.id) for attachment in reply.reply_attachment_ids],
                }
                for reply in self
                for move in reply.move_ids
            ]
        )

    def _link(self):
        """A link to this reply in the ledger, where its buttons handle it."""
        self.ensure_one()
        return Markup('<p><a href="/odoo/action-ar_collections.ar_collection_event_action_replies/%s">%s</a></p>') % (
            self.id,
            self.env._("Handle the reply"),
        )

    def _ask_collector(self):
        """An activity for each reply's collector: read it and say what it becomes."""
        Profile = self.env["ar.credit.profile"]
        kind = self.env.ref("ar_collections.mail_activity_type_reply")
        entries = []
        for reply in self:
            profile = Profile._get_or_create(reply.partner_id, reply.company_id)
            note = Markup("<p>%s</p><p><i>%s</i></p><p>%s</p>%s") % (
                self.env._(
                    "%(sender)s replied to the %(stage)s email%(unknown)s.",
                    sender=reply.reply_from,
                    stage=reply.reply_to_id.stage_id.name or reply.reply_to_id.name,
                    unknown=self.env._(" (an address not among the customer's contacts)")
                    if reply.reply_from_unknown
                    else "",
                ),
                reply.note or "",
                self.env._(
                    "Open the reply in the collection ledger and turn it into a promise to pay, a dispute, "
                    "a payment plan request or a note: its invoices wait until then."
                ),
                reply._link(),
            )
            entries.append(
                (profile, profile._collector(), self.env._("Reply from %s", reply.partner_id.name), note, kind)
            )
        self.env["ar.collection.engine"]._schedule_activities(entries, notify=True)

    @api.model
    def _receive_bounce(self, message_dict):
        """A collection email returned by the recipient's mail server: not delivered, so not
        counted as sent (its invoices go back, the next run sends it again)."""
        bounced = message_dict.get("bounced_message")
        if not bounced:
            return self.browse()
        events = self.sudo().search(
            [("kind", "in", ANSWERABLE_KINDS), ("mail_message_id", "=", bounced.id), ("failed", "=", False)]
        )
        if not events:
            return events
        reason = self.env._(
            "returned by the recipient's mail server (%(address)s): %(text)s",
            address=message_dict.get("bounced_email") or self.env._("unknown address"),
            text=shorten(html2plaintext(message_dict.get("body") or "").strip(), 200) or "-",
        )
        return events._mark_failed(reason)

    # ------------------------------------------------------------------
    # Handling
    # ------------------------------------------------------------------

    @api.model
    def _pending_replies(self, partner, company):
        """The customer's replies no one has handled yet (automatic replies aside)."""
        return self.sudo().search(
            [
                ("partner_id", "=", partner.commercial_partner_id.id),
                ("company_id", "=", company.id),
                ("kind", "=", "reply"),
                ("auto_reply", "=", False),
                ("handled_by_id", "=", False),
            ]
        )

    def _handle(self, event):
        """These replies are answered by ``event`` (the promise, dispute, plan or note a
        collector logged): recorded on each (once, as the ledger allows); the pause each gave
        its invoices ends, unless something else has moved them since."""
        replies = self.filtered(lambda reply: reply.kind == "reply" and not reply.handled_by_id)
        if not replies:
            return replies
        self._complete_each({reply: {"handled_by_id": event.id} for reply in replies})
        for reply in replies:
            before = reply.stages_before or {}
            until = fields.Date.to_date(before.get("paused_until"))
            snoozes = before.get("snooze") or {}
            moves = self.env["account.move"].sudo().browse(int(move_id) for move_id in snoozes).exists()
            still_paused = moves.filtered_domain([("ar_snooze_until", "=", until)])
            for snooze, group in still_paused.grouped(lambda move, before=snoozes: before[str(move.id)]).items():
                group._ar_write({"ar_snooze_until": fields.Date.to_date(snooze)})
        self._refresh_replies_pending(replies)
        self._close_reply_activities(replies)
        return replies

    @api.model
    def _close_reply_activities(self, replies):
        """Mark done the collectors' reply activities of the customers left with no reply to handle."""
        profiles = (
            self.env["ar.credit.profile"]
            .sudo()
            .search(
                [
                    ("partner_id", "in", replies.partner_id.ids),
                    ("company_id", "in", replies.company_id.ids),
                    ("reply_pending_date", "=", False),
                ]
            )
        )
        if not profiles:
            return
        activities = (
            self.env["mail.activity"]
            .sudo()
            .search(
                [
                    ("activity_type_id", "=", self.env.ref("ar_collections.mail_activity_type_reply").id),
                    ("res_model", "=", "res.partner"),
                    ("res_id", "in", profiles.partner_id.ids),
                ]
            )
        )
        activities.action_feedback(feedback=self.env._("Reply handled."))

    @api.model
    def _refresh_replies_pending(self, events):
        """Set, on the customers of ``events``, the date of their oldest reply not handled
        (empty when none): one statement."""
        keys = {(event.partner_id.id, event.company_id.id) for event in events}
        if not keys:
            return
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                UPDATE ar_credit_profile profile
                   SET reply_pending_date = (
                       SELECT min(reply.date) FROM ar_collection_event reply
                        WHERE reply.partner_id = profile.partner_id AND reply.company_id = profile.company_id
                          AND reply.kind = 'reply' AND reply.auto_reply IS NOT TRUE
                          AND reply.handled_by_id IS NULL)
                  FROM (VALUES %s) AS key (partner_id, company_id)
                 WHERE profile.partner_id = key.partner_id AND profile.company_id = key.company_id
                """,
                SQL(", ").join(SQL("(%s, %s)", partner_id, company_id) for partner_id, company_id in keys),
            )
        )
        self.env["ar.credit.profile"].invalidate_model(["reply_pending_date"])
        self.env["res.partner"].invalidate_model(["ar_reply_pending_date"])

    def _check_can_handle(self):
        """A customer's reply (not an automatic one) that no one has handled yet, else a clear error."""
        self.ensure_one()
        if self.kind != "reply" or self.auto_reply:
            raise UserError(self.env._("Only a customer's reply can be handled."))
        if self.handled_by_id:
            raise UserError(
                self.env._("This reply was already handled: %(event)s.", event=self.handled_by_id.display_name)
            )

    @requires_group(COLLECTION_USER_GROUP)
    def action_handle_reply(self):
        """Open the wizard that turns this reply into a promise, a dispute, a plan request or a
        note (the answer chosen by the button, from its context)."""
        self.ensure_one()
        self._check_can_handle()
        answer = self.env.context.get("ar_answer")
        return self.env["ar.collection.reply.wizard"]._action_open(self, answer)
