"""The loop every long scheduled job of the addon runs: batch after batch, each batch in a
transaction of its own, progress reported to the cron, within a time budget; and inside a
batch, the records isolated from each other (`run_isolated`)."""

import logging
import threading
import time

_logger = logging.getLogger(__name__)


def run_in_batches(env, run_batch, count_remaining, time_budget=None, name=None):
    """Run ``run_batch()`` until it returns ``None`` (nothing left), nothing remains or the
    time budget (seconds) is spent; return the sum of what the batches returned.

    ``run_batch`` does one batch and returns how many it counts as done; ``count_remaining``
    says how many are left, for the cron's progress (and the log, under ``name``). Each batch
    is committed, so a long run keeps what it did and a crash loses at most the batch in
    progress (whose emails, queued in the same transaction, are never sent); tests run in one
    transaction and commit nothing. A budget of 0 runs one batch.
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
        if name:
            _logger.info("%s: %s done, %s remaining", name, done, remaining)
        if auto_commit:
            env.cr.commit()  # pylint: disable=invalid-commit
        if not remaining or (time_budget is not None and time.monotonic() - started >= time_budget):
            break
    return done


def run_isolated(records, process, name):
    """Run ``process(records)``; return the records it failed for (an empty recordset).

    The batch is processed together first, in a savepoint: the usual case costs one call. If
    that fails, nothing of it is kept and each record is processed alone, in its own
    savepoint: the one that fails is logged (under ``name``) and skipped, the others go on.
    """
    cr = records.env.cr
    if len(records) > 1:
        try:
            with cr.savepoint():
                process(records)
            return records.browse()
        except Exception:  # the records are retried one by one just below
            _logger.info("%s: the batch of %s failed, one by one now", name, len(records), exc_info=True)
    failed = []
    for record in records:
        try:
            with cr.savepoint():
                process(record)
        except Exception:  # one bad record must not stop the others: logged, skipped
            _logger.warning("%s failed for %s (id %s): skipped", name, record._name, record.id, exc_info=True)
            failed.append(record.id)
    return records.browse(failed)


def run_over_records(model, domain, process, name, batch_size=200, time_budget=None):
    """The scheduled job over the records of ``model`` matching ``domain``: ``process`` runs on
    batches of ``batch_size`` records (by id), each record isolated from the others
    (`run_isolated`), each batch committed, within ``time_budget`` seconds. Return how many
    records were processed.

    The job goes forward by id, so a record that fails, or that ``process`` leaves matching
    ``domain``, is not taken again in the same run: it stays as it was for the next run.
    """
    last = [0]

    def remaining_domain():
        return [*domain, ("id", ">", last[0])]

    def run_batch():
        records = model.search(remaining_domain(), order="id", limit=batch_size)
        if not records:
            return None
        last[0] = records[-1].id
        return len(records) - len(run_isolated(records, process, name))

    return run_in_batches(model.env, run_batch, lambda: model.search_count(remaining_domain()), time_budget, name=name)
