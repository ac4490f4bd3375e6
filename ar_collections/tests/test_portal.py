"""Customer self-service in the portal: statement, promise, dispute and payment plan request.

The controllers are driven over real HTTP, with Odoo's CSRF protection and access tokens,
as a customer's browser drives them.
"""

import re
from datetime import timedelta
from urllib.parse import parse_qs
from urllib.parse import urlparse

from freezegun import freeze_time

from odoo.tests import HttpCase
from odoo.tests import tagged

from .common import ArCollectionsCommon


@tagged("post_install", "-at_install")
class TestPortalSelfService(ArCollectionsCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.collector = cls._ar_user("ar_portal_collector", "collector", name="Colin Collector")
        cls.manager = cls._ar_user("ar_portal_manager", "credit_manager", name="Carla Credit")
        cls.env.company.ar_credit_manager_id = cls.manager
        cls.customer.user_id = cls.collector
        cls.contact = cls._ar_contact(cls.customer, "Paula Payables", email="paula@acme.example.com")
        cls.portal_user = cls._ar_user("ar_portal_paula", "portal", partner_id=cls.contact.id, name="Paula Payables")
        cls.other = cls._ar_customer("Other Trading")
        cls.other_invoice = cls._ar_invoice(cls.other, 700.0, days_overdue=20)
        cls.invoice = cls._ar_invoice(cls.customer, 1200.0, days_overdue=10)

    # ---- helpers ---------------------------------------------------------------

    def _email_link(self, invoice):
        """The path of the link a collection email carries for ``invoice``."""
        url = urlparse(invoice._ar_portal_url())
        return f"{url.path}?{url.query}"

    def _csrf(self, path):
        response = self.url_open(path)
        self.assertEqual(response.status_code, 200, response.text[:500])
        match = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
        self.assertTrue(match, "the page carries a form with a CSRF token")
        return response, match.group(1)

    def _post_action(self, invoice, action, data, link=True, files=None, access_token=None):
        path = self._email_link(invoice) if link else f"/my/invoices/{invoice.id}"
        _page, csrf = self._csrf(path)
        params = parse_qs(urlparse(path).query)
        payload = {
            "csrf_token": csrf,
            "access_token": access_token if access_token is not None else invoice.access_token,
            "ar_link": params.get("ar_link", [""])[0],
            **data,
        }
        return self.url_open(f"/my/invoices/{invoice.id}/collection/{action}", data=payload, files=files)

    def _promise_data(self, days=10, amount=600.0, note="Payment run on the 5th"):
        return {
            "promised_date": str(self._ar_today() + timedelta(days=days)),
            "amount": str(amount),
            "note": note,
        }

    def _mail_to_customer(self, plan):
        mails = self.env["mail.mail"].search([("model", "=", "ar.payment.plan"), ("res_id", "=", plan.id)])
        return mails.filtered(lambda mail: self.customer in mail.recipient_ids)

    def _portal_events(self, invoice):
        return self.env["ar.collection.event"].search([("move_ids", "in", invoice.ids), ("by_customer", "=", True)])

    # ---- the reminder email's link ------------------------------------------------

    def test_the_reminder_email_links_to_the_invoice_actions(self):
        others = self.env["res.company"].search([("id", "!=", self.env.company.id)])
        others.sudo().write({"ar_collection_enabled": False})
        self.env["ar.collection.engine"]._cron_escalate()
        event = self.env["ar.collection.event"].search(
            [("partner_id", "=", self.customer.id), ("kind", "=", "email")], limit=1
        )
        self.assertEqual(event.stage_id, self.env.ref("ar_collections.stage_second"))
        links = re.findall(r'href="([^"]*/my/invoices/\d+\?access_token=[^"]+)"', event.mail_id.body_html)
        self.assertEqual(len(links), 1, "one link per invoice listed")
        url = urlparse(links[0].replace("&amp;", "&"))
        self.assertEqual(url.path, f"/my/invoices/{self.invoice.id}")
        page = self.url_open(f"{url.path}?{url.query}")
        self.assertIn('id="ar_form_promise"', page.text, "the customer can act without logging in")

    # ---- promise to pay --------------------------------------------------------

    def test_a_customer_promises_from_the_email_link_without_logging_in(self):
        response = self._post_action(self.invoice, "promise", self._promise_data())
        self.assertEqual(response.status_code, 200)
        self.assertIn("your promise to pay is recorded", response.text)
        self.assertIn("ar_message=promise_saved", response.url)

        promise = self.invoice.ar_promise_id
        self.assertEqual(promise.state, "open")
        self.assertTrue(promise.by_customer)
        self.assertEqual(promise.amount, 600.0)
        self.assertEqual(promise.promised_date, self._ar_today() + timedelta(days=10))
        self.assertEqual(promise.contact_name, "Acme Retail")
        self.assertEqual(promise.note, "Payment run on the 5th")
        # Escalation pauses exactly as for a promise a collector logs.
        self.assertFalse(self.invoice.ar_next_action_date)

        event = self._portal_events(self.invoice)
        self.assertEqual(event.kind, "promise")
        self.assertEqual(event.promise_id, promise)
        self.assertEqual(event.promised_amount, 600.0)
        self.assertFalse(event.user_id)
        self.assertEqual(event.days_overdue, 10)

        message = self.invoice.message_ids.filtered(lambda m: "Promise to pay made by the customer" in (m.body or ""))
        self.assertEqual(message.author_id, self.customer)
        self.assertIn(self.collector.partner_id, message.partner_ids, "the collector is notified")

    def test_a_logged_in_contact_promises_from_the_portal(self):
        self.authenticate(self.portal_user.login, self.portal_user.login)
        response = self._post_action(self.invoice, "promise", self._promise_data(days=3, amount=1200.0), link=False)
        self.assertIn("your promise to pay is recorded", response.text)
        promise = self.invoice.ar_promise_id
        self.assertEqual(promise.contact_name, "Paula Payables")
        self.assertEqual(promise.amount, 1200.0)

    def test_a_promise_beyond_the_company_limits_is_refused(self):
        self.env.company.ar_portal_promise_max_days = 30
        too_late = self._post_action(self.invoice, "promise", self._promise_data(days=31))
        self.assertIn("Choose a payment date between today and", too_late.text)
        too_much = self._post_action(self.invoice, "promise", self._promise_data(amount=1200.01))
        self.assertIn("at most the amount due", too_much.text)
        past = self._post_action(self.invoice, "promise", self._promise_data(days=-1))
        self.assertIn("Choose a payment date between today and", past.text)
        garbage = self._post_action(self.invoice, "promise", {"promised_date": "soon", "amount": "lots"})
        self.assertIn("Enter the payment date as a date", garbage.text)
        self.assertFalse(self.invoice.ar_promise_id)
        self.assertFalse(self._portal_events(self.invoice))

    def test_no_new_promise_after_a_broken_one(self):
        old = self._ar_invoice(self.customer, 300.0, days_overdue=40)
        promise = self.env["ar.collection.promise"].create(
            {
                "partner_id": self.customer.id,
                "move_ids": [(6, 0, old.ids)],
                "promised_date": self._ar_today(),
                "amount": 300.0,
            }
        )
        promise._close("broken")
        response = self._post_action(self.invoice, "promise", self._promise_data())
        self.assertIn("A recent promise to pay was not kept", response.text)
        self.assertFalse(self.invoice.ar_promise_id)

    # ---- dispute -----------------------------------------------------------------

    def test_a_customer_disputes_with_a_document(self):
        files = {"attachment": ("delivery-note.txt", b"3 of 10 boxes damaged", "text/plain")}
        data = {"reason": "quality", "message": "Three boxes arrived broken"}
        response = self._post_action(self.invoice, "dispute", data, files=files)
        self.assertIn("your message is recorded", response.text)

        dispute = self.invoice.ar_dispute_id
        self.assertEqual(dispute.reason, "quality")
        self.assertEqual(dispute.note, "Three boxes arrived broken")
        self.assertTrue(dispute.by_customer)
        self.assertEqual(dispute.user_id, self.collector)
        attachment = self.env["ir.attachment"].search(
            [("res_model", "=", "ar.collection.dispute"), ("res_id", "=", dispute.id)]
        )
        self.assertEqual(attachment.raw, b"3 of 10 boxes damaged")
        self.assertEqual(self._portal_events(self.invoice).kind, "dispute")
        activity = self.customer.activity_ids.filtered(lambda a: a.user_id == self.collector)
        self.assertIn(f"Dispute on {self.invoice.name}", activity.mapped("summary"))
        self.assertFalse(self.invoice.ar_next_action_date, "the escalation pauses")

    def test_a_dispute_needs_a_reason_from_the_list_and_a_message(self):
        wrong_reason = self._post_action(self.invoice, "dispute", {"reason": "moon_phase", "message": "x"})
        self.assertIn("Choose the reason of the dispute from the list", wrong_reason.text)
        no_message = self._post_action(self.invoice, "dispute", {"reason": "price", "message": "  "})
        self.assertIn("Tell us what is wrong with the invoice", no_message.text)
        self.assertFalse(self.invoice.ar_dispute_id)

    # ---- payment plan --------------------------------------------------------------

    def test_a_plan_request_is_approved_and_the_agreement_downloaded(self):
        self.env.company.ar_portal_plan_max_instalments = 4
        response = self._post_action(self.invoice, "plan", {"instalments": "3", "note": "Cash is tight this quarter"})
        self.assertIn("your request for a payment plan is recorded", response.text)

        plan = self.env["ar.payment.plan"].search([("move_ids", "in", self.invoice.ids)])
        self.assertEqual(plan.state, "draft")
        self.assertTrue(plan.by_customer)
        self.assertEqual(plan.request_note, "Cash is tight this quarter")
        self.assertEqual(plan.line_ids.mapped("amount"), [400.0, 400.0, 400.0])
        self.assertEqual(plan.activity_ids.user_id, self.manager)
        self.assertEqual(self._portal_events(self.invoice).kind, "plan")

        plan.with_user(self.manager).with_context(force_report_rendering=True).action_confirm()
        mail = self._mail_to_customer(plan)
        self.assertEqual(len(mail), 1)
        self.assertIn("is approved", mail.subject)
        self.assertEqual(mail.recipient_ids, self.customer)
        self.assertTrue(mail.attachment_ids.raw.startswith(b"%PDF"), "the agreement is attached")

        page = self.url_open(self._email_link(self.invoice))
        self.assertIn("Download the agreement", page.text)
        agreement = self.url_open(plan.get_portal_url())
        self.assertEqual(agreement.headers["Content-Type"], "application/pdf")
        # In test mode Odoo serves the report's HTML under the PDF content type (wkhtmltopdf
        # would fetch its CSS from this very server, which serves one request at a time in
        # tests); the real PDF of the agreement is checked in test_letters.
        self.assertIn(b"Payment plan agreement", agreement.content)
        self.assertIn(plan.name.encode(), agreement.content)

    def test_a_declined_plan_request_is_told_to_the_customer(self):
        self._post_action(self.invoice, "plan", {"instalments": "2"})
        plan = self.env["ar.payment.plan"].search([("move_ids", "in", self.invoice.ids)])
        plan.with_user(self.manager).action_cancel()
        mail = self._mail_to_customer(plan)
        self.assertIn("your payment plan request", mail.subject)
        self.assertEqual(plan.state, "cancelled")

    def test_plan_requests_respect_the_limits_and_the_blacklist(self):
        self.env.company.ar_portal_plan_max_instalments = 4
        too_many = self._post_action(self.invoice, "plan", {"instalments": "5"})
        self.assertIn("Choose between 2 and 4 monthly instalments", too_many.text)
        self._ar_profile(self.customer).sudo().blacklisted = True
        blacklisted = self._post_action(self.invoice, "plan", {"instalments": "3"})
        self.assertIn("a payment plan cannot be arranged online for your account", blacklisted.text)
        self.assertFalse(self.env["ar.payment.plan"].search([("move_ids", "in", self.invoice.ids)]))

    # ---- safety --------------------------------------------------------------------

    def test_repeated_submissions_are_rate_limited(self):
        self.env.company.ar_portal_daily_requests = 2
        second = self._ar_invoice(self.customer, 100.0, days_overdue=5)
        third = self._ar_invoice(self.customer, 100.0, days_overdue=5)
        self._post_action(self.invoice, "dispute", {"reason": "price", "message": "Wrong price"})
        self._post_action(second, "dispute", {"reason": "price", "message": "Wrong price"})
        refused = self._post_action(third, "dispute", {"reason": "price", "message": "Wrong price"})
        self.assertIn("We have already received 2 requests from you today", refused.text)
        self.assertFalse(third.ar_dispute_id)

    def test_a_forged_access_token_is_refused(self):
        response = self._post_action(self.invoice, "promise", self._promise_data(), access_token="forged-token")
        self.assertIn(urlparse(response.url).path, ("/my", "/web/login"), "sent away, not to the invoice")
        self.assertFalse(self.invoice.ar_promise_id)

    def test_an_expired_email_link_cannot_act(self):
        with freeze_time(self._ar_today() - timedelta(days=31)):
            old_link = self.invoice._ar_portal_link_token()
        self.assertFalse(self.invoice._ar_portal_check_link(old_link))
        self.invoice._portal_ensure_token()
        self.assertFalse(self.invoice._ar_portal_check_link("AXNvbWV0aGluZyBmb3JnZWQ"))
        self.assertFalse(self.other_invoice._ar_portal_check_link(self.invoice._ar_portal_link_token()))
        token = self.invoice.access_token
        page = self.url_open(f"/my/invoices/{self.invoice.id}?access_token={token}&ar_link={old_link}")
        self.assertIn("sign in", page.text)
        self.assertNotIn('id="ar_form_promise"', page.text)
        _page, csrf = self._csrf(self._email_link(self.other_invoice))
        response = self.url_open(
            f"/my/invoices/{self.invoice.id}/collection/promise",
            data={
                "csrf_token": csrf,
                "access_token": self.invoice.access_token,
                "ar_link": old_link,
                **self._promise_data(),
            },
        )
        self.assertIn(urlparse(response.url).path, ("/my", "/web/login"))
        self.assertFalse(self.invoice.ar_promise_id)

    def test_a_portal_user_cannot_reach_another_customers_invoice(self):
        self.authenticate(self.portal_user.login, self.portal_user.login)
        page = self.url_open(f"/my/invoices/{self.other_invoice.id}")
        self.assertEqual(urlparse(page.url).path, "/my")
        _page, csrf = self._csrf(f"/my/invoices/{self.invoice.id}")
        response = self.url_open(
            f"/my/invoices/{self.other_invoice.id}/collection/promise",
            data={"csrf_token": csrf, **self._promise_data()},
        )
        self.assertEqual(urlparse(response.url).path, "/my")
        self.assertFalse(self.other_invoice.ar_promise_id)

    def test_a_post_without_csrf_token_is_rejected(self):
        response = self.url_open(
            f"/my/invoices/{self.invoice.id}/collection/promise",
            data={"access_token": self.invoice.access_token, **self._promise_data()},
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.invoice.ar_promise_id)

    # ---- statement of account --------------------------------------------------------

    def test_the_statement_shows_the_customers_own_movements(self):
        self._ar_pay(self.invoice, amount=200.0)
        self.authenticate(self.portal_user.login, self.portal_user.login)
        date_from = self._ar_today() - timedelta(days=90)
        response = self.url_open(f"/my/statement?date_from={date_from}&date_to={self._ar_today()}")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.invoice.name, response.text)
        self.assertNotIn(self.other_invoice.name, response.text)
        closing = re.search(r'o_ar_closing"[^>]*>(.*?)</div>', response.text, re.S).group(1)
        self.assertIn("1,000.00", closing)

        pdf = self.url_open(f"/my/statement/pdf?date_from={date_from}&date_to={self._ar_today()}")
        self.assertEqual(pdf.headers["Content-Type"], "application/pdf")
        self.assertIn("attachment;", pdf.headers["Content-Disposition"])
        # HTML under the PDF content type in test mode (see above); test_letters renders the real PDF.
        self.assertIn(self.invoice.name.encode(), pdf.content)
        self.assertNotIn(self.other_invoice.name.encode(), pdf.content)

    def test_the_statement_rejects_a_reversed_period(self):
        self.authenticate(self.portal_user.login, self.portal_user.login)
        response = self.url_open("/my/statement?date_from=2026-12-31&date_to=2026-01-01")
        self.assertIn("The statement period ends before it starts", response.text)

    def test_the_statement_needs_a_login(self):
        response = self.url_open("/my/statement")
        self.assertEqual(urlparse(response.url).path, "/web/login")

    # ---- browser tour ------------------------------------------------------------------

    def test_tour_from_the_email_link_to_a_recorded_promise(self):
        self.start_tour(self._email_link(self.invoice), "ar_collections_portal_promise")
        promise = self.invoice.ar_promise_id
        self.assertEqual(promise.amount, 600.0)
        self.assertEqual(promise.promised_date, self._ar_today() + timedelta(days=10))
        self.assertEqual(promise.note, "Our payment run is on the 5th")
        self.assertTrue(promise.by_customer)
