"""Benchmark ar_collections on a large generated receivable dataset.

    python3 bench/bench.py [--quick] [--db ar_bench] [--customers N] [--invoices N]

Builds its own database (dropped first), generates the dataset (bench/dataset.py),
installs the addon into it, then measures the hot paths: wall time, SQL queries and the
process's peak RSS for each, printed as a table and written to bench/RESULTS.md with a
description of the machine. Needs Odoo 18.0 and PostgreSQL, like `make test`.
"""

import argparse
import contextlib
import os
import platform
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

try:
    import odoo
except ImportError:
    sys.exit("Odoo 18.0 is not importable by this Python: see README.md, Prerequisites.")

from dataset import Dataset  # noqa: E402

from odoo import SUPERUSER_ID  # noqa: E402
from odoo import api  # noqa: E402
from odoo import fields  # noqa: E402
from odoo import sql_db  # noqa: E402
from odoo.modules.registry import Registry  # noqa: E402
from odoo.tools import config  # noqa: E402

SIZES = {"default": (20_000, 100_000), "quick": (2_000, 10_000)}


def odoo_addons_path():
    base = os.path.dirname(odoo.__file__)
    candidates = (os.path.join(os.path.dirname(base), "addons"), os.path.join(base, "addons"))
    return ",".join([ROOT, *(path for path in candidates if os.path.isdir(path))])


