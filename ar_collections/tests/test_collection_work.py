from datetime import timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.exceptions import UserError
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .test_collection_engine import CollectionCase


@tagged("post_install", "-at_install")
class TestPromises(CollectionCase):
    def _log_promise(self, invoices, days=5, amount=None, user=None):
        wizard = (
            self.env["ar.collection.log.wizard"]
            .with_user(user or self.collector)
            .create(
                {
                    "partner_id": self.customer.id,
                    "move_ids": [(6, 0, invoices.ids)],
                    "kind": "call",
                    "outcome_id": self.env.ref("ar_collections.outcome_promised").id,
                    "contact_name": "Pat, accounts payable",
                    "promised_date": self._ar_today() + timedelta(days=days),
                    "promised_amount": amount if amount is not None else sum(invoices.mapped("amount_residual")),
                    "note": "Will pay after their own customer pays them",
                }
            )
        )
        wizard.action_log()
        return invoices.ar_promise_id

    def test_a_promise_pauses_the_invoice_and_a_broken_one_resumes_it(self):
        invoice = self._ar_invoice(self.customer, 1000.0, days_overdue=3)
        self._run(self._ar_today())
        self.assertEqual(invoice.ar_stage_id, self.stage["friendly"])
        promise = self._log_promise(invoice, days=5)
        self.assertEqual(promise.state, "open")
        self.assertFalse(invoice.ar_next_action_date, "paused while promised")
        call = self._events(kind="call")
        self.assertEqual((call.outcome_id.code, call.promise_id), ("promised", promise))

        today = self._ar_today()
        self._run(today + timedelta(days=5))
        self.assertEqual(len(self._emails()), 1, "nothing sent before the promised date")
        # Promised date (5) + grace (2) passed, unpaid: broken.
        with freeze_time(today + timedelta(days=8)):
            self._follow_up()
        self.assertEqual(promise.state, "broken")
        self.assertFalse(invoice.ar_promise_id)
        self.assertEqual(invoice.ar_stage_id, self.stage["friendly"], "resumes at the stage it had")
        self.assertTrue(self._events(kind="promise").filtered(lambda e: "broken" in e.note))
        self.assertTrue(self.customer.activity_ids.filtered(lambda a: a.summary == "Broken promise to pay"))
        self._run(today + timedelta(days=8))
        self.assertEqual(invoice.ar_stage_id, self.stage["second"], "and escalates again")

    def test_a_kept_promise_closes_when_paid(self):
        invoice = self._ar_invoice(self.customer, 1000.0, days_overdue=3)
        promise = self._log_promise(invoice, days=5)
        self._ar_pay(invoice)
        self._follow_up()
        self.assertEqual(promise.state, "kept")
        self.assertEqual(promise.paid_amount, 1000.0)

    def test_a_promise_in_the_past_or_on_a_paid_invoice_is_refused(self):
        invoice = self._ar_invoice(self.customer, 1000.0, days_overdue=3)
        with self.assertRaisesRegex(UserError, "today or a later date"):
            self._log_promise(invoice, days=-1)
        self._ar_pay(invoice)
        with self.assertRaisesRegex(UserError, "paid, not posted"):
            self._log_promise(invoice, days=3, amount=100.0)


@tagged("post_install", "-at_install")
class TestDisputes(CollectionCase):
    def _dispute(self, invoice, **values):
        return (
            self.env["ar.collection.dispute"]
            .with_user(self.collector)
            .create({"move_id": invoice.id, "reason": "quality", "note": "Half the tiles arrived broken", **values})
        )

    def test_a_dispute_pauses_the_invoice_until_found_invalid(self):
        invoice = self._ar_invoice(self.customer, 1000.0, days_overdue=10)
        dispute = self._dispute(invoice)
        self.assertEqual(invoice.ar_dispute_id, dispute)
        self.assertFalse(invoice.ar_next_action_date)
        self._run(self._ar_today())
        self.assertFalse(self._emails(), "a disputed invoice is not chased")
        self.assertTrue(self.customer.activity_ids.filtered(lambda a: "Dispute" in (a.summary or "")))

        with self.assertRaisesRegex(UserError, "Say how the dispute was resolved"):
            dispute.action_resolve_invalid()
        dispute.write({"check_legal": True, "check_suspends": True, "resolution_note": "Photos show intact tiles"})
        dispute.action_resolve_invalid()
        self.assertEqual(dispute.state, "invalid")
        self.assertFalse(invoice.ar_dispute_id)
        self._run(self._ar_today())
        self.assertEqual(self._emails().stage_id, self.stage["second"], "the escalation resumes")
        notes = self._events(kind="dispute").mapped("note")
        self.assertEqual(len(notes), 2, "the ledger keeps the opening and the resolution")

    def test_a_valid_dispute_leads_to_a_credit_note(self):
        invoice = self._ar_invoice(self.customer, 1000.0, days_overdue=10)
        dispute = self._dispute(invoice, resolution_note="Broken tiles confirmed by the carrier")
        action = dispute.action_resolve_valid()
        self.assertEqual(dispute.state, "valid")
        self.assertEqual(action["res_model"], "account.move.reversal", "Odoo's own credit note flow")

    def test_a_paid_invoice_cannot_be_disputed(self):
        invoice = self._ar_invoice(self.customer, 1000.0, days_overdue=10)
        self._ar_pay(invoice)
        with self.assertRaisesRegex(UserError, "paid, not posted"):
            self._dispute(invoice)


