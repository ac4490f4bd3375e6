from datetime import date
from datetime import timedelta

from odoo.tests import tagged

from .test_collection_engine import CollectionCase


@tagged("post_install", "-at_install")
class TestCollectionKpis(CollectionCase):
    """KPIs against figures computed by hand on a small dataset."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Kpi = cls.env["ar.collection.kpi"]
        cls.today = cls._ar_today()
        cls.other = cls._ar_customer("Beta Ltd")
        # Acme: 1,000 due 40 days ago, 500 due in 10 days. Beta: 600 due 10 days ago, 200 paid.
        cls.old = cls._ar_invoice(cls.customer, 1000.0, days_overdue=40)
        cls.future = cls._ar_invoice(cls.customer, 500.0, days_overdue=-10)
        cls.beta = cls._ar_invoice(cls.other, 600.0, days_overdue=10)
        cls._ar_pay(cls.beta, amount=200.0, date=cls.today - timedelta(days=5))

    def test_totals_dso_and_aging(self):
        company = self.env.company
        totals = self.Kpi._totals(company, self.today)
        self.assertEqual((totals["open"], totals["overdue"]), (1900.0, 1400.0))
        self.assertEqual(totals["overdue_share"], 73.7)
        self.assertEqual(totals["customers_overdue"], 2)
        # 1,900 open / 2,100 invoiced in the last 90 days x 90 days.
        self.assertEqual(self.Kpi._dso(company, self.today), 81.4)
        aging = {row["bucket"]: row["amount"] for row in self.Kpi._aging(company)}
        self.assertEqual(
            aging,
            {"current": 500.0, "1_30": 400.0, "31_60": 1000.0, "61_90": 0.0}
            | dict.fromkeys(("91_365", "1_2_years", "2_3_years", "over_3_years"), 0.0),
        )

    def test_promise_dispute_outcome_and_stage_rates(self):
        company = self.env.company
        Promise = self.env["ar.collection.promise"]
        for state, invoice in (("kept", self.beta), ("broken", self.old)):
            promise = Promise.create(
                {
                    "partner_id": invoice.commercial_partner_id.id,
                    "move_ids": [(6, 0, invoice.ids)],
                    "promised_date": self.today,
                    "amount": 100.0,
                }
            )
            promise._close(state)
        self.assertEqual(self.Kpi._promise_kept_rate(company, self.today), {"kept": 1, "broken": 1, "rate": 50.0})

        self.env["ar.collection.dispute"].create({"move_id": self.future.id, "reason": "price"})
        disputes = self.Kpi._dispute_reasons(company, self.today)
        self.assertEqual([(row["reason"], row["count"], row["amount"]) for row in disputes], [("Price", 1, 500.0)])

        self.env["ar.collection.log.wizard"].with_user(self.collector).create(
            {
                "partner_id": self.customer.id,
                "kind": "call",
                "outcome_id": self.env.ref("ar_collections.outcome_no_answer").id,
            }
        ).action_log()
        self.assertEqual(
            self.Kpi._outcomes_by_collector(company, self.today),
            [{"collector": "Cole Collector", "outcome": "No answer", "count": 1}],
        )

        self.env["ar.collection.event"]._log(
            self.customer, company, "email", moves=self.old | self.beta, stage_id=self.stage["demand"].id
        )
        self._ar_pay(self.beta)  # paid right after the demand letter; Acme's invoice is not
        rates = self.Kpi._collection_rate_by_stage(company, self.today)
        self.assertEqual(rates, [{"stage": "Demand letter", "offset": 15, "reached": 2, "paid": 1, "rate": 50.0}])

    def test_collection_effectiveness_index_of_a_month(self):
        partner = self._ar_customer("CEI Ltd")
        january = self._ar_invoice(partner, 1000.0, invoice_date=date(2026, 1, 10), invoice_date_due=date(2026, 2, 9))
        self._ar_invoice(partner, 600.0, invoice_date=date(2026, 2, 5), invoice_date_due=date(2026, 3, 7))
        self._ar_pay(january, amount=700.0, date=date(2026, 2, 20))
        company = self.env.company
        # Opening 1,000 + sales 600 - closing 900 = 700 collected, out of 1,000 collectible
        # (everything but the 600 not yet due at the end of February).
        self.assertEqual(
            self.Kpi._cei_by_month(company, date(2026, 3, 15), months=1), [{"month": "2026-02-01", "cei": 70.0}]
        )

    def test_prediction_forecast_and_worklist_priority(self):
        punctual = self._ar_customer("Ten Days Late Ltd")
        for days_overdue in (80, 60, 40, 20):
            invoice = self._ar_invoice(punctual, 100.0, days_overdue=days_overdue)
            self._ar_pay(invoice, date=invoice.invoice_date_due + timedelta(days=10))
        upcoming = self._ar_invoice(punctual, 300.0, days_overdue=-7)
        profile = self._ar_profile(punctual)
        profile.action_rescore()
        self.assertEqual(profile.payment_delay, 10.0)
        self.assertEqual(upcoming.ar_expected_date, upcoming.invoice_date_due + timedelta(days=10))
        self.assertEqual(
            upcoming.ar_prediction_note,
            "This customer pays on average 10 days late over 4 invoices (last 3 months: 10 days).",
        )
        weekly = self.env["ar.cashin.forecast"].search([("move_id", "=", upcoming.id)])
        self.assertEqual(
            {row.kind: row.date for row in weekly},
            {"due": upcoming.invoice_date_due, "expected": upcoming.invoice_date_due + timedelta(days=10)},
        )
        # Acme owes 1,000 for 40 days: 1,000 x (10 % + 90 % x 40 / 90) = 500 expected loss.
        self.assertEqual(self._ar_profile(self.customer).priority, 500.0)
        worklist = self.env["ar.credit.profile"].search(
            [("company_id", "=", self.env.company.id), ("overdue_amount", ">", 0)], order="priority desc"
        )
        self.assertEqual(worklist[0].partner_id, self.customer)

    def test_the_dashboard_gathers_everything(self):
        data = self.Kpi.with_user(self.collector).get_dashboard_data()
        self.assertEqual(data["totals"]["open"], 1900.0)
        self.assertEqual(len(data["cei"]), 6)
        self.assertEqual(data["worklist"][0]["name"], "Acme Retail")
        self.assertTrue(data["forecast"])
