"""The escalation as queue_job batch jobs: the daily job enqueues them, each job runs one batch."""

import logging

from odoo import api
from odoo import fields
from odoo import models
from odoo.tools import split_every

from odoo.addons.queue_job.job import identity_exact
from odoo.addons.queue_job.utils import must_run_without_delay

_logger = logging.getLogger(__name__)

CHANNEL = "root.ar_collections"


class ArCollectionEngine(models.AbstractModel):
    _inherit = "ar.collection.engine"

    @api.model
    def _cron_escalate(self, time_budget=600):
        """Split the day's escalation into batch jobs on the ``root.ar_collections`` channel.

        queue_job's runner spreads them over the workers and servers, as many at once as
        the channel's capacity allows. Each job runs ``_collect_due_batch``, the batch of
        the in-process job: it locks its customers with SKIP LOCKED and skips those no
        longer due, so overlapping or retried jobs contact nobody twice. Return the number
        of jobs enqueued.
        """
        if must_run_without_delay(self.env):
            return super()._cron_escalate(time_budget=time_budget)
        today = fields.Date.context_today(self)
        companies = self.env["res.company"].sudo().search([("ar_collection_enabled", "=", True)])
        enqueued = 0
        for company in companies:
            self.env.cr.execute(self._due_profiles_query(company, today))
            due_ids = sorted(row[0] for row in self.env.cr.fetchall())
            for batch in split_every(company.ar_collection_batch_size, due_ids, list):
                self.with_delay(
                    channel=CHANNEL,
                    identity_key=identity_exact,
                    description=self.env._(
                        "Collections: escalate %(count)s customer(s) of %(company)s",
                        count=len(batch),
                        company=company.name,
                    ),
                )._job_collect_batch(company.id, fields.Date.to_string(today), batch)
                enqueued += 1
        _logger.info("Collections: %s batch job(s) enqueued", enqueued)
        return enqueued

    @api.model
    def _job_collect_batch(self, company_id, today, profile_ids):
        """Queue job: run one batch of the escalation (see ``_collect_due_batch``)."""
        company = self.env["res.company"].browse(company_id)
        today = fields.Date.to_date(today)
        profiles, contacted = self._collect_due_batch(company, today, len(profile_ids), only=profile_ids)
        return self.env._("%(contacted)s of %(count)s customer(s) contacted.", contacted=contacted, count=len(profiles))
