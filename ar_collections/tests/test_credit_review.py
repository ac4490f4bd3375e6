from datetime import timedelta

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.exceptions import UserError
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import ArCollectionsCommon


@tagged("post_install", "-at_install")
class TestCreditReview(ArCollectionsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A customer paying a month late: its history scores 36, rating D.
        cls.late_payer = cls._ar_customer("Late Payer")
        for days_overdue in (100, 80, 60, 40):
            invoice = cls._ar_invoice(cls.late_payer, 1000.0, days_overdue=days_overdue)
            cls._ar_pay(invoice, date=invoice.invoice_date_due + timedelta(days=30))
        cls.Profile = cls.env["ar.credit.profile"]

    def _reviews(self, partner):
        return self.env["ar.credit.review"].search([("partner_id", "=", partner.id)], order="id")

    def test_the_job_rates_customers_whose_review_date_has_come(self):
        profile = self._ar_profile(self.late_payer)
        self.assertEqual(profile.rating_id.code, "B", "starts with the starting score")
        self.late_payer.with_context(ar_credit_reason="Agreed 20k").write(
            {"use_partner_credit_limit": True, "credit_limit": 20000.0}
        )

        self.env["ar.credit.review"]._cron_review_due()

        review = self._reviews(self.late_payer).filtered(lambda r: r.origin == "job")
        self.assertRecordValues(
            review,
            [
                {
                    "old_score": 60,
                    "new_score": 36,
                    "old_rating_id": self._ar_rating("B").id,
                    "new_rating_id": self._ar_rating("D").id,
                    "old_limit": 20000.0,
                    "new_limit": 0.0,
                    "state": "applied",
                }
            ],
        )
        self.assertEqual(profile.rating_id.code, "D")
        self.assertFalse(self.late_payer.use_partner_credit_limit, "a new rating brings its own limit")
        self.assertEqual(self.late_payer.property_payment_term_id, self._ar_rating("D").payment_term_id)
        self.assertEqual(profile.next_review_date, self._ar_today() + relativedelta(months=1))

    def test_the_job_is_idempotent_the_same_day_and_reviews_again_when_due(self):
        self.env["ar.credit.review"]._cron_review_due()
        count = len(self._reviews(self.late_payer))
        self.env["ar.credit.review"]._cron_review_due()
        self.assertEqual(len(self._reviews(self.late_payer)), count, "nothing new the same day")

        with freeze_time(self._ar_today() + timedelta(days=32)):
            self.env["ar.credit.review"]._cron_review_due()
        self.assertEqual(len(self._reviews(self.late_payer)), count + 1, "rating D is reviewed monthly")

    def test_with_approval_the_job_only_proposes(self):
        self.env.company.ar_credit_approval_required = True
        self.env["ar.credit.review"]._cron_review_due()
        profile = self._ar_profile(self.late_payer)
        proposal = profile.pending_review_id
        self.assertEqual(proposal.state, "proposed")
        self.assertEqual(profile.rating_id.code, "B", "unchanged until approved")
        self.assertEqual(self.late_payer.ar_proposed_rating_id.code, "D")
        self.assertIn(
            self.late_payer, self.env["res.partner"].search([("ar_credit_profile_ids.pending_review_id", "!=", False)])
        )

        self.late_payer.action_ar_approve_review()
        self.assertEqual((proposal.state, proposal.decided_by_id), ("approved", self.env.user))
        self.assertEqual(profile.rating_id.code, "D")
        self.assertFalse(profile.pending_review_id)
        with self.assertRaisesRegex(UserError, "already decided"):
            proposal.action_reject()

    def test_a_rejected_proposal_keeps_the_rating(self):
        self.env.company.ar_credit_approval_required = True
        self.env["ar.credit.review"]._cron_review_due()
        profile = self._ar_profile(self.late_payer)
        proposal = profile.pending_review_id
        proposal.action_reject()
        self.assertEqual(proposal.state, "rejected")
        self.assertEqual(profile.rating_id.code, "B")

    def test_manual_rating_and_limit_changes_are_logged(self):
        self.late_payer.with_context(ar_credit_reason="Bank guarantee received").ar_credit_rating_id = self._ar_rating(
            "A"
        )
        self.late_payer.write({"use_partner_credit_limit": True, "credit_limit": 12000.0})
        reviews = self._reviews(self.late_payer).filtered(lambda r: r.origin in ("rating", "limit"))
        self.assertRecordValues(
            reviews,
            [
                {
                    "origin": "rating",
                    "new_rating_id": self._ar_rating("A").id,
                    "old_limit": 20000.0,
                    "new_limit": 50000.0,
                    "reason": "Bank guarantee received",
                },
                {
                    "origin": "limit",
                    "new_rating_id": self._ar_rating("A").id,
                    "old_limit": 50000.0,
                    "new_limit": 12000.0,
                    "reason": "Credit limit changed by hand",
                },
            ],
        )
        self.assertEqual(self._ar_profile(self.late_payer).credit_limit_source, "partner")

    def test_history_is_append_only(self):
        self.env["ar.credit.review"]._cron_review_due()
        review = self._reviews(self.late_payer)[-1]
        with self.assertRaisesRegex(UserError, "append-only"):
            review.reason = "rewritten"
        with self.assertRaisesRegex(UserError, "append-only"):
            review.sudo().unlink()

    def test_negative_limits_are_refused(self):
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            self.late_payer.write({"use_partner_credit_limit": True, "credit_limit": -5.0})

    def test_a_salesperson_cannot_rate_or_change_limits(self):
        salesman = self._ar_user("ar_review_salesman", "salesman")
        partner = self.late_payer.with_user(salesman)
        self.assertEqual(partner.ar_credit_rating_id.code, "B", "the salesperson sees the rating")
        with self.assertRaises(AccessError):
            partner.ar_credit_rating_id = self._ar_rating("A")
        with self.assertRaises(AccessError):
            partner.write({"credit_limit": 99999.0})
        collector = self._ar_user("ar_review_collector", "collector")
        with self.assertRaisesRegex(AccessError, "credit manager"):
            self.late_payer.with_user(collector).write({"use_partner_credit_limit": True, "credit_limit": 99999.0})
