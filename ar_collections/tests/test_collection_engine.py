from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time
from lxml import etree

import odoo
from odoo.tests import tagged
from odoo.tools import html_sanitize

from ..models import account_move
from ..models import ir_qweb
from .common import ArCollectionsCommon

STAGES = ["courtesy", "friendly", "second", "demand", "lawyer", "legal"]


def deliver(events):
    """Send these events' emails through Odoo's mail queue, accepted without a mail server: Odoo's
    test mode (on under Odoo's runner, not under pytest-odoo for 18.0) skips the SMTP dialogue."""
    with patch.object(odoo.modules.module, "current_test", True):
        events.mail_id.filtered(lambda mail: mail.state == "outgoing").sudo().send()


class CollectionCase(ArCollectionsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Only this test company is collected (the database has demo companies too).
        other_companies = cls.env["res.company"].search([("id", "!=", cls.env.company.id)])
        other_companies.sudo().write({"ar_collection_enabled": False})
        cls.Profile = cls.env["ar.credit.profile"]
        cls.stage = {key: cls.env.ref(f"ar_collections.stage_{key}") for key in STAGES}
        cls.collector = cls._ar_user("ar_engine_collector", "collector", name="Cole Collector")
        cls.manager = cls._ar_user("ar_engine_manager", "credit_manager", name="Mia Manager")
        cls.env.company.ar_credit_manager_id = cls.manager
        cls.customer.ar_collector_id = cls.collector

    def _run(self, on_date, deliver=True, **kwargs):
        """The collection job on ``on_date``, then (``deliver``) Odoo's mail queue that day, as
        in production: the emails reach the customers, which serves the formal notices."""
        with freeze_time(on_date):
            done = self.env["ar.collection.engine"]._cron_escalate(**kwargs)
            if deliver:
                self._deliver_queue()
        return done

    def _deliver_queue(self):
        deliver(self.env["ar.collection.event"].search([("kind", "=", "email"), ("mail_id", "!=", False)]))

    def _events(self, partner=None, kind=None):
        domain = [("partner_id", "=", (partner or self.customer).id)]
        if kind:
            domain.append(("kind", "=", kind))
        return self.env["ar.collection.event"].search(domain, order="id")

    def _emails(self, partner=None):
        return self._events(partner, "email").filtered(lambda event: not event.failed)


@tagged("post_install", "-at_install")
class TestShippedPolicy(CollectionCase):
    def test_the_shipped_ladder_follows_the_guides(self):
        policy = self.env.ref("ar_collections.ar_collection_policy_default")
        stages = policy._stages_for(self.env.company)
        self.assertEqual(
            [(stage.offset_days, stage.name) for stage in stages],
            [
                (-3, "Courtesy reminder"),
                (1, "Friendly reminder"),
                (7, "Second reminder"),
                (15, "Demand letter"),
                (30, "Lawyer letter"),
                (60, "Legal file"),
            ],
        )
        self.assertTrue(all(stage.mail_template_id for stage in stages), "every stage has its mail template")
        self.assertEqual(self.stage["second"].report_id, self.env.ref("ar_collections.action_report_reminder_letter"))
        self.assertEqual(self.stage["demand"].report_id, self.env.ref("ar_collections.action_report_demand_letter"))
        self.assertTrue(self.stage["demand"].charge_fee)
        self.assertEqual(self.stage["demand"].activity_user, "credit_manager")
        self.assertTrue(self.stage["lawyer"].put_on_hold)
        self.assertTrue(self.stage["legal"].open_legal_file)
        self.assertEqual(self.stage["friendly"].activity_type_id, self.env.ref("mail.mail_activity_data_call"))


@tagged("post_install", "-at_install")
class TestEscalation(CollectionCase):
    def test_an_invoice_climbs_the_ladder_stage_by_stage(self):
        invoice = self._ar_invoice(self.customer, 1000.0, days_overdue=-10)
        due = invoice.invoice_date_due
        self.assertEqual(invoice.ar_next_action_date, due - timedelta(days=3), "the courtesy reminder comes first")
        reached = []
        for days in (-3, 1, 7, 15, 30, 60):
            self._run(due + timedelta(days=days))
            reached.append(invoice.ar_stage_id)
        self.assertEqual(reached, [self.stage[key] for key in STAGES])
        self.assertEqual(
            len(self._emails()), 6, "courtesy, friendly, second, demand, lawyer, and the legal file's notice"
        )
        self.assertFalse(invoice.ar_next_action_date, "past the last stage")
        profile = self._ar_profile(self.customer)
        self.assertTrue(profile.hold)
        self.assertEqual(profile.hold_cause, "collection")
        self.assertEqual(len(profile.legal_file_ids), 1)
        self.assertEqual(profile.legal_file_ids.amount_claimed, 1000.0)

    def test_a_customer_20_days_late_gets_the_demand_letter_once_whatever_the_runs(self):
        invoice = self._ar_invoice(self.customer, 1000.0, days_overdue=20)
        today = self._ar_today()
        for _run in range(3):
            self._run(today)
        emails = self._emails()
        self.assertEqual(len(emails), 1)
        self.assertEqual(emails.stage_id, self.stage["demand"])
        self.assertEqual(invoice.ar_stage_id, self.stage["demand"], "straight to the highest stage passed")
        self.assertEqual(invoice.ar_next_action_date, invoice.invoice_date_due + timedelta(days=30))
        self.assertEqual(emails.attachment_id.res_model, "ar.collection.event")
        self.assertIn("Demand Letter", emails.attachment_id.name)

    def test_one_communication_per_customer_at_the_highest_stage_due(self):
        recent = self._ar_invoice(self.customer, 300.0, days_overdue=2)
        older = self._ar_invoice(self.customer, 700.0, days_overdue=16)
        self._run(self._ar_today())
        emails = self._emails()
        self.assertEqual(len(emails), 1)
        self.assertEqual(emails.stage_id, self.stage["demand"])
        self.assertEqual(emails.move_ids, older | recent, "the letter lists every overdue invoice")
        self.assertEqual(emails.amount_due, 1000.0)
        self.assertEqual(emails.days_overdue, 16)
        self.assertEqual((recent.ar_stage_id, older.ar_stage_id), (self.stage["friendly"], self.stage["demand"]))
        mail = emails.mail_id
        self.assertEqual(mail.recipient_ids, self.customer)
        self.assertIn(recent.name, mail.body_html)
        self.assertIn(older.name, mail.body_html)
        self.assertEqual(mail.attachment_ids, emails.attachment_id)

    def test_the_email_goes_to_the_invoicing_contact(self):
        contact = self._ar_contact(self.customer, "Accounts Payable", type="invoice", email="ap@acme.example.com")
        self._ar_invoice(self.customer, 100.0, days_overdue=2)
        self._run(self._ar_today())
        self.assertEqual(self._emails().mail_id.recipient_ids, contact)

    def test_collection_logs_the_letter_on_the_customer_and_each_invoice(self):
        invoices = self._ar_invoice(self.customer, 100.0, days_overdue=8) | self._ar_invoice(
            self.customer, 200.0, days_overdue=9
        )
        self._run(self._ar_today())
        attachment = self._emails().attachment_id
        for record in (self.customer, *invoices):
            notes = record.message_ids.filtered(lambda message: attachment in message.attachment_ids)
            self.assertEqual(len(notes), 1, f"one note with the letter on {record.display_name}")
        self.assertIn("Second reminder sent", notes.body)

    def test_activities_go_to_the_collector_and_the_credit_manager(self):
        self._ar_invoice(self.customer, 100.0, days_overdue=2)
        self._run(self._ar_today())
        call = self.customer.activity_ids
        self.assertEqual(
            (call.user_id, call.activity_type_id), (self.collector, self.env.ref("mail.mail_activity_data_call"))
        )
        self._ar_invoice(self.customer, 100.0, days_overdue=15)
        self._run(self._ar_today())
        demand = self.customer.activity_ids - call
        self.assertEqual(demand.user_id, self.manager)

    def test_paused_invoices_and_customers_are_left_alone(self):
        paid = self._ar_invoice(self.customer, 100.0, days_overdue=20)
        self._ar_pay(paid)
        excluded = self._ar_invoice(self.customer, 100.0, days_overdue=20)
        excluded.action_ar_exclude()
        self.assertFalse(paid.ar_next_action_date)
        self.assertFalse(excluded.ar_next_action_date)
        self._run(self._ar_today())
        self.assertFalse(self._events())

        paused = self._ar_customer("Flooded Warehouse Ltd")
        self._ar_invoice(paused, 100.0, days_overdue=20)
        self.env["ar.collection.pause.wizard"].with_user(self.manager).create(
            {
                "partner_ids": [(6, 0, paused.ids)],
                "until": self._ar_today() + timedelta(days=30),
                "reason": "Warehouse flooded",
            }
        ).action_pause()
        self._run(self._ar_today())
        self.assertFalse(self._emails(paused), "force majeure: paused")
        self._run(self._ar_today() + timedelta(days=31))
        self.assertEqual(len(self._emails(paused)), 1, "the pause is over")

    def test_blacklisted_customers_still_escalate(self):
        self._ar_invoice(self.customer, 100.0, days_overdue=20)
        self.Profile._get_or_create(self.customer, self.env.company)._set_blacklist("Fraud")
        self._run(self._ar_today())
        self.assertEqual(len(self._emails()), 1)

    def test_customers_without_email_get_a_letter_to_post(self):
        no_email = self._ar_customer("Paper Only Ltd", email=False)
        self._ar_invoice(no_email, 100.0, days_overdue=8)
        self._run(self._ar_today())
        letter = self._events(no_email)
        self.assertEqual((letter.kind, letter.to_print, letter.mail_id.id), ("letter", True, False))
        self.assertTrue(letter.attachment_id, "the reminder letter is ready to print")
        self.assertTrue(
            any("Print and post" in (activity.summary or "") for activity in no_email.activity_ids),
            "someone is asked to post it",
        )

    def test_without_courtesy_reminders_the_first_stage_is_the_friendly_one(self):
        self.env.company.ar_use_courtesy_stage = False
        invoice = self._ar_invoice(self.customer, 100.0, days_overdue=-10)
        self.assertEqual(invoice.ar_next_action_date, invoice.invoice_date_due + timedelta(days=1))
        self._run(invoice.invoice_date_due - timedelta(days=3))
        self.assertFalse(self._events())

    def test_a_stage_waits_for_its_minimum_amount(self):
        self.stage["demand"].min_amount = 5000.0
        invoice = self._ar_invoice(self.customer, 1000.0, days_overdue=20)
        self._run(self._ar_today())
        self.assertEqual(self._emails().stage_id, self.stage["second"], "the highest stage whose minimum is reached")
        self.assertEqual(invoice.ar_stage_id, self.stage["second"])

    def test_communications_can_be_spaced(self):
        policy = self.env.ref("ar_collections.ar_collection_policy_default")
        policy.min_days_between = 10
        invoice = self._ar_invoice(self.customer, 100.0, days_overdue=2)
        today = self._ar_today()
        self._run(today)
        self.assertEqual(invoice.ar_stage_id, self.stage["friendly"])
        self._run(today + timedelta(days=5))  # second reminder due, but only 5 days after the last one
        self.assertEqual(len(self._emails()), 1)
        self.assertEqual(invoice.ar_next_action_date, today + timedelta(days=10))
        self._run(today + timedelta(days=10))
        self.assertEqual(len(self._emails()), 2)

    def test_a_failing_email_is_logged_on_its_customer_and_the_others_go_on(self):
        unlucky = self._ar_customer("Unlucky Ltd")
        for partner in (self.customer, unlucky):
            self._ar_invoice(partner, 100.0, days_overdue=2)
        send = type(self.env["ar.collection.event"])._send_stage_emails

        def failing_send(events, template):
            if unlucky in events.partner_id:
                raise ValueError("SMTP server refused the recipient")
            return send(events, template)

        with patch.object(type(self.env["ar.collection.event"]), "_send_stage_emails", failing_send):
            done = self._run(self._ar_today())
        self.assertEqual(done, 1)
        self.assertEqual(len(self._emails()), 1)
        failure = self._events(unlucky)
        self.assertEqual(len(failure), 1, "nothing of the failed attempt is kept but the failure itself")
        self.assertTrue(failure.failed)
        self.assertIn("SMTP server refused the recipient", failure.note)
        self.assertTrue(unlucky.activity_ids.filtered(lambda a: a.summary == "Collection failed"))
        self.assertFalse(self.env["account.move"].search([("partner_id", "=", unlucky.id)]).ar_stage_id)

    def test_a_bounce_at_sending_marks_the_email_failed(self):
        invoice = self._ar_invoice(self.customer, 100.0, days_overdue=2)
        self._run(self._ar_today())
        event = self._emails()
        event.mail_id.write({"state": "exception"})
        event.mail_id._postprocess_sent_message(
            success_pids=[], failure_reason="550 mailbox unavailable", failure_type="mail_bounce"
        )
        self.assertTrue(event.failed)
        self.assertIn("550 mailbox unavailable", event.failure_reason)
        self.assertFalse(invoice.ar_stage_id, "not told: the invoice did not advance")
        self.assertTrue(self.customer.activity_ids.filtered(lambda a: a.summary == "Collection email not sent"))

    def test_a_run_takes_each_customer_once_batch_after_batch_even_one_still_due(self):
        # Batches of one customer. Unlucky's email fails, so it is still due after its batch:
        # the run goes on after it, in the order of the profiles, and never takes it again.
        self.env.company.ar_collection_batch_size = 1
        unlucky = self._ar_customer("Unlucky Ltd")
        others = self._ar_customer("Second Ltd") | self._ar_customer("Third Ltd")
        for partner in unlucky | others:
            self._ar_invoice(partner, 100.0, days_overdue=20)
        Engine = type(self.env["ar.collection.engine"])
        Event = type(self.env["ar.collection.event"])
        lock, send = Engine._lock_due_profiles, Event._send_stage_emails
        taken = []

        def recorded_lock(engine, *args, **kwargs):
            profiles = lock(engine, *args, **kwargs)
            taken.extend(profiles.ids)
            return profiles

        def failing_send(events, template):
            if unlucky in events.partner_id:
                raise ValueError("SMTP server refused the recipient")
            return send(events, template)

        with (
            patch.object(Engine, "_lock_due_profiles", recorded_lock),
            patch.object(Event, "_send_stage_emails", failing_send),
        ):
            self._run(self._ar_today())
        self.assertEqual(taken, sorted(set(taken)), "each customer once, in the order of their profiles")
        self.assertIn(self._ar_profile(unlucky).id, taken)
        self.assertEqual(len(self._events(unlucky)), 1, "one failure, not retried in the same run")
        for partner in others:
            self.assertEqual(len(self._emails(partner)), 1)

    def test_a_run_cut_off_between_batches_finishes_the_rest_the_next_time(self):
        self.env.company.ar_collection_batch_size = 1
        customers = self.customer | self._ar_customer("Second Ltd") | self._ar_customer("Third Ltd")
        for partner in customers:
            self._ar_invoice(partner, 100.0, days_overdue=20)
        # A time budget of zero stops after the first batch, as a killed worker would.
        first = self._run(self._ar_today(), time_budget=-1)
        self.assertEqual(first, 1)
        second = self._run(self._ar_today())
        self.assertEqual(second, 2)
        for partner in customers:
            self.assertEqual(len(self._emails(partner)), 1, f"{partner.name} got exactly one letter")
        self.assertEqual(self._run(self._ar_today()), 0)

    def test_send_now_sends_the_next_stage_before_its_day(self):
        invoice = self._ar_invoice(self.customer, 100.0, days_overdue=3)
        self._run(self._ar_today())
        self.assertEqual(invoice.ar_stage_id, self.stage["friendly"])
        invoice.with_user(self.collector).action_ar_send_now()
        self.assertEqual(invoice.ar_stage_id, self.stage["second"])
        self.assertEqual(len(self._emails()), 2)

    def test_stage_changes_move_the_next_action_dates(self):
        invoice = self._ar_invoice(self.customer, 100.0, days_overdue=-10)
        self.stage["courtesy"].offset_days = -5
        self.assertEqual(invoice.ar_next_action_date, invoice.invoice_date_due - timedelta(days=5))

    def test_a_stage_change_over_many_invoices_recomputes_them_chunk_by_chunk(self):
        # Past REFRESH_CHUNK open invoices, an admin's change computes their next collection
        # dates now, chunk by chunk (a million at once outgrow Odoo's memory limit).
        invoices = self.env["account.move"].create(
            [self._ar_invoice_values(self.customer, 10.0, days_overdue=-10 - index) for index in range(5)]
        )
        invoices.action_post()
        chunks = []
        split_every = account_move.split_every

        def counted(size, ids):
            for chunk in split_every(size, ids):
                chunks.append(len(chunk))
                yield chunk

        with patch.object(account_move, "REFRESH_CHUNK", 2), patch.object(account_move, "split_every", counted):
            self.stage["courtesy"].offset_days = -5
        Move = self.env["account.move"].sudo()  # every company's, as the refresh
        open_count = Move.search_count(Move._ar_open_invoice_domain())
        self.assertEqual(len(chunks), (open_count + 1) // 2, chunks)
        self.assertLessEqual(max(chunks), 2)
        self.assertEqual(
            invoices.mapped("ar_next_action_date"),
            [invoice.invoice_date_due - timedelta(days=5) for invoice in invoices],
        )

    def test_the_job_query_count_does_not_grow_with_invoices(self):
        warm, few, many = (self._ar_customer(name) for name in ("Warm-up", "Few Invoices", "Many Invoices"))
        self._ar_invoice(warm, 10.0, days_overdue=20)
        self.env["account.move"].create(
            [self._ar_invoice_values(few, 10.0, days_overdue=20 + index) for index in range(10)]
        ).action_post()
        self.env["account.move"].create(
            [self._ar_invoice_values(many, 10.0, days_overdue=20 + index % 10) for index in range(100)]
        ).action_post()
        (warm | few | many).ar_collector_id = self.collector

        def queries(partner):
            profile = self._ar_profile(partner)
            self.env.invalidate_all()
            start = self.env.cr.sql_log_count
            with freeze_time(self._ar_today()):
                self.env["ar.collection.engine"]._run_collection(profile)
            return self.env.cr.sql_log_count - start

        queries(warm)  # compiles the letter and email templates once
        ten, hundred = queries(few), queries(many)
        self.assertEqual(len(self._emails(many).move_ids), 100)
        self.assertLessEqual(hundred, ten + 5, f"10 invoices: {ten} queries, 100 invoices: {hundred}")

    def _batch_of_customers(self, prefix, count):
        partners = self.env["res.partner"].union(*(self._ar_customer(f"{prefix} {i}") for i in range(count)))
        self.env["account.move"].create(
            [self._ar_invoice_values(partner, 100.0, days_overdue=20) for partner in partners]
        ).action_post()
        partners.ar_collector_id = self.collector
        return partners

    def _run_batch(self, partners):
        """Run the collection of these customers as one batch; return its query count."""
        profiles = self.Profile.union(*(self._ar_profile(partner) for partner in partners))
        self.env.invalidate_all()
        start = self.env.cr.sql_log_count
        with freeze_time(self._ar_today()):
            done = self.env["ar.collection.engine"]._run_collection(profiles)
        self.assertEqual(done, len(partners))
        return self.env.cr.sql_log_count - start

    def test_a_batch_costs_the_same_queries_for_3_or_12_customers(self):
        """The batch is done set-wise: events, emails, activities, holds and stage changes are
        each created or written once for all its customers (letters: see the next test)."""
        self.stage["demand"].write({"put_on_hold": True, "print_letter": False})
        self._run_batch(self._batch_of_customers("Warm-up", 2))  # compiles the email template once
        three, twelve = self._batch_of_customers("Three", 3), self._batch_of_customers("Twelve", 12)
        few, many = self._run_batch(three), self._run_batch(twelve)
        self.assertLessEqual(many, few + 5, f"3 customers: {few} queries, 12 customers: {many}")
        for partner in three | twelve:
            event = self._emails(partner)
            self.assertEqual(event.stage_id, self.stage["demand"])
            self.assertEqual(event.mail_id.recipient_ids, partner)
            self.assertIn(partner.name, event.mail_id.body_html)
            self.assertTrue(self._ar_profile(partner).hold)
            self.assertTrue(partner.activity_ids.filtered(lambda activity: activity.user_id == self.manager))

    def test_a_batch_compiles_its_email_body_once_and_an_edited_body_anew(self):
        """Odoo compiles a mail template's body for every record it renders; a batch of
        collection emails compiles it once, and an edited template is not served stale."""
        self.stage["demand"].write({"print_letter": False})
        template = self.stage["demand"].mail_template_id
        IrQweb = type(self.env["ir.qweb"])
        generate = IrQweb._generate_code
        inline = []

        def counting(qweb, source):
            if isinstance(source, etree._Element):
                inline.append(source)
            return generate(qweb, source)

        # Odoo generates the body's code once more per batch, to check it for unsafe expressions.
        with patch.object(IrQweb, "_generate_code", counting), patch.dict(ir_qweb._COMPILED, clear=True):
            self._run_batch(self._batch_of_customers("Compiled", 6))
            self.assertEqual(len(inline), 2, "the body is compiled once for the 6 emails, not 6 times")
            template.body_html = template.body_html.replace("Dear", "Dear valued customer")
            partners = self._batch_of_customers("Edited", 4)
            self._run_batch(partners)
        self.assertEqual(len(inline), 4, "the edited body compiles once more")
        for partner in partners:
            body = self._emails(partner).mail_id.body_html
            self.assertIn("Dear valued customer", body)
            self.assertIn(partner.name, body)
            self.assertIn("$ 100.00", body.replace("\xa0", " "), "the amount due, formatted")
            self.assertNotIn("move_ids", body, "the template's code stays out of the customer's email")

    def test_a_batch_sanitizes_each_body_once_as_the_orm_stores_it(self):
        """The ORM sanitizes an HTML body three times when it creates an email's message; a
        batch sanitizes each email and note once, and stores what the ORM would have."""
        self.stage["demand"].write({"print_letter": False})
        template = self.stage["demand"].mail_template_id
        template.body_html = template.body_html.replace("<p>Dear", "<script>alert('x')</script><p>Dear")
        partners = self._batch_of_customers("Sanitized", 4)
        bodies = []

        def counting(src, *args, **kwargs):
            bodies.append(str(src or ""))
            return html_sanitize(src, *args, **kwargs)

        with patch.object(odoo.fields, "html_sanitize", counting):
            self._run_batch(partners)
        emails = [body for body in bodies if "Dear" in body]
        notes = [body for body in bodies if "letter sent" in body]
        self.assertEqual((len(emails), len(notes)), (4, 4), "each email and each invoice's note sanitized once")
        for partner in partners:
            mail = self._emails(partner).mail_id
            self.assertNotIn("<script", mail.mail_message_id.body)
            self.assertIn(partner.name, mail.mail_message_id.body)
            by_orm = self.env["mail.message"].create(
                {"body": mail.body_html, "model": "res.partner", "res_id": partner.id}
            )
            self.assertEqual(mail.mail_message_id.body, by_orm.body)
            note = partner.invoice_ids.message_ids.filtered(
                lambda message: message.subtype_id == self.env.ref("mail.mt_note")
            )
            self.assertTrue(note.body)

    def test_in_a_batch_each_email_carries_its_own_customers_letter(self):
        partners = self._batch_of_customers("Lettered", 3)
        self._run_batch(partners)
        for partner in partners:
            event = self._emails(partner)
            self.assertTrue(event.attachment_id)
            self.assertEqual((event.attachment_id.res_model, event.attachment_id.res_id), (event._name, event.id))
            self.assertEqual(event.mail_id.attachment_ids, event.attachment_id)
            self.assertIn(partner.name, event.attachment_id.raw.decode())

    def test_a_customer_of_two_companies_is_collected_by_each_in_one_batch(self):
        eur = self.setup_other_currency("EUR", rates=[("2000-01-01", 2.0)])
        company_2 = self.setup_other_company(name="Second Collections Co", currency_id=eur.id)["company"]
        company_2.write({"ar_collection_enabled": True, "ar_credit_manager_id": self.manager.id})
        self.env.user.company_ids |= company_2
        self._ar_invoice(self.customer, 100.0, days_overdue=20)
        self._ar_invoice(self.customer, 700.0, days_overdue=20, company=company_2)
        profiles = self._ar_profile(self.customer) | self._ar_profile(self.customer, company_2)
        with freeze_time(self._ar_today()):
            self.assertEqual(self.env["ar.collection.engine"]._run_collection(profiles), 2)
        events = self._emails()
        self.assertEqual(events.company_id, self.env.company | company_2)
        for event in events:
            self.assertEqual(event.move_ids.company_id, event.company_id, "each company lists its own invoices")
        notes = self.customer.message_ids.filtered(lambda message: "overdue" in message.body).mapped("body")
        self.assertEqual(len(notes), 2)
        self.assertTrue(any("$" in note and "100.00" in note for note in notes), notes)
        self.assertTrue(any("€" in note and "700.00" in note for note in notes), "in the second company's currency")
