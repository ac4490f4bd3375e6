from odoo import Command
from odoo.exceptions import AccessError
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.ar_collections.tests.common import ArCollectionsCommon


@tagged("post_install", "-at_install")
class TestSuspendSupply(ArCollectionsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.env.company.id)], limit=1)
        cls.goods = cls.env["product.product"].create({"name": "Pallet of tiles", "type": "consu", "is_storable": True})
        cls.env["stock.quant"]._update_available_quantity(cls.goods, cls.warehouse.lot_stock_id, 100.0)
        cls.manager = cls._ar_user("ar_stock_manager", "credit_manager")
        cls.stock_user = cls._ar_user("ar_stock_user", "collector")
        cls.stock_user.groups_id |= cls.env.ref("stock.group_stock_user")
        cls.manager.groups_id |= cls.env.ref("stock.group_stock_user")
        cls.profile = cls.env["ar.credit.profile"]._get_or_create(cls.customer, cls.env.company)

    def _delivery(self, partner=None):
        picking = self.env["stock.picking"].create(
            {
                "partner_id": (partner or self.customer).id,
                "picking_type_id": self.warehouse.out_type_id.id,
                "location_id": self.warehouse.lot_stock_id.id,
                "location_dest_id": self.env.ref("stock.stock_location_customers").id,
                "move_ids": [
                    Command.create(
                        {
                            "name": self.goods.name,
                            "product_id": self.goods.id,
                            "product_uom_qty": 5.0,
                            "location_id": self.warehouse.lot_stock_id.id,
                            "location_dest_id": self.env.ref("stock.stock_location_customers").id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        picking.action_assign()
        return picking

    def test_deliveries_to_customers_in_good_standing_go(self):
        picking = self._delivery()
        self.assertFalse(picking.ar_credit_blocked)
        picking.with_user(self.stock_user).button_validate()
        self.assertEqual(picking.state, "done")

    def test_deliveries_to_a_customer_on_hold_are_refused_with_the_reason(self):
        picking = self._delivery(self._ar_contact(self.customer, "Warehouse Contact"))
        self.profile._set_hold("Lawyer letter sent, unpaid since June")
        self.assertTrue(picking.ar_credit_blocked)
        self.assertIn("on credit hold", picking.ar_credit_banner)
        with self.assertRaises(UserError) as error:
            picking.with_user(self.stock_user).button_validate()
        message = str(error.exception)
        self.assertIn("supply to this customer is suspended", message)
        self.assertIn("Lawyer letter sent, unpaid since June", message)
        self.assertIn("Release Credit Hold", message)
        with self.assertRaisesRegex(UserError, "suspended"):
            picking._action_done()
        self.assertNotEqual(picking.state, "done")

    def test_blacklisted_customers_are_not_supplied(self):
        picking = self._delivery()
        self.profile._set_blacklist("Fraud")
        with self.assertRaisesRegex(UserError, "blacklisted"):
            picking.button_validate()

    def test_a_credit_manager_releases_one_delivery_with_a_reason(self):
        picking = self._delivery()
        self.profile._set_hold("Unpaid")
        wizard = (
            self.env["ar.credit.release.wizard"]
            .with_user(self.manager)
            .create({"res_model": "stock.picking", "res_id": picking.id, "reason": "Goods already on the truck"})
        )
        self.assertIn("Unpaid", wizard.summary)
        wizard.action_release()
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.ar_credit_released_by_id, self.manager)
        event = self.env["ar.collection.event"].search(
            [("partner_id", "=", self.customer.id), ("kind", "=", "release")]
        )
        self.assertIn("Goods already on the truck", event.note)
        self.assertTrue(self.profile.hold, "the customer stays on hold")
        self.assertTrue(self._delivery().ar_credit_blocked, "the next delivery is blocked again")

    def test_stock_users_cannot_release(self):
        picking = self._delivery()
        self.profile._set_hold("Unpaid")
        with self.assertRaises(AccessError):
            picking.with_user(self.stock_user)._ar_credit_release("Please")
        with self.assertRaises(AccessError):
            picking.with_user(self.stock_user).write({"ar_credit_released_by_id": self.stock_user.id})
        self.assertNotEqual(picking.state, "done")

    def test_stock_users_cannot_create_a_released_delivery(self):
        with self.assertRaises(AccessError):
            self.env["stock.picking"].with_user(self.stock_user).create(
                {
                    "partner_id": self.customer.id,
                    "picking_type_id": self.warehouse.out_type_id.id,
                    "ar_credit_released_by_id": self.stock_user.id,
                    "ar_credit_release_reason": "Please",
                }
            )

    def test_receipts_from_a_held_customer_are_not_blocked(self):
        self.profile._set_hold("Unpaid")
        receipt = self.env["stock.picking"].create(
            {
                "partner_id": self.customer.id,
                "picking_type_id": self.warehouse.in_type_id.id,
                "location_id": self.env.ref("stock.stock_location_customers").id,
                "location_dest_id": self.warehouse.lot_stock_id.id,
                "move_ids": [
                    Command.create(
                        {
                            "name": "Return",
                            "product_id": self.goods.id,
                            "product_uom_qty": 1.0,
                            "quantity": 1.0,
                            "location_id": self.env.ref("stock.stock_location_customers").id,
                            "location_dest_id": self.warehouse.lot_stock_id.id,
                        }
                    )
                ],
            }
        )
        receipt.button_validate()
        self.assertEqual(receipt.state, "done")
