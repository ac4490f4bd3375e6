"""Customer replies come back: real RFC 822 replies, auto-replies and bounces, built from the
actual outgoing collection emails, fed through Odoo's mail gateway (``message_process``) as in
production."""

import io
import socket
from datetime import timedelta
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import formatdate
from email.utils import make_msgid
from unittest.mock import patch

from aiosmtpd.controller import Controller

import odoo
from odoo.exceptions import AccessError
from odoo.exceptions import UserError
from odoo.tests import HttpCase
from odoo.tests import tagged
from odoo.tools.pdf import PdfFileWriter

from ..models.ar_collection_engine import CollectionPlan
from .test_collection_engine import CollectionCase

PROOF = b"%PDF-1.4\n% remittance advice: wire of 100.00 on the 25th\n%%EOF\n"


def build_reply(mail, body, sender, attachments=(), headers=None, message_id=None, html=None):
    """The RFC 822 answer a mail program makes to ``mail`` (a sent mail.mail)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.reply_to or mail.email_from
    message["Subject"] = f"Re: {mail.subject}"
    message["Date"] = formatdate()
    message["Message-Id"] = message_id or make_msgid(domain="customer.example.com")
    message["In-Reply-To"] = mail.message_id
    message["References"] = mail.message_id
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if html:
        message.add_alternative(html, subtype="html")
    for name, content, mimetype in attachments:
        maintype, subtype = mimetype.split("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def build_bounce(mail, recipient):
    """The delivery status notification (RFC 3464) a mail server returns for ``mail``."""
    return f"""From: MAILER-DAEMON@mx.customer.example.com
To: {mail.email_from}
Subject: Undelivered Mail Returned to Sender
Date: {formatdate()}
Message-Id: {make_msgid(domain="mx.customer.example.com")}
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="dsn"

--dsn
Content-Type: text/plain; charset=us-ascii

This is the mail system at mx.customer.example.com.

<{recipient}>: host mx.customer.example.com said: 550 5.1.1 User unknown

--dsn
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.customer.example.com

Final-Recipient: rfc822; {recipient}
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 User unknown

--dsn
Content-Type: text/rfc822-headers

Message-Id: {mail.message_id}
From: {mail.email_from}
To: {recipient}
Subject: {mail.subject}

