from datetime import timedelta

from odoo import Command
from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools import split_every
from odoo.tools.sql import create_index

from ..tools.groups import COLLECTION_USER_GROUP
from ..tools.groups import CREDIT_MANAGER_GROUP
from ..tools.groups import INTERNAL_USER_GROUP
from ..tools.groups import check_group
from ..tools.groups import requires_group
from .account_move_limitation import LIMITATION_FIELDS

# Fields whose change on a draft customer invoice changes its amount or customer.
DRAFT_EXPOSURE_FIELDS = {"invoice_line_ids", "line_ids", "partner_id", "currency_id", "move_type", "company_id"}
OPEN_PAYMENT_STATES = ("not_paid", "partial")
# Nothing left to collect: paid, paid pending the bank's confirmation, or credited in full.
SETTLED_PAYMENT_STATES = ("paid", "in_payment", "reversed")
# An open invoice: a posted customer invoice not (fully) paid (see `_ar_open_invoice_domain`).
OPEN_INVOICE_DOMAIN = [
    ("move_type", "=", "out_invoice"),
    ("state", "=", "posted"),
    ("payment_state", "in", OPEN_PAYMENT_STATES),
]
# A customer's open invoices, as the domain of the invoice fields of promises, plans and wizards.
CUSTOMER_OPEN_INVOICES_DOMAIN = f"[('commercial_partner_id', '=', partner_id), {str(OPEN_INVOICE_DOMAIN)[1:-1]}]"
# Invoices whose collection fields one recompute holds in memory (memory, not speed).
REFRESH_CHUNK = 20_000


