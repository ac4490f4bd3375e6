"""The night jobs of our addon on the generated database, after the escalation: the monthly
statements job with its PDFs (8), and the daily follow-ups of promises to pay and payment
plans (9). Each takes the harness and an environment on the database, as the measures of
measures.py do; each job runs over a sample whose size depends on the run's size.
"""

import os
from datetime import timedelta

import servers

from odoo import Command
from odoo import fields
from odoo import sql_db

# The generated customers (dataset.py), not those another measure adds.
GENERATED_CUSTOMERS = "Bench Customer %"


def sample_size(bench):
    return 20 if bench.args.smoke else 200 if bench.args.quick else 1000


def statements(bench, env, url=None):
    """The monthly statements job, with real wkhtmltopdf, over a sample of the customers with
    an open balance (the others had last month's statement already). The PDFs load their CSS
    from an Odoo server: ``url``, AR_REPORT_URL, or one started here on the database. Each
    customer of the sample must get one statement, with its PDF on its email; a second run
    the same month, none."""
    Profile = env["ar.credit.profile"]
    date_to = fields.Date.context_today(Profile).replace(day=1) - timedelta(days=1)
    env.company.ar_statement_monthly = True
    due = Profile.search(
        [("company_id", "=", env.company.id), ("open_receivable", ">", 0), ("partner_id.email", "!=", False)],
        order="id",
        limit=sample_size(bench),
    )
    env.cr.execute(
        "UPDATE ar_credit_profile SET statement_sent_until = CASE WHEN id = ANY(%s) THEN NULL ELSE %s END",
        [due.ids, date_to],
    )
    env.invalidate_all()
    env.cr.execute("SELECT COALESCE(max(id), 0) FROM ar_collection_event")
    before = env.cr.fetchone()[0]
    Partner = env["res.partner"]
    with servers.report_server(env, bench.addons_path, url or os.environ.get("AR_REPORT_URL")):
        sent = bench.measure(
            f"8. Monthly statements job, {len(due):,} customers",
            lambda: Partner._cron_ar_monthly_statements(time_budget=10**9),
            note=lambda sent: f"{sent:,} statements, {sent / bench.last_wall:.1f} statements/s",
        )
        again = bench.measure(
            "8. Monthly statements job, second run the same month",
            lambda: Partner._cron_ar_monthly_statements(time_budget=10**9),
            note=lambda sent: f"{sent:,} statements",
        )
    env.cr.execute(
        """
        SELECT event.partner_id, count(*), count(attachment.id), count(rel.attachment_id)
          FROM ar_collection_event event
          LEFT JOIN ir_attachment attachment
            ON attachment.id = event.attachment_id AND attachment.mimetype = 'application/pdf'
          LEFT JOIN message_attachment_rel rel
            ON rel.message_id = event.mail_message_id AND rel.attachment_id = event.attachment_id
         WHERE event.kind = 'statement' AND event.id > %s
         GROUP BY event.partner_id
        """,
        [before],
    )
    counts = {partner_id: (events, pdfs, emailed) for partner_id, events, pdfs, emailed in env.cr.fetchall()}
    wrong = [partner_id for partner_id, figures in counts.items() if figures != (1, 1, 1)]
    bench.expect(sent == len(due), f"{sent} statements sent for {len(due)} customers due")
    bench.expect(set(counts) == set(due.partner_id.ids), "the statements went to other customers than those due")
    bench.expect(not wrong, f"{len(wrong)} customer(s) without exactly one statement, its PDF on its email")
    bench.expect(not again, f"the second run the same month sent {again} statement(s)")
    env.cr.commit()


