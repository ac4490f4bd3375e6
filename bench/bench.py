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
# What the benchmark compares with, and runs on: OCA addons for 18.0 from PyPI.
OCA_WHEELS = {
    "queue_job": "odoo-addon-queue-job>=18.0,<18.1",
    "account_credit_control": "odoo-addon-account-credit-control>=18.0,<18.1",
    "account_financial_risk": "odoo-addon-account-financial-risk>=18.0,<18.1",
    "sale_financial_risk": "odoo-addon-sale-financial-risk>=18.0,<18.1",
}


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
        self.problems = []

    def expect(self, condition, problem):
        """A check of the run's correctness (not of its speed): a failed one fails the run."""
        if not condition:
            self.problems.append(problem)
            print(f"  PROBLEM: {problem}", flush=True)

    # ---- running Odoo -------------------------------------------------------

    def odoo(self, *arguments):
        command = [sys.executable, "-m", "odoo", "-d", self.db, f"--addons-path={self.addons_path}"]
        command += ["--without-demo=all", "--stop-after-init", "--log-level=warn", *arguments]
        subprocess.run(command, check=True, stderr=subprocess.DEVNULL if self.args.quiet else None)

    @contextlib.contextmanager
    def env(self):
        Registry.delete(self.db)  # the addons installed by another process since
        registry = Registry(self.db)
        with registry.cursor() as cr:
            yield api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})

    def measure(self, label, function, note=""):
        """Run ``function`` and record its wall time, SQL query count and the peak RSS."""
        queries = sql_db.sql_counter
        started = time.perf_counter()
        result = function()
        wall = self.last_wall = time.perf_counter() - started
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

    def install_oca_addons(self):
        """The OCA addons the benchmark runs, from PyPI, without their dependency on the odoo package."""
        import odoo.addons  # noqa: PLC0415

        missing = [
            wheel
            for name, wheel in OCA_WHEELS.items()
            if not any(os.path.isdir(os.path.join(path, name)) for path in odoo.addons.__path__)
        ]
        if missing:
            subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", *missing], check=True)

    def run_letters_only(self):
        """Measure the letters again on the existing database; add them to the results file."""
        config.parse_config(["-d", self.db, f"--addons-path={self.addons_path}", "--without-demo=all"])
        with self.env() as env:
            self.measure_letters(env)
        self.append_results("Letters, measured again on the same database (`bench.py --letters-only`)")

    def run_queue_only(self):
        """Measure the queue_job runs again from the last run's copy; add them to the results file."""
        config.parse_config(["-d", self.db, f"--addons-path={self.addons_path}", "--without-demo=all"])
        self.measure_queue_speedup(f"{self.db}_q")
        self.append_results("queue_job runs, measured again from the same copy (`bench.py --queue-only`)")

    def append_results(self, title):
        target = os.path.join(HERE, "RESULTS.md" if not self.args.quick else "RESULTS-quick.md")
        with open(target, "a", encoding="utf-8") as file:
            file.write(f"\n{title}:\n\n")
            file.write("| Measure | Wall time (s) | SQL queries | Peak RSS (MB) | Note |\n|---|---:|---:|---:|---|\n")
            for label, wall, count, rss, note in self.rows:
                file.write(
                    f"| {label} | {'' if wall is None else f'{wall:.3f}'} | {'' if count is None else count} | "
                    f"{'' if rss is None else f'{rss:.0f}'} | {note} |\n"
                )

    def run(self):
        self.install_oca_addons()
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
        oca_db = self.prepare_oca_copy() if not self.args.skip_oca else None
        self.timed("7a. Install ar_collections into the generated database", lambda: self.odoo("-i", "ar_collections"))
        self.timed("7a. Upgrade ar_collections", lambda: self.odoo("-u", "ar_collections"))
        queue_db = self.prepare_queue_copy() if not self.args.skip_queue else None
        with self.env() as env:
            self.measure_escalation(env)
            self.measure_order_check(env)
            self.measure_exposure(env)
            self.measure_searches(env)
            self.measure_review(env)
            self.measure(
                "KPI dashboard (DSO, CEI, aging, stage rates, forecast, worklist)",
                lambda: env["ar.collection.kpi"].get_dashboard_data(),
                note=lambda data: f"{len(data)} blocks",
            )
            self.measure_letters(env)
        if queue_db:
            self.measure_queue_speedup(queue_db)
        if oca_db:
            self.measure_oca(oca_db)
        if not self.args.smoke:
            self.write_results()

    # ---- measures -----------------------------------------------------------------

    # ---- OCA credit-control --------------------------------------------------------

    def copy_database(self, suffix, install, source=None):
        """A copy of the database (or of ``source``) as it is now, named after the database with
        ``suffix``, then ``install()`` run on the copy (``self.odoo`` targets the copy meanwhile)."""
        copy = f"{self.db}{suffix}"
        subprocess.run([sys.executable, "-m", "odoo", "db", "drop", copy], capture_output=True, check=False)
        subprocess.run(
            [sys.executable, "-m", "odoo", "db", "duplicate", source or self.db, copy], capture_output=True, check=True
        )
        db, self.db = self.db, copy
        try:
            install()
        finally:
            self.db = db
        return copy

    def prepare_oca_copy(self):
        """The generated database with OCA's account_credit_control and sale_financial_risk instead of ours."""
        return self.copy_database(
            "_oca",
            lambda: self.timed(
                "7. (OCA) Install account_credit_control and sale_financial_risk",
                lambda: self.odoo("-i", "account_credit_control,sale_financial_risk"),
            ),
        )

    def measure_oca(self, copy):
        db, self.db = self.db, copy
        try:
            with self.env() as env:
                policy = env.ref("account_credit_control.credit_control_3_time")
                receivable = env["res.partner"].search([("name", "=", "Bench Template")]).property_account_receivable_id
                policy.account_ids = receivable
                env.company.credit_policy_id = policy
                run = env["credit.control.run"].create(
                    {"date": fields.Date.context_today(env.user), "policy_ids": [(6, 0, policy.ids)]}
                )
                env.cr.commit()
                self.measure(
                    f"7. (OCA) account_credit_control line generation, policy {policy.name} "
                    f"({len(policy.level_ids)} levels)",
                    run.generate_credit_lines,
                    note=lambda _result: f"{len(run.line_ids):,} credit control lines",
                )
                self.oca_lines_ms_per_customer = self.last_wall / max(len(run.line_ids.partner_id), 1) * 1000
                env.cr.commit()
                self.measure_oca_emails(env, run)
                partner = env["res.partner"].create({"name": "Bench OCA risk customer", "is_company": True})
                Dataset(env, 0, 0, log=lambda *a: None).add_invoices(partner, 1000)
                partner.write(
                    {
                        "credit_limit": 1.0,
                        "risk_invoice_open_include": True,
                        "risk_invoice_unpaid_include": True,
                        "risk_sale_order_include": True,
                    }
                )
                product = env["product.product"].search([("name", "=", "Bench goods")], limit=1)
                order = env["sale.order"].create(
                    {
                        "partner_id": partner.id,
                        "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 1, "price_unit": 10.0})],
                    }
                )
                env.flush_all()
                env.invalidate_all()
                self.measure(
                    "7. (OCA) sale_financial_risk confirmation check, customer with 1,000 open invoices",
                    lambda: order.evaluate_risk_message(partner),
                    note=lambda message: message.strip() or "no exception",
                )
                env.cr.commit()
        finally:
            self.db = db
        self.add_ratios()

    def measure_oca_emails(self, env, run):
        """OCA's second step, which our escalation does in the same run: the credit controller
        marks the lines to send, then the emails go out, one communication per customer and
        level. Sampled, reported per customer next to ours."""
        sample = 200 if self.args.quick else 1000
        email_lines = run.line_ids.filtered(lambda line: line.channel == "email")
        partners = email_lines.partner_id[:sample]
        lines = email_lines.filtered(lambda line: line.partner_id in partners)

        def send():
            lines.write({"state": "to_be_sent"})
            communications = env["credit.control.communication"]._generate_comm_from_credit_lines(lines)
            # Their email template attaches a PDF letter: left out, as in our escalation's measure (1).
            pdf = b"%PDF-1.4 bench placeholder"
            with _patched(type(env["ir.actions.report"]), "_render_qweb_pdf", lambda *a, **k: (pdf, "pdf")):
                communications._generate_emails()
                env.flush_all()
            return communications

        self.measure(
            f"7. (OCA) account_credit_control emails for {len(partners):,} customers ({len(lines):,} lines)",
            send,
            note=lambda communications: (
                f"{len(communications):,} communications, "
                f"{self.last_wall / max(len(partners), 1) * 1000:.1f} ms per customer"
            ),
        )
        self.oca_ms_per_customer = self.last_wall / max(len(partners), 1) * 1000
        self.expect(partners, "OCA's credit control generated no email line")
        env.cr.commit()

    def add_ratios(self):
        def wall(prefix):
            return next((row[1] for row in self.rows if row[0].startswith(prefix) and row[1]), None)

        pairs = (
            ("Escalation (first run) vs OCA credit control line generation", "1. Escalation job, first run",
             "7. (OCA) account_credit_control"),
            ("Order credit check at 1,000 open invoices vs OCA sale_financial_risk",
             "3. Sale order credit check, customer with 1,000", "7. (OCA) sale_financial_risk"),
        )  # fmt: skip
        ratios = [(label, wall(theirs) / wall(ours)) for label, ours, theirs in pairs if wall(ours) and wall(theirs)]
        ours_per_customer = getattr(self, "escalation_ms_per_customer", None)
        theirs_per_customer = getattr(self, "oca_ms_per_customer", None)
        if ours_per_customer and theirs_per_customer:
            theirs_per_customer += getattr(self, "oca_lines_ms_per_customer", 0.0)
            ratios.append(
                (
                    "Escalation per customer contacted vs OCA lines + emails per customer "
                    f"({ours_per_customer:.1f} ms vs {theirs_per_customer:.1f} ms)",
                    theirs_per_customer / ours_per_customer,
                )
            )
        for label, ratio in ratios:
            self.rows.append((f"7. Ratio: {label}", None, None, None, f"ours is {ratio:.1f}x faster"))
            print(f"  {label}: ours is {ratio:.1f}x faster", flush=True)

    # ---- queue_job ------------------------------------------------------------------

    def prepare_queue_copy(self):
        """A copy of the database as it is before the escalation, with the queue_job bridge."""
        return self.copy_database("_q", lambda: self.odoo("-i", "ar_collections_queue"))

    def measure_queue_speedup(self, base):
        """1 job at once, then 2, each on a fresh copy of ``base``; twice over (this machine's
        timings vary by a third from run to run), the speed-up from the best run of each."""
        rounds = 1 if self.args.smoke else 2
        walls = {1: [], 2: []}
        if not _websocket_process_starts():
            print(
                "  WARNING: Odoo's websocket (gevent) process cannot start with these packages: the prefork "
                "server will respawn it in a loop during the runs, eating a CPU. gevent's plugins need "
                "zope.interface and zope.event that pkg_resources can find (e.g. zope.interface<7, "
                "zope.event<5.1 with setuptools 65).",
                flush=True,
            )
        for number in range(1, rounds + 1):
            for workers in (1, 2):
                copy = self.copy_database(f"_q{workers}_{number}", lambda: None, source=base)
                walls[workers].append(self.measure_queue(workers, copy, number))
                subprocess.run([sys.executable, "-m", "odoo", "db", "drop", copy], capture_output=True, check=False)
        speedup = min(walls[1]) / min(walls[2])
        runs = ", ".join(f"{one / two:.2f}x" for one, two in zip(walls[1], walls[2], strict=True))
        self.rows.append(
            (
                f"2. Speed-up of 2 jobs at once over 1 (best of {rounds} run(s) each)",
                None,
                None,
                None,
                f"{speedup:.2f}x (run by run: {runs})",
            )
        )
        print(f"  speed-up: {speedup:.2f}x (run by run: {runs})", flush=True)

    def measure_queue(self, workers, copy, number=1):
        """The escalation through ar_collections_queue, run by queue_job's runner on ``workers``
        jobs at once (Odoo in prefork mode with one HTTP worker more)."""
        port = 8075
        environ = dict(os.environ, ODOO_QUEUE_JOB_CHANNELS=f"root:{workers},root.ar_collections:{workers}")
        with _connect(copy) as cr:
            # Letters are measured apart (6b): the jobs send the emails without their PDF.
            cr.execute("UPDATE ar_collection_stage SET print_letter = false")
        server = subprocess.Popen(
            [
                *odoo_server_command(), "-d", copy, f"--db-filter=^{copy}$", f"--addons-path={self.addons_path}",
                f"--workers={workers + 1}", "--max-cron-threads=0", f"--http-port={port}",
                "--load=base,web,queue_job", "--limit-time-real=7200", "--limit-time-cpu=7200",
                "--limit-memory-soft=4294967296", "--limit-memory-hard=8589934592", "--log-level=warn",
            ],
            env=environ,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        try:
            _wait_http(f"http://127.0.0.1:{port}/web/login")
            Registry.delete(copy)
            with Registry(copy).cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                started, busy_before = time.perf_counter(), _cpu_busy()
                jobs = env["ar.credit.profile"]._cron_escalate()
                cr.commit()
            peak_rss = 0
            with _connect(copy) as cr:
                while True:
                    cr.execute(
                        "SELECT count(*) FILTER (WHERE state NOT IN ('done', 'failed', 'cancelled')), "
                        "count(*) FILTER (WHERE state = 'failed') FROM queue_job WHERE channel = 'root.ar_collections'"
                    )
                    pending, failed = cr.fetchone()
                    peak_rss = max(peak_rss, _worker_rss(server.pid))
                    if not pending:
                        break
                    time.sleep(0.2)
                wall = time.perf_counter() - started
                busy = (_cpu_busy() - busy_before) / (wall * os.cpu_count()) * 100
                cr.execute(
                    "SELECT count(DISTINCT partner_id), count(*) - count(DISTINCT partner_id) FROM ar_collection_event "
                    "WHERE kind IN ('email', 'letter', 'legal') AND NOT COALESCE(failed, false)"
                )
                contacted, duplicates = cr.fetchone()
        finally:
            os.killpg(server.pid, 15)
            server.wait()
        self.rows.append(
            (
                f"2. Escalation on queue_job, {workers} job(s) at once ({jobs} batch jobs), run {number}",
                wall,
                None,
                peak_rss,
                f"{contacted:,} customers contacted, {duplicates} duplicate communications, {failed} failed jobs; "
                f"CPUs {busy:.0f} % busy; letters off (6b)",
            )
        )
        print(f"{self.rows[-1][0]:<62} {wall:>9.3f} s {'':>10} {peak_rss:>7.0f} MB  {self.rows[-1][4]}", flush=True)
        self.expect(not duplicates, f"{duplicates} duplicate communication(s) on queue_job with {workers} job(s)")
        self.expect(not failed, f"{failed} failed batch job(s) with {workers} job(s) at once")
        expected = getattr(self, "contacted", contacted)  # the cron's count, when it ran in this run
        self.expect(
            contacted == expected,
            f"queue_job with {workers} job(s) contacted {contacted:,} customers, the cron {expected:,}",
        )
        return wall

    def measure_escalation(self, env):
        Profile = env["ar.credit.profile"]
        env.cr.execute("SELECT count(*) FROM account_move WHERE ar_next_action_date <= CURRENT_DATE")
        due = env.cr.fetchone()[0]
        # The letters are measured on their own (6b): here the job's own work.
        pdf = b"%PDF-1.4 bench placeholder"
        placeholders = lambda events, report: dict.fromkeys(events, (pdf, "pdf"))  # noqa: E731
        with _patched(type(env["ar.collection.event"]), "_render_documents", placeholders):
            done = self.measure(
                f"1. Escalation job, first run ({due:,} invoices due)",
                lambda: Profile._cron_escalate(time_budget=10**9),
                note=lambda done: f"{done:,} customers contacted (PDFs excluded, see 6b)",
            )
            self.escalation_ms_per_customer = self.last_wall / max(done, 1) * 1000
            self.contacted = done
            again = self.measure(
                "1. Escalation job, second run the same day",
                lambda: Profile._cron_escalate(time_budget=10**9),
                note=lambda done: f"{done:,} customers contacted",
            )
        env.cr.execute(
            "SELECT count(*) FROM (SELECT partner_id FROM ar_collection_event "
            "WHERE kind IN ('email', 'letter', 'legal') AND NOT COALESCE(failed, false) "
            "GROUP BY partner_id HAVING count(*) > 1) duplicates"
        )
        duplicates = env.cr.fetchone()[0]
        print(f"  duplicate communications: {duplicates}", flush=True)
        self.expect(done > 0, "the escalation contacted nobody")
        self.expect(not again, f"the second run the same day contacted {again} customer(s)")
        self.expect(not duplicates, f"{duplicates} customer(s) contacted twice by the escalation")

    def _customer_with(self, env, count):
        """A customer with ``count`` open invoices (made for the purpose) and a quotation."""
        partner = env["res.partner"].create({"name": f"Bench order customer {count}", "is_company": True})
        Dataset(env, 0, 0, log=lambda *a: None).add_invoices(partner, count)
        env["ar.credit.profile"]._refresh_exposure(partner)
        product = env["product.product"].search([("name", "=", "Bench goods")], limit=1)
        order = env["sale.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 1, "price_unit": 10.0})],
            }
        )
        env.flush_all()
        return order

    def measure_order_check(self, env):
        for count in (1, 100, 1000):
            order = self._customer_with(env, count)
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
        """PDF letters of the escalation's letter stages, with real wkhtmltopdf. It loads the
        letters' CSS from an Odoo server: AR_REPORT_URL, or one started here on the database."""
        sample, alone = (10, 2) if self.args.smoke else (100, 20) if self.args.quick else (1000, 50)
        # The demand letter (the longest, with the most lookups) for customers the run contacted,
        # whatever their stage: in the generated data most end at the legal file.
        demand = env.ref("ar_collections.action_report_demand_letter")
        events = env["ar.collection.event"].search([("kind", "in", ("email", "letter", "legal"))], limit=sample)
        url, server = os.environ.get("AR_REPORT_URL"), None
        if not url:
            port = 8076
            url = f"http://127.0.0.1:{port}"
            server = subprocess.Popen(
                [
                    *odoo_server_command(), "-d", self.db, f"--db-filter=^{self.db}$",
                    f"--addons-path={self.addons_path}", f"--http-port={port}", "--max-cron-threads=0",
                    "--log-level=warn",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )  # fmt: skip
        try:
            _wait_http(f"{url}/web/login")
            env["ir.config_parameter"].sudo().set_param("report.url", url)
            env.cr.commit()

            Report = env["ir.actions.report"]

            def one_call_each():
                for event in events[:alone]:
                    Report.with_context(lang=event.partner_id.lang)._render_qweb_pdf(demand.report_name, event.ids)
                return alone

            def as_the_escalation():
                # What each batch of the escalation does with a stage's letters: render them, keep
                # each on its event.
                size = env.company.ar_collection_batch_size
                letters = [("res_model", "=", "ar.collection.event"), ("mimetype", "=", "application/pdf")]
                before = env["ir.attachment"].search_count(letters)
                for start in range(0, len(events), size):
                    events[start : start + size]._attach_letters(demand)
                made = env["ir.attachment"].search_count(letters) - before
                self.expect(made == len(events), f"{made} letters kept for {len(events)} rendered")
                return len(events)

            for label, render in (
                (f"{alone} rendered, one wkhtmltopdf call each", one_call_each),
                (f"{len(events)} rendered as the escalation's batches do (calls side by side)", as_the_escalation),
            ):
                started = time.perf_counter()
                self.measure(
                    f"6b. PDF letters, {label}",
                    render,
                    note=lambda count, started=started: f"{count / (time.perf_counter() - started):.2f} letters/s",
                )
        finally:
            if server:
                os.killpg(server.pid, 15)
                server.wait()

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


def _websocket_process_starts():
    """Whether gevent patches this Python as Odoo's websocket process does on startup."""
    check = subprocess.run(
        [sys.executable, "-c", "from gevent import monkey; monkey.patch_all()"], capture_output=True, check=False
    )
    return check.returncode == 0


def odoo_server_command():
    """How to start an Odoo server: through its launcher script. A prefork server starts its
    websocket (gevent) process by running its own ``sys.argv[0]`` again, which ``python -m
    odoo`` leaves unusable: that process would crash and be respawned in a loop, eating a
    CPU the measures need."""
    for launcher in (
        os.path.join(os.path.dirname(sys.executable), "odoo"),
        os.path.join(os.path.dirname(os.path.dirname(odoo.__file__)), "odoo-bin"),
    ):
        if os.path.isfile(launcher):
            return [sys.executable, launcher]
    return [sys.executable, "-m", "odoo"]


@contextlib.contextmanager
def _connect(db):
    connection = sql_db.db_connect(db)
    with contextlib.closing(connection.cursor()) as cr:
        cr._cnx.autocommit = True
        yield cr


def _wait_http(url, timeout=120):
    import urllib.request  # noqa: PLC0415

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"Odoo did not answer at {url}")


