"""Returned slips, legal cases and the evidence bundle: what a company keeps when collection
turns legal."""

import io
import re
import subprocess
from datetime import timedelta

from PyPDF2 import PdfReader

from odoo import Command
from odoo.exceptions import AccessError
from odoo.exceptions import UserError
from odoo.exceptions import ValidationError
from odoo.tests import HttpCase
from odoo.tests import tagged

from .test_legal_path import LegalPathCase

SCAN = "U2lnbmVkIGFuZCBzdGFtcGVkIHNsaXA="


class CaseCase(LegalPathCase):
    def _case(self, amount=3000.0, **values):
        invoice = self._ar_invoice(self.customer, amount, days_overdue=90)
        legal_file = self.env["ar.legal.file"].create(
            {
                "profile_id": self.Profile._get_or_create(self.customer, self.env.company).id,
                "move_ids": [Command.set(invoice.ids)],
                "amount_claimed": amount,
                **values,
            }
        )
        return invoice, legal_file


@tagged("post_install", "-at_install")
class TestReturnedSlips(CaseCase):
    def test_a_returned_slip_is_an_acknowledgement_and_its_disputed_part_a_dispute(self):
        first = self._ar_invoice(self.customer, 700.0, days_overdue=40)
        second = self._ar_invoice(self.customer, 300.0, days_overdue=35)
        signed_on = self._ar_today() - timedelta(days=2)
        action = (
            self.env["ar.collection.acknowledgement.wizard"]
            .with_user(self.collector)
            .create(
                {
                    "partner_id": self.customer.id,
                    "date": signed_on,
                    "scan": SCAN,
                    "scan_name": "slip.pdf",
                    "move_ids": [Command.set((first | second).ids)],
                    "confirmed_amount": 700.0,
                    "disputed_amount": 300.0,
                    "disputed_move_ids": [Command.set(second.ids)],
                    "dispute_reason": "quality",
                    "note": "Second delivery damaged.",
                }
            )
            .action_confirm()
        )
        slip = self.env["ar.collection.event"].browse(action["res_id"])
        self.assertEqual(slip.kind, "acknowledgement")
        self.assertEqual((slip.acknowledged_on, slip.acknowledged_amount, slip.disputed_amount), (signed_on, 700, 300))
        self.assertEqual(slip.attachment_id.name, "slip.pdf")
        self.assertEqual(slip.move_ids, first | second)
        self.assertTrue(second.ar_dispute_id, "the disputed part opens a dispute")
        self.assertFalse(first.ar_dispute_id)
        self.assertEqual((first.ar_limitation_cause, first.ar_limitation_start), ("acknowledgement", signed_on))

    def test_a_slip_is_checked_and_recorded_by_collectors_only(self):
        invoice = self._ar_invoice(self.customer, 700.0, days_overdue=40)
        other = self._ar_customer("Someone Else Ltd")
        theirs = self._ar_invoice(other, 100.0, days_overdue=40)
        Wizard = self.env["ar.collection.acknowledgement.wizard"]
        values = {"partner_id": self.customer.id, "scan": SCAN, "move_ids": [Command.set(invoice.ids)]}
        for wrong in (
            {"move_ids": [Command.set(theirs.ids)]},
            {"date": self._ar_today() + timedelta(days=1)},
            {"disputed_amount": 50.0},
            {"confirmed_amount": -1.0},
        ):
            with self.subTest(wrong=wrong), self.assertRaises(UserError):
                Wizard.with_user(self.collector).create({**values, **wrong}).action_confirm()
        salesman = self._ar_user("ar_slip_salesman", "salesman")
        with self.assertRaises(AccessError):
            Wizard.create(values).with_user(salesman).action_confirm()
        self.assertFalse(self._events(kind="acknowledgement"))