# The collection's own fields on an invoice: set by the engine (as superuser) and by
# Collections users, never by a plain write of anyone else (over RPC, say a salesperson).
COLLECTION_FIELDS = {
    "ar_stage_id",
    "ar_stage_date",
    "ar_snooze_until",
    "ar_excluded",
    "ar_promise_id",
    "ar_dispute_id",
    "ar_plan_id",
}


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "ar.credit.warning.mixin"]

    ar_credit_banner = fields.Text(
        compute="_compute_ar_credit_banner",
        string="Credit Status",
        help="Shown on customer invoices of customers on credit hold or blacklisted.",
        groups=INTERNAL_USER_GROUP,
    )
    # ---- collection ----
    ar_stage_id = fields.Many2one(
        "ar.collection.stage",
        string="Collection Stage",
        copy=False,
        readonly=True,
        index="btree_not_null",
        groups=INTERNAL_USER_GROUP,
    )
    ar_stage_date = fields.Date(string="Stage Reached On", copy=False, readonly=True, groups=INTERNAL_USER_GROUP)
    ar_next_action_date = fields.Date(
        string="Next Collection Action",
        compute="_compute_ar_next_action_date",
        store=True,
        index="btree_not_null",
        copy=False,
        help="When the collection job next looks at this invoice: the due date plus the offset of its next stage. "
        "Empty when the invoice is paid, excluded, disputed, promised, in a payment plan, or past the last stage.",
        groups=INTERNAL_USER_GROUP,
    )
    ar_snooze_until = fields.Date(
        copy=False,
        readonly=True,
        help="The collection job does not look at this invoice before this date (spacing, minimum amounts).",
        groups=INTERNAL_USER_GROUP,
    )
    ar_excluded = fields.Boolean(
        string="Excluded From Collection",
        copy=False,
        tracking=True,
        help="Never escalated, until included again.",
        groups=INTERNAL_USER_GROUP,
    )
    ar_promise_id = fields.Many2one(
        "ar.collection.promise", string="Promise to Pay", copy=False, readonly=True, groups=INTERNAL_USER_GROUP
    )
    ar_promise_date = fields.Date(
        related="ar_promise_id.promised_date", string="Promised For", groups=INTERNAL_USER_GROUP
    )
    ar_dispute_id = fields.Many2one(
        "ar.collection.dispute", string="Open Dispute", copy=False, readonly=True, groups=INTERNAL_USER_GROUP
    )
    ar_plan_id = fields.Many2one(
        "ar.payment.plan", string="Payment Plan", copy=False, readonly=True, groups=INTERNAL_USER_GROUP
    )
    ar_days_overdue = fields.Integer(
        compute="_compute_ar_days_overdue", string="Days Overdue", groups=INTERNAL_USER_GROUP
    )
    ar_promise_ids = fields.Many2many(
        "ar.collection.promise",
        "account_move_ar_collection_promise_rel",
        "account_move_id",
        "ar_collection_promise_id",
        string="Promises",
        readonly=True,
        copy=False,
        groups=INTERNAL_USER_GROUP,
    )
    ar_collector_id = fields.Many2one(
        "res.users",
        string="Collector",
        compute="_compute_ar_customer_credit",
        store=True,
        index="btree_not_null",
        help="The customer's collector in this company.",
        groups=INTERNAL_USER_GROUP,
    )
    ar_rating_id = fields.Many2one(
        "ar.credit.rating",
        string="Credit Rating",
        compute="_compute_ar_customer_credit",
        store=True,
        groups=INTERNAL_USER_GROUP,
    )
    ar_expected_date = fields.Date(
        string="Expected Payment",
        compute="_compute_ar_prediction",
        help="When the customer will likely pay, from its own payment history.",
        groups=COLLECTION_USER_GROUP,
    )
    ar_prediction_note = fields.Char(
        string="Payment Prediction", compute="_compute_ar_prediction", groups=COLLECTION_USER_GROUP
    )
    ar_collection_event_ids = fields.Many2many(
        "ar.collection.event",
        "ar_collection_event_move_rel",
        "move_id",
        "event_id",
        string="Collection Ledger",
        readonly=True,
        copy=False,
        groups=INTERNAL_USER_GROUP,
    )
    # The inverse of the legal files' invoices, for the ORM: a change of an invoice's residual
    # finds the files whose recovered amount it changes without searching them (none on a new
    # entry). Written on the legal file only (see write).
    ar_legal_file_ids = fields.Many2many(
        "ar.legal.file",
        "account_move_ar_legal_file_rel",
        "account_move_id",
        "ar_legal_file_id",
        string="Legal Files",
        readonly=True,
        copy=False,
        groups=INTERNAL_USER_GROUP,
    )
    ar_late_fee_line_ids = fields.One2many(
        "account.move.line",
        "ar_fee_source_move_id",
        string="Late Fees Charged",
        readonly=True,
        groups=INTERNAL_USER_GROUP,
    )
    ar_is_late_fee = fields.Boolean(
        compute="_compute_ar_is_late_fee",
        string="Late Fee Invoice",
        search="_search_ar_is_late_fee",
        groups=INTERNAL_USER_GROUP,
    )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------

    @api.depends("partner_id", "company_id", "move_type")
    def _compute_ar_credit_banner(self):
        for move in self:
            banner = False
            if move.is_sale_document(include_receipts=True) and move.partner_id:
                profile = move.partner_id.with_company(move.company_id).ar_credit_profile_id.sudo()
                banner = profile._banner_text()
            move.ar_credit_banner = banner

    @api.depends("state", "move_type")
    def _compute_partner_credit_warning(self):
        # EXTENDS account: a draft invoice shows the figures a quotation for the same customer shows.
        result = super()._compute_partner_credit_warning()
        for move in self:
            if move.state == "draft" and move.move_type == "out_invoice" and move.company_id.account_use_credit_limit:
                move.partner_credit_warning = move._ar_credit_warning()
        return result

    def init(self):
        result = super().init()
        # Customers' invoices are looked up by commercial partner everywhere here (exposure,
        # profiles, collector and rating sync); Odoo does not index that column.
        create_index(
            self.env.cr,
            "account_move_ar_commercial_partner_idx",
            self._table,
            ["commercial_partner_id", "company_id"],
            where="move_type IN ('out_invoice', 'out_refund')",
        )
        # The collection job asks, customer after customer, whether one has an invoice due:
        # one probe here each, not a scan of every due invoice per batch of customers.
        create_index(
            self.env.cr,
            "account_move_ar_due_by_customer_idx",
            self._table,
            ["commercial_partner_id", "company_id", "ar_next_action_date"],
            where="ar_next_action_date IS NOT NULL",
        )
        return result

    @api.depends("commercial_partner_id", "company_id")
    def _compute_ar_customer_credit(self):
        profiles = (
            self.env["ar.credit.profile"]
            .sudo()
            .search_fetch(
                [("partner_id", "in", self.commercial_partner_id.ids), ("company_id", "in", self.company_id.ids)],
                ["partner_id", "company_id", "collector_id", "rating_id"],
            )
        )
        by_key = {(profile.partner_id.id, profile.company_id.id): profile for profile in profiles}
        for move in self:
            profile = by_key.get((move.commercial_partner_id.id, move.company_id.id))
            move.ar_collector_id = profile.collector_id if profile else False
            move.ar_rating_id = profile.rating_id if profile else False

    @api.depends("invoice_date_due", "commercial_partner_id", "company_id")
    def _compute_ar_prediction(self):
        for move in self:
            profile = move.partner_id.with_company(move.company_id).ar_credit_profile_id.sudo()
            if move.move_type != "out_invoice" or not move.invoice_date_due or not profile:
                move.ar_expected_date = False
                move.ar_prediction_note = False
                continue
            delay = round(profile.payment_delay)
            move.ar_expected_date = move.invoice_date_due + timedelta(days=delay)
            move.ar_prediction_note = profile._prediction_note()

    @api.depends("invoice_date_due", "payment_state")
    def _compute_ar_days_overdue(self):
        today = fields.Date.context_today(self)
        for move in self:
            move.ar_days_overdue = (today - move.invoice_date_due).days if move._ar_is_overdue(today) else 0

    @api.depends(
        "move_type",
        "state",
        "payment_state",
        "invoice_date_due",
        "commercial_partner_id",
        "company_id",
        "ar_stage_id",
        "ar_snooze_until",
        "ar_excluded",
        "ar_promise_id",
        "ar_dispute_id",
        "ar_plan_id",
    )
    def _compute_ar_next_action_date(self):
        """The date of the next stage due for each invoice: the collection job's work list."""
        collectible = self.filtered(lambda move: move._ar_collectible())
        (self - collectible).ar_next_action_date = False
        policies = collectible._ar_policies()
        stages = {}
        for move in collectible:
            policy = policies.get(move.id)
            if policy and (policy, move.company_id) not in stages:
                stages[policy, move.company_id] = policy._stages_for(move.company_id)
            stage = move._ar_next_stage(policy, stages[policy, move.company_id]) if policy else None
            if not stage:
                move.ar_next_action_date = False
                continue
            next_date = move.invoice_date_due + timedelta(days=stage.offset_days)
            if move.ar_snooze_until and move.ar_snooze_until > next_date:
                next_date = move.ar_snooze_until
            move.ar_next_action_date = next_date

    @api.depends("line_ids.ar_fee_source_move_id")
    def _compute_ar_is_late_fee(self):
        # Saved invoices: one query for all, rather than reading every line of each.
        saved = self.filtered(lambda move: isinstance(move.id, int))
        fee_moves = set()
        if saved:
            self.env["account.move.line"].flush_model(["move_id", "ar_fee_source_move_id"])
            groups = (
                self.env["account.move.line"]
                .sudo()
                ._read_group([("move_id", "in", saved.ids), ("ar_fee_source_move_id", "!=", False)], ["move_id"])
            )
            fee_moves = {move.id for (move,) in groups}
        for move in saved:
            move.ar_is_late_fee = move.id in fee_moves
        for move in self - saved:
            move.ar_is_late_fee = any(move.line_ids.mapped("ar_fee_source_move_id"))

    def _search_ar_is_late_fee(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise NotImplementedError(self.env._("Unsupported search on late fees."))
        positive = [("line_ids.ar_fee_source_move_id", "!=", False)]
        return positive if (operator == "=") == value else ["!", *positive]

    # ------------------------------------------------------------------
    # CRUD: keep the credit exposure current; the collection's fields are the collection's
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(LIMITATION_FIELDS & set(vals) for vals in vals_list):
            raise UserError(self._ar_limitation_fields_message())
        if not self.env.su and any("ar_legal_file_ids" in vals for vals in vals_list):
            raise UserError(self._ar_legal_files_message())
        if not self.env.su and any(COLLECTION_FIELDS & set(vals) for vals in vals_list):
            check_group(self.env, COLLECTION_USER_GROUP, self._ar_collection_fields_message())
        moves = super().create(vals_list)
        # A draft entry (a payment's, say) counts in no exposure until it is posted.
        moves.filtered(
            lambda move: move.state == "posted" or move.is_sale_document(include_receipts=True)
        )._ar_refresh_exposure()
        return moves

    def _ar_collection_fields_message(self):
        return self.env._(
            "An invoice's collection stage, pause and exclusion are set by the collection itself and by "
            "Collections users: %s cannot change them.",
            self.env.user.name,
        )

    def _ar_limitation_fields_message(self):
        return self.env._(
            "An invoice's limitation period is computed from the collection ledger (its due date, formal notices "
            "served, acknowledgements, promises, plans, payments, suits): it cannot be set by hand."
        )

    def _ar_legal_files_message(self):
        return self.env._(
            "A legal file's invoices are chosen on the legal file, by a credit manager: they cannot be changed "
            "from the invoice."
        )

    def write(self, vals):
        if not self.env.su and LIMITATION_FIELDS & set(vals):
            raise UserError(self._ar_limitation_fields_message())
        if not self.env.su and "ar_legal_file_ids" in vals:
            raise UserError(self._ar_legal_files_message())
        if not self.env.su and COLLECTION_FIELDS & set(vals):
            check_group(self.env, COLLECTION_USER_GROUP, self._ar_collection_fields_message())
        if not DRAFT_EXPOSURE_FIELDS & set(vals):
            return super().write(vals)
        partners_before = self._ar_exposure_partners()
        result = super().write(vals)
        self._ar_refresh_exposure(partners_before)
        return result

    def unlink(self):
        partners = self._ar_exposure_partners()
        result = super().unlink()
        self.env["ar.credit.profile"].sudo()._refresh_exposure(partners)
        return result

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        # The exposure refresh stores the customers' earliest limitation date: dates first.
        posted.filtered(lambda move: move.move_type == "out_invoice")._ar_refresh_limitation_dates()
        posted._ar_refresh_exposure()
        return posted

    def button_draft(self):
        result = super().button_draft()
        self._ar_refresh_exposure()
        return result

    def button_cancel(self):
        result = super().button_cancel()
        self._ar_refresh_exposure()
        return result

    def _ar_exposure_partners(self):
        """Commercial partners whose credit exposure these moves count in."""
        sale_docs = self.filtered(lambda move: move.is_sale_document(include_receipts=True))
        receivable_lines = self.line_ids.filtered(lambda line: line.account_id.account_type == "asset_receivable")
        return (sale_docs.partner_id | receivable_lines.partner_id).commercial_partner_id

    def _ar_refresh_exposure(self, extra_partners=None):
        partners = self._ar_exposure_partners()
        if extra_partners:
            partners |= extra_partners
        if partners:
            self.env["ar.credit.profile"].sudo()._refresh_exposure(partners)

    # ------------------------------------------------------------------
    # Credit warning (ar.credit.warning.mixin)
    # ------------------------------------------------------------------

    def _ar_credit_issues(self):
        """The quotation's credit-limit rule, for this draft invoice: the same limit, exposure and rounding.

        The customer's exposure already counts this invoice once it is saved as a draft; its saved
        amount is taken out, so that the figures read "the rest of the exposure + this invoice", as
        on a quotation. A customer without a credit profile gets one when the draft is saved.
        """
        self.ensure_one()
        if not self.partner_id:
            return []
        profile = self.partner_id.with_company(self.company_id).ar_credit_profile_id.sudo()
        saved = self._origin
        counted = (
            saved.state == "draft"
            and saved.move_type in ("out_invoice", "out_refund")
            and saved.commercial_partner_id == profile.partner_id
            and saved.company_id == profile.company_id
        )
        exposure = self.company_id.currency_id.round(profile.exposure - (saved.amount_total_signed if counted else 0.0))
        if profile:
            limit = profile.credit_limit
        else:  # not known yet: the terms of a new customer, as for a quotation
            limit = self.env["ar.credit.profile"]._new_customer_terms(
                self.company_id, self.partner_id.commercial_partner_id
            )[0]
        # As Odoo's warning: the totals the form shows while the invoice is typed, in company currency.
        amount = self.tax_totals[
            "total_amount_currency" if self.currency_id == self.company_currency_id else "total_amount"
        ]
        if not self._ar_exceeds_limit(exposure, amount, limit):
            return []
        return [{"rule": "limit", "profile": profile, "amount": amount, "limit": limit, "exposure": exposure}]

    def _ar_this_document(self):
        return self.env._("this invoice")

    # ------------------------------------------------------------------
    # Collection rules
    # ------------------------------------------------------------------

    def _ar_collectible(self):
        """Whether the collection escalates this invoice at all."""
        self.ensure_one()
        return (
            self._ar_is_open_invoice()
            and bool(self.invoice_date_due)
            and not self.ar_excluded
            and not self.ar_promise_id
            and not self.ar_dispute_id
            and not self.ar_plan_id
            and not self.ar_is_late_fee
        )

    def _ar_policies(self):
        """{invoice id: collection policy}, for the invoices' customers in their companies."""
        profiles = (
            self.env["ar.credit.profile"]
            .sudo()
            .search(
                [
                    ("partner_id", "in", self.commercial_partner_id.ids),
                    ("company_id", "in", self.company_id.ids),
                ]
            )
        )
        by_key = {(profile.partner_id.id, profile.company_id.id): profile for profile in profiles}
        policies = {}
        result = {}
        for move in self:
            key = (move.commercial_partner_id.id, move.company_id.id)
            if key not in policies:
                profile = by_key.get(key)
                policies[key] = profile._collection_policy() if profile else move.company_id._ar_default_policy()
            if policies[key]:
                result[move.id] = policies[key]
        return result

    def _ar_write(self, vals):
        """Write collection fields only: none of the accounting synchronisation of a move's write
        applies (lines, balance, "manually modified" flag), so skip it."""
        return self.with_context(
            skip_invoice_sync=True, check_move_validity=False, skip_is_manually_modified=True
        ).write(vals)

    def _ar_next_stage(self, policy, stages=None):
        """The first stage of ``policy`` (its ``stages`` in the invoice's company, when known)
        after the invoice's current stage."""
        self.ensure_one()
        current = self.ar_stage_id.offset_days if self.ar_stage_id else None
        for stage in stages if stages is not None else policy._stages_for(self.company_id):
            if current is None or stage.offset_days > current:
                return stage
        return None

    def _ar_stages_passed(self, stages, today, overdue_amount, force=False, served=None):
        """The stages of ``stages`` this invoice passes today, in order: those after its current
        one whose day has come (and whose minimum amount the customer owes); ``force``: the
        next one. The last is the stage it reaches.

        An invoice that passed several stages stops at the highest one that writes to the
        customer (email or letter): the stages above it that only act (a legal file) follow on
        a later run, once the customer has been told. And no legal file opens before the
        formal notices have reached the customer (see `_ar_hold_for_notices`; ``served``:
        {formal-notice stage id: day served, or None} for this invoice)."""
        self.ensure_one()
        current = self.ar_stage_id.offset_days if self.ar_stage_id else None
        later = [stage for stage in stages if current is None or stage.offset_days > current]
        days = (today - self.invoice_date_due).days
        currency = self.company_id.currency_id
        reached = [
            stage
            for stage in later
            if stage.offset_days <= days and currency.compare_amounts(overdue_amount, stage.min_amount) >= 0
        ]
        if not reached:
            reached = later[:1] if force else []
        writing = [index for index, stage in enumerate(reached) if stage.send_email or stage.print_letter]
        if len(reached) > 1 and writing:
            reached = reached[: writing[-1] + 1]
        return self._ar_hold_for_notices(reached, stages, served or {}, today)

    @api.model
    def _ar_hold_for_notices(self, reached, stages, served, today):
        """``reached`` cut back so that the ladder's formal notices (demand, lawyer letter) come
        in order and a legal file opens only after them: a formal notice or a legal-file stage
        comes once every formal notice before it has been served on the customer and its
        deadline has passed. A notice passed today is where the invoice stops; a notice never
        sent is sent first; a notice logged but not served yet (a letter posted without proof),
        or whose deadline runs, holds the invoice where it is."""
        for index, stage in enumerate(reached):
            if not (stage.open_legal_file or stage.formal_notice):
                continue
            for notice in (s for s in stages if s.formal_notice and s.offset_days < stage.offset_days):
                if notice in reached[:index]:
                    return reached[: reached.index(notice) + 1]
                if notice.id not in served:
                    return [notice]
                served_on = served[notice.id]
                if not served_on or served_on + timedelta(days=notice.deadline_days) > today:
                    return reached[:index]
        return reached

    @api.model
    def _ar_charge_late_fees(self, plans, today):
        """Charge the late fees of the collection ``plans`` (see ``ar.collection.engine``): for
        each customer one fee invoice, a line per invoice reaching a fee stage, once per
        invoice and stage. Return the fee invoices."""
        charging = [plan for plan in plans if plan.highest("charge_fee")]
        if not charging:
            return self.browse()
        already = self._ar_late_fees_charged(self.union(*(move for plan in charging for move in plan.passed)))
        fee_invoices = self.browse()
        for plan in charging:
            lines = []
            for move, passed in plan.passed.items():
                # One fee per invoice and run: the highest fee stage it passed today.
                fee_stages = [stage for stage in passed if stage.charge_fee]
                if not fee_stages or (move.id, fee_stages[-1].id) in already:
                    continue
                amount = plan.profile.company_id._ar_late_fee_amount(move, today)
                if amount > 0:
                    lines.append((move, fee_stages[-1], amount))
            if lines:
                fee_invoices |= self._ar_create_late_fee_invoice(plan.profile, plan.highest("charge_fee"), lines, today)
        return fee_invoices

    @api.model
    def _ar_late_fees_charged(self, moves):
        """{(invoice id, stage id)} of the late fees already charged on ``moves``."""
        if not moves:
            return set()
        charged = (
            self.env["account.move.line"]
            .sudo()
            .search([("ar_fee_source_move_id", "in", moves.ids), ("parent_state", "!=", "cancel")])
        )
        return {(line.ar_fee_source_move_id.id, line.ar_fee_stage_id.id) for line in charged}

    @api.model
    def _ar_create_late_fee_invoice(self, profile, stage, lines, today):
        """Post the fee invoice of ``profile``'s customer for ``lines`` [(invoice, stage, amount)]
        and log it in the ledger."""
        company = profile.company_id
        product = company._ar_late_fee_product()
        fee_invoice = (
            self.sudo()
            .with_company(company)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": profile.partner_id.id,
                    "company_id": company.id,
                    "invoice_date": today,
                    "invoice_origin": ", ".join(move.name for move, _stage, _amount in lines),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "name": self.env._(
                                    "Late payment fee: %(invoice)s, %(days)s days overdue",
                                    invoice=move.name,
                                    days=(today - move.invoice_date_due).days,
                                ),
                                "quantity": 1,
                                "price_unit": amount,
                                "tax_ids": [
                                    Command.set(product.taxes_id.filtered(lambda t: t.company_id == company).ids)
                                ],
                                "ar_fee_source_move_id": move.id,
                                "ar_fee_stage_id": fee_stage.id,
                            }
                        )
                        for move, fee_stage, amount in lines
                    ],
                }
            )
        )
        fee_invoice.action_post()
        self.env["ar.collection.event"]._log(
            profile.partner_id,
            company,
            "fee",
            moves=fee_invoice | self.union(*(move for move, _stage, _amount in lines)),
            stage_id=stage.id,
            note=self.env._(
                "Late fee invoice %(fee)s: %(amount)s",
                fee=fee_invoice.name,
                amount=profile._money(fee_invoice.amount_total),
            ),
        )
        return fee_invoice

    def _ar_waive_late_fee(self, reason):
        """Cancel late-fee invoices with a credit note, and log why."""
        fees = self.filtered(lambda move: move.ar_is_late_fee and move.state == "posted")
        for fee in fees:
            reversal = (
                self.env["account.move.reversal"]
                .sudo()
                .with_context(active_model="account.move", active_ids=fee.ids)
                .create({"reason": reason, "journal_id": fee.journal_id.id})
            )
            reversal.refund_moves()
            credit_note = fee.reversal_move_ids[:1]
            if credit_note.state == "draft":
                credit_note.action_post()
            (fee.line_ids | credit_note.line_ids).filtered(
                lambda line: line.account_id.account_type == "asset_receivable" and not line.reconciled
            ).reconcile()
            self.env["ar.collection.event"]._log(
                fee.commercial_partner_id,
                fee.company_id,
                "fee",
                moves=fee | fee.line_ids.ar_fee_source_move_id,
                note=self.env._("Late fee %(fee)s waived: %(reason)s", fee=fee.name, reason=reason),
            )
        return fees

    # An open invoice: a posted customer invoice not (fully) paid. The one definition, as a
    # domain, a test on one invoice and SQL; overdue: open and past its due date.

    @api.model
    def _ar_open_invoice_domain(self):
        return list(OPEN_INVOICE_DOMAIN)

    def _ar_all_settled(self):
        """Whether every one of these invoices is settled (a promise's or a plan's are kept)."""
        return all(move.payment_state in SETTLED_PAYMENT_STATES for move in self)

    def _ar_is_open_invoice(self):
        self.ensure_one()
        return self.move_type == "out_invoice" and self.state == "posted" and self.payment_state in OPEN_PAYMENT_STATES

    @api.model
    def _ar_open_invoice_sql(self, alias):
        """The open-invoice test on the account_move table aliased ``alias``, as SQL."""
        return SQL(
            "%(move_type)s = 'out_invoice' AND %(state)s = 'posted' AND %(payment_state)s = ANY(%(open)s)",
            move_type=SQL.identifier(alias, "move_type"),
            state=SQL.identifier(alias, "state"),
            payment_state=SQL.identifier(alias, "payment_state"),
            open=list(OPEN_PAYMENT_STATES),
        )

    def _ar_is_overdue(self, today):
        self.ensure_one()
        return self._ar_is_open_invoice() and bool(self.invoice_date_due) and self.invoice_date_due < today

    @api.model
    def _ar_overdue_figures(self, keys, today):
        """{(commercial partner id, company id): (overdue amount, days overdue of the oldest)}
        of the customers ``keys`` on ``today``, in company currency: one query for all."""
        if not keys:
            return {}
        rows = self.sudo()._read_group(
            [
                *self._ar_open_invoice_domain(),
                ("commercial_partner_id", "in", list({partner for partner, _company in keys})),
                ("company_id", "in", list({company for _partner, company in keys})),
                ("invoice_date_due", "<", today),
            ],
            ["commercial_partner_id", "company_id"],
            ["amount_residual_signed:sum", "invoice_date_due:min"],
        )
        return {
            (partner.id, company.id): (amount, (today - oldest).days)
            for partner, company, amount, oldest in rows
            if (partner.id, company.id) in keys
        }

    @api.model
    def _ar_refresh_open_invoices(self, domain=None):
        """Recompute the next action of open invoices after a change of policies or stages.

        While modules load, the invoices are only marked: at install, post_init_hook computes
        them once the customers have their profiles, which name their policies."""
        moves = self.sudo().search(self._ar_open_invoice_domain() + (domain or []))
        if self.pool._init:
            self.env.add_to_compute(self._fields["ar_next_action_date"], moves)
        else:
            moves._ar_recompute(["ar_next_action_date"])

    def _ar_recompute(self, fnames):
        """Recompute these invoices' stored fields ``fnames``: with the next flush when they are
        few, now and chunk by chunk when they are many, each chunk written (one UPDATE per
        invoice for all the fields) and the cache emptied. A million invoices in one recompute
        outgrow Odoo's memory limit (limit_memory_hard, 2.5 GB of address space by default):
        the request or the install fails."""
        fields_to_compute = [self._fields[fname] for fname in fnames]
        if len(self) <= REFRESH_CHUNK:
            for field in fields_to_compute:
                self.env.add_to_compute(field, self)
            return
        for ids in split_every(REFRESH_CHUNK, self.ids):
            for field in fields_to_compute:
                self.env.add_to_compute(field, self.browse(ids))
            self.env.flush_all()
            self.env.invalidate_all()

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def _ar_check_collectible_invoices(self, action):
        not_open = self.filtered(lambda move: not move._ar_is_open_invoice())
        if not_open:
            raise UserError(
                self.env._(
                    "%(action)s needs open customer invoices; %(invoices)s is paid, not posted or not a customer "
                    "invoice.",
                    action=action,
                    invoices=", ".join(not_open.mapped("display_name")),
                )
            )

    @requires_group(CREDIT_MANAGER_GROUP)
    def action_ar_waive_late_fee(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Waive Late Fee"),
            "res_model": "ar.late.fee.waive.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_move_ids": self.ids},
        }

    @requires_group(COLLECTION_USER_GROUP)
    def action_ar_exclude(self):
        self._ar_write({"ar_excluded": True})
        return True

    @requires_group(COLLECTION_USER_GROUP)
    def action_ar_include(self):
        self._ar_write({"ar_excluded": False})
        return True

    @requires_group(COLLECTION_USER_GROUP)
    def action_ar_send_now(self):
        """Send the next collection stage of these invoices now, through the collection engine."""
        self._ar_check_collectible_invoices(self.env._("Sending the next stage"))
        profiles = self.env["ar.credit.profile"]._get_or_create(self.commercial_partner_id, self.env.company)
        done = self.env["ar.collection.engine"]._run_collection(profiles, moves=self, force=True)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success" if done else "warning",
                "message": self.env._("%s customer(s) contacted.", done)
                if done
                else self.env._("Nothing to send: the invoices are paused or at their last stage."),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    @requires_group(COLLECTION_USER_GROUP)
    def action_ar_log_call(self):
        return self._ar_log_wizard("call")

    @requires_group(COLLECTION_USER_GROUP)
    def action_ar_record_promise(self):
        return self._ar_log_wizard("call", promise=True)

    def _ar_log_wizard(self, kind, promise=False):
        partner = self.commercial_partner_id
        if len(partner) != 1:
            raise UserError(self.env._("Select invoices of one customer."))
        outcome = self.env["ar.collection.outcome"]
        if promise:
            outcome = outcome.search([("records_promise", "=", True)], limit=1)
        return self.env["ar.collection.log.wizard"]._action_open(partner, self, kind=kind, outcome_id=outcome.id)

    @requires_group(COLLECTION_USER_GROUP)
    def action_ar_open_dispute(self):
        self.ensure_one()
        self._ar_check_collectible_invoices(self.env._("A dispute"))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Open a Dispute"),
            "res_model": "ar.collection.dispute",
            "view_mode": "form",
            "target": "new",
            "context": {"default_move_id": self.id},
        }

    @requires_group(COLLECTION_USER_GROUP)
    def action_ar_create_plan(self):
        self._ar_check_collectible_invoices(self.env._("A payment plan"))
        partner = self.commercial_partner_id
        if len(partner) != 1:
            raise UserError(self.env._("A payment plan covers invoices of one customer: select only theirs."))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("New Payment Plan"),
            "res_model": "ar.payment.plan",
            "view_mode": "form",
            "target": "current",
            "context": {"default_partner_id": partner.id, "default_move_ids": self.ids},
        }
