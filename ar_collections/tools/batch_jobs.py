"""The loop every long scheduled job of the addon runs: batch after batch, each batch in a
transaction of its own, progress reported to the cron, within a time budget."""

import threading
import time


def run_in_batches(env, run_batch, count_remaining, time_budget=None):
    """Run ``run_batch()`` until it returns ``None`` (nothing left), nothing remains or the
    time budget (seconds) is spent; return the sum of what the batches returned.

    ``run_batch`` does one batch and returns how many it counts as done; ``count_remaining``
    says how many are left, for the cron's progress. Each batch is committed, so a long run
    keeps what it did and a crash loses at most the batch in progress (whose emails, queued
    in the same transaction, are never sent); tests run in one transaction and commit nothing.
    """
    auto_commit = not getattr(threading.current_thread(), "testing", False)
    started, done = time.monotonic(), 0
    while True:
        count = run_batch()
        if count is None:
            break
        done += count
        remaining = count_remaining()
        env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        if auto_commit:
            env.cr.commit()  # pylint: disable=invalid-commit
        if not remaining or (time_budget is not None and time.monotonic() - started > time_budget):
            break
    return done
