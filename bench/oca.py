"""The comparison with OCA's credit control (7): the OCA addons the benchmark runs, installed
from PyPI; a copy of the generated database with OCA's account_credit_control and
sale_financial_risk instead of ours; their credit line generation, emails, first day (7b:
emails with letters through the same wkhtmltopdf and SMTP sink, printed letters) and order
check measured on it; and the like-for-like ratios of their costs per customer to ours.
"""

import os
import subprocess
import sys
import tempfile

import first_day
import servers
from dataset import customer_with_invoices
from dataset import quotation
from harness import PLACEHOLDER_PDF
from harness import patched

from odoo import fields

# What the benchmark compares with, and runs on: OCA addons for 18.0 from PyPI.
OCA_WHEELS = {
    "queue_job": "odoo-addon-queue-job>=18.0,<18.1",
    "account_credit_control": "odoo-addon-account-credit-control>=18.0,<18.1",
    "account_financial_risk": "odoo-addon-account-financial-risk>=18.0,<18.1",
    "sale_financial_risk": "odoo-addon-sale-financial-risk>=18.0,<18.1",
}


def install_addons():
    """The OCA addons the benchmark runs, from PyPI, without their dependency on the odoo package."""
    import odoo.addons  # noqa: PLC0415

    missing = [
        wheel
        for name, wheel in OCA_WHEELS.items()
        if not any(os.path.isdir(os.path.join(path, name)) for path in odoo.addons.__path__)
    ]
    if missing:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", *missing], check=True)


def prepare_copy(bench):
    """The generated database with OCA's account_credit_control and sale_financial_risk instead of ours."""
    return bench.copy_database(
        "_oca",
        lambda: bench.timed(
            "7. (OCA) Install account_credit_control and sale_financial_risk",
            lambda: bench.odoo("-i", "account_credit_control,sale_financial_risk"),
        ),
    )


def compare(bench, copy):
    """OCA's credit lines, emails, first day and order check measured on ``copy``, then the
    like-for-like ratios."""
    with bench.on_database(copy), bench.env() as env:
        policy = env.ref("account_credit_control.credit_control_3_time")
        receivable = env["res.partner"].search([("name", "=", "Bench Template")]).property_account_receivable_id
        policy.account_ids = receivable
        env.company.credit_policy_id = policy
        run = env["credit.control.run"].create(
            {"date": fields.Date.context_today(env.user), "policy_ids": [(6, 0, policy.ids)]}
        )
        env.cr.commit()
        bench.measure(
            f"7. (OCA) account_credit_control line generation, policy {policy.name} ({len(policy.level_ids)} levels)",
            run.generate_credit_lines,
            note=lambda _result: f"{len(run.line_ids):,} credit control lines",
        )
        bench.oca_lines_ms_per_customer = bench.last_wall / max(len(run.line_ids.partner_id), 1) * 1000
        env.cr.commit()
        sampled = _emails(bench, env, run)
        _first_day(bench, env, run, sampled)
        partner = customer_with_invoices(env, "Bench OCA risk customer", 1000)
        partner.write(
            {
                "credit_limit": 1.0,
                "risk_invoice_open_include": True,
                "risk_invoice_unpaid_include": True,
                "risk_sale_order_include": True,
            }
        )
        order = quotation(env, partner)
        env.flush_all()
        env.invalidate_all()
        bench.measure(
            "7. (OCA) sale_financial_risk confirmation check, customer with 1,000 open invoices",
            lambda: order.evaluate_risk_message(partner),
            note=lambda message: message.strip() or "no exception",
        )
        env.cr.commit()
    _add_ratios(bench)


def _emails(bench, env, run):
    """OCA's second step, which our escalation does in the same run: the credit controller
    marks the lines to send, then the emails go out, one communication per customer and
    level. Sampled, reported per customer next to ours (both without their PDF). Return the
    customers sampled."""
    sample = 50 if bench.args.smoke else 200 if bench.args.quick else 1000
    email_lines = run.line_ids.filtered(lambda line: line.channel == "email")
    partners = email_lines.partner_id[:sample]
    lines = email_lines.filtered(lambda line: line.partner_id in partners)

    def send():
        lines.write({"state": "to_be_sent"})
        communications = env["credit.control.communication"]._generate_comm_from_credit_lines(lines)
        # Their email template attaches a PDF letter: left out, as in our escalation's measure (1).
        with patched(type(env["ir.actions.report"]), "_render_qweb_pdf", lambda *a, **k: (PLACEHOLDER_PDF, "pdf")):
            communications._generate_emails()
            env.flush_all()
        return communications

    bench.measure(
        f"7. (OCA) account_credit_control emails for {len(partners):,} customers ({len(lines):,} lines)",
        send,
        note=lambda communications: (
            f"{len(communications):,} communications, "
            f"{bench.last_wall / max(len(partners), 1) * 1000:.1f} ms per customer"
        ),
    )
    bench.oca_ms_per_customer = bench.last_wall / max(len(partners), 1) * 1000
    bench.expect(partners, "OCA's credit control generated no email line")
    # These emails carry placeholders: they never leave.
    env["mail.mail"].search([("state", "=", "outgoing")]).unlink()
    env.cr.commit()
    return partners


