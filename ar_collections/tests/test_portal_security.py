"""What the portal and the back office must not give away, and what the portal must not accept.

Driven as customers and users drive them: over real HTTP sessions, through the RPC entry
point every client uses (``/web/dataset/call_kw``) and the portal's own pages and forms.
"""

import re
from contextlib import closing
from datetime import timedelta
from unittest.mock import patch

from psycopg2.errors import LockNotAvailable

from odoo import SUPERUSER_ID
from odoo import api
from odoo import sql_db
from odoo.tests import HttpCase
from odoo.tests import JsonRpcException
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..models import account_move_portal
from ..models import ar_credit_profile_portal
from .common import ArCollectionsCommon

# Internal notes about a customer, on its partner: never for the customer's own portal user.
PARTNER_INTERNAL_FIELDS = (
    "ar_credit_hold_reason",
    "ar_blacklist_reason",
    "ar_collection_pause_reason",
    "ar_credit_score_details_html",
    "ar_credit_score",
    "ar_credit_rating_id",
    "ar_credit_hold",
    "ar_credit_hold_cause",
    "ar_blacklisted",
    "ar_exposure",
    "ar_available_credit",
    "ar_credit_limit_effective",
    "ar_collector_id",
    "ar_credit_profile_id",
    "ar_collection_event_ids",
    "ar_promise_ids",
    "ar_dispute_ids",
)
INVOICE_INTERNAL_FIELDS = (
    "ar_credit_banner",
    "partner_credit_warning",
    "ar_stage_id",
    "ar_next_action_date",
    "ar_excluded",
    "ar_collector_id",
    "ar_rating_id",
    "ar_prediction_note",
    "ar_expected_date",
    "ar_collection_event_ids",
)
ORDER_INTERNAL_FIELDS = (
    "ar_credit_banner",
    "ar_credit_blocked",
    "ar_credit_pending",
    "ar_credit_release_reason",
    "ar_credit_released_by_id",
    "ar_credit_released_amount",
)


class PortalSecurityCase(ArCollectionsCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.collector = cls._ar_user("ar_sec_collector", "collector", name="Colin Collector")
        cls.salesman = cls._ar_user("ar_sec_salesman", "salesman", name="Sam Sales")
        cls.customer.user_id = cls.collector
        cls.contact = cls._ar_contact(cls.customer, "Paula Payables", email="paula@acme.example.com")
        cls.portal_user = cls._ar_user("ar_sec_paula", "portal", partner_id=cls.contact.id, name="Paula Payables")
        cls.invoice = cls._ar_invoice(cls.customer, 1200.0, days_overdue=10, invoice_user_id=cls.salesman.id)
        cls.profile = cls._ar_profile(cls.customer)
        cls.profile._set_hold("Suspected fraud, see legal's email of 3 May")
        cls.order = cls._ar_sale_order(cls.customer, 500.0, user_id=cls.salesman.id)
        cls.order.message_subscribe(partner_ids=cls.customer.ids)

    def _call_kw(self, model, method, args, kwargs=None):
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )

    def _assert_refused(self, model, record, fields):
        for field in fields:
            with self.subTest(model=model, field=field), mute_logger("odoo.http", "odoo.models"):
                with self.assertRaises(JsonRpcException) as refused:
                    self._call_kw(model, "read", [record.ids, [field]])
                self.assertEqual(refused.exception.args[0], "odoo.exceptions.AccessError")
                with self.assertRaises(JsonRpcException):
                    self._call_kw(model, "search_read", [[("id", "=", record.id)], [field]])


