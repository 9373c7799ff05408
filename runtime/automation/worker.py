"""Celery on Redis: the jobs `formwork worker` runs, and the app the scheduler sends with. Shell.

Jobs take one id and are idempotent (the row says whether the work is still to do), so the
broker may deliver a job twice:

    formwork.events.dispatch(event_id)   → automation.dispatch_one
    formwork.outbox.deliver(item_id)     → outbox.deliver_one
    formwork.timers.fire(timer_id)       → scheduler.fire_one

`acks_late` with `reject_on_worker_lost`: a job whose worker process dies goes back to the
queue; a worker that dies whole leaves its job unacknowledged, and Redis hands it out again
after the visibility timeout, which is longer than the job's time limit. Each delivery is
counted (`queue.Queue`): past `job_max_deliveries` the row becomes an incident instead
(`incidents.give_up`). After a job whose commit wrote events or outbox items, the worker offers
them at once, so a chain of automations does not wait for the scheduler's next pass.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from celery import Celery
from celery.signals import worker_process_init
from sqlalchemy.orm import Session, sessionmaker

from runtime.actions.base import bind_settings
from runtime.automation import events, incidents, outbox
from runtime.automation import queue as queues
from runtime.automation import service as automation
from runtime.db.engine import make_engine, make_session_factory, unit_of_work
from runtime.files.service import Collector
from runtime.scheduler import service as scheduler
from runtime.settings import Settings

log = logging.getLogger(__name__)

LEASE_MARGIN = 2  # seconds an outbox lease outlasts the job's time limit (it is dead by then)
SOFT_MARGIN = 0.1  # the soft time limit comes this share of the limit earlier (at least 1 s)


def problems(settings: Settings) -> list[str]:
    """What keeps these settings from running workers (empty: fine)."""
    found = []
    if not settings.broker_url:
        found.append("FORMWORK_BROKER_URL is not set (e.g. redis://127.0.0.1:6379/0)")
    elif urlsplit(settings.broker_url).scheme not in ("redis", "rediss"):
        found.append("FORMWORK_BROKER_URL must be a Redis URL (redis://host:6379/N)")
    if settings.job_time_limit < 2:
        found.append("FORMWORK_JOB_TIME_LIMIT must be at least 2 seconds")
    if settings.broker_visibility_timeout <= settings.job_time_limit + LEASE_MARGIN:
        found.append(
            "FORMWORK_BROKER_VISIBILITY_TIMEOUT must be longer than FORMWORK_JOB_TIME_LIMIT "
            f"+ {LEASE_MARGIN} s, or a running job would be handed to a second worker"
        )
    if settings.job_max_deliveries < 1:
        found.append("FORMWORK_JOB_MAX_DELIVERIES must be at least 1")
    return found


class _Commits(threading.local):
    wrote = False


class Jobs:
    """What the jobs of one process need, made on first use (after the worker forks)."""

    def __init__(self, settings: Settings, app: Celery) -> None:
        self.settings = settings
        self.app = app
        self.outbound = outbox.Outbound.of(settings)
        self.lease = timedelta(seconds=settings.job_time_limit + LEASE_MARGIN)
        self._factory: sessionmaker[Session] | None = None
        self._queue: queues.Queue | None = None
        self._commits = _Commits()
        self._watching = False

    def factory(self) -> sessionmaker[Session]:
        if self._factory is None:
            self._factory = make_session_factory(make_engine(self.settings.database_url))
            bind_settings(self._factory, self.settings)  # actions read them from their context
        return self._factory

    def queue(self) -> queues.Queue:
        if self._queue is None:
            self._queue = queues.Queue.of(self.settings, self.app.send_task)
        return self._queue

    def reset(self) -> None:
        """In a new worker process: nothing inherited from the parent is used."""
        self._factory = None
        self._queue = None

    def _wrote(self) -> None:
        self._commits.wrote = True

    def run(self, kind: str, row_id: int, work: Callable[[int, bool], None]) -> None:
        """Count the delivery, give up past the cap, else do the work; then offer what the
        work's commits made ready."""
        if not self._watching:
            events.on_commit(self._wrote)
            self._watching = True
        queue = self.queue()
        count = queue.started(kind, row_id)
        self._commits.wrote = False
        try:
            if count > self.settings.job_max_deliveries:
                with unit_of_work(self.factory()) as db:
                    incidents.give_up(
                        db, kind=kind, row_id=row_id, deliveries=count - 1, now=_now()
                    )
                log.warning("%s %s: delivered %s times, now an incident", kind, row_id, count)
            else:
                work(row_id, count > 1)
            queue.finished(kind, row_id)
        finally:
            queue.ended(kind, row_id)
        if self._commits.wrote:
            queues.offer_ready(queue, self.factory(), now=_now())

    def dispatch_event(self, event_id: int, _redelivered: bool) -> None:
        with unit_of_work(self.factory()) as db:
            automation.dispatch_one(db, event_id=event_id, now=_now())

    def deliver_outbox(self, item_id: int, redelivered: bool) -> None:
        outbox.deliver_one(
            self.factory(),
            item_id=item_id,
            now=_now(),
            outbound=self.outbound,
            lease=self.lease,
            take_over=redelivered,  # its earlier delivery died holding the item
        )

    def fire_timer(self, timer_id: int, _redelivered: bool) -> None:
        with unit_of_work(self.factory()) as db:
            scheduler.fire_one(db, timer_id=timer_id, now=_now())