@tagged("post_install", "-at_install")
class TestPaymentPlans(CollectionCase):
    def _plan(self, invoices, count=3, **values):
        plan = (
            self.env["ar.payment.plan"]
            .with_user(self.manager)
            .create(
                {
                    "partner_id": self.customer.id,
                    "move_ids": [(6, 0, invoices.ids)],
                    "instalment_count": count,
                    "first_date": self._ar_today() + timedelta(days=7),
                    "frequency": "monthly",
                    **values,
                }
            )
        )
        plan.action_compute_schedule()
        return plan

    def test_an_approved_plan_pauses_its_invoices_and_is_honoured_when_paid(self):
        invoices = self._ar_invoice(self.customer, 600.0, days_overdue=20) | self._ar_invoice(
            self.customer, 400.0, days_overdue=10
        )
        plan = self._plan(invoices)
        self.assertEqual(plan.amount_total, 1000.0)
        self.assertEqual(plan.line_ids.mapped("amount"), [333.33, 333.33, 333.34])
        plan.action_confirm()
        self.assertEqual(plan.state, "active")
        self.assertTrue(plan.name.startswith("PLAN/"))
        self.assertEqual(invoices.ar_plan_id, plan)
        self._run(self._ar_today())
        self.assertFalse(self._emails(), "invoices under an active plan are not chased")

        self._ar_pay(invoices[0], amount=333.33)
        self.assertEqual(plan.line_ids.mapped("state"), ["paid", "open", "open"])
        self._ar_pay(invoices)
        self._follow_up()
        self.assertEqual(plan.state, "honoured")

    def test_a_missed_instalment_breaks_the_plan_and_escalation_resumes(self):
        invoice = self._ar_invoice(self.customer, 900.0, days_overdue=20)
        plan = self._plan(invoice)
        plan.action_confirm()
        with freeze_time(self._ar_today() + timedelta(days=11)):  # first instalment + 3 grace days passed
            self._follow_up()
        self.assertEqual(plan.state, "broken")
        self.assertFalse(invoice.ar_plan_id)
        self.assertTrue(self._events(kind="plan").filtered(lambda e: "broken" in e.note))
        self._run(self._ar_today() + timedelta(days=11))
        self.assertEqual(self._emails().stage_id, self.stage["demand"], "the formal demand first, served")
        self._run(self._ar_today() + timedelta(days=18))
        self.assertEqual(self._emails()[-1].stage_id, self.stage["lawyer"], "then, its deadline passed, the lawyer")

    def test_a_schedule_must_add_up_to_the_amount(self):
        invoice = self._ar_invoice(self.customer, 900.0, days_overdue=20)
        plan = self._plan(invoice)
        plan.line_ids[0].amount = 100.0
        with self.assertRaisesRegex(UserError, "add up to"):
            plan.action_confirm()
        self.assertEqual(plan.state, "draft")

    def test_only_credit_managers_approve_plans(self):
        invoice = self._ar_invoice(self.customer, 900.0, days_overdue=20)
        plan = self._plan(invoice)
        with self.assertRaises(AccessError):
            plan.with_user(self.collector).action_confirm()


