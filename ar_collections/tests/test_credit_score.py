from datetime import timedelta

from odoo.tests import tagged

from .common import ArCollectionsCommon


@tagged("post_install", "-at_install")
class TestCreditScore(ArCollectionsCommon):
    def _paid_invoice(self, partner, amount, days_overdue, days_late):
        """An invoice due ``days_overdue`` days ago, paid ``days_late`` days after its due date."""
        invoice = self._ar_invoice(partner, amount, days_overdue=days_overdue)
        self._ar_pay(invoice, date=invoice.invoice_date_due + timedelta(days=days_late))
        return invoice

    def _score(self, partner):
        profile = self.env["ar.credit.profile"]._get_or_create(partner, self.env.company)
        return self.env["ar.credit.review"]._compute_scores(profile)[profile.id]

    def _points(self, details):
        return {factor["key"]: factor["points"] for factor in details["factors"]}

    def test_a_customer_paying_on_time_for_years_scores_excellent(self):
        self._paid_invoice(self.customer, 500.0, days_overdue=760, days_late=0)
        for months in range(1, 7):
            self._paid_invoice(self.customer, 1000.0, days_overdue=30 * months, days_late=0)

        score, details = self._score(self.customer)
        self.assertEqual(
            self._points(details), {"on_time": 40.0, "days_late": 25.0, "overdue_share": 20.0, "relationship": 11.2}
        )
        self.assertEqual(score, 96)
        self.assertEqual(self.env["ar.credit.rating"]._rating_for_score(score, self.env.company).code, "A")

    def test_a_customer_paying_a_month_late_scores_prepay_only(self):
        for days_overdue in (100, 80, 60, 40):
            self._paid_invoice(self.customer, 1000.0, days_overdue=days_overdue, days_late=30)

        score, details = self._score(self.customer)
        points = self._points(details)
        self.assertEqual(points["on_time"], 0.0)
        self.assertEqual(points["days_late"], 12.5, "30 days late on average: half of 25 points")
        self.assertEqual(points["overdue_share"], 20.0, "nothing open")
        self.assertAlmostEqual(points["relationship"], 3.75, delta=0.05)
        self.assertEqual(score, 36)

    def test_open_overdue_invoices_count_as_late_and_as_overdue_share(self):
        for days_overdue in (100, 80, 60, 40):
            self._paid_invoice(self.customer, 1000.0, days_overdue=days_overdue, days_late=30)
        self._ar_invoice(self.customer, 1000.0, days_overdue=20)

        score, details = self._score(self.customer)
        points = self._points(details)
        self.assertEqual(points["overdue_share"], 0.0, "all that is open is overdue")
        # (4 x 1000 x 30 days + 1000 x 20 days) / 5000 = 28 days late on average.
        self.assertEqual(details["factors"][1]["value"], 28.0)
        self.assertEqual(score, 18)

    def test_customers_with_little_history_get_the_starting_score(self):
        self._paid_invoice(self.customer, 1000.0, days_overdue=40, days_late=0)
        self.env.company.ar_credit_new_customer_score = 55
        score, details = self._score(self.customer)
        self.assertEqual(score, 55)
        self.assertTrue(details["new_customer"])
        self.assertEqual(details["invoices_due"], 1)

    def test_child_contacts_invoices_count_for_their_company(self):
        contact = self._ar_contact(self.customer, "Accounts Payable")
        for days_overdue in (100, 80, 60):
            self._paid_invoice(contact, 1000.0, days_overdue=days_overdue, days_late=0)
        details = self._score(self.customer)[1]
        self.assertFalse(details["new_customer"])
        self.assertEqual(details["invoices_due"], 3)

    def test_the_partner_form_explains_the_score(self):
        for days_overdue in (100, 80, 60, 40):
            self._paid_invoice(self.customer, 1000.0, days_overdue=days_overdue, days_late=30)
        self.customer.action_ar_rescore()
        self.assertEqual(self.customer.ar_credit_score, 36)
        html = str(self.customer.ar_credit_score_details_html)
        for text in ("Invoices paid on time", "0 of 4", "Average days late", "30.0 days", "12.5 / 25", "36 / 100"):
            self.assertIn(text, html)
