"""The limitation period (诉讼时效): three years from the due date, restarted by what the law
counts as an interruption (and only that), with alerts to the credit manager before it ends."""

from datetime import timedelta

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged

from .test_collection_engine import deliver
from .test_legal_path import LegalPathCase


@tagged("post_install", "-at_install")
class TestLimitationPeriod(LegalPathCase):
    def _limitation(self, invoice):
        invoice.invalidate_recordset()
        return invoice.ar_limitation_cause, invoice.ar_limitation_start, invoice.ar_limitation_date

    def test_three_years_from_the_due_date_on_posting(self):
        invoice = self._ar_invoice(self.customer, 1000.0, days_overdue=10)
        due = invoice.invoice_date_due
        self.assertEqual(self._limitation(invoice), ("due", due, due + relativedelta(years=3)))
        self.assertEqual(self._ar_profile(self.customer).limitation_date, due + relativedelta(years=3))
        self.env.company.ar_limitation_years = 2
        invoice._ar_refresh_limitation()
        self.assertEqual(invoice.ar_limitation_date, due + relativedelta(years=2), "a company setting")

    def test_a_served_demand_restarts_it_an_undelivered_one_does_not(self):
        invoice = self._ar_invoice(self.customer, 1000.0, days_overdue=20)
        self._run(self._ar_today() - timedelta(days=2), deliver=False)
        demand = self._emails().filtered(lambda event: event.stage_id == self.stage["demand"])
        self.assertTrue(demand)
        invoice._ar_refresh_limitation()
        self.assertEqual(invoice.ar_limitation_cause, "due", "queued, not served: no interruption")
        deliver(demand)
        served_on = self._ar_today()
        self.assertEqual(self._limitation(invoice), ("notice", served_on, served_on + relativedelta(years=3)))
        # A reminder that is no formal notice, even delivered, does not restart it.
        self.assertFalse(self.stage["friendly"].formal_notice)

    def test_an_acknowledgement_a_promise_a_plan_a_payment_and_a_suit_each_restart_it(self):
        today = self._ar_today()
        scan = "U2lnbmVkIHNsaXA="
        cases = {}
        # A returned slip, signed 40 days ago.
        slip = self._ar_invoice(self.customer, 1000.0, days_overdue=200)
        self.env["ar.collection.acknowledgement.wizard"].with_user(self.collector).create(
            {
                "partner_id": self.customer.id,
                "date": today - timedelta(days=40),
                "scan": scan,
                "move_ids": [(6, 0, slip.ids)],
                "confirmed_amount": 1000.0,
            }
        ).action_confirm()
        cases[slip] = ("acknowledgement", today - timedelta(days=40))
        # A promise to pay, today.
        promised = self._ar_invoice(self.customer, 500.0, days_overdue=200)
        self.env["ar.collection.promise"].create(
            {
                "partner_id": self.customer.id,
                "move_ids": [(6, 0, promised.ids)],
                "promised_date": today + timedelta(days=5),
                "amount": 500.0,
            }
        )
        cases[promised] = ("promise", today)
        # A payment plan agreed, today.
        planned = self._ar_invoice(self.customer, 600.0, days_overdue=200)
        plan = self.env["ar.payment.plan"].create(
            {"partner_id": self.customer.id, "move_ids": [(6, 0, planned.ids)], "instalment_count": 2}
        )
        plan.action_compute_schedule()
        plan.with_user(self.manager).action_confirm()
        cases[planned] = ("plan", today)
        # A partial payment, 15 days ago.
        paid = self._ar_invoice(self.customer, 800.0, days_overdue=200)
        self._ar_pay(paid, amount=100.0, date=today - timedelta(days=15))
        cases[paid] = ("payment", today - timedelta(days=15))
        # A suit filed 5 days ago.
        sued = self._ar_invoice(self.customer, 900.0, days_overdue=200)
        legal_file = self.env["ar.legal.file"].create(
            {"profile_id": self._ar_profile(self.customer).id, "move_ids": [(6, 0, sued.ids)], "amount_claimed": 900}
        )
        legal_file.with_user(self.manager).write({"filing_date": today - timedelta(days=5)})
        cases[sued] = ("suit", today - timedelta(days=5))
        for invoice, (cause, start) in cases.items():
            with self.subTest(cause=cause):
                self.assertEqual(self._limitation(invoice), (cause, start, start + relativedelta(years=3)))
        # The daily job finds the same dates.
        self.env["account.move"]._cron_limitation()
        for invoice, (cause, _start) in cases.items():
            self.assertEqual(invoice.ar_limitation_cause, cause)
        # A company whose law does not restart the period.
        self.env.company.ar_limitation_restart = False
        self.env["account.move"]._cron_limitation()
        for invoice in cases:
            self.assertEqual(self._limitation(invoice)[0], "due")

    def test_the_credit_manager_is_alerted_at_180_90_and_30_days_once_each(self):
        today = self._ar_today()
        due = today - relativedelta(years=3) + timedelta(days=170)
        invoice = self._ar_invoice(self.customer, 1000.0, days_overdue=(today - due).days)
        self.assertEqual(invoice.ar_limitation_date, due + relativedelta(years=3))

        def alerts():
            return self.env["mail.activity"].search(
                [
                    ("res_model", "=", "account.move"),
                    ("res_id", "=", invoice.id),
                    ("activity_type_id", "=", self.env.ref("ar_collections.mail_activity_type_limitation").id),
                ]
            )

        self.env["account.move"]._cron_limitation()
        self.assertEqual(len(alerts()), 1)
        self.assertEqual(alerts().user_id, self.manager)
        self.assertIn(str((invoice.ar_limitation_date - today).days), alerts().summary)
        self.env["account.move"]._cron_limitation()
        self.assertEqual(len(alerts()), 1, "once per threshold")
        with freeze_time(today + timedelta(days=85)):
            self.env["account.move"]._cron_limitation()
        self.assertEqual(len(alerts()), 2, "then at 90 days")
        with freeze_time(today + timedelta(days=145)):
            self.env["account.move"]._cron_limitation()
            self.env["account.move"]._cron_limitation()
        self.assertEqual(len(alerts()), 3, "and at 30 days")
        # Filters of the invoices and the worklist find it.
        Move = self.env["account.move"]
        self.assertIn(invoice, Move.search([("ar_limitation_date", "<=", today + timedelta(days=180))]))

    def test_nobody_sets_a_limitation_date_by_hand(self):
        invoice = self._ar_invoice(self.customer, 1000.0, days_overdue=10)
        salesman = self._ar_user("ar_limitation_salesman", "salesman")
        for user in (salesman, self.collector, self.manager):
            with self.subTest(user=user.login), self.assertRaises(UserError):
                invoice.with_user(user).write({"ar_limitation_date": "2099-01-01"})
