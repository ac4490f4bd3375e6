"""On paper past one machine: a capacity model drawn from this run's measured costs (written
after the table in bench/RESULTS.md), and, at the large size, the cost per customer compared
with a tenth of the size (the default size) measured first in the same run.
"""

import math
import os
import time

from harness import HERE
from harness import LARGE_SECTION
from harness import number

MILLION = 1_000_000
NIGHT = 2 * 3600  # seconds: the night a company wants its collections done in
# The label prefix of the rows the large size measures first at the default size (bench.reference).
REFERENCE = "Reference, a tenth of the size: "
# The escalation rows' note: how many customers it contacted.
CONTACTED = r"([\d,]+) customers contacted"


def model(bench):
    """Per-batch and per-customer costs of the first day, scaled to 1M customers."""
    day = bench.day1
    escalation = bench.row("1. Escalation job, first run", timed=True)
    if not day or not escalation or not bench.contacted:
        return
    cpus = os.cpu_count()
    customers, contacted = bench.args.customers, bench.contacted
    batches = max(bench.escalation_batches or 1, 1)
    sql = bench.sql_seconds.get(escalation[0], 0.0)
    share = contacted / customers  # customers contacted on a first day, as in the generated data
    per_customer = escalation[1] / contacted
    letter_cpu = day["letters_wall"] * cpus / max(day["letters"], 1)  # wkhtmltopdf keeps every CPU busy
    per_email = day["queue_wall"] / max(day["emails"], 1)
    at_scale = {
        "contacted": MILLION * share,
        "letters": MILLION * day["letters"] / customers,
        "emails": MILLION * day["emails"] / customers,
    }
    worker_hours = at_scale["contacted"] * (per_customer - sql / contacted) / 3600
    database_hours = at_scale["contacted"] * sql / contacted / 3600
    letter_hours = at_scale["letters"] * letter_cpu / 3600
    mail_hours = at_scale["emails"] * per_email / 3600
    workers = math.ceil((worker_hours + letter_hours) * 3600 / NIGHT)
    first = max(
        (
            ("the mail queue (one cron per database, serial)", mail_hours),
            ("PostgreSQL (one database, its queries' time)", database_hours),
            ("the workers' CPU (Python and wkhtmltopdf)", (worker_hours + letter_hours) / max(workers, 1)),
        ),
        key=lambda item: item[1],
    )
    bench.sections.extend(
        [
            "## Capacity model (from this run's measures)",
            "",
            "| Cost measured | Value |",
            "|---|---:|",
            f"| Escalation batch of {bench.escalation_batch_size} customers: wall time | "
            f"{escalation[1] / batches:.2f} s |",
            f"| Escalation batch: SQL queries | {escalation[2] / batches:.0f} |",
            f"| Escalation batch: database time (waited for by the worker) | {sql / batches:.2f} s |",
            f"| Escalation: customers per hour per worker (letters apart) | {3600 / per_customer:,.0f} |",
            f"| Letters: CPU seconds per PDF (wkhtmltopdf, {cpus} CPUs busy) | {letter_cpu:.3f} |",
            f"| Mail queue: seconds per email delivered (one process) | {per_email * 1000:.1f} ms |",
            "",
            f"At 1,000,000 customers, with the share contacted on a first day as here ({share:.0%}): "
            f"{at_scale['contacted']:,.0f} customers contacted, {at_scale['letters']:,.0f} letters, "
            f"{at_scale['emails']:,.0f} emails.",
            "",
            "| Resource | Hours of work at 1M customers | Notes |",
            "|---|---:|---|",
            f"| Workers' Python (escalation) | {worker_hours:.2f} | spreads over queue_job workers and nodes |",
            f"| wkhtmltopdf (letters) | {letter_hours:.2f} | CPU of the nodes running the jobs |",
            f"| PostgreSQL | {database_hours:.2f} | one database server; its queries run side by side on its "
            "cores, rows locked per customer (SKIP LOCKED) |",
            f"| Mail queue to SMTP | {mail_hours:.2f} | Odoo's mail queue cron runs one at a time per database |",
            "",
            f"To finish within {NIGHT // 3600} hours: {workers} worker(s) (one CPU each) for the escalation and "
            f"its letters, i.e. {math.ceil(workers / cpus)} node(s) of {cpus} CPUs like this machine. What "
            f"saturates first: {first[0]}, at {first[1]:.2f} hours"
            + (
                f" — over the {NIGHT // 3600} hours whatever the number of workers: the emails must be sent "
                "by several senders (e.g. the mail queue split by id over queue_job jobs)."
                if first[1] > NIGHT / 3600
                else "."
            ),
            "",
        ]
    )


def compare_with_reference(bench):
    """The large size's cost per customer against a tenth of it (the default size) measured
    first in the same run (``bench.reference``), its install and upgrade time and its peak memory; the
    verdicts are also written into RESULTS.md, as its "10x the data" section."""
    first = len(bench.rows)
    generated = bench.row(REFERENCE + "Generate ", timed=True)
    customers = number(generated[0], r"Generate ([\d,]+) customers") if generated else None
    for prefix in ("1. Escalation job, first run", "6. Credit review job", "6c. Exposure refresh job"):
        theirs, ours = bench.row(REFERENCE + prefix, timed=True), bench.row(prefix, timed=True)
        if not theirs or not ours or not customers:
            continue
        # The escalation per customer it contacted (at the large size it runs within a time
        # budget), the others per customer of the database.
        default_cost = theirs[1] / (number(theirs[4], CONTACTED) or customers)
        large_cost = ours[1] / (number(ours[4], CONTACTED) or bench.args.customers)
        change = large_cost / default_cost - 1
        bench.summarize(
            f"10x. Cost per customer against a tenth of the size: {prefix}",
            f"{large_cost * 1000:.2f} ms vs {default_cost * 1000:.2f} ms ({change:+.0%}); at most 20 % more: "
            f"{'yes' if change <= 0.2 else 'no'}",
        )
    install = sum(row[1] for row in bench.rows if row[0].startswith("7a. "))
    bench.summarize(
        "10x. Install and upgrade of ar_collections",
        f"{install / 60:.1f} min; under 10 min: {'yes' if install < 600 else 'no'}",
    )
    peak = max(row[3] for row in bench.rows if row[3] is not None)
    bench.summarize(
        "10x. Peak memory of an Odoo process (the jobs' worker, the install and upgrade)",
        f"{peak:,.0f} MB; under 1 GB: {'yes' if peak < 1024 else 'no'}",
    )
    path = os.path.join(HERE, "RESULTS.md")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as results:
            text = results.read()
        _write_large_section(path, text, bench, bench.rows[first:])


def _write_large_section(path, text, bench, rows):
    """RESULTS.md's "10x the data" section, replaced by this run's verdicts."""
    title = LARGE_SECTION
    kept = text.split(f"\n{title}\n", 1)[0].rstrip("\n")
    section = [
        "",
        title,
        "",
        f"Run on {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC: {bench.args.customers:,} customers and "
        f"{bench.args.invoices:,} invoices; the whole table is in RESULTS-large.md.",
        "",
        "| Measure | Result |",
        "|---|---|",
        *(f"| {label.removeprefix('10x. ')} | {note} |" for label, _wall, _count, _rss, note in rows),
        "",
    ]
    with open(path, "w", encoding="utf-8") as results:
        results.write(kept + "\n" + "\n".join(section))
