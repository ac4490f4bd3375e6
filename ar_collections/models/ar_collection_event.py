"""The collection ledger (催收台账): every collection action, in order, append-only.

``_log`` (and ``_log_many`` for a batch) is the only way code records an event: it sets the
date, the author, the company and the customer's overdue figures at that moment itself. The
ledger also prints the stage letters, sends the stage emails and notes them in the chatters.
"""

from datetime import timedelta

from odoo import Command
from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools import email_normalize
from odoo.tools import plaintext2html

from .ir_qweb import COMPILE_ONCE
from .mail_message import SANITIZE_ONCE

EVENT_KINDS = [
    ("email", "Email"),
    ("letter", "Letter"),
    ("call", "Call"),
    ("visit", "Visit"),
    ("promise", "Promise to pay"),
    ("dispute", "Dispute"),
    ("hold", "Credit hold"),
    ("blacklist", "Blacklist"),
    ("release", "Release"),
    ("fee", "Late fee"),
    ("plan", "Payment plan"),
    ("legal", "Legal file"),
    ("statement", "Statement of account"),
    ("note", "Note"),
    ("reply", "Customer reply"),
    ("acknowledgement", "Acknowledgement"),
    ("write_off", "Bad-debt write-off"),
    ("recovery", "Bad-debt recovery"),
]
SERVICE_METHODS = [
    ("email", "Email"),
    ("post", "Registered Post"),
    ("courier", "Courier"),
    ("hand", "By Hand"),
]
# Fields filled in after logging an event (once, when empty): the letter, the email, who
# handled a reply, and the proof that the communication reached the customer (送达凭证).
SERVICE_FIELDS = {"service_method", "service_date", "service_carrier", "service_tracking", "service_proof_id"}
LATE_FIELDS = {"attachment_id", "mail_id", "mail_message_id", "handled_by_id", "reviewed_by_id", *SERVICE_FIELDS}


