"""The comparison with OCA's credit control (7): the OCA addons the benchmark runs, installed
from PyPI; a copy of the generated database with OCA's account_credit_control and
sale_financial_risk instead of ours; their credit line generation, emails and order check
measured on it; and the ratios of their figures to ours.
"""

import os
import subprocess
import sys

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
    """OCA's credit lines, emails and order check measured on ``copy``, then the ratios."""
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
        _emails(bench, env, run)
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
    level. Sampled, reported per customer next to ours."""
    sample = 200 if bench.args.quick else 1000
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
    env.cr.commit()


def _add_ratios(bench):
    """How many times faster ours is, where both sides were measured."""

    def wall(prefix):
        return next((row[1] for row in bench.rows if row[0].startswith(prefix) and row[1]), None)

    pairs = (
        ("Escalation (first run) vs OCA credit control line generation", "1. Escalation job, first run",
         "7. (OCA) account_credit_control"),
        ("Order credit check at 1,000 open invoices vs OCA sale_financial_risk",
         "3. Sale order credit check, customer with 1,000", "7. (OCA) sale_financial_risk"),
    )  # fmt: skip
    ratios = [(label, wall(theirs) / wall(ours)) for label, ours, theirs in pairs if wall(ours) and wall(theirs)]
    ours_per_customer = bench.escalation_ms_per_customer
    theirs_per_customer = bench.oca_ms_per_customer
    if ours_per_customer and theirs_per_customer:
        theirs_per_customer += bench.oca_lines_ms_per_customer or 0.0
        ratios.append(
            (
                "Escalation per customer contacted vs OCA lines + emails per customer "
                f"({ours_per_customer:.1f} ms vs {theirs_per_customer:.1f} ms)",
                theirs_per_customer / ours_per_customer,
            )
        )
    for label, ratio in ratios:
        bench.summarize(f"7. Ratio: {label}", f"ours is {ratio:.1f}x faster")
        print(f"  {label}: ours is {ratio:.1f}x faster", flush=True)
