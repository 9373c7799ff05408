"""Handing ids of due work to the Celery workers, and counting their deliveries. Shell.

Jobs carry one id (an event, an outbox item, a timer) and are idempotent: the database row says
whether the work is still to do. Redis, the broker's own server, keeps two small keys per id:

- `formwork:queued:<kind>:<id>` (SET NX with a time to live) while a job for that id is queued
  or running, so the scheduler, the server and the workers can all offer the same id without
  filling the queue with copies; the job deletes it when it ends. A worker that dies keeps it
  until the broker redelivers the job (the visibility timeout) or the key expires.
- `formwork:deliveries:<kind>:<id>`, counted up when a job starts and deleted when it finishes:
  a job delivered more than `job_max_deliveries` times without finishing (it kills its worker,
  or runs past the time limit) is not run again but recorded as an incident.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

import redis
from sqlalchemy.orm import Session, sessionmaker

from runtime.automation import events, outbox, schedule
from runtime.automation import service as automation
from runtime.db.engine import unit_of_work
from runtime.files.service import Collector
from runtime.scheduler import service as scheduler
from runtime.settings import Settings

log = logging.getLogger(__name__)

# kind → Celery job name; the kinds are also the incident kinds of the same rows.
JOBS = {
    "event": "formwork.events.dispatch",
    "outbox": "formwork.outbox.deliver",
    "timer": "formwork.timers.fire",
}
QUEUE = "formwork"
BATCH = 500  # ids of one kind offered per pass
COUNTER_TTL = 7 * 24 * 3600  # seconds a delivery count is kept for a job that never finishes
MAX_SCAN_BATCHES = 1_000


class Sender(Protocol):
    """What sends a job: Celery's `send_task` (a protocol, so this module needs no Celery)."""

    def __call__(self, name: str, *, args: list[int], queue: str) -> object: ...


@dataclass
class Queue:
    """Offers ids to the workers at most once at a time, and counts each job's deliveries."""

    redis: redis.Redis
    send_task: Sender
    marker_ttl: int

    @classmethod
    def of(cls, settings: Settings, send_task: Sender) -> Queue:
        if not settings.broker_url:
            raise ValueError("FORMWORK_BROKER_URL is not set")
        # The job runs for at most the time limit; a message its dead worker held comes back
        # after the visibility timeout: until both have passed the id counts as queued.
        ttl = settings.broker_visibility_timeout + settings.job_time_limit
        return cls(redis.Redis.from_url(settings.broker_url), send_task, ttl)

    def offer(self, kind: str, ids: Iterable[int]) -> int:
        """Send a job for each id that has none queued or running; how many were sent."""
        wanted = list(ids)
        if not wanted:
            return 0
        with self.redis.pipeline(transaction=False) as pipe:
            for id_ in wanted:
                pipe.set(_queued(kind, id_), 1, nx=True, ex=self.marker_ttl)
            taken = pipe.execute()
        sent = 0
        for id_, is_new in zip(wanted, taken, strict=True):
            if not is_new:
                continue
            try:
                self.send_task(JOBS[kind], args=[id_], queue=QUEUE)
            except Exception:
                self.redis.delete(_queued(kind, id_))  # offered again on the next pass
                raise
            sent += 1
        return sent

    def started(self, kind: str, id_: int) -> int:
        """A job for `id_` starts: its delivery number (1 the first time)."""
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(_deliveries(kind, id_))
            pipe.expire(_deliveries(kind, id_), COUNTER_TTL)
            count, _ = pipe.execute()
        return int(count)

    def finished(self, kind: str, id_: int) -> None:
        """The job ran to its end: forget its deliveries."""
        self.redis.delete(_deliveries(kind, id_))

    def ended(self, kind: str, id_: int) -> None:
        """The job is no longer queued nor running (finished or failed): it may be offered."""
        self.redis.delete(_queued(kind, id_))

    def forget(self, kind: str, id_: int) -> None:
        """An operator retries the row: a fresh count and a fresh offer."""
        self.redis.delete(_deliveries(kind, id_), _queued(kind, id_))


def _queued(kind: str, id_: int) -> str:
    return f"formwork:queued:{kind}:{id_}"


def _deliveries(kind: str, id_: int) -> str:
    return f"formwork:deliveries:{kind}:{id_}"


def offer_ready(
    queue: Queue, factory: sessionmaker[Session], *, now: datetime, timers: bool = False
) -> int:
    """Offer the pending events and due outbox items (and due timers); how many jobs were sent.

    One short read; several processes may offer at once (the markers keep one job per id).
    """
    with factory() as db:
        event_ids = automation.pending_event_ids(db, limit=BATCH)
        item_ids = outbox.due_item_ids(db, now=now, limit=BATCH)
        timer_ids = scheduler.due_timer_ids(db, now=now, limit=BATCH) if timers else []
        db.rollback()
    return (
        queue.offer("event", event_ids)
        + queue.offer("outbox", item_ids)
        + queue.offer("timer", timer_ids)
    )


def scheduler_pass(queue: Queue, factory: sessionmaker[Session], *, now: datetime) -> int:
    """What `formwork scheduler` does each interval: start the time-triggered automations
    whose moment came (in this process, like the in-process loop), then offer every due id."""
    for _batch in range(MAX_SCAN_BATCHES):
        with unit_of_work(factory) as db:
            if schedule.scan(db, now=now) == 0:
                break
    return offer_ready(queue, factory, now=now, timers=True)


def run_scheduler(
    queue: Queue,
    factory: sessionmaker[Session],
    *,
    interval: float,
    stopping: threading.Event,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    files: Collector | None = None,
) -> None:
    """Run a scheduler pass every `interval` seconds until `stopping` is set (and, with
    `files`, collect unused uploads hourly)."""
    while not stopping.is_set():
        # The outer loop of a background process: a failed pass is logged, the next retries.
        try:
            now = clock()
            scheduler_pass(queue, factory, now=now)
            if files is not None:
                files.maybe_run(now)
        except Exception:
            log.exception("scheduler pass failed")
        stopping.wait(interval)


class Kicker(events.CommitWoken):
    """In `formwork serve` with a broker: right after a commit of this process wrote events or
    outbox items, offer them to the workers (the scheduler's poll is the safety net)."""

    def __init__(self, queue: Queue, factory: sessionmaker[Session]) -> None:
        super().__init__("formwork-kicker", interval=None, at_start=True)
        self.queue = queue
        self.factory = factory

    def work(self) -> None:
        offer_ready(self.queue, self.factory, now=datetime.now(UTC))
