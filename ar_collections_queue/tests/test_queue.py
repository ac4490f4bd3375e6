"""The escalation as queue jobs: batches on their channel, each customer contacted once."""

from unittest.mock import patch

from odoo.tests import tagged

from odoo.addons.ar_collections.tests.common import ArCollectionsCommon
from odoo.addons.queue_job.job import Job


class BatchCrash(Exception):
    """A worker dying in the middle of a batch."""


@tagged("post_install", "-at_install")
class TestCollectionQueue(ArCollectionsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The bridge's tests enqueue for real (the common setup runs jobs in-process).
        cls.env = cls.env(context=dict(cls.env.context, queue_job__no_delay=False))
        others = cls.env["res.company"].search([("id", "!=", cls.env.company.id)])
        others.sudo().write({"ar_collection_enabled": False})
        cls.env.company.ar_collection_batch_size = 2
        # As the scheduler runs it: as the superuser.
        cls.Profile = cls.env["ar.credit.profile"].sudo()
        cls.Engine = cls.env["ar.collection.engine"].sudo()
        cls.customers = cls.customer | cls.env["res.partner"].union(
            *(cls._ar_customer(f"Queue Customer {index}") for index in range(4))
        )
        for customer in cls.customers:
            cls._ar_invoice(customer, 100.0, days_overdue=3)

    def _communications(self):
        events = self.env["ar.collection.event"].search(
            [("partner_id", "in", self.customers.ids), ("kind", "=", "email"), ("failed", "=", False)]
        )
        return {partner: len(events.filtered(lambda e, p=partner: e.partner_id == p)) for partner in self.customers}

    def _jobs(self):
        return self.env["queue.job"].sudo().search([("channel", "=", "root.ar_collections")], order="id")

    def _perform(self, records):
        """Run these jobs as queue_job's runner does, synchronously; return their results."""
        return [Job.load(self.env(su=True), record.uuid).perform() for record in records]

    def _due_profile_ids(self):
        return sorted(self._ar_profile(customer).id for customer in self.customers)

    def test_the_job_enqueues_one_batch_job_per_batch_on_its_channel(self):
        self.assertEqual(self.Engine._cron_escalate(), 3)
        jobs = self._jobs()
        ids = self._due_profile_ids()
        company, today = self.env.company.id, str(self._ar_today())
        self.assertEqual(
            [(job.method_name, job.args) for job in jobs],
            [("_job_collect_batch", [company, today, batch]) for batch in (ids[0:2], ids[2:4], ids[4:5])],
        )
        self.assertEqual(set(jobs.mapped("state")), {"pending"})
        self.assertFalse(any(self._communications().values()), "nothing is sent before the jobs run")
        self.assertEqual(
            self._perform(jobs),
            ["2 of 2 customer(s) contacted.", "2 of 2 customer(s) contacted.", "1 of 1 customer(s) contacted."],
        )
        self.assertEqual(set(self._communications().values()), {1}, "each customer contacted once")

    def test_a_batch_run_twice_contacts_nobody_twice(self):
        self.Engine._cron_escalate()
        jobs = self._jobs()
        self._perform(jobs)
        self.assertEqual(self._perform(jobs), ["0 of 0 customer(s) contacted."] * 3)
        self.assertEqual(set(self._communications().values()), {1})

    def test_a_failed_batch_job_is_retried_without_duplicates(self):
        self.Engine._cron_escalate()
        first = self._jobs()[0]
        # The worker dies at the end of the batch: queue_job rolls the job's transaction back.
        crash = patch.object(type(self.Profile), "_refresh_exposure", side_effect=BatchCrash)
        with self.assertRaises(BatchCrash), self.env.cr.savepoint(), crash:
            self._perform(first)
        self.assertFalse(any(self._communications().values()), "the failed attempt left nothing behind")
        queued = self.env["mail.mail"].search([("model", "=", "ar.collection.event")])
        self.assertFalse(queued.filtered(lambda mail: mail.recipient_ids & self.customers), "and queued no email")
        self.assertEqual(self._perform(first), ["2 of 2 customer(s) contacted."])
        self.assertEqual(sum(self._communications().values()), 2)

    def test_a_second_run_while_jobs_wait_enqueues_no_duplicate(self):
        self.Engine._cron_escalate()
        self.Engine._cron_escalate()
        self.assertEqual(len(self._jobs()), 3, "identical batches are not enqueued twice")
        self._perform(self._jobs())
        self.assertEqual(set(self._communications().values()), {1})

    def test_without_delay_the_batches_run_in_process(self):
        done = self.Engine.with_context(queue_job__no_delay=True)._cron_escalate()
        self.assertEqual(done, 5)
        self.assertFalse(self._jobs())
