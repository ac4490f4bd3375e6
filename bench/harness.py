"""The benchmark's harness: the run's state, the database it works on and its copies, how one
step is measured (wall time, SQL queries, the process's peak RSS), the correctness checks
that fail the run, and the results table, printed as it goes and written to bench/RESULTS.md
(bench/RESULTS-quick.md and bench/RESULTS-large.md at the other sizes).

The measures (measures.py, oca.py, queue_runs.py) record their rows through a ``Harness``;
none times, prints or writes a row itself.
"""

import contextlib
import os
import platform
import re
import resource
import subprocess
import sys
import time

import psutil

import odoo
from odoo import SUPERUSER_ID
from odoo import api
from odoo import fields
from odoo import sql_db
from odoo.modules.registry import Registry
from odoo.tools import config

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# What stands for a rendered PDF letter where a measure leaves the letters out: they are
# measured on their own (6b).
PLACEHOLDER_PDF = b"%PDF-1.4 bench placeholder"
# The title of RESULTS.md's section that the --large run writes (capacity.py).
LARGE_SECTION = "## 10x the data (`bench.py --large`)"
TABLE_HEADER = ["| Measure | Wall time (s) | SQL queries | Peak RSS (MB) | Note |", "|---|---:|---:|---:|---|"]


def odoo_addons_path():
    """This repository, then Odoo's own addons folders (source checkout or wheel)."""
    base = os.path.dirname(odoo.__file__)
    candidates = (os.path.join(os.path.dirname(base), "addons"), os.path.join(base, "addons"))
    return ",".join([ROOT, *(path for path in candidates if os.path.isdir(path))])


@contextlib.contextmanager
def patched(cls, name, function):
    """``cls.name`` replaced by ``function`` for the duration of the block."""
    original = getattr(cls, name)
    setattr(cls, name, function)
    try:
        yield
    finally:
        setattr(cls, name, original)


def number(text, pattern):
    """The number the first group of ``pattern`` finds in ``text`` (thousands commas allowed), or None."""
    match = re.search(pattern, text or "")
    return float(match.group(1).replace(",", "")) if match else None


