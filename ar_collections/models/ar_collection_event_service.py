"""What makes a communication count (送达): proof that it reached the customer, and the review
a letter can need before it goes out.

A formal notice (a stage's ``formal_notice``: the demand, the lawyer letter) counts before
legal action only once served: an email when the mail server accepted it (its Message-Id is
the electronic proof), a posted letter when its carrier, tracking number and scanned receipt
are recorded. A stage with ``review_before_sending`` prepares its letter and waits for a
credit manager to approve it (after the law firm read it): approved, it goes out as the job
would have sent it; rejected, it fails and its invoices go back to where they stood.
"""

from odoo import api
from odoo import models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools.groups import COLLECTION_USER_GROUP
from ..tools.groups import CREDIT_MANAGER_GROUP
from ..tools.groups import requires_group

# One concept a file: the ledger (ar_collection_event.py), replies, and service here.
# pylint: disable=consider-merging-classes-inherited


class ArCollectionEvent(models.Model):
    _inherit = "ar.collection.event"

    @requires_group(COLLECTION_USER_GROUP)
    def action_record_service(self):
        """Open the form recording how this letter reached the customer."""
        self.ensure_one()
        self._check_can_record_service()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Record Proof of Service"),
            "res_model": "ar.collection.service.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_event_id": self.id},
        }

    @requires_group(CREDIT_MANAGER_GROUP)
    def action_approve_review(self):
        """Approve letters prepared for review and send them as their stage does."""
        pending = self.filtered("review_pending")
        if pending != self:
            raise UserError(self.env._("Only letters awaiting review can be approved."))
        events = self.sudo()
        events._complete_each({event: {"reviewed_by_id": self.env.user.id} for event in events})
        emailed = events.filtered(lambda event: event.kind == "email")
        for template, group in emailed.grouped(lambda event: event.stage_id.mail_template_id).items():
            group._send_stage_emails(template)
        events._close_review_activities()
        # A customer without an email address gets the approved letter by post: someone posts it.
        letters = events - emailed
        Profile = self.env["ar.credit.profile"]
        self.env["ar.collection.engine"]._ask_to_post(
            letters,
            {
                (event.partner_id, event.company_id): Profile._get_or_create(event.partner_id, event.company_id)
                for event in letters
            },
        )
        events._log_in_chatters(
            {
                event: self.env._(
                    "%(stage)s approved by %(user)s and %(sent)s.",
                    stage=event.stage_id.name,
                    user=self.env.user.name,
                    sent=self.env._("sent by email") if event.kind == "email" else self.env._("to be posted"),
                )
                for event in events
            }
        )
        return True

    @requires_group(CREDIT_MANAGER_GROUP)
    def action_reject_review(self):
        """Reject letters prepared for review: they are not sent, and their invoices go back to
        where they stood (the next run prepares them again, from the corrected settings)."""
        if self.filtered("review_pending") != self:
            raise UserError(self.env._("Only letters awaiting review can be rejected."))
        events = self.sudo()
        events._mark_failed(self.env._("rejected at review by %s", self.env.user.name))
        events._close_review_activities()
        return True

    def _check_can_record_service(self):
        for event in self:
            if event.kind not in ("email", "letter") or event.failed or event.review_pending:
                raise UserError(
                    self.env._("Only a letter or email that went out can have a proof of service (%s).", event.name)
                )
            if event.service_date:
                raise UserError(
                    self.env._(
                        "%(event)s already has its proof of service (served on %(date)s): a proof is never replaced.",
                        event=event.name,
                        date=event.service_date,
                    )
                )

    def _close_review_activities(self):
        """Mark done the review activities of these events' customers that have no other letter
        awaiting review."""
        waiting = self.sudo().search([("partner_id", "in", self.partner_id.ids), ("review_pending", "=", True)])
        partners = self.partner_id - (waiting - self).partner_id
        activities = (
            self.env["mail.activity"]
            .sudo()
            .search(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "in", partners.ids),
                    ("activity_type_id", "=", self.env.ref("ar_collections.mail_activity_type_review").id),
                ]
            )
        )
        activities.action_done()

    def _record_service(self, method, date, carrier=False, tracking=False, proof=False):
        """Record that these communications reached the customer (once: a proof is never replaced)."""
        values = {
            "service_method": method,
            "service_date": date,
            "service_carrier": carrier,
            "service_tracking": tracking,
            "service_proof_id": proof.id if proof else False,
        }
        # Only the values given: an empty one would be an untyped NULL in the statement.
        values = {name: value for name, value in values.items() if value}
        self._complete_each(dict.fromkeys(self, values))
        # A formal notice served restarts the limitation period of its invoices.
        self.filtered("stage_id.formal_notice").move_ids.sudo()._ar_refresh_limitation()

    @api.model
    def _served_notices(self, moves):
        """{(invoice id, formal-notice stage id): the day it was served, or None if logged but not
        served yet}, from the ledger: the formal notices that listed these invoices and did not fail."""
        if not moves:
            return {}
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT rel.move_id, event.stage_id, max(event.service_date)
                  FROM ar_collection_event event
                  JOIN ar_collection_event_move_rel rel ON rel.event_id = event.id
                  JOIN ar_collection_stage stage ON stage.id = event.stage_id
                 WHERE rel.move_id = ANY(%s)
                   AND stage.formal_notice
                   AND event.kind IN ('email', 'letter')
                   AND event.failed IS NOT TRUE
                 GROUP BY rel.move_id, event.stage_id
                """,
                moves.ids,
            )
        )
        return {(move_id, stage_id): served for move_id, stage_id, served in self.env.cr.fetchall()}
