"""The in-process background loop: events to automations, due timers to flows. Shell.

`formwork serve` without a broker runs it in a thread of the server process (DESIGN §5): every
`interval` seconds it dispatches pending events and fires due timers, each batch in its own
transaction, until the server stops.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from runtime.actions.base import bind_settings
from runtime.automation import events, outbox, schedule
from runtime.automation import service as automation
from runtime.db.engine import unit_of_work
from runtime.files.service import Collector
from runtime.scheduler import service as scheduler

log = logging.getLogger(__name__)

BATCH = 100
# Events handled per transaction. On SQLite a transaction holds the one write lock that public
# submissions need too: a few events at a time (~10 ms each) keep their wait short.
EVENTS_PER_TRANSACTION = {"sqlite": 2}


MAX_BATCHES = 1_000  # per pass: a flood of events yields to timers and the next pass
# Time triggers (cron, relative dates, inactivity) are minute-grained: the background loop scans
# for them at most this often, not on every pass a commit wakes. A scan reads every time-triggered
# flow's window (~7 ms with the CRM app) and ran before the events of the commit that woke it.
SCAN_EVERY = 15.0


def run_once(
    factory: sessionmaker[Session],
    *,
    now: datetime,
    outbound: outbox.Outbound | None = None,
    scan: bool = True,
) -> tuple[int, int]:
    """One pass: (events handled, timers fired), each batch committed on its own; due outbox
    items are called (`outbound`: the SSRF allow-list and the SMTP server). `scan`: look for
    time triggers whose moment came (first, so what they cause is handled in the same pass).

    Events that handling causes (an automation updating its record) are handled in the same
    pass; the loop guard bounds such chains.
    """
    if outbound is not None and outbound.settings is not None:
        bind_settings(factory, outbound.settings)  # actions read them through their context
    events = timers = 0
    for _batch in range(MAX_BATCHES if scan else 0):
        with unit_of_work(factory) as db:
            if schedule.scan(db, now=now) == 0:
                break
    dialect = factory.kw["bind"].dialect.name
    per_transaction = EVENTS_PER_TRANSACTION.get(dialect, BATCH)
    for _batch in range(MAX_BATCHES):
        with unit_of_work(factory) as db:
            handled = automation.dispatch(db, now=now, limit=per_transaction)
        events += handled
        if handled == 0:
            break
    for _batch in range(MAX_BATCHES):
        if outbox.deliver_due(factory, now=now, outbound=outbound) == 0:
            break
    while True:
        with unit_of_work(factory) as db:
            fired = scheduler.fire_due(db, now=now, limit=BATCH)
        timers += fired
        if fired < BATCH:
            break
    return events, timers


class BackgroundLoop(events.CommitWoken):
    """Runs a pass every `interval` seconds, and at once when a commit in this process wrote
    events (so a trigger does not wait for the next poll). Events and timers stay pending until
    a pass that handles them commits."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        interval: float = 0.5,
        outbound: outbox.Outbound | None = None,
        files: Collector | None = None,
    ) -> None:
        super().__init__("formwork-background", interval=interval)
        self.factory = factory
        self.outbound = outbound
        self.files = files  # unused uploads collected hourly (decision 0009)
        self.next_scan = 0.0  # time.monotonic() of the next time-trigger scan

    def work(self) -> None:
        now = datetime.now(UTC)
        scan = time.monotonic() >= self.next_scan
        if scan:
            self.next_scan = time.monotonic() + SCAN_EVERY
        with events.no_wake():
            run_once(self.factory, now=now, outbound=self.outbound, scan=scan)
        if self.files is not None:
            self.files.maybe_run(now)