def _cpu_busy():
    """CPU seconds the whole machine has spent busy (all cores), from /proc/stat."""
    with open("/proc/stat", encoding="utf-8") as stat:
        values = [int(value) for value in stat.readline().split()[1:]]
    idle = values[3] + values[4]
    return (sum(values) - idle) / os.sysconf("SC_CLK_TCK")


def _worker_rss(server_pid):
    """The largest resident set (MB) among the server's processes."""
    largest = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat", encoding="utf-8") as stat:
                fields_ = stat.read().rsplit(")", 1)[1].split()
            if int(fields_[2]) != server_pid:
                continue
            with open(f"/proc/{pid}/status", encoding="utf-8") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        largest = max(largest, int(line.split()[1]) / 1024)
        except (OSError, ValueError, IndexError):
            continue
    return largest


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
    parser.add_argument("--skip-queue", action="store_true", help="skip the queue_job measures (2)")
    parser.add_argument("--skip-oca", action="store_true", help="skip the comparison with OCA's modules (7)")
    parser.add_argument("--letters-only", action="store_true", help="measure the letters on the existing database")
    parser.add_argument("--queue-only", action="store_true", help="measure the queue_job runs again (2)")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="CI: the quick size, a few letters, checks only (no timing is judged), no results file",
    )
    args = parser.parse_args()
    args.quick = args.quick or args.smoke
    default_customers, default_invoices = SIZES["quick" if args.quick else "default"]
    args.customers = args.customers or default_customers
    args.invoices = args.invoices or default_invoices
    bench = Bench(args)
    if args.letters_only:
        bench.run_letters_only()
    elif args.queue_only:
        bench.run_queue_only()
    else:
        bench.run()
    if bench.problems:
        print(f"The benchmark found {len(bench.problems)} problem(s):", *bench.problems, sep="\n  ")
        return 1
    print("Benchmark checks passed: no duplicate, no failed job, every letter kept.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
