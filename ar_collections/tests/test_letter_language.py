"""Every letter and document speaks its reader's language: a Chinese customer's contain no
English word outside names, references and amounts, an English customer's no Chinese; the
Chinese ones cite the Civil Code, write amounts in capitals and copy out as the text written."""

import re
import subprocess

import lxml.html

from odoo import Command
from odoo.tests import HttpCase
from odoo.tests import tagged

from .test_collection_engine import deliver
from .test_letters import LetterCase

ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")
CHINESE = re.compile(r"[\u3400-\u9fff]")
# Kangxi radicals and CJK radicals: what a PDF's text gives back for 支 and 行 with a font
# that shares glyphs between radicals and ideographs.
RADICALS = re.compile(r"[\u2e80-\u2fdf]")
CIVIL_CODE_ARTICLES = ("第五百零九条", "第五百七十七条", "第五百七十九条", "第五百八十五条", "第六百二十六条")


class LanguageCase(LetterCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        # The company's texts in Chinese too, as an admin translates them (the English ones stay).
        company.update_field_translations(
            "ar_late_payment_clause",
            {
                "zh_CN": {
                    "Late payments bear interest at 1.5% per month (clause 9).": (
                        "逾期付款的，买方应按每月1.5%向卖方支付逾期付款违约金（销售条款第9条）。"
                    )
                }
            },
        )
        company.update_field_translations("ar_letter_signatory", {"zh_CN": "信用经理 Grace Hopper"})
        cls.firm = cls._ar_customer("Wang & Partners Law Firm", street="88 Century Avenue", city="Shanghai")
        cls.zh_firm = cls.env["res.partner"].create({"name": "上海明理律师事务所", "city": "上海"})

    def _text(self, report, records, data=None):
        """The words a reader sees: the rendered HTML's text, without style and script."""
        html = self.env["ir.actions.report"]._render_qweb_html(report, records.ids, data=data)[0].decode()
        document = lxml.html.document_fromstring(html)
        for element in document.xpath("//style|//script|//head"):
            element.drop_tree()
        return re.sub(r"\s+", " ", document.text_content())

    def _names(self, partner, moves):
        """What a letter may print in any language: names, addresses, references, accounts."""
        company = self.env.company
        people = company.partner_id | partner | self.firm | self.customer.ar_collector_id.partner_id
        names = [
            value
            for person in people
            for value in (
                person.name,
                person.street,
                person.street2,
                person.city,
                person.zip,
                person.email,
                person.website,
                person.phone,
                person.state_id.code,
                person.country_id.name,
                person.country_id.with_context(lang="en_US").name,
            )
            if value
        ]
        names += [company.ar_letter_signatory or "", "Grace Hopper", company.ar_lawyer_name or ""]
        names += [bank.acc_number for bank in company.partner_id.bank_ids]
        for plan in self.env["ar.payment.plan"].search([("partner_id", "=", partner.id)]):
            names.append(plan.name)
        moves |= self.env["account.move"].search([("commercial_partner_id", "=", partner.id)])
        for move in moves:
            names += [move.name, move.ref or "", move.invoice_origin or "", move.currency_id.name]
            for order in move.invoice_line_ids.sale_line_ids.order_id:
                names += [order.name, order.client_order_ref or ""]
        return sorted({name for name in names if name}, key=len, reverse=True)

    def _english_words(self, text, partner, moves):
        for name in self._names(partner, moves):
            text = text.replace(name, " ")
        # Letter references (AR-2026-00042) and web addresses are references.
        text = re.sub(r"AR-\d{4}-\d+|https?://\S+|\S+@\S+", " ", text)
        return sorted(set(ENGLISH_WORD.findall(text)))

    def _documents(self, partner):
        """(title, report, records, data) of every document a customer receives."""
        demand = self._event(partner)
        reminder = self._emails(partner)[:1]
        plan = self.env["ar.payment.plan"].create(
            {"partner_id": partner.id, "move_ids": [Command.set(demand.move_ids.ids)], "instalment_count": 2}
        )
        plan.action_compute_schedule()
        today = self._ar_today()
        period = {"date_from": str(today.replace(day=1, month=1)), "date_to": str(today)}
        lawyer = self.env["ar.collection.event"]._log(
            partner, self.env.company, "letter", moves=demand.move_ids, stage_id=self.stage["lawyer"].id
        )
        return demand.move_ids, [
            ("reminder", "ar_collections.report_reminder_letter", reminder, None),
            ("demand", "ar_collections.report_demand_letter", demand, None),
            ("final notice", "ar_collections.report_lawyer_letter", lawyer, None),
            ("statement", "ar_collections.report_statement", partner, period),
            ("payment plan", "ar_collections.report_payment_plan", plan, None),
        ]


@tagged("post_install", "-at_install")
class TestLetterLanguage(LanguageCase):
    def test_a_chinese_customer_reads_no_english_word_in_any_document(self):
        moves, documents = self._documents(self.chinese)
        for firm in (False, self.zh_firm):
            self.env.company.write({"ar_law_firm_id": firm and firm.id, "ar_lawyer_name": firm and "李明"})
            for title, report, records, data in documents:
                with self.subTest(document=title, firm=bool(firm)):
                    text = self._text(report, records, data)
                    self.assertTrue(CHINESE.search(text), "written in Chinese")
                    self.assertEqual(self._english_words(text, self.chinese, moves), [], text)

    def test_an_english_customer_reads_no_chinese_in_any_document(self):
        _moves, documents = self._documents(self.customer)
        self.env.company.write({"ar_law_firm_id": self.firm.id, "ar_lawyer_name": "Wang Lei"})
        for title, report, records, data in documents:
            with self.subTest(document=title):
                text = self._text(report, records, data)
                self.assertFalse(CHINESE.findall(text), text)

    def test_the_chinese_demand_cites_the_civil_code_and_writes_the_amount_in_capitals(self):
        text = self._text("ar_collections.report_demand_letter", self._event(self.chinese))
        for article in CIVIL_CODE_ARTICLES:
            self.assertIn(article, text)
        self.assertIn("《中华人民共和国民法典》", text)
        # 4,000.00 + 300.00 overdue, in US dollars (the company's currency).
        self.assertIn("美元（大写）肆仟叁佰元整（$ 4,300.00）", text)
        self.assertIn("违约金", text)
        self.assertNotIn("滞纳金", text, "an administrative term, not one between companies")
        self.assertIn("回 执", text, "the slip to return (its title spaced with an ideographic space)")
        self.chinese.vat = "91330100MA2XXXXX0A"
        text = self._text("ar_collections.report_demand_letter", self._event(self.chinese))
        self.assertIn("统一社会信用代码：91330100MA2XXXXX0A", text)

    def test_a_lawyer_letter_needs_a_law_firm_else_it_is_the_company_final_notice(self):
        lawyer = self.env["ar.collection.event"]._log(
            self.chinese,
            self.env.company,
            "letter",
            moves=self._event(self.chinese).move_ids,
            stage_id=self.stage["lawyer"].id,
        )
        self.env.company.ar_law_firm_id = False
        text = self._text("ar_collections.report_lawyer_letter", lawyer)
        self.assertIn("催告函", text)
        for wording in ("律师函", "本所", "委托人"):
            self.assertNotIn(wording, text, "a company does not write as a law firm")
        english = self._text("ar_collections.report_lawyer_letter", self._event(self.customer))
        self.assertIn("Final notice before legal action", english)
        self.assertNotIn("Lawyer's letter", english)

        self.env.company.write(
            {
                "ar_law_firm_id": self.zh_firm.id,
                "ar_lawyer_name": "李明",
                "ar_lawyer_phone": "021-5888 8888",
                "ar_lawyer_email": "liming@mingli-law.cn",
            }
        )
        text = self._text("ar_collections.report_lawyer_letter", lawyer)
        for wording in (
            "律师函",
            "上海明理律师事务所（以下简称“本所”）",
            "指派 李明 律师",
            "021-5888 8888",
            "liming@mingli-law.cn",
            "上海明理律师事务所（盖章）",
        ):
            self.assertIn(wording, text)
        for article in CIVIL_CODE_ARTICLES:
            self.assertIn(article, text)
        english = self._text("ar_collections.report_lawyer_letter", self._event(self.customer))
        self.assertIn("Lawyer's letter", english)
        self.assertIn("article 509", english)

    def test_stage_names_come_out_in_the_letter_language(self):
        first = self._emails(self.chinese)[:1]
        deliver(first)
        lawyer = self.env["ar.collection.event"]._log(
            self.chinese,
            self.env.company,
            "letter",
            moves=self._event(self.chinese).move_ids,
            stage_id=self.stage["lawyer"].id,
        )
        text = self._text("ar_collections.report_lawyer_letter", lawyer)
        self.assertIn(first.stage_id.with_context(lang="zh_CN").name, text)
        self.assertNotIn(first.stage_id.with_context(lang="en_US").name, text)


@tagged("post_install", "-at_install")
class TestChinesePdfText(LetterCase, HttpCase):
    """A real PDF, rendered by wkhtmltopdf against this test server (for the report CSS)."""

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param("report.url", self.base_url())

    def test_text_copied_out_of_a_chinese_pdf_is_the_text_written(self):
        content, _format = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf("ar_collections.report_demand_letter", self._event(self.chinese).ids)
        )
        text = subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True).stdout.decode()
        self.assertFalse(RADICALS.findall(text), "no Kangxi radical in place of an ideograph")
        compact = re.sub(r"\s+", "", text)
        for written in ("履行", "支付", "肆仟叁佰元整", "第五百零九条", "特此函告", "回执"):
            self.assertIn(written, compact)
