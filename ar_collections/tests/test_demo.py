import io
import runpy
from contextlib import redirect_stdout
from datetime import timedelta
from pathlib import Path
from unittest.mock import patch

from odoo import fields
from odoo.tests import TransactionCase
from odoo.tests import tagged

# Demo invoice XML id -> days overdue on the day the demo is installed
# (negative: due in that many days). See demo/ar_collections_demo.xml.
EXPECTED_DAYS_OVERDUE = {
    "harbor_open": -12,
    "orchid": -2,
    "bluefield": 2,
    "pioneer_recent": 3,
    "northwind": 9,
    "maple": 10,
    "alpenblick": 12,
    "pioneer_older": 18,
    "greenway": 20,
    "mingda": 25,
    "summit": 35,
    "crescent": 45,
    "redwood": 75,
    "keystone": 120,
}


@tagged("post_install", "-at_install")
class TestDemoData(TransactionCase):
    def _invoice(self, key):
        return self.env.ref(f"ar_collections.ar_demo_invoice_{key}")

    def test_demo_invoices_are_overdue_by_the_intended_days(self):
        for key, days in EXPECTED_DAYS_OVERDUE.items():
            invoice = self._invoice(key)
            install_date = fields.Date.to_date(invoice.create_date)
            with self.subTest(invoice=key):
                self.assertEqual(invoice.state, "posted")
                self.assertIn(invoice.payment_state, ("not_paid", "partial"))
                self.assertEqual((install_date - invoice.invoice_date_due).days, days)

    def test_demo_covers_paid_partial_and_foreign_currency(self):
        self.assertEqual(self._invoice("harbor_paid").payment_state, "paid")
        self.assertEqual(self._invoice("silverline_paid").payment_state, "paid")
        crescent = self._invoice("crescent")
        self.assertEqual(crescent.payment_state, "partial")
        self.assertAlmostEqual(crescent.amount_residual, crescent.amount_total - 1500.0)
        alpenblick = self._invoice("alpenblick")
        self.assertNotEqual(alpenblick.currency_id, alpenblick.company_id.currency_id)

    def test_demo_has_a_promise_a_dispute_and_an_active_plan(self):
        self.assertEqual(self._invoice("northwind").ar_promise_id.state, "open")
        self.assertEqual(self._invoice("alpenblick").ar_dispute_id.state, "open")
        self.assertEqual(self.env.ref("ar_collections.ar_demo_plan_crescent").state, "active")
        self.assertEqual(self._invoice("crescent").ar_plan_id, self.env.ref("ar_collections.ar_demo_plan_crescent"))

    def test_demo_credit_situations(self):
        def profile(key):
            return self.env.ref(f"ar_collections.ar_demo_partner_{key}").ar_credit_profile_id

        self.assertEqual(
            {profile(key).rating_id.code for key in ("silverline", "greenway", "mingda", "keystone")},
            {"A", "B", "C", "D"},
        )
        self.assertTrue(profile("redwood").hold)
        self.assertTrue(profile("keystone").blacklisted)
        self.assertTrue(profile("greenway").over_limit)
        self.assertTrue(self.env.ref("ar_collections.ar_demo_order_greenway").ar_credit_blocked)

    def test_the_job_takes_the_demo_customers_to_every_stage(self):
        self.env["ar.collection.engine"].with_context(queue_job__no_delay=True)._cron_escalate()
        expected = {
            "orchid": "stage_courtesy",
            "bluefield": "stage_friendly",
            "maple": "stage_second",
            "greenway": "stage_demand",
            "summit": "stage_lawyer",
            "redwood": "stage_legal",
        }
        for key, stage in expected.items():
            with self.subTest(customer=key):
                self.assertEqual(self._invoice(key).ar_stage_id, self.env.ref(f"ar_collections.{stage}"))
        paused = ("northwind", "alpenblick", "crescent")  # promise, dispute, payment plan
        self.assertFalse(any(self._invoice(key).ar_stage_id for key in paused))

    def test_demo_shows_the_legal_path(self):
        """A demand served with its proof, a returned slip, an invoice near its limitation date,
        a case in court, and (after the job) a legal file opened after served notices."""
        summit = self._invoice("summit")
        demand = self.env["ar.collection.event"].search([("move_ids", "in", summit.ids), ("kind", "=", "letter")])
        self.assertEqual(demand.stage_id, self.env.ref("ar_collections.stage_demand"))
        self.assertTrue(demand.service_date and demand.service_tracking and demand.service_proof_id)
        mingda = self._invoice("mingda")
        slip = self.env["ar.collection.event"].search(
            [("move_ids", "in", mingda.ids), ("kind", "=", "acknowledgement")]
        )
        self.assertEqual(slip.acknowledged_amount, mingda.amount_residual)
        self.assertEqual(mingda.ar_limitation_cause, "acknowledgement")
        old = self._invoice("keystone_old")
        self.assertTrue(old.ar_excluded)
        days_left = (old.ar_limitation_date - fields.Date.to_date(old.create_date)).days
        self.assertTrue(0 < days_left < 180, days_left)
        case = self.env["ar.legal.file"].search([("move_ids", "in", self._invoice("keystone").ids)])
        self.assertEqual((case.state, case.route), ("filed", "lawsuit"))
        self.assertEqual(case.amount_costs, 3935.0)
        self.assertEqual(self.env.company.ar_law_firm_id, self.env.ref("ar_collections.ar_demo_law_firm"))
        self.env["ar.collection.engine"].with_context(queue_job__no_delay=True)._cron_escalate()
        self.assertTrue(self.env["ar.legal.file"].search([("move_ids", "in", self._invoice("redwood").ids)]))
        activities = self.env["account.move"]._cron_limitation()
        self.assertIn(old.id, activities.mapped("res_id"), "the credit manager is warned")

    def test_demo_shows_onboarding_and_cover(self):
        prospect = self.env.ref("ar_collections.ar_demo_partner_hengyuan")
        application = self.env["ar.credit.application"].search([("partner_id", "=", prospect.id)])
        self.assertEqual((application.state, application.kind), ("submitted", "new"))
        self.assertTrue(application.needs_second_approval, "150,000 is above the four-eyes threshold")
        self.assertTrue(application.activity_ids, "a credit manager has it to decide")
        self.assertEqual(application.profile_id.credit_state, "applied")
        self.assertTrue(application.profile_id.prepayment_required)
        summit = self.env.ref("ar_collections.ar_demo_partner_summit")
        self.assertEqual(summit.with_company(self.env.ref("base.main_company")).ar_secured_amount, 50000.0)
        northwind = self._invoice("northwind")
        install_date = fields.Date.to_date(northwind.create_date)
        self.assertEqual(northwind.ar_insurer_deadline, install_date + timedelta(days=5))
        self.assertIn("credit insurer", northwind.activity_ids.summary)

    def test_demo_proposes_a_bad_debt_provision_and_shows_a_salespersons_receivables(self):
        run = self.env["ar.provision.run"].search([("company_id", "=", self.env.ref("base.main_company").id)])
        self.assertEqual((len(run), run.state, run.move_id.state), (1, "proposed", "draft"))
        keystone = run.line_ids.filtered(lambda line: line.partner_id.name == "Keystone Hardware")
        self.assertGreater(keystone.adjustment, 0, "the old Keystone invoice is in the 2-3 years bucket")
        wang = self.env["res.users"].search([("login", "=", "salesperson")])
        rows = self.env["ar.salesperson.report"].with_user(wang).search([])
        self.assertTrue(rows)
        self.assertEqual(rows.user_id, wang, "a salesperson sees their own customers only")

    def test_demo_has_a_dozen_customers_one_speaking_chinese(self):
        partners = self.env["ir.model.data"].search(
            [("module", "=", "ar_collections"), ("model", "=", "res.partner"), ("name", "=like", "ar_demo_partner_%")]
        )
        self.assertGreaterEqual(len(partners), 12)
        self.assertEqual(self.env.ref("ar_collections.ar_demo_partner_mingda").lang, "zh_CN")

    def test_make_demo_shows_a_reply_with_a_payment_proof_and_one_that_became_a_dispute(self):
        """What `make demo` does after installing: the jobs, then tools/demo_replies.py (its emails
        "delivered" by Odoo's test mode here, its answers through the real mail gateway)."""
        self.env["ar.collection.engine"].with_context(queue_job__no_delay=True)._cron_escalate()
        script = Path(__file__).resolve().parents[2] / "tools" / "demo_replies.py"
        with patch.object(self.env.cr, "commit"), redirect_stdout(io.StringIO()) as output:
            runpy.run_path(str(script), init_globals={"env": self.env})
        self.assertIn("replied with a payment proof", output.getvalue())
        bluefield = self.env.ref("ar_collections.ar_demo_partner_bluefield")
        reply = self.env["ar.collection.event"].search([("partner_id", "=", bluefield.id), ("kind", "=", "reply")])
        self.assertEqual(reply.reply_state, "pending")
        proof = reply.reply_attachment_ids
        self.assertEqual(proof.mimetype, "application/pdf")
        self.assertTrue(proof.raw.startswith(b"%PDF"))
        self.assertTrue(bluefield.ar_credit_profile_id.reply_pending_date)
        maple = self.env.ref("ar_collections.ar_demo_partner_maple")
        reply = self.env["ar.collection.event"].search([("partner_id", "=", maple.id), ("kind", "=", "reply")])
        self.assertEqual(reply.reply_state, "handled")
        dispute = reply.handled_by_id.dispute_id
        self.assertEqual((dispute.reason, dispute.move_id), ("quality", self._invoice("maple")))
        self.assertTrue(dispute.message_ids.attachment_ids.filtered(lambda a: a.mimetype == "image/png"))
