"""Real `formwork worker` processes on a real Redis run the automations, survive SIGKILL with
one effect per idempotency key, turn a job that kills its worker into an incident, and an
operator's retry through the API finishes it. `formwork scheduler` hands over what comes due.

The server side is the app in this process with a broker configured (its hand-off thread
offers work after commits); workers and the scheduler are subprocesses on the same database.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from builder import cli
from builder.app import create_app
from runtime.automation import worker as celery_worker
from runtime.automation.models import Event, EventHandling, Notification, OutboxItem
from runtime.automation.queue import JOBS, Kicker
from runtime.db import migrate
from runtime.db.engine import make_engine
from runtime.flows.models import FlowInstance
from runtime.org import service as org
from runtime.records.models import Record
from runtime.scheduler.models import Timer
from runtime.settings import Settings
from tests.conftest import backends, fresh_url, key_for, seed, worker_id
from tests.runtime.automation.test_dispatch import automation, publish
from tests.runtime.flows.test_flows_concurrency import edge, node

SINK_HOST = "127.0.0.3"
TIME_LIMIT = 3  # seconds a job may run; a dead worker's job comes back after VISIBILITY
VISIBILITY = 6
MAX_DELIVERIES = 5
FORMWORK = str(Path(sys.executable).parent / "formwork")


OWNER = "formwork:test-owner"  # in a Redis database this test run uses alone


@pytest.fixture(scope="module")
def broker_url() -> Iterator[str]:
    """A Redis database no other test run on this machine is using (the workers of two runs
    on one queue would take each other's jobs), flushed."""
    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/0").ping()
    except redis.RedisError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but Redis does not answer at 127.0.0.1:6379: {error}")
        pytest.skip(f"Redis does not answer at 127.0.0.1:6379: {error}")
    me = f"{os.getpid()}:{worker_id()}"
    for number in range(8, 16):
        url = f"redis://127.0.0.1:6379/{number}"
        client = redis.Redis.from_url(url)
        if client.set(OWNER, me, nx=True, ex=1800):
            client.flushdb()
            client.set(OWNER, me, ex=1800)
            yield url
            client.flushdb()
            return
    pytest.fail("every Redis database from 8 to 15 is in use by another test run")


@dataclass
class Stack:
    url: str
    engine: Engine
    env: dict[str, str]
    settings: Settings
    folder: Path


@pytest.fixture(scope="module", params=backends())
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, broker_url: str
) -> Iterator[Stack]:
    """A committed database (SQLite file in WAL mode, or a fresh PostgreSQL database) with the
    sample organisation and shipped apps, and the settings every process uses."""
    folder = tmp_path_factory.mktemp("worker")
    url = fresh_url(str(request.param), folder, "worker")
    migrate.upgrade(url)
    engine = make_engine(url)
    seed(engine)
    env = {
        **os.environ,
        "FORMWORK_DATABASE_URL": url,
        "FORMWORK_BROKER_URL": broker_url,
        "FORMWORK_HTTP_ALLOW": f"{SINK_HOST}/32",
        "FORMWORK_JOB_TIME_LIMIT": str(TIME_LIMIT),
        "FORMWORK_BROKER_VISIBILITY_TIMEOUT": str(VISIBILITY),
        "FORMWORK_JOB_MAX_DELIVERIES": str(MAX_DELIVERIES),
    }
    settings = Settings(
        database_url=url,
        broker_url=broker_url,
        base_url="http://testserver",
        http_allow=(f"{SINK_HOST}/32",),
        job_time_limit=TIME_LIMIT,
        broker_visibility_timeout=VISIBILITY,
        job_max_deliveries=MAX_DELIVERIES,
        background=True,  # what `formwork serve` sets without a broker: the broker wins
    )
    yield Stack(url, engine, env, settings, folder)
    engine.dispose()


