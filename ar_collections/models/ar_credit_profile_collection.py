"""The collection engine: what each customer receives today, and doing it.

One customer (an ar.credit.profile: a commercial partner in a company) gets at
most one communication per run, at the highest stage due among its invoices.
The decision (`_collection_plans`) and its execution (`_execute_plans`) are the
single code path of the daily job, the "Run collections" wizard and the
invoices' "Send now".
"""

import logging
import threading
import time
from datetime import timedelta

from odoo import Command
from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools import float_round
from odoo.tools import format_date
from odoo.tools import groupby

_logger = logging.getLogger(__name__)


class ArCreditProfile(models.Model):
    _inherit = "ar.credit.profile"

    policy_id = fields.Many2one(
        "ar.collection.policy",
        string="Collection Policy",
        check_company=True,
        help="Overrides the policy of the customer's rating.",
    )
    effective_policy_id = fields.Many2one(
        "ar.collection.policy", compute="_compute_effective_policy_id", string="Policy Applied"
    )
    collector_id = fields.Many2one("res.users", domain=[("share", "=", False)], index="btree_not_null")
    collection_paused_until = fields.Date(
        help="Force majeure (不可抗力): the collection job leaves this customer alone until this date.",
    )
    collection_pause_reason = fields.Text()
    last_contact_date = fields.Date(help="Date of the last communication sent by the collection job.")
    legal_file_ids = fields.One2many("ar.legal.file", "profile_id", string="Legal Files")
    next_activity_date = fields.Date(related="partner_id.activity_date_deadline", string="Next Activity")

    @api.depends("policy_id", "rating_id", "company_id")
    def _compute_effective_policy_id(self):
        for profile in self:
            profile.effective_policy_id = profile._collection_policy()

    def _collection_policy(self):
        """The customer's own policy, else its rating's, else the company's default."""
        self.ensure_one()
        rating_policy = self.rating_id.with_company(self.company_id).sudo().policy_id
        return self.policy_id or rating_policy or self.company_id._ar_default_policy()

    def action_open_dossier(self):
        """The customer's dossier: its form, on the collection tab."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": self.partner_id.id,
            "view_mode": "form",
            "context": {"ar_open_tab": "ar_collection"},
        }

    def _collector(self):
        self.ensure_one()
        return self.collector_id or self.partner_id.user_id or self.company_id.ar_credit_manager_id

    # ------------------------------------------------------------------
    # The job
    # ------------------------------------------------------------------

    @api.model
    def _cron_escalate(self, time_budget=600):
        """Daily job: escalate the overdue invoices of every company with scheduled collections."""
        today = fields.Date.context_today(self)
        auto_commit = not getattr(threading.current_thread(), "testing", False)
        started, done, seen = time.monotonic(), 0, set()
        companies = self.env["res.company"].sudo().search([("ar_collection_enabled", "=", True)])
        while companies:
            batch_size = max(companies.mapped("ar_collection_batch_size") or [200])
            profiles, contacted = self._collect_due_batch(companies, today, batch_size, exclude=seen)
            if not profiles:
                break
            seen.update(profiles.ids)
            done += contacted
            remaining = self._count_due_profiles(companies, today, exclude=seen)
            self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
            if auto_commit:
                # One transaction per batch: a crash loses at most the batch in progress,
                # whose emails (queued in the same transaction) are never sent.
                self.env.cr.commit()  # pylint: disable=invalid-commit
            if not remaining or time.monotonic() - started > time_budget:
                break
        _logger.info("Collections: %s customer(s) contacted", done)
        return done

    @api.model
    def _collect_due_batch(self, companies, today, limit, exclude=(), only=None):
        """One batch of the escalation: lock up to ``limit`` due customers (among ``only``
        when given) and run their collection. Return the customers locked and how many
        were contacted.

        The daily job runs batch after batch; the queue_job bridge runs each batch as a
        job. Customers locked by another run are skipped, and a customer already
        processed today is no longer due: a batch run twice contacts nobody twice.
        """
        profiles = self._lock_due_profiles(companies, today, limit, exclude=exclude, only=only)
        return profiles, profiles._run_collection(today=today) if profiles else 0

    @api.model
    def _due_profiles_query(self, companies, today, exclude, only=None):
        return SQL(
            """
            SELECT profile.id
              FROM ar_credit_profile profile
             WHERE profile.company_id = ANY(%(company_ids)s)
               AND (profile.collection_paused_until IS NULL OR profile.collection_paused_until < %(today)s)
               AND profile.id != ALL(%(exclude)s)
               AND (%(only)s::int[] IS NULL OR profile.id = ANY(%(only)s::int[]))
               AND EXISTS (
                   SELECT 1 FROM account_move move
                    WHERE move.commercial_partner_id = profile.partner_id
                      AND move.company_id = profile.company_id
                      AND move.ar_next_action_date <= %(today)s
               )
            """,
            company_ids=companies.ids,
            today=today,
            exclude=list(exclude),
            only=list(only) if only is not None else None,
        )

    @api.model
    def _lock_due_profiles(self, companies, today, limit, exclude=(), only=None):
        """Customers with invoices due for collection, locked for this transaction.

        SKIP LOCKED: customers another worker (the job, a manual run, a bulk
        "send now", a queue job) is processing are left to it, so no customer,
        and no invoice, is processed twice.
        """
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "%s ORDER BY profile.id LIMIT %s FOR UPDATE OF profile SKIP LOCKED",
                self._due_profiles_query(companies, today, exclude, only=only),
                limit,
            )
        )
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    @api.model
    def _count_due_profiles(self, companies, today, exclude=()):
        self.env.cr.execute(SQL("SELECT count(*) FROM (%s) due", self._due_profiles_query(companies, today, exclude)))
        return self.env.cr.fetchone()[0]

    def _run_collection(self, today=None, moves=None, force=False, selected=None):
        """Plan and execute the collection of these customers; return how many were contacted.

        ``moves`` restricts the work to these invoices and ``force`` sends their
        next stage even if its day has not come ("Send now").
        """
        today = today or fields.Date.context_today(self)
        profiles = self._lock_for_collection()
        plans = profiles._collection_plans(today, moves=moves, force=force)
        if selected is not None:
            plans = [plan for plan in plans if plan["profile"].id in selected]
        contacted = self._execute_plans(plans, today)
        # The customers' stage and priority follow their invoices: one statement for the batch.
        self._refresh_exposure(profiles.partner_id)
        return contacted

    def _lock_for_collection(self):
        """Lock these customers and return those locked: a run waits for nobody, it leaves
        the customers another run is processing to that run.

        The customer's row is the lock, and processing a customer always writes it
        (its last contact date): under PostgreSQL's repeatable read, a run that took
        its snapshot before another run committed that customer fails to lock it
        instead of working from stale invoices.
        """
        if not self:
            return self
        self.env.flush_all()
        self.env.cr.execute(SQL("SELECT id FROM ar_credit_profile WHERE id = ANY(%s) FOR UPDATE SKIP LOCKED", self.ids))
        locked = self.browse([row[0] for row in self.env.cr.fetchall()])
        if not locked:
            raise UserError(
                self.env._("These customers are being processed by another collection run. Try again in a moment.")
            )
        return locked

    # ------------------------------------------------------------------
    # Deciding
    # ------------------------------------------------------------------

    def _collection_plans(self, today, moves=None, force=False):
        """What the collection does today for each customer, as a list of plans.

        A plan names the stage of the customer's one communication (the highest
        stage due among its invoices), each due invoice's own new stage, the
        invoices the communication lists, and the figures. An invoice that has
        passed several stages goes straight to the highest one passed.
        """
        Move = self.env["account.move"]
        if moves is None:
            due = Move.sudo().search(
                [
                    ("commercial_partner_id", "in", self.partner_id.ids),
                    ("company_id", "in", self.company_id.ids),
                    ("ar_next_action_date", "<=", today),
                ]
            )
        else:
            due = moves.sudo().filtered(lambda move: move._ar_collectible())
        open_moves = Move.sudo().search(
            [
                *Move._ar_open_invoice_domain(),
                ("commercial_partner_id", "in", self.partner_id.ids),
                ("company_id", "in", self.company_id.ids),
            ],
            order="invoice_date_due, id",
        )
        due_by_key = due.grouped(lambda move: (move.commercial_partner_id.id, move.company_id.id))
        open_by_key = open_moves.grouped(lambda move: (move.commercial_partner_id.id, move.company_id.id))
        plans = []
        for profile in self:
            key = (profile.partner_id.id, profile.company_id.id)
            plan = profile._plan_for(
                due_by_key.get(key, Move),
                open_by_key.get(key, Move).filtered(lambda m: m._ar_collectible()),
                today,
                force,
            )
            if plan:
                plans.append(plan)
        if plans:
            # The emails link every listed invoice to the portal: give them their tokens at once.
            Move.union(*(plan["listed"] for plan in plans))._ar_ensure_portal_tokens()
        return plans

    def _plan_for(self, due, collectible, today, force):
        self.ensure_one()
        policy = self._collection_policy()
        if not due or not policy:
            return None
        stages = policy._stages_for(self.company_id)
        overdue = collectible.filtered(lambda move: move.invoice_date_due < today)
        overdue_amount = sum(overdue.mapped("amount_residual_signed"))
        targets = {}
        for move in due:
            target = move._ar_target_stage(stages, today, overdue_amount, force)
            if target:
                targets[move] = target
        snooze_until = None
        if targets and policy.min_days_between and self.last_contact_date and not force:
            next_allowed = self.last_contact_date + timedelta(days=policy.min_days_between)
            if today < next_allowed:
                targets, snooze_until = {}, next_allowed
        stage = max(targets.values(), key=lambda s: s.offset_days) if targets else None
        listed = overdue | self.env["account.move"].union(*targets) if stage else overdue
        return {
            "profile": self,
            "policy": policy,
            "stage": stage,
            "targets": targets,
            "due": due,
            "listed": listed.sorted(lambda move: (move.invoice_date_due, move.id)),
            "amount_due": overdue_amount,
            "days_overdue": max((today - move.invoice_date_due).days for move in overdue) if overdue else 0,
            "snooze_until": snooze_until or (today + timedelta(days=1)),
        }

    # ------------------------------------------------------------------
    # Doing
    # ------------------------------------------------------------------

    @api.model
    def _execute_plans(self, plans, today):
        """Carry out the plans; return how many customers were contacted.

        All the plans are done together, a few statements for the whole batch. If that
        fails, nothing of it is kept and the customers are done one by one, each in its
        own savepoint: the one that fails is logged on its customer and the others go on.
        """
        if len(plans) > 1:
            try:
                with self.env.cr.savepoint():
                    return self._execute_plans_together(plans, today)
            except Exception:  # the customers are retried one by one just below
                _logger.info("Collection of %s customers failed as a batch: one by one now", len(plans), exc_info=True)
        contacted = 0
        for plan in plans:
            try:
                with self.env.cr.savepoint():
                    contacted += self._execute_plans_together([plan], today)
            except Exception as error:  # any failure of one customer must not stop the others
                _logger.warning("Collection failed for %s", plan["profile"].partner_id.display_name, exc_info=True)
                plan["profile"]._log_failure(plan, error)
        return contacted

    @api.model
    def _execute_plans_together(self, plans, today):
        """Carry out these plans at once: each kind of record is created or written once for all."""
        acting = [plan for plan in plans if plan["stage"]]
        # Nothing due yet (minimum amount not reached, spacing): look again later.
        waiting = [plan for plan in plans if not plan["stage"]]
        for until, group in groupby(waiting, lambda plan: plan["snooze_until"]):
            self.env["account.move"].union(*(plan["due"] for plan in group))._ar_write({"ar_snooze_until": until})
        self._communicate([plan for plan in acting if plan["stage"].send_email or plan["stage"].print_letter])
        self._schedule_activities(
            [plan["profile"]._stage_activity(plan) for plan in acting if plan["stage"].create_activity]
        )
        self._put_on_hold([plan for plan in acting if plan["stage"].put_on_hold], today)
        charging = [
            plan
            for plan in acting
            if plan["policy"].charge_late_fees and any(target.charge_fee for target in plan["targets"].values())
        ]
        already = self._late_fees_charged(charging)
        for plan in charging:
            plan["profile"]._charge_late_fees(plan, today, already)
        self._open_legal_files([plan for plan in acting if plan["stage"].open_legal_file])
        targets = {move: target for plan in acting for move, target in plan["targets"].items()}
        for target, moves in self._group_by_target(targets).items():
            moves._ar_write({"ar_stage_id": target.id, "ar_stage_date": today, "ar_snooze_until": False})
        self.browse().union(*(plan["profile"] for plan in acting)).sudo().write({"last_contact_date": today})
        return len(acting)

    @api.model
    def _group_by_target(self, targets):
        grouped = {}
        for move, target in targets.items():
            grouped.setdefault(target, self.env["account.move"])
            grouped[target] |= move
        return grouped

    @api.model
    def _communicate(self, plans):
        """Send each plan's stage email (or queue its letter for posting) and log it in the
        ledger and the chatters: the letters of a stage in a few wkhtmltopdf calls, its
        emails in one batch. Return the events."""
        if not plans:
            return self.env["ar.collection.event"]
        entries = []
        for plan in plans:
            profile, stage = plan["profile"], plan["stage"]
            by_email = stage.send_email and bool(profile.partner_id._ar_collection_recipient().email)
            kind = "email" if by_email else "letter"
            entries.append((profile, plan, {"kind": kind, "to_print": not by_email}))
        events = self._new_events(entries)
        for report, group in (
            events.filtered(lambda event: event.stage_id.print_letter)
            .grouped(lambda event: event.stage_id.report_id)
            .items()
        ):
            if report:
                group._attach_letters(report)
        emailed = events.filtered(lambda event: event.kind == "email")
        for template, group in emailed.grouped(lambda event: event.stage_id.mail_template_id).items():
            group._send_stage_emails(template)
        # No email address (or a letter-only stage): the letter goes by post, and someone has to post it.
        profiles = {(plan["profile"].partner_id, plan["profile"].company_id): plan["profile"] for plan in plans}
        self._schedule_activities(
            [
                (
                    profiles[event.partner_id, event.company_id],
                    profiles[event.partner_id, event.company_id]._collector(),
                    self.env._("Print and post the %(stage)s letter", stage=event.stage_id.name),
                    self.env._(
                        "%(customer)s has no email address: print the attached letter and post it.",
                        customer=event.partner_id.display_name,
                    ),
                    None,
                )
                for event in events - emailed
            ]
        )
        kinds = dict(events._fields["kind"]._description_selection(self.env))
        events._log_in_chatters(
            {
                event: self.env._(
                    "%(stage)s sent (%(kind)s) for %(amount)s overdue.",
                    stage=event.stage_id.name,
                    kind=kinds[event.kind],
                    amount=profiles[event.partner_id, event.company_id]._money(event.amount_due),
                )
                for event in events
            }
        )
        return events

    def _new_event(self, plan, kind, **values):
        return self._new_events([(self, plan, {"kind": kind, **values})])

    @api.model
    def _new_events(self, entries):
        """Log events in the ledger, one per (profile, plan, values), in one create."""
        return (
            self.env["ar.collection.event"]
            .sudo()
            .create(
                [
                    {
                        "partner_id": profile.partner_id.id,
                        "company_id": profile.company_id.id,
                        "stage_id": plan["stage"].id if plan.get("stage") else False,
                        "move_ids": [Command.set(plan["listed"].ids)],
                        "amount_due": plan["amount_due"],
                        "days_overdue": plan["days_overdue"],
                        **values,
                    }
                    for profile, plan, values in entries
                ]
            )
        )

    def _stage_activity(self, plan):
        """The activity a stage asks for, as an entry of `_schedule_activities`."""
        stage = plan["stage"]
        users = {
            "collector": self._collector(),
            "salesperson": self.partner_id.user_id or self._collector(),
            "credit_manager": self.company_id.ar_credit_manager_id or self._collector(),
        }
        note = self.env._(
            "%(stage)s: %(amount)s overdue on %(invoices)s.",
            stage=stage.name,
            amount=self._money(plan["amount_due"]),
            invoices=", ".join(plan["listed"].mapped("name")),
        )
        user = users.get(stage.activity_user) or self._collector()
        return (self, user, stage.activity_summary or stage.name, note, stage.activity_type_id)

    def _schedule_activity(self, user, summary, note, activity_type=None):
        """One activity, its user notified as Odoo does when assigning one."""
        self.ensure_one()
        return self._schedule_activities([(self, user, summary, note, activity_type)], notify=True)

    @api.model
    def _schedule_activities(self, entries, notify=False):
        """Schedule activities on customers, one per (profile, user, summary, note, activity
        type), due today, in one create. The job's activities notify nobody one by one (a
        collector would get an email per customer): they are in each user's activities."""
        if not entries:
            return self.env["mail.activity"]
        todo = self.env.ref("mail.mail_activity_data_todo")
        partner_model = self.env["ir.model"]._get_id("res.partner")
        today = fields.Date.context_today(self)
        return (
            self.env["mail.activity"]
            .sudo()
            .with_context(mail_activity_quick_update=not notify)
            .create(
                [
                    {
                        "res_model_id": partner_model,
                        "res_id": profile.partner_id.id,
                        "activity_type_id": (activity_type or todo).id,
                        "user_id": (user or self.env.user).id,
                        "summary": summary,
                        "note": note,
                        "date_deadline": today,
                        "automated": True,
                    }
                    for profile, user, summary, note, activity_type in entries
                ]
            )
        )

    @api.model
    def _put_on_hold(self, plans, today):
        """Put the customers of these plans on hold (those not already held), citing the stage."""
        for stage, group in groupby(plans, lambda plan: plan["stage"]):
            profiles = self.browse().union(*(plan["profile"] for plan in group))
            profiles = profiles.filtered(lambda profile: not profile.hold)
            if profiles:
                profiles.sudo()._set_hold(
                    self.env._(
                        "Collection stage %(stage)s reached on %(date)s",
                        stage=stage.name,
                        date=format_date(self.env, today),
                    ),
                    cause="collection",
                )

    def _money(self, amount):
        from odoo.tools import formatLang  # noqa: PLC0415

        return formatLang(self.env, amount, currency_obj=self.company_id.currency_id)

    def _log_failure(self, plan, error):
        """A customer whose collection failed: say so in the ledger and ask someone to look."""
        stage = plan.get("stage")
        message = self.env._(
            "The %(stage)s communication could not be sent: %(error)s",
            stage=stage.name if stage else self.env._("collection"),
            error=str(error) or error.__class__.__name__,
        )
        self._new_event(plan, "email", failed=True, note=message)
        self._schedule_activity(self._collector(), self.env._("Collection failed"), message)

    # ------------------------------------------------------------------
    # Late fees and legal files
    # ------------------------------------------------------------------

    @api.model
    def _late_fees_charged(self, plans):
        """{(invoice id, stage id)} of the late fees already charged on the plans' invoices."""
        moves = [move.id for plan in plans for move in plan["targets"]]
        if not moves:
            return set()
        charged = (
            self.env["account.move.line"]
            .sudo()
            .search([("ar_fee_source_move_id", "in", moves), ("parent_state", "!=", "cancel")])
        )
        return {(line.ar_fee_source_move_id.id, line.ar_fee_stage_id.id) for line in charged}

    def _charge_late_fees(self, plan, today, already=None):
        """One fee invoice for the customer, a line per invoice reaching a fee stage (once per
        invoice and stage: ``already`` holds those charged, looked up when not given)."""
        company = self.company_id
        if already is None:
            already = self._late_fees_charged([plan])
        lines = []
        for move, target in plan["targets"].items():
            if not target.charge_fee or (move.id, target.id) in already:
                continue
            amount = company._ar_late_fee_amount(move, today)
            if amount > 0:
                lines.append((move, target, amount))
        if not lines:
            return None
        product = company._ar_late_fee_product()
        fee_invoice = (
            self.env["account.move"]
            .sudo()
            .with_company(company)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.partner_id.id,
                    "company_id": company.id,
                    "invoice_date": today,
                    "invoice_origin": ", ".join(move.name for move, _stage, _amount in lines),
                    "invoice_line_ids": [
                        (
                            0,
                            0,
                            {
                                "product_id": product.id,
                                "name": self.env._(
                                    "Late payment fee: %(invoice)s, %(days)s days overdue",
                                    invoice=move.name,
                                    days=(today - move.invoice_date_due).days,
                                ),
                                "quantity": 1,
                                "price_unit": amount,
                                "tax_ids": [(6, 0, product.taxes_id.filtered(lambda t: t.company_id == company).ids)],
                                "ar_fee_source_move_id": move.id,
                                "ar_fee_stage_id": stage.id,
                            },
                        )
                        for move, stage, amount in lines
                    ],
                }
            )
        )
        fee_invoice.action_post()
        self._new_event(
            {**plan, "listed": fee_invoice | self.env["account.move"].union(*(m for m, _s, _a in lines))},
            "fee",
            note=self.env._(
                "Late fee invoice %(fee)s: %(amount)s",
                fee=fee_invoice.name,
                amount=self._money(fee_invoice.amount_total),
            ),
        )
        return fee_invoice

    @api.model
    def _open_legal_files(self, plans):
        """Open a legal file for each plan's customer that has none open; return the legal files."""
        if not plans:
            return self.env["ar.legal.file"]
        # The ledger logs each opening: no "created" note nor follower on each new legal file.
        LegalFile = self.env["ar.legal.file"].sudo().with_context(mail_create_nolog=True, mail_create_nosubscribe=True)
        profiles = self.browse().union(*(plan["profile"] for plan in plans))
        open_files = LegalFile.search([("profile_id", "in", profiles.ids), ("state", "!=", "closed")])
        having = set(open_files.profile_id.ids)
        opening = [plan for plan in plans if plan["profile"].id not in having]
        opened = LegalFile.create(
            [
                {
                    "profile_id": plan["profile"].id,
                    "move_ids": [Command.set(plan["listed"].ids)],
                    "amount_claimed": plan["amount_due"],
                }
                for plan in opening
            ]
        )
        self._new_events(
            [
                (plan["profile"], plan, {"kind": "legal", "note": self.env._("Legal file %s opened", legal_file.name)})
                for plan, legal_file in zip(opening, opened, strict=True)
            ]
        )
        return open_files | opened

    # ------------------------------------------------------------------
    # Promises and plans
    # ------------------------------------------------------------------

    @api.model
    def _cron_follow_up_promises_and_plans(self):
        """Daily job: promises and instalments whose date has passed are kept or broken."""
        promises = self.env["ar.collection.promise"].sudo().search([("state", "=", "open")])
        promises._check_deadline()
        plans = self.env["ar.payment.plan"].sudo().search([("state", "=", "active")])
        plans._check_schedule()
        return len(promises) + len(plans)

    # ------------------------------------------------------------------
    # Pause
    # ------------------------------------------------------------------

    def action_pause_collection(self, until, reason):
        """Force majeure: leave the customer alone until ``until`` (credit managers)."""
        self._check_credit_manager()
        if not until or until <= fields.Date.context_today(self):
            raise UserError(self.env._("Pause until a date in the future."))
        if not (reason or "").strip():
            raise UserError(self.env._("Give the reason for pausing the collection: it is logged."))
        self.sudo().write({"collection_paused_until": until, "collection_pause_reason": reason})
        self._log_event(
            "note",
            self.env._(
                "Collection paused until %(date)s: %(reason)s", date=format_date(self.env, until), reason=reason
            ),
        )

    @api.model
    def _round(self, amount, company):
        return float_round(amount, precision_rounding=company.currency_id.rounding)