def _first_day(bench, env, run, sampled):
    """OCA's first day on a sample of other customers, as ours (1b) runs it: their emails with
    their letters (OCA's template attaches its PDF, printed by the same wkhtmltopdf), sent by
    Odoo's mail queue to the same SMTP sink, then the letters of the letter-channel lines
    printed. Per customer next to our first day's."""
    sample = 5 if bench.args.smoke else 20 if bench.args.quick else 100
    email_lines = run.line_ids.filtered(lambda line: line.channel == "email" and line.partner_id not in sampled)
    partners = email_lines.partner_id[:sample]
    lines = email_lines.filtered(lambda line: line.partner_id in partners)
    # Their letters: the letter-channel lines of as many customers, else (the data has none at
    # that level) the same customers' letters printed for the post.
    letter_lines = run.line_ids.filtered(lambda line: line.channel == "letter")
    letter_partners = letter_lines.partner_id[:sample] or partners
    letter_lines = letter_lines.filtered(lambda line: line.partner_id in letter_partners) or lines
    with (
        tempfile.TemporaryDirectory(prefix="ar_bench_smtp.") as folder,
        servers.report_server(env, bench.addons_path),
        first_day.outgoing_through_sink(env, os.path.join(folder, "received.tsv")),
    ):

        def emails():
            lines.write({"state": "to_be_sent"})
            communications = env["credit.control.communication"]._generate_comm_from_credit_lines(lines)
            communications._generate_emails()
            env.cr.commit()
            return communications

        bench.measure(
            f"7b. (OCA) first day: emails with their letters, {len(partners):,} customers ({len(lines):,} lines)",
            emails,
            note=lambda communications: f"{len(communications):,} communications",
        )
        emails_wall = bench.last_wall
        bench.measure(
            "7b. (OCA) first day: mail queue to the SMTP sink",
            lambda: first_day.send_queue(env),
            note=lambda sent: f"{sent:,} emails left to the queue (the others were sent as they were posted)",
        )
        queue_wall = bench.last_wall

        def print_letters():
            # One call per letter: Odoo's own printing of several documents in one call fails with
            # Debian's wkhtmltopdf (unpatched Qt: exit code 1), which ours works around (6b).
            communications = env["credit.control.communication"]._generate_comm_from_credit_lines(letter_lines)
            for communication in communications:
                env["ir.actions.report"]._render_qweb_pdf(
                    "account_credit_control.report_credit_control_summary", communication.ids
                )
            return communications

        bench.measure(
            f"7b. (OCA) first day: printed letters, {len(letter_partners):,} customers",
            print_letters,
            note=lambda communications: f"{len(communications):,} letters, one wkhtmltopdf call each",
        )
        print_wall = bench.last_wall
        received = first_day.smtp_sink.read(os.path.join(folder, "received.tsv"))
    bench.expect(
        len(received) >= len(partners),
        f"OCA's first day: {len(received)} emails received for {len(partners)} customers",
    )
    bench.oca_day1_ms_per_customer = (
        (bench.oca_lines_ms_per_customer or 0.0)
        + (emails_wall + queue_wall) / max(len(partners), 1) * 1000
        + print_wall / max(len(letter_partners), 1) * 1000
    )
    env.cr.commit()


def _add_ratios(bench):
    """How many times faster ours is per customer, like for like: our escalation against OCA's
    lines and emails, both without PDFs; our first day against OCA's generate, send and print."""
    ratios = []
    ours, theirs = bench.escalation_ms_per_customer, bench.oca_ms_per_customer
    if ours and theirs:
        theirs += bench.oca_lines_ms_per_customer or 0.0
        ratios.append(
            (f"Escalation per customer contacted vs OCA lines + emails per customer ({ours:.1f} ms vs {theirs:.1f} ms)",
             theirs / ours)
        )  # fmt: skip
    if bench.day1 and bench.oca_day1_ms_per_customer:
        ours = bench.day1["total"] / max(bench.day1["contacted"], 1) * 1000
        theirs = bench.oca_day1_ms_per_customer
        ratios.append(
            (
                "First day per customer: our escalation + letters + mail queue vs OCA lines + emails with "
                f"letters + mail queue + printed letters ({ours:.1f} ms vs {theirs:.1f} ms)",
                theirs / ours,
            )
        )
    for label, ratio in ratios:
        bench.summarize(f"7. Ratio: {label}", f"ours is {ratio:.1f}x faster")
        print(f"  {label}: ours is {ratio:.1f}x faster", flush=True)