class Process:
    """A `formwork` subprocess in its own process group, its output in a file."""

    def __init__(self, stack: Stack, *args: str, ready: str | None = None) -> None:
        self.log = stack.folder / f"{args[0]}-{os.urandom(3).hex()}.log"
        with self.log.open("wb") as out:
            self.popen = subprocess.Popen(
                [FORMWORK, *args],
                env=stack.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        if ready is not None:
            wait_for(lambda: ready in self.output(), f"{args[0]} to start", self)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def pool_children(self) -> list[int]:
        """The worker's pool processes (children of the main process)."""
        found = []  # a child is listed under the thread that started it
        for task in Path(f"/proc/{self.popen.pid}/task").glob("*"):
            try:
                found += [int(pid) for pid in (task / "children").read_text().split()]
            except OSError:
                continue  # the thread ended meanwhile
        return found

    def kill(self) -> None:
        """SIGKILL to the whole group: the worker and its pool die mid-job, nothing cleans up."""
        os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()  # the main process: a warm shutdown
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_for(
    condition: Callable[[], Any], what: str, process: Process | None = None, timeout: float = 40
) -> Any:
    """Poll `condition` until it is truthy; fail (with the process's output) at the deadline."""
    done = threading.Event()
    deadline = threading.Timer(timeout, done.set)
    deadline.start()
    try:
        while not done.is_set():
            found = condition()
            if found:
                return found
            if process is not None and process.popen.poll() is not None:
                pytest.fail(f"{what}: the process exited\n{process.output()[-3000:]}")
            done.wait(0.1)
    finally:
        deadline.cancel()
    tail = process.output()[-3000:] if process is not None else ""
    pytest.fail(f"gave up waiting for {what}\n{tail}")


class Workers:
    """The module's `formwork worker`, started again when a test killed it."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.process: Process | None = None

    def ensure(self) -> Process:
        if self.process is None or self.process.popen.poll() is not None:
            self.process = Process(self.stack, "worker", "--concurrency", "1", ready=" ready.")
        return self.process


@pytest.fixture(scope="module")
def workers(stack: Stack) -> Iterator[Workers]:
    found = Workers(stack)
    yield found
    if found.process is not None:
        found.process.stop()


@pytest.fixture
def worker(workers: Workers) -> Process:
    return workers.ensure()


@pytest.fixture
def client(stack: Stack) -> Iterator[TestClient]:
    """The server (this process) with the broker configured: no in-process loop, a kicker."""
    app = create_app(stack.settings)
    with TestClient(app) as test_client:
        assert isinstance(app.state.background, Kicker)
        yield test_client


class Sink:
    """A local receiver that applies each Idempotency-Key once (as an idempotent API does).

    `hold`: requests wait until the test lets them go (a call in progress when the worker dies);
    `statuses`: answers to give, in order (then 200).
    """

    def __init__(self, *, hold: bool = False) -> None:
        self.requests: list[str] = []  # the Idempotency-Key of each request, in order
        self.effects: set[str] = set()  # keys whose effect was applied (once each)
        self.statuses: list[int] = []
        self.hold = hold
        self.arrived = threading.Semaphore(0)
        self.release = threading.Event()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                key = str(self.headers.get("Idempotency-Key"))
                sink.requests.append(key)
                sink.effects.add(key)  # a repeated key is recognised, not applied again
                sink.arrived.release()
                if sink.hold:
                    sink.release.wait(60)
                status = sink.statuses.pop(0) if sink.statuses else 200
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"{}")
                except OSError:
                    return  # the caller died while we held its request

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer((SINK_HOST, 0), Handler)
        self.url = f"http://{SINK_HOST}:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()


@pytest.fixture
def sink() -> Iterator[Sink]:
    found = Sink()
    yield found
    found.close()


def calling_flow(key: str, city: str, sink: Sink) -> dict[str, Any]:
    """On a new lead of `city`: call the sink, then mark the lead contacted."""
    return automation(
        key,
        {"type": "record_created", "condition": {"field": "city", "op": "eq", "value": city}},
        {"action": "http_request", "params": {"method": "POST", "url": sink.url, "body": {}}},
        {"action": "update_fields", "params": {"fields": {"status": "已联系"}}},
    )


def publish_now(stack: Stack, doc: dict[str, Any]) -> None:
    with Session(stack.engine) as db:
        publish(db, doc)
        db.commit()


def new_lead(client: TestClient, city: str, phone: str) -> int:
    lead = {"name": "韩九", "company": f"{city}贸易", "phone": phone, "city": city}
    created = client.post("/f/crm/lead", json=lead)
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def read(stack: Stack, query: Any) -> list[Any]:
    with Session(stack.engine) as db:
        return list(db.scalars(query))


def instance(stack: Stack, record_id: int, flow_key: str) -> FlowInstance | None:
    found = read(
        stack,
        select(FlowInstance).where(
            FlowInstance.record_id == record_id, FlowInstance.flow_key == flow_key
        ),
    )
    assert len(found) <= 1, found
    return found[0] if found else None


def item_of(stack: Stack, instance_id: int) -> OutboxItem:
    (item,) = read(stack, select(OutboxItem).where(OutboxItem.instance_id == instance_id))
    return item


def status_of(stack: Stack, record_id: int) -> str:
    (record,) = read(stack, select(Record).where(Record.id == record_id))
    return str(record.data.get("status"))


def test_a_public_lead_is_routed_by_a_celery_worker(stack, client, worker) -> None:
    record_id = new_lead(client, "北京", "13900008001")

    def notified() -> list[Notification]:
        return read(
            stack,
            select(Notification).where(
                Notification.record_id == record_id, Notification.title.like("新线索%")
            ),
        )

    found = wait_for(notified, "the worker to route the lead", worker)
    with Session(stack.engine) as db:
        wang = org.load_user(db, username="wang")
        assert [n.user_id for n in found] == [wang.id]
        record = db.get(Record, record_id)
        assert record is not None
        assert record.owner_id == wang.id
        event = db.scalars(
            select(Event).where(Event.record_id == record_id, Event.kind == "record_created")
        ).one()
        assert event.status == "done"
        handlers = db.scalars(
            select(EventHandling.handler).where(EventHandling.event_id == event.id)
        ).all()
        assert "flow:lead_routing" in handlers
    assert "Traceback" not in worker.output()


def test_a_worker_killed_mid_call_is_replaced_and_the_call_takes_effect_once(
    stack, client, workers
) -> None:
    sink = Sink(hold=True)
    try:
        publish_now(stack, calling_flow("worker_kill", "杭州", sink))
        first = workers.ensure()
        try:
            record_id = new_lead(client, "杭州", "13900008002")
            assert sink.arrived.acquire(timeout=40), first.output()[-3000:]
            flow = instance(stack, record_id, "worker_kill")
            assert flow is not None
            assert item_of(stack, flow.id).status == "working"
        finally:
            first.kill()  # mid-call: the job was never acknowledged
        sink.hold = False
        sink.release.set()  # the held request ends; its caller is gone

        second = workers.ensure()  # a new worker; Redis hands it the unacknowledged job
        wait_for(lambda: status_of(stack, record_id) == "已联系", "the flow to go on", second)
        item = item_of(stack, flow.id)
        assert (item.status, item.attempts) == ("done", 2)
        assert sink.requests == [item.key, item.key]  # delivered twice, with one key
        assert sink.effects == {item.key}  # so one effect
        done = instance(stack, record_id, "worker_kill")
        assert done is not None
        assert done.status == "completed"
    finally:
        sink.close()


# The delivery cap lives in Redis, whatever the database: once, on the last backend
# (PostgreSQL when configured).
@pytest.mark.parametrize("stack", [backends()[-1]], indirect=True)
def test_a_job_that_kills_its_worker_becomes_an_incident_and_an_operator_retries_it(
    stack, client, worker
) -> None:
    sink = Sink(hold=True)
    try:
        publish_now(stack, calling_flow("worker_poison", "拉萨", sink))
        record_id = new_lead(client, "拉萨", "13900008003")
        for delivery in range(1, MAX_DELIVERIES + 1):
            # Each time the call is in progress, its worker process dies (as on a crash in a
            # library, or the kernel's OOM killer); Celery hands the job out again.
            assert sink.arrived.acquire(timeout=40), (delivery, worker.output()[-3000:])
            children = wait_for(worker.pool_children, "the pool process", worker)
            for pid in children:
                os.kill(pid, signal.SIGKILL)
        flow = wait_for(lambda: instance(stack, record_id, "worker_poison"), "the flow")

        def failed() -> OutboxItem | None:
            item = item_of(stack, flow.id)
            return item if item.status == "failed" else None

        item = wait_for(failed, "the job to be given up", worker)
        assert len(sink.requests) == MAX_DELIVERIES  # not run a sixth time
        assert f"delivered {MAX_DELIVERIES} times" in str(item.last_error)
        still = instance(stack, record_id, "worker_poison")
        assert still is not None
        assert still.status == "running"  # waits for the operator

        admin = {"Authorization": f"Bearer {key_for(sessionmaker(bind=stack.engine), 'admin')}"}
        listed = client.get("/api/incidents?kind=outbox", headers=admin).json()["items"]
        assert [(i["id"], i["retryable"]) for i in listed if i["id"] == item.id] == [
            (item.id, True)
        ]
        sink.hold = False  # the receiver is fixed
        sink.release.set()
        retried = client.post(f"/api/incidents/outbox/{item.id}/retry", headers=admin)
        assert retried.json() == {"kind": "outbox", "id": item.id, "status": "pending"}
        wait_for(lambda: status_of(stack, record_id) == "已联系", "the retried call", worker)
        assert sink.requests == [item.key] * (MAX_DELIVERIES + 1)
        assert sink.effects == {item.key}
        assert item_of(stack, flow.id).status == "done"
    finally:
        sink.close()


def pausing_flow(key: str, city: str) -> dict[str, Any]:
    """On a new lead of `city`: wait a second (a timer), then mark the lead as nurtured."""
    nodes = [
        node("start", "start", 0),
        node("pause", "wait", 200, duration="PT1S"),
        node("a1", "action", 400, action="update_fields", params={"fields": {"status": "培育中"}}),
        node("done", "end", 600, outcome="completed"),
    ]
    doc = automation(key, {"type": "record_created"})
    trigger = {"type": "record_created", "condition": {"field": "city", "op": "eq", "value": city}}
    return {
        **doc,
        "trigger": trigger,
        "nodes": nodes,
        "edges": [edge(a, b) for a, b in pairwise([n["id"] for n in nodes])],
    }


def test_the_scheduler_hands_retries_and_timers_to_the_workers_when_they_come_due(
    stack, client, worker, sink
) -> None:
    publish_now(stack, calling_flow("worker_backoff", "西宁", sink))
    publish_now(stack, pausing_flow("worker_pause", "银川"))
    scheduler = Process(stack, "scheduler", "--interval", "0.2")
    try:
        sink.statuses = [503]  # the first call fails; the retry is due 2 s later
        record_id = new_lead(client, "西宁", "13900008004")
        paused_id = new_lead(client, "银川", "13900008005")
        wait_for(lambda: status_of(stack, record_id) == "已联系", "the retried call", scheduler)
        wait_for(lambda: status_of(stack, paused_id) == "培育中", "the timer", scheduler)
    finally:
        scheduler.stop()
    flow = instance(stack, record_id, "worker_backoff")
    assert flow is not None
    item = item_of(stack, flow.id)
    assert (item.status, item.attempts) == ("done", 2)
    assert sink.requests == [item.key, item.key]
    paused = instance(stack, paused_id, "worker_pause")
    assert paused is not None
    assert paused.status == "completed"
    (timer,) = read(stack, select(Timer).where(Timer.instance_id == paused.id))
    assert timer.status == "fired"
    assert "Task formwork.timers.fire[" in worker.output()  # fired by the worker


def test_worker_and_scheduler_refuse_to_start_without_a_redis_broker(
    tmp_path, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("FORMWORK_DATABASE_URL", f"sqlite:///{tmp_path / 'none.db'}")
    for command, change in (
        ("worker", {"FORMWORK_BROKER_URL": ""}),
        ("scheduler", {"FORMWORK_BROKER_URL": "amqp://127.0.0.1//"}),
        (
            "worker",
            {
                "FORMWORK_BROKER_URL": "redis://127.0.0.1:6379/15",
                "FORMWORK_BROKER_VISIBILITY_TIMEOUT": "60",
                "FORMWORK_JOB_TIME_LIMIT": "60",
            },
        ),
    ):
        for name, value in change.items():
            monkeypatch.setenv(name, value)
        assert cli.main([command]) == 2, (command, change)
        assert capsys.readouterr().err.startswith("error: FORMWORK_"), (command, change)


def test_the_celery_app_runs_jobs_at_least_once_within_limits() -> None:
    settings = Settings(broker_url="redis://127.0.0.1:6379/15", job_time_limit=60)
    assert celery_worker.problems(settings) == []
    app, _jobs = celery_worker.build(settings)
    conf = app.conf
    assert (conf.task_acks_late, conf.task_reject_on_worker_lost) == (True, True)
    assert conf.task_acks_on_timeout is False
    assert conf.worker_prefetch_multiplier == 1
    assert (conf.task_soft_time_limit, conf.task_time_limit) == (54, 60)
    assert conf.broker_transport_options["visibility_timeout"] == 3600
    assert set(app.tasks) >= set(JOBS.values())
    too_short = Settings(
        broker_url="redis://127.0.0.1:6379/15", job_time_limit=60, broker_visibility_timeout=62
    )
    assert [p.split(" ")[0] for p in celery_worker.problems(too_short)] == [
        "FORMWORK_BROKER_VISIBILITY_TIMEOUT"
    ]