@tagged("post_install", "-at_install")
class TestLateFees(CollectionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.ref("ar_collections.ar_collection_policy_default").charge_late_fees = True
        cls.env.company.write({"ar_late_fee_fixed": 25.0, "ar_late_fee_percent": 1.5, "ar_late_fee_grace_days": 5})

    def test_the_demand_stage_charges_the_fee_once_per_invoice(self):
        invoice = self._ar_invoice(self.customer, 1000.0, days_overdue=20)
        for _run in range(2):
            self._run(self._ar_today())
        fee_lines = invoice.ar_late_fee_line_ids
        self.assertEqual(len(fee_lines), 1)
        # 25 fixed + 1000 x 1.5 % x (20 - 5 grace days) / 30 days = 25 + 7.50
        self.assertEqual(fee_lines.price_total, 32.5)
        fee_invoice = fee_lines.move_id
        self.assertEqual((fee_invoice.state, fee_invoice.partner_id), ("posted", self.customer))
        self.assertTrue(fee_invoice.ar_is_late_fee)
        self.assertFalse(fee_invoice.ar_next_action_date, "fees are not chased as invoices of their own")
        self.assertEqual(self._events(kind="fee").move_ids, fee_invoice | invoice)

    def test_a_credit_manager_waives_a_fee_with_a_credit_note(self):
        invoice = self._ar_invoice(self.customer, 1000.0, days_overdue=20)
        self._run(self._ar_today())
        fee_invoice = invoice.ar_late_fee_line_ids.move_id
        wizard = (
            self.env["ar.late.fee.waive.wizard"]
            .with_user(self.manager)
            .create({"move_ids": [(6, 0, fee_invoice.ids)], "reason": "Paid within a week of the demand"})
        )
        wizard.action_waive()
        self.assertEqual(fee_invoice.payment_state, "reversed")
        waived = self._events(kind="fee").filtered(lambda e: "waived" in e.note)
        self.assertIn("Paid within a week of the demand", waived.note)
        with self.assertRaises(AccessError):
            self.env["ar.late.fee.waive.wizard"].with_user(self.collector).create(
                {"move_ids": [(6, 0, fee_invoice.ids)], "reason": "x"}
            )

    def test_a_negative_fee_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            self.env.company.ar_late_fee_fixed = -1.0


@tagged("post_install", "-at_install")
class TestConfigurationRules(CollectionCase):
    def test_stages_come_in_strictly_increasing_order(self):
        with self.assertRaisesRegex(ValidationError, "must come after stage"):
            self.stage["second"].offset_days = 1

    def test_a_stage_must_do_something_with_what_it_needs(self):
        policy = self.env.ref("ar_collections.ar_collection_policy_default")
        base = {"policy_id": policy.id, "name": "Visit", "offset_days": 45, "sequence": 55}
        Stage = self.env["ar.collection.stage"]
        for values, message in (
            ({}, "does nothing"),
            ({"send_email": True}, "choose its email template"),
            ({"print_letter": True}, "choose the letter's report"),
            ({"create_activity": True}, "choose its activity type"),
        ):
            with self.subTest(values=values), self.assertRaisesRegex(ValidationError, message), self.env.cr.savepoint():
                Stage.create({**base, **values})
        visit = Stage.create(
            {**base, "create_activity": True, "activity_type_id": self.env.ref("mail.mail_activity_data_meeting").id}
        )
        self.assertEqual(policy._stages_for(self.env.company)[5], visit, "between the lawyer letter and the legal file")

    def test_collection_users_cannot_change_policies(self):
        with self.assertRaises(AccessError):
            self.stage["demand"].with_user(self.collector).offset_days = 20
        self.assertTrue(self.stage["demand"].with_user(self.collector).name, "but they read them")

    def test_the_ledger_is_append_only(self):
        self._ar_invoice(self.customer, 100.0, days_overdue=2)
        self._run(self._ar_today())
        event = self._emails()
        with self.assertRaisesRegex(UserError, "append-only"):
            event.sudo().note = "rewritten"
        with self.assertRaisesRegex(UserError, "append-only"):
            event.sudo().unlink()

    def test_each_company_sees_its_own_collection(self):
        company_2 = self.setup_other_company(name="Other Collections Co")["company"]
        other_user = self._ar_user("ar_other_collector", "collector", company=company_2)
        self._ar_invoice(self.customer, 100.0, days_overdue=2)
        self._run(self._ar_today())
        self.assertTrue(self.env["ar.collection.event"].with_user(self.collector).search([]))
        self.assertFalse(self.env["ar.collection.event"].with_user(other_user).search([]))


@tagged("post_install", "-at_install")
class TestRunWizard(CollectionCase):
    def test_the_preview_shows_what_the_job_would_do_and_runs_only_the_ticked(self):
        other = self._ar_customer("Other Ltd")
        self._ar_invoice(self.customer, 1000.0, days_overdue=16)
        self._ar_invoice(other, 500.0, days_overdue=2)
        wizard = self.env["ar.collection.run.wizard"].with_user(self.manager).create({})
        lines = {line.partner_id: line for line in wizard.line_ids}
        self.assertEqual(lines[self.customer].stage_id, self.stage["demand"])
        self.assertEqual(lines[self.customer].amount_due, 1000.0)
        self.assertIn("letter: Demand Letter", lines[self.customer].actions)
        self.assertEqual(lines[other].stage_id, self.stage["friendly"])
        lines[other].selected = False
        wizard.action_run()
        self.assertEqual(len(self._emails()), 1)
        self.assertFalse(self._emails(other), "unticked: left for the job")

    def test_the_preview_writes_nothing(self):
        invoice = self._ar_invoice(self.customer, 1000.0, days_overdue=16)
        self.assertFalse(invoice.access_token)
        wizard = self.env["ar.collection.run.wizard"].with_user(self.manager).create({})
        self.assertEqual(wizard.line_ids.partner_id, self.customer)
        self.env.flush_all()
        invoice.invalidate_recordset(["access_token", "ar_stage_id", "ar_snooze_until"])
        self.assertFalse(invoice.ar_stage_id or invoice.ar_snooze_until, "deciding moved no invoice")
        self.assertFalse(invoice.access_token, "the portal link is made when the email goes")
        self.assertFalse(self._emails())
        wizard.action_run()
        self.assertTrue(invoice.access_token)
