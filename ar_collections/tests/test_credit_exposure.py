from odoo import Command
from odoo.tests import tagged
from odoo.tools import SQL

from .common import ArCollectionsCommon


@tagged("post_install", "-at_install")
class TestCreditExposure(ArCollectionsCommon):
    def test_posted_invoices_make_open_and_overdue_receivable(self):
        self._ar_invoice(self.customer, 1000.0, days_overdue=20)
        self._ar_invoice(self.customer, 400.0, days_overdue=5)
        self._ar_invoice(self.customer, 250.0, days_overdue=-10)
        self._ar_invoice(self.customer, 999.0, days_overdue=30, post=False)

        profile = self._ar_profile(self.customer)
        self.assertRecordValues(
            profile,
            [
                {
                    "open_receivable": 1650.0,
                    "overdue_amount": 1400.0,
                    "oldest_overdue_days": 20,
                    "draft_invoiced": 999.0,
                    "order_uninvoiced": 0.0,
                    "exposure": 2649.0,
                }
            ],
        )
        # The partner shows the same figures.
        self.assertEqual(self.customer.ar_exposure, 2649.0)
        self.assertEqual(self.customer.ar_oldest_overdue_days, 20)

    def test_foreign_currency_invoices_count_at_their_company_currency_residual(self):
        eur = self.setup_other_currency("EUR", rates=[("2000-01-01", 2.0)])
        invoice = self._ar_invoice(self.customer, 1000.0, days_overdue=3, currency=eur)
        self.assertEqual(invoice.amount_residual_signed, 500.0)
        self.assertEqual(self._ar_profile(self.customer).open_receivable, 500.0)

        self._ar_pay(invoice, amount=600.0)  # 600 EUR paid = 300 in company currency
        self.assertEqual(self._ar_profile(self.customer).open_receivable, 200.0)

    def test_partial_payments_and_credit_notes_lower_the_exposure(self):
        invoice = self._ar_invoice(self.customer, 1000.0, days_overdue=10)
        self._ar_pay(invoice, amount=300.0)
        self.assertEqual(self._ar_profile(self.customer).exposure, 700.0)

        refund = self._ar_refund(self.customer, 200.0)
        profile = self._ar_profile(self.customer)
        self.assertEqual(profile.open_receivable, 500.0)
        # An unallocated credit note first covers what is overdue.
        self.assertEqual(profile.overdue_amount, 500.0)

        (refund.line_ids | invoice.line_ids).filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        ).reconcile()
        self.assertEqual(self._ar_profile(self.customer).exposure, 500.0)

        self._ar_pay(invoice)
        profile = self._ar_profile(self.customer)
        self.assertEqual((profile.exposure, profile.overdue_amount, profile.oldest_due_date), (0.0, 0.0, False))

    def test_a_child_contacts_order_counts_on_the_commercial_partner(self):
        buyer = self._ar_contact(self.customer, "Jane Buyer")
        order = self._ar_sale_order(buyer, 1500.0, confirm=True)
        profile = self._ar_profile(self.customer)
        self.assertEqual(profile.order_uninvoiced, 1500.0)
        self.assertEqual(profile.exposure, 1500.0)
        self.assertEqual(buyer.ar_exposure, 1500.0, "the contact shows its company's exposure")

        invoice = order._create_invoices()
        profile = self._ar_profile(self.customer)
        self.assertEqual((profile.order_uninvoiced, profile.draft_invoiced), (0.0, 1500.0))
        invoice.action_post()
        profile = self._ar_profile(self.customer)
        self.assertEqual((profile.draft_invoiced, profile.open_receivable, profile.exposure), (0.0, 1500.0, 1500.0))

    def test_cancelled_orders_and_invoices_leave_the_exposure(self):
        order = self._ar_sale_order(self.customer, 800.0, confirm=True)
        invoice = self._ar_invoice(self.customer, 300.0, days_overdue=1)
        self.assertEqual(self._ar_profile(self.customer).exposure, 1100.0)
        order._action_cancel()
        invoice.button_draft()
        invoice.button_cancel()
        self.assertEqual(self._ar_profile(self.customer).exposure, 0.0)

    def test_foreign_currency_orders_count_in_company_currency(self):
        eur = self.setup_other_currency("EUR", rates=[("2000-01-01", 2.0)])
        pricelist = self.env["product.pricelist"].create({"name": "EUR", "currency_id": eur.id})
        self._ar_sale_order(self.customer, 1000.0, confirm=True, pricelist_id=pricelist.id)
        self.assertEqual(self._ar_profile(self.customer).order_uninvoiced, 500.0)

    def test_two_companies_keep_their_own_figures_limits_and_ratings(self):
        company_2 = self.setup_other_company(name="Second Co")["company"]
        self.env.user.company_ids |= company_2
        self._ar_invoice(self.customer, 1000.0, days_overdue=5)
        self._ar_invoice(self.customer, 7000.0, days_overdue=50, company=company_2)

        self.customer.with_company(company_2).ar_credit_rating_id = self._ar_rating("C")
        self.customer.with_company(company_2).write({"use_partner_credit_limit": True, "credit_limit": 3000.0})
        self.customer.ar_credit_rating_id = self._ar_rating("A")

        profile_1, profile_2 = self._ar_profile(self.customer), self._ar_profile(self.customer, company_2)
        self.assertRecordValues(
            profile_1 | profile_2,
            [
                {
                    "exposure": 1000.0,
                    "credit_limit": 50000.0,
                    "over_limit": False,
                    "rating_id": self._ar_rating("A").id,
                },
                {"exposure": 7000.0, "credit_limit": 3000.0, "over_limit": True, "rating_id": self._ar_rating("C").id},
            ],
        )
        self.assertEqual(self.customer.with_company(company_2).ar_credit_limit_effective, 3000.0)
        self.assertEqual(self.customer.ar_credit_limit_effective, 50000.0)
        over_limit = self.env["res.partner"].with_company(company_2).search([("ar_over_limit", "=", True)])
        self.assertIn(self.customer, over_limit)
        self.assertNotIn(self.customer, self.env["res.partner"].search([("ar_over_limit", "=", True)]))

    def test_refresh_is_one_statement_whatever_the_number_of_customers(self):
        customers = [self._ar_customer(f"Batch {index}") for index in range(12)]
        for customer in customers:
            self._ar_invoice(customer, 100.0, days_overdue=2)
        Profile = self.env["ar.credit.profile"]

        def queries(partners):
            self.env.invalidate_all()
            start = self.env.cr.sql_log_count
            Profile._refresh_exposure(partners)
            return self.env.cr.sql_log_count - start

        one = queries(customers[0])
        twelve = queries(self.env["res.partner"].union(*customers))
        self.assertEqual(one, twelve)
        # The customers' contacts, then the one upsert (plus the flush and the new rows' limits).
        self.assertLessEqual(twelve, 4)

    def test_refreshes_within_one_operation_run_once_as_it_ends(self):
        self._ar_invoice(self.customer, 100.0)
        profile = self._ar_profile(self.customer)
        with self.env["ar.credit.profile"]._refreshing_exposure_once():
            self._ar_invoice(self.customer, 50.0)
            with self.env["ar.credit.profile"]._refreshing_exposure_once():
                self._ar_invoice(self.customer, 20.0)
            self.assertEqual(profile.open_receivable, 100.0, "the inner block leaves it to the outer one")
        self.assertEqual(profile.open_receivable, 170.0)

    def test_new_customers_start_with_the_starting_rating(self):
        newcomer = self._ar_customer("Newcomer")
        self._ar_sale_order(newcomer, 100.0, confirm=True)
        profile = self._ar_profile(newcomer)
        self.assertEqual(profile.score, 60)
        self.assertEqual(profile.rating_id, self._ar_rating("B"))
        self.assertEqual((profile.credit_limit, profile.credit_limit_source), (20000.0, "rating"))
        self.assertEqual(profile.next_review_date, self._ar_today(), "due for a real review")

    def test_invoice_lines_changes_on_a_draft_update_the_exposure(self):
        draft = self._ar_invoice(self.customer, 100.0, post=False)
        draft.write({"invoice_line_ids": [Command.create({"product_id": self.ar_product.id, "price_unit": 50.0})]})
        self.assertEqual(self._ar_profile(self.customer).draft_invoiced, 150.0)
        draft.unlink()
        self.assertEqual(self._ar_profile(self.customer).draft_invoiced, 0.0)


