"""Demo of the salespeople answerable (回款考核): two salespeople in two teams answer for the
demo customers' invoices, and a payment came in this month. To be called from the demo data:
``<function model="ar.collections.demo" name="_load_salespeople"/>``."""

from datetime import timedelta

from odoo import Command
from odoo import api
from odoo import fields
from odoo import models

# Each feature's demo loader lives in its own file.
# pylint: disable=consider-merging-classes-inherited


class ArCollectionsDemo(models.AbstractModel):
    _inherit = "ar.collections.demo"

    @api.model
    def _load_salespeople(self):
        """Wang Fang (login salesperson / salesperson, Chinese, Key Accounts) sold to Mingda, Summit
        and Crescent; Marc Demo (Pre-Sales) to Pioneer, Greenway and Northwind. Mingda paid a new
        invoice today: collected this month."""
        ref = self.env.ref
        key_accounts = ref("ar_collections.ar_demo_team_key_accounts")
        wang = ref("ar_collections.ar_demo_user_salesperson")
        for user, team, keys in (
            (wang, key_accounts, ("mingda", "summit", "crescent")),
            (ref("base.user_demo"), ref("sales_team.crm_team_1"), ("pioneer", "greenway", "northwind")),
        ):
            partners = self.env["res.partner"].browse([ref(f"ar_collections.ar_demo_partner_{key}").id for key in keys])
            partners.user_id = user
            invoices = self.env["account.move"].search(
                [("commercial_partner_id", "in", partners.ids), ("move_type", "=", "out_invoice")]
            )
            invoices.write({"invoice_user_id": user.id, "team_id": team.id})
        today = fields.Date.context_today(self)
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": ref("ar_collections.ar_demo_partner_mingda").id,
                "invoice_user_id": wang.id,
                "team_id": key_accounts.id,
                "invoice_date": today - timedelta(days=10),
                "invoice_date_due": today + timedelta(days=20),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": ref("ar_collections.ar_demo_product_supplies").id,
                            "quantity": 12,
                            "price_unit": 150.0,
                            "tax_ids": [],
                        }
                    )
                ],
            }
        )
        invoice.action_post()
        self._name_demo_record(invoice, "ar_demo_invoice_mingda_paid")
        self.env["account.payment.register"].with_context(active_model="account.move", active_ids=invoice.ids).create(
            {"payment_date": today}
        )._create_payments()
        return wang