--dsn--
""".replace("\n", "\r\n").encode()


class ReplyCase(CollectionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.ar_reply_pause_days = 10
        cls.salesman = cls._ar_user("ar_reply_salesman", "salesman")

    def _process(self, raw):
        return self.env["mail.thread"].message_process(False, raw)

    def _emailed(self, days_overdue=2, amounts=(100.0,)):
        """Invoices of the customer, and the collection email sent today about them."""
        invoices = self.env["account.move"].union(
            *(self._ar_invoice(self.customer, amount, days_overdue=days_overdue) for amount in amounts)
        )
        self._run(self._ar_today(), deliver=False)
        email = self._emails()[-1:]
        self.assertTrue(email.mail_id, "the collection email is queued")
        return invoices, email

    def _reply(self, email, body="We paid last week, see attached.", sender=None, **kwargs):
        self._process(build_reply(email.mail_id, body, sender or self.customer.email_formatted, **kwargs))
        return self._events(kind="reply")[-1:]

    def _handle(self, reply, answer, **values):
        action = reply.with_context(ar_answer=answer).action_handle_reply()
        wizard = self.env[action["res_model"]].with_context(**action["context"]).create(values)
        return wizard.action_confirm()


@tagged("post_install", "-at_install")
class TestRepliesAreRouted(ReplyCase):
    def test_the_email_is_on_the_customers_thread_with_a_reply_to_the_gateway_routes(self):
        alias_domain = self.env["mail.alias.domain"].create(
            {"name": "collect.example.com", "catchall_alias": "catchall", "bounce_alias": "bounce"}
        )
        self.env.company.alias_domain_id = alias_domain
        __, email = self._emailed()
        message = email.mail_message_id
        self.assertEqual((message.model, message.res_id), ("res.partner", self.customer.id))
        self.assertIn("catchall@collect.example.com", message.reply_to)
        self.assertIn(message, self.customer.message_ids, "the email itself is in the customer's chatter")

    def test_without_an_alias_domain_the_reply_goes_to_the_collection_address(self):
        self.env.company.alias_domain_id = False
        self.env.company.ar_collection_email_from = "Credit Control <credit@company.example.com>"
        __, email = self._emailed()
        self.assertEqual(email.mail_message_id.reply_to, "Credit Control <credit@company.example.com>")

    def test_a_reply_lands_on_the_customer_each_invoice_and_the_ledger(self):
        invoices, email = self._emailed(amounts=(100.0, 250.0))
        reply = self._reply(email, attachments=[("remittance.pdf", PROOF, "application/pdf")])

        posted = reply.mail_message_id
        self.assertEqual((posted.model, posted.res_id), ("res.partner", self.customer.id), "on the customer")
        self.assertIn("We paid last week", posted.body)
        self.assertEqual(posted.attachment_ids.mapped("raw"), [PROOF])
        for invoice in invoices:
            copy = invoice.message_ids.filtered(lambda message: "We paid last week" in (message.body or ""))
            self.assertEqual(len(copy), 1, f"the reply is on {invoice.name}")
            self.assertEqual(copy.attachment_ids, posted.attachment_ids, "with its attachment")
            self.assertTrue(copy.subtype_id.internal, "as an internal note (not shown in the portal)")
        self.assertEqual(reply.reply_to_id, email, "the ledger links the reply to the email it answers")
        self.assertEqual(reply.move_ids, invoices)
        self.assertTrue(reply.by_customer)
        self.assertEqual(reply.reply_state, "pending")
        self.assertFalse(reply.reply_from_unknown)
        self.assertEqual(email.reply_ids, reply)
        activity = self.customer.activity_ids.filtered(lambda activity: "Reply from" in activity.summary)
        self.assertEqual(activity.user_id, self.collector, "the collector is asked to handle it")
        self.assertEqual(activity.activity_type_id, self.env.ref("ar_collections.mail_activity_type_reply"))
        self.assertTrue(self._ar_profile(self.customer).reply_pending_date, "the worklist shows it")
        self.assertTrue(self.customer.with_user(self.collector).ar_reply_pending_date, "and the dossier")

    def test_the_ledger_keeps_the_answer_not_the_quoted_email(self):
        __, email = self._emailed()
        quoted = (
            "<div>Paid yesterday by wire.</div><br>"
            "<blockquote>Dear customer, our records show that the following invoices are overdue</blockquote>"
        )
        reply = self._reply(email, body="Paid yesterday by wire.", html=quoted)
        self.assertEqual(reply.note, "Paid yesterday by wire.")
        self.assertIn("our records show", reply.reply_body, "the whole message stays on the reply")

    def test_a_reply_to_the_reply_of_the_thread_is_routed_too(self):
        __, email = self._emailed()
        first = self._reply(email, body="Can we pay half now?")
        # The customer answers again, quoting the whole thread (References: email, reply).
        raw = build_reply(email.mail_id, "And the rest next month.", self.customer.email_formatted)
        raw = raw.replace(
            f"References: {email.mail_id.message_id}".encode(),
            f"References: {email.mail_id.message_id} {first.mail_message_id.message_id}".encode(),
        )
        self._process(raw)
        replies = self._events(kind="reply")
        self.assertEqual(len(replies), 2)
        self.assertEqual(replies.reply_to_id, email)

    def test_the_same_message_fetched_twice_is_recorded_once(self):
        __, email = self._emailed()
        raw = build_reply(email.mail_id, "Paid.", self.customer.email_formatted)
        self._process(raw)
        self._process(raw)
        self.assertEqual(len(self._events(kind="reply")), 1)

    def test_a_reply_from_an_unknown_address_lands_on_the_customer_flagged(self):
        __, email = self._emailed()
        reply = self._reply(email, body="I handle Acme's payables now.", sender="Jo Newhire <jo@acme-new.example.com>")
        self.assertEqual(reply.partner_id, self.customer)
        self.assertTrue(reply.reply_from_unknown)
        self.assertIn("jo@acme-new.example.com", reply.reply_from)
        activity = self.customer.activity_ids.filtered(lambda activity: "Reply from" in activity.summary)
        self.assertIn("not among the customer's contacts", str(activity.note))

    def test_a_reply_to_a_statement_of_account_is_recorded_too(self):
        self._ar_invoice(self.customer, 100.0, days_overdue=2)
        today = self._ar_today()
        wizard = self.env["ar.statement.wizard"].create(
            {"partner_ids": self.customer.ids, "date_from": today - timedelta(days=60), "date_to": today}
        )
        wizard.action_send()
        statement = self._events(kind="statement")
        self.assertTrue(statement.mail_id and statement.attachment_id, "the ledger keeps the email and the PDF")
        reply = self._reply(statement, body="Your statement misses our credit note CN/0042.")
        self.assertEqual(reply.reply_to_id, statement)
        self.assertEqual(reply.reply_state, "pending")

    def test_an_email_that_answers_no_collection_email_records_nothing(self):
        self._emailed()
        other = self.env["mail.mail"].create(
            {"subject": "Newsletter", "body_html": "<p>Hi</p>", "model": "res.partner", "res_id": self.customer.id}
        )
        self._process(build_reply(other, "Unsubscribe me", self.customer.email_formatted))
        self.assertFalse(self._events(kind="reply"))


@tagged("post_install", "-at_install")
class TestRepliesPauseTheEscalation(ReplyCase):
    def test_a_reply_pauses_its_invoices_until_handled_at_most_the_days_set(self):
        invoices, email = self._emailed(days_overdue=2)
        today = self._ar_today()
        reply = self._reply(email)
        self.assertEqual(set(invoices.mapped("ar_snooze_until")), {today + timedelta(days=10)})
        # Six days later the second reminder is due (8 days overdue): the reply holds it back.
        self._run(today + timedelta(days=6))
        self.assertEqual(len(self._emails()), 1, "no second reminder while the reply waits")
        self._handle(reply, "none", note="Asked them for the remittance.")
        self.assertEqual(reply.reply_state, "handled")
        self.assertFalse(self._ar_profile(self.customer).reply_pending_date)
        self._run(today + timedelta(days=6))
        self.assertEqual(self._emails()[-1].stage_id, self.stage["second"], "handled: the escalation goes on")

    def test_an_unhandled_reply_pauses_no_longer_than_the_setting(self):
        __, email = self._emailed(days_overdue=2)
        today = self._ar_today()
        self._reply(email)
        self._run(today + timedelta(days=10))
        self.assertEqual(self._emails()[-1].stage_id, self.stage["second"])
        self.assertTrue(self._ar_profile(self.customer).reply_pending_date, "still to handle, though")

    def test_no_pause_when_the_setting_is_zero(self):
        self.env.company.ar_reply_pause_days = 0
        invoices, email = self._emailed(days_overdue=2)
        snoozed = invoices.mapped("ar_snooze_until")
        self._reply(email)
        self.assertEqual(invoices.mapped("ar_snooze_until"), snoozed)

    def test_a_negative_pause_is_refused(self):
        with self.assertRaises(UserError):
            self.env.company.ar_reply_pause_days = -1


@tagged("post_install", "-at_install")
class TestAutoRepliesAndBounces(ReplyCase):
    def test_out_of_office_replies_are_logged_but_neither_answer_nor_pause(self):
        headers = [
            {"Auto-Submitted": "auto-replied"},
            {"X-Autoreply": "yes"},
            {"Precedence": "auto_reply"},
        ]
        for index, header in enumerate(headers):
            with self.subTest(header=header):
                customer = self._ar_customer(f"Away {index}", ar_collector_id=self.collector.id)
                invoice = self._ar_invoice(customer, 100.0, days_overdue=2)
                self._run(self._ar_today())
                email = self._emails(customer)
                snooze = invoice.ar_snooze_until
                self._process(
                    build_reply(email.mail_id, "I am out of the office until Monday.", customer.email, headers=header)
                )
                reply = self._events(customer, "reply")
                self.assertTrue(reply.auto_reply, "logged, as an automatic reply")
                self.assertEqual(reply.reply_state, "auto")
                self.assertEqual(invoice.ar_snooze_until, snooze, "pauses nothing")
                self.assertFalse(self._ar_profile(customer).reply_pending_date, "is no answer to handle")
                self.assertFalse(customer.activity_ids.filtered(lambda activity: "Reply from" in activity.summary))
                with self.assertRaises(UserError):
                    reply.action_handle_reply()

    def test_a_human_reply_saying_auto_submitted_no_is_an_answer(self):
        __, email = self._emailed()
        reply = self._reply(email, headers={"Auto-Submitted": "no"})
        self.assertFalse(reply.auto_reply)
        self.assertEqual(reply.reply_state, "pending")

    def test_a_bounce_marks_the_email_failed_and_puts_the_invoices_back(self):
        invoices, email = self._emailed(days_overdue=2)
        self.assertEqual(invoices.ar_stage_id, self.stage["friendly"])
        self._process(build_bounce(email.mail_id, self.customer.email))
        self.assertTrue(email.failed, "not delivered is not sent")
        self.assertIn("550 5.1.1", email.failure_reason)
        self.assertIn(self.customer.email, email.failure_reason)
        self.assertFalse(invoices.ar_stage_id, "the invoices go back where they stood: the next run sends again")
        self.assertTrue(
            self.customer.activity_ids.filtered(lambda activity: activity.summary == "Collection email not sent")
        )
        self.assertFalse(self._events(kind="reply"), "a bounce is no reply")


@tagged("post_install", "-at_install")
class TestRepliesBecomeActions(ReplyCase):
    def test_a_reply_becomes_a_dispute_with_the_reply_as_first_evidence(self):
        invoices, email = self._emailed(amounts=(100.0, 250.0))
        reply = self._reply(
            email,
            body="The goods arrived damaged, photos attached.",
            attachments=[("crate.png", b"\x89PNG", "image/png")],
        )
        action = self._handle(reply.with_user(self.collector), "dispute", dispute_reason="quality")
        disputes = invoices.ar_dispute_id
        self.assertEqual(len(disputes), 2, "one dispute per invoice")
        self.assertEqual(set(disputes.mapped("reason")), {"quality"})
        self.assertEqual(action["res_model"], "ar.collection.dispute")
        for dispute in disputes:
            evidence = dispute.message_ids.filtered(lambda message: "first evidence" in (message.body or ""))
            self.assertIn("goods arrived damaged", evidence.body)
            self.assertEqual(evidence.attachment_ids.mapped("raw"), [b"\x89PNG"])
            self.assertEqual(evidence.attachment_ids.res_model, "ar.collection.dispute", "kept with the dispute")
        self.assertEqual(reply.handled_by_id.dispute_id, disputes[:1])
        self.assertEqual(reply.reply_state, "handled")
        self.assertFalse(self._ar_profile(self.customer).reply_pending_date)
        self.assertFalse(
            self.customer.activity_ids.filtered(lambda activity: "Reply from" in activity.summary),
            "the collector's activity is done",
        )

    def test_a_reply_becomes_a_promise_to_pay(self):
        invoices, email = self._emailed(amounts=(100.0, 250.0))
        reply = self._reply(email, body="We will pay everything on Friday.")
        promised = self._ar_today() + timedelta(days=4)
        self._handle(reply.with_user(self.collector), "promise", promised_date=promised)
        promise = invoices.ar_promise_id
        self.assertEqual(len(promise), 1)
        self.assertEqual((promise.promised_date, promise.amount), (promised, 350.0))
        self.assertEqual(reply.handled_by_id.promise_id, promise)
        self.assertEqual(reply.handled_by_id.kind, "promise")

    def test_a_reply_becomes_a_payment_plan_request(self):
        invoices, email = self._emailed(amounts=(300.0,))
        reply = self._reply(email, body="Can we pay in three instalments?")
        self._handle(reply.with_user(self.collector), "plan", instalment_count=3)
        plan = self.env["ar.payment.plan"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual((plan.state, plan.instalment_count, plan.by_customer), ("draft", 3, True))
        self.assertEqual(plan.move_ids, invoices)
        self.assertEqual(len(plan.line_ids), 3)
        self.assertEqual(reply.handled_by_id.plan_id, plan)
        self.assertTrue(plan.activity_ids, "a credit manager is asked to approve it")

    def test_paid_awaiting_proof_keeps_the_invoices_waiting_and_reminds_the_collector(self):
        invoices, email = self._emailed()
        reply = self._reply(email)
        check = self._ar_today() + timedelta(days=3)
        self._handle(reply.with_user(self.collector), "paid", check_date=check)
        self.assertEqual(invoices.ar_snooze_until, check)
        self.assertEqual(reply.handled_by_id.outcome_id, self.env.ref("ar_collections.outcome_paid"))
        activity = self.customer.activity_ids.filtered(lambda activity: "payment arrived" in activity.summary)
        self.assertEqual((activity.date_deadline, activity.user_id), (check, self.collector))

    def test_a_reply_is_handled_once(self):
        __, email = self._emailed()
        reply = self._reply(email)
        self._handle(reply, "none")
        with self.assertRaises(UserError):
            reply.action_handle_reply()

    def test_logging_a_contact_handles_the_customers_replies(self):
        __, email = self._emailed()
        reply = self._reply(email)
        wizard = (
            self.env["ar.collection.log.wizard"]
            .with_user(self.collector)
            .create(
                {"partner_id": self.customer.id, "kind": "call", "note": "Called back: the payment left yesterday."}
            )
        )
        wizard.action_log()
        self.assertEqual(reply.handled_by_id.kind, "call")
        self.assertFalse(self._ar_profile(self.customer).reply_pending_date)

    def test_a_salesperson_cannot_handle_a_reply(self):
        __, email = self._emailed()
        reply = self._reply(email)
        with self.assertRaises(AccessError):
            reply.with_user(self.salesman).action_handle_reply()


class SmtpSink:
    """An SMTP server on loopback that keeps every message it accepts (aiosmtpd's handler)."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=email_policy.SMTP))
        return "250 Message accepted"


@tagged("post_install", "-at_install")
class TestTheWholeLoop(ReplyCase):
    """The escalation's email goes out through a real SMTP server; the customer's answer to the
    message that server received comes back in through the gateway."""

    def _smtp_sink(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        sink = SmtpSink()
        controller = Controller(sink, hostname="127.0.0.1", port=port)
        controller.start()
        self.addCleanup(controller.stop)
        self.env["ir.mail_server"].create(
            {"name": "Loopback sink", "smtp_host": "127.0.0.1", "smtp_port": port, "smtp_encryption": "none"}
        )
        return sink

    def test_email_out_through_smtp_reply_back_through_the_gateway(self):
        sink = self._smtp_sink()
        invoices, email = self._emailed(days_overdue=8)
        self.assertEqual(email.stage_id, self.stage["second"], "a stage with a letter")
        # Odoo's tests never talk to a mail server: this one does, to the sink.
        with patch.object(odoo.modules.module, "current_test", False):
            self.env["mail.mail"].process_email_queue(ids=email.mail_id.ids)
        self.assertEqual(email.mail_id.state, "sent")
        self.assertFalse(email.failed)
        self.assertEqual(
            (email.service_method, email.service_date), ("email", self._ar_today()), "accepted: the proof of service"
        )
        self.assertEqual(len(sink.messages), 1, "one message received")
        received = sink.messages[0]
        self.assertEqual(received["Message-Id"], email.mail_id.message_id)
        self.assertIn(self.customer.email, received["To"])
        letters = [part.get_filename() for part in received.iter_attachments()]
        self.assertEqual(letters, [email.attachment_id.name], "with its letter")

        answer = EmailMessage()
        answer["From"] = self.customer.email_formatted
        answer["To"] = received["Reply-To"] or received["From"]
        answer["Subject"] = f"Re: {received['Subject']}"
        answer["Date"] = formatdate()
        answer["Message-Id"] = make_msgid(domain="customer.example.com")
        answer["In-Reply-To"] = received["Message-Id"]
        answer["References"] = received["Message-Id"]
        answer.set_content("We paid on the 25th, remittance attached.")
        answer.add_attachment(PROOF, maintype="application", subtype="pdf", filename="remittance.pdf")
        self._process(answer.as_bytes())

        reply = self._events(kind="reply")
        self.assertEqual(reply.reply_to_id, email)
        self.assertEqual(reply.reply_attachment_ids.mapped("name"), ["remittance.pdf"])
        self.assertEqual(reply.move_ids, invoices)
        self.assertEqual(reply.reply_state, "pending")
        self.assertTrue(self._ar_profile(self.customer).reply_pending_date)


@tagged("post_install", "-at_install")
class TestRepliesAreEvidence(ReplyCase):
    def _one_page_pdf(self):
        writer = PdfFileWriter()
        writer.add_blank_page(width=595, height=842)
        stream = io.BytesIO()
        writer.write(stream)
        return stream.getvalue()

    def test_the_evidence_bundle_carries_the_replies_and_their_pdfs(self):
        invoices, email = self._emailed(days_overdue=8)
        remittance = self._one_page_pdf()
        self._reply(
            email,
            body="We contest the second delivery: never received.",
            attachments=[
                ("delivery-note.pdf", remittance, "application/pdf"),
                ("broken.pdf", PROOF, "application/pdf"),
            ],
        )
        self._process(
            build_reply(email.mail_id, "Out of office", self.customer.email, headers={"Auto-Submitted": "auto-replied"})
        )
        profile = self._ar_profile(self.customer)
        plan = CollectionPlan(
            profile=profile, policy=profile._collection_policy(), stage=self.stage["legal"], listed=invoices
        )
        legal_file = self.env["ar.legal.file"]._open_for([plan])
        self.assertEqual(legal_file._replies().mapped("note"), ["We contest the second delivery: never received."])
        cover = self.env["ir.actions.report"]._render_qweb_html("ar_collections.report_legal_cover", legal_file.ids)[0]
        self.assertIn(b"The customer's replies", cover)
        self.assertIn(b"never received", cover)
        self.assertIn(b"delivery-note.pdf", cover)
        self.assertNotIn(b"Out of office", cover.split(b"The customer's replies")[-1], "automatic replies aside")
        exhibits = legal_file._exhibits()
        replies = [exhibit for exhibit in exhibits if "replies" in exhibit.title]
        self.assertEqual(replies[0].pdfs, [remittance], "the customer's PDF is in the bundle; the broken one is not")
        self.assertIn(remittance, legal_file._bundle_parts())


@tagged("post_install", "-at_install")
class TestRepliesOverJsonRpc(HttpCase, ReplyCase):
    """Who may handle a reply, tried as each role over /web/dataset/call_kw."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for user in (cls.collector, cls.salesman):
            user.password = f"{user.login}_pw"
        cls.portal = cls._ar_user(
            "ar_reply_portal", "portal", partner_id=cls.customer.id, password="ar_reply_portal_pw"
        )

    def _rpc(self, user, model, method, *args):
        self.authenticate(user.login, f"{user.login}_pw")
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw", {"model": model, "method": method, "args": list(args), "kwargs": {}}
        )

    def _refused(self, user, model, method, *args):
        with self.assertRaises(Exception) as refusal:
            self._rpc(user, model, method, *args)
        self.assertRegex(str(refusal.exception), "AccessError|UserError|MissingError", f"{model}.{method}")

    def test_only_a_collector_handles_a_reply_and_nobody_rewrites_it(self):
        __, email = self._emailed()
        reply = self._reply(email)
        self._refused(self.salesman, "ar.collection.event", "action_handle_reply", reply.ids)
        self._refused(self.salesman, "ar.collection.reply.wizard", "create", {"reply_id": reply.id, "answer": "none"})
        self._refused(self.portal, "ar.collection.event", "read", reply.ids, ["note"])
        self._refused(self.portal, "ar.collection.event", "action_handle_reply", reply.ids)
        # Not even its collector may mark it handled by hand, or forge another event as its handler.
        self._refused(self.collector, "ar.collection.event", "write", reply.ids, {"handled_by_id": email.id})
        self.assertEqual(reply.reply_state, "pending")

        action = self._rpc(self.collector, "ar.collection.event", "action_handle_reply", reply.ids)
        self.assertEqual(action["res_model"], "ar.collection.reply.wizard")
        wizard_id = self._rpc(
            self.collector, "ar.collection.reply.wizard", "create", {"reply_id": reply.id, "answer": "none"}
        )
        self._rpc(self.collector, "ar.collection.reply.wizard", "action_confirm", [wizard_id])
        self.assertEqual(reply.reply_state, "handled")
        self.assertEqual(reply.handled_by_id.user_id, self.collector)
        wizard_id = self._rpc(
            self.collector, "ar.collection.reply.wizard", "create", {"reply_id": reply.id, "answer": "none"}
        )
        self._refused(self.collector, "ar.collection.reply.wizard", "action_confirm", [wizard_id])

    def test_a_collector_cannot_attach_another_customers_invoices_to_a_reply(self):
        __, email = self._emailed()
        reply = self._reply(email)
        other = self._ar_invoice(self._ar_customer("Other Customer"), 90.0, days_overdue=2)
        wizard_id = self._rpc(
            self.collector,
            "ar.collection.reply.wizard",
            "create",
            {"reply_id": reply.id, "answer": "promise", "move_ids": [(6, 0, other.ids)], "promised_date": "2099-01-01"},
        )
        self._refused(self.collector, "ar.collection.reply.wizard", "action_confirm", [wizard_id])
        self.assertFalse(other.ar_promise_id)
        self.assertEqual(reply.reply_state, "pending")
