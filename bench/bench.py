"""Benchmark ar_collections on a large generated receivable dataset.

    python3 bench/bench.py [--quick] [--db ar_bench] [--customers N] [--invoices N]

Builds its own database (dropped first), generates the dataset (bench/dataset.py),
installs the addon into it, then measures the hot paths: wall time, SQL queries and the
process's peak RSS for each, printed as a table and written to bench/RESULTS.md with a
description of the machine. Needs Odoo 18.0 and PostgreSQL, like `make test`.

This file reads the options and runs the steps in order. harness.py measures, checks and
writes the results; servers.py starts the Odoo servers the letters and queue_job need;
measures.py holds our addon's measures, queue_runs.py the escalation on queue_job (2) and
oca.py the comparison with OCA's credit control (7).
"""

import argparse
import sys

try:
    import odoo  # noqa: F401
except ImportError:
    sys.exit("Odoo 18.0 is not importable by this Python: see README.md, Prerequisites.")

import capacity
import first_day
import measures
import night_jobs
import oca
import overhead
import queue_runs
import targets
from dataset import Dataset
from harness import Harness

SIZES = {
    "default": (20_000, 100_000),
    "quick": (2_000, 10_000),
    "large": (200_000, 1_000_000),
    "smoke": (600, 3_000),
}
# The smoke run's batches: small enough for several queue jobs, one of them killed midway (2b).
SMOKE_BATCH_SIZE = 50
# At the large size the escalation runs as the scheduled job does within a time budget, and is
# measured per customer contacted: all of them would take hours on 2 CPUs (see RESULTS-large.md).
LARGE_ESCALATION_BUDGET = 15 * 60


def run(bench):
    """The whole benchmark on a new database; the results file replaced (not in a smoke run)."""
    oca.install_addons()
    customers, invoices = bench.args.customers, bench.args.invoices
    large = bench.args.large
    bench.configure()
    if large:
        reference(bench)
    bench.drop_database(bench.db)
    print(f"Creating {bench.db} (account, sale_management)...", flush=True)
    bench.timed("Create the database (account, sale_management)", lambda: bench.odoo("-i", "account,sale_management"))
    with bench.env() as env:
        dataset = Dataset(env, customers, invoices)
        bench.measure(f"Generate {customers:,} customers and {invoices:,} posted invoices", dataset.build)
        overhead.add_customers(env)
        checked, partials = dataset.check()
        print(f"  consistent: {checked:,} invoices, {partials:,} reconciliations", flush=True)
        env.cr.commit()
    oca_db = oca.prepare_copy(bench) if not (bench.args.skip_oca or large) else None
    plain_db = overhead.prepare_plain_copy(bench) if not large else None
    bench.timed("7a. Install ar_collections into the generated database", lambda: bench.odoo("-i", "ar_collections"))
    bench.timed("7a. Upgrade ar_collections", lambda: bench.odoo("-u", "ar_collections"))
    if bench.args.smoke:
        with bench.env() as env:
            env["res.company"].search([]).ar_collection_batch_size = SMOKE_BATCH_SIZE
            env.cr.commit()
    queue_db = queue_runs.prepare_copy(bench) if not (bench.args.skip_queue or large) else None
    day1_db = first_day.prepare_copy(bench) if not large else None
    if plain_db:
        overhead.measure_plain(bench, plain_db)
        bench.drop_database(plain_db)
    with bench.env() as env:
        measures.escalation(bench, env, time_budget=LARGE_ESCALATION_BUDGET if large else None)
        if not large:
            measures.order_check(bench, env)
            measures.exposure(bench, env)
            overhead.measure_ours(bench, env)
            measures.searches(bench, env)
        measures.exposure_job(bench, env)
        measures.review(bench, env, settled=not large)
        if not large:
            measures.kpi_dashboard(bench, env)
            measures.letters(bench, env)
            night_jobs.statements(bench, env)
            night_jobs.follow_ups(bench, env)
    if day1_db:
        first_day.measure(bench, day1_db)
        bench.drop_database(day1_db)
    if queue_db:
        queue_runs.measure_speedup(bench, queue_db)
        queue_runs.measure_two_nodes(bench, queue_db)
    if oca_db:
        oca.compare(bench, oca_db)
    if large:
        capacity.compare_with_reference(bench)
    elif not bench.args.smoke:
        bench.sections.extend(targets.section(bench))
        capacity.model(bench)
    if not bench.args.smoke:
        bench.write_results()


def reference(bench):
    """At the large size, first a tenth of it (the default size) in the same run, on its own
    database dropped after: dataset, install and the jobs the large size measures, so that the
    cost per customer compares on the same machine at the same moment. Its rows are labelled
    with ``capacity.REFERENCE``."""
    customers, invoices = bench.args.customers // 10, bench.args.invoices // 10
    db = f"{bench.db}_ref"
    first = len(bench.rows)
    print(f"Reference at a tenth of the size on {db}...", flush=True)
    with bench.on_database(db):
        bench.drop_database(db)
        bench.timed(
            "Create the database (account, sale_management)", lambda: bench.odoo("-i", "account,sale_management")
        )
        with bench.env() as env:
            bench.measure(
                f"Generate {customers:,} customers and {invoices:,} posted invoices",
                Dataset(env, customers, invoices).build,
            )
            env.cr.commit()
        bench.timed(
            "7a. Install ar_collections into the generated database", lambda: bench.odoo("-i", "ar_collections")
        )
        with bench.env() as env:
            measures.escalation(bench, env)
            measures.exposure_job(bench, env)
            measures.review(bench, env, settled=False)
    bench.drop_database(db)
    bench.rows[first:] = [(f"{capacity.REFERENCE}{label}", *rest) for label, *rest in bench.rows[first:]]


def run_letters_only(bench):
    """Measure the letters again on the existing database; add them to the results file."""
    bench.configure()
    with bench.env() as env:
        measures.letters(bench, env)
    bench.append_results("Letters, measured again on the same database (`bench.py --letters-only`)")


def run_queue_only(bench):
    """Measure the queue_job runs again from the last run's copy; add them to the results file."""
    bench.configure()
    queue_runs.measure_speedup(bench, f"{bench.db}_q")
    bench.append_results("queue_job runs, measured again from the same copy (`bench.py --queue-only`)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 customers and 10,000 invoices")
    parser.add_argument(
        "--large",
        action="store_true",
        help="10x the default size (200,000 customers, 1,000,000 invoices): the dataset, install, upgrade and "
        "the nightly jobs, compared per customer with a tenth of the size measured first in the same run",
    )
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
        help="CI: 600 customers, a few letters, checks only (no timing is judged), no results file",
    )
    args = parser.parse_args()
    args.quick = args.quick or args.smoke
    size = "smoke" if args.smoke else "quick" if args.quick else "large" if args.large else "default"
    default_customers, default_invoices = SIZES[size]
    args.customers = args.customers or default_customers
    args.invoices = args.invoices or default_invoices
    bench = Harness(args)
    if args.letters_only:
        run_letters_only(bench)
    elif args.queue_only:
        run_queue_only(bench)
    else:
        run(bench)
    if bench.problems:
        print(f"The benchmark found {len(bench.problems)} problem(s):", *bench.problems, sep="\n  ")
        return 1
    print("Benchmark checks passed: no duplicate, no failed job, every letter kept.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
