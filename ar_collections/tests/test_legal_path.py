"""The legal path: no legal file before the formal notices reached the customer, proof of
service, and letters a law firm reviews before they go out."""

from datetime import timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.exceptions import UserError
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .test_collection_engine import CollectionCase
from .test_collection_engine import deliver


class LegalPathCase(CollectionCase):
    def _deliver(self, events):
        """The mail queue sends these events' emails, accepted as Odoo's test mode accepts them."""
        deliver(events)

    def _legal_files(self, partner=None):
        return self.env["ar.legal.file"].search([("partner_id", "=", (partner or self.customer).id)])


@tagged("post_install", "-at_install")
class TestNoLegalFileWithoutFormalNotice(LegalPathCase):
    def test_a_customer_70_days_late_gets_the_demand_then_the_lawyer_letter_before_any_legal_file(self):
        today = self._ar_today()
        invoice = self._ar_invoice(self.customer, 1000.0, days_overdue=70)
        self._run(today, deliver=False)
        demand = self._emails().filtered(lambda event: event.stage_id == self.stage["demand"])
        self.assertTrue(demand, "the demand letter first")
        self.assertEqual(invoice.ar_stage_id, self.stage["demand"])
        self.assertFalse(self._legal_files())
        self.assertFalse(demand.service_date, "queued, not yet accepted by the mail server")

        # Not served: even past its deadline, nothing goes further.
        self._run(today + timedelta(days=8), deliver=False)
        self.assertEqual(invoice.ar_stage_id, self.stage["demand"])
        self._deliver(demand)
        self.assertEqual((demand.service_method, demand.service_date), ("email", today))

        # Served, deadline passed: the lawyer letter (its own formal notice), still no legal file.
        self._run(today + timedelta(days=9), deliver=False)
        lawyer = self._emails().filtered(lambda event: event.stage_id == self.stage["lawyer"])
        self.assertTrue(lawyer)
        self.assertEqual(invoice.ar_stage_id, self.stage["lawyer"])
        self.assertFalse(self._legal_files())
        self._deliver(lawyer)

        # The lawyer letter's deadline runs (10 days), then the legal file opens, and the customer is told.
        self._run(today + timedelta(days=15), deliver=False)
        self.assertFalse(self._legal_files())
        self._run(today + timedelta(days=20), deliver=False)
        self.assertEqual(invoice.ar_stage_id, self.stage["legal"])
        self.assertEqual(len(self._legal_files()), 1)
        legal = self._emails().filtered(lambda event: event.stage_id == self.stage["legal"])
        self.assertTrue(legal.mail_id, "the legal stage's email is sent")
        body = legal.mail_id.body_html
        self.assertIn(self.stage["demand"].name, body)
        self.assertIn(self.stage["lawyer"].name, body, "it names the letters that were served")

    def test_a_sending_batch_records_its_services_at_once_whatever_its_size(self):
        """The service of the emails the mail server accepted is recorded for the whole sending
        batch at its end, not email by email: 4 or 12 emails cost the same queries."""
        today = self._ar_today()

        def demands(prefix, count):
            partners = self.env["res.partner"].union(*(self._ar_customer(f"{prefix} {i}") for i in range(count)))
            self.env["account.move"].create(
                [self._ar_invoice_values(partner, 100.0, days_overdue=70) for partner in partners]
            ).action_post()
            self._run(today, deliver=False)
            emailed = [("partner_id", "in", partners.ids), ("mail_id", "!=", False)]
            return self.env["ar.collection.event"].search(emailed)

        def record(events):
            # The sending itself is Odoo's (a few queries an email); what is measured here is ours.
            events.mail_id.sudo().write({"state": "sent"})
            self.env.invalidate_all()
            start = self.env.cr.sql_log_count
            with freeze_time(today):
                self.env["mail.mail"]._ar_record_email_service(events.mail_id)
            return self.env.cr.sql_log_count - start

        record(demands("Warm-up", 2))
        few, many = demands("Four", 4), demands("Twelve", 12)
        self.assertEqual((len(few), len(many)), (4, 12))
        four, twelve = record(few), record(many)
        self.assertLessEqual(twelve, four + 3, f"4 emails: {four} queries, 12 emails: {twelve}")
        self.assertEqual(set((few | many).mapped("service_method")), {"email"})
        self.assertEqual(set((few | many).mapped("service_date")), {today})

    def test_emails_sent_by_a_sending_cut_short_get_their_service_from_the_daily_sweep(self):
        today = self._ar_today()
        self._ar_invoice(self.customer, 1000.0, days_overdue=70)
        self._run(today, deliver=False)
        demand = self._emails().filtered(lambda event: event.stage_id == self.stage["demand"])
        # The mail server accepted it, Odoo committed it as sent, then the process died before
        # the batch's services were recorded.
        self.env.cr.execute(
            "UPDATE mail_mail SET state = 'sent', write_date = %s WHERE id = %s",
            [f"{today} 12:00:00", demand.mail_id.id],
        )
        self.env.invalidate_all()
        self.assertFalse(demand.service_date)
        with freeze_time(today + timedelta(days=2)):
            self.env["account.move"]._cron_limitation()
        self.assertEqual((demand.service_method, demand.service_date), ("email", today), "served the day it left")

    def test_a_posted_demand_counts_once_its_proof_of_service_is_recorded(self):
        today = self._ar_today()
        self.customer.email = False
        invoice = self._ar_invoice(self.customer, 1000.0, days_overdue=40)
        self._run(today)
        demand = self._events(kind="letter").filtered(lambda event: event.stage_id == self.stage["demand"])
        self.assertTrue(demand.to_print)
        with freeze_time(today + timedelta(days=12)):
            self._run(today + timedelta(days=12))
            self.assertEqual(invoice.ar_stage_id, self.stage["demand"], "no proof: held at the demand")
            form = self.env["ar.collection.service.wizard"].with_user(self.collector)
            with self.assertRaises(ValidationError):
                form.create({"event_id": demand.id, "method": "post", "date": today + timedelta(days=2)})
            wizard = form.create(
                {
                    "event_id": demand.id,
                    "method": "post",
                    "carrier": "China Post EMS",
                    "tracking": "EA123456789CN",
                    "date": today + timedelta(days=2),
                    "proof": "UmVjZWlwdA==",
                    "proof_name": "receipt.png",
                }
            )
            wizard.action_confirm()
        self.assertEqual(
            (demand.service_method, demand.service_date, demand.service_tracking),
            ("post", today + timedelta(days=2), "EA123456789CN"),
        )
        self.assertEqual(demand.service_proof_id.name, "receipt.png")
        with self.assertRaises(UserError), freeze_time(today + timedelta(days=12)):
            form.create({"event_id": demand.id, "method": "hand", "date": today + timedelta(days=3)}).action_confirm()
        self._run(today + timedelta(days=13))
        self.assertEqual(invoice.ar_stage_id, self.stage["lawyer"], "served and past its deadline: the next stage")

    def test_a_proof_of_service_cannot_be_dated_before_the_letter_nor_forged_by_a_salesperson(self):
        self._ar_invoice(self.customer, 1000.0, days_overdue=20)
        self._run(self._ar_today())
        demand = self._emails().filtered(lambda event: event.stage_id == self.stage["demand"])
        wizard = self.env["ar.collection.service.wizard"].create(
            {"event_id": demand.id, "method": "hand", "date": self._ar_today() - timedelta(days=1)}
        )
        with self.assertRaises(UserError):
            wizard.with_user(self.collector).action_confirm()
        salesman = self._ar_user("ar_legal_salesman", "salesman")
        with self.assertRaises(AccessError):
            wizard.with_user(salesman).action_confirm()
        with self.assertRaises(UserError):
            demand.with_user(self.collector).write({"service_date": self._ar_today()})