@tagged("post_install", "-at_install")
class TestLegalCases(CaseCase):
    def test_a_case_with_costs_and_recoveries_shows_in_the_kpis(self):
        invoice, legal_file = self._case(
            route="lawsuit",
            cost_ids=[
                Command.create({"kind": "court_fee", "amount": 500.0}),
                Command.create({"kind": "lawyer_fee", "amount": 2000.0}),
            ],
        )
        self._ar_pay(invoice, amount=1000.0)
        self.assertEqual(
            (legal_file.amount_recovered, legal_file.amount_costs, legal_file.amount_net), (1000.0, 2500.0, -1500.0)
        )
        _other_invoice, agency = self._case(amount=2000.0, route="agency")
        agency.cost_ids = [Command.create({"kind": "agency_commission", "amount": 300.0})]
        self._ar_pay(agency.move_ids)
        data = self.env["ar.collection.kpi"].with_user(self.collector).get_dashboard_data()
        routes = {row["route"]: row for row in data["legal"]}
        lawsuit = routes["Lawsuit (诉讼)"]
        self.assertEqual((lawsuit["count"], lawsuit["claimed"], lawsuit["net"]), (1, 3000.0, -1500.0))
        self.assertEqual(routes["Collection agency (委托催收)"]["net"], 1700.0)
        with self.assertRaises(ValidationError):
            legal_file.cost_ids = [Command.create({"kind": "other", "amount": -5.0})]

    def test_filing_a_suit_restarts_the_limitation_period_and_dates_come_in_order(self):
        invoice, legal_file = self._case()
        filed_on = self._ar_today() - timedelta(days=3)
        legal_file.with_user(self.manager).write({"filing_date": filed_on, "route": "lawsuit"})
        self.assertEqual((invoice.ar_limitation_cause, invoice.ar_limitation_start), ("suit", filed_on))
        with self.assertRaises(ValidationError):
            legal_file.write({"judgment_date": filed_on - timedelta(days=1)})
        with self.assertRaises(AccessError):
            legal_file.with_user(self.collector).write({"case_number": "X"})

    def test_an_invoice_s_legal_files_change_on_the_legal_file_only(self):
        invoice, legal_file = self._case()
        self.assertEqual(invoice.ar_legal_file_ids, legal_file)
        with self.assertRaises(UserError):
            invoice.with_user(self.collector).write({"ar_legal_file_ids": [Command.clear()]})
        self.assertEqual(legal_file.move_ids, invoice)

    def test_the_limitation_kpi_counts_what_is_at_risk(self):
        today = self._ar_today()
        old = self._ar_invoice(self.customer, 1234.0, days_overdue=3 * 365 - 100)
        self._ar_invoice(self.customer, 50.0, days_overdue=10)
        self.assertLessEqual(old.ar_limitation_date, today + timedelta(days=180))
        data = self.env["ar.collection.kpi"].with_user(self.collector).get_dashboard_data()
        self.assertEqual(data["limitation"]["count"], 1)
        self.assertEqual(data["limitation"]["at_risk"], 1234.0)


@tagged("post_install", "-at_install")
class TestEvidenceBundle(CaseCase, HttpCase):
    """The bundle a court, a law firm or an agency receives: real PDFs, read back as text."""

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param("report.url", self.base_url())

    def _text(self, content):
        return subprocess.run(
            ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
        ).stdout.decode()

    def test_handing_over_builds_the_bundle_with_its_index_in_the_court_language(self):
        self.env.company.ar_court_lang = "zh_CN"
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env.ref("base.lang_zh_CN").active = True
        invoice, legal_file = self._case(route="lawsuit")
        self._run(self._ar_today() - timedelta(days=60))
        firm = self._ar_customer("Wang & Partners Law Firm")
        with self.assertRaises(UserError):
            legal_file.with_user(self.manager).action_hand_over()
        legal_file.lawyer_id = firm
        legal_file.with_user(self.manager).with_context(force_report_rendering=True).action_hand_over()
        self.assertEqual(legal_file.state, "handed")
        self.assertEqual(legal_file.handover_date, self._ar_today())
        handover = self._events(kind="legal").filtered(lambda event: "handed over" in (event.note or ""))
        self.assertEqual(handover.attachment_id, legal_file.bundle_id, "the bundle handed over is in the ledger")
        bundle = legal_file.bundle_id.raw
        pages = len(PdfReader(io.BytesIO(bundle), strict=False).pages)
        index = self._text(bundle).split("\f")[0]
        compact = re.sub(r"\s+", "", index)
        for heading in ("证据目录", "序号", "证据名称", "证明目的", "页码", "发票", "对账单", "催收台账"):
            self.assertIn(heading, compact)
        self.assertNotIn("Index of evidence", index)
        # Each row: its number first, its pages last ("3-4" or "5").
        rows = re.findall(r"^\s*(\d+)\s+\S.*?\s(\d+)(?:-(\d+))?\s*$", index, re.MULTILINE)
        self.assertEqual([int(number) for number, _first, _last in rows], list(range(1, len(rows) + 1)))
        self.assertEqual(int(rows[0][1]), 2, "the evidence starts after the index")
        self.assertEqual(int(rows[-1][2] or rows[-1][1]), pages, "and runs to the bundle's last page")
        self.assertIn(invoice.name, self._text(bundle))