class ArCollectionEvent(models.Model):
    """The collection ledger (催收台账): every collection action, in order. Append-only."""

    _name = "ar.collection.event"
    _description = "Collection Event"
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name")
    # The ledger outlives nothing it names: a customer or stage in it is archived, not deleted.
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, ondelete="restrict", readonly=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company, readonly=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Datetime(default=fields.Datetime.now, required=True, index=True, readonly=True)
    kind = fields.Selection(EVENT_KINDS, required=True, readonly=True, index=True)
    user_id = fields.Many2one("res.users", string="By", default=lambda self: self.env.user, readonly=True)
    by_customer = fields.Boolean(readonly=True, help="Recorded by the customer (portal), not by a user.")
    note = fields.Text(readonly=True)
    stage_id = fields.Many2one("ar.collection.stage", readonly=True, index="btree_not_null", ondelete="restrict")
    outcome_id = fields.Many2one("ar.collection.outcome", readonly=True)
    move_ids = fields.Many2many(
        "account.move",
        "ar_collection_event_move_rel",
        "event_id",
        "move_id",
        string="Invoices",
        readonly=True,
        check_company=True,
    )
    sale_order_id = fields.Many2one("sale.order", readonly=True, index="btree_not_null", check_company=True)
    promise_id = fields.Many2one("ar.collection.promise", readonly=True, index="btree_not_null")
    dispute_id = fields.Many2one("ar.collection.dispute", readonly=True, index="btree_not_null")
    plan_id = fields.Many2one("ar.payment.plan", string="Payment Plan", readonly=True, index="btree_not_null")
    promised_date = fields.Date(readonly=True)
    promised_amount = fields.Monetary(readonly=True)
    amount_due = fields.Monetary(
        readonly=True, help="The customer's overdue amount at that moment (all its overdue invoices)."
    )
    days_overdue = fields.Integer(readonly=True, help="Days overdue of the customer's oldest overdue invoice then.")
    listed_amount_due = fields.Monetary(
        string="Overdue on These Invoices", readonly=True, help="Overdue amount of the invoices of this event, then."
    )
    attachment_id = fields.Many2one("ir.attachment", string="Document", readonly=True)
    mail_id = fields.Many2one("mail.mail", string="Email", readonly=True, index="btree_not_null")
    mail_message_id = fields.Many2one("mail.message", string="Message", readonly=True)
    to_print = fields.Boolean(
        string="To Print and Post",
        readonly=True,
        help="The customer has no email address: the letter is printed and posted.",
    )
    failed = fields.Boolean(
        readonly=True, index="btree_not_null", help="The action failed (e.g. the email could not be sent)."
    )
    failure_reason = fields.Text(readonly=True)
    stages_before = fields.Json(
        readonly=True,
        help="Where the invoices stood before this communication (put back if it is not delivered), "
        "or before this reply paused them.",
    )
    # ---- customer replies (see ar_collection_event_reply.py) ----
    # ---- acknowledgement (回执): the slip the customer signed and returned ----
    acknowledged_on = fields.Date(readonly=True, help="The date the customer signed the returned slip.")
    acknowledged_amount = fields.Monetary(string="Amount Confirmed", readonly=True)
    disputed_amount = fields.Monetary(readonly=True)
    # ---- review before sending (a lawyer letter the firm reads first) ----
    review_required = fields.Boolean(
        readonly=True, help="Prepared by the collection for review: it goes out once a credit manager approves it."
    )
    reviewed_by_id = fields.Many2one("res.users", string="Approved By", readonly=True)
    review_pending = fields.Boolean(
        compute="_compute_review_pending", search="_search_review_pending", string="Awaiting Review"
    )
    # ---- proof of service (送达凭证) ----
    service_method = fields.Selection(
        SERVICE_METHODS,
        string="Served By",
        readonly=True,
        help="How the communication was proven to reach the customer: an email accepted by the mail server "
        "(its Message-Id is the proof), or a letter with the carrier's receipt.",
    )
    service_date = fields.Date(
        string="Served On",
        readonly=True,
        index="btree_not_null",
        help="The day the communication reached the customer. A formal notice counts (before legal action, "
        "and to restart the limitation period) only once served.",
    )
    service_carrier = fields.Char(string="Carrier", readonly=True)
    service_tracking = fields.Char(string="Tracking Number", readonly=True)
    service_proof_id = fields.Many2one("ir.attachment", string="Proof of Service", readonly=True)
    reply_to_id = fields.Many2one(
        "ar.collection.event",
        string="In Reply To",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
        help="The collection email this reply answers.",
    )
    reply_ids = fields.One2many("ar.collection.event", "reply_to_id", string="Replies", readonly=True)
    reply_from = fields.Char(string="From", readonly=True, help="The address the reply came from.")
    reply_from_unknown = fields.Boolean(
        string="From an Unknown Address",
        readonly=True,
        help="The reply came from an address that is not one of the customer's contacts.",
    )
    auto_reply = fields.Boolean(
        string="Automatic Reply",
        readonly=True,
        help="An automatic answer (out of office): logged, but neither an answer nor a reason to pause.",
    )
    handled_by_id = fields.Many2one(
        "ar.collection.event",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
        help="What a collector made of this reply: the promise, dispute, plan or note logged for it.",
    )
    reply_body = fields.Html(related="mail_message_id.body", string="Reply")
    reply_attachment_ids = fields.Many2many(related="mail_message_id.attachment_ids", string="Attachments Received")
    reply_state = fields.Selection(
        [("pending", "Not handled"), ("handled", "Handled"), ("auto", "Automatic reply")],
        compute="_compute_reply_state",
        string="Reply Status",
    )

    deadline_date = fields.Date(
        compute="_compute_deadline_date", help="Payment deadline given in the letter: its date plus the stage's days."
    )
    recipient_id = fields.Many2one(
        "res.partner", compute="_compute_recipient_id", help="Who the collection emails of this customer go to."
    )

    @api.depends("review_required", "reviewed_by_id", "failed")
    def _compute_review_pending(self):
        for event in self:
            event.review_pending = event.review_required and not event.reviewed_by_id and not event.failed

    def _search_review_pending(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Search on Awaiting Review with = True or = False only."))
        pending = [("review_required", "=", True), ("reviewed_by_id", "=", False), ("failed", "=", False)]
        return pending if (operator == "=") == value else ["!", "&", "&", *pending]

    @api.depends("kind", "auto_reply", "handled_by_id")
    def _compute_reply_state(self):
        for event in self:
            if event.kind != "reply":
                event.reply_state = False
            elif event.auto_reply:
                event.reply_state = "auto"
            else:
                event.reply_state = "handled" if event.handled_by_id else "pending"

    @api.depends("date", "stage_id.deadline_days")
    def _compute_deadline_date(self):
        for event in self:
            event.deadline_date = event._letter_date() + timedelta(days=event.stage_id.deadline_days)

    @api.depends("partner_id")
    def _compute_recipient_id(self):
        for event in self:
            event.recipient_id = event.partner_id._ar_collection_recipient()

    @api.depends("kind", "partner_id", "stage_id")
    def _compute_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for event in self:
            event.name = " - ".join(filter(None, (kinds.get(event.kind), event.stage_id.name, event.partner_id.name)))

    # ------------------------------------------------------------------
    # Logging
    # ------------------------------------------------------------------

    @api.model
    def _log(self, partner, company, kind, moves=None, **values):
        """Record one event of ``kind`` for ``partner``'s commercial partner in ``company``,
        about ``moves``; ``values`` are the event's own fields (note, stage_id, promise_id...).

        The only way code records an event (see ``_log_many``).
        """
        return self._log_many([{**values, "partner": partner, "company": company, "kind": kind, "moves": moves}])

    @api.model
    def _log_many(self, entries):
        """Record several events in one create; each entry is a dict of ``_log``'s arguments.

        Sets what no caller chooses: the date (now), the author (the user, none when the
        customer acts in the portal: the portal's code passes ``by_customer``; no context key
        changes the author), the customer's overdue amount and days overdue at this moment
        (one query for all), and the overdue amount of the event's own invoices.
        """
        if not entries:
            return self.browse()
        Move = self.env["account.move"]
        today = fields.Date.context_today(self)
        now = fields.Datetime.now()
        figures = Move._ar_overdue_figures(
            {(entry["partner"].commercial_partner_id.id, entry["company"].id) for entry in entries}, today
        )
        values_list = []
        for entry in entries:
            values = dict(entry)
            partner = values.pop("partner").commercial_partner_id
            company = values.pop("company")
            moves = (values.pop("moves", None) or Move).sudo()
            by_customer = bool(values.pop("by_customer", False))
            amount_due, days_overdue = figures.get((partner.id, company.id), (0.0, 0))
            values_list.append(
                {
                    **values,
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "date": now,
                    "user_id": False if by_customer else self.env.user.id,
                    "by_customer": by_customer,
                    "move_ids": [Command.set(moves.ids)],
                    "amount_due": amount_due,
                    "days_overdue": days_overdue,
                    "listed_amount_due": sum(
                        moves.filtered(lambda move: move._ar_is_overdue(today)).mapped("amount_residual_signed")
                    ),
                }
            )
        return self.sudo().create(values_list)

    @api.model_create_multi
    def create(self, vals_list):
        # Events are recorded by the actions they record, through `_log` (as superuser), which
        # sets date, author and figures itself: an event made by hand over RPC (say, backdated
        # or in another user's name) is refused.
        if not self.env.su:
            raise UserError(
                self.env._(
                    "Collection events are recorded by the actions themselves: use Log a Contact on the "
                    "customer or its invoices."
                )
            )
        return super().create(vals_list)

    # The ledger is never rewritten, by anyone (superuser included, whatever the context): the
    # engine only fills an event's letter and email in once, while empty (`_complete_each`); a
    # failure is a new event (`failed`), not a change of the old one.
    def write(self, vals):  # pylint: disable=method-required-super
        raise UserError(self.env._("The collection ledger is append-only: an event cannot be changed once logged."))

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("The collection ledger is append-only: events cannot be deleted."))

    def _complete_each(self, values_by_event):
        """Complete each event with its own values ({event: {field: id}}, the same fields for
        all): one statement for all, and only fields still empty, as the ledger allows."""
        if not values_by_event:
            return
        names = sorted(next(iter(values_by_event.values())))
        if not set(names) <= LATE_FIELDS:
            raise UserError(self.env._("The collection ledger is append-only: an event cannot be changed once logged."))
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                UPDATE ar_collection_event event
                   SET %(assignments)s
                  FROM (VALUES %(rows)s) AS new (id, %(columns)s)
                 WHERE event.id = new.id AND %(empty)s
                """,
                assignments=SQL(", ").join(SQL("%s = new.%s", SQL.identifier(n), SQL.identifier(n)) for n in names),
                rows=SQL(", ").join(
                    SQL("(%s)", SQL(", ").join([event.id, *(values[n] for n in names)]))
                    for event, values in values_by_event.items()
                ),
                columns=SQL(", ").join(SQL.identifier(n) for n in names),
                empty=SQL(" AND ").join(SQL("event.%s IS NULL", SQL.identifier(n)) for n in names),
            )
        )
        self.browse([event.id for event in values_by_event]).invalidate_recordset(names)

    def _letter_records(self, report):
        """The records ``report`` prints for this event: the event, its customer or its invoices."""
        records = {
            "ar.collection.event": self,
            "res.partner": self.partner_id,
            "account.move": self.move_ids,
        }.get(report.model)
        if records is None:
            raise UserError(self.env._("Report %s cannot print a collection letter.", report.name))
        return records

    def _attach_letters(self, report):
        """Render ``report`` for each of these events, in its customer's language, and keep
        each PDF on its event: the letters of a language in a few wkhtmltopdf calls."""
        Attachment = self.env["ir.attachment"].sudo()
        today = fields.Date.context_today(self)
        documents = {}
        for lang, events in self.grouped(lambda event: event.partner_id.lang).items():
            documents.update(events.with_context(lang=lang)._render_documents(report))
        attachments = Attachment.create(
            [
                {
                    "name": f"{report.name} - {event.partner_id.name} - {today}.{file_format}",
                    "raw": content,
                    "res_model": self._name,
                    "res_id": event.id,
                    "mimetype": "application/pdf" if file_format == "pdf" else "text/html",
                }
                for event, (content, file_format) in documents.items()
            ]
        )
        self._complete_each(
            {event: {"attachment_id": attachment.id} for event, attachment in zip(documents, attachments, strict=True)}
        )

    def _render_documents(self, report):
        """{event: (content, format)}: one record per event (the event or its customer) prints
        in one go, then is cut per record; invoices print event by event."""
        Report = self.env["ir.actions.report"].sudo()
        records = [event._letter_records(report) for event in self]
        ids = [record.id for record in records if len(record) == 1]
        if len(ids) < 2 or len(set(ids)) != len(self):
            return {
                event: Report._render_qweb_pdf(report.report_name, record.ids)
                for event, record in zip(self, records, strict=True)
            }
        documents = Report._ar_render_each(report.report_name, ids)
        return {event: documents[res_id] for event, res_id in zip(self, ids, strict=True)}

    def _send_stage_emails(self, template):
        """Queue ``template``'s email for each of these events, with the event's letter, in one
        batch (sent by the mail queue, after this transaction commits). Each email is a message
        of its customer's thread, so that the customer's answer comes back to it (see
        ``_thread_on_customers``).

        The template's body is the whole email, as a company writes to its customer: without
        Odoo's notification frame ("Your Collection Event", the record's name, "Powered by
        Odoo"), which also made every email and its chatter message ten times longer, and
        their sanitizing half of the escalation's time."""
        template = template.sudo().with_context(**{COMPILE_ONCE: True, SANITIZE_ONCE: True})
        mails = template.send_mail_batch(self.ids, email_values={"email_to": False})
        self._thread_on_customers(mails)
        mails._ar_attach_each([event.attachment_id for event in self])
        self._complete_each(
            {
                event: {"mail_id": mail.id, "mail_message_id": mail.mail_message_id.id}
                for event, mail in zip(self, mails, strict=True)
            }
        )
        return mails

    def _log_in_chatters(self, bodies):
        """A note ({event: text}), with the event's letter, on its customer and on each of its
        invoices: one insert for all. An emailed event's customer has the email itself instead."""
        note = self.env.ref("mail.mt_note")
        author = self.env.user.partner_id
        self.env["mail.message"].sudo()._ar_create_sanitizing_once(
            [
                {
                    "model": model,
                    "res_id": res_id,
                    "body": plaintext2html(body),
                    "message_type": "comment",
                    "subtype_id": note.id,
                    "author_id": author.id,
                    "email_from": author.email_formatted,
                    "reply_to": author.email_formatted,
                    "attachment_ids": [Command.link(event.attachment_id.id)] if event.attachment_id else [],
                }
                for event, body in bodies.items()
                for model, res_id in ([] if event.mail_message_id else [("res.partner", event.partner_id.id)])
                + [("account.move", move.id) for move in event.move_ids]
            ]
        )

    def _mark_failed(self, reason):
        """These communications were not delivered: mark them failed with ``reason`` (the one
        change the ledger allows, once) and put their invoices back where they stood, so that
        the next run sends them again; their collector gets an activity. Return the events marked."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE ar_collection_event SET failed = TRUE, failure_reason = %s "
                "WHERE id = ANY(%s) AND failed IS NOT TRUE RETURNING id",
                reason,
                self.ids,
            )
        )
        events = self.browse([row[0] for row in self.env.cr.fetchall()])
        events.invalidate_recordset(["failed", "failure_reason"])
        # Only an invoice still at the stage this communication gave it goes back.
        before = {
            int(move_id): entry
            for event in events
            for move_id, entry in (event.stages_before or {}).get("moves", {}).items()
        }
        moves = self.env["account.move"].sudo().browse(before).exists()
        back = moves.filtered(lambda move: move.ar_stage_id.id == before[move.id][2])
        for (stage_id, stage_date), group in back.grouped(lambda move: tuple(before[move.id][:2])).items():
            group._ar_write({"ar_stage_id": stage_id, "ar_stage_date": stage_date, "ar_snooze_until": False})
        Profile = self.env["ar.credit.profile"]
        profiles = Profile.union(
            *(
                Profile._get_or_create(group.partner_id, company)
                for company, group in events.grouped("company_id").items()
            )
        )
        by_customer = {(profile.partner_id, profile.company_id): profile for profile in profiles}
        activities = []
        for event in events:
            profile = by_customer[event.partner_id, event.company_id]
            if profile.last_contact_date == event._letter_date():
                profile.sudo().last_contact_date = (event.stages_before or {}).get("last_contact") or False
            note = self.env._(
                "The %(stage)s email to %(customer)s was not sent: %(reason)s. The next run sends it again.",
                stage=event.stage_id.name or self.env._("collection"),
                customer=event.partner_id.display_name,
                reason=reason,
            )
            activities.append((profile, profile._collector(), self.env._("Collection email not sent"), note, None))
        self.env["ar.collection.engine"]._schedule_activities(activities, notify=True)
        return events

    # ------------------------------------------------------------------
    # What the letters print
    # ------------------------------------------------------------------

    def _letter_date(self):
        """The day of the letter, where the company is (not in UTC): days overdue are counted to it,
        as the collection counted them that day."""
        return fields.Date.context_today(self, timestamp=self.date)

    def _letter_orders(self):
        """The sale orders behind the listed invoices (contract references of the demand letter)."""
        return self.move_ids.invoice_line_ids.sale_line_ids.order_id

    def _prior_reminders(self):
        """Earlier reminders and letters to this customer that reached it, from the ledger (oldest first)."""
        self.ensure_one()
        return (
            self.sudo()
            .search(
                [
                    ("partner_id", "=", self.partner_id.id),
                    ("company_id", "=", self.company_id.id),
                    ("kind", "in", ("email", "letter")),
                    ("failed", "=", False),
                    # Served only: an email still in the queue, a letter posted without proof, is not quoted.
                    ("service_date", "!=", False),
                    ("date", "<=", self.date),
                    ("id", "!=", self.id),
                ],
                order="date, id",
            )
            .with_env(self.env)
        )

    def _fees_charged(self):
        """Late fees charged so far on the listed invoices, in company currency."""
        lines = self.move_ids.ar_late_fee_line_ids.filtered(lambda line: line.parent_state == "posted")
        return sum(lines.mapped("price_total"))

    def _totals_by_currency(self):
        """[(currency, amount due)] of the listed invoices, one line per currency."""
        return [
            (currency, sum(moves.mapped("amount_residual")))
            for currency, moves in self.move_ids.grouped("currency_id").items()
        ]

    def _contact_person(self):
        """Who the customer talks to about this letter: the collector, else the company."""
        profile = (
            self.env["ar.credit.profile"]
            .sudo()
            .search([("partner_id", "=", self.partner_id.id), ("company_id", "=", self.company_id.id)], limit=1)
        )
        return profile.collector_id.partner_id or self.company_id.partner_id

    def _bank_accounts(self):
        return self.company_id.partner_id.bank_ids[:2]

    def _return_address(self):
        """Where the customer returns the signed slip: the collection address, else the company's."""
        company = self.company_id
        return email_normalize(company.ar_collection_email_from or "") or company.email or company.name

    def _reference(self):
        """A stable reference for the letter, e.g. AR-2026-00042."""
        self.ensure_one()
        return f"AR-{self._letter_date().year}-{self.id:05d}"
