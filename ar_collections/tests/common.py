"""Shared fixtures: customers, invoices, payments, sale orders and users, one call each."""

import shutil
from contextlib import closing
from datetime import timedelta

from odoo import Command
from odoo import fields
from odoo import sql_db
from odoo.modules.registry import Registry
from odoo.tests import new_test_user
from odoo.tools import SQL
from odoo.tools import config

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


def drop_database(name):
    """Drop a copy of the test database made by `make test` (odoo's own drop only
    sees the database the suite runs on)."""
    Registry.delete(name)
    sql_db.close_db(name)
    with closing(sql_db.db_connect("postgres").cursor()) as cr:
        cr._cnx.autocommit = True
        cr.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid != pg_backend_pid()",
            [name],
        )
        cr.execute(SQL("DROP DATABASE IF EXISTS %s", SQL.identifier(name)))
    shutil.rmtree(config.filestore(name), ignore_errors=True)


ROLE_GROUPS = {
    "salesman": "sales_team.group_sale_salesman",
    # Collectors and credit managers work from the Invoicing app, so they are
    # billing users (which makes them collection users).
    "collector": "account.group_account_invoice",
    "credit_manager": "account.group_account_invoice,ar_collections.group_ar_credit_manager",
    "portal": "base.group_portal",
}


class ArCollectionsCommon(AccountTestInvoicingCommon):
    """Accounting test case with one-call helpers for collection scenarios.

    Amounts are tax-free unless a test asks otherwise, so the figures a test
    asserts are the figures it wrote.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # With the queue_job bridge installed, the escalation job would enqueue its
        # batches: run them in-process, as without it (the bridge's tests enqueue).
        cls.env = cls.env(context=dict(cls.env.context, queue_job__no_delay=True))
        # Everyone in the tests lives in one time zone, the superuser's (the jobs and the portal's
        # ledger entries run as the superuser): "today" is the same day for all, even at midnight.
        tz = cls.env.ref("base.user_root").tz
        (cls.env.user | cls.env.ref("base.public_user")).sudo().tz = tz
        # The suite's customers are established ones, as those a company has when it installs the
        # addon: they keep the terms of their rating. The onboarding tests turn onboarding on.
        cls.env["res.company"].search([]).ar_credit_onboarding_since = False
        cls.ar_product = cls._create_product(name="Collection Test Product", lst_price=100.0, taxes_id=[])
        cls.customer = cls._ar_customer("Acme Retail")

    # ---- partners and users -------------------------------------------------

    @classmethod
    def _create_company(cls, **create_values):
        company = super()._create_company(**create_values)
        company.ar_credit_onboarding_since = False
        return company

    @classmethod
    def _ar_customer(cls, name, **values):
        return cls.env["res.partner"].create(
            {
                "name": name,
                "is_company": True,
                "email": f"{name.lower().replace(' ', '.')}@example.com",
                **values,
            }
        )

    @classmethod
    def _ar_contact(cls, parent, name, **values):
        return cls.env["res.partner"].create({"name": name, "parent_id": parent.id, **values})

    @classmethod
    def _ar_user(cls, login, role, company=None, **values):
        """A user with only the base groups of ``role`` (see ROLE_GROUPS)."""
        company = company or cls.env.company
        groups = ROLE_GROUPS[role]
        if role != "portal":
            groups = f"base.group_user,{groups}"
        values.setdefault("tz", cls.env.ref("base.user_root").tz)
        return new_test_user(
            cls.env,
            login=login,
            groups=groups,
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
            **values,
        )

    def _follow_up(self):
        """The daily follow-up jobs of promises and payment plans."""
        self.env["ar.collection.promise"]._cron_follow_up()
        self.env["ar.payment.plan"]._cron_follow_up()

    @classmethod
    def _ar_profile(cls, partner, company=None):
        """The credit profile of ``partner``'s commercial partner in ``company`` (may be empty)."""
        return cls.env["ar.credit.profile"].search(
            [
                ("partner_id", "=", partner.commercial_partner_id.id),
                ("company_id", "=", (company or cls.env.company).id),
            ]
        )

    @classmethod
    def _ar_rating(cls, code):
        return cls.env.ref(f"ar_collections.ar_credit_rating_{code.lower()}")

    # ---- invoices and payments -----------------------------------------------

    @classmethod
    def _ar_today(cls):
        return fields.Date.context_today(cls.env.user)

    @classmethod
    def _ar_invoice_values(
        cls, partner, amount, days_overdue=0, currency=None, move_type="out_invoice", company=None, **values
    ):
        company = company or cls.env.company
        due = cls._ar_today() - timedelta(days=days_overdue)
        return {
            "move_type": move_type,
            "partner_id": partner.id,
            "company_id": company.id,
            "invoice_date": due - timedelta(days=30),
            "invoice_date_due": due,
            "invoice_payment_term_id": False,
            "currency_id": (currency or company.currency_id).id,
            "invoice_line_ids": [
                Command.create({"product_id": cls.ar_product.id, "quantity": 1, "price_unit": amount, "tax_ids": []})
            ],
            **values,
        }

    @classmethod
    def _ar_invoice(cls, partner, amount, days_overdue=0, post=True, company=None, **kwargs):
        """A customer invoice of ``amount`` due ``days_overdue`` days ago (negative: not yet due)."""
        company = company or cls.env.company
        move = (
            cls.env["account.move"]
            .with_company(company)
            .create(cls._ar_invoice_values(partner, amount, days_overdue=days_overdue, company=company, **kwargs))
        )
        if post:
            move.action_post()
        return move

    @classmethod
    def _ar_refund(cls, partner, amount, **kwargs):
        return cls._ar_invoice(partner, amount, move_type="out_refund", **kwargs)

    @classmethod
    def _ar_pay(cls, invoices, amount=None, date=None):
        """Register a payment on ``invoices`` (full residual when ``amount`` is None)."""
        values = {"payment_date": date or cls._ar_today()}
        if amount is not None:
            values.update(amount=amount, payment_difference_handling="open")
        wizard = (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoices.ids)
            .create(values)
        )
        return wizard._create_payments()

    # ---- sale orders -----------------------------------------------------------

    @classmethod
    def _ar_sale_order(cls, partner, amount, confirm=False, company=None, **values):
        company = company or cls.env.company
        order = (
            cls.env["sale.order"]
            .with_company(company)
            .create(
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": cls.ar_product.id,
                                "product_uom_qty": 1,
                                "price_unit": amount,
                                "tax_id": [],
                            }
                        )
                    ],
                    **values,
                }
            )
        )
        if confirm:
            order.action_confirm()
        return order
