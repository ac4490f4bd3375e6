"""The escalation on OCA's queue_job (2): a copy of the database as it is before the escalation,
with the ar_collections_queue bridge; from it, fresh copies on which queue_job's runner runs
the escalation's batch jobs 1 and then 2 at once in an Odoo prefork server; each run checked
(nobody contacted twice, no failed job, as many customers contacted as by the cron) and the
speed-up of 2 jobs over 1.
"""

import contextlib
import os
import time

import servers

from odoo import SUPERUSER_ID
from odoo import api
from odoo import sql_db
from odoo.modules.registry import Registry


def prepare_copy(bench):
    """A copy of the database as it is before the escalation, with the queue_job bridge."""
    return bench.copy_database("_q", lambda: bench.odoo("-i", "ar_collections_queue"))


def measure_speedup(bench, base):
    """1 job at once, then 2, each on a fresh copy of ``base``; twice over (this machine's
    timings vary by a third from run to run), the speed-up from the best run of each."""
    rounds = 1 if bench.args.smoke else 2
    walls = {1: [], 2: []}
    if not servers.websocket_process_starts():
        print(
            "  WARNING: Odoo's websocket (gevent) process cannot start with these packages: the prefork "
            "server will respawn it in a loop during the runs, eating a CPU. gevent's plugins need "
            "zope.interface and zope.event that pkg_resources can find (e.g. zope.interface<7, "
            "zope.event<5.1 with setuptools 65).",
            flush=True,
        )
    for number in range(1, rounds + 1):
        for workers in (1, 2):
            copy = bench.copy_database(f"_q{workers}_{number}", lambda: None, source=base)
            walls[workers].append(_run(bench, workers, copy, number))
            bench.drop_database(copy)
    speedup = min(walls[1]) / min(walls[2])
    runs = ", ".join(f"{one / two:.2f}x" for one, two in zip(walls[1], walls[2], strict=True))
    bench.summarize(
        f"2. Speed-up of 2 jobs at once over 1 (best of {rounds} run(s) each)", f"{speedup:.2f}x (run by run: {runs})"
    )
    print(f"  speed-up: {speedup:.2f}x (run by run: {runs})", flush=True)


def _run(bench, workers, copy, number):
    """The escalation through ar_collections_queue, run by queue_job's runner on ``workers``
    jobs at once (Odoo in prefork mode with one HTTP worker more); its wall time."""
    environ = dict(os.environ, ODOO_QUEUE_JOB_CHANNELS=f"root:{workers},root.ar_collections:{workers}")
    with _connect(copy) as cr:
        # Letters are measured apart (6b): the jobs send the emails without their PDF.
        cr.execute("UPDATE ar_collection_stage SET print_letter = false")
    with servers.running(
        copy, bench.addons_path, servers.QUEUE_PORT,
        f"--workers={workers + 1}", "--max-cron-threads=0", "--load=base,web,queue_job",
        "--limit-time-real=7200", "--limit-time-cpu=7200",
        "--limit-memory-soft=4294967296", "--limit-memory-hard=8589934592", "--log-level=warn",
        env=environ,
    ) as server:  # fmt: skip
        servers.wait_http(f"http://127.0.0.1:{servers.QUEUE_PORT}/web/login")
        Registry.delete(copy)
        with Registry(copy).cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            started, busy_before = time.perf_counter(), servers.cpu_busy()
            jobs = env["ar.collection.engine"]._cron_escalate()
            cr.commit()
        peak_rss = 0
        with _connect(copy) as cr:
            while True:
                cr.execute(
                    "SELECT count(*) FILTER (WHERE state NOT IN ('done', 'failed', 'cancelled')), "
                    "count(*) FILTER (WHERE state = 'failed') FROM queue_job WHERE channel = 'root.ar_collections'"
                )
                pending, failed = cr.fetchone()
                peak_rss = max(peak_rss, servers.worker_rss(server.pid))
                if not pending:
                    break
                time.sleep(0.2)
            wall = time.perf_counter() - started
            busy = (servers.cpu_busy() - busy_before) / (wall * os.cpu_count()) * 100
            cr.execute(
                "SELECT count(DISTINCT partner_id), count(*) - count(DISTINCT partner_id) FROM ar_collection_event "
                "WHERE kind IN ('email', 'letter', 'legal') AND failed IS NOT TRUE"
            )
            contacted, duplicates = cr.fetchone()
    bench.record(
        f"2. Escalation on queue_job, {workers} job(s) at once ({jobs} batch jobs), run {number}",
        wall,
        rss=peak_rss,
        note=f"{contacted:,} customers contacted, {duplicates} duplicate communications, {failed} failed jobs; "
        f"CPUs {busy:.0f} % busy; letters off (6b)",
    )
    bench.expect(not duplicates, f"{duplicates} duplicate communication(s) on queue_job with {workers} job(s)")
    bench.expect(not failed, f"{failed} failed batch job(s) with {workers} job(s) at once")
    expected = contacted if bench.contacted is None else bench.contacted  # the cron's count, when it ran
    bench.expect(
        contacted == expected,
        f"queue_job with {workers} job(s) contacted {contacted:,} customers, the cron {expected:,}",
    )
    return wall


@contextlib.contextmanager
def _connect(db):
    """An autocommit cursor on ``db``, outside any registry: it sees the jobs' commits."""
    connection = sql_db.db_connect(db)
    with contextlib.closing(connection.cursor()) as cr:
        cr._cnx.autocommit = True
        yield cr
