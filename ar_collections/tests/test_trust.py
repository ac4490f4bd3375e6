"""Nobody gets around the credit rules or the collection record: each example of the Trust
review, reproduced as the attacker did it, and refused."""

from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.exceptions import UserError
from odoo.tests import tagged

from .test_collection_engine import CollectionCase
from .test_collection_engine import deliver
from .test_sale_credit_block import SaleCreditCase
from .test_sale_credit_block import plain


class TrustCase(CollectionCase):
    def _served(self, invoice, stage, days_ago):
        """A formal notice about ``invoice`` that reached the customer ``days_ago`` days ago."""
        event = self.env["ar.collection.event"]._log(
            self.customer, self.env.company, "letter", moves=invoice, stage_id=self.stage[stage].id
        )
        event._record_service("post", self._ar_today() - timedelta(days=days_ago), "EMS", f"EA{event.id}CN")
        return event

    def _held_by_the_lawyer_stage(self, invoice):
        """Run the collection until the lawyer letter's hold: the demand, served, then the lawyer letter."""
        self._run(self._ar_today())
        self._run(self._ar_today() + timedelta(days=7))
        self.assertEqual(invoice.ar_stage_id, self.stage["lawyer"])


@tagged("post_install", "-at_install")
class TestStageEffectsAreCumulative(TrustCase):
    def test_a_customer_95_days_late_on_the_first_run_gets_each_formal_notice_before_the_legal_file(self):
        self.stage["demand"].policy_id.charge_late_fees = True
        self.env.company.write({"ar_late_fee_fixed": 25.0, "ar_late_fee_grace_days": 0})
        invoice = self._ar_invoice(self.customer, 1000.0, days_overdue=95)
        today = self._ar_today()
        self._run(today)
        emails = self._emails()
        self.assertEqual(len(emails), 1, "one communication")
        self.assertEqual(emails.stage_id, self.stage["demand"], "the formal demand first, never skipped")
        self.assertEqual(invoice.ar_stage_id, self.stage["demand"])
        profile = self._ar_profile(self.customer)
        self.assertFalse(profile.legal_file_ids, "no legal file before the customer was written to")
        fees = self.env["account.move.line"].search([("ar_fee_source_move_id", "=", invoice.id)])
        self.assertEqual(fees.ar_fee_stage_id, self.stage["demand"], "the demand stage's fee, once")
        # Not the same day again, nor before the demand's deadline.
        self._run(today)
        self._run(today + timedelta(days=6))
        self.assertEqual(invoice.ar_stage_id, self.stage["demand"])
        # Served, its deadline passed: the lawyer letter, with its hold.
        self._run(today + timedelta(days=7))
        self.assertEqual(self._emails()[-1].stage_id, self.stage["lawyer"])
        self.assertTrue(profile.hold, "the lawyer stage's hold is not skipped")
        self.assertEqual(profile.hold_cause, "collection")
        order = self._ar_sale_order(self.customer, 10.0)
        with self.assertRaisesRegex(UserError, "on credit hold"):
            order.action_confirm()
        self._run(today + timedelta(days=16))
        self.assertFalse(profile.legal_file_ids, "the lawyer letter's deadline runs")
        self._run(today + timedelta(days=17))
        self.assertEqual(invoice.ar_stage_id, self.stage["legal"])
        self.assertEqual(len(profile.legal_file_ids), 1)

    def test_every_invoice_gets_its_communication_even_next_to_an_acting_stage(self):
        # One invoice only acts today (lawyer -> legal file, on a ladder whose legal stage writes
        # nothing), another is due a demand letter: the demand letter still goes out.
        self.stage["legal"].send_email = False
        old = self._ar_invoice(self.customer, 500.0, days_overdue=70)
        old.sudo()._ar_write({"ar_stage_id": self.stage["lawyer"].id})
        self._served(old, "demand", days_ago=40)
        self._served(old, "lawyer", days_ago=30)
        recent = self._ar_invoice(self.customer, 300.0, days_overdue=16)
        self._run(self._ar_today())
        emails = self._emails()
        self.assertEqual(emails.stage_id, self.stage["demand"])
        self.assertEqual(old.ar_stage_id, self.stage["legal"])
        self.assertEqual(recent.ar_stage_id, self.stage["demand"])
        self.assertEqual(len(self._ar_profile(self.customer).legal_file_ids), 1)


