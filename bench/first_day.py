"""A company's first day (1b), end to end: on a copy of the generated database as it is before
the escalation, the escalation runs with its letters on, then Odoo's own mail queue job sends
every collection email to a real SMTP server on loopback (smtp_sink.py, Odoo's only outgoing
mail server meanwhile) until the queue is empty. Each phase is a row — the escalation's own
work, its letters (timed inside its batches), the mail queue — then the total; the run fails
unless every event of the ledger that has an email was delivered exactly once, with its letter
when it has one and with no other PDF, and no email failed.

OCA's first day on the same data (credit lines, their emails with their letters through the
same wkhtmltopdf and the same sink, their printed letters) is in oca.py; it reuses ``send_queue``.
"""

import contextlib
import os
import tempfile
import time

import servers
import smtp_sink
from harness import patched

FIRST_DAY_TARGET = 600  # seconds: the whole first day of the default size on this machine


def prepare_copy(bench):
    """A copy of the database as it is before the escalation."""
    return bench.copy_database("_day1", lambda: None)


@contextlib.contextmanager
def outgoing_through_sink(env, log_path):
    """The SMTP sink running, and Odoo's outgoing mail server for the block; yields the sink's port."""
    with smtp_sink.running(log_path) as port:
        servers_before = env["ir.mail_server"].search([])
        servers_before.active = False
        sink = env["ir.mail_server"].create(
            {
                "name": "Benchmark SMTP sink (loopback)",
                "smtp_host": "127.0.0.1",
                "smtp_port": port,
                "smtp_encryption": "none",
            }
        )
        env.cr.commit()
        try:
            yield port
        finally:
            sink.active = False
            servers_before.active = True
            env.cr.commit()


def send_queue(env):
    """Odoo's mail queue job until nothing is left to send; return the emails sent. Each call
    sends up to the queue's batch of mails, the batches of one sender through one SMTP
    connection (``mail.session.batch.size``), committing after each mail as Odoo does."""
    Mail = env["mail.mail"]
    outgoing = [("state", "=", "outgoing")]
    before = Mail.search_count(outgoing)
    while Mail.search_count(outgoing):
        left = Mail.search_count(outgoing)
        Mail.process_email_queue()
        env.cr.commit()
        if Mail.search_count(outgoing) == left:
            break  # nothing could be sent: the checks say what is left
    return before - Mail.search_count(outgoing)


def measure(bench, copy):
    """The first day on ``copy``: escalation with letters, then the mail queue into the sink."""
    with tempfile.TemporaryDirectory(prefix="ar_bench_smtp.") as folder, bench.on_database(copy):
        log_path = os.path.join(folder, "received.tsv")
        with (
            bench.env() as env,
            servers.report_server(env, bench.addons_path),
            outgoing_through_sink(env, log_path),
        ):
            contacted, escalation_wall, letters_wall = _escalate(bench, env)
            expected, others = _emails_expected(env)
            sent = bench.measure(
                f"1b. First day: mail queue, {len(expected) + len(others):,} emails to the SMTP sink",
                lambda: send_queue(env),
                note=lambda sent: f"{sent / max(bench.last_wall, 0.001):.1f} emails/s",
            )
            queue_wall = bench.last_wall
            failed = env["mail.mail"].search_count([("state", "=", "exception")])
        received = smtp_sink.read(log_path)
    _check(bench, expected, others, received, sent, failed)
    total = escalation_wall + letters_wall + queue_wall
    bench.day1 = {
        "contacted": contacted,
        "letters": sum(1 for has_letter in expected.values() if has_letter),
        "letters_wall": letters_wall,
        "emails": len(received),
        "queue_wall": queue_wall,
        "total": total,
    }
    bench.summarize(
        "1b. First day, total (escalation + letters + mail queue)",
        f"{total:.1f} s for {contacted:,} customers: {len(received):,} emails received ({len(others):,} of them "
        f"not the customers': activity notices) through "
        f"{received.connections()} SMTP connection(s), {received.pdfs():,} PDF letters; target < "
        f"{FIRST_DAY_TARGET // 60} min {'met' if total < FIRST_DAY_TARGET else 'NOT met'}",
    )
    print(f"  first day: {total:.1f} s, {len(received):,} emails received", flush=True)


