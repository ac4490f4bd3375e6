import io
import subprocess
from datetime import timedelta
from unittest.mock import patch

from PyPDF2 import PdfReader

from odoo import Command
from odoo.tests import HttpCase
from odoo.tests import tagged

from odoo.addons.ar_collections.models.ar_collection_engine import CollectionPlan

from .test_collection_engine import CollectionCase


class LetterCase(CollectionCase):
    """A customer with invoices in two currencies, one from a sale order, at the demand stage."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.eur = cls.setup_other_currency("EUR", rates=[("2000-01-01", 2.0)])
        company = cls.env.company
        company.write(
            {
                "ar_letter_signatory": "Grace Hopper, Credit Manager",
                "ar_late_payment_clause": "<p>Late payments bear interest at 1.5% per month (clause 9).</p>",
                "ar_late_fee_fixed": 25.0,
            }
        )
        cls.env.ref("ar_collections.ar_collection_policy_default").charge_late_fees = True
        cls.env["res.partner.bank"].create(
            {"acc_number": "DE89 3704 0044 0532 0130 00", "partner_id": company.partner_id.id}
        )
        cls.chinese = cls._ar_customer("杭州明达贸易有限公司", lang="zh_CN")
        order = cls._ar_sale_order(cls.customer, 1200.0, confirm=True, client_order_ref="PO-ACME-77")
        order.order_line.qty_delivered = 1
        cls.order_invoice = order._create_invoices()
        cls.order_invoice.write(
            {
                "invoice_date": cls._ar_today() - timedelta(days=50),
                "invoice_date_due": cls._ar_today() - timedelta(days=20),
            }
        )
        cls.order_invoice.action_post()
        cls.eur_invoice = cls._ar_invoice(cls.customer, 800.0, days_overdue=17, currency=cls.eur, ref="ACME-EU-3")
        for partner in (cls.customer, cls.chinese):
            cls._ar_invoice(partner, 300.0, days_overdue=3)
        cls._ar_invoice(cls.chinese, 4000.0, days_overdue=20)
        # An earlier reminder, then today's run at the demand stage.
        cls.env["ar.collection.engine"]._cron_escalate()

    def _event(self, partner):
        return self._emails(partner).filtered(lambda event: event.stage_id == self.stage["demand"])

    def _html(self, report, records, data=None):
        html, _format = self.env["ir.actions.report"]._render_qweb_html(report, records.ids, data=data)
        return html.decode().replace("\xa0", " ")


@tagged("post_install", "-at_install")
class TestLetterContents(LetterCase):
    def test_the_demand_letter_states_facts_clause_fees_deadline_and_consequences(self):
        event = self._event(self.customer)
        self.assertEqual(len(event.move_ids), 3)
        html = self._html("ar_collections.report_demand_letter", event)
        deadline = event.deadline_date
        for text in (
            "Formal demand for payment",
            self.order_invoice.name,
            self.order_invoice.invoice_line_ids.sale_line_ids.order_id.name,
            "PO-ACME-77",
            self.eur_invoice.name,
            "800.00</span> €",  # in the invoice's own currency
            '$ <span class="oe_currency_value">1,200.00',
            "Late payments bear interest at 1.5% per month (clause 9).",
            "Late payment fees charged so far",
            f"{deadline.month:02d}/{deadline.day:02d}/{deadline.year}",
            "we will suspend all deliveries",
            "DE89 3704 0044 0532 0130 00",
            "Grace Hopper, Credit Manager",
        ):
            self.assertIn(text, html)
        self.assertIn(">20<", html.replace(" ", ""), "days overdue of the order invoice")
        self.assertEqual(deadline, self._ar_today() + timedelta(days=7))

    def test_the_chinese_demand_letter_is_written_in_chinese(self):
        event = self._event(self.chinese)
        html = self._html("ar_collections.report_demand_letter", event)
        for text in (
            "催款函",
            "致：",
            "杭州明达贸易有限公司",
            "逾期天数",
            "欠款合计",
            "特此函告",
            "收款账户",
            "（盖章）",
        ):
            self.assertIn(text, html)
        self.assertNotIn("Formal demand for payment", html)

    def test_the_reminder_letter_lists_invoices_and_how_to_pay(self):
        event = self._emails(self.customer)[:1]
        html = self._html("ar_collections.report_reminder_letter", event)
        for text in (
            "Payment reminder",
            "How to pay",
            "If you have already paid, please ignore this letter",
            "Cole Collector",
        ):
            self.assertIn(text, html)

    def test_the_lawyer_letter_cites_the_earlier_reminders_from_the_ledger(self):
        firm = self._ar_customer("Wang & Partners Law Firm", street="88 Century Avenue", city="Shanghai")
        self.env.company.write({"ar_law_firm_id": firm.id, "ar_lawyer_name": "Wang Lei"})
        self.env["ar.collection.engine"]._cron_escalate()  # nothing new: the lawyer stage comes at +30 days
        Event = self.env["ar.collection.event"]
        lawyer = self.stage["lawyer"].id
        event = Event._log(
            self.customer, self.env.company, "letter", moves=self._event(self.customer).move_ids, stage_id=lawyer
        )
        html = self._html("ar_collections.report_lawyer_letter", event)
        self.assertIn("Wang &amp; Partners Law Firm", html)
        self.assertIn("We act for", html)
        self.assertIn("<span>Wang Lei</span>, Attorney at law", html)
        for reminder in event._prior_reminders():
            self.assertIn(reminder.stage_id.name, html)
        zh_event = Event._log(
            self.chinese, self.env.company, "letter", moves=self._event(self.chinese).move_ids, stage_id=lawyer
        )
        zh_html = self._html("ar_collections.report_lawyer_letter", zh_event)
        for text in ("律师函", "接受", "委托", "法律依据", "律师意见", "特此函告"):
            self.assertIn(text, zh_html)

    def test_the_statement_runs_the_balance_and_ages_the_open_items(self):
        partner = self._ar_customer("Statement Ltd")
        today = self._ar_today()
        before = self._ar_invoice(partner, 1000.0, days_overdue=70)  # dated 100 days ago: before the period
        during = self._ar_invoice(partner, 500.0, days_overdue=-5)
        self._ar_pay(before, amount=300.0, date=today - timedelta(days=10))
        self._ar_refund(partner, 100.0, days_overdue=-30)
        statement = self.env["report.ar_collections.report_statement"]._get_statement(
            partner, today - timedelta(days=60), today
        )
        self.assertEqual(statement["opening"], 1000.0)
        self.assertEqual([line["debit"] - line["credit"] for line in statement["lines"]], [500.0, -300.0, -100.0])
        self.assertEqual(statement["closing"], 1100.0)
        self.assertEqual(statement["aging"]["91_365"], 0.0)
        self.assertEqual(statement["aging"]["61_90"], 700.0)
        self.assertEqual(statement["aging"]["current"], 500.0 - 100.0)
        html = self._html(
            "ar_collections.report_statement",
            partner,
            data={"date_from": str(today - timedelta(days=60)), "date_to": str(today)},
        )
        for text in (
            "Statement of account",
            "Opening balance",
            "Closing balance",
            '<span class="oe_currency_value">1,100.00</span>',
            during.name,
            "We dispute this balance",
        ):
            self.assertIn(text, html)

    def test_the_payment_plan_agreement_in_both_languages(self):
        invoices = self._event(self.chinese).move_ids
        plan = self.env["ar.payment.plan"].create(
            {
                "partner_id": self.chinese.id,
                "move_ids": [Command.set(invoices.ids)],
                "instalment_count": 2,
                "waive_fees": True,
            }
        )
        plan.action_compute_schedule()
        html = self._html("ar_collections.report_payment_plan", plan)
        for text in ("还款计划补充协议", "甲方（债权人）", "乙方（债务人）", "免除", "一式两份"):
            self.assertIn(text, html)
        english = self.env["ar.payment.plan"].create(
            {
                "partner_id": self.customer.id,
                "move_ids": [Command.set(self._event(self.customer).move_ids.ids)],
                "instalment_count": 2,
                "waive_fees": True,
            }
        )
        english.action_compute_schedule()
        html = self._html("ar_collections.report_payment_plan", english)
        for text in ("Payment plan agreement", "the Creditor waives", "Missed instalment", "For the Debtor"):
            self.assertIn(text, html)

    def test_a_letter_printed_by_hand_is_logged(self):
        wizard = self.env["ar.collection.letter.wizard"].create(
            {"partner_ids": [Command.set(self.customer.ids)], "letter": "demand"}
        )
        action = wizard.action_print()
        event = self._events(kind="letter")[-1]
        self.assertEqual(action["report_name"], "ar_collections.report_demand_letter")
        self.assertEqual(action["context"]["active_ids"], event.ids)
        self.assertTrue(event.attachment_id)
        self.assertEqual(event.stage_id, self.stage["demand"])

    def test_statements_go_out_monthly_to_customers_with_a_balance(self):
        self.env.company.ar_statement_monthly = True
        sent = self.env["res.partner"]._cron_ar_monthly_statements()
        self.assertGreaterEqual(sent, 2)
        mail = self.env["mail.mail"].search([("model", "=", "res.partner"), ("res_id", "=", self.customer.id)], limit=1)
        self.assertIn("statement of account", mail.subject)
        self.assertTrue(mail.attachment_ids)


@tagged("post_install", "-at_install")
class TestLetterPdfs(LetterCase, HttpCase):
    """Real PDFs, rendered by wkhtmltopdf against this test server (for the report CSS)."""

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param("report.url", self.base_url())

    def _pdf(self, report, records, data=None):
        content, file_format = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(report, records.ids, data=data)
        )
        self.assertEqual(file_format, "pdf")
        self.assertTrue(content.startswith(b"%PDF"))
        return PdfReader(io.BytesIO(content), strict=False)

    def test_every_document_renders_to_a_real_pdf(self):
        today = self._ar_today()
        demand, zh_demand = self._event(self.customer), self._event(self.chinese)
        reminder = self._emails(self.customer)[:1]
        plan = self.env["ar.payment.plan"].create(
            {"partner_id": self.customer.id, "move_ids": [Command.set(demand.move_ids.ids)], "instalment_count": 3}
        )
        plan.action_compute_schedule()
        for report, records, data, pages in (
            ("ar_collections.report_reminder_letter", reminder, None, 1),
            # The demand letter, then its acknowledgement slip to return.
            ("ar_collections.report_demand_letter", demand, None, 2),
            ("ar_collections.report_demand_letter", zh_demand, None, 2),
            ("ar_collections.report_lawyer_letter", demand, None, 1),
            ("ar_collections.report_lawyer_letter", zh_demand, None, 1),
            ("ar_collections.report_payment_plan", plan, None, 1),
            (
                "ar_collections.report_statement",
                self.customer | self.chinese,
                {"date_from": str(today - timedelta(days=90)), "date_to": str(today)},
                2,
            ),
        ):
            with self.subTest(report=report, records=records.ids):
                self.assertEqual(len(self._pdf(report, records, data).pages), pages)

    def test_several_letters_print_in_one_wkhtmltopdf_call_and_split_per_record(self):
        demands = self._event(self.customer) | self._event(self.chinese)
        reminder = self._emails(self.customer)[:1]
        events = demands | reminder
        Report = self.env["ir.actions.report"].with_context(force_report_rendering=True)
        run = type(Report)._run_wkhtmltopdf
        with patch.object(type(Report), "_run_wkhtmltopdf", autospec=True, side_effect=run) as wkhtmltopdf:
            streams = Report._render_qweb_pdf_prepare_streams("ar_collections.report_demand_letter", {}, events.ids)
        self.assertEqual(wkhtmltopdf.call_count, 1, "one wkhtmltopdf call for the three letters")
        self.assertEqual(list(streams), events.ids)
        for event in events:
            pdf = PdfReader(streams[event.id]["stream"], strict=False)
            self.assertEqual(len(pdf.pages), 2, "the letter and its acknowledgement slip")
            links = [
                annotation.get_object().get("/A", {}).get("/URI")
                for page in pdf.pages
                for annotation in (page.get("/Annots") or [])
            ]
            self.assertFalse([link for link in links if str(link).startswith("ardoc:")], "no marker left")
            single = self._pdf("ar_collections.report_demand_letter", event)
            self.assertEqual(len(single.pages), len(pdf.pages), "the same pages as printed alone")

    def test_many_letters_print_in_calls_side_by_side_each_cut_to_its_record(self):
        events = self._emails(self.customer) | self._emails(self.chinese)
        for event in events:  # a second letter each: four letters
            events |= self.env["ar.collection.event"]._log(
                event.partner_id, event.company_id, "letter", moves=event.move_ids, stage_id=event.stage_id.id
            )
        self.assertEqual(len(events), 4)
        Report = self.env["ir.actions.report"].with_context(force_report_rendering=True)
        module = "odoo.addons.ar_collections.models.ir_actions_report"
        run = subprocess.run
        with (
            patch(f"{module}.BATCH_SIZE", 2),
            patch(f"{module}._cpu_count", return_value=2),
            patch(f"{module}.subprocess.run", side_effect=run) as processes,
        ):
            streams = Report._render_qweb_pdf_prepare_streams("ar_collections.report_demand_letter", {}, events.ids)
        calls = [call for call in processes.call_args_list if call.args[0][-1].endswith(".pdf")]
        self.assertEqual(len(calls), 2, "two wkhtmltopdf calls of two letters, run side by side")
        self.assertEqual(list(streams), events.ids)
        for event in events:
            content = streams[event.id]["stream"].getvalue()
            text = run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True).stdout.decode()
            self.assertIn(event._reference(), text, "each record gets its own letter, its text selectable")
            pdf = PdfReader(io.BytesIO(content), strict=False)
            links = [
                annotation.get_object().get("/A", {}).get("/URI") for annotation in pdf.pages[0].get("/Annots") or []
            ]
            self.assertFalse([link for link in links if str(link).startswith("ardoc:")], "no marker left")
            single = self._pdf("ar_collections.report_demand_letter", event)
            self.assertEqual(len(single.pages), len(pdf.pages), "the same pages as printed alone")

    def test_the_legal_file_bundles_the_evidence_in_one_pdf(self):
        profile = self._ar_profile(self.customer)
        plan = CollectionPlan(
            profile=profile,
            policy=profile._collection_policy(),
            stage=self.stage["legal"],
            listed=self._event(self.customer).move_ids,
            amount_due=2000.0,
            days_overdue=61,
        )
        legal_file = self.env["ar.legal.file"].with_context(force_report_rendering=True)._open_for([plan])
        legal_file.with_context(force_report_rendering=True).action_build_bundle()
        bundle = PdfReader(io.BytesIO(legal_file.bundle_id.raw), strict=False)
        # Summary + ledger (2 pages), statement (1), three invoices (3), one sale order (1).
        self.assertEqual(len(bundle.pages), 7)
        self.assertEqual(legal_file.bundle_id.mimetype, "application/pdf")