@tagged("post_install", "-at_install")
class TestHoldsFollowTheMoney(TrustCase):
    def test_a_collection_hold_lifts_once_nothing_is_overdue(self):
        invoice = self._ar_invoice(self.customer, 1000.0, days_overdue=40)
        self._held_by_the_lawyer_stage(invoice)
        profile = self._ar_profile(self.customer)
        self.assertTrue(profile.hold)
        self._ar_pay(invoice, amount=400.0)
        self.assertTrue(profile.hold, "still overdue: still held")
        self._ar_pay(invoice)
        self.assertFalse(profile.hold, "paid: the collection's hold lifted by itself")
        lifted = self._events(kind="release")
        self.assertIn("nothing is overdue", lifted.note)
        self.assertTrue(any("nothing is overdue" in message.body for message in self.customer.message_ids))

    def test_manual_holds_and_the_setting_keep_the_hold(self):
        invoice = self._ar_invoice(self.customer, 1000.0, days_overdue=40)
        other = self._ar_customer("Kept On Hold Ltd")
        self._ar_invoice(other, 100.0, days_overdue=40)
        self._held_by_the_lawyer_stage(invoice)
        profile = self._ar_profile(self.customer)
        profile.with_user(self.manager)._set_hold("Manual: under review")
        self._ar_pay(invoice)
        self.assertTrue(profile.hold, "a manual hold stays until a credit manager lifts it")
        self.env.company.ar_lift_collection_hold = False
        other_profile = self._ar_profile(other)
        self.assertTrue(other_profile.hold)
        self._ar_pay(self.env["account.move"].search([("partner_id", "=", other.id)]))
        self.assertTrue(other_profile.hold, "the company keeps collection holds")


@tagged("post_install", "-at_install")
class TestNotSentIsNotCounted(TrustCase):
    def test_a_mail_server_down_marks_the_email_failed_and_the_next_run_sends_it_again(self):
        invoice = self._ar_invoice(self.customer, 100.0, days_overdue=20)
        self._run(self._ar_today())
        event = self._emails()
        self.assertEqual(invoice.ar_stage_id, self.stage["demand"])
        # The mail queue runs with the mail server down.
        with patch.object(
            type(self.env["ir.mail_server"]), "connect", side_effect=ConnectionRefusedError("Connection refused")
        ):
            event.mail_id.send(raise_exception=False)
        self.assertTrue(event.failed)
        self.assertIn("Connection refused", event.failure_reason)
        self.assertFalse(invoice.ar_stage_id, "the invoice did not advance: the customer was not told")
        self.assertFalse(self._ar_profile(self.customer).last_contact_date)
        self.assertIn(event, self.env["ar.collection.event"].search([("failed", "=", True)]))
        # The next run sends it again.
        self._run(self._ar_today())
        retry = self._emails()
        self.assertEqual(len(retry), 1)
        self.assertNotEqual(retry, event)
        self.assertEqual(invoice.ar_stage_id, self.stage["demand"])

    def test_letters_quote_only_delivered_reminders(self):
        invoice = self._ar_invoice(self.customer, 100.0, days_overdue=2)
        self._run(self._ar_today(), deliver=False)
        friendly = self._emails()
        self.assertEqual(friendly.mail_id.state, "outgoing")
        with freeze_time(self._ar_today() + timedelta(days=20)):
            invoice.with_user(self.collector).action_ar_send_now()
        second = self._emails() - friendly
        self.assertFalse(second._prior_reminders(), "an email still in the queue is not quoted")
        deliver(friendly)
        self.assertEqual(second._prior_reminders(), friendly, "accepted by the mail server: served, quoted")


