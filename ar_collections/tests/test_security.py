from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import ArCollectionsCommon


@tagged("post_install", "-at_install")
class TestCollectionGroupsAndMenus(ArCollectionsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = cls._ar_user("ar_salesman", "salesman")
        cls.collector = cls._ar_user("ar_collector", "collector")
        cls.billing = cls._ar_user("ar_billing", "collector")
        cls.credit_manager = cls._ar_user("ar_credit_manager", "credit_manager")
        cls.group_user = cls.env.ref("ar_collections.group_ar_collection_user")
        cls.group_manager = cls.env.ref("ar_collections.group_ar_credit_manager")

    def _visible_menu_xmlids(self, user):
        menus = self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()
        xmlids = self.env["ir.ui.menu"].browse(menus).get_external_id()
        return set(xmlids.values())

    def test_credit_manager_is_a_collection_user(self):
        self.assertIn(self.group_user, self.credit_manager.groups_id)
        self.assertIn(self.group_manager, self.credit_manager.groups_id)

    def test_billing_users_work_collections_but_do_not_manage_credit(self):
        self.assertTrue(self.billing.has_group("ar_collections.group_ar_collection_user"))
        self.assertFalse(self.billing.has_group("ar_collections.group_ar_credit_manager"))

    def test_billing_administrators_manage_credit(self):
        admin = self._ar_user("ar_billing_admin", "collector")
        admin.groups_id |= self.env.ref("account.group_account_manager")
        self.assertTrue(admin.has_group("ar_collections.group_ar_credit_manager"))

    def test_salesman_has_no_collection_rights(self):
        self.assertFalse(self.salesman.has_group("ar_collections.group_ar_collection_user"))
        self.assertFalse(self.salesman.has_group("ar_collections.group_ar_credit_manager"))

    def test_collections_menu_visible_to_collection_users_only(self):
        self.assertIn("ar_collections.ar_collections_menu", self._visible_menu_xmlids(self.billing))
        self.assertIn("ar_collections.account_move_menu_overdue", self._visible_menu_xmlids(self.billing))
        self.assertIn("ar_collections.ar_collections_menu", self._visible_menu_xmlids(self.credit_manager))
        self.assertNotIn("ar_collections.ar_collections_menu", self._visible_menu_xmlids(self.salesman))


@tagged("post_install", "-at_install")
class TestLedgerOnlyThroughLog(ArCollectionsCommon):
    def test_a_user_cannot_write_an_event_by_hand(self):
        collector = self._ar_user("ledger_forger", "collector")
        values = {
            "partner_id": self.customer.id,
            "kind": "call",
            "date": "2025-01-01 10:00:00",
            "user_id": self.env.ref("base.user_admin").id,
            "note": "Backdated call in someone else's name",
        }
        with self.assertRaises(UserError):
            self.env["ar.collection.event"].with_user(collector).create(values)
        event = self.env["ar.collection.event"].with_user(collector)._log(self.customer, self.env.company, "call")
        self.assertEqual(event.user_id, collector, "the ledger names who acted")
        self.assertEqual(fields.Date.context_today(event, timestamp=event.date), self._ar_today())
