"""The night jobs work set-wise: the monthly statements, the promise follow-up and the
payment-plan follow-up cost the same queries for a batch of 3 customers as for 12, and each
customer still gets what it got one by one; a batch's statements print together, their
figures in the same queries for one customer or many; a statements run cut off midway sends
each customer its statement once, the rest on the next run."""

import io
from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged
from odoo.tools import format_date
from odoo.tools import html2plaintext

from .test_collection_engine import CollectionCase

PLACEHOLDER_PDF = b"%PDF-1.4 test placeholder"


class NightJobsCase(CollectionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Only this test company's records are the jobs' business (the database has demo data).
        others = cls.env["res.company"].sudo().search([("id", "!=", cls.env.company.id)])
        others.write({"ar_statement_monthly": False})
        for model, state in (("ar.collection.promise", "open"), ("ar.payment.plan", "active")):
            cls.env[model].sudo().search([("company_id", "!=", cls.env.company.id), ("state", "=", state)]).write(
                {"state": "cancelled"}
            )

    def _invoices(self, prefix, count, amount=300.0):
        """An invoice 20 days overdue of each of ``count`` new customers of the collector."""
        partners = self.env["res.partner"].union(*(self._ar_customer(f"{prefix} {i}") for i in range(count)))
        invoices = self.env["account.move"].create(
            [self._ar_invoice_values(partner, amount, days_overdue=20) for partner in partners]
        )
        invoices.action_post()
        partners.ar_collector_id = self.collector
        return invoices

    def _ledger(self, partner, kind):
        return self.env["ar.collection.event"].search([("partner_id", "=", partner.id), ("kind", "=", kind)])

    def _activities(self, partner, summary):
        return partner.activity_ids.filtered(lambda activity: activity.summary == summary)

    def _queries(self, run):
        """The queries ``run()`` costs, the cache emptied first."""
        self.env.invalidate_all()
        start = self.env.cr.sql_log_count
        run()
        return self.env.cr.sql_log_count - start


@tagged("post_install", "-at_install")
class TestMonthlyStatements(NightJobsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.ar_statement_monthly = True
        cls.date_to = cls._ar_today().replace(day=1) - timedelta(days=1)
        cls.date_from = cls.date_to.replace(day=1)
        cls.report = cls.env.ref("ar_collections.action_report_statement")

    def _placeholder_pdfs(self):
        """wkhtmltopdf replaced by a placeholder PDF per record: what the job costs is its own
        work, the same whether wkhtmltopdf is installed or not (run with force_report_rendering)."""

        def streams(report, report_ref, data, res_ids=None):
            return {res_id: {"stream": io.BytesIO(PLACEHOLDER_PDF), "attachment": None} for res_id in res_ids}

        return patch.object(
            type(self.env["ir.actions.report"]), "_render_qweb_pdf_prepare_streams", autospec=True, side_effect=streams
        )

    def _run_batch(self, partners):
        """Run the job over these customers as one batch, the PDFs as placeholders; return its query count."""
        Partner = self.env["res.partner"].with_context(force_report_rendering=True)
        with self._placeholder_pdfs():
            count = self._queries(lambda: self.assertEqual(Partner._cron_ar_monthly_statements(), len(partners)))
        return count

    def _assert_one_statement_each(self, partners):
        note = (
            f"Statement of account from {format_date(self.env, self.date_from)} to "
            f"{format_date(self.env, self.date_to)} emailed."
        )
        for partner in partners:
            event = self._ledger(partner, "statement")
            self.assertEqual(len(event), 1, f"{partner.name}: one statement")
            self.assertEqual(event.note, note)
            attachment = event.attachment_id
            self.assertTrue(attachment.name.startswith(f"{self.report.name} - {partner.name} - {self.date_to}."))
            self.assertEqual((attachment.res_model, attachment.res_id), ("res.partner", partner.id))
            mail = event.mail_id
            self.assertEqual(mail.attachment_ids, attachment, "each email carries its own customer's statement")
            self.assertEqual(mail.recipient_ids, partner)
            self.assertEqual((mail.model, mail.res_id), ("res.partner", partner.id), "in the customer's chatter")
            self.assertEqual(event.mail_message_id, mail.mail_message_id)
            self.assertIn(partner.name, mail.body_html)
            self.assertEqual(self._ar_profile(partner).statement_sent_until, self.date_to)

    def _assert_no_statement(self, partners):
        for partner in partners:
            self.assertFalse(self._ledger(partner, "statement"), f"{partner.name}: no statement yet")
            self.assertFalse(self.env["mail.mail"].search([("model", "=", "res.partner"), ("res_id", "=", partner.id)]))
            self.assertFalse(self._ar_profile(partner).statement_sent_until)

    def test_a_batch_of_statements_costs_the_same_queries_for_3_or_12_customers(self):
        self._run_batch(self._invoices("Warm-up", 2).partner_id)  # compiles the templates once
        three = self._invoices("Three", 3).partner_id
        few = self._run_batch(three)
        twelve = self._invoices("Twelve", 12).partner_id
        many = self._run_batch(twelve)
        self.assertLessEqual(many, few + 5, f"3 customers: {few} queries, 12 customers: {many}")
        self._assert_one_statement_each(three | twelve)
        for partner in three | twelve:
            self.assertEqual(self._ledger(partner, "statement").attachment_id.raw, PLACEHOLDER_PDF)

    def test_the_statements_of_a_language_print_in_one_go(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        english = self._invoices("English", 3).partner_id
        chinese = self._invoices("Chinese", 2).partner_id
        chinese.lang = "zh_CN"
        Partner = self.env["res.partner"].with_context(force_report_rendering=True)
        with self._placeholder_pdfs() as render:
            self.assertEqual(Partner._cron_ar_monthly_statements(), 5)
        printed = sorted(sorted(call.kwargs["res_ids"]) for call in render.call_args_list)
        self.assertEqual(printed, sorted([sorted(english.ids), sorted(chinese.ids)]), "one rendering per language")
        self._assert_one_statement_each(english | chinese)

    def test_statements_printed_together_that_cannot_be_cut_are_printed_one_by_one(self):
        def streams(report, report_ref, data, res_ids=None):
            if len(res_ids) > 1:  # as Odoo leaves a patched wkhtmltopdf's PDF it finds no headings to cut at
                return {False: {"stream": io.BytesIO(PLACEHOLDER_PDF), "attachment": None}}
            return {res_ids[0]: {"stream": io.BytesIO(f"%PDF-1.4 {res_ids[0]}".encode()), "attachment": None}}

        partners = self._invoices("Uncut", 3).partner_id
        Partner = self.env["res.partner"].with_context(force_report_rendering=True)
        Report = type(self.env["ir.actions.report"])
        with patch.object(Report, "_render_qweb_pdf_prepare_streams", autospec=True, side_effect=streams):
            self.assertEqual(Partner._cron_ar_monthly_statements(), 3)
        for partner in partners:
            self.assertEqual(self._ledger(partner, "statement").attachment_id.raw, f"%PDF-1.4 {partner.id}".encode())

    def test_a_run_cut_off_midway_sends_the_rest_next_time_and_nobody_twice(self):
        partners = self._invoices("Restart", 5).partner_id
        Partner = self.env["res.partner"]
        # A budget of zero runs one batch, as a job cut off (or crashed) after its first commit.
        self.assertEqual(Partner._cron_ar_monthly_statements(batch_size=2, time_budget=0), 2)
        profiles = self.Profile.search([("partner_id", "in", partners.ids)], order="id")
        first = profiles[:2].partner_id
        self._assert_one_statement_each(first)
        self._assert_no_statement(partners - first)

        self.assertEqual(Partner._cron_ar_monthly_statements(batch_size=2), 3, "the rest, batch after batch")
        self._assert_one_statement_each(partners)
        self.assertEqual(Partner._cron_ar_monthly_statements(batch_size=2), 0)
        self._assert_one_statement_each(partners)

    def test_the_statements_of_a_batch_are_those_of_each_customer_alone(self):
        parent = self._invoices("Group", 1).partner_id
        subsidiary = self._ar_customer("Group Subsidiary", parent_id=parent.id)
        self._ar_invoice(subsidiary, 70.0, days_overdue=5)
        self._ar_invoice(self._ar_contact(parent, "Group Accounts"), 40.0, days_overdue=5)
        others = self._invoices("Other", 12).partner_id
        Statement = self.env["report.ar_collections.report_statement"]
        period = self._ar_today() - timedelta(days=90), self._ar_today()
        customers = parent | subsidiary | others
        self._queries(lambda: Statement._get_statements(customers, *period))  # the caches warm
        many = self._queries(lambda: Statement._get_statements(customers, *period))
        one = self._queries(lambda: Statement._get_statements(others[0], *period))
        self.assertLessEqual(many, one + 3, f"1 customer: {one} queries, 14 customers: {many}")
        batch = Statement._get_statements(customers, *period)
        for partner in customers:
            self.assertEqual(batch[partner.id], Statement._get_statement(partner, *period))
        # A customer's statement lists its contacts' and subsidiaries' entries, as printed alone.
        self.assertEqual([line["debit"] for line in batch[parent.id]["lines"]], [300.0, 70.0, 40.0])
        self.assertEqual(batch[parent.id]["closing"], 410.0)
        self.assertEqual(batch[subsidiary.id]["closing"], 70.0)
        self.assertEqual(batch[others[0].id]["closing"], 300.0)

    def test_a_statement_sent_by_hand_is_the_one_customer_case(self):
        partner = self._invoices("By hand", 1).partner_id
        values = partner._ar_send_statement(self.date_from, self.date_to)
        mail = self.env["mail.mail"].browse(values["mail_id"])
        self.assertEqual(mail.attachment_ids.id, values["attachment_id"])
        self.assertEqual(mail.mail_message_id.id, values["mail_message_id"])
        self.assertEqual(mail.recipient_ids, partner)


@tagged("post_install", "-at_install")
class TestPromiseFollowUp(NightJobsCase):
    def _promises(self, prefix, count):
        """A promise of each of ``count`` new customers, in turn: paid (kept at the follow-up),
        unpaid past its deadline (broken) and unpaid, promised for later (still open)."""
        invoices = self._invoices(prefix, count)
        today = self._ar_today()
        promises = self.env["ar.collection.promise"].create(
            [
                {
                    "partner_id": invoice.partner_id.id,
                    "move_ids": [Command.set(invoice.ids)],
                    "promised_date": today + timedelta(days=30 if index % 3 == 2 else 2),
                    "amount": 300.0,
                }
                for index, invoice in enumerate(invoices)
            ]
        )
        self._ar_pay(invoices[::3])
        return promises

    def _follow_up_on(self, promises):
        """These promises followed up as one batch, 10 days on; return its query count."""
        with freeze_time(self._ar_today() + timedelta(days=10)):
            return self._queries(promises._check_deadline)

    def _assert_followed_up(self, promises):
        closed_on = self._ar_today() + timedelta(days=10)
        money = promises.currency_id.format
        for index, promise in enumerate(promises):
            partner, invoice = promise.partner_id, promise.move_ids
            events = self._ledger(partner, "promise")
            activities = self._activities(partner, "Broken promise to pay")
            if index % 3 == 0:
                self.assertEqual((promise.state, promise.closed_on), ("kept", closed_on))
                self.assertEqual(events.mapped("note"), [f"Promise kept: {money(300.0)} paid."])
                self.assertFalse(activities)
            elif index % 3 == 1:
                self.assertEqual((promise.state, promise.closed_on), ("broken", closed_on))
                note = f"Promise broken: {money(300.0)} promised by {promise.promised_date}, {money(0.0)} paid."
                self.assertEqual(events.mapped("note"), [note])
                self.assertEqual(activities.user_id, self.collector)
                self.assertEqual(html2plaintext(activities.note), note)
            else:
                self.assertEqual(promise.state, "open")
                self.assertFalse(events)
                self.assertFalse(activities)
                self.assertEqual(invoice.ar_promise_id, promise, "still promised")
                continue
            self.assertFalse(invoice.ar_promise_id, "released")
            self.assertEqual((events.promise_id, events.move_ids), (promise, invoice))
            self.assertEqual(events.promised_amount, 300.0)

    def test_a_batch_of_promises_costs_the_same_queries_for_3_or_12_customers(self):
        self._follow_up_on(self._promises("Warm-up", 3))
        three, twelve = self._promises("Three", 3), self._promises("Twelve", 12)
        few, many = self._follow_up_on(three), self._follow_up_on(twelve)
        self.assertLessEqual(many, few + 5, f"3 promises: {few} queries, 12 promises: {many}")
        self._assert_followed_up(three)
        self._assert_followed_up(twelve)

    def test_the_job_follows_up_every_open_promise(self):
        promises = self._promises("Job", 6)
        with freeze_time(self._ar_today() + timedelta(days=10)):
            self.assertEqual(self.env["ar.collection.promise"]._cron_follow_up(batch_size=4), 6)
        self._assert_followed_up(promises)


@tagged("post_install", "-at_install")
class TestPaymentPlanFollowUp(NightJobsCase):
    def _plans(self, prefix, count, **values):
        """An approved plan of two monthly instalments for each of ``count`` new customers, in
        turn: paid (honoured at the follow-up), its first instalment missed (broken) and its
        first instalment still to come (active)."""
        invoices = self._invoices(prefix, count)
        today = self._ar_today()
        plans = self.env["ar.payment.plan"].create(
            [
                {
                    "partner_id": invoice.partner_id.id,
                    "move_ids": [Command.set(invoice.ids)],
                    "instalment_count": 2,
                    "first_date": today + timedelta(days=30 if index % 3 == 2 else 7),
                    **values,
                }
                for index, invoice in enumerate(invoices)
            ]
        )
        plans.action_compute_schedule()
        plans.action_confirm()
        self._ar_pay(invoices[::3])
        return plans

    def _follow_up_on(self, plans):
        """These plans followed up as one batch, 11 days on (the first instalment and its
        grace days passed); return its query count."""
        with freeze_time(self._ar_today() + timedelta(days=11)):
            return self._queries(plans._check_schedule)

    def _assert_followed_up(self, plans):
        for index, plan in enumerate(plans):
            partner, invoice = plan.partner_id, plan.move_ids
            notes = self._ledger(partner, "plan").mapped("note")
            activities = self._activities(partner, "Broken payment plan")
            agreed = f"Payment plan {plan.name} agreed: 2 instalments."
            if index % 3 == 0:
                self.assertEqual(plan.state, "honoured")
                self.assertEqual(sorted(notes), sorted([agreed, f"Payment plan {plan.name} honoured."]))
                self.assertFalse(activities)
            elif index % 3 == 1:
                self.assertEqual(plan.state, "broken")
                first = plan.line_ids[0]
                note = (
                    f"Payment plan {plan.name} broken: the instalment of {first.date} "
                    f"({plan.currency_id.format(first.amount)}) was not paid."
                )
                self.assertEqual(sorted(notes), sorted([agreed, note]))
                self.assertEqual(activities.user_id, self.collector)
                self.assertEqual(html2plaintext(activities.note), note)
            else:
                self.assertEqual(plan.state, "active")
                self.assertEqual(notes, [agreed])
                self.assertEqual(invoice.ar_plan_id, plan, "still under the plan")
                continue
            self.assertFalse(invoice.ar_plan_id, "released")

    def test_a_batch_of_plans_costs_the_same_queries_for_3_or_12_customers(self):
        self._follow_up_on(self._plans("Warm-up", 3))
        three, twelve = self._plans("Three", 3), self._plans("Twelve", 12)
        few, many = self._follow_up_on(three), self._follow_up_on(twelve)
        self.assertLessEqual(many, few + 5, f"3 plans: {few} queries, 12 plans: {many}")
        self._assert_followed_up(three)
        self._assert_followed_up(twelve)

    def test_the_job_follows_up_every_active_plan(self):
        plans = self._plans("Job", 6)
        with freeze_time(self._ar_today() + timedelta(days=11)):
            self.assertEqual(self.env["ar.payment.plan"]._cron_follow_up(batch_size=4), 6)
        self._assert_followed_up(plans)

    def test_an_honoured_plan_that_waives_fees_cancels_its_late_fees(self):
        self.env.ref("ar_collections.ar_collection_policy_default").charge_late_fees = True
        self.env.company.write({"ar_late_fee_fixed": 25.0, "ar_late_fee_grace_days": 5})
        waiving, keeping = self._invoices("Waiving", 1), self._invoices("Keeping", 1)
        self._run(self._ar_today())  # the demand stage charges each invoice its late fee
        fees = {invoice: invoice.ar_late_fee_line_ids.move_id for invoice in waiving | keeping}
        self.assertTrue(all(fees.values()))
        plans = self.env["ar.payment.plan"].create(
            [
                {"partner_id": invoice.partner_id.id, "move_ids": [Command.set(invoice.ids)], "waive_fees": waive}
                for invoice, waive in ((waiving, True), (keeping, False))
            ]
        )
        plans.action_compute_schedule()
        plans.action_confirm()
        self._ar_pay(waiving | keeping)
        plans._check_schedule()
        self.assertEqual(plans.mapped("state"), ["honoured", "honoured"])
        self.assertEqual(fees[waiving].payment_state, "reversed", "waived by a credit note")
        waived = self._ledger(waiving.partner_id, "fee").filtered(lambda event: "waived" in event.note)
        self.assertIn(f"Payment plan {plans[0].name} honoured", waived.note)
        self.assertNotEqual(fees[keeping].payment_state, "reversed", "this plan keeps its fees")
