"""The collection engine: what each customer receives today, and doing it.

One customer (an ar.credit.profile: a commercial partner in a company) gets at
most one communication per run, at the highest stage due among its invoices.
The decision (`_collection_plans`) and its execution (`_execute_plan`) are the
single code path of the daily job, the "Run collections" wizard and the
invoices' "Send now".
"""

import logging
import threading
import time
from datetime import timedelta

from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools import float_round
from odoo.tools import format_date
from odoo.tools import plaintext2html

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
        next stage even if its day has not come ("Send now"). Each customer is
        done in a savepoint: one failure is logged on that customer and the
        others go on.
        """
        today = today or fields.Date.context_today(self)
        profiles = self._lock_for_collection()
        plans = profiles._collection_plans(today, moves=moves, force=force)
        if selected is not None:
            plans = [plan for plan in plans if plan["profile"].id in selected]
        contacted = 0
        for plan in plans:
            try:
                with self.env.cr.savepoint():
                    contacted += plan["profile"]._execute_plan(plan, today)
            except Exception as error:  # any failure of one customer must not stop the others
                _logger.warning("Collection failed for %s", plan["profile"].partner_id.display_name, exc_info=True)
                plan["profile"]._log_failure(plan, error)
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

    def _execute_plan(self, plan, today):
        """Carry out one customer's plan; return 1 if the customer was contacted, else 0."""
        self.ensure_one()
        stage, targets = plan["stage"], plan["targets"]
        if not stage:
            # Nothing due yet (minimum amount not reached, spacing): look again later.
            plan["due"]._ar_write({"ar_snooze_until": plan["snooze_until"]})
            return 0
        event = self._communicate(plan, today) if (stage.send_email or stage.print_letter) else None
        if stage.create_activity:
            self._schedule_stage_activity(stage, plan, event)
        if stage.put_on_hold and not self.hold:
            self.sudo()._set_hold(
                self.env._(
                    "Collection stage %(stage)s reached on %(date)s",
                    stage=stage.name,
                    date=format_date(self.env, today),
                ),
                cause="collection",
            )
        if plan["policy"].charge_late_fees:
            self._charge_late_fees(plan, today)
        if stage.open_legal_file:
            self._open_legal_file(plan)
        for target, moves in self._group_by_target(targets).items():
            moves._ar_write({"ar_stage_id": target.id, "ar_stage_date": today, "ar_snooze_until": False})
        self.sudo().last_contact_date = today
        return 1

    @api.model
    def _group_by_target(self, targets):
        grouped = {}
        for move, target in targets.items():
            grouped.setdefault(target, self.env["account.move"])
            grouped[target] |= move
        return grouped

    def _communicate(self, plan, today):
        """Send the stage's email (or queue its letter for posting) and log it in the ledger."""
        stage = plan["stage"]
        recipient = self._collection_recipient()
        by_email = stage.send_email and bool(recipient.email)
        kind = "email" if by_email else "letter"
        event = self._new_event(plan, kind, to_print=not by_email)
        attachment = event._render_letter(stage.report_id) if stage.print_letter and stage.report_id else None
        if attachment:
            event._complete(attachment_id=attachment.id)
        if by_email:
            mail = event._send_stage_email(stage.mail_template_id, attachment, recipient)
            event._complete(mail_id=mail.id, mail_message_id=mail.mail_message_id.id)
        else:
            # No email address (or a letter-only stage): the letter goes by post, and someone has to post it.
            self._schedule_activity(
                self._collector(),
                self.env._("Print and post the %(stage)s letter", stage=stage.name),
                self.env._(
                    "%(customer)s has no email address: print the attached letter and post it.",
                    customer=self.partner_id.display_name,
                ),
            )
        event._log_in_chatters(
            self.env._(
                "%(stage)s sent (%(kind)s) for %(amount)s overdue.",
                stage=stage.name,
                kind=dict(event._fields["kind"]._description_selection(self.env))[kind],
                amount=self._money(plan["amount_due"]),
            ),
            attachment,
        )
        return event

    def _new_event(self, plan, kind, **values):
        return (
            self.env["ar.collection.event"]
            .sudo()
            .create(
                {
                    "partner_id": self.partner_id.id,
                    "company_id": self.company_id.id,
                    "kind": kind,
                    "stage_id": plan["stage"].id if plan.get("stage") else False,
                    "move_ids": [(6, 0, plan["listed"].ids)],
                    "amount_due": plan["amount_due"],
                    "days_overdue": plan["days_overdue"],
                    **values,
                }
            )
        )

    def _collection_recipient(self):
        """Who collection emails go to: the customer's invoicing contact with an email, else the customer."""
        self.ensure_one()
        partner = self.partner_id
        invoice_contacts = partner.child_ids.filtered(lambda child: child.type == "invoice" and child.email)
        return invoice_contacts[:1] or partner

    def _schedule_stage_activity(self, stage, plan, event):
        users = {
            "collector": self._collector(),
            "salesperson": self.partner_id.user_id or self._collector(),
            "credit_manager": self.company_id.ar_credit_manager_id or self._collector(),
        }
        invoices = ", ".join(plan["listed"].mapped("name"))
        self._schedule_activity(
            users.get(stage.activity_user) or self._collector(),
            stage.activity_summary or stage.name,
            self.env._(
                "%(stage)s: %(amount)s overdue on %(invoices)s.",
                stage=stage.name,
                amount=self._money(plan["amount_due"]),
                invoices=invoices,
            ),
            activity_type=stage.activity_type_id,
        )

    def _schedule_activity(self, user, summary, note, activity_type=None):
        activity_type = activity_type or self.env.ref("mail.mail_activity_data_todo")
        self.partner_id.sudo().activity_schedule(
            activity_type_id=activity_type.id,
            user_id=(user or self.env.user).id,
            summary=summary,
            note=note,
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

    def _charge_late_fees(self, plan, today):
        """One fee invoice for the customer, a line per invoice reaching a fee stage (once per invoice and stage)."""
        company = self.company_id
        charged = (
            self.env["account.move.line"]
            .sudo()
            .search(
                [
                    ("ar_fee_source_move_id", "in", [move.id for move in plan["targets"]]),
                    ("parent_state", "!=", "cancel"),
                ]
            )
        )
        already = {(line.ar_fee_source_move_id.id, line.ar_fee_stage_id.id) for line in charged}
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

    def _open_legal_file(self, plan):
        LegalFile = self.env["ar.legal.file"].sudo()
        legal_file = LegalFile.search([("profile_id", "=", self.id), ("state", "!=", "closed")], limit=1)
        if not legal_file:
            legal_file = LegalFile.create(
                {
                    "profile_id": self.id,
                    "move_ids": [(6, 0, plan["listed"].ids)],
                    "amount_claimed": plan["amount_due"],
                }
            )
            self._new_event(plan, "legal", note=self.env._("Legal file %s opened", legal_file.name))
        return legal_file

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


def _plain_to_html(text):
    return plaintext2html(text)