@tagged("post_install", "-at_install")
class TestEntryPointsCheckTheirCaller(TrustCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = cls._ar_user("ar_trust_salesman", "salesman")

    def test_a_salesperson_cannot_send_the_next_stage(self):
        invoice = self._ar_invoice(self.customer, 100.0, days_overdue=3, invoice_user_id=self.salesman.id)
        for method in ("action_ar_send_now", "action_ar_exclude", "action_ar_log_call"):
            with self.assertRaisesRegex(AccessError, "Collection"):
                getattr(invoice.with_user(self.salesman), method)()
        self.assertFalse(self._emails())
        for values in ({"ar_excluded": True}, {"ar_stage_id": self.stage["legal"].id}):
            with self.assertRaises(AccessError):
                invoice.with_user(self.salesman).write(values)
        self.assertFalse(invoice.ar_excluded)

    def test_superuser_mode_does_not_make_a_credit_manager(self):
        profile = self.env["ar.credit.profile"]._get_or_create(self.customer, self.env.company)
        with self.assertRaisesRegex(AccessError, "Credit Manager"):
            profile.with_user(self.salesman).sudo()._set_hold("sneaky")
        with self.assertRaisesRegex(AccessError, "Credit Manager"):
            profile.with_user(self.collector).sudo()._check_credit_manager()
        self.assertFalse(profile.hold)
        # The scheduled job runs as the superuser itself: it passes.
        profile._check_credit_manager()

    def test_a_collector_sending_now_applies_the_stage_hold(self):
        invoice = self._ar_invoice(self.customer, 100.0, days_overdue=35)
        invoice.sudo()._ar_write({"ar_stage_id": self.stage["demand"].id})
        self._served(invoice, "demand", days_ago=15)
        invoice.with_user(self.collector).action_ar_send_now()
        self.assertEqual(invoice.ar_stage_id, self.stage["lawyer"])
        self.assertTrue(self._ar_profile(self.customer).hold, "the policy's hold, whoever started the run")


@tagged("post_install", "-at_install")
class TestReleasesCannotBeForged(SaleCreditCase):
    def test_release_fields_are_refused_on_create_and_write_even_to_a_credit_manager(self):
        values = {
            "partner_id": self.customer.id,
            "ar_credit_released_by_id": self.manager.id,
            "ar_credit_released_amount": 99999.0,
            "ar_credit_release_reason": "I promise",
        }
        self.manager.groups_id |= self.env.ref("sales_team.group_sale_salesman")
        for user in (self.salesman, self.manager):
            with self.assertRaisesRegex(AccessError, "release"):
                self.env["sale.order"].with_user(user).create(values)
        order = self._ar_sale_order(self.customer, 20000.0, user_id=self.salesman.id)
        for user in (self.salesman, self.manager):
            with self.assertRaisesRegex(AccessError, "release"):
                order.with_user(user).write({"ar_credit_released_amount": 99999.0})
            with self.assertRaisesRegex(AccessError, "release"):
                order.with_user(user).with_context(ar_release_flow=True).write({"ar_credit_pending": True})

    def test_a_release_is_bound_to_the_customer_invoicing_partner_and_currency(self):
        self._ar_invoice(self.customer, 9500.0)
        order = self._ar_sale_order(self.customer, 1000.0, user_id=self.salesman.id)
        # What the release flow writes (the flow then confirms; here the order stays a quotation).
        order._ar_write_release(order.with_user(self.manager)._ar_release_values("CFO confirmed"))
        self.assertTrue(order._ar_credit_released())
        self.assertFalse(order._ar_credit_issues())
        stranger = self._ar_customer("Blacklisted Stranger")
        self.env["ar.credit.profile"]._get_or_create(stranger, self.env.company).with_user(self.manager)._set_blacklist(
            "fraud"
        )
        order.with_user(self.salesman).write({"partner_invoice_id": stranger.id})
        self.assertFalse(order.ar_credit_released_by_id, "changing the invoicing partner voids the release")
        self.assertIn("no longer applies", order.message_ids[0].body)
        with self.assertRaisesRegex(UserError, "blacklisted"):
            order.with_user(self.salesman).action_confirm()


@tagged("post_install", "-at_install")
class TestOrdersAreCheckedTogether(SaleCreditCase):
    def test_two_orders_confirmed_in_one_call_add_up(self):
        self.customer.write({"credit_limit": 1000.0})
        first = self._ar_sale_order(self.customer, 600.0, user_id=self.salesman.id)
        second = self._ar_sale_order(self.customer, 600.0, user_id=self.salesman.id)
        with self.assertRaises(UserError) as refusal:
            (first | second).with_user(self.salesman).action_confirm()
        message = plain(refusal.exception)
        self.assertIn(second.name, message)
        self.assertIn("exposure $ 600.00 + this order $ 600.00 = $ 1,200.00", message)
        self.assertEqual((first.state, second.state), ("draft", "draft"))

    def test_a_confirmed_order_cannot_grow_past_the_limit(self):
        self.customer.write({"credit_limit": 1000.0})
        order = self._ar_sale_order(self.customer, 800.0, confirm=True, user_id=self.salesman.id)
        self.assertEqual(self._ar_profile(self.customer).exposure, 800.0)
        with self.assertRaises(UserError) as refusal:
            order.with_user(self.salesman).write(
                {"order_line": [Command.create({"product_id": self.ar_product.id, "price_unit": 500.0})]}
            )
        self.assertIn("cannot grow", plain(refusal.exception))
        self.assertIn("exposure $ 800.00 + this order $ 500.00 = $ 1,300.00", plain(refusal.exception))
        with self.assertRaisesRegex(UserError, "Credit limit exceeded"):
            order.order_line.with_user(self.salesman).write({"price_unit": 1600.0})
        # Within the limit it grows, and the exposure follows at once.
        order.order_line.with_user(self.salesman).write({"price_unit": 1000.0})
        self.assertEqual(self._ar_profile(self.customer).exposure, 1000.0)
        # A credit manager releases the order up to a new total; then it may grow to it.
        self._release_up_to(order, 1300.0)
        order.order_line.with_user(self.salesman).write({"price_unit": 1300.0})
        self.assertEqual(order.amount_total, 1300.0)
        with self.assertRaisesRegex(UserError, "Credit limit exceeded"):
            order.order_line.with_user(self.salesman).write({"price_unit": 1301.0})

    def _release_up_to(self, order, amount):
        wizard = (
            self.env["ar.credit.release.wizard"]
            .with_user(self.manager)
            .create({"res_model": "sale.order", "res_id": order.id, "reason": "Extra goods approved", "amount": amount})
        )
        wizard.action_release()
