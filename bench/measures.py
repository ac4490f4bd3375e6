"""The measures of our addon on the generated database, numbered as in bench/RESULTS.md: the
escalation job (1), the order credit check (3), exposure updates (4), the partner searches
(5), the credit review job (6), the KPI dashboard and the PDF letters (6b). Each takes the
harness and an environment on the database, in the order the run calls them (the
escalation first: the letters are those of the customers it contacted).

The escalation on queue_job (2) is in queue_runs.py, the comparison with OCA (7) in oca.py.
"""

import math
import os
import time

import servers
from dataset import customer_with_invoices
from dataset import quotation
from harness import PLACEHOLDER_PDF
from harness import patched

from odoo import fields


def escalation(bench, env, time_budget=None):
    """The escalation job, run twice the same day (the second must contact nobody), without
    its PDF letters; nobody may be contacted twice. With ``time_budget`` (seconds, the large
    size), the first run stops after it, as the scheduled job does, and is measured per
    customer contacted in that time; the second run is left out (it would go on with the rest)."""
    Engine = env["ar.collection.engine"]
    env.cr.execute("SELECT count(*) FROM account_move WHERE ar_next_action_date <= CURRENT_DATE")
    due = env.cr.fetchone()[0]
    companies = env["res.company"].search([("ar_collection_enabled", "=", True)])
    bench.escalation_batch_size = env.company.ar_collection_batch_size
    due_customers = Engine._count_due_profiles(companies, fields.Date.context_today(Engine))
    bench.escalation_batches = math.ceil(due_customers / bench.escalation_batch_size)
    part = f", its first {time_budget / 60:.0f} minutes" if time_budget else ""
    # The letters are measured on their own (6b): here the job's own work.
    placeholders = lambda events, report: dict.fromkeys(events, (PLACEHOLDER_PDF, "pdf"))  # noqa: E731
    with patched(type(env["ar.collection.event"]), "_render_documents", placeholders):
        done = bench.measure(
            f"1. Escalation job, first run{part} ({due:,} invoices due, {due_customers:,} customers)",
            lambda: Engine._cron_escalate(time_budget=time_budget or 10**9),
            note=lambda done: (
                f"{done:,} customers contacted, {bench.last_wall / max(done, 1) * 1000:.2f} ms each "
                "(PDFs excluded, see 6b)"
            ),
        )
        bench.escalation_ms_per_customer = bench.last_wall / max(done, 1) * 1000
        bench.contacted = done
        again = None
        if not time_budget:
            again = bench.measure(
                "1. Escalation job, second run the same day",
                lambda: Engine._cron_escalate(time_budget=10**9),
                note=lambda done: f"{done:,} customers contacted",
            )
    env.cr.execute(
        "SELECT count(*) FROM (SELECT partner_id FROM ar_collection_event "
        "WHERE kind IN ('email', 'letter', 'legal') AND failed IS NOT TRUE "
        "GROUP BY partner_id HAVING count(*) > 1) duplicates"
    )
    duplicates = env.cr.fetchone()[0]
    print(f"  duplicate communications: {duplicates}", flush=True)
    bench.expect(done > 0, "the escalation contacted nobody")
    bench.expect(not again, f"the second run the same day contacted {again} customer(s)")
    bench.expect(not duplicates, f"{duplicates} customer(s) contacted twice by the escalation")


def order_check(bench, env):
    """The credit check of a quotation, for customers with 1, 100 and 1,000 open invoices."""
    for count in (1, 100, 1000):
        partner = customer_with_invoices(env, f"Bench order customer {count}", count)
        env["ar.credit.profile"]._refresh_exposure(partner)
        order = quotation(env, partner)
        env.flush_all()
        env.invalidate_all()
        bench.measure(
            f"3. Sale order credit check, customer with {count:,} open invoices",
            lambda order=order: order._ar_credit_issues(),
            note=lambda issues: f"{len(issues)} issue(s)",
        )
    env.cr.commit()


def exposure(bench, env):
    """The exposure kept current when an invoice is posted (when it is paid: overhead.py)."""
    partner = env["res.partner"].search([("name", "=", "Bench Customer 000001")])
    template = env["account.move"].search([("name", "=", "BENCH/0000001")])
    invoice = template.copy({"partner_id": partner.id, "invoice_date": template.invoice_date})
    env.flush_all()
    bench.measure("4. Exposure update after posting one invoice", invoice.action_post)
    env.cr.commit()


