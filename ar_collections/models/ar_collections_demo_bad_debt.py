"""Demo of bad-debt provisions: the allowance and expense accounts, and this month's provision run
proposing its adjusting entry as a draft for the accountant to post."""

from odoo import api
from odoo import models

# Each feature's demo loader lives in its own file.
# pylint: disable=consider-merging-classes-inherited


class ArCollectionsDemo(models.AbstractModel):
    _inherit = "ar.collections.demo"

    @api.model
    def _load_bad_debt(self):
        company = self.env.ref("base.main_company")
        Account = self.env["account.account"].with_company(company)
        allowance = Account.create(
            {"code": "123100", "name": "Allowance for Bad Debts (坏账准备)", "account_type": "asset_current"}
        )
        expense = Account.create(
            {"code": "670100", "name": "Credit Impairment Loss (信用减值损失)", "account_type": "expense"}
        )
        self._name_demo_record(allowance, "ar_demo_account_allowance")
        self._name_demo_record(expense, "ar_demo_account_bad_debt_expense")
        journal = self.env["account.journal"].search(
            [("type", "=", "general"), ("company_id", "=", company.id)], order="sequence, id", limit=1
        )
        company.write(
            {
                "ar_allowance_account_id": allowance.id,
                "ar_bad_debt_expense_account_id": expense.id,
                "ar_provision_journal_id": journal.id,
            }
        )
        run = self.env["ar.provision.run"].with_company(company).create({"company_id": company.id})
        run.action_compute()
        if run.move_id:
            self._name_demo_record(run.move_id, "ar_demo_move_provision")
        return run