def follow_ups(bench, env):
    """The daily follow-ups of promises to pay and of payment plans, each over a sample made on
    generated customers through the models' own methods: promises whose deadline passed
    unpaid, plans whose first instalment was missed. Each must break, with one ledger row and
    one activity for the collector."""
    size = sample_size(bench)
    invoices = open_invoices(env, 2 * size)
    promises = broken_promises(env, invoices[:size])
    plans = missed_plans(env, invoices[size:])
    env.cr.commit()
    follow_up(bench, env, f"9. Promise follow-up job, {len(promises):,} promises broken", promises, "promise_id")
    follow_up(bench, env, f"9. Payment plan follow-up job, {len(plans):,} plans broken", plans, "plan_id")


def follow_up(bench, env, label, records, field):
    """The follow-up job of ``records``' model, measured; each record must be broken, with one
    ledger row (the event's ``field`` names it) and one activity on its customer."""
    last_event = env["ar.collection.event"].search([], order="id desc", limit=1).id or 0
    last_activity = env["mail.activity"].search([], order="id desc", limit=1).id or 0
    queries = sql_db.sql_counter
    done = bench.measure(
        label,
        lambda: records.browse()._cron_follow_up(time_budget=10**9),
        note=lambda done: (
            f"{done:,} followed up, {(sql_db.sql_counter - queries) / max(done, 1):.2f} queries per record"
        ),
    )
    records.invalidate_recordset()
    broken = records.filtered(lambda record: record.state == "broken")
    logged = dict(
        env["ar.collection.event"]._read_group(
            [("id", ">", last_event), (field, "in", records.ids)], [field], ["__count"]
        )
    )
    activities = env["mail.activity"].search_count(
        [("id", ">", last_activity), ("res_model", "=", "res.partner"), ("res_id", "in", records.partner_id.ids)]
    )
    bench.expect(done >= len(records), f"{label}: {done} followed up of {len(records)} due")
    bench.expect(broken == records, f"{label}: {len(records) - len(broken)} not broken")
    bench.expect(logged == dict.fromkeys(records, 1), f"{label}: not one ledger row each")
    bench.expect(activities == len(records), f"{label}: {activities} activities for {len(records)} broken")
    env.cr.commit()


def open_invoices(env, count):
    """One open invoice each of ``count`` generated customers, under no promise, plan or dispute."""
    Move = env["account.move"]
    groups = Move._read_group(
        [
            *Move._ar_open_invoice_domain(),
            ("company_id", "=", env.company.id),
            ("commercial_partner_id.name", "=like", GENERATED_CUSTOMERS),
            ("ar_promise_id", "=", False),
            ("ar_plan_id", "=", False),
            ("ar_dispute_id", "=", False),
        ],
        ["commercial_partner_id"],
        ["id:min"],
        order="commercial_partner_id",
        limit=count,
    )
    return Move.browse([move_id for _partner, move_id in groups])


def broken_promises(env, invoices):
    """A promise to pay each invoice, made ten days ago: its deadline has passed, unpaid."""
    promises = env["ar.collection.promise"].create(
        [
            {
                "partner_id": invoice.commercial_partner_id.id,
                "move_ids": [Command.set(invoice.ids)],
                "promised_date": fields.Date.context_today(invoice),
                "amount": invoice.amount_residual_signed,
            }
            for invoice in invoices
        ]
    )
    # A promise is for today or later when made: these were made ten days ago.
    env.flush_all()
    env.cr.execute(
        "UPDATE ar_collection_promise SET promised_date = promised_date - 10, deadline = deadline - 10 "
        "WHERE id = ANY(%s)",
        [promises.ids],
    )
    promises.invalidate_recordset(["promised_date", "deadline"])
    return promises


def missed_plans(env, invoices):
    """An approved plan of two monthly instalments on each invoice, the first due a month ago, unpaid."""
    plans = env["ar.payment.plan"].create(
        [
            {
                "partner_id": invoice.commercial_partner_id.id,
                "move_ids": [Command.set(invoice.ids)],
                "instalment_count": 2,
                "frequency": "monthly",
                "first_date": fields.Date.context_today(invoice) - timedelta(days=30),
            }
            for invoice in invoices
        ]
    )
    plans.action_compute_schedule()
    plans.action_confirm()
    return plans