def searches(bench, env):
    """The partner searches on the credit flags, and their query plans for the results file."""
    Partner = env["res.partner"]
    for label, field in (("over limit", "ar_over_limit"), ("review due", "ar_review_due")):
        env.invalidate_all()
        found = bench.measure(
            f'5. Partner search "{label}"',
            lambda field=field: Partner.search([(field, "=", True)]),
            note=lambda partners: f"{len(partners):,} partners",
        )
        del found
    env.cr.execute("EXPLAIN SELECT id FROM ar_credit_profile WHERE over_limit AND company_id = %s", [env.company.id])
    bench.explain_over_limit = "\n".join(row[0] for row in env.cr.fetchall())
    env.cr.execute(
        "EXPLAIN SELECT id FROM ar_credit_profile WHERE next_review_date <= CURRENT_DATE AND company_id = %s",
        [env.company.id],
    )
    bench.explain_review_due = "\n".join(row[0] for row in env.cr.fetchall())


def review(bench, env, settled=True):
    """The credit review job over every customer, twice: the first review gives most of them
    another rating than the default one they were created with (their invoices carry it), the
    second (unless not ``settled``) is the steady state of a periodic review, where few ratings change."""
    labels = ("first review, most ratings change", "again, ratings settled")
    for label in labels if settled else labels[:1]:
        env.cr.execute("UPDATE ar_credit_profile SET next_review_date = CURRENT_DATE")
        env.cr.commit()
        env.cr.execute("SELECT count(*) FROM ar_credit_review")
        before = env.cr.fetchone()[0]
        done = bench.measure(
            f"6. Credit review job over all customers, {label}",
            lambda: env["ar.credit.review"]._cron_review_due(time_budget=10**9),
            note=lambda done: (
                f"{done:,} customers reviewed, {bench.last_queries / max(done, 1):.3f} queries each" if done else ""
            ),
        )
        env.cr.execute("SELECT count(*) FROM ar_credit_review")
        logged = env.cr.fetchone()[0] - before
        bench.expect(logged == done, f"the credit review reviewed {done:,} customers and logged {logged:,} reviews")


def exposure_job(bench, env):
    """The daily exposure refresh job, every customer with open items."""
    env.cr.execute("SELECT count(*) FROM ar_credit_profile WHERE open_receivable <> 0 OR oldest_due_date IS NOT NULL")
    due = env.cr.fetchone()[0]
    bench.measure(
        "6c. Exposure refresh job over all customers with open items",
        lambda: env["ar.credit.profile"]._cron_refresh_exposure(time_budget=10**9),
        note=lambda done: (
            f"{done:,} customers refreshed, {bench.last_queries / max(done, 1):.3f} queries each" if done else ""
        ),
    )
    bench.expect(bench.rows[-1][4].startswith(f"{due:,} "), f"the exposure refresh job did not refresh all {due:,}")


def kpi_dashboard(bench, env):
    bench.measure(
        "KPI dashboard (DSO, CEI, aging, stage rates, forecast, worklist)",
        lambda: env["ar.collection.kpi"].get_dashboard_data(),
        note=lambda data: f"{len(data)} blocks",
    )


def letters(bench, env):
    """PDF letters of the escalation's letter stages, with real wkhtmltopdf. It loads the
    letters' CSS from an Odoo server: AR_REPORT_URL, or one started here on the database."""
    sample, alone = (10, 2) if bench.args.smoke else (100, 20) if bench.args.quick else (1000, 50)
    # The demand letter (the longest, with the most lookups) for customers the run contacted,
    # whatever their stage: in the generated data most end at the legal file.
    demand = env.ref("ar_collections.action_report_demand_letter")
    events = env["ar.collection.event"].search([("kind", "in", ("email", "letter", "legal"))], limit=sample)
    with servers.report_server(env, bench.addons_path, os.environ.get("AR_REPORT_URL")):
        Report = env["ir.actions.report"]

        def one_call_each():
            for event in events[:alone]:
                Report.with_context(lang=event.partner_id.lang)._render_qweb_pdf(demand.report_name, event.ids)
            return alone

        def as_the_escalation():
            # What each batch of the escalation does with a stage's letters: render them, keep
            # each on its event.
            size = env.company.ar_collection_batch_size
            kept = [("res_model", "=", "ar.collection.event"), ("mimetype", "=", "application/pdf")]
            before = env["ir.attachment"].search_count(kept)
            for start in range(0, len(events), size):
                events[start : start + size]._attach_letters(demand)
            made = env["ir.attachment"].search_count(kept) - before
            bench.expect(made == len(events), f"{made} letters kept for {len(events)} rendered")
            return len(events)

        for label, render in (
            (f"{alone} rendered, one wkhtmltopdf call each", one_call_each),
            (f"{len(events)} rendered as the escalation's batches do (calls side by side)", as_the_escalation),
        ):
            started = time.perf_counter()
            bench.measure(
                f"6b. PDF letters, {label}",
                render,
                note=lambda count, started=started: f"{count / (time.perf_counter() - started):.2f} letters/s",
            )