class Harness:
    """One benchmark run: its options, the database the measures target, and the rows."""

    def __init__(self, args):
        self.args = args
        self.db = args.db
        self.addons_path = odoo_addons_path()
        self.rows = []
        self.sql_seconds = {}  # measure label: seconds spent waiting for its SQL queries
        # Sections of text written after the table (the capacity model): lists of lines.
        self.sections = []
        self.problems = []
        self.last_wall = None
        self.last_queries = None
        # Figures a measure leaves for a later one: the escalation's (1) for the queue_job
        # runs' check (2) and the ratios with OCA (7), OCA's per-customer costs for those ratios.
        self.contacted = None
        self.escalation_batches = None
        self.escalation_batch_size = None
        self.escalation_ms_per_customer = None
        self.oca_lines_ms_per_customer = None
        self.oca_ms_per_customer = None
        self.oca_day1_ms_per_customer = None
        # Plain Odoo's queries for the same order and payment (3b, 4b), for the overheads.
        self.plain_queries = None
        # The first day's figures (1b), for OCA's first day and the capacity model.
        self.day1 = None
        # The partner searches' query plans (5), for the results file.
        self.explain_over_limit = ""
        self.explain_review_due = ""

    # ---- the database -------------------------------------------------------------

    def configure(self):
        """Odoo's configuration for this process: the run's database and addons path."""
        config.parse_config(["-d", self.db, f"--addons-path={self.addons_path}", "--without-demo=all"])

    def odoo(self, *arguments):
        """Odoo run once on the database in another process (install, upgrade), then stopped;
        return the process's peak RSS in MB (sampled twice a second)."""
        command = [sys.executable, "-m", "odoo", "-d", self.db, f"--addons-path={self.addons_path}"]
        command += ["--without-demo=all", "--stop-after-init", "--log-level=warn", *arguments]
        process = subprocess.Popen(command, stderr=subprocess.DEVNULL if self.args.quiet else None)
        peak = 0
        with contextlib.suppress(psutil.Error):
            watched = psutil.Process(process.pid)
            while process.poll() is None:
                with contextlib.suppress(psutil.Error):
                    peak = max(peak, watched.memory_info().rss)
                time.sleep(0.5)
        if process.wait():
            raise subprocess.CalledProcessError(process.returncode, command)
        return peak / 2**20

    @contextlib.contextmanager
    def env(self):
        """A superuser environment on the database, its cursor closed after the block."""
        Registry.delete(self.db)  # the addons installed by another process since
        registry = Registry(self.db)
        with registry.cursor() as cr:
            yield api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})

    @contextlib.contextmanager
    def on_database(self, name):
        """``self.db`` (so ``odoo()`` and ``env()``) is ``name`` for the duration of the block."""
        db, self.db = self.db, name
        try:
            yield
        finally:
            self.db = db

    @staticmethod
    def drop_database(name):
        subprocess.run([sys.executable, "-m", "odoo", "db", "drop", name], capture_output=True, check=False)

    def copy_database(self, suffix, install, source=None):
        """A copy of the database (or of ``source``) as it is now, named after the database with
        ``suffix``, then ``install()`` run on the copy (``self.odoo`` targets the copy meanwhile)."""
        copy = f"{self.db}{suffix}"
        self.drop_database(copy)
        subprocess.run(
            [sys.executable, "-m", "odoo", "db", "duplicate", source or self.db, copy], capture_output=True, check=True
        )
        with self.on_database(copy):
            install()
        return copy

    # ---- measuring ----------------------------------------------------------------

    def expect(self, condition, problem):
        """A check of the run's correctness (not of its speed): a failed one fails the run."""
        if not condition:
            self.problems.append(problem)
            print(f"  PROBLEM: {problem}", flush=True)

    def measure(self, label, function, note=""):
        """Run ``function`` and record its wall time, SQL query count and the peak RSS; the time
        its queries took, as this process waited for them, kept in ``sql_seconds``."""
        queries = sql_db.sql_counter
        waited = [0.0]
        execute = sql_db.Cursor.execute

        def timed_execute(cursor, *args, **kwargs):
            started = time.perf_counter()
            try:
                return execute(cursor, *args, **kwargs)
            finally:
                waited[0] += time.perf_counter() - started

        started = time.perf_counter()
        with patched(sql_db.Cursor, "execute", timed_execute):
            result = function()
        self.sql_seconds[label] = waited[0]
        wall = self.last_wall = time.perf_counter() - started
        count = self.last_queries = sql_db.sql_counter - queries
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.record(label, wall, count, rss, note if not callable(note) else note(result))
        return result

    def timed(self, label, function, note=""):
        """A step run in another process (install, upgrade): its wall time, and its peak RSS
        when ``function`` returns it."""
        started = time.perf_counter()
        rss = function()
        self.record(label, time.perf_counter() - started, rss=rss, note=note)

    def record(self, label, wall, count=None, rss=None, note=""):
        """A row measured by its caller, printed as the table goes: without a peak RSS, the
        wall time alone."""
        self.rows.append((label, wall, count, rss, note))
        line = f"{label:<62} {wall:>9.3f} s"
        if rss is not None:
            queries = "" if count is None else f"{count:>8} q"
            line += f" {queries:>10} {rss:>7.0f} MB  {note}"
        print(line, flush=True)

    def row(self, prefix, timed=False):
        """The first row whose label starts with ``prefix`` (``timed``: one with a wall time,
        not a summary), or None."""
        return next((row for row in self.rows if row[0].startswith(prefix) and (row[1] is not None or not timed)), None)

    def summarize(self, label, note):
        """A row of figures drawn from other rows (a speed-up, a ratio): a note only."""
        self.rows.append((label, None, None, None, note))

    # ---- results ------------------------------------------------------------------

    def size(self):
        return "quick" if self.args.quick else "large" if getattr(self.args, "large", False) else "default"

    def results_path(self):
        """bench/RESULTS.md at the default size, bench/RESULTS-<size>.md at the others."""
        return os.path.join(HERE, "RESULTS.md" if self.size() == "default" else f"RESULTS-{self.size()}.md")

    def table(self):
        """The rows as a Markdown table."""
        lines = list(TABLE_HEADER)
        for label, wall, count, rss, note in self.rows:
            lines.append(
                f"| {label} | {'' if wall is None else f'{wall:.3f}'} | {'' if count is None else count} | "
                f"{'' if rss is None else f'{rss:.0f}'} | {note} |"
            )
        return lines

    def explain_section(self):
        """The partner searches' query plans, when this run measured them (not at the large size)."""
        if not (self.explain_over_limit or self.explain_review_due):
            return []
        return [
            "`EXPLAIN` of the partner searches (the flags are stored, indexed columns of the credit profile):",
            "",
            "```",
            self.explain_over_limit,
            "",
            self.explain_review_due,
            "```",
            "",
        ]

    def write_results(self):
        """The results file, replaced: the machine, the table and the searches' query plans."""
        cpu = platform.processor() or platform.machine()
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            models = [line.split(":", 1)[1].strip() for line in info if line.startswith("model name")]
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
        lines = [
            "# Benchmark results",
            "",
            f"Run on {fields.Datetime.now():%Y-%m-%d %H:%M} UTC, size "
            f"{self.size()}: {self.args.customers:,} customers, "
            f"{self.args.invoices:,} invoices.",
            f"Machine: {models[0] if models else cpu}, {os.cpu_count()} CPU, {mem:.0f} GiB RAM, "
            f"{platform.system()} {platform.release()}, Python {platform.python_version()}, "
            f"Odoo {odoo.release.version}.",
            "",
            *self.table(),
            "",
            *self.explain_section(),
            *self.sections,
        ]
        target = self.results_path()
        with contextlib.suppress(FileNotFoundError), open(target, encoding="utf-8") as previous:
            # The last --large run's section (capacity.py) stays until the next one.
            large = previous.read().partition(LARGE_SECTION)
            if large[1]:
                lines += ["", large[1] + large[2].rstrip("\n")]
        with open(target, "w", encoding="utf-8") as file:
            file.write("\n".join(lines))
        print(f"Written to {target}")

    def append_results(self, title):
        """The table under ``title`` at the end of the results file (a partial run's measures)."""
        with open(self.results_path(), "a", encoding="utf-8") as file:
            file.write(f"\n{title}:\n\n")
            file.write("".join(f"{line}\n" for line in self.table()))