@tagged("post_install", "-at_install")
class TestEffectiveLimit(ArCollectionsCommon):
    """One effective limit, one over-limit rule: the stored flag (SQL), the profile (Python)
    and the order check agree, down to the cent."""

    def test_the_limit_is_the_customers_own_else_its_ratings_else_the_companys(self):
        Profile = self.env["ar.credit.profile"]
        company, rating = self.env.company, self._ar_rating("B")
        self.assertEqual(Profile._effective_limit(company, self.customer, rating), (20000.0, "rating"))
        self.customer.write({"use_partner_credit_limit": True, "credit_limit": 5000.0})
        self.assertEqual(Profile._effective_limit(company, self.customer, rating), (5000.0, "partner"))
        self.assertEqual(Profile._effective_limit(company, rating=self._ar_rating("D")), (0.0, "company"))
        profile = self._ar_profile(self.customer)
        self.assertEqual((profile.credit_limit, profile.credit_limit_source), (5000.0, "partner"))

    def test_sql_and_python_agree_on_the_over_limit_boundary(self):
        Profile = self.env["ar.credit.profile"]
        currency = self.env.company.currency_id
        cases = [
            (1000.0, 1000.0, False),
            (1000.004, 1000.0, False),
            (1000.005, 1000.0, True),
            (1000.01, 1000.0, True),
            (999.99, 1000.0, False),
            (5.0, 0.0, False),
            (5.0, 0.004, False),
        ]
        for exposure, limit, over in cases:
            with self.subTest(exposure=exposure, limit=limit):
                self.assertEqual(Profile._exceeds_limit(exposure, limit, currency), over)
                self.env.cr.execute(
                    SQL(
                        "SELECT %s",
                        Profile._over_limit_sql(
                            # As the exposure statement passes it: a sum, not a single value.
                            SQL("%s::numeric + 0", exposure),
                            SQL("%s::numeric", limit),
                            SQL("%s", currency.rounding),
                        ),
                    )
                )
                self.assertEqual(self.env.cr.fetchone()[0], over, "the SQL flag says the same")

    def test_exposure_exactly_at_the_limit_is_not_over_it(self):
        self.customer.write({"use_partner_credit_limit": True, "credit_limit": 1000.0})
        self._ar_invoice(self.customer, 600.0, days_overdue=-10)
        profile = self._ar_profile(self.customer)
        order = self._ar_sale_order(self.customer, 400.0)
        self.assertFalse(order.ar_credit_blocked, "600 + 400 is exactly the limit")
        self.assertFalse(order.partner_credit_warning)
        order.action_confirm()
        self.assertEqual(profile.exposure, 1000.0)
        self.assertFalse(profile.over_limit, "stored by the exposure statement (SQL)")
        profile._refresh_limits()
        self.assertFalse(profile.over_limit, "and by the limits (Python)")
        self.assertTrue(self._ar_sale_order(self.customer, 0.01).ar_credit_blocked, "a cent more is over")
        cent = self._ar_invoice(self.customer, 0.01, days_overdue=-10)
        self.assertEqual(profile.exposure, 1000.0 + cent.amount_total_signed)
        self.assertTrue(profile.over_limit)
