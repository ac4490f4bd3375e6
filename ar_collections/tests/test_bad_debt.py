"""Bad-debt provisions (坏账准备) and write-offs (核销): the provision run's draft entry on a small
aged dataset, a second run that proposes only the difference, and a write-off approved,
reconciled, logged and recovered."""

from odoo.exceptions import AccessError
from odoo.exceptions import UserError
from odoo.tests import tagged

from ..models.ar_aging_report import AGING_BUCKETS
from ..models.ar_provision_rate import DEFAULT_PROVISION_RATES
from ..models.ar_provision_run_line import BUCKET_FIELDS
from .common import ArCollectionsCommon


@tagged("post_install", "-at_install")
class TestBadDebt(ArCollectionsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        cls.allowance = cls.env["account.account"].create(
            {
                "name": "Allowance for bad debts",
                "code": "123109",
                "account_type": "asset_current",
                "company_ids": [company.id],
            }
        )
        cls.expense = cls.company_data["default_account_expense"]
        cls.journal = cls.company_data["default_journal_misc"]
        company.write(
            {
                "ar_allowance_account_id": cls.allowance.id,
                "ar_bad_debt_expense_account_id": cls.expense.id,
                "ar_provision_journal_id": cls.journal.id,
                "ar_write_off_legal_threshold": 1500.0,
            }
        )
        cls.collector = cls._ar_user("bd_collector", "collector")
        cls.manager = cls._ar_user("bd_manager", "credit_manager")
        cls.beta = cls._ar_customer("Beta Trading")
        # Acme: 1,000 aged 91-365 days (5 %), 2,000 aged 2-3 years (30 %), 4,000 not yet due (5 %).
        cls.acme_200 = cls._ar_invoice(cls.customer, 1000.0, days_overdue=200)
        cls.acme_900 = cls._ar_invoice(cls.customer, 2000.0, days_overdue=900)
        cls.acme_future = cls._ar_invoice(cls.customer, 4000.0, days_overdue=-20)
        # Beta: 3,000 aged 1-2 years (10 %), 500 aged over 3 years (50 %).
        cls.beta_500 = cls._ar_invoice(cls.beta, 3000.0, days_overdue=500)
        cls.beta_1200 = cls._ar_invoice(cls.beta, 500.0, days_overdue=1200)

    def _run(self):
        run = self.env["ar.provision.run"].with_user(self.manager).create({})
        run.action_compute()
        return run

    def _allowance_lines(self, move):
        return {line.partner_id: line.balance for line in move.line_ids if line.account_id == self.allowance}

    def _expense(self, move):
        return sum(move.line_ids.filtered(lambda line: line.account_id == self.expense).mapped("balance"))

    def _write_off(self, invoice, reason="The customer's bankruptcy closed with nothing for unsecured creditors"):
        return self.env["ar.write.off"].with_user(self.collector).create({"move_id": invoice.id, "reason": reason})

    # ---- the provision ------------------------------------------------------

    def test_the_run_proposes_the_aging_methods_allowance_as_a_draft_entry(self):
        run = self._run()
        self.assertEqual(run.state, "proposed")
        acme = run.line_ids.filtered(lambda line: line.partner_id == self.customer)
        self.assertEqual(
            (acme.amount_current, acme.amount_91_365, acme.amount_2_3_years, acme.amount_receivable),
            (4000.0, 1000.0, 2000.0, 7000.0),
        )
        # 4,000 x 5 % + 1,000 x 5 % + 2,000 x 30 % = 850; 3,000 x 10 % + 500 x 50 % = 550.
        self.assertEqual(
            {line.partner_id: line.allowance_required for line in run.line_ids},
            {self.customer: 850.0, self.beta: 550.0},
        )
        move = run.move_id
        self.assertEqual((move.state, move.journal_id, move.date), ("draft", self.journal, run.date))
        self.assertEqual(self._allowance_lines(move), {self.customer: -850.0, self.beta: -550.0})
        self.assertEqual(self._expense(move), 1400.0)
        self.assertEqual(len(move.line_ids), 3)

    def test_a_second_run_after_posting_proposes_only_the_difference(self):
        first = self._run()
        first.move_id.action_post()
        self.assertEqual(first.state, "posted")
        self.assertEqual(self._run().state, "nothing", "nothing changed: nothing to adjust")
        self._ar_pay(self.beta_1200)  # Beta needs 250 less
        self._ar_invoice(self.customer, 1000.0, days_overdue=400)  # Acme needs 100 more (10 %)
        second = self._run()
        self.assertEqual(
            {line.partner_id: line.allowance_before for line in second.line_ids},
            {self.customer: 850.0, self.beta: 550.0},
        )
        self.assertEqual(self._allowance_lines(second.move_id), {self.customer: -100.0, self.beta: 250.0})
        self.assertEqual(self._expense(second.move_id), -150.0)

    def test_computing_again_replaces_the_draft_and_rates_are_editable(self):
        run = self._run()
        first_move = run.move_id
        rate = self.env["ar.provision.rate"].search(
            [("company_id", "=", self.env.company.id), ("bucket", "=", "over_3_years")]
        )
        self.assertEqual(rate.rate, DEFAULT_PROVISION_RATES["over_3_years"])
        rate.with_user(self.manager).rate = 100.0
        run.action_compute()
        self.assertFalse(first_move.exists(), "the draft it proposed before is replaced")
        self.assertEqual(self._allowance_lines(run.move_id)[self.beta], -800.0)

    def test_the_run_says_which_settings_are_missing(self):
        self.env.company.ar_provision_journal_id = False
        with self.assertRaisesRegex(UserError, "Provision Journal"):
            self._run()

    def test_a_collector_cannot_run_the_provision(self):
        run = self.env["ar.provision.run"].create({})
        with self.assertRaises(AccessError):
            run.with_user(self.collector).action_compute()

    def test_the_monthly_job_runs_only_for_companies_that_switched_it_on(self):
        Run = self.env["ar.provision.run"]
        Run._cron_provision()
        self.assertFalse(Run.search([]))
        self.env.company.ar_provision_monthly = True
        Run._cron_provision()
        Run._cron_provision()
        runs = Run.search([])
        self.assertEqual(len(runs), 1, "once a month")
        self.assertEqual((runs.state, runs.move_id.state), ("proposed", "draft"))

    def test_each_company_provides_for_its_own_receivables(self):
        other = self.setup_other_company(name="Other Provision Co")["company"]
        self._ar_invoice(self.customer, 9000.0, days_overdue=900, company=other)
        run = self._run()
        self.assertEqual(run.line_ids.filtered(lambda line: line.partner_id == self.customer).allowance_required, 850.0)
        other_rates = self.env["ar.provision.rate"]._rates(other)
        self.assertEqual(other_rates, DEFAULT_PROVISION_RATES)
        self.assertEqual(len(self.env["ar.provision.rate"].search([("company_id", "=", other.id)])), len(AGING_BUCKETS))

    def test_the_line_has_a_figure_per_aging_bucket(self):
        Line = self.env["ar.provision.run.line"]
        self.assertTrue(all(name in Line._fields for name in BUCKET_FIELDS))

    # ---- write-off and recovery -----------------------------------------------

    def test_a_write_off_needs_a_reason(self):
        with self.assertRaisesRegex(UserError, "why"):
            self._write_off(self.acme_200, reason="   ")

    def test_a_collector_asks_but_only_a_credit_manager_approves(self):
        write_off = self._write_off(self.acme_200)
        self.assertEqual((write_off.state, write_off.requested_by_id), ("requested", self.collector))
        with self.assertRaises(AccessError):
            write_off.with_user(self.collector).action_approve()
        self.assertEqual(write_off.state, "requested")
        with self.assertRaisesRegex(UserError, "already"):
            self._write_off(self.acme_200)

    def test_above_the_threshold_a_legal_file_is_needed(self):
        write_off = self._write_off(self.acme_900)
        with self.assertRaisesRegex(UserError, "legal file"):
            write_off.with_user(self.manager).action_approve()
        self.assertEqual(self.acme_900.payment_state, "not_paid")
        profile = self.env["ar.credit.profile"]._get_or_create(self.customer, self.env.company)
        legal_file = self.env["ar.legal.file"].create({"profile_id": profile.id, "move_ids": self.acme_900.ids})
        write_off.with_user(self.manager).action_approve()
        self.assertEqual((write_off.state, write_off.legal_file_id), ("written_off", legal_file))

    def test_a_write_off_is_reconciled_with_the_invoice_and_logged_and_a_recovery_reverses_it(self):
        invoice = self.acme_200
        write_off = self._write_off(invoice)
        write_off.with_user(self.manager).action_approve()
        self.assertEqual(
            (write_off.state, write_off.approved_by_id, write_off.amount), ("written_off", self.manager, 1000.0)
        )
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(invoice.ar_write_off_state, "written_off")
        entry = write_off.write_off_move_id
        self.assertEqual(entry.state, "posted")
        self.assertEqual(self._allowance_lines(entry), {self.customer: 1000.0})
        receivable = entry.line_ids.filtered(lambda line: line.account_id.account_type == "asset_receivable")
        self.assertTrue(receivable.reconciled)
        self.assertEqual(receivable.matched_debit_ids.debit_move_id.move_id, invoice)
        event = self.env["ar.collection.event"].search([("kind", "=", "write_off")])
        self.assertEqual((event.partner_id, event.move_ids, event.user_id), (self.customer, invoice, self.manager))
        self.assertIn("bankruptcy", event.note)

        with self.assertRaises(AccessError):
            invoice.with_user(self.collector).action_ar_recover_bad_debt()
        invoice.with_user(self.manager).action_ar_recover_bad_debt()
        self.assertEqual(write_off.state, "recovered")
        self.assertEqual((invoice.payment_state, invoice.amount_residual), ("not_paid", 1000.0))
        self.assertEqual(self._allowance_lines(write_off.recovery_move_id), {self.customer: -1000.0})
        self.assertTrue(
            self.env["ar.collection.event"].search([("kind", "=", "recovery"), ("move_ids", "in", invoice.ids)])
        )
        self._ar_pay(invoice)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))

    def test_a_refused_request_leaves_the_invoice_open(self):
        write_off = self._write_off(self.beta_500)
        write_off.with_user(self.manager).action_refuse()
        self.assertEqual(write_off.state, "refused")
        self.assertEqual(self.beta_500.payment_state, "not_paid")
        with self.assertRaisesRegex(UserError, "needs a write-off"):
            write_off.with_user(self.manager).action_approve()

    def test_an_invoice_in_another_currency_is_written_off_at_its_company_currency_value(self):
        eur = self.setup_other_currency("EUR", rates=[("2000-01-01", 2.0)])
        invoice = self._ar_invoice(self.beta, 1000.0, days_overdue=400, currency=eur)  # 500 in company currency
        write_off = self._write_off(invoice)
        write_off.with_user(self.manager).action_approve()
        self.assertEqual((invoice.payment_state, write_off.amount), ("paid", 500.0))
        self.assertEqual(self._allowance_lines(write_off.write_off_move_id), {self.beta: 500.0})
        invoice.with_user(self.manager).action_ar_recover_bad_debt()
        self.assertEqual((invoice.payment_state, invoice.amount_residual), ("not_paid", 1000.0))
