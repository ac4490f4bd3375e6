"""Security behind the limit (担保与信用保险): cover shown beside the exposure and in the credit
check, raising the limit when the company says so, warned before it expires, and the credit
insurer's deadline to hear of an overdue invoice."""

from datetime import timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.exceptions import UserError
from odoo.exceptions import ValidationError

from .common import ArCollectionsCommon


class TestCreditCover(ArCollectionsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = cls._ar_user("cover_manager", "credit_manager")
        cls.collector = cls._ar_user("cover_collector", "collector")
        cls.bank = cls._ar_customer("Bank of Hangzhou")
        cls.insurer = cls._ar_customer("Sinosure")
        cls.customer.with_company(cls.env.company).write({"use_partner_credit_limit": True, "credit_limit": 10000.0})

    def _cover(self, **values):
        today = self._ar_today()
        return (
            self.env["ar.credit.cover"]
            .with_user(self.manager)
            .create(
                {
                    "name": "BG-2026-001",
                    "kind": "bank_guarantee",
                    "partner_id": self.customer.id,
                    "guarantor_id": self.bank.id,
                    "amount": 30000.0,
                    "date_start": today - timedelta(days=10),
                    "date_end": today + timedelta(days=200),
                    **values,
                }
            )
        )

    def test_valid_cover_shows_beside_the_exposure_and_in_the_check(self):
        self._cover()
        self._cover(
            name="OLD-1",
            date_end=self._ar_today() - timedelta(days=1),
            date_start=self._ar_today() - timedelta(days=90),
        )
        profile = self._ar_profile(self.customer)
        self.assertEqual(profile.secured_amount, 30000.0, "the expired guarantee does not count")
        self.assertEqual(profile.credit_limit, 10000.0, "not counted in the limit unless the company says so")
        with self.assertRaises(UserError) as blocked:
            self._ar_sale_order(self.customer, 12000.0).action_confirm()
        self.assertIn("above the credit limit of $\xa010,000.00", str(blocked.exception))
        self.assertIn(
            "Secured by guarantees and cover valid today: $\xa030,000.00 (not counted", str(blocked.exception)
        )

    def test_the_company_may_count_valid_cover_in_the_limit(self):
        self.env.company.ar_cover_raises_limit = True
        cover = self._cover()
        profile = self._ar_profile(self.customer)
        profile._refresh_limits()
        self.assertEqual(profile.credit_limit, 40000.0)
        self.assertEqual(self._ar_sale_order(self.customer, 35000.0, confirm=True).state, "sale")
        with self.assertRaises(UserError) as blocked:
            self._ar_sale_order(self.customer, 6000.0).action_confirm()
        self.assertIn("counted in the credit limit", str(blocked.exception))
        # Once the guarantee has ended, the daily job takes it out of the limit.
        with freeze_time(cover.date_end + timedelta(days=1)):
            self.env["ar.credit.cover"]._cron_daily()
            self.assertEqual((profile.secured_amount, profile.credit_limit), (0.0, 10000.0))
            self.assertTrue(profile.over_limit)

    def test_cover_in_another_currency_counts_in_company_currency(self):
        eur = self.setup_other_currency("EUR", rates=[("2000-01-01", 0.5)])
        cover = self._cover(amount=1000.0, currency_id=eur.id, date_start=self._ar_today())
        self.assertEqual(cover.amount_company, 2000.0)
        self.assertEqual(self._ar_profile(self.customer).secured_amount, 2000.0)

    def test_expiring_cover_gives_the_credit_manager_one_activity(self):
        self.env.company.ar_credit_manager_id = self.manager
        cover = self._cover(date_end=self._ar_today() + timedelta(days=40))
        Cover = self.env["ar.credit.cover"]
        self.assertNotIn(cover, Cover._alert_expiring(), "40 days before: not yet")
        with freeze_time(self._ar_today() + timedelta(days=11)):
            self.assertIn(cover, Cover._alert_expiring())
            self.assertNotIn(cover, Cover._alert_expiring(), "once")
        activity = cover.activity_ids
        self.assertEqual((activity.user_id, activity.date_deadline), (self.manager, cover.date_end))
        self.assertIn("BG-2026-001", activity.summary)

    def test_the_insurers_reporting_deadline_becomes_an_activity_and_a_filter(self):
        self.env.company.ar_credit_manager_id = self.manager
        self._cover(name="SINOSURE-88", kind="insurance", guarantor_id=self.insurer.id, report_days=60)
        late = self._ar_invoice(self.customer, 800.0, days_overdue=5)
        not_due = self._ar_invoice(self.customer, 300.0, days_overdue=-10)
        other = self._ar_invoice(self._ar_customer("Uninsured Co"), 500.0, days_overdue=5)
        self.env["ar.credit.cover"]._cron_daily()
        self.assertEqual(late.ar_insurer_deadline, late.invoice_date_due + timedelta(days=60))
        self.assertFalse(not_due.ar_insurer_deadline)
        self.assertFalse(other.ar_insurer_deadline)
        activity = late.activity_ids.filtered(lambda a: a.activity_type_id.name == "Report to Credit Insurer")
        self.assertEqual((activity.user_id, activity.date_deadline), (self.manager, late.ar_insurer_deadline))
        self.env["ar.credit.cover"]._cron_daily()
        self.assertEqual(len(late.activity_ids), 1, "one activity per invoice")
        to_report = [("ar_insurer_deadline", "!=", False), ("ar_insurer_notified_on", "=", False)]
        self.assertIn(late, self.env["account.move"].search(to_report))

        with self.assertRaises(AccessError):
            late.with_user(self._ar_user("cover_sales", "salesman")).action_ar_insurer_notified()
        late.with_user(self.collector).action_ar_insurer_notified()
        self.assertEqual(late.ar_insurer_notified_on, self._ar_today())
        self.assertNotIn(late, self.env["account.move"].search(to_report))
        self.assertFalse(late.activity_ids)
        with self.assertRaisesRegex(UserError, "insured customer"):
            other.with_user(self.collector).action_ar_insurer_notified()

    def test_cover_is_checked_and_kept_by_credit_managers(self):
        with self.assertRaises(ValidationError):
            self._cover(kind="insurance", report_days=0)
        with self.assertRaises(ValidationError):
            self._cover(date_end=self._ar_today() - timedelta(days=20))
        with self.assertRaises(ValidationError):
            self._cover(amount=-5.0)
        with self.assertRaises(AccessError):
            self.env["ar.credit.cover"].with_user(self.collector).create(
                {"name": "X", "partner_id": self.customer.id, "amount": 1e9}
            )
        cover = self._cover()
        self.assertEqual(cover.with_user(self.collector).read(["amount"])[0]["amount"], 30000.0)
        with self.assertRaises(AccessError):
            cover.with_user(self.collector).write({"amount": 1e9})
