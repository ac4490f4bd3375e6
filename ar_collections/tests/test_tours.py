"""Browser tours in headless Chromium: the flows accountants, admins and salespeople click through."""

from odoo.tests import HttpCase
from odoo.tests import tagged

from .test_customer_replies import build_reply
from .test_sale_credit_block import SaleCreditCase


@tagged("post_install", "-at_install")
class TestCollectionTours(SaleCreditCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = cls._ar_user("ar_tour_accountant", "collector", name="Ada Accountant")
        cls.salesman.groups_id |= cls.env.ref("sales_team.group_sale_salesman")
        cls.manager.groups_id |= cls.env.ref("sales_team.group_sale_salesman_all_leads")
        cls.admin = cls.env.ref("base.user_admin")
        cls.admin.company_ids |= cls.env.company

    def _password(self, user):
        return user.login + "x" * (8 - len(user.login)) if len(user.login) < 8 else user.login

    def test_an_accountant_logs_a_call_with_a_promise(self):
        invoice = self._ar_invoice(self.customer, 1500.0, days_overdue=3)
        self.start_tour(
            f"/odoo/action-ar_collections.account_move_action_overdue/{invoice.id}",
            "ar_collections_log_promise",
            login=self.accountant.login,
        )
        promise = invoice.ar_promise_id
        self.assertEqual(promise.state, "open")
        self.assertEqual(promise.contact_name, "Pat from accounts payable")
        self.assertEqual(promise.amount, 1500.0)
        self.assertFalse(invoice.ar_next_action_date)
        self.assertEqual(
            self.env["ar.collection.event"].search([("promise_id", "=", promise.id)]).note,
            "Will pay by wire on Friday",
        )

    def test_a_collector_turns_a_reply_into_a_dispute(self):
        invoice = self._ar_invoice(self.customer, 800.0, days_overdue=3)
        self.env["ar.collection.engine"]._run_collection(self._ar_profile(self.customer))
        email = self.env["ar.collection.event"].search([("partner_id", "=", self.customer.id), ("kind", "=", "email")])
        raw = build_reply(email.mail_id, "Half of the goods arrived damaged.", self.customer.email_formatted)
        self.env["mail.thread"].message_process(False, raw)
        self.start_tour(
            "/odoo/action-ar_collections.ar_collection_event_action_replies",
            "ar_collections_reply_dispute",
            login=self.accountant.login,
        )
        dispute = invoice.ar_dispute_id
        self.assertEqual(dispute.reason, "other")
        self.assertIn("arrived damaged", dispute.note)
        reply = self.env["ar.collection.event"].search([("partner_id", "=", self.customer.id), ("kind", "=", "reply")])
        self.assertEqual(reply.handled_by_id.dispute_id, dispute)

    def test_an_admin_changes_a_stage_offset_in_settings(self):
        stage = self.env.ref("ar_collections.stage_demand")
        self.start_tour(
            f"/odoo/settings?company_id={self.env.company.id}#account",
            "ar_collections_stage_offset",
            login="admin",
        )
        self.assertEqual(stage.offset_days, 16)

    def test_a_salesperson_is_blocked_over_the_limit_and_a_credit_manager_releases(self):
        self._ar_invoice(self.customer, 9500.0, days_overdue=12)
        order = self._ar_sale_order(self.customer, 1000.0, user_id=self.salesman.id)
        url = f"/odoo/action-sale.action_quotations_with_onboarding/{order.id}"
        self.start_tour(url, "ar_collections_blocked_order", login=self.salesman.login)
        self.assertEqual(order.state, "draft")
        self.start_tour(url, "ar_collections_release_order", login=self.manager.login)
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.ar_credit_release_reason, "Bank guarantee received today")
