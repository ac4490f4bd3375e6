"""Salespeople answer for their customers' receivables (回款考核): the report's figures against
figures computed here from the invoices, each salesperson seeing their own, the stage activity
for the one who sold the invoice, and the monthly digest."""

from datetime import timedelta

from odoo.tests import tagged

from ..models.ar_aging_report import aging_bucket
from .test_collection_engine import CollectionCase


@tagged("post_install", "-at_install")
class TestSalespersonReport(CollectionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = cls._ar_today()
        Team = cls.env["crm.team"]
        cls.east, cls.west = Team.create({"name": "East"}), Team.create({"name": "West"})
        cls.ann = cls._ar_user("ar_sp_ann", "salesman", name="Ann Seller", email="ann@example.com")
        cls.bo = cls._ar_user("ar_sp_bo", "salesman", name="Bo Seller", email="bo@example.com", lang="en_US")
        cls.sales_manager = cls._ar_user("ar_sp_boss", "salesman", name="Sam Boss")
        cls.sales_manager.groups_id |= cls.env.ref("sales_team.group_sale_manager")
        cls.acme = cls.customer
        cls.acme.user_id = cls.ann
        cls.beta = cls._ar_customer("Beta Stores", user_id=cls.bo.id)
        # Ann: 1,000 due 40 days ago, 300 of it paid today; 500 due in 10 days.
        cls.a_old = cls._ar_invoice(cls.acme, 1000.0, days_overdue=40, invoice_user_id=cls.ann.id, team_id=cls.east.id)
        cls.a_new = cls._ar_invoice(cls.acme, 500.0, days_overdue=-10, invoice_user_id=cls.ann.id, team_id=cls.east.id)
        # Bo: 800 due 100 days ago, 200 of it paid last month; 400 due 5 days ago without a salesperson
        # on the invoice (the customer's salesperson answers for it).
        cls.b_old = cls._ar_invoice(cls.beta, 800.0, days_overdue=100, invoice_user_id=cls.bo.id, team_id=cls.west.id)
        cls.b_mid = cls._ar_invoice(cls.beta, 400.0, days_overdue=5, team_id=cls.west.id)
        cls.b_mid.write({"invoice_user_id": False, "team_id": cls.west.id})
        cls._ar_pay(cls.a_old, amount=300.0, date=cls.today)
        cls._ar_pay(cls.b_old, amount=200.0, date=cls.today.replace(day=1) - timedelta(days=1))
        cls.invoices = cls.a_old | cls.a_new | cls.b_old | cls.b_mid

    def _rows(self, user=None):
        Report = self.env["ar.salesperson.report"].with_user(user or self.env.user)
        return Report.search([("company_id", "=", self.env.company.id), ("user_id", "in", (self.ann | self.bo).ids)])

    def _expected(self, salesperson):
        """The figures of ``salesperson``, computed from the invoices themselves."""
        mine = self.invoices.filtered(lambda move: (move.invoice_user_id or move.partner_id.user_id) == salesperson)
        first_of_month = self.today.replace(day=1)
        buckets = {}
        for move in mine:
            key = aging_bucket((self.today - move.invoice_date_due).days)
            buckets[key] = buckets.get(key, 0.0) + move.amount_residual
        collected = sum(
            partial.amount
            for move in mine
            for partial in move.line_ids.matched_credit_ids
            if first_of_month <= partial.max_date <= self.today
        )
        since = self.today - timedelta(days=89)
        return {
            "receivable": sum(mine.mapped("amount_residual")),
            "overdue": sum(move.amount_residual for move in mine if move.invoice_date_due < self.today),
            "buckets": buckets,
            "collected": collected,
            "sales": sum(move.amount_total for move in mine if move.invoice_date >= since),
        }

    def test_the_figures_of_each_salesperson_are_those_of_their_invoices(self):
        Report = self.env["ar.salesperson.report"]
        for salesperson, team in ((self.ann, self.east), (self.bo, self.west)):
            expected = self._expected(salesperson)
            domain = [("company_id", "=", self.env.company.id), ("user_id", "=", salesperson.id)]
            [(receivable, overdue, collected)] = Report._read_group(
                domain, aggregates=["amount_residual:sum", "amount_overdue:sum", "amount_collected:sum"]
            )
            with self.subTest(salesperson=salesperson.name):
                self.assertEqual(
                    (receivable, overdue, collected),
                    (expected["receivable"], expected["overdue"], expected["collected"]),
                )
                buckets = dict(
                    Report._read_group([*domain, ("kind", "=", "open")], ["bucket"], ["amount_residual:sum"])
                )
                self.assertEqual(buckets, expected["buckets"])
                self.assertEqual(Report.search(domain).team_id, team)
        self.assertEqual(self._expected(self.ann)["collected"], 300.0, "today's payment, not last month's")
        self.assertEqual(self._expected(self.bo)["collected"], 0.0)
        self.assertEqual(self._expected(self.bo)["receivable"], 1000.0, "the customer's salesperson answers for 400")

    def test_the_scorecard_adds_up_with_dso_and_promises_kept(self):
        Promise = self.env["ar.collection.promise"]
        for invoice, state in ((self.a_old, "kept"), (self.b_old, "broken"), (self.b_mid, "kept")):
            promise = Promise.create(
                {
                    "partner_id": invoice.commercial_partner_id.id,
                    "move_ids": [(6, 0, invoice.ids)],
                    "promised_date": self.today,
                    "amount": 100.0,
                }
            )
            promise._close(state)
        Summary = self.env["ar.salesperson.summary"]
        rows = Summary.search([("company_id", "=", self.env.company.id), ("user_id", "in", (self.ann | self.bo).ids)])
        self.assertEqual(len(rows), 2, "one row per salesperson and team")
        kpi = self.env["ar.collection.kpi"]
        for row, (kept, broken) in (
            (rows.filtered(lambda r: r.user_id == self.ann), (1, 0)),
            (rows - rows.filtered(lambda r: r.user_id == self.ann), (1, 1)),
        ):
            expected = self._expected(row.user_id)
            with self.subTest(salesperson=row.user_id.name):
                self.assertEqual(
                    (row.receivable, row.overdue, row.collected, row.sales),
                    (expected["receivable"], expected["overdue"], expected["collected"], expected["sales"]),
                )
                self.assertEqual(row.overdue_share, round(expected["overdue"] / expected["receivable"] * 100, 1))
                self.assertEqual(row.dso, round(expected["receivable"] / expected["sales"] * 90, 1))
                self.assertEqual((row.promises_kept, row.promises_broken), (kept, broken))
                self.assertEqual(row.promise_kept_rate, kpi._kept_rate(kept, broken)["rate"])
        ann = rows.filtered(lambda r: r.user_id == self.ann)
        # 1,200 open on 1,500 sold in the last 90 days: 72 days; Bo: 1,000 on 400 sold.
        self.assertEqual((ann.dso, ann.promise_kept_rate), (72.0, 100.0))
        self.assertEqual(((rows - ann).dso, (rows - ann).promise_kept_rate), (225.0, 50.0))

    def test_a_salesperson_sees_only_their_own_rows_and_managers_see_all(self):
        ann_rows = self._rows(self.ann)
        self.assertTrue(ann_rows)
        self.assertEqual(ann_rows.user_id, self.ann)
        self.assertEqual(ann_rows.move_id, self.a_old | self.a_new)
        ann_rows.read(["move_id", "partner_id", "team_id", "stage_id", "bucket", "amount_residual"])
        summary = self.env["ar.salesperson.summary"].with_user(self.ann).search([])
        self.assertEqual(summary.user_id, self.ann)
        self.assertEqual(summary.receivable, 1200.0)
        for user in (self.sales_manager, self.collector):
            with self.subTest(user=user.name):
                self.assertEqual(self._rows(user).user_id, self.ann | self.bo)
                summary = (
                    self.env["ar.salesperson.summary"]
                    .with_user(user)
                    .search([("user_id", "in", (self.ann | self.bo).ids)])
                )
                self.assertEqual(summary.user_id, self.ann | self.bo)


@tagged("post_install", "-at_install")
class TestSalespersonStageAndDigest(CollectionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ann = cls._ar_user("ar_sp_ann", "salesman", name="Ann Seller", email="ann@example.com")
        cls.bo = cls._ar_user("ar_sp_bo", "salesman", name="Bo Seller", email="bo@example.com", lang="zh_CN")
        cls.customer.user_id = cls.ann
        cls.beta = cls._ar_customer("Beta Stores", user_id=cls.bo.id)

    def _activities(self, partner):
        return self.env["mail.activity"].search([("res_model", "=", "res.partner"), ("res_id", "=", partner.id)])

    def test_the_stage_asks_the_salesperson_who_sold_each_invoice(self):
        self.stage["friendly"].activity_user = "salesperson"
        by_ann = self._ar_invoice(self.customer, 300.0, days_overdue=2, invoice_user_id=self.ann.id)
        by_bo = self._ar_invoice(self.customer, 200.0, days_overdue=2, invoice_user_id=self.bo.id)
        self._run(self._ar_today())
        activities = self._activities(self.customer)
        self.assertEqual(activities.user_id, self.ann | self.bo, "each salesperson gets their invoice")
        self.assertIn(by_ann.name, activities.filtered(lambda a: a.user_id == self.ann).note)
        self.assertNotIn(by_bo.name, activities.filtered(lambda a: a.user_id == self.ann).note)

    def test_an_archived_salesperson_leaves_the_activity_to_the_collector(self):
        self.stage["friendly"].activity_user = "salesperson"
        self._ar_invoice(self.customer, 300.0, days_overdue=2, invoice_user_id=self.ann.id)
        self.ann.active = False
        self._run(self._ar_today())
        self.assertEqual(self._activities(self.customer).user_id, self.collector)

    def _digests(self):
        return self.env["ar.salesperson.digest"].search([("company_id", "=", self.env.company.id)])

    def test_the_monthly_digest_is_off_by_default_and_goes_once_a_month(self):
        Digest = self.env["ar.salesperson.digest"]
        ann_late = self._ar_invoice(self.customer, 300.0, days_overdue=20, invoice_user_id=self.ann.id)
        ann_not_due = self._ar_invoice(self.customer, 100.0, days_overdue=-5, invoice_user_id=self.ann.id)
        bo_late = self._ar_invoice(self.beta, 700.0, days_overdue=50, invoice_user_id=self.bo.id)
        self.assertFalse(self.env.company.ar_salesperson_digest)
        Digest._cron_salesperson_digest()
        self.assertFalse(self._digests(), "off by default: nothing sent")

        self.env.company.ar_salesperson_digest = True
        Digest._cron_salesperson_digest()
        digests = self._digests()
        self.assertEqual(digests.user_id, self.ann | self.bo)
        ann, bo = (digests.filtered(lambda d, user=user: d.user_id == user) for user in (self.ann, self.bo))
        self.assertEqual(ann.move_ids, ann_late)
        self.assertEqual(bo.move_ids, bo_late)
        self.assertEqual(ann.mail_id.recipient_ids, self.ann.partner_id)
        self.assertIn(ann_late.name, ann.mail_id.body_html)
        self.assertNotIn(ann_not_due.name, ann.mail_id.body_html)
        self.assertNotIn(bo_late.name, ann.mail_id.body_html)
        template = self.env.ref("ar_collections.mail_template_salesperson_digest")
        self.assertEqual(template._render_lang(bo.ids)[bo.id], "zh_CN", "in the salesperson's language")

        mails = self.env["mail.mail"].search_count([])
        Digest._cron_salesperson_digest()
        self.assertEqual(self._digests(), digests, "a second run the same month sends nothing")
        self.assertEqual(self.env["mail.mail"].search_count([]), mails)