class Bench:
    def __init__(self, args):
        self.args = args
        self.db = args.db
        self.addons_path = odoo_addons_path()
        self.rows = []

    # ---- running Odoo -------------------------------------------------------

    def odoo(self, *arguments):
        command = [sys.executable, "-m", "odoo", "-d", self.db, f"--addons-path={self.addons_path}"]
        command += ["--without-demo=all", "--stop-after-init", "--log-level=warn", *arguments]
        subprocess.run(command, check=True, stderr=subprocess.DEVNULL if self.args.quiet else None)

    @contextlib.contextmanager
    def env(self):
        registry = Registry(self.db)
        with registry.cursor() as cr:
            yield api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})

    def measure(self, label, function, note=""):
        """Run ``function`` and record its wall time, SQL query count and the peak RSS."""
        queries = sql_db.sql_counter
        started = time.perf_counter()
        result = function()
        wall = time.perf_counter() - started
        count = sql_db.sql_counter - queries
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.rows.append((label, wall, count, rss, note if not callable(note) else note(result)))
        print(f"{label:<62} {wall:>9.3f} s {count:>8} q {rss:>7.0f} MB  {self.rows[-1][4]}", flush=True)
        return result

    def timed(self, label, function, note=""):
        """A step run in another process (install, upgrade): wall time only."""
        started = time.perf_counter()
        function()
        wall = time.perf_counter() - started
        self.rows.append((label, wall, None, None, note))
        print(f"{label:<62} {wall:>9.3f} s", flush=True)

    # ---- the run ------------------------------------------------------------------

    def run(self):
        customers, invoices = self.args.customers, self.args.invoices
        config.parse_config(["-d", self.db, f"--addons-path={self.addons_path}", "--without-demo=all"])
        subprocess.run(
            [sys.executable, "-m", "odoo", "db", "drop", self.db], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        print(f"Creating {self.db} (account, sale_management)...", flush=True)
        self.timed("Create the database (account, sale_management)", lambda: self.odoo("-i", "account,sale_management"))
        with self.env() as env:
            dataset = Dataset(env, customers, invoices)
            self.measure(
                f"Generate {customers:,} customers and {invoices:,} posted invoices",
                dataset.build,
            )
            checked, partials = dataset.check()
            print(f"  consistent: {checked:,} invoices, {partials:,} reconciliations", flush=True)
            env.cr.commit()
        self.timed("7a. Install ar_collections into the generated database", lambda: self.odoo("-i", "ar_collections"))
        self.timed("7a. Upgrade ar_collections", lambda: self.odoo("-u", "ar_collections"))
        with self.env() as env:
            self.measure_escalation(env)
            self.measure_order_check(env)
            self.measure_exposure(env)
            self.measure_searches(env)
            self.measure_review(env)
            self.measure_letters(env)
        self.write_results()

    # ---- measures -----------------------------------------------------------------

    def measure_escalation(self, env):
        Profile = env["ar.credit.profile"]
        env.cr.execute("SELECT count(*) FROM account_move WHERE ar_next_action_date <= CURRENT_DATE")
        due = env.cr.fetchone()[0]
        # The letters are measured on their own (6b): here the job's own work.
        pdf = b"%PDF-1.4 bench placeholder"
        with _patched(type(env["ir.actions.report"]), "_render_qweb_pdf", lambda *a, **k: (pdf, "pdf")):
            self.measure(
                f"1. Escalation job, first run ({due:,} invoices due)",
                lambda: Profile._cron_escalate(time_budget=10**9),
                note=lambda done: f"{done:,} customers contacted (PDFs excluded, see 6b)",
            )
            self.measure(
                "1. Escalation job, second run the same day",
                lambda: Profile._cron_escalate(time_budget=10**9),
                note=lambda done: f"{done:,} customers contacted",
            )
        env.cr.execute(
            "SELECT count(*) FROM (SELECT partner_id FROM ar_collection_event WHERE kind = 'email' "
            "GROUP BY partner_id, stage_id, date::date HAVING count(*) > 1) duplicates"
        )
        print(f"  duplicate communications: {env.cr.fetchone()[0]}", flush=True)

    def _customer_with(self, env, dataset_size, count):
        """A customer with ``count`` open invoices (made for the purpose)."""
        partner = env["res.partner"].create({"name": f"Bench order customer {count}", "is_company": True})
        product = env["product.product"].search([("name", "=", "Bench goods")], limit=1)
        template = env["account.move"].search([("name", "=", "BENCH/0000001")])
        for _index in range(count):
            template.copy({"partner_id": partner.id, "invoice_date": template.invoice_date}).action_post()
        order = env["sale.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 1, "price_unit": 10.0})],
            }
        )
        env.flush_all()
        return order

    def measure_order_check(self, env):
        counts = (1, 100, 1000) if not self.args.quick else (1, 100, 300)
        for count in counts:
            order = self._customer_with(env, self.args.invoices, count)
            env.invalidate_all()
            self.measure(
                f"3. Sale order credit check, customer with {count:,} open invoices",
                lambda order=order: order._ar_credit_issues(),
                note=lambda issues: f"{len(issues)} issue(s)",
            )
        env.cr.commit()

    def measure_exposure(self, env):
        partner = env["res.partner"].search([("name", "=", "Bench Customer 000001")])
        template = env["account.move"].search([("name", "=", "BENCH/0000001")])
        invoice = template.copy({"partner_id": partner.id, "invoice_date": template.invoice_date})
        env.flush_all()
        self.measure("4. Exposure update after posting one invoice", invoice.action_post)
        payment = self.measure(
            "4. Exposure update after reconciling one payment",
            lambda: (
                env["account.payment.register"]
                .with_context(active_model="account.move", active_ids=invoice.ids)
                .create({})
                ._create_payments()
            ),
        )
        assert invoice.payment_state in ("paid", "in_payment"), payment
        env.cr.commit()

    def measure_searches(self, env):
        Partner = env["res.partner"]
        for label, field in (("over limit", "ar_over_limit"), ("review due", "ar_review_due")):
            env.invalidate_all()
            found = self.measure(
                f'5. Partner search "{label}"',
                lambda field=field: Partner.search([(field, "=", True)]),
                note=lambda partners: f"{len(partners):,} partners",
            )
            del found
        env.cr.execute(
            "EXPLAIN SELECT id FROM ar_credit_profile WHERE over_limit AND company_id = %s", [env.company.id]
        )
        self.explain_over_limit = "\n".join(row[0] for row in env.cr.fetchall())
        env.cr.execute(
            "EXPLAIN SELECT id FROM ar_credit_profile WHERE next_review_date <= CURRENT_DATE AND company_id = %s",
            [env.company.id],
        )
        self.explain_review_due = "\n".join(row[0] for row in env.cr.fetchall())

    def measure_review(self, env):
        env.cr.execute("UPDATE ar_credit_profile SET next_review_date = CURRENT_DATE")
        env.cr.commit()
        self.measure(
            "6. Credit review job over all customers",
            lambda: env["ar.credit.profile"]._cron_review_due(time_budget=10**9),
            note=lambda done: f"{done:,} customers reviewed" if isinstance(done, int) else "",
        )

    def measure_letters(self, env):
        sample = 20 if self.args.quick else 50
        events = env["ar.collection.event"].search(
            [("kind", "=", "email"), ("stage_id.report_id", "!=", False)], limit=sample
        )
        url = os.environ.get("AR_REPORT_URL")
        if not url:
            self.rows.append(("6b. PDF letters", None, None, None, "skipped: set AR_REPORT_URL (see README)"))
            return

        def render():
            for event in events:
                event.stage_id.report_id._render_qweb_pdf(event.stage_id.report_id.report_name, event.ids)
            return len(events)

        env["ir.config_parameter"].sudo().set_param("report.url", url)
        self.measure(
            f"6b. PDF letters, {len(events)} rendered one per wkhtmltopdf call",
            render,
            note=lambda count: f"{count / max(self.rows[-1][1], 1e-9):.2f} letters/s" if self.rows else "",
        )

    # ---- results --------------------------------------------------------------------

    def write_results(self):
        cpu = platform.processor() or platform.machine()
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            models = [line.split(":", 1)[1].strip() for line in info if line.startswith("model name")]
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
        lines = [
            "# Benchmark results",
            "",
            f"Run on {fields.Datetime.now():%Y-%m-%d %H:%M} UTC, size "
            f"{'quick' if self.args.quick else 'default'}: {self.args.customers:,} customers, "
            f"{self.args.invoices:,} invoices.",
            f"Machine: {models[0] if models else cpu}, {os.cpu_count()} CPU, {mem:.0f} GiB RAM, "
            f"{platform.system()} {platform.release()}, Python {platform.python_version()}, "
            f"Odoo {odoo.release.version}.",
            "",
            "| Measure | Wall time (s) | SQL queries | Peak RSS (MB) | Note |",
            "|---|---:|---:|---:|---|",
        ]
        for label, wall, count, rss, note in self.rows:
            lines.append(
                f"| {label} | {'' if wall is None else f'{wall:.3f}'} | {'' if count is None else count} | "
                f"{'' if rss is None else f'{rss:.0f}'} | {note} |"
            )
        lines += [
            "",
            "`EXPLAIN` of the partner searches (the flags are stored, indexed columns of the credit profile):",
            "",
            "```",
            getattr(self, "explain_over_limit", ""),
            "",
            getattr(self, "explain_review_due", ""),
            "```",
            "",
        ]
        target = os.path.join(HERE, "RESULTS.md" if not self.args.quick else "RESULTS-quick.md")
        with open(target, "w", encoding="utf-8") as file:
            file.write("\n".join(lines))
        print(f"Written to {target}")


@contextlib.contextmanager
def _patched(cls, name, function):
    original = getattr(cls, name)
    setattr(cls, name, function)
    try:
        yield
    finally:
        setattr(cls, name, original)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 customers and 10,000 invoices")
    parser.add_argument("--db", default="ar_bench")
    parser.add_argument("--customers", type=int)
    parser.add_argument("--invoices", type=int)
    parser.add_argument("--quiet", action="store_true", help="hide Odoo's warnings from the installs")
    args = parser.parse_args()
    default_customers, default_invoices = SIZES["quick" if args.quick else "default"]
    args.customers = args.customers or default_customers
    args.invoices = args.invoices or default_invoices
    Bench(args).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
