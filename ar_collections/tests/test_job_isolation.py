"""Every scheduled job isolates its records: one that fails is logged and skipped, the others
are done; each job stops within its time budget and leaves the rest due; the monthly
statement goes out once a month, however often the job runs."""

from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import fields
from odoo.tests import tagged

from .common import ArCollectionsCommon

BATCH_LOGGER = "odoo.addons.ar_collections.tools.batch_jobs"


def failing_for(model, method, bad, arg=None):
    """Patch ``method`` of ``model``'s class to raise for the record ``bad`` (among its records,
    or among its argument ``arg``, by position) and to run as usual for any other."""
    cls = type(model)
    original = getattr(cls, method)

    def side_effect(self, *args, **kwargs):
        records = self if arg is None else args[arg]
        if bad in records:
            raise ValueError(f"{bad.display_name} is broken")
        return original(self, *args, **kwargs)

    return patch.object(cls, method, autospec=True, side_effect=side_effect)


@tagged("post_install", "-at_install")
class TestJobIsolation(ArCollectionsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        # Only this test company's records are the jobs' business (the database has demo data).
        others = cls.env["res.company"].sudo().search([("id", "!=", company.id)])
        others.write({"ar_credit_review_enabled": False, "ar_statement_monthly": False})
        for model, state in (("ar.collection.promise", "open"), ("ar.payment.plan", "active")):
            cls.env[model].sudo().search([("company_id", "!=", company.id), ("state", "=", state)]).write(
                {"state": "cancelled"}
            )
        cls.customers = cls.customer | cls._ar_customer("Second Ltd") | cls._ar_customer("Third Ltd")
        cls.good, cls.bad = cls.customers - cls.customers[1], cls.customers[1]
        cls.invoices = {partner: cls._ar_invoice(partner, 500.0, days_overdue=20) for partner in cls.customers}
        cls.env["ar.credit.profile"]._get_or_create(cls.customers, company)

    def _profiles(self, partners=None):
        return self.env["ar.credit.profile"].search(
            [("partner_id", "in", (partners or self.customers).ids), ("company_id", "=", self.env.company.id)]
        )

    # ---- promise and payment plan follow-ups ------------------------------------------

    def _promises(self):
        promises = self.env["ar.collection.promise"].create(
            [
                {
                    "partner_id": partner.id,
                    "move_ids": [(6, 0, invoice.ids)],
                    "promised_date": self._ar_today() + timedelta(days=5),
                    "amount": 500.0,
                }
                for partner, invoice in self.invoices.items()
            ]
        )
        for invoice in self.invoices.values():
            self._ar_pay(invoice)
        return promises

    def _plans(self):
        plans = self.env["ar.payment.plan"].create(
            [
                {"partner_id": partner.id, "move_ids": [(6, 0, invoice.ids)], "instalment_count": 2}
                for partner, invoice in self.invoices.items()
            ]
        )
        plans.action_compute_schedule()
        plans.action_confirm()
        for invoice in self.invoices.values():
            self._ar_pay(invoice)
        return plans

    def test_a_promise_that_fails_its_follow_up_does_not_stop_the_others(self):
        promises = self._promises()
        bad = promises.filtered(lambda promise: promise.partner_id == self.bad)
        Promise = self.env["ar.collection.promise"]
        with failing_for(Promise, "_check_deadline", bad), self.assertLogs(BATCH_LOGGER, "WARNING") as logs:
            done = Promise._cron_follow_up()
        self.assertEqual(done, 2)
        self.assertEqual((promises - bad).mapped("state"), ["kept", "kept"])
        self.assertEqual(bad.state, "open", "left as it was, for the next run")
        self.assertIn(f"Promise follow-up failed for ar.collection.promise (id {bad.id})", "\n".join(logs.output))
        self.assertEqual(Promise._cron_follow_up(), 1, "the next run follows it up")
        self.assertEqual(bad.state, "kept")

    def test_a_payment_plan_that_fails_its_follow_up_does_not_stop_the_others(self):
        plans = self._plans()
        bad = plans.filtered(lambda plan: plan.partner_id == self.bad)
        Plan = self.env["ar.payment.plan"]
        with failing_for(Plan, "_check_schedule", bad), self.assertLogs(BATCH_LOGGER, "WARNING") as logs:
            done = Plan._cron_follow_up()
        self.assertEqual(done, 2)
        self.assertEqual((plans - bad).mapped("state"), ["honoured", "honoured"])
        self.assertEqual(bad.state, "active")
        self.assertIn(f"Payment plan follow-up failed for ar.payment.plan (id {bad.id})", "\n".join(logs.output))

    def test_the_promise_follow_up_stops_within_its_time_budget(self):
        promises = self._promises()
        # A budget of zero runs one batch, as a job cut off by its time limit would.
        self.assertEqual(self.env["ar.collection.promise"]._cron_follow_up(batch_size=1, time_budget=0), 1)
        self.assertEqual(promises.mapped("state").count("open"), 2, "the rest stays due")
        self._follow_up()
        self.assertEqual(set(promises.mapped("state")), {"kept"})

    def test_the_plan_follow_up_stops_within_its_time_budget(self):
        plans = self._plans()
        self.assertEqual(self.env["ar.payment.plan"]._cron_follow_up(batch_size=2, time_budget=0), 2)
        self.assertEqual(plans.mapped("state").count("active"), 1, "the rest stays due")
        self._follow_up()
        self.assertEqual(set(plans.mapped("state")), {"honoured"})

    # ---- credit review -----------------------------------------------------------------

    def test_a_customer_whose_review_fails_does_not_stop_the_others(self):
        self.env.company.ar_credit_review_enabled = True
        Review = self.env["ar.credit.review"]
        bad_profile = self._profiles(self.bad)
        with failing_for(Review, "_review", bad_profile, arg=0), self.assertLogs(BATCH_LOGGER, "WARNING") as logs:
            Review._cron_review_due()
        reviewed = Review.search([("partner_id", "in", self.customers.ids), ("origin", "=", "job")])
        self.assertEqual(reviewed.partner_id, self.good)
        self.assertLessEqual(bad_profile.next_review_date, self._ar_today(), "still due, for the next run")
        self.assertIn(f"Credit review failed for ar.credit.profile (id {bad_profile.id})", "\n".join(logs.output))

    def test_the_review_stops_within_its_time_budget(self):
        self.env.company.ar_credit_review_enabled = True
        profiles = self._profiles()
        profiles.write({"next_review_date": self._ar_today()})
        done = self.env["ar.credit.review"]._cron_review_due(batch_size=1, time_budget=0)
        self.assertEqual(done, 1)
        due = profiles.filtered(lambda profile: profile.next_review_date <= self._ar_today())
        self.assertGreaterEqual(len(due), 2, "the rest stays due")

    # ---- exposure ----------------------------------------------------------------------

    def _stale_exposure(self):
        """Forget the customers' overdue figures, as if the calendar had moved since."""
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE ar_credit_profile SET overdue_amount = 0, exposure_date = NULL WHERE id = ANY(%s)",
            [self._profiles().ids],
        )
        self.env.invalidate_all()

    def test_a_customer_whose_exposure_fails_does_not_stop_the_others(self):
        self._stale_exposure()
        Profile = self.env["ar.credit.profile"]
        with failing_for(Profile, "_refresh_exposure", self.bad, arg=0), self.assertLogs(BATCH_LOGGER, "WARNING"):
            Profile._cron_refresh_exposure()
        self.assertEqual(self._profiles(self.good).mapped("overdue_amount"), [500.0, 500.0])
        self.assertEqual(self._profiles(self.bad).overdue_amount, 0.0)

    def test_the_exposure_refresh_stops_within_its_time_budget_and_resumes_with_the_oldest(self):
        self._stale_exposure()
        Profile = self.env["ar.credit.profile"]
        self.assertEqual(Profile._cron_refresh_exposure(batch_size=1, time_budget=0), 1)
        self.assertEqual(sorted(self._profiles().mapped("overdue_amount")), [0.0, 0.0, 500.0])
        Profile._cron_refresh_exposure(batch_size=2, time_budget=0)
        self.assertEqual(self._profiles().mapped("overdue_amount"), [500.0] * 3, "the stale ones went first")

    # ---- monthly statements -------------------------------------------------------------

    def _statement_mails(self, partners=None):
        return self.env["mail.mail"].search(
            [("model", "=", "res.partner"), ("res_id", "in", (partners or self.customers).ids)]
        )

    def _statement_events(self, partners=None):
        return self.env["ar.collection.event"].search(
            [("partner_id", "in", (partners or self.customers).ids), ("kind", "=", "statement")]
        )

    def test_a_statement_that_fails_does_not_stop_the_others_and_none_goes_twice(self):
        self.env.company.ar_statement_monthly = True
        Partner = self.env["res.partner"]
        with failing_for(Partner, "_ar_send_statements", self.bad), self.assertLogs(BATCH_LOGGER, "WARNING") as logs:
            Partner._cron_ar_monthly_statements()
        self.assertEqual(set(self._statement_mails().mapped("res_id")), set(self.good.ids))
        failure = f"Monthly statements failed for ar.credit.profile (id {self._profiles(self.bad).id})"
        self.assertIn(failure, "\n".join(logs.output))
        last_month_end = self._ar_today().replace(day=1) - timedelta(days=1)
        self.assertEqual(self._profiles(self.good).mapped("statement_sent_until"), [last_month_end] * 2)
        self.assertEqual(self._statement_events().partner_id, self.good, "the ledger says what was sent")

        # Run again the same month (say, after a crash): only the one not sent yet gets it.
        Partner._cron_ar_monthly_statements()
        self.assertEqual(len(self._statement_mails(self.good)), 2)
        self.assertEqual(len(self._statement_mails(self.bad)), 1)
        self.assertEqual(len(self._statement_events()), 3)
        Partner._cron_ar_monthly_statements()
        self.assertEqual(len(self._statement_mails()), 3, "none twice")

    def test_statements_stop_within_their_time_budget(self):
        self.env.company.ar_statement_monthly = True
        Partner = self.env["res.partner"]
        self.assertEqual(Partner._cron_ar_monthly_statements(batch_size=1, time_budget=0), 1)
        self.assertEqual(len(self._statement_mails()), 1)
        self.assertEqual(Partner._cron_ar_monthly_statements(), 2, "the rest the next time")
        self.assertEqual(len(self._statement_mails()), 3)

    def test_next_month_the_statement_goes_again(self):
        self.env.company.ar_statement_monthly = True
        Partner = self.env["res.partner"]
        Partner._cron_ar_monthly_statements()
        next_month = fields.Date.add(self._ar_today().replace(day=1), months=1)
        profiles = self._profiles()
        with freeze_time(next_month):
            self.assertEqual(Partner._cron_ar_monthly_statements(), 3)
        self.assertEqual(set(profiles.mapped("statement_sent_until")), {next_month - timedelta(days=1)})
