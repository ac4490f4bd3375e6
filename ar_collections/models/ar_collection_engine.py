"""The collection engine: what each customer receives today, and doing it.

One customer (an ar.credit.profile: a commercial partner in a company) gets at most one
communication per run, at the highest stage due among its invoices. The decision
(`_collection_plans`, no side effect) and its execution (`_execute_plans`) are the single
code path of the daily job, the "Run collections" wizard and the invoices' "Send now";
the job's batches lock their customers so that no two runs contact anybody twice.
"""

import logging
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import timedelta

from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools import format_date
from odoo.tools import groupby

from ..tools.batch_jobs import run_in_batches

_logger = logging.getLogger(__name__)


@dataclass
class CollectionPlan:
    """What the collection does today for one customer.

    ``stage`` is the stage of the customer's one communication (empty: nothing to do
    today, look again on ``snooze_until``); ``passed`` maps each due invoice to the stages it
    passes today, in order, and ``targets`` to the last of them, the stage it reaches;
    ``listed`` are the invoices the communication lists; ``due`` the invoices that were due
    for a look. Amount due and days overdue are the decision's figures.

    Stage effects are cumulative: a customer who passes several stages in one run gets
    every lasting effect of them (credit hold, late fee, legal file) and the activity of the
    highest one that asks for one (see `highest`).
    """

    profile: models.BaseModel
    policy: models.BaseModel
    stage: models.BaseModel
    passed: dict = field(default_factory=dict)
    due: models.BaseModel = None
    listed: models.BaseModel = None
    amount_due: float = 0.0
    days_overdue: int = 0
    snooze_until: date = None

    @property
    def targets(self):
        """{invoice: the stage it reaches today}."""
        return {move: stages[-1] for move, stages in self.passed.items()}

    def highest(self, action):
        """The highest stage passed today that does ``action`` (a stage's boolean field), or None."""
        passed = [stage for stages in self.passed.values() for stage in stages]
        stages = [stage for stage in [*passed, *(self.stage or [])] if stage[action]]
        return max(stages, key=lambda stage: stage.offset_days) if stages else None


