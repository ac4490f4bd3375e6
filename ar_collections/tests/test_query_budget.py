"""What the addon adds to Odoo's busiest paths, in SQL queries: paying an invoice and confirming
a quotation. Each bound is the whole operation's count in the test database with the addon;
the comment next to it says what plain Odoo costs for the same operation, so that the
difference is our part. A bound that fails means our part grew: find the new queries (log
them with their Python stack) before raising it."""

from odoo.tests import tagged

from .common import ArCollectionsCommon


@tagged("post_install", "-at_install")
class TestQueryBudget(ArCollectionsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.write({"use_partner_credit_limit": True, "credit_limit": 1000.0})
        cls.warm_up = cls._ar_customer("Warm-up")

    def _queries(self, operation):
        """The number of queries ``operation`` runs, its caches cold as in a new request."""
        self.env.flush_all()
        self.env.invalidate_all()
        start = self.env.cr.sql_log_count
        operation()
        return self.env.cr.sql_log_count - start

    def test_paying_an_invoice_refreshes_the_customer_once_and_right(self):
        self._ar_pay(self._ar_invoice(self.warm_up, 50.0, days_overdue=5))  # Odoo's own first-time costs
        overdue = self._ar_invoice(self.customer, 800.0, days_overdue=20)
        not_due = self._ar_invoice(self.customer, 500.0, days_overdue=-10)
        before = self._ar_profile(self.customer)
        self.assertRecordValues(before, [{"over_limit": True, "limitation_date": overdue.ar_limitation_date}])

        queries = self._queries(lambda: self._ar_pay(overdue))

        self.assertIn(overdue.payment_state, ("paid", "in_payment"))
        self.assertRecordValues(
            self._ar_profile(self.customer),
            [
                {
                    "open_receivable": 500.0,
                    "overdue_amount": 0.0,
                    "oldest_overdue_days": 0,
                    "exposure": 500.0,
                    "over_limit": False,
                    "limitation_date": not_due.ar_limitation_date,
                }
            ],
        )
        # Plain Odoo (the same modules but ours) pays this invoice in 124 queries here; with
        # the addon, 132: the invoice's limitation period and the customer's exposure, once.
        self.assertLessEqual(queries, 136)

    def test_confirming_a_quotation_checks_and_refreshes_the_customer_once(self):
        self._ar_sale_order(self.warm_up, 50.0, confirm=True)  # Odoo's own first-time costs
        self._ar_invoice(self.customer, 400.0, days_overdue=-10)
        order = self._ar_sale_order(self.customer, 300.0)

        queries = self._queries(order.action_confirm)

        self.assertEqual(order.state, "sale")
        self.assertRecordValues(
            self._ar_profile(self.customer),
            [{"open_receivable": 400.0, "order_uninvoiced": 300.0, "exposure": 700.0, "over_limit": False}],
        )
        # Plain Odoo (the same modules but ours) confirms this quotation in 83 queries here;
        # with the addon, 90: the customer's profile read and locked, checked, then its exposure.
        self.assertLessEqual(queries, 93)
