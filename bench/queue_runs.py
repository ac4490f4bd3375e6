"""The escalation on OCA's queue_job (2): a copy of the database as it is before the escalation,
with the ar_collections_queue bridge; from it, fresh copies on which queue_job's runner runs
the escalation's batch jobs 1 and then 2 at once in an Odoo prefork server, then on two Odoo
nodes behind a load balancer (2b), once with a node killed midway; each run checked (nobody
contacted twice, no failed job, as many customers contacted as by the cron), the speed-up of
2 jobs over 1 and of two nodes over one.
"""

import contextlib
import os
import time

import servers
from balancer import Balancer

from odoo import SUPERUSER_ID
from odoo import api
from odoo import sql_db
from odoo.modules.registry import Registry

# Two nodes: their HTTP and websocket ports, and the balancer's in front of them.
NODE_PORTS = (8075, 8077)
NODE_GEVENT_PORTS = (8072, 8078)
BALANCER_PORT = 8079


def prepare_copy(bench):
    """A copy of the database as it is before the escalation, with the queue_job bridge."""
    return bench.copy_database("_q", lambda: bench.odoo("-i", "ar_collections_queue"))


def measure_speedup(bench, base):
    """1 job at once, then 2, each on a fresh copy of ``base``; twice over at the quick size
    (this machine's timings vary by a third from run to run), the speed-up from the best run of
    each; once at the others (the default size's runs are long enough to even out)."""
    rounds = 2 if bench.args.quick and not bench.args.smoke else 1
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
    _letters_off(copy)
    with servers.running(
        copy, bench.addons_path, servers.QUEUE_PORT, *_node_options(workers + 1, servers.GEVENT_PORT), env=environ
    ) as server:
        servers.wait_http(f"http://127.0.0.1:{servers.QUEUE_PORT}/web/login")
        run = _Run(copy)
        run.wait([server.pid])
    _record(bench, f"2. Escalation on queue_job, {workers} job(s) at once ({run.jobs} batch jobs), run {number}", run)
    return run.wall


def measure_two_nodes(bench, base):
    """The escalation on two Odoo nodes sharing the database, as queue_job's documentation
    says for several nodes: every node loads queue_job and runs its runner, one of them
    elected to dispatch (queue_job's high-availability mode, a PostgreSQL advisory lock), the
    jobs sent to a load balancer in front of the nodes. Run once whole, then once with the
    first node killed (SIGKILL, its workers too) when a third of the jobs are done: the jobs
    it was running are found dead, requeued and done by the other node."""
    walls = {}
    for kill in (False, True):
        copy = bench.copy_database(f"_q2n{'_kill' if kill else ''}", lambda: None, source=base)
        walls[kill] = _run_two_nodes(bench, copy, kill)
        bench.drop_database(copy)
    one_node = min(
        (row[1] for row in bench.rows if row[0].startswith("2. Escalation on queue_job, 2 job(s)") and row[1]),
        default=None,
    )
    if one_node:
        bench.summarize(
            "2b. Two nodes over one node, 2 jobs at once each way",
            f"{one_node / walls[False]:.2f}x the throughput of one node ({one_node:.1f} s on one node, "
            f"{walls[False]:.1f} s on two)",
        )


def _run_two_nodes(bench, copy, kill):
    """The escalation's jobs on two prefork nodes of one worker for jobs each (2 jobs at once
    in all), behind the balancer; the first node killed midway when ``kill``."""
    environ = dict(
        os.environ,
        ODOO_QUEUE_JOB_CHANNELS="root:2,root.ar_collections:2",
        ODOO_QUEUE_JOB_HOST="127.0.0.1",
        ODOO_QUEUE_JOB_PORT=str(BALANCER_PORT),
    )
    _letters_off(copy)
    with contextlib.ExitStack() as stack:
        stack.enter_context(Balancer(BALANCER_PORT, NODE_PORTS).running())
        nodes = [
            stack.enter_context(
                servers.running(copy, bench.addons_path, port, *_node_options(2, gevent_port), env=environ)
            )
            for port, gevent_port in zip(NODE_PORTS, NODE_GEVENT_PORTS, strict=True)
        ]
        for port in NODE_PORTS:
            servers.wait_http(f"http://127.0.0.1:{port}/web/login")
        run = _Run(copy)
        killed = run.wait([node.pid for node in nodes], kill=nodes[0] if kill else None)
    label = "2b. Escalation on queue_job, two nodes" + (", the first killed midway" if kill else "")
    note = ""
    if kill:
        note = (
            f"; node killed with {len(killed)} job(s) running, "
            f"{sum(1 for state in run.final_states(killed) if state == 'done')} of them requeued and done by the "
            "other node"
        )
        bench.expect(killed, "no job was running on the node killed: the run proves nothing")
        bench.expect(
            all(state == "done" for state in run.final_states(killed)),
            "a job running on the node killed was not done by the other",
        )
    _record(bench, f"{label} ({run.jobs} batch jobs)", run, note)
    return run.wall