class ArCollectionEngine(models.AbstractModel):
    _name = "ar.collection.engine"
    _description = "Collection Engine"

    # ------------------------------------------------------------------
    # The job
    # ------------------------------------------------------------------

    @api.model
    def _cron_escalate(self, time_budget=600):
        """Daily job: escalate the overdue invoices of every company with scheduled collections."""
        today = fields.Date.context_today(self)
        companies = self.env["res.company"].sudo().search([("ar_collection_enabled", "=", True)])
        if not companies:
            return 0
        batch_size = max(companies.mapped("ar_collection_batch_size") or [200])
        # The customers are taken in the order of their credit profiles, each batch after the
        # last profile of the one before: a batch costs the same on the first night as on the
        # last customer of a million. They are counted once, for the cron's progress.
        due = self._count_due_profiles(companies, today)
        after = taken = 0

        def escalate_batch():
            nonlocal after, taken
            profiles, contacted = self._collect_due_batch(companies, today, batch_size, after=after)
            if not profiles:
                return None
            after, taken = max(profiles.ids), taken + len(profiles)
            return contacted

        done = run_in_batches(self.env, escalate_batch, lambda: max(due - taken, 0), time_budget)
        _logger.info("Collections: %s customer(s) contacted", done)
        return done

    @api.model
    def _collect_due_batch(self, companies, today, limit, after=0, only=None):
        """One batch of the escalation: lock up to ``limit`` due customers whose profile
        comes after the profile id ``after`` (among ``only`` when given) and run their
        collection. Return the customers locked and how many were contacted.

        The daily job runs batch after batch; the queue_job bridge runs each batch as a
        job. Customers locked by another run are skipped, and a customer already
        processed today is no longer due: a batch run twice contacts nobody twice.
        """
        profiles = self._lock_due_profiles(companies, today, limit, after=after, only=only)
        return profiles, self._run_collection(profiles, today=today) if profiles else 0

    @api.model
    def _due_profiles_query(self, companies, today, after=0, only=None):
        """The customers with invoices due for collection on ``today``, their profile's id
        past ``after`` (and among ``only``). Probed customer by customer in the invoices' index
        of due dates by customer (``account.move.init``)."""
        return SQL(
            """
            SELECT profile.id
              FROM ar_credit_profile profile
             WHERE profile.company_id = ANY(%(company_ids)s)
               AND (profile.collection_paused_until IS NULL OR profile.collection_paused_until < %(today)s)
               AND profile.id > %(after)s
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
            after=after,
            only=list(only) if only is not None else None,
        )

    @api.model
    def _due_profiles(self, companies, today):
        """The customers with invoices due for collection today (not locked)."""
        self.env.cr.execute(self._due_profiles_query(companies, today))
        return self.env["ar.credit.profile"].browse([row[0] for row in self.env.cr.fetchall()])

    @api.model
    def _lock_due_profiles(self, companies, today, limit, after=0, only=None):
        """Customers with invoices due for collection, locked for this transaction.

        SKIP LOCKED: customers another worker (the job, a manual run, a bulk
        "send now", a queue job) is processing are left to it, so no customer,
        and no invoice, is processed twice.
        """
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "%s ORDER BY profile.id LIMIT %s FOR UPDATE OF profile SKIP LOCKED",
                self._due_profiles_query(companies, today, after=after, only=only),
                limit,
            )
        )
        return self.env["ar.credit.profile"].browse([row[0] for row in self.env.cr.fetchall()])

    @api.model
    def _count_due_profiles(self, companies, today):
        self.env.cr.execute(SQL("SELECT count(*) FROM (%s) due", self._due_profiles_query(companies, today)))
        return self.env.cr.fetchone()[0]

    @api.model
    def _run_collection(self, profiles, today=None, moves=None, force=False):
        """Plan and execute the collection of ``profiles``; return how many were contacted.

        ``moves`` restricts the work to these invoices and ``force`` sends their
        next stage even if its day has not come ("Send now").
        """
        today = today or fields.Date.context_today(self)
        locked = self._lock_for_collection(profiles)
        contacted = self._execute_plans(self._collection_plans(locked, today, moves=moves, force=force), today)
        # The customers' stage and priority follow their invoices: one statement for the batch.
        self.env["ar.credit.profile"]._refresh_exposure(locked.partner_id)
        return contacted

    @api.model
    def _lock_for_collection(self, profiles):
        """Lock ``profiles`` and return those locked: a run waits for nobody, it leaves
        the customers another run is processing to that run.

        The customer's row is the lock, and processing a customer always writes it
        (its last contact date): under PostgreSQL's repeatable read, a run that took
        its snapshot before another run committed that customer fails to lock it
        instead of working from stale invoices.
        """
        if not profiles:
            return profiles
        self.env.flush_all()
        self.env.cr.execute(
            SQL("SELECT id FROM ar_credit_profile WHERE id = ANY(%s) FOR UPDATE SKIP LOCKED", profiles.ids)
        )
        locked = profiles.browse([row[0] for row in self.env.cr.fetchall()])
        if not locked:
            raise UserError(
                self.env._("These customers are being processed by another collection run. Try again in a moment.")
            )
        return locked

    # ------------------------------------------------------------------
    # Deciding
    # ------------------------------------------------------------------

    @api.model
    def _collection_plans(self, profiles, today, moves=None, force=False):
        """What the collection does today for each of ``profiles``, as a list of plans.

        A plan names the stage of the customer's one communication (the highest
        stage due among its invoices that writes), the stages each due invoice passes
        (see ``account.move._ar_stages_passed``), the invoices the communication lists,
        and the figures. Writes nothing.
        """
        Move = self.env["account.move"]
        if moves is None:
            due = Move.sudo().search(
                [
                    ("commercial_partner_id", "in", profiles.partner_id.ids),
                    ("company_id", "in", profiles.company_id.ids),
                    ("ar_next_action_date", "<=", today),
                ]
            )
        else:
            due = moves.sudo().filtered(lambda move: move._ar_collectible())
        open_moves = Move.sudo().search(
            [
                *Move._ar_open_invoice_domain(),
                ("commercial_partner_id", "in", profiles.partner_id.ids),
                ("company_id", "in", profiles.company_id.ids),
            ],
            order="invoice_date_due, id",
        )
        served = {}
        for (move_id, stage_id), day in self.env["ar.collection.event"]._served_notices(due).items():
            served.setdefault(move_id, {})[stage_id] = day
        due_by_key = due.grouped(lambda move: (move.commercial_partner_id.id, move.company_id.id))
        open_by_key = open_moves.grouped(lambda move: (move.commercial_partner_id.id, move.company_id.id))
        plans = []
        for profile in profiles:
            key = (profile.partner_id.id, profile.company_id.id)
            plan = self._plan_for(
                profile,
                due_by_key.get(key, Move),
                open_by_key.get(key, Move).filtered(lambda m: m._ar_collectible()),
                today,
                force,
                served,
            )
            if plan:
                plans.append(plan)
        return plans

    @api.model
    def _plan_for(self, profile, due, collectible, today, force, served):
        policy = profile._collection_policy()
        if not due or not policy:
            return None
        stages = policy._stages_for(profile.company_id)
        overdue = collectible.filtered(lambda move: move.invoice_date_due < today)
        overdue_amount = sum(overdue.mapped("amount_residual_signed"))
        passed = {}
        for move in due:
            stages_passed = move._ar_stages_passed(stages, today, overdue_amount, force, served.get(move.id))
            if stages_passed:
                passed[move] = stages_passed
        snooze_until = None
        if passed and policy.min_days_between and profile.last_contact_date and not force:
            next_allowed = profile.last_contact_date + timedelta(days=policy.min_days_between)
            if today < next_allowed:
                passed, snooze_until = {}, next_allowed
        stage = self._communication_stage(stages_passed[-1] for stages_passed in passed.values())
        listed = overdue | self.env["account.move"].union(*passed) if stage else overdue
        return CollectionPlan(
            profile=profile,
            policy=policy,
            stage=stage,
            passed=passed,
            due=due,
            listed=listed.sorted(lambda move: (move.invoice_date_due, move.id)),
            amount_due=overdue_amount,
            days_overdue=max((today - move.invoice_date_due).days for move in overdue) if overdue else 0,
            snooze_until=snooze_until or (today + timedelta(days=1)),
        )

    @api.model
    def _communication_stage(self, targets):
        """The stage the customer hears from: the highest target stage that writes to it (email
        or letter), else the highest target (a stage that only acts); None without targets."""
        targets = list(targets)
        writing = [stage for stage in targets if stage.send_email or stage.print_letter]
        candidates = writing or targets
        return max(candidates, key=lambda stage: stage.offset_days) if candidates else None

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
                _logger.warning("Collection failed for %s", plan.profile.partner_id.display_name, exc_info=True)
                self._log_failure(plan.profile, plan.stage, plan.listed, error)
        return contacted

    @api.model
    def _execute_plans_together(self, plans, today):
        """Carry out these plans at once: each kind of record is created or written once for all."""
        acting = [plan for plan in plans if plan.stage]
        # Nothing due yet (minimum amount not reached, spacing): look again later.
        waiting = [plan for plan in plans if not plan.stage]
        for until, group in groupby(waiting, lambda plan: plan.snooze_until):
            self.env["account.move"].union(*(plan.due for plan in group))._ar_write({"ar_snooze_until": until})
        if acting:
            # The emails link every listed invoice to the portal: give them their tokens at once.
            self.env["account.move"].union(*(plan.listed for plan in acting))._ar_ensure_portal_tokens()
        self._communicate([plan for plan in acting if plan.stage.send_email or plan.stage.print_letter])
        self._schedule_activities(
            [entry for plan in acting if plan.highest("create_activity") for entry in self._stage_activities(plan)]
        )
        self._put_on_hold([plan for plan in acting if plan.highest("put_on_hold")], today)
        self.env["account.move"]._ar_charge_late_fees([plan for plan in acting if plan.policy.charge_late_fees], today)
        self.env["ar.legal.file"]._open_for([plan for plan in acting if plan.highest("open_legal_file")])
        targets = {move: target for plan in acting for move, target in plan.targets.items()}
        for target, moves in self._group_by_target(targets).items():
            # The next stage waits for the deadline this one gave (at least a day): an invoice
            # that stopped at a letter with later stages already due is not taken further today.
            moves._ar_write(
                {
                    "ar_stage_id": target.id,
                    "ar_stage_date": today,
                    "ar_snooze_until": today + timedelta(days=max(target.deadline_days, 1)),
                }
            )
        self.env["ar.credit.profile"].union(*(plan.profile for plan in acting)).sudo().write(
            {"last_contact_date": today}
        )
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
        Event = self.env["ar.collection.event"]
        if not plans:
            return Event
        entries = []
        for plan in plans:
            profile, stage = plan.profile, plan.stage
            by_email = stage.send_email and bool(profile.partner_id._ar_collection_recipient().email)
            entries.append(
                {
                    "partner": profile.partner_id,
                    "company": profile.company_id,
                    "kind": "email" if by_email else "letter",
                    "moves": plan.listed,
                    "stage_id": stage.id,
                    "to_print": not by_email,
                    "review_required": stage.review_before_sending,
                    # Put back if the email is not delivered (see ar.collection.event._mark_failed).
                    "stages_before": {
                        "moves": {
                            str(move.id): [move.ar_stage_id.id, fields.Date.to_string(move.ar_stage_date), target.id]
                            for move, target in plan.targets.items()
                        },
                        "last_contact": fields.Date.to_string(profile.last_contact_date),
                    },
                }
            )
        events = Event._log_many(entries)
        for report, group in (
            events.filtered(lambda event: event.stage_id.print_letter)
            .grouped(lambda event: event.stage_id.report_id)
            .items()
        ):
            if report:
                group._attach_letters(report)
        to_review = events.filtered("review_required")
        emailed = events.filtered(lambda event: event.kind == "email") - to_review
        for template, group in emailed.grouped(lambda event: event.stage_id.mail_template_id).items():
            group._send_stage_emails(template)
        profiles = {(plan.profile.partner_id, plan.profile.company_id): plan.profile for plan in plans}
        # A letter to review waits for the credit manager (who has the law firm read it).
        review = self.env.ref("ar_collections.mail_activity_type_review")
        self._schedule_activities(
            [
                (
                    profile,
                    profile.company_id.ar_credit_manager_id or profile._collector(),
                    self.env._("Have the %(stage)s reviewed, then approve it", stage=event.stage_id.name),
                    self.env._(
                        "The %(stage)s to %(customer)s is prepared (ledger %(event)s): have it reviewed, then approve "
                        "it to send it, or reject it.",
                        stage=event.stage_id.name,
                        customer=event.partner_id.display_name,
                        event=event._reference(),
                    ),
                    review,
                )
                for event in to_review
                for profile in [profiles[event.partner_id, event.company_id]]
            ]
        )
        self._ask_to_post(events - emailed - to_review, profiles)
        kinds = dict(events._fields["kind"]._description_selection(self.env))
        events._log_in_chatters(
            {
                event: self.env._(
                    "%(stage)s prepared for review (%(kind)s) for %(amount)s overdue.",
                    stage=event.stage_id.name,
                    kind=kinds[event.kind],
                    amount=profiles[event.partner_id, event.company_id]._money(event.amount_due),
                )
                if event.review_required
                else self.env._(
                    "%(stage)s sent (%(kind)s) for %(amount)s overdue.",
                    stage=event.stage_id.name,
                    kind=kinds[event.kind],
                    amount=profiles[event.partner_id, event.company_id]._money(event.amount_due),
                )
                for event in events
            }
        )
        return events

    @api.model
    def _ask_to_post(self, letters, profiles):
        """No email address (or a letter-only stage): the letter goes by post, and the customer's
        collector is asked to post it. ``profiles``: {(customer, company): profile}."""
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
                for event in letters
            ]
        )

    @api.model
    def _stage_activities(self, plan):
        """The activities of the highest stage passed that asks for one, as entries of
        `_schedule_activities`: one, except for a stage whose activity is the salesperson's, where
        each salesperson gets the listed invoices they sold (the one who sold it collects it first),
        and the collector those without a salesperson who can work them."""
        profile, stage = plan.profile, plan.highest("create_activity")
        if stage.activity_user == "salesperson":
            by_user = plan.listed.grouped(lambda move: move._ar_salesperson() or profile._collector())
        else:
            user = stage.activity_user == "credit_manager" and profile.company_id.ar_credit_manager_id
            by_user = {user or profile._collector(): plan.listed}
        entries = []
        for user, moves in by_user.items():
            note = self.env._(
                "%(stage)s: %(amount)s overdue on %(invoices)s.",
                stage=stage.name,
                amount=profile._money(
                    plan.amount_due if moves == plan.listed else sum(moves.mapped("amount_residual_signed"))
                ),
                invoices=", ".join(moves.mapped("name")),
            )
            entries.append((profile, user, stage.activity_summary or stage.name, note, stage.activity_type_id))
        return entries

    @api.model
    def _schedule_activity(self, profile, summary, note, user=None):
        """One activity on ``profile``'s customer for ``user`` (default: its collector),
        notified as Odoo does when assigning one."""
        return self._schedule_activities([(profile, user or profile._collector(), summary, note, None)], notify=True)

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
    def _schedule_collector_activities(self, records, summary, notes):
        """An activity ``summary`` for the collector of each record's customer, its note
        ``notes[record]``: ``records`` (promises, plans) each have a partner and a company.
        The customers' profiles in one search per company, the activities in one create; like
        the escalation's, they wait in each collector's activities, no email one by one."""
        Profile = self.env["ar.credit.profile"]
        profiles = {}
        for company, group in records.grouped("company_id").items():
            profiles.update(
                ((profile.partner_id, company), profile)
                for profile in Profile._get_or_create(group.partner_id, company)
            )
        entries = []
        for record in records:
            profile = profiles[record.partner_id.commercial_partner_id, record.company_id]
            entries.append((profile, profile._collector(), summary, notes[record], None))
        return self._schedule_activities(entries)

    @api.model
    def _put_on_hold(self, plans, today):
        """Put the customers of these plans on hold (those not already held), citing the stage
        that holds: the engine applies the policy the credit managers set (no user check here,
        the entry points check their callers)."""
        for stage, group in groupby(plans, lambda plan: plan.highest("put_on_hold")):
            profiles = self.env["ar.credit.profile"].union(*(plan.profile for plan in group))
            profiles = profiles.filtered(lambda profile: not profile.hold)
            if profiles:
                profiles.sudo()._apply_hold(
                    self.env._(
                        "Collection stage %(stage)s reached on %(date)s",
                        stage=stage.name,
                        date=format_date(self.env, today),
                    ),
                    cause="collection",
                )

    @api.model
    def _log_failure(self, profile, stage, moves, error):
        """A customer whose collection failed: say so in the ledger and ask someone to look."""
        message = self.env._(
            "The %(stage)s communication could not be sent: %(error)s",
            stage=stage.name if stage else self.env._("collection"),
            error=str(error) or error.__class__.__name__,
        )
        self.env["ar.collection.event"]._log(
            profile.partner_id,
            profile.company_id,
            "email",
            moves=moves,
            stage_id=stage.id if stage else False,
            failed=True,
            note=message,
        )
        self._schedule_activity(profile, self.env._("Collection failed"), message)
