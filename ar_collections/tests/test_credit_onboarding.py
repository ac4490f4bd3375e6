"""Credit before the first order (信用申请): new customers on the company's new-customer terms until
a credit manager approves their application, four eyes above a threshold, and the applications
filed by salespeople and in the portal, tried over JSON-RPC and HTTP as each role."""

import re

from odoo.exceptions import AccessError
from odoo.exceptions import UserError
from odoo.tests import HttpCase
from odoo.tests import tagged

from .common import ArCollectionsCommon


class OnboardingCase(ArCollectionsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.salesman = cls._ar_user("onb_sales", "salesman")
        cls.manager = cls._ar_user("onb_manager", "credit_manager")
        cls.second_manager = cls._ar_user("onb_manager2", "credit_manager")
        # Onboarding starts now, as when the addon is installed: the customers created from now on are
        # new; one created the day before is an established customer.
        cls.company.ar_credit_onboarding_since = cls.env.cr.now()
        cls.established = cls._ar_customer("Old Friend Trading")
        cls.env.cr.execute(
            "UPDATE res_partner SET create_date = create_date - interval '1 day' WHERE id = %s", [cls.established.id]
        )
        cls.established.invalidate_recordset(["create_date"])
        cls.newcomer = cls._ar_customer("Newcomer Ltd", vat="91330100MA2B3C4D5E", user_id=cls.salesman.id)

    def _application(self, user=None, partner=None, **values):
        return (
            self.env["ar.credit.application"]
            .with_user(user or self.salesman)
            .create(
                {
                    "partner_id": (partner or self.newcomer).id,
                    "vat": "91330100MA2B3C4D5E",
                    "legal_representative": "张伟",
                    "requested_limit": 30000.0,
                    **values,
                }
            )
        )


class TestNewCustomerTerms(OnboardingCase):
    def test_a_new_customer_buys_on_prepayment_until_its_credit_is_approved(self):
        order = self._ar_sale_order(self.newcomer, 400.0)
        with self.assertRaises(UserError) as blocked:
            order.action_confirm()
        message = str(blocked.exception)
        self.assertIn("Newcomer Ltd has no approved credit (New customer)", message)
        self.assertIn("payment in advance is required", message)
        self.assertIn("400.00", message, "the message names the order's total")
        self.assertIn("File a credit application", message)
        profile = self.env["ar.credit.profile"]._get_or_create(self.newcomer, self.company)
        self.assertEqual((profile.credit_state, profile.prepayment_required), ("new", True))
        self.assertEqual(profile.credit_limit_source, "new")
        self.assertEqual(order.state, "draft")

    def test_the_company_may_give_new_customers_a_small_limit_instead(self):
        self.company.write({"ar_new_customer_terms": "limit", "ar_new_customer_limit": 500.0})
        self._ar_sale_order(self.newcomer, 400.0, confirm=True)
        profile = self._ar_profile(self.newcomer)
        self.assertEqual((profile.credit_limit, profile.credit_limit_source), (500.0, "new"))
        with self.assertRaises(UserError) as blocked:
            self._ar_sale_order(self.newcomer, 200.0).action_confirm()
        self.assertIn("above the credit limit of $\xa0500.00", str(blocked.exception))

    def test_customers_that_existed_before_keep_their_terms(self):
        order = self._ar_sale_order(self.established, 5000.0, confirm=True)
        self.assertEqual(order.state, "sale", "no mass block on install")
        profile = self._ar_profile(self.established)
        self.assertEqual(profile.credit_state, "approved")
        self.assertEqual((profile.credit_limit, profile.credit_limit_source), (20000.0, "rating"))


class TestCreditApplication(OnboardingCase):
    def test_an_approved_application_sets_limit_terms_and_rating_and_is_logged(self):
        application = self._application(
            requested_payment_term_id=self.env.ref("account.account_payment_term_30days").id
        )
        self.assertEqual((application.kind, application.profile_id), ("new", self._ar_profile(self.newcomer)))
        application.action_submit()
        profile = self._ar_profile(self.newcomer)
        self.assertEqual(profile.credit_state, "applied")
        self.assertTrue(application.activity_ids, "the credit manager has the application to decide")
        with self.assertRaises(AccessError):
            application.with_user(self.salesman).action_approve()
        with self.assertRaises(UserError):
            application.with_user(self.salesman).write({"approved_limit": 1e9})

        application.with_user(self.manager).write(
            {
                "approved_limit": 25000.0,
                "approved_rating_id": self._ar_rating("A").id,
                "decision_note": "Audited, sound",
            }
        )
        application.with_user(self.manager).action_approve()
        self.assertEqual((application.state, application.approver_id), ("approved", self.manager))
        self.assertEqual(profile.credit_state, "approved")
        self.assertEqual((profile.credit_limit, profile.credit_limit_source), (25000.0, "partner"))
        self.assertEqual(profile.rating_id, self._ar_rating("A"))
        partner = self.newcomer.with_company(self.company)
        self.assertEqual(partner.property_payment_term_id, self.env.ref("account.account_payment_term_30days"))
        history = profile.review_ids.filtered(lambda review: review.origin == "application")
        self.assertEqual(len(history), 1)
        self.assertEqual((history.old_limit, history.new_limit, history.user_id), (0.0, 25000.0, self.manager))
        self.assertIn(application.name, history.reason)
        self.assertIn("Audited, sound", history.reason)
        self.assertFalse(application.activity_ids, "the decision closes the activity")
        self.env["ar.credit.review"]._cron_review_due()
        self.assertEqual((profile.credit_limit, profile.rating_id.code), (25000.0, "A"), "the job keeps the decision")
        self.assertEqual(self._ar_sale_order(self.newcomer, 24000.0, confirm=True).state, "sale")

    def test_a_rejected_application_keeps_prepayment_even_with_a_small_limit(self):
        self.company.write({"ar_new_customer_terms": "limit", "ar_new_customer_limit": 500.0})
        application = self._application()
        application.action_submit()
        with self.assertRaisesRegex(UserError, "why the credit is refused"):
            application.with_user(self.manager).action_reject()
        application.with_user(self.manager).write({"decision_note": "Two lawsuits for unpaid suppliers"})
        application.with_user(self.manager).action_reject()
        profile = self._ar_profile(self.newcomer)
        self.assertEqual((application.state, profile.credit_state), ("rejected", "rejected"))
        self.assertTrue(profile.prepayment_required)
        self.assertEqual(profile.credit_limit, 0.0)
        logged = profile.review_ids.filtered(lambda review: review.origin == "application")
        self.assertEqual(logged.state, "rejected")
        self.assertIn("Two lawsuits", logged.reason)
        with self.assertRaisesRegex(UserError, "no approved credit \\(Application rejected\\)"):
            self._ar_sale_order(self.newcomer, 100.0).action_confirm()

    def test_an_incomplete_application_is_not_submitted(self):
        application = self._application(legal_representative=False, requested_limit=0.0)
        with self.assertRaisesRegex(UserError, "Legal Representative, Requested Limit"):
            application.action_submit()
        self.assertEqual(application.state, "draft")
        self.assertEqual(application.profile_id.credit_state, "new")

    def test_a_limit_above_the_threshold_needs_two_credit_managers(self):
        self.company.ar_credit_four_eyes_limit = 100000.0
        application = self._application(requested_limit=150000.0)
        application.action_submit()
        self.assertTrue(application.needs_second_approval)
        application.with_user(self.manager).action_approve()
        self.assertEqual((application.state, application.first_approver_id), ("first_approved", self.manager))
        self.assertEqual(application.profile_id.credit_state, "applied", "nothing granted after one approval")
        with self.assertRaisesRegex(UserError, "another credit manager"):
            application.with_user(self.manager).action_approve()
        application.with_user(self.second_manager).action_approve()
        self.assertEqual(application.state, "approved")
        self.assertEqual(application.profile_id.credit_limit, 150000.0)
        history = self._ar_profile(self.newcomer).review_ids.filtered(lambda review: review.origin == "application")
        self.assertIn(self.manager.name, history.reason)
        self.assertIn(self.second_manager.name, history.reason)

    def test_a_limit_raised_by_hand_above_the_threshold_is_refused(self):
        self.company.ar_credit_four_eyes_limit = 100000.0
        partner = self.established.with_user(self.manager).sudo()  # the check is on the user, not sudo
        partner.write({"use_partner_credit_limit": True, "credit_limit": 90000.0})
        self.assertEqual(self._ar_profile(self.established).credit_limit, 90000.0)
        with self.assertRaisesRegex(UserError, "two credit managers must approve it"):
            partner.write({"credit_limit": 120000.0})
        self.assertEqual(self._ar_profile(self.established).credit_limit, 90000.0)
        # A later increase goes through an application (kind: limit increase), four eyes included.
        application = self._application(partner=self.established, requested_limit=120000.0)
        self.assertEqual(application.kind, "increase")
        application.action_submit()
        self.assertEqual(application.profile_id.credit_state, "approved", "an increase does not suspend credit")
        application.with_user(self.manager).action_approve()
        application.with_user(self.second_manager).action_approve()
        self.assertEqual(self._ar_profile(self.established).credit_limit, 120000.0)


@tagged("post_install", "-at_install")
class TestOnboardingOverRpcAndPortal(HttpCase, OnboardingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for user in (cls.salesman, cls.manager):
            user.password = f"{user.login}_pw"
        cls.prospect = cls._ar_customer("Prospect Portal Co")
        cls.portal = cls._ar_user("onb_portal", "portal", partner_id=cls.prospect.id, password="onb_portal_pw")

    def _rpc(self, login, model, method, *args):
        self.authenticate(login, f"{login}_pw")
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw", {"model": model, "method": method, "args": list(args), "kwargs": {}}
        )

    def _refused(self, login, model, method, *args):
        with self.assertRaises(Exception) as refusal:
            self._rpc(login, model, method, *args)
        self.assertRegex(str(refusal.exception), "AccessError|UserError|MissingError", f"{model}.{method}")

    def test_a_salesperson_files_but_cannot_decide_or_forge_a_decision(self):
        values = {"partner_id": self.newcomer.id, "vat": "X1", "legal_representative": "Li", "requested_limit": 9e9}
        self._refused("onb_sales", "ar.credit.application", "create", {**values, "state": "approved"})
        self._refused("onb_sales", "ar.credit.application", "create", {**values, "approved_limit": 9e9})
        application_id = self._rpc("onb_sales", "ar.credit.application", "create", values)
        self._rpc("onb_sales", "ar.credit.application", "action_submit", [application_id])
        for method, args in (
            ("action_approve", ()),
            ("action_reject", ()),
            ("write", ({"state": "approved"},)),
            ("write", ({"approved_limit": 9e9},)),
            ("write", ({"requested_limit": 1.0},)),
        ):
            self._refused("onb_sales", "ar.credit.application", method, [application_id], *args)
        self._refused(
            "onb_sales", "ar.credit.profile", "write", self._ar_profile(self.newcomer).ids, {"credit_state": "approved"}
        )
        self._refused("onb_sales", "res.partner", "write", self.newcomer.ids, {"credit_limit": 5e5})
        application = self.env["ar.credit.application"].browse(application_id)
        self.assertEqual(application.state, "submitted")
        self.assertEqual(self._ar_profile(self.newcomer).credit_state, "applied")
        self._rpc("onb_manager", "ar.credit.application", "write", [application_id], {"approved_limit": 8000.0})
        self._rpc("onb_manager", "ar.credit.application", "action_approve", [application_id])
        self.assertEqual(self._ar_profile(self.newcomer).credit_limit, 8000.0)

    def test_a_prospect_applies_in_the_portal_once_and_reads_nothing_else(self):
        self.authenticate("onb_portal", "onb_portal_pw")
        page = self.url_open("/my/credit")
        self.assertEqual(page.status_code, 200)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        form = {
            "csrf_token": csrf,
            "vat": "91310000MA1FL0XX2Q",
            "legal_representative": "王芳",
            "registration_date": "2019-05-20",
            "registered_capital": "1000000",
            "requested_limit": "50000",
            "trade_references": "上海某供应商, 月结30天",
            # Fields a customer may not set are ignored.
            "approved_limit": "9999999",
            "state": "approved",
        }
        done = self.url_open("/my/credit", data=form, files={"credit_report": ("report.pdf", b"%PDF-1.4 report")})
        self.assertEqual(done.status_code, 200)
        self.assertIn("your application is filed", done.text)
        application = self.env["ar.credit.application"].search([("partner_id", "=", self.prospect.id)])
        self.assertEqual(len(application), 1)
        self.assertEqual((application.state, application.from_portal), ("submitted", True))
        self.assertEqual((application.requested_limit, application.approved_limit), (50000.0, 0.0))
        self.assertEqual(application.credit_report_name, "report.pdf")
        self.assertEqual(self._ar_profile(self.prospect).credit_state, "applied")

        again = self.url_open("/my/credit", data={**form, "csrf_token": csrf})
        self.assertNotIn("o_ar_credit_form", again.text, "one open application at a time")
        self.assertEqual(self.env["ar.credit.application"].search_count([("partner_id", "=", self.prospect.id)]), 1)
        bad = self.url_open("/my/credit", data={**form, "csrf_token": csrf, "requested_limit": "lots"})
        self.assertEqual(bad.status_code, 200)
        for model, method, args in (
            ("ar.credit.application", "read", (application.ids, ["requested_limit"])),
            ("ar.credit.application", "action_approve", (application.ids,)),
            ("ar.credit.profile", "read", (self._ar_profile(self.prospect).ids, ["credit_state"])),
        ):
            self._refused("onb_portal", model, method, *args)
        self.assertEqual(application.state, "submitted")

    def test_the_portal_refuses_a_malformed_application(self):
        self.authenticate("onb_portal", "onb_portal_pw")
        page = self.url_open("/my/credit")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        for bad in ({"requested_limit": "abc"}, {"requested_limit": "nan"}, {"registration_date": "2999-01-01"}):
            form = {"csrf_token": csrf, "vat": "X", "legal_representative": "Y", "requested_limit": "100", **bad}
            answer = self.url_open("/my/credit", data=form)
            self.assertEqual(answer.status_code, 200)
            self.assertIn("o_ar_credit_error", answer.text, bad)
        self.assertFalse(self.env["ar.credit.application"].search([("partner_id", "=", self.prospect.id)]))
