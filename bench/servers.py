"""Odoo server processes the benchmark starts beside itself: how to launch one, waiting until
it answers, stopping it with all its workers, and watching what the machine spends meanwhile
(CPU busy, the workers' memory). The PDF letters (6b) need one for their CSS; the queue_job
runs (2) need one in prefork mode, whose workers run the jobs.

Ports: the letters' server listens on 8076, the queue_job runs' on 8075 (and, as any
prefork server, starts its websocket process on Odoo's default gevent port, 8072); none
uses the 8069 of ``make demo``.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request

import odoo

LETTERS_PORT = 8076
QUEUE_PORT = 8075
GEVENT_PORT = 8072


def command():
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
def running(db, addons_path, port, *options, env=None):
    """An Odoo server on ``db`` alone, listening on ``port``, for the duration of the block;
    stopped with its workers (its own process group) after it."""
    server = subprocess.Popen(
        [
            *command(), "-d", db, f"--db-filter=^{db}$", f"--addons-path={addons_path}",
            f"--http-port={port}", *options,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        yield server
    finally:
        with contextlib.suppress(ProcessLookupError):  # killed already
            os.killpg(server.pid, signal.SIGTERM)
        server.wait()


def kill(server):
    """Kill the server and its workers at once, as a crash of its machine would: no graceful stop."""
    os.killpg(server.pid, signal.SIGKILL)
    server.wait()


@contextlib.contextmanager
def report_server(env, addons_path, url=None):
    """``report.url`` of ``env``'s database set to ``url``, or to an Odoo server started here on
    that database for the block: wkhtmltopdf loads the reports' CSS from it."""
    with contextlib.ExitStack() as stack:
        if not url:
            url = f"http://127.0.0.1:{LETTERS_PORT}"
            stack.enter_context(
                running(env.cr.dbname, addons_path, LETTERS_PORT, "--max-cron-threads=0", "--log-level=warn")
            )
        wait_http(f"{url}/web/login")
        env["ir.config_parameter"].sudo().set_param("report.url", url)
        env.cr.commit()
        yield url


def wait_http(url, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"Odoo did not answer at {url}")


def websocket_process_starts():
    """Whether gevent patches this Python as Odoo's websocket process does on startup."""
    check = subprocess.run(
        [sys.executable, "-c", "from gevent import monkey; monkey.patch_all()"], capture_output=True, check=False
    )
    return check.returncode == 0


def cpu_busy():
    """CPU seconds the whole machine has spent busy (all cores), from /proc/stat."""
    with open("/proc/stat", encoding="utf-8") as stat:
        values = [int(value) for value in stat.readline().split()[1:]]
    idle = values[3] + values[4]
    return (sum(values) - idle) / os.sysconf("SC_CLK_TCK")


def worker_rss(server_pid):
    """The largest resident set (MB) among the server's processes."""
    largest = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat", encoding="utf-8") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            if int(fields[2]) != server_pid:
                continue
            with open(f"/proc/{pid}/status", encoding="utf-8") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        largest = max(largest, int(line.split()[1]) / 1024)
        except (OSError, ValueError, IndexError):
            continue
    return largest
