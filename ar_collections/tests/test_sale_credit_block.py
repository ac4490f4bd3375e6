from odoo import Command
from odoo.exceptions import AccessError
from odoo.exceptions import UserError
from odoo.tests import HttpCase
from odoo.tests import tagged

from .common import ArCollectionsCommon


def plain(text):
    """Amounts are formatted with non-breaking spaces; compare them as spaces."""
    return str(text).replace("\xa0", " ")


class SaleCreditCase(ArCollectionsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = cls._ar_user("ar_block_salesman", "salesman", name="Sam Seller")
        cls.manager = cls._ar_user("ar_block_manager", "credit_manager", name="Carla Credit")
        cls.env.company.ar_credit_manager_id = cls.manager
        cls.customer.write({"use_partner_credit_limit": True, "credit_limit": 10000.0})

    def _release(self, order, reason, user=None):
        wizard = (
            self.env["ar.credit.release.wizard"]
            .with_user(user or self.manager)
            .create({"res_model": "sale.order", "res_id": order.id, "reason": reason})
        )
        return wizard.action_release()


@tagged("post_install", "-at_install")
class TestSaleCreditBlock(SaleCreditCase):
    def test_an_order_within_the_limit_confirms(self):
        self._ar_invoice(self.customer, 4000.0, days_overdue=-5)
        order = self._ar_sale_order(self.customer, 5000.0, user_id=self.salesman.id)
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertEqual(self._ar_profile(self.customer).exposure, 9000.0)

    def test_over_the_limit_the_salesperson_is_refused_with_the_figures(self):
        self._ar_invoice(self.customer, 6000.0, days_overdue=35)
        self._ar_invoice(self.customer, 2000.0, days_overdue=-5)
        order = self._ar_sale_order(self.customer, 3000.0, user_id=self.salesman.id)
        with self.assertRaises(UserError) as error:
            order.with_user(self.salesman).action_confirm()
        message = plain(error.exception)
        for text in (
            order.name,
            "Acme Retail",
            "Credit limit exceeded",
            "exposure $ 8,000.00 + this order $ 3,000.00 = $ 11,000.00",
            "credit limit of $ 10,000.00",
            "overdue $ 6,000.00 (oldest 35 days overdue)",
            "Carla Credit",
            "Release Credit Block",
        ):
            self.assertIn(text, message)
        self.assertEqual(order.state, "draft")
        self.assertTrue(order.ar_credit_blocked)

    def test_holds_blacklist_and_prepayment_block_with_their_reason(self):
        order = self._ar_sale_order(self.customer, 100.0)
        profile = self.env["ar.credit.profile"]._get_or_create(self.customer, self.env.company)
        profile._set_hold("Bounced cheque")
        with self.assertRaisesRegex(UserError, r"on credit hold since .* \(Manual\): Bounced cheque"):
            order.action_confirm()
        profile._lift_hold("Paid")
        profile._set_blacklist("Fraud")
        with self.assertRaisesRegex(UserError, "is blacklisted since .*: Fraud"):
            order.action_confirm()
        profile._lift_blacklist("Cleared")
        self.customer.ar_credit_rating_id = self._ar_rating("D")
        with self.assertRaises(UserError) as error:
            order.action_confirm()
        self.assertIn("Rating D - Prepay only requires payment in advance: $ 0.00 paid", plain(error.exception))

    def test_a_fully_prepaid_order_passes_the_prepayment_and_limit_rules(self):
        self.customer.ar_credit_rating_id = self._ar_rating("D")
        self.customer.write({"use_partner_credit_limit": True, "credit_limit": 50.0})
        order = self._ar_sale_order(self.customer, 100.0)
        provider = self.env["payment.provider"].create({"name": "Wire", "code": "none", "state": "test"})
        self.env["payment.transaction"].create(
            {
                "provider_id": provider.id,
                "payment_method_id": self.env.ref("payment.payment_method_unknown").id,
                "amount": order.amount_total,
                "currency_id": order.currency_id.id,
                "partner_id": self.customer.id,
                "reference": "PREPAID-1",
                "sale_order_ids": [Command.set(order.ids)],
                "state": "done",
            }
        )
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_the_check_applies_to_the_paying_company_of_a_contact(self):
        contact = self._ar_contact(self.customer, "Jane Buyer")
        self._ar_invoice(self.customer, 9500.0)
        order = self._ar_sale_order(contact, 1000.0)
        with self.assertRaisesRegex(UserError, "Credit limit exceeded"):
            order.action_confirm()

    def test_confirmation_from_automation_is_blocked_too(self):
        self._ar_invoice(self.customer, 9500.0)
        order = self._ar_sale_order(self.customer, 1000.0)
        action = self.env["ir.actions.server"].create(
            {
                "name": "Auto-confirm",
                "model_id": self.env.ref("sale.model_sale_order").id,
                "state": "code",
                "code": "records.action_confirm()",
            }
        )
        with self.assertRaisesRegex(UserError, "Credit limit exceeded"):
            action.with_context(active_model="sale.order", active_ids=order.ids).run()
        self.assertEqual(order.state, "draft")

    def test_the_quotation_shows_the_credit_situation_before_confirming(self):
        self._ar_invoice(self.customer, 9500.0, days_overdue=12)
        order = self._ar_sale_order(self.customer, 1000.0)
        warning = plain(order.partner_credit_warning)
        self.assertIn("Credit limit exceeded: exposure $ 9,500.00 + this order $ 1,000.00", warning)
        self.assertIn("oldest 12 days overdue", warning)
        small = self._ar_sale_order(self.customer, 100.0)
        self.assertEqual(small.partner_credit_warning, "")

    def test_a_credit_manager_releases_with_a_reason_and_it_is_logged(self):
        self._ar_invoice(self.customer, 9500.0)
        order = self._ar_sale_order(self.customer, 1000.0)
        self._release(order, "CFO confirmed wire transfer today")

        self.assertEqual(order.state, "sale")
        self.assertEqual(order.ar_credit_released_by_id, self.manager)
        event = self.env["ar.collection.event"].search([("sale_order_id", "=", order.id)])
        self.assertEqual(event.kind, "release")
        self.assertIn("CFO confirmed wire transfer today", event.note)
        self.assertTrue(
            any("CFO confirmed wire transfer today" in message.body for message in order.message_ids),
            "logged in the order's chatter",
        )
        self.assertTrue(any("Order" in message.body for message in self.customer.message_ids), "and on the customer")

    def test_a_release_covers_the_released_amount_only(self):
        self._ar_invoice(self.customer, 9500.0)
        order = self._ar_sale_order(self.customer, 1000.0)
        order._ar_write_release(
            {
                "ar_credit_released_by_id": self.manager.id,
                "ar_credit_released_amount": 1000.0,
                "ar_credit_release_reason": "ok",
                "ar_credit_release_terms": order._ar_release_terms(),
            }
        )
        order.order_line.price_unit = 2000.0
        with self.assertRaisesRegex(UserError, "Credit limit exceeded"):
            order.action_confirm()

    def test_a_release_needs_a_reason(self):
        order = self._ar_sale_order(self.customer, 20000.0)
        with self.assertRaisesRegex(UserError, "Give the reason"):
            self._release(order, "  ")
        self.assertEqual(order.state, "draft")

    def test_a_salesperson_cannot_release(self):
        self._ar_invoice(self.customer, 9500.0)
        order = self._ar_sale_order(self.customer, 1000.0, user_id=self.salesman.id)
        with self.assertRaises(AccessError):
            self._release(order, "I promise", user=self.salesman)
        with self.assertRaisesRegex(AccessError, "Credit Manager"):
            order.with_user(self.salesman)._ar_credit_release("I promise")
        with self.assertRaisesRegex(AccessError, "credit manager"):
            order.with_user(self.salesman).write(
                {"ar_credit_released_by_id": self.salesman.id, "ar_credit_released_amount": 99999.0}
            )
        self.assertEqual(order.state, "draft")

    def test_a_salesperson_cannot_create_an_order_already_released(self):
        values = {
            "partner_id": self.customer.id,
            "ar_credit_released_by_id": self.salesman.id,
            "ar_credit_released_amount": 99999.0,
            "ar_credit_release_reason": "I promise",
        }
        with self.assertRaisesRegex(AccessError, "credit manager"):
            self.env["sale.order"].with_user(self.salesman).create(values)
        # Not even a credit manager: a release goes through the release flow, with its reason.
        self.manager.groups_id |= self.env.ref("sales_team.group_sale_salesman")
        with self.assertRaisesRegex(AccessError, "credit manager"):
            self.env["sale.order"].with_user(self.manager).create(values)

    def test_a_salesperson_asks_a_credit_manager_for_approval(self):
        self._ar_invoice(self.customer, 9500.0)
        order = self._ar_sale_order(self.customer, 1000.0, user_id=self.salesman.id)
        order.with_user(self.salesman).action_ar_request_credit_approval()
        self.assertTrue(order.ar_credit_pending)
        activity = order.activity_ids
        self.assertEqual(activity.user_id, self.manager)
        self.assertIn("Credit limit exceeded", str(activity.note))
        self._release(order, "Approved")
        self.assertEqual(order.state, "sale")
        self.assertFalse(order.ar_credit_pending)
        self.assertFalse(order.activity_ids, "the approval activity is done")

    def test_the_check_costs_the_same_for_1_and_200_open_invoices(self):
        small, big = self._ar_customer("One Invoice"), self._ar_customer("Many Invoices")
        self._ar_invoice(small, 10.0, days_overdue=3)
        moves = self.env["account.move"].create(
            [self._ar_invoice_values(big, 10.0, days_overdue=index % 60) for index in range(200)]
        )
        moves.action_post()
        self.assertEqual(self._ar_profile(big).open_receivable, 2000.0)
        orders = [self._ar_sale_order(partner, 50.0) for partner in (small, big)]

        def queries(order):
            self.env.invalidate_all()
            start = self.env.cr.sql_log_count
            order._ar_credit_issues()
            return self.env.cr.sql_log_count - start

        queries(orders[0])  # warm the access-rule caches
        counts = [queries(order) for order in orders]
        self.assertEqual(counts[0], counts[1])
        self.assertLessEqual(counts[1], 8)


@tagged("post_install", "-at_install")
class TestPortalCreditBlock(SaleCreditCase, HttpCase):
    def test_a_blocked_customer_accepting_online_waits_for_approval(self):
        self._ar_invoice(self.customer, 9500.0, days_overdue=20)
        order = self._ar_sale_order(self.customer, 1000.0, require_signature=True, require_payment=False)
        order.action_quotation_sent()
        order._portal_ensure_token()

        response = self.make_jsonrpc_request(
            f"/my/orders/{order.id}/accept",
            {"access_token": order.access_token, "name": "Pat Customer", "signature": SIGNATURE_PNG},
        )
        self.assertIn("redirect_url", response)
        self.assertEqual(order.state, "sent", "still a quotation")
        self.assertTrue(order.ar_credit_pending)
        self.assertEqual(order.activity_ids.user_id, self.manager, "the credit manager is asked")
        self.assertTrue(any("awaits credit approval" in message.body for message in order.message_ids))

        page = self.url_open(f"/my/orders/{order.id}?access_token={order.access_token}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Your order awaits credit approval", page.text)

        self._release(order, "Customer is a strategic account")
        self.assertEqual(order.state, "sale")

    def test_an_online_payment_does_not_confirm_a_held_customers_order(self):
        order = self._ar_sale_order(self.customer, 100.0)
        self.env["ar.credit.profile"]._get_or_create(self.customer, self.env.company)._set_hold("Bounced cheque")
        provider = self.env["payment.provider"].create({"name": "Card", "code": "none", "state": "test"})
        transaction = self.env["payment.transaction"].create(
            {
                "provider_id": provider.id,
                "payment_method_id": self.env.ref("payment.payment_method_unknown").id,
                "amount": order.amount_total,
                "currency_id": order.currency_id.id,
                "partner_id": self.customer.id,
                "reference": "HELD-1",
                "sale_order_ids": [Command.set(order.ids)],
                "state": "done",
            }
        )
        confirmed = transaction._check_amount_and_confirm_order()
        self.assertFalse(confirmed)
        self.assertEqual(order.state, "draft")
        self.assertTrue(order.ar_credit_pending)
        self.assertEqual(order.activity_ids.user_id, self.manager)

    def test_a_customer_within_the_limit_confirms_online(self):
        order = self._ar_sale_order(self.customer, 1000.0, require_signature=True, require_payment=False)
        order.action_quotation_sent()
        order._portal_ensure_token()
        self.make_jsonrpc_request(
            f"/my/orders/{order.id}/accept",
            {"access_token": order.access_token, "name": "Pat Customer", "signature": SIGNATURE_PNG},
        )
        self.assertEqual(order.state, "sale")


# A 1x1 transparent PNG: the portal wants a signature image.
SIGNATURE_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
