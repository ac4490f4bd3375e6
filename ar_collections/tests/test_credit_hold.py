from odoo.exceptions import AccessError
from odoo.exceptions import UserError
from odoo.tests import Form
from odoo.tests import tagged

from .common import ArCollectionsCommon


@tagged("post_install", "-at_install")
class TestCreditHolds(ArCollectionsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = cls._ar_user("ar_hold_salesman", "salesman")
        cls.manager = cls._ar_user("ar_hold_manager", "credit_manager")

    def _wizard(self, partners, action, reason, user=None):
        wizard = (
            self.env["ar.credit.hold.wizard"]
            .with_user(user or self.manager)
            .create({"partner_ids": [(6, 0, partners.ids)], "action": action, "reason": reason})
        )
        return wizard.action_apply()

    def _events(self, partner, kind):
        return self.env["ar.collection.event"].search([("partner_id", "=", partner.id), ("kind", "=", kind)])

    def test_a_credit_manager_puts_a_customer_on_hold_and_lifts_it(self):
        self._wizard(self.customer, "hold", "Cheque bounced")
        profile = self._ar_profile(self.customer)
        self.assertRecordValues(
            profile,
            [{"hold": True, "hold_cause": "manual", "hold_reason": "Cheque bounced", "hold_user_id": self.manager.id}],
        )
        self.assertTrue(profile.hold_since)
        self.assertEqual(len(self._events(self.customer, "hold")), 1)
        self.assertIn("Cheque bounced", self.customer.message_ids[0].body)

        self._wizard(self.customer, "lift_hold", "Cheque replaced")
        self.assertFalse(profile.hold)
        self.assertEqual(self._events(self.customer, "release").note, "Cheque replaced")

    def test_holds_show_as_banners_on_partner_quotation_and_invoice(self):
        order = self._ar_sale_order(self.customer, 100.0)
        invoice = self._ar_invoice(self.customer, 100.0, days_overdue=3)
        self._wizard(self.customer, "hold", "Unpaid since June")
        self.assertTrue(self.customer.ar_credit_hold)
        self.assertIn("on credit hold", order.ar_credit_banner)
        self.assertIn("Unpaid since June", invoice.ar_credit_banner)
        contact = self._ar_contact(self.customer, "Bob")
        self.assertTrue(contact.ar_credit_hold, "contacts show their company's hold")

    def test_blacklisting_holds_the_customer_until_removed(self):
        self._wizard(self.customer, "blacklist", "Fraudulent orders")
        profile = self._ar_profile(self.customer)
        self.assertRecordValues(profile, [{"blacklisted": True, "hold": True, "hold_cause": "blacklist"}])
        self.assertEqual(len(profile._hold_lines()), 1, "the blacklist's own hold is not repeated")
        self.assertIn("blacklisted", profile._banner_text())
        self._wizard(self.customer, "lift_blacklist", "Settled in court")
        self.assertRecordValues(profile, [{"blacklisted": False, "hold": False}])
        self.assertEqual(len(self._events(self.customer, "blacklist")), 1)

    def test_partner_filters_find_held_blacklisted_over_limit_and_due_customers(self):
        held, listed, over, due, fine = (self._ar_customer(name) for name in ("Held", "Listed", "Over", "Due", "Fine"))
        for partner in (held, listed, over, due, fine):
            self._ar_invoice(partner, 100.0, days_overdue=1)
        self._wizard(held, "hold", "Disputed delivery")
        self._wizard(listed, "blacklist", "Never paid")
        over.write({"use_partner_credit_limit": True, "credit_limit": 50.0})
        profiles = self._ar_profile(fine) | self._ar_profile(held) | self._ar_profile(listed) | self._ar_profile(over)
        profiles.write({"next_review_date": self._ar_today().replace(year=self._ar_today().year + 1)})
        Partner = self.env["res.partner"]
        scope = [("id", "in", (held | listed | over | due | fine).ids)]
        self.assertEqual(Partner.search([*scope, ("ar_credit_hold", "=", True)]), held | listed)
        self.assertEqual(Partner.search([*scope, ("ar_blacklisted", "=", True)]), listed)
        self.assertEqual(Partner.search([*scope, ("ar_over_limit", "=", True)]), over)
        self.assertEqual(Partner.search([*scope, ("ar_review_due", "=", True)]), due)
        self.assertEqual(Partner.search([*scope, ("ar_credit_hold", "=", False)]), over | due | fine)

    def test_a_reason_is_required(self):
        with self.assertRaisesRegex(UserError, "Give a reason"):
            self._wizard(self.customer, "hold", "   ")
        self.assertFalse(self._ar_profile(self.customer).hold)

    def test_a_salesperson_cannot_hold_or_lift(self):
        self._wizard(self.customer, "hold", "Unpaid")
        with self.assertRaises(AccessError):
            self._wizard(self.customer, "lift_hold", "Please", user=self.salesman)
        profile = self._ar_profile(self.customer).with_user(self.salesman)
        with self.assertRaises(AccessError):
            profile.write({"hold": False})
        with self.assertRaisesRegex(AccessError, "Credit Manager"):
            profile._lift_hold("Sneaky")
        with self.assertRaises(AccessError):
            self.customer.with_user(self.salesman).action_ar_credit_wizard()
        self.assertTrue(self._ar_profile(self.customer).hold)

    def test_the_partner_form_offers_the_hold_buttons_to_credit_managers(self):
        form = Form(self.customer.with_user(self.manager))
        self.assertEqual(form.ar_credit_rating_id, self.env["ar.credit.rating"])
        action = (
            self.customer.with_user(self.manager).with_context(ar_hold_action="blacklist").action_ar_credit_wizard()
        )
        self.assertEqual(action["context"]["default_action"], "blacklist")
        self.assertEqual(action["context"]["default_partner_ids"], self.customer.ids)