@tagged("post_install", "-at_install")
class TestReviewBeforeSending(LegalPathCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stage["lawyer"].review_before_sending = True

    def _prepared(self):
        today = self._ar_today()
        invoice = self._ar_invoice(self.customer, 1000.0, days_overdue=30)
        demand_day = today - timedelta(days=15)
        self._run(demand_day)
        # The served demand's deadline has passed: the lawyer letter is due, and prepared for review.
        self._run(today, deliver=False)
        return invoice, self._events(kind="email").filtered(lambda event: event.stage_id == self.stage["lawyer"])

    def test_the_lawyer_letter_waits_for_the_credit_manager_then_goes_out(self):
        invoice, lawyer = self._prepared()
        self.assertTrue(lawyer.review_pending)
        self.assertTrue(lawyer.attachment_id, "the letter is ready to be read")
        self.assertFalse(lawyer.mail_id, "nothing sent yet")
        activity = self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "=", self.customer.id),
                ("activity_type_id", "=", self.env.ref("ar_collections.mail_activity_type_review").id),
            ]
        )
        self.assertEqual(activity.user_id, self.manager)
        with self.assertRaises(AccessError):
            lawyer.with_user(self.collector).action_approve_review()
        lawyer.with_user(self.manager).action_approve_review()
        self.assertEqual(lawyer.reviewed_by_id, self.manager)
        self.assertFalse(lawyer.review_pending)
        self.assertTrue(lawyer.mail_id, "sent once approved")
        self.assertIn(lawyer.attachment_id, lawyer.mail_id.attachment_ids)
        self.assertFalse(activity.exists(), "the review activity is done")
        with self.assertRaises(UserError):
            lawyer.with_user(self.manager).action_approve_review()
        self.assertEqual(invoice.ar_stage_id, self.stage["lawyer"])

    def test_a_rejected_letter_is_not_sent_and_its_invoices_go_back(self):
        invoice, lawyer = self._prepared()
        lawyer.with_user(self.manager).action_reject_review()
        self.assertTrue(lawyer.failed)
        self.assertFalse(lawyer.mail_id)
        self.assertEqual(invoice.ar_stage_id, self.stage["demand"], "back where it stood")