@tagged("post_install", "-at_install")
class TestInternalNotesStayInternal(PortalSecurityCase):
    def test_a_portal_customer_cannot_read_the_credit_fields_of_its_own_partner(self):
        self.authenticate(self.portal_user.login, self.portal_user.login)
        self._assert_refused("res.partner", self.customer, PARTNER_INTERNAL_FIELDS)
        own = self._call_kw("res.partner", "read", [self.customer.ids, ["name", "email"]])
        self.assertEqual(own[0]["name"], "Acme Retail", "what the portal shows is still readable")

    def test_a_portal_customer_cannot_read_the_collection_fields_of_its_own_invoice(self):
        self.authenticate(self.portal_user.login, self.portal_user.login)
        self._assert_refused("account.move", self.invoice, INVOICE_INTERNAL_FIELDS)
        own = self._call_kw("account.move", "read", [self.invoice.ids, ["name", "amount_residual"]])
        self.assertEqual(own[0]["amount_residual"], 1200.0)

    def test_a_portal_customer_cannot_read_the_credit_fields_of_its_own_order(self):
        self.authenticate(self.portal_user.login, self.portal_user.login)
        self._assert_refused("sale.order", self.order, ORDER_INTERNAL_FIELDS)
        own = self._call_kw("sale.order", "read", [self.order.ids, ["name", "amount_total"]])
        self.assertEqual(own[0]["amount_total"], 500.0)

    def test_the_portal_pages_still_render_for_the_customer(self):
        self.authenticate(self.portal_user.login, self.portal_user.login)
        page = self.url_open(f"/my/invoices/{self.invoice.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn('id="ar_form_promise"', page.text)
        self.assertNotIn("Suspected fraud", page.text)
        order = self.url_open(f"/my/orders/{self.order.id}?access_token={self.order._portal_ensure_token()}")
        self.assertEqual(order.status_code, 200)
        self.assertNotIn("Suspected fraud", order.text)

    def test_a_salesperson_cannot_read_hold_reasons_or_score_details(self):
        self.authenticate(self.salesman.login, self.salesman.login)
        self._assert_refused(
            "res.partner",
            self.customer,
            ("ar_credit_hold_reason", "ar_blacklist_reason", "ar_credit_score_details_html", "ar_collection_event_ids"),
        )
        self._assert_refused("ar.credit.profile", self.profile, ("hold_reason", "score_details", "score_details_html"))
        # What the sales flow needs stays: the customer is on hold, and the quotation says why.
        partner = self._call_kw("res.partner", "read", [self.customer.ids, ["ar_credit_hold", "ar_exposure"]])
        self.assertTrue(partner[0]["ar_credit_hold"])
        order = self._call_kw("sale.order", "read", [self.order.ids, ["ar_credit_banner", "ar_credit_blocked"]])
        self.assertTrue(order[0]["ar_credit_blocked"])
        self.assertIn("Suspected fraud", order[0]["ar_credit_banner"])

    def test_the_forms_load_for_a_salesperson_and_a_collector(self):
        forms = {"res.partner": self.customer, "account.move": self.invoice, "sale.order": self.order}
        for user in (self.salesman, self.collector):
            for model, record in forms.items():
                with self.subTest(user=user.login, model=model):
                    Model = self.env[model].with_user(user)
                    views = Model.get_views([(False, "form")])
                    arch = views["views"]["form"]["arch"]
                    spec = {name: {} for name in views["models"][model]["fields"]}
                    values = Model.browse(record.id).web_read(spec)
                    self.assertEqual(values[0]["id"], record.id)
                    if user == self.salesman and model == "res.partner":
                        self.assertNotIn("ar_credit_hold_reason", arch)
                        self.assertNotIn("ar_credit_score_details_html", arch)
                        self.assertIn("ar_exposure", arch)
                    if user == self.collector and model == "res.partner":
                        self.assertIn("ar_credit_hold_reason", arch)
        for model in forms:
            with self.subTest(user="portal", model=model):
                arch = self.env[model].with_user(self.portal_user).get_views([(False, "form")])["views"]["form"]["arch"]
                self.assertNotIn("ar_credit_hold_reason", arch)
                self.assertNotIn("ar_credit_banner", arch)


@tagged("post_install", "-at_install")
class TestPortalHardening(PortalSecurityCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.profile._lift_hold("Cleared by legal")
        cls.page = f"/my/invoices/{cls.invoice.id}?access_token={cls.invoice._portal_ensure_token()}"

    def _post(self, action, data, files=None, invoice=None):
        invoice = invoice or self.invoice
        self.authenticate(self.portal_user.login, self.portal_user.login)
        page = self.url_open(f"/my/invoices/{invoice.id}")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        payload = {"csrf_token": csrf, "access_token": invoice.access_token, **data}
        return self.url_open(f"/my/invoices/{invoice.id}/collection/{action}", data=payload, files=files)

    def _dispute(self, files=None, **data):
        return self._post("dispute", {"reason": "quality", "message": "Boxes broken", **data}, files=files)

    # ---- messages ----------------------------------------------------------------

    def test_a_text_in_the_address_is_never_shown_on_the_invoice_page(self):
        bait = "Your account is blocked, call 555-0100"
        page = self.url_open(f"{self.page}&ar_error={bait}&ar_message={bait}")
        self.assertEqual(page.status_code, 200)
        self.assertNotIn(bait, page.text)
        self.assertNotIn("o_ar_error", page.text)
        done = self.url_open(f"{self.page}&ar_message=promise_saved")
        self.assertIn("your promise to pay is recorded", done.text)
        busy = self.url_open(f"{self.page}&ar_error=too_many_requests")
        self.assertIn("requests are accepted again tomorrow", busy.text)

    # ---- malformed requests ---------------------------------------------------------

    def test_malformed_parameters_get_a_polite_4xx_never_a_500(self):
        self.authenticate(self.portal_user.login, self.portal_user.login)
        for path in (
            f"{self.page}&ar_form=x",
            f"{self.page}&ar_link=%FF%FE",
            "/my/statement?date_from=yesterday&date_to=2026-13-45",
            "/my/statement?date_from=0001-01-01&date_to=9999-12-31",
            "/my/statement/pdf?date_from=x",
        ):
            with self.subTest(path=path):
                self.assertEqual(self.url_open(path).status_code, 200)
        self.assertEqual(self.url_open("/my/payment_plans/99999999999").status_code, 404)
        self.assertEqual(self._post("promise", {}, invoice=self.invoice).status_code, 200)
        for action, data, files, status in (
            ("promise", {"amount": "nan", "promised_date": "2026-02-30"}, None, 200),
            ("promise", {"amount": "1e-300", "promised_date": "99999-01-01"}, None, 200),
            ("plan", {"instalments": "1e999"}, None, 200),
            ("dispute", {"reason": "price", "message": "x", "attachment": "not a file"}, None, 400),
            ("promise", {"amount": "10"}, {"note": ("note.txt", b"a file", "text/plain")}, 400),
            ("sideways", {}, None, 404),
        ):
            with self.subTest(action=action, data=data):
                response = self._post(action, data, files=files)
                self.assertEqual(response.status_code, status, response.text[:300])
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', self.url_open(self.page).text).group(1)
        huge = self.url_open("/my/invoices/99999999999/collection/promise", data={"csrf_token": csrf})
        self.assertEqual(huge.status_code, 404)
        self.assertFalse(self.invoice.ar_promise_id or self.invoice.ar_dispute_id or self.invoice.ar_plan_id)

    # ---- uploads ----------------------------------------------------------------------

    def _dispute_attachments(self):
        return self.env["ir.attachment"].search([("res_model", "=", "ar.collection.dispute")])

    def test_an_oversized_upload_is_refused_before_it_is_read(self):
        line = b"0" * 1023 + b"\n"
        just_over = (b"%PDF-1.4\n" + line * (10 * 1024))[: account_move_portal.MAX_ATTACHMENT_BYTES + 1]
        far_over = b"%PDF-1.4\n" + line * (11 * 1024)
        for content in (just_over, far_over):
            with self.subTest(size=len(content)):
                response = self._dispute(files={"attachment": ("scan.pdf", content, "application/pdf")})
                self.assertIn("larger than 10 MB", response.text)
                self.assertFalse(self.invoice.ar_dispute_id)
                self.assertFalse(self._dispute_attachments())

    def test_only_documents_and_images_can_be_joined(self):
        for name, content in (
            ("invoice.html", b"<html><script>alert(1)</script></html>"),
            ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00"),
            ("statement.pdf", b"<html><script>alert(1)</script></html>"),
            ("photo.png", b"%PDF-1.4 not an image"),
        ):
            with self.subTest(name=name):
                response = self._dispute(files={"attachment": (name, content, "application/pdf")})
                self.assertIn("not a document we accept", response.text)
                self.assertFalse(self.invoice.ar_dispute_id)
        self.assertFalse(self._dispute_attachments())
        accepted = self._dispute(files={"attachment": ("scan.pdf", b"%PDF-1.4 a scan", "application/pdf")})
        self.assertIn("your message is recorded", accepted.text)
        self.assertEqual(self._dispute_attachments().raw, b"%PDF-1.4 a scan")

    # ---- limits ---------------------------------------------------------------------

    def test_too_long_texts_are_refused(self):
        too_long = "x" * (account_move_portal.MAX_TEXT_LENGTH + 1)
        refused = self._dispute(message=too_long)
        self.assertIn("please keep it within 2000 characters", refused.text)
        self.assertFalse(self.invoice.ar_dispute_id)
        promise = self._post(
            "promise",
            {"promised_date": str(self._ar_today() + timedelta(days=5)), "amount": "100", "note": too_long},
        )
        self.assertIn("please keep it within 2000 characters", promise.text)
        self.assertFalse(self.invoice.ar_promise_id)
        plan = self._post("plan", {"instalments": "3", "note": too_long})
        self.assertIn("please keep it within 2000 characters", plan.text)
        self.assertFalse(self.env["ar.payment.plan"].search([("move_ids", "in", self.invoice.ids)]))

    def test_the_daily_limit_is_shown_by_its_code(self):
        self.env.company.ar_portal_daily_requests = 1
        second = self._ar_invoice(self.customer, 100.0, days_overdue=5)
        self._dispute()
        refused = self._post("dispute", {"reason": "price", "message": "Wrong price"}, invoice=second)
        self.assertIn("ar_error=too_many_requests", refused.url)
        self.assertIn("We have already received 1 requests from you today", refused.text)
        self.assertFalse(second.ar_dispute_id)

    def test_statement_downloads_are_throttled(self):
        self.authenticate(self.portal_user.login, self.portal_user.login)
        with patch.object(ar_credit_profile_portal, "STATEMENT_DOWNLOADS_PER_HOUR", 2):
            for _i in range(2):
                self.assertEqual(self.url_open("/my/statement/pdf").status_code, 200)
            refused = self.url_open("/my/statement/pdf")
        self.assertEqual(refused.status_code, 429)
        self.assertIn("Please try again in an hour", refused.text)
        self.assertNotEqual(refused.headers["Content-Type"], "application/pdf")

    def test_a_request_waits_for_a_parallel_request_of_the_same_customer(self):
        # A parallel request is another transaction: it must see committed rows, so a demo
        # customer's profile stands for the customer.
        self.env.cr.execute("SELECT min(id) FROM ar_credit_profile WHERE create_date < now() - interval '1 minute'")
        (profile_id,) = self.env.cr.fetchone()
        self.assertTrue(profile_id, "the test database has demo customers")
        with closing(sql_db.db_connect(self.env.cr.dbname).cursor()) as parallel_cr:
            parallel = api.Environment(parallel_cr, SUPERUSER_ID, {})
            parallel["ar.credit.profile"].browse(profile_id)._lock_portal_requests()
            self.env.cr.execute("SET LOCAL lock_timeout = '300ms'")
            with self.assertRaises(LockNotAvailable), self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                self.env["ar.credit.profile"].browse(profile_id)._lock_portal_requests()
            parallel_cr.rollback()
        self.env["ar.credit.profile"].browse(profile_id)._lock_portal_requests()

    def test_each_portal_request_takes_the_customers_lock(self):
        Profile = type(self.env["ar.credit.profile"])
        with patch.object(Profile, "_lock_portal_requests", autospec=True) as lock:
            self._post("plan", {"instalments": "3"})
        self.assertEqual(lock.call_count, 1)
        self.assertEqual(lock.call_args.args[0], self.profile)