def _escalate(bench, env):
    """The escalation with its letters, the time spent printing them measured apart."""
    Event = type(env["ar.collection.event"])
    attach_letters = Event._attach_letters
    printing = {"wall": 0.0, "count": 0}

    def timed_attach_letters(events, report):
        started = time.perf_counter()
        try:
            return attach_letters(events, report)
        finally:
            printing["wall"] += time.perf_counter() - started
            printing["count"] += len(events)

    with patched(Event, "_attach_letters", timed_attach_letters):
        contacted = bench.measure(
            "1b. First day: escalation with its letters",
            lambda: env["ar.collection.engine"]._cron_escalate(time_budget=10**9),
            note=lambda done: f"{done:,} customers contacted",
        )
    # The rows: the escalation's own work, and its letters measured inside its batches.
    whole = bench.rows.pop()
    own_wall = whole[1] - printing["wall"]
    bench.record(
        "1b. First day: escalation (its own work)", own_wall, whole[2], whole[3],
        f"{contacted:,} customers contacted; {whole[1]:.1f} s with the letters",
    )  # fmt: skip
    bench.record(
        f"1b. First day: letters, {printing['count']:,} PDFs printed in the escalation's batches",
        printing["wall"],
        note=f"{printing['count'] / max(printing['wall'], 0.001):.1f} letters/s",
    )
    return contacted, own_wall, printing["wall"]


def _emails_expected(env):
    """The emails waiting in the queue: {Message-Id: whether it carries a letter} of those of
    the ledger's events, and the Message-Ids of the others (notices of the activities the
    escalation gave its collectors)."""
    env.cr.execute(
        """
        SELECT message.message_id, event.id IS NOT NULL, event.attachment_id IS NOT NULL
          FROM mail_mail mail
          JOIN mail_message message ON message.id = mail.mail_message_id
          LEFT JOIN ar_collection_event event ON event.mail_id = mail.id AND event.failed IS NOT TRUE
         WHERE mail.state = 'outgoing'
        """
    )
    rows = env.cr.fetchall()
    expected = {message_id: has_letter for message_id, of_event, has_letter in rows if of_event}
    return expected, {message_id for message_id, of_event, _has_letter in rows if not of_event}


def _check(bench, expected, others, received, sent, failed):
    """Every event's email received once, with its letter when it has one; nothing else."""
    by_id = received.by_message_id()
    missing = set(expected) - set(by_id)
    unexpected = set(by_id) - set(expected) - others
    twice = [message_id for message_id, copies in by_id.items() if len(copies) > 1]
    wrong_letters = [
        message_id
        for message_id, has_letter in expected.items()
        if message_id in by_id and by_id[message_id][0] != (1 if has_letter else 0)
    ]
    print(
        f"  SMTP sink: {len(received):,} messages, {received.pdfs():,} PDFs, {received.connections()} connection(s); "
        f"ledger: {len(expected):,} emails, {sum(expected.values()):,} with a letter",
        flush=True,
    )
    bench.expect(expected, "the first day's escalation emailed nobody")
    bench.expect(not missing, f"{len(missing):,} email(s) of the ledger never reached the SMTP server")
    bench.expect(not unexpected, f"{len(unexpected):,} message(s) received that no ledger event sent")
    bench.expect(not twice, f"{len(twice):,} email(s) received more than once")
    bench.expect(not wrong_letters, f"{len(wrong_letters):,} email(s) without their letter, or with another PDF")
    bench.expect(not failed, f"{failed:,} email(s) failed to send")
    bench.expect(not others - set(by_id), f"{len(others - set(by_id)):,} activity notice(s) never sent")
    bench.expect(
        sent == len(expected) + len(others),
        f"the mail queue sent {sent:,} emails, {len(expected) + len(others):,} were waiting",
    )
