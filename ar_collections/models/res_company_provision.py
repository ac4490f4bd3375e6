"""The company's bad-debt settings (坏账准备 / 核销): the accounts and journal of the allowance, the
monthly provision run and the amount above which a write-off needs a legal file."""

from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError
from odoo.exceptions import ValidationError

# The bad-debt settings live beside their feature.
# pylint: disable=consider-merging-classes-inherited


class ResCompany(models.Model):
    _inherit = "res.company"

    ar_allowance_account_id = fields.Many2one(
        "account.account",
        string="Allowance for Bad Debts",
        check_company=True,
        domain="[('account_type', 'not in', ('asset_receivable', 'liability_payable'))]",
        help="The contra-receivable account of the allowance (坏账准备): credited by the provision, debited by "
        "write-offs, one balance per customer.",
    )
    ar_bad_debt_expense_account_id = fields.Many2one(
        "account.account",
        string="Bad-Debt Expense",
        check_company=True,
        domain="[('account_type', '=like', 'expense%')]",
        help="The expense of the provision (信用减值损失): debited when the allowance grows, credited when it shrinks.",
    )
    ar_provision_journal_id = fields.Many2one(
        "account.journal",
        string="Provision Journal",
        check_company=True,
        domain="[('type', '=', 'general')]",
        help="The miscellaneous journal of the provision entries and of write-offs.",
    )
    ar_provision_monthly = fields.Boolean(
        string="Monthly Provision Run",
        help="On the first day of each month, compute the allowance each customer needs and propose the adjusting "
        "entry as a draft for the accountant to post.",
    )
    ar_write_off_legal_threshold = fields.Monetary(
        string="Legal File Needed Above",
        currency_field="currency_id",
        default=10000.0,
        help="Writing off an invoice whose open amount is above this needs a legal file of the customer covering "
        "the invoice (proof that the debt was pursued). 0: every write-off needs one.",
    )

    @api.constrains("ar_allowance_account_id", "ar_write_off_legal_threshold")
    def _check_ar_bad_debt_settings(self):
        for company in self:
            if company.ar_write_off_legal_threshold < 0:
                raise ValidationError(self.env._("The write-off amount needing a legal file cannot be negative."))
            if company.ar_allowance_account_id.account_type in ("asset_receivable", "liability_payable"):
                raise ValidationError(
                    self.env._(
                        "The allowance for bad debts is a contra-receivable account of its own, not a receivable "
                        "or payable account (it would count as money customers owe): choose another account."
                    )
                )

    def _ar_bad_debt_setup(self):
        """(allowance account, expense account, journal) of the company; a UserError says which
        settings are missing."""
        self.ensure_one()
        settings = {
            self.env._("Allowance for Bad Debts"): self.ar_allowance_account_id,
            self.env._("Bad-Debt Expense"): self.ar_bad_debt_expense_account_id,
            self.env._("Provision Journal"): self.ar_provision_journal_id,
        }
        missing = [label for label, record in settings.items() if not record]
        if missing:
            raise UserError(
                self.env._(
                    "Set %(missing)s of %(company)s in Settings > Invoicing > Bad-Debt Provisions first.",
                    missing=", ".join(missing),
                    company=self.name,
                )
            )
        return self.ar_allowance_account_id, self.ar_bad_debt_expense_account_id, self.ar_provision_journal_id