def _now() -> datetime:
    return datetime.now(UTC)


def build(settings: Settings) -> tuple[Celery, Jobs]:
    """The Celery app configured from `settings`, with the jobs registered."""
    limit = settings.job_time_limit
    app = Celery("formwork", broker=settings.broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_timeout=False,  # stopped at the hard time limit: back to the queue, counted
        worker_prefetch_multiplier=1,
        task_time_limit=limit,
        task_soft_time_limit=max(1, limit - max(1, int(limit * SOFT_MARGIN))),
        task_ignore_result=True,
        task_default_queue=queues.QUEUE,
        task_serializer="json",
        accept_content=["json"],
        enable_utc=True,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        broker_transport_options={
            "visibility_timeout": settings.broker_visibility_timeout,
            # Look for messages of dead workers every few seconds, not every 100 s.
            "unacked_restore_interval": max(1, min(10, settings.broker_visibility_timeout // 4)),
            "unacked_restore_throttle": 1,
        },
    )
    jobs = Jobs(settings, app)

    @app.task(name=queues.JOBS["event"], shared=False)  # this app only
    def dispatch_event(event_id: int) -> None:
        jobs.run("event", event_id, jobs.dispatch_event)

    @app.task(name=queues.JOBS["outbox"], shared=False)  # this app only
    def deliver_outbox(item_id: int) -> None:
        jobs.run("outbox", item_id, jobs.deliver_outbox)

    @app.task(name=queues.JOBS["timer"], shared=False)  # this app only
    def fire_timer(timer_id: int) -> None:
        jobs.run("timer", timer_id, jobs.fire_timer)

    return app, jobs


def run_worker(settings: Settings, *, concurrency: int, loglevel: str = "INFO") -> None:
    """`formwork worker`: a Celery worker (prefork) for the jobs, until it is stopped."""
    app, jobs = build(settings)

    def fresh(**_kwargs: Any) -> None:
        jobs.reset()

    worker_process_init.connect(fresh, weak=False)
    app.worker_main(
        [
            "worker",
            f"--concurrency={concurrency}",
            f"--loglevel={loglevel}",
            f"--queues={queues.QUEUE}",
            f"--hostname=formwork-{os.getpid()}@%h",
            "--pool=prefork",
            "--without-gossip",
            "--without-mingle",
        ]
    )


def run_scheduler(settings: Settings, *, interval: float) -> None:
    """`formwork scheduler`: every `interval` seconds, start due time triggers and offer the
    ids of pending events, due outbox items and due timers to the workers, until SIGTERM."""
    app, _jobs = build(settings)
    queue = queues.Queue.of(settings, app.send_task)
    factory = make_session_factory(make_engine(settings.database_url))
    bind_settings(factory, settings)
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_args: stopping.set())
    log.info("scheduler: a pass every %s s", interval)
    files = Collector(factory, settings.files_dir)
    queues.run_scheduler(queue, factory, interval=interval, stopping=stopping, files=files)


def start_kicker(settings: Settings, factory: sessionmaker[Session]) -> queues.Kicker:
    """For `formwork serve` with a broker: offer work to the workers right after commits."""
    app, _jobs = build(settings)
    kicker = queues.Kicker(queues.Queue.of(settings, app.send_task), factory)
    kicker.start()
    return kicker
