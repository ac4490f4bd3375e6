"""The review job rates its customers set-wise: a batch of hundreds costs the statements of a few,
and each customer of it ends with its own score, rating, limit, terms, history and next date."""

from datetime import timedelta

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo.tests import tagged

from .common import ArCollectionsCommon


@tagged("post_install", "-at_install")
class TestCreditReviewBatch(ArCollectionsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Profile = cls.env["ar.credit.profile"]
        cls.Review = cls.env["ar.credit.review"]
        # Only the customers a test makes are due for review.
        cls.Profile.sudo()._create_missing_customer_profiles()
        cls.Profile.sudo().search([]).write({"next_review_date": cls._ar_today() + relativedelta(years=1)})

    @classmethod
    def _customers(cls, prefix, count, late=0):
        """``count`` new customers of which the first ``late`` pay a month late (score 36,
        rating D), the others have no history yet (starting score 60, rating B); all due."""
        partners = cls.env["res.partner"].create(
            [{"name": f"{prefix} {i}", "is_company": True, "customer_rank": 1} for i in range(count)]
        )
        late_payers = partners[:late]
        if late_payers:
            cls._pay_a_month_late(late_payers)
        cls.Profile._get_or_create(partners, cls.env.company).sudo().write({"next_review_date": cls._ar_today()})
        return late_payers, partners - late_payers

    @classmethod
    def _pay_a_month_late(cls, partners):
        """Four invoices each, due 100 to 40 days ago, each paid 30 days after its due date."""
        for days_overdue in (100, 80, 60, 40):
            invoices = cls.env["account.move"].create(
                [cls._ar_invoice_values(partner, 1000.0, days_overdue=days_overdue) for partner in partners]
            )
            invoices.action_post()
            cls._ar_pay(invoices, date=invoices[0].invoice_date_due + timedelta(days=30))

    def _profiles(self, partners):
        return self.Profile.search([("partner_id", "in", partners.ids), ("company_id", "=", self.env.company.id)])

    def _review_batch(self, partners):
        """Review these customers as the job reviews one batch; return its query count."""
        profiles = self._profiles(partners).sudo()
        self.env.invalidate_all()
        start = self.env.cr.sql_log_count
        self.Review.sudo()._review(profiles, origin="job")
        self.env.flush_all()
        return self.env.cr.sql_log_count - start

    def _assert_reviewed(self, late_payers, newcomers):
        """The late payers went from B to D (limit 0, immediate terms, reviewed monthly); the
        newcomers kept B (limit 20,000, reviewed every 6 months); one history row each."""
        today = self._ar_today()
        rating_b, rating_d = self._ar_rating("B"), self._ar_rating("D")
        for partners, score, rating, limit, months in (
            (late_payers, 36, rating_d, 0.0, 1),
            (newcomers, 60, rating_b, 20000.0, 6),
        ):
            for partner in partners:
                profile = self._ar_profile(partner)
                self.assertRecordValues(
                    profile,
                    [
                        {
                            "score": score,
                            "score_date": today,
                            "rating_id": rating.id,
                            "credit_limit": limit,
                            "next_review_date": today + relativedelta(months=months),
                            "pending_review_id": False,
                        }
                    ],
                )
                self.assertEqual(profile.score_details["new_customer"], partners == newcomers)
                self.assertRecordValues(
                    self.Review.search([("partner_id", "=", partner.id), ("origin", "=", "job")]),
                    [
                        {
                            "origin": "job",
                            "state": "applied",
                            "old_score": 60,
                            "new_score": score,
                            "old_rating_id": rating_b.id,
                            "new_rating_id": rating.id,
                            "old_limit": 20000.0,
                            "new_limit": limit,
                        }
                    ],
                )
        for partner in late_payers:
            self.assertFalse(partner.use_partner_credit_limit)
            self.assertEqual(partner.property_payment_term_id, rating_d.payment_term_id)
            invoices = self.env["account.move"].search(
                [("partner_id", "=", partner.id), ("move_type", "=", "out_invoice")]
            )
            self.assertEqual(invoices.mapped("ar_rating_id"), rating_d, "the invoices show the new rating")

    def test_a_batch_costs_the_same_queries_for_4_or_16_customers(self):
        """Scores, dates, ratings, terms, limits and invoices are written once for the whole
        batch, whatever its size; each customer still gets its own figures."""
        self._review_batch(self.env["res.partner"].union(*self._customers("Warm-up", 2, late=1)))
        four_late, four_new = self._customers("Four", 4, late=2)
        sixteen_late, sixteen_new = self._customers("Sixteen", 16, late=8)
        # One customer of each batch had its own limit: the new rating replaces it.
        for partner in (four_late[0], sixteen_late[0]):
            partner.with_context(ar_credit_reason="Agreed").write(
                {"use_partner_credit_limit": True, "credit_limit": 20000.0}
            )

        few = self._review_batch(four_late | four_new)
        many = self._review_batch(sixteen_late | sixteen_new)

        self.assertLessEqual(many, few + 5, f"4 customers: {few} queries, 16 customers: {many}")
        self._assert_reviewed(four_late | sixteen_late, four_new | sixteen_new)

    def test_the_job_costs_at_most_a_tenth_of_a_query_per_customer(self):
        """The whole job over a batch of 200 customers, 20 of whom change rating: at most 50
        queries (the batch's search and count, the payment history, a few statements a model)."""
        late_payers, newcomers = self._customers("Batch", 200, late=20)
        self.env.invalidate_all()
        start = self.env.cr.sql_log_count
        done = self.Review._cron_review_due(batch_size=200)
        self.env.flush_all()
        queries = self.env.cr.sql_log_count - start

        self.assertEqual(done, 200)
        self.assertLessEqual(queries, 50, f"{queries} queries for 200 customers")
        self._assert_reviewed(late_payers[:3], newcomers[:3])

    def test_with_approval_each_customer_of_a_batch_gets_its_own_proposal(self):
        self.env.company.ar_credit_approval_required = True
        late_payers, newcomers = self._customers("Proposed", 4, late=3)
        self.Review._cron_review_due()
        proposals = self.Review.search([("partner_id", "in", late_payers.ids)])
        self.assertEqual(proposals.mapped("state"), ["proposed"] * 3)
        for proposal in proposals:
            profile = self._ar_profile(proposal.partner_id)
            self.assertEqual(profile.pending_review_id, proposal)
            self.assertEqual(profile.rating_id.code, "B", "unchanged until approved")
            self.assertEqual(profile.next_review_date, self._ar_today() + relativedelta(months=1))
        self.assertEqual(self._profiles(newcomers).rating_id.code, "B")
        self.assertFalse(self._profiles(newcomers).pending_review_id, "no change, nothing to approve")

        proposals.action_approve()
        self.assertEqual(self._profiles(late_payers).rating_id, self._ar_rating("D"))
        self.assertFalse(self._profiles(late_payers).pending_review_id)
        self.assertEqual(proposals.mapped("new_limit"), [0.0] * 3)

    def test_two_proposals_for_one_customer_can_be_approved_together(self):
        self.env.company.ar_credit_approval_required = True
        late_payer = self._customers("Twice", 1, late=1)[0]
        self.Review._cron_review_due()
        with freeze_time(self._ar_today() + relativedelta(months=1, days=1)):
            self.Review._cron_review_due()
            proposals = self.Review.search([("partner_id", "=", late_payer.id)], order="id")
            self.assertEqual(proposals.mapped("state"), ["proposed", "proposed"])
            proposals.action_approve()
        profile = self._ar_profile(late_payer)
        self.assertEqual(profile.rating_id.code, "D")
        self.assertEqual(proposals.mapped("new_limit"), [0.0, 0.0])
        self.assertFalse(profile.pending_review_id)
