"""Two collection runs at the same time, in two real PostgreSQL transactions.

Uncommitted test data is invisible to a second transaction, so this test works
on AR_CONCURRENCY_DB, a copy of the freshly built test database (with its demo
customers and their overdue invoices) that `make test` makes, and drops it.
"""

import os
import threading
from unittest.mock import patch

from odoo import SUPERUSER_ID
from odoo import api
from odoo import fields
from odoo.exceptions import UserError
from odoo.modules.registry import Registry
from odoo.service.model import retrying
from odoo.tests import BaseCase
from odoo.tests import tagged
from odoo.tools import config

from .common import drop_database


@tagged("post_install", "-at_install")
class TestConcurrentCollectionRuns(BaseCase):
    def setUp(self):
        super().setUp()
        self.db_name = os.environ.get("AR_CONCURRENCY_DB")
        if not self.db_name:
            self.fail("AR_CONCURRENCY_DB is not set: run the suite with `make test`.")
        # Loading a registry with tests enabled would run the addons' tests in it.
        with patch.dict(config.options, {"test_enable": False}):
            self.registry_ = Registry(self.db_name)
        self.addCleanup(self._drop)
        self.cursors = []

    def _drop(self):
        for cr in self.cursors:
            if not cr.closed:
                cr.rollback()
                cr.close()
        drop_database(self.db_name)

    def _env(self):
        cr = self.registry_.cursor()
        self.cursors.append(cr)
        return api.Environment(cr, SUPERUSER_ID, {})

    def _communications(self, env):
        """{customer: its emails and letters} of every customer the runs acted on today (a legal
        file opened the same day as a letter is an action, not a second communication; the
        demo's history of letters served earlier is not today's)."""
        env.cr.execute(
            "SELECT partner_id, count(*) FILTER (WHERE kind IN ('email', 'letter')) FROM ar_collection_event "
            "WHERE kind IN ('email', 'letter', 'legal') AND NOT COALESCE(failed, false) "
            "AND date >= now() - interval '1 hour' GROUP BY partner_id"
        )
        return dict(env.cr.fetchall())

    def test_the_job_and_a_manual_run_at_once_contact_each_customer_once(self):
        # The test process counts as testing: commits are made here, by hand.
        self.assertTrue(getattr(threading.current_thread(), "testing", False))
        setup = self._env()
        company = setup.ref("base.main_company")
        today = fields.Date.context_today(setup["ar.credit.profile"])
        Profile = setup["ar.credit.profile"]
        due = Profile.browse(self._due_ids(setup, company, today))
        self.assertGreaterEqual(len(due), 6, "the demo has customers at every stage")
        setup.cr.close()

        job, manual = self._env(), self._env()
        # The job locks its first batch...
        batch = job["ar.collection.engine"]._lock_due_profiles(company, today, 3)
        self.assertEqual(len(batch), 3)
        # ...while a credit manager runs the collection of every due customer by hand.
        manual_done = manual["ar.collection.engine"]._run_collection(
            manual["ar.credit.profile"].browse(due.ids), today=today
        )
        manual.cr.commit()
        self.assertGreater(manual_done, 0)
        contacted_by_hand = self._communications(self._env())
        self.assertFalse(
            set(contacted_by_hand) & set(batch.partner_id.ids), "the customers the job holds are left to it"
        )
        job_done = job["ar.collection.engine"]._run_collection(batch, today=today)
        job.cr.commit()
        self.assertGreater(job_done, 0)

        # The job's next batches find nothing left.
        later = self._env()
        self.assertEqual(later["ar.collection.engine"]._cron_escalate(), 0)
        communications = self._communications(later)
        self.assertLessEqual(set(communications.values()), {0, 1}, f"one communication per customer: {communications}")
        self.assertEqual(len(communications), manual_done + job_done)

    def _due_ids(self, env, company, today):
        env.cr.execute(env["ar.collection.engine"]._due_profiles_query(company, today))
        return [row[0] for row in env.cr.fetchall()]


@tagged("post_install", "-at_install")
class TestConcurrentOrderConfirmations(BaseCase):
    """Two salespeople confirm orders of one customer at once, in two real transactions."""

    def setUp(self):
        super().setUp()
        self.db_name = os.environ.get("AR_ORDERS_DB")
        if not self.db_name:
            self.fail("AR_ORDERS_DB is not set: run the suite with `make test`.")
        with patch.dict(config.options, {"test_enable": False}):
            self.registry_ = Registry(self.db_name)
        self.addCleanup(drop_database, self.db_name)

    def test_the_second_confirmation_waits_and_is_refused_with_the_figures(self):
        with self.registry_.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            # An established customer (the onboarding tests cover new ones).
            env.company.ar_credit_onboarding_since = False
            customer = env["res.partner"].create(
                {"name": "Concurrent Buyer", "is_company": True, "use_partner_credit_limit": True}
            )
            customer.credit_limit = 1000.0
            product = env["product.product"].create({"name": "Concurrency Widget", "list_price": 600.0})
            orders = env["sale.order"].create(
                [
                    {
                        "partner_id": customer.id,
                        "order_line": [(0, 0, {"product_id": product.id, "price_unit": 600.0, "tax_id": []})],
                    }
                    for _order in range(2)
                ]
            )
            first_id, second_id = orders.ids
        first_cr = self.registry_.cursor()
        try:
            first = api.Environment(first_cr, SUPERUSER_ID, {})
            first["sale.order"].browse(first_id).action_confirm()  # holds the customer's profile

            outcome = {}

            def confirm_second():
                # As a request does: a serialization failure is retried on a fresh snapshot.
                try:
                    with self.registry_.cursor() as cr:
                        env = api.Environment(cr, SUPERUSER_ID, {})
                        retrying(lambda: env["sale.order"].browse(second_id).action_confirm(), env)
                except UserError as error:
                    outcome["error"] = str(error)

            second = threading.Thread(target=confirm_second)
            second.start()
            second.join(timeout=2)
            self.assertTrue(second.is_alive(), "the second confirmation waits for the first")
            first_cr.commit()
        finally:
            first_cr.close()
        second.join(timeout=60)
        self.assertFalse(second.is_alive())
        message = outcome.get("error", "").replace("\xa0", " ")
        self.assertIn("Credit limit exceeded", message, "refused with the figures, not a serialization error")
        self.assertIn("600.00 + this order", message)
        with self.registry_.cursor() as cr:
            cr.execute("SELECT state FROM sale_order WHERE id IN %s ORDER BY id", [(first_id, second_id)])
            self.assertEqual([row[0] for row in cr.fetchall()], ["sale", "draft"])
