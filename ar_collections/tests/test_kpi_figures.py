"""The dashboard's receivable figures against the ledger, recomputed here line by line.

A dataset with what makes netting go wrong: partial payments, a credit note partly applied and
one open, an advance not applied, an invoice in euros partly paid at another rate, and invoices
in several aging buckets. Every figure is recomputed in plain Python from the journal items
(residuals, due dates, balances) read through the ORM, never with the KPI code.
"""

from datetime import timedelta

from odoo.tests import HttpCase
from odoo.tests import tagged

from odoo.addons.ar_collections.models.ar_aging_report import AGING_BUCKETS
from odoo.addons.ar_collections.models.ar_aging_report import UNAPPLIED_BUCKET

from .test_collection_engine import CollectionCase


@tagged("post_install", "-at_install")
class TestKpiFigures(CollectionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = today = cls._ar_today()
        cls.company = company = cls.env.company
        cls.eur = cls.setup_other_currency(
            "EUR", rates=[(today - timedelta(days=365), 2.0), (today - timedelta(days=10), 2.5)]
        )
        cls.beta = cls._ar_customer("Beta Ltd")
        cls.gamma = cls._ar_customer("Gamma GmbH")
        cls.delta = cls._ar_customer("Delta Inc")

        # Acme: 1,000 due 45 days ago of which 400 paid; 800 not yet due; an advance of 1,500.
        cls.partial = cls._ar_invoice(cls.customer, 1000.0, days_overdue=45)
        cls._ar_pay(cls.partial, amount=400.0, date=today - timedelta(days=20))
        cls._ar_invoice(cls.customer, 800.0, days_overdue=-10)
        cls.advance = cls.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": cls.customer.id,
                "amount": 1500.0,
                "date": today - timedelta(days=3),
                "company_id": company.id,
            }
        )
        cls.advance.action_post()

        # Beta: 300 due 100 days ago; 200 settled by a credit note of 500 (300 left); a credit note of 150 open.
        cls.old = cls._ar_invoice(cls.beta, 300.0, days_overdue=100)
        settled = cls._ar_invoice(cls.beta, 200.0, days_overdue=5)
        cls.refund_applied = cls._ar_refund(cls.beta, 500.0)
        (settled | cls.refund_applied).line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        ).reconcile()
        cls.refund_open = cls._ar_refund(cls.beta, 150.0, days_overdue=10)

        # Gamma: 1,000 EUR at 2 EUR to the dollar (500), 400 EUR paid at 2.5 (160).
        cls.in_euros = cls._ar_invoice(cls.gamma, 1000.0, days_overdue=20, currency=cls.eur)
        cls._ar_pay(cls.in_euros, amount=400.0, date=today - timedelta(days=10))

        # Delta: 700 due 2 days ago, paid in full after the demand letter listed it with two others.
        cls.paid = cls._ar_invoice(cls.delta, 700.0, days_overdue=2)
        Event = cls.env["ar.collection.event"]
        for partner, invoice in ((cls.customer, cls.partial), (cls.beta, cls.old), (cls.delta, cls.paid)):
            Event._log(partner, company, "email", moves=invoice, stage_id=cls.stage["demand"].id)
        cls._ar_pay(cls.paid)

        cls.env["ar.credit.profile"]._refresh_exposure(cls.customer | cls.beta | cls.gamma | cls.delta)
        cls.data = cls.env["ar.collection.kpi"].with_user(cls.collector).get_dashboard_data()

    # ---- the figures, recomputed from the journal items ------------------------------

    def _receivable_lines(self):
        return self.env["account.move.line"].search(
            [
                ("company_id", "=", self.company.id),
                ("account_id.account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
            ]
        )

    def _open_lines(self):
        return self._receivable_lines().filtered(lambda line: not line.reconciled and line.amount_residual)

    def _days_overdue(self, line):
        return (self.today - (line.date_maturity or line.date)).days

    def _bucket_of(self, line):
        days = self._days_overdue(line)
        return next(key for key, _label, max_days in AGING_BUCKETS if max_days is None or days <= max_days)

    def _expected(self):
        lines = self._open_lines()
        debits = lines.filtered(lambda line: line.amount_residual > 0)
        credits = lines - debits
        aging = {key: 0.0 for key, _label, _max_days in AGING_BUCKETS}
        for line in debits:
            aging[self._bucket_of(line)] += line.amount_residual
        open_invoices = sum(debits.mapped("amount_residual"))
        unapplied = sum(credits.mapped("amount_residual"))
        overdue = sum(line.amount_residual for line in debits if self._days_overdue(line) > 0)
        return open_invoices, unapplied, overdue, aging

    def assertAmount(self, first, second, msg=None):
        self.assertAlmostEqual(first, second, places=2, msg=msg)

    # ---- the tests ----------------------------------------------------------------

    def test_the_dataset_has_what_makes_netting_go_wrong(self):
        lines = self._open_lines()
        self.assertEqual(self.partial.payment_state, "partial")
        self.assertEqual(self.in_euros.payment_state, "partial")
        self.assertEqual(self.refund_applied.payment_state, "partial")
        self.assertEqual(self.refund_open.payment_state, "not_paid")
        [advance] = self.advance.move_id.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        self.assertEqual((advance.reconciled, advance.amount_residual), (False, -1500.0))
        self.assertTrue(lines.filtered(lambda line: line.amount_residual < 0), "no unapplied credit")
        foreign = lines.filtered(lambda line: line.currency_id == self.eur)
        self.assertTrue(foreign, "no open item in a second currency")
        # The residual in dollars is not the residual in euros: the figures are in company currency.
        self.assertNotAlmostEqual(foreign.amount_residual, foreign.amount_residual_currency, places=2)
        open_invoices, unapplied, overdue, aging = self._expected()
        self.assertGreaterEqual(sum(1 for amount in aging.values() if amount), 3, "too few aging buckets used")
        # The symptom: netted, the open receivable is smaller than what is overdue.
        self.assertLess(open_invoices + unapplied, overdue)

    def test_open_unapplied_net_and_overdue_are_the_ledgers(self):
        totals = self.data["totals"]
        open_invoices, unapplied, overdue, _aging = self._expected()
        self.assertAmount(totals["open"], open_invoices)
        self.assertAmount(totals["unapplied"], unapplied)
        self.assertLess(totals["unapplied"], 0)
        self.assertAmount(totals["net"], open_invoices + unapplied)
        # The net receivable is the balance of the receivable accounts.
        self.assertAmount(totals["net"], sum(self._receivable_lines().mapped("balance")))
        self.assertAmount(totals["overdue"], overdue)
        self.assertLessEqual(totals["overdue"], totals["open"])
        self.assertEqual(totals["overdue_share"], round(overdue / open_invoices * 100, 1))
        # By hand: 600 + 800 + 300 + 1,000 EUR less 400 EUR (about 300); 1,500 + 300 + 150 unapplied.
        self.assertAmount(totals["unapplied"], -1950.0)
        self.assertAmount(totals["open"], 1700.0 + self.in_euros.amount_residual_signed)

    def test_aging_buckets_hold_the_open_invoices_only(self):
        rows = self.data["aging"]
        _open, _unapplied, _overdue, aging = self._expected()
        self.assertEqual([row["bucket"] for row in rows], [key for key, _label, _max_days in AGING_BUCKETS])
        for row in rows:
            self.assertGreaterEqual(row["amount"], 0.0, row["label"])
            self.assertAmount(row["amount"], aging[row["bucket"]], row["label"])
        self.assertAmount(sum(row["amount"] for row in rows), self.data["totals"]["open"])
        not_yet_due = next(row for row in rows if row["bucket"] == self._bucket_of_days(0))
        self.assertAmount(self.data["totals"]["open"] - not_yet_due["amount"], self.data["totals"]["overdue"])

    def _bucket_of_days(self, days):
        return next(key for key, _label, max_days in AGING_BUCKETS if max_days is None or days <= max_days)

    def test_the_aging_report_shows_unapplied_credits_apart(self):
        report = self.env["ar.aging.report"].search([("company_id", "=", self.company.id)])
        unapplied = report.filtered(lambda row: row.bucket == UNAPPLIED_BUCKET[0])
        aged = report - unapplied
        self.assertTrue(all(row.amount < 0 and row.days_overdue == 0 for row in unapplied))
        self.assertTrue(all(row.amount > 0 for row in aged))
        self.assertAmount(sum(unapplied.mapped("amount")), self.data["totals"]["unapplied"])
        self.assertAmount(sum(aged.mapped("amount")), self.data["totals"]["open"])

    def test_dso_is_the_net_receivable_in_days_of_sales(self):
        since = self.today - timedelta(days=89)
        documents = self.env["account.move"].search(
            [
                ("company_id", "=", self.company.id),
                ("state", "=", "posted"),
                ("move_type", "in", ("out_invoice", "out_refund")),
                ("invoice_date", ">=", since),
                ("invoice_date", "<=", self.today),
            ]
        )
        self.assertIn("out_refund", documents.mapped("move_type"))
        sales = sum(
            documents.line_ids.filtered(lambda line: line.account_id.account_type == "asset_receivable").mapped(
                "balance"
            )
        )
        open_invoices, unapplied, _overdue, _aging = self._expected()
        self.assertEqual(self.data["dso"], round((open_invoices + unapplied) / sales * 90, 1))

    def test_cei_of_last_month_is_collected_over_collectible(self):
        end = self.today.replace(day=1) - timedelta(days=1)
        start = end.replace(day=1)
        lines = self._receivable_lines()

        def balance_on(day):
            return sum(line.balance for line in lines if line.date <= day)

        sales = sum(
            line.balance
            for line in lines
            if line.move_id.move_type in ("out_invoice", "out_refund") and start <= line.move_id.invoice_date <= end
        )
        current = sum(
            line.balance
            - sum(line.matched_credit_ids.filtered(lambda partial: partial.max_date <= end).mapped("amount"))
            for line in lines
            if line.balance > 0 and line.date <= end and line.date_maturity and line.date_maturity > end
        )
        opening = balance_on(start - timedelta(days=1))
        collectible = opening + sales - current
        self.assertGreater(collectible, 0)
        expected = round((opening + sales - balance_on(end)) / collectible * 100, 1)
        self.assertEqual(self.data["cei"][-1], {"month": str(start), "cei": expected})

    def test_collection_rate_counts_invoices_paid_in_full_after_the_letter(self):
        [rate] = self.data["stage_rates"]
        events = self.env["ar.collection.event"].search(
            [("company_id", "=", self.company.id), ("kind", "=", "email"), ("stage_id", "!=", False)]
        )
        listed = paid = 0
        for event in events:
            for invoice in event.move_ids:
                listed += 1
                partials = invoice.line_ids.matched_credit_ids
                paid_on = max(partials.mapped("max_date"), default=None)
                if invoice.payment_state in ("paid", "in_payment") and paid_on <= event.date.date() + timedelta(
                    days=14
                ):
                    paid += 1
        self.assertEqual((listed, paid), (3, 1), "one of three invoices paid in full (a partial payment is not)")
        self.assertEqual((rate["reached"], rate["paid"], rate["rate"]), (listed, paid, round(paid / listed * 100, 1)))

    def test_the_customers_credit_profiles_net_their_own_credits(self):
        """A customer's exposure nets its unapplied credits (they reduce what it owes), so the
        profiles add up to the net receivable, and their overdue to no more than the dashboard's."""
        profiles = self.env["ar.credit.profile"].search([("company_id", "=", self.company.id)])
        lines = self._open_lines()
        for profile in profiles:
            own = lines.filtered(lambda line, p=profile: line.partner_id.commercial_partner_id == p.partner_id)
            overdue = sum(
                line.amount_residual for line in own if line.amount_residual > 0 and self._days_overdue(line) > 0
            )
            credits = sum(line.amount_residual for line in own if line.amount_residual < 0)
            self.assertAmount(profile.open_receivable, sum(own.mapped("amount_residual")), profile.display_name)
            self.assertAmount(profile.overdue_amount, max(overdue + credits, 0.0), profile.display_name)
        totals = self.data["totals"]
        self.assertAmount(sum(profiles.mapped("open_receivable")), totals["net"])
        self.assertLess(sum(profiles.mapped("overdue_amount")), totals["overdue"])
        # Acme's advance and Beta's credit notes cover their overdue invoices: only Gamma is chased.
        self.assertEqual(totals["customers_overdue"], 1)
        self.assertEqual([row["name"] for row in self.data["worklist"]], ["Gamma GmbH"])


@tagged("post_install", "-at_install")
class TestDashboardFigures(CollectionCase, HttpCase):
    def test_the_dashboard_shows_unapplied_credits_on_their_own_line(self):
        self._ar_invoice(self.customer, 1000.0, days_overdue=10)
        advance = self.env["account.payment"].create(
            {"payment_type": "inbound", "partner_type": "customer", "partner_id": self.customer.id, "amount": 1500.0}
        )
        advance.action_post()
        self.start_tour(
            "/odoo/action-ar_collections.ar_collection_kpi_action_dashboard",
            "ar_collections_dashboard_figures",
            login=self.collector.login,
        )
