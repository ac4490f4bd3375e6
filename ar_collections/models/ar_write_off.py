"""Writing off an uncollectible invoice against the allowance for bad debts (坏账核销), and
recovering it when the customer pays after all.

A collection user asks, with a reason; a credit manager approves (above the company's
threshold only with a legal file of the customer covering the invoice). The approval posts
Dr allowance / Cr receivable for what is open and reconciles it with the invoice, which is
then paid; the recovery reverses that entry, so the invoice is open again. Both are logged
in the collection ledger.
"""

from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError
from odoo.tools.misc import formatLang

from ..tools.groups import CREDIT_MANAGER_GROUP
from ..tools.groups import requires_group

WRITE_OFF_STATES = [
    ("requested", "Requested"),
    ("written_off", "Written Off"),
    ("refused", "Refused"),
    ("recovered", "Recovered"),
]


class ArWriteOff(models.Model):
    """A request to write an invoice off as a bad debt, its approval, entry and recovery."""

    _name = "ar.write.off"
    _description = "Bad-Debt Write-Off"
    _order = "create_date desc, id desc"
    _check_company_auto = True

    move_id = fields.Many2one(
        "account.move",
        string="Invoice",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'posted'), "
        "('payment_state', 'in', ('not_paid', 'partial'))]",
    )
    partner_id = fields.Many2one(related="move_id.commercial_partner_id", store=True, string="Customer", index=True)
    company_id = fields.Many2one(related="move_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount = fields.Monetary(
        readonly=True, help="What was open on the invoice, in company currency, when it was asked or written off."
    )
    reason = fields.Text(required=True, help="Why the debt cannot be collected: it is logged with the write-off.")
    state = fields.Selection(WRITE_OFF_STATES, default="requested", required=True, readonly=True, index=True)
    requested_by_id = fields.Many2one("res.users", readonly=True)
    approved_by_id = fields.Many2one("res.users", string="Decided By", readonly=True)
    approved_on = fields.Datetime(string="Decided On", readonly=True)
    legal_file_id = fields.Many2one("ar.legal.file", readonly=True, help="The legal file covering the invoice.")
    write_off_move_id = fields.Many2one("account.move", string="Write-Off Entry", readonly=True, copy=False)
    recovery_move_id = fields.Many2one("account.move", string="Recovery Entry", readonly=True, copy=False)
    recovered_on = fields.Date(readonly=True, copy=False)

    @api.depends("move_id")
    def _compute_display_name(self):
        for write_off in self:
            write_off.display_name = self.env._("Write-off of %s", write_off.move_id.name or "")

    @api.model_create_multi
    def create(self, vals_list):
        # A request names its invoice and its reason; who asked, what is open and the state are
        # the addon's (a request made over RPC cannot arrive approved).
        Move = self.env["account.move"]
        clean = []
        for vals in vals_list:
            invoice = Move.browse(vals.get("move_id"))
            reason = (vals.get("reason") or "").strip()
            if not reason:
                raise UserError(self.env._("Say why the invoice cannot be collected: the reason is logged."))
            if len(invoice) != 1 or not invoice._ar_is_open_invoice():
                raise UserError(self.env._("Only an open customer invoice can be written off."))
            clean.append(
                {
                    "move_id": invoice.id,
                    "reason": reason,
                    "state": "requested",
                    "requested_by_id": self.env.user.id,
                    "amount": invoice.amount_residual_signed,
                }
            )
        pending = self.search(
            [("move_id", "in", [vals["move_id"] for vals in clean]), ("state", "in", ("requested", "written_off"))]
        )
        if pending or len({vals["move_id"] for vals in clean}) < len(clean):
            raise UserError(
                self.env._(
                    "%s already has a write-off requested or done.",
                    ", ".join(pending.move_id.mapped("display_name")) or self.env._("An invoice"),
                )
            )
        return super().create(clean)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    @requires_group(CREDIT_MANAGER_GROUP)
    def action_approve(self):
        """Write the invoices off: the entry against the allowance, reconciled, logged."""
        for write_off in self:
            write_off._check_state("requested")
            write_off.sudo()._write_off()
        return True

    @requires_group(CREDIT_MANAGER_GROUP)
    def action_refuse(self):
        for write_off in self:
            write_off._check_state("requested")
        self.sudo().write(
            {"state": "refused", "approved_by_id": self.env.user.id, "approved_on": fields.Datetime.now()}
        )
        return True

    @requires_group(CREDIT_MANAGER_GROUP)
    def action_recover(self):
        """The customer pays after all: reverse the write-off entry, the invoices are open again."""
        for write_off in self:
            write_off._check_state("written_off")
            write_off.sudo()._recover()
        return True

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------

    def _check_state(self, state):
        if self.state != state:
            states = dict(self._fields["state"]._description_selection(self.env))
            raise UserError(
                self.env._(
                    "%(write_off)s is %(state)s: this needs a write-off %(needed)s.",
                    write_off=self.display_name,
                    state=states[self.state],
                    needed=states[state],
                )
            )

    def _covering_legal_file(self):
        """A legal file of the customer that lists the invoice (any state: a closed case proves
        the debt was pursued)."""
        return self.env["ar.legal.file"].search(
            [("company_id", "=", self.company_id.id), ("move_ids", "in", self.move_id.ids)],
            order="create_date desc, id desc",
            limit=1,
        )

    def _write_off(self):
        self.ensure_one()
        invoice, company = self.move_id, self.company_id
        if not invoice._ar_is_open_invoice():
            raise UserError(self.env._("%s is no longer open: nothing to write off.", invoice.display_name))
        receivables = invoice.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable" and not line.reconciled
        )
        amount = company.currency_id.round(sum(receivables.mapped("amount_residual")))
        legal_file = self._covering_legal_file()
        threshold = company.ar_write_off_legal_threshold
        if company.currency_id.compare_amounts(amount, threshold) > 0 and not legal_file:
            raise UserError(
                self.env._(
                    "%(invoice)s has %(amount)s open, above %(threshold)s: a write-off this large needs a legal file "
                    "of %(customer)s listing the invoice. Open one (or add the invoice to its legal file) first.",
                    invoice=invoice.display_name,
                    amount=self._money(amount),
                    threshold=self._money(threshold),
                    customer=self.partner_id.name,
                )
            )
        allowance_account, _expense_account, journal = company._ar_bad_debt_setup()
        label = self.env._("Bad debt written off: %s", invoice.name)
        entry = (
            self.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": "entry",
                    "company_id": company.id,
                    "journal_id": journal.id,
                    "date": fields.Date.context_today(self),
                    "ref": label,
                    "line_ids": [
                        fields.Command.create(
                            {
                                "account_id": allowance_account.id,
                                "partner_id": self.partner_id.id,
                                "name": label,
                                "balance": amount,
                            }
                        ),
                        *(
                            fields.Command.create(
                                {
                                    "account_id": line.account_id.id,
                                    "partner_id": line.partner_id.id,
                                    "name": label,
                                    "currency_id": line.currency_id.id,
                                    "amount_currency": -line.amount_residual_currency,
                                    "balance": -line.amount_residual,
                                }
                            )
                            for line in receivables
                        ),
                    ],
                }
            )
        )
        entry.action_post()
        self._reconcile(receivables | entry.line_ids)
        self.write(
            {
                "state": "written_off",
                "amount": amount,
                "approved_by_id": self.env.user.id,
                "approved_on": fields.Datetime.now(),
                "legal_file_id": legal_file.id,
                "write_off_move_id": entry.id,
            }
        )
        self.env["ar.collection.event"]._log(
            self.partner_id,
            company,
            "write_off",
            moves=invoice,
            note=self.env._(
                "%(invoice)s written off as a bad debt: %(amount)s against the allowance (%(entry)s). "
                "Reason: %(reason)s",
                invoice=invoice.name,
                amount=self._money(amount),
                entry=entry.name,
                reason=self.reason,
            ),
        )

    def _recover(self):
        self.ensure_one()
        entry = self.write_off_move_id
        entry.line_ids.remove_move_reconcile()
        today = fields.Date.context_today(self)
        reversal = entry._reverse_moves(
            [{"date": today, "ref": self.env._("Bad debt recovered: %s", self.move_id.name)}], cancel=True
        )
        self.write({"state": "recovered", "recovery_move_id": reversal.id, "recovered_on": today})
        self.env["ar.collection.event"]._log(
            self.partner_id,
            self.company_id,
            "recovery",
            moves=self.move_id,
            note=self.env._(
                "%(invoice)s recovered: the write-off %(entry)s is reversed by %(reversal)s, %(amount)s is open again.",
                invoice=self.move_id.name,
                entry=entry.name,
                reversal=reversal.name,
                amount=self._money(self.move_id.amount_residual_signed),
            ),
        )

    @api.model
    def _reconcile(self, lines):
        """Reconcile the receivable ``lines`` account by account."""
        receivable = lines.filtered(lambda line: line.account_id.account_type == "asset_receivable")
        for account in receivable.account_id:
            receivable.filtered(lambda line, account=account: line.account_id == account).reconcile()

    def _money(self, amount):
        return formatLang(self.env, amount, currency_obj=self.company_id.currency_id)
