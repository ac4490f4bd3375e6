"""The bad-debt provision run (坏账准备计提): the allowance each customer needs by the aging method,
against the allowance it has, and the adjusting entry proposed as a draft for the accountant.

A credit manager runs it from its form; the monthly job (`_cron_provision`) runs it for the
companies that switched it on in Settings. Figures are computed set-wise in SQL, in company
currency; posting the entry stays the accountant's.
"""

from datetime import date as Date

from odoo import Command
from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools.batch_jobs import run_over_records
from ..tools.groups import COLLECTION_USER_GROUP
from ..tools.groups import CREDIT_MANAGER_GROUP
from ..tools.groups import requires_group
from .ar_aging_report import AGING_BUCKETS
from .ar_aging_report import aging_bucket_sql

RUN_STATES = [
    ("draft", "Draft"),
    ("proposed", "Entry Proposed"),
    ("nothing", "Nothing to Adjust"),
    ("posted", "Posted"),
    ("cancelled", "Cancelled"),
]


class ArProvisionRun(models.Model):
    """One computation of the allowance for bad debts of a company on a date."""

    _name = "ar.provision.run"
    _description = "Bad-Debt Provision Run"
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    date = fields.Date(
        string="Aged On",
        required=True,
        default=fields.Date.context_today,
        help="Receivables are aged on this date, by their due date; the entry is dated this day.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    computed = fields.Boolean(readonly=True, copy=False)
    cancelled = fields.Boolean(readonly=True, copy=False)
    state = fields.Selection(RUN_STATES, compute="_compute_state", store=True, index=True)
    line_ids = fields.One2many("ar.provision.run.line", "run_id", string="Customers", readonly=True)
    move_id = fields.Many2one(
        "account.move",
        string="Adjusting Entry",
        readonly=True,
        copy=False,
        check_company=True,
        ondelete="set null",
        help="The draft entry proposed for the accountant to review and post.",
    )
    amount_receivable = fields.Monetary(string="Receivable", compute="_compute_amounts", store=True)
    allowance_required = fields.Monetary(compute="_compute_amounts", store=True)
    allowance_before = fields.Monetary(compute="_compute_amounts", store=True)
    adjustment = fields.Monetary(compute="_compute_amounts", store=True)

    @api.depends("date")
    def _compute_name(self):
        for run in self:
            run.name = self.env._("Bad-debt provision %s", fields.Date.to_string(run.date)) if run.date else False

    @api.depends("computed", "cancelled", "move_id.state", "line_ids.adjustment")
    def _compute_state(self):
        for run in self:
            adjusts = any(not run.currency_id.is_zero(line.adjustment) for line in run.line_ids)
            if run.cancelled or run.move_id.state == "cancel" or (run.computed and adjusts and not run.move_id):
                run.state = "cancelled"  # cancelled here, or its entry cancelled or deleted by the accountant
            elif not run.computed:
                run.state = "draft"
            elif not run.move_id:
                run.state = "nothing"
            else:
                run.state = "posted" if run.move_id.state == "posted" else "proposed"

    @api.depends("line_ids.amount_receivable", "line_ids.allowance_required", "line_ids.allowance_before")
    def _compute_amounts(self):
        for run in self:
            lines = run.line_ids
            run.amount_receivable = sum(lines.mapped("amount_receivable"))
            run.allowance_required = sum(lines.mapped("allowance_required"))
            run.allowance_before = sum(lines.mapped("allowance_before"))
            run.adjustment = sum(lines.mapped("adjustment"))

    @api.ondelete(at_uninstall=False)
    def _unlink_except_proposed(self):
        if any(run.state in ("proposed", "posted") for run in self):
            raise UserError(self.env._("A run whose entry is proposed or posted is kept: cancel it instead."))

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    @requires_group(CREDIT_MANAGER_GROUP)
    def action_compute(self):
        """Compute the allowance each customer needs and propose the adjusting entry (again,
        replacing the draft entry this run proposed before)."""
        for run in self:
            if run.state in ("posted", "cancelled"):
                raise UserError(self.env._("%s is posted or cancelled: start a new run.", run.name))
        self.sudo()._compute_provision()
        return True

    @requires_group(CREDIT_MANAGER_GROUP)
    def action_cancel(self):
        """Give up these runs; the draft entries they proposed are cancelled."""
        if any(run.state == "posted" for run in self):
            raise UserError(self.env._("A posted provision is corrected by the next run, not cancelled."))
        self.sudo().move_id.filtered(lambda move: move.state == "draft").button_cancel()
        self.sudo().cancelled = True
        return True

    @requires_group(COLLECTION_USER_GROUP)
    def action_open_move(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "view_mode": "form",
            "res_id": self.move_id.id,
        }

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------

    def _compute_provision(self):
        """Fill the lines of each run (one per customer with an open receivable or an allowance)
        and propose the adjusting entry; the accounts and journal come from the company."""
        rate_model = self.env["ar.provision.rate"]
        for run in self:
            company = run.company_id
            allowance_account, expense_account, journal = company._ar_bad_debt_setup()
            if run.move_id.state == "draft":
                run.move_id.unlink()
            rates = rate_model._rates(company)
            receivables = run._open_receivable_by_bucket()
            allowances = run._allowance_balances(allowance_account)
            lines = []
            for partner_id in sorted(set(receivables) | set(allowances)):
                buckets = receivables.get(partner_id, {})
                required = company.currency_id.round(
                    sum(amount * rates.get(key, 0.0) / 100 for key, amount in buckets.items())
                )
                before = allowances.get(partner_id, 0.0)
                lines.append(
                    {
                        "partner_id": partner_id,
                        **{f"amount_{key}": buckets.get(key, 0.0) for key, _label, _days in AGING_BUCKETS},
                        "allowance_required": required,
                        "allowance_before": before,
                        "adjustment": company.currency_id.round(required - before),
                    }
                )
            run.write({"line_ids": [Command.clear(), *(Command.create(line) for line in lines)], "computed": True})
            run.move_id = run._propose_move(allowance_account, expense_account, journal)

    def _open_receivable_by_bucket(self):
        """{commercial partner id: {bucket: amount}}: the open receivable items (posted, with a
        positive residual, in company currency) on or before the run's date, aged by due date
        on that date. Unapplied payments and credit notes are not netted: they carry no risk."""
        self.ensure_one()
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT partner.commercial_partner_id, %(bucket)s, SUM(aml.amount_residual)
                  FROM account_move_line aml
                  JOIN account_account account ON account.id = aml.account_id
                  JOIN res_partner partner ON partner.id = aml.partner_id
                 WHERE aml.company_id = %(company)s
                   AND account.account_type = 'asset_receivable'
                   AND aml.parent_state = 'posted'
                   AND aml.amount_residual > 0
                   AND aml.date <= %(date)s
                 GROUP BY 1, 2
                """,
                bucket=aging_bucket_sql(SQL("(%s::date - COALESCE(aml.date_maturity, aml.date))", self.date)),
                company=self.company_id.id,
                date=self.date,
            )
        )
        receivables = {}
        for partner_id, bucket, amount in self.env.cr.fetchall():
            receivables.setdefault(partner_id, {})[bucket] = amount
        return receivables

    def _allowance_balances(self, account):
        """{commercial partner id: the allowance it has}: the credit balance of the allowance
        account for the customer, posted entries up to the run's date."""
        self.ensure_one()
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT partner.commercial_partner_id, -SUM(aml.balance)
                  FROM account_move_line aml
                  JOIN res_partner partner ON partner.id = aml.partner_id
                 WHERE aml.company_id = %(company)s
                   AND aml.account_id = %(account)s
                   AND aml.parent_state = 'posted'
                   AND aml.date <= %(date)s
                 GROUP BY 1
                """,
                company=self.company_id.id,
                account=account.id,
                date=self.date,
            )
        )
        return {partner_id: balance for partner_id, balance in self.env.cr.fetchall() if balance}

    def _propose_move(self, allowance_account, expense_account, journal):
        """The draft adjusting entry: per customer, the allowance account (credit when the
        allowance grows, debit when it shrinks); the expense account takes the total. None
        when nothing changes."""
        self.ensure_one()
        currency = self.company_id.currency_id
        adjusting = self.line_ids.filtered(lambda line: not currency.is_zero(line.adjustment))
        if not adjusting:
            return self.env["account.move"]
        total = currency.round(sum(adjusting.mapped("adjustment")))
        lines = [
            Command.create(
                {
                    "account_id": allowance_account.id,
                    "partner_id": line.partner_id.id,
                    "name": self.env._("Allowance for bad debts: %s", line.partner_id.name),
                    "balance": -line.adjustment,
                }
            )
            for line in adjusting
        ]
        if not currency.is_zero(total):
            lines.append(
                Command.create(
                    {"account_id": expense_account.id, "name": self.env._("Bad-debt provision"), "balance": total}
                )
            )
        return (
            self.env["account.move"]
            .with_company(self.company_id)
            .create(
                {
                    "move_type": "entry",
                    "company_id": self.company_id.id,
                    "journal_id": journal.id,
                    "date": self.date,
                    "ref": self.name,
                    "line_ids": lines,
                }
            )
        )

    @api.model
    def _cron_provision(self):
        """The monthly job: a run for each company that switched it on and has none this month
        (a company whose settings are missing is logged and skipped)."""
        today = fields.Date.context_today(self)
        month_start = Date(today.year, today.month, 1)
        done = self.sudo().search([("date", ">=", month_start), ("cancelled", "=", False)]).company_id

        def process(companies):
            runs = self.sudo().create([{"company_id": company.id, "date": today} for company in companies])
            runs._compute_provision()

        return run_over_records(
            self.env["res.company"].sudo(),
            [("ar_provision_monthly", "=", True), ("id", "not in", done.ids)],
            process,
            "Bad-debt provision",
        )