def _node_options(workers, gevent_port):
    return (
        f"--workers={workers}", "--max-cron-threads=0", "--load=base,web,queue_job", f"--gevent-port={gevent_port}",
        "--limit-time-real=7200", "--limit-time-cpu=7200",
        "--limit-memory-soft=4294967296", "--limit-memory-hard=8589934592", "--log-level=warn",
    )  # fmt: skip


def _letters_off(copy):
    with _connect(copy) as cr:
        # Letters are measured apart (6b, 1b): the jobs send the emails without their PDF.
        cr.execute("UPDATE ar_collection_stage SET print_letter = false")


class _Run:
    """One escalation on queue_job: its jobs enqueued by the daily job on creation, then
    watched until none is left to run."""

    def __init__(self, copy):
        self.copy = copy
        Registry.delete(copy)
        with Registry(copy).cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            self.started, self.busy_before = time.perf_counter(), servers.cpu_busy()
            self.jobs = env["ar.collection.engine"]._cron_escalate()
            cr.commit()
        self.wall = self.peak_rss = self.busy = 0
        self.failed = self.contacted = self.duplicates = 0

    def wait(self, server_pids, kill=None):
        """Until every job is done or failed; the server ``kill`` killed once a third of the
        jobs are done. Return the uuids of the jobs that were running when it was killed."""
        killed = []
        with _connect(self.copy) as cr:
            while True:
                cr.execute(
                    "SELECT count(*) FILTER (WHERE state NOT IN ('done', 'failed', 'cancelled')), "
                    "count(*) FILTER (WHERE state = 'failed'), count(*) FILTER (WHERE state = 'done') "
                    "FROM queue_job WHERE channel = 'root.ar_collections'"
                )
                pending, self.failed, done = cr.fetchone()
                self.peak_rss = max([self.peak_rss, *(servers.worker_rss(pid) for pid in server_pids)])
                if kill and not killed and done >= self.jobs / 3:
                    cr.execute("SELECT uuid FROM queue_job WHERE channel = 'root.ar_collections' AND state = 'started'")
                    killed = [row[0] for row in cr.fetchall()]
                    servers.kill(kill)
                    server_pids = [pid for pid in server_pids if pid != kill.pid]
                if not pending:
                    break
                time.sleep(0.2)
            self.wall = time.perf_counter() - self.started
            self.busy = (servers.cpu_busy() - self.busy_before) / (self.wall * os.cpu_count()) * 100
            cr.execute(
                "SELECT count(DISTINCT partner_id), count(*) - count(DISTINCT partner_id) FROM ar_collection_event "
                "WHERE kind IN ('email', 'letter', 'legal') AND failed IS NOT TRUE"
            )
            self.contacted, self.duplicates = cr.fetchone()
        return killed

    def final_states(self, uuids):
        with _connect(self.copy) as cr:
            cr.execute("SELECT state FROM queue_job WHERE uuid = ANY(%s)", [list(uuids)])
            return [row[0] for row in cr.fetchall()]


def _record(bench, label, run, note=""):
    """The run's row, and its checks: nobody contacted twice, no failed job, as many customers
    contacted as by the cron."""
    bench.record(
        label,
        run.wall,
        rss=run.peak_rss,
        note=f"{run.contacted:,} customers contacted, {run.duplicates} duplicate communications, {run.failed} failed "
        f"jobs; CPUs {run.busy:.0f} % busy; letters off (6b){note}",
    )
    bench.expect(not run.duplicates, f"{label}: {run.duplicates} duplicate communication(s)")
    bench.expect(not run.failed, f"{label}: {run.failed} failed batch job(s)")
    expected = run.contacted if bench.contacted is None else bench.contacted  # the cron's count, when it ran
    bench.expect(run.contacted == expected, f"{label}: {run.contacted:,} customers contacted, the cron {expected:,}")


@contextlib.contextmanager
def _connect(db):
    """An autocommit cursor on ``db``, outside any registry: it sees the jobs' commits."""
    connection = sql_db.db_connect(db)
    with contextlib.closing(connection.cursor()) as cr:
        cr._cnx.autocommit = True
        yield cr
