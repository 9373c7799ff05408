"""The flow shell: records start flows, people decide, timers fire, races resolve once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from builder import publish as publishing
from runtime.db import migrate
from runtime.db.engine import make_engine, make_session_factory
from runtime.errors import Conflict, PermissionDenied
from runtime.flows import service as flows
from runtime.flows.models import FlowInstance, FlowTrace
from runtime.org import service as org
from runtime.records import service as records
from runtime.records.models import Record
from runtime.scheduler import service as scheduler
from runtime.scheduler.models import Timer
from runtime.tasks import service as tasks
from runtime.tasks.models import Task
from tests.conftest import NOW, backends, fresh_url, seed


def quote(db: Session, *, total_price: str, discount: str, user: str = "north_a") -> Record:
    """A quote (with its account and opportunity) created by `user`; flows start."""
    actor = org.load_user(db, username=user)
    account = records.create_record(
        db,
        form=records.load_form(db, app_key="crm", form_key="account"),
        raw={"name": "星辰科技"},
        actor=actor,
        now=NOW,
    )
    opportunity = records.create_record(
        db,
        form=records.load_form(db, app_key="crm", form_key="opportunity"),
        raw={"name": "星辰项目", "account": account.id, "stage": "方案报价"},
        actor=actor,
        now=NOW,
    )
    record = records.create_record(
        db,
        form=records.load_form(db, app_key="crm", form_key="quote"),
        raw={
            "opportunity": opportunity.id,
            "discount": discount,
            "items": [{"product": "旗舰版", "quantity": 1, "unit_price": total_price}],
        },
        actor=actor,
        now=NOW,
    )
    flows.start_for_record(db, record=record, trigger="record_created", actor=actor, now=NOW)
    return record


def open_tasks(db: Session, record: Record) -> dict[str, Task]:
    rows = db.scalars(
        select(Task)
        .join(FlowInstance, FlowInstance.id == Task.instance_id)
        .where(FlowInstance.record_id == record.id, Task.status == "open")
    )
    return {
        org_user.username: task
        for task in rows
        if (org_user := db.get(org.User, task.assignee_id)) is not None
    }


def test_big_quote_goes_to_zhao_and_approval_marks_it(db):
    record = quote(db, total_price="1000000", discount="0.7")
    pending = open_tasks(db, record)
    assert set(pending) == {"zhao"}
    instance = tasks.complete(
        db,
        task_id=pending["zhao"].id,
        user=org.load_user(db, username="zhao"),
        outcome="approve",
        comment="同意",
        to_node=None,
        data=None,
        expected_version=None,
        now=NOW,
    )
    assert instance.status == "approved"
    db.refresh(record)
    assert record.data["status"] == "已批准"
    kinds = set(db.scalars(select(FlowTrace.kind).where(FlowTrace.instance_id == instance.id)))
    assert {"entered", "condition", "approver", "effect"} <= kinds
    timeline = records.timeline(db, record=record)
    assert timeline[0]["via"] == "flow"


def test_small_quote_goes_to_qian_and_rejection_keeps_the_comment(db):
    record = quote(db, total_price="1000", discount="0.9")
    pending = open_tasks(db, record)
    assert set(pending) == {"qian"}
    qian = org.load_user(db, username="qian")
    tasks.complete(
        db,
        task_id=pending["qian"].id,
        user=qian,
        outcome="reject",
        comment="折扣过低",
        to_node=None,
        data=None,
        expected_version=None,
        now=NOW,
    )
    db.refresh(record)
    assert record.data["status"] == "已驳回"
    done = db.get(Task, pending["qian"].id)
    assert (done.status, done.outcome, done.comment) == ("done", "reject", "折扣过低")


def test_only_the_assignee_may_decide_and_only_once(db):
    record = quote(db, total_price="1000", discount="0.9")
    task = open_tasks(db, record)["qian"]
    with pytest.raises(PermissionDenied):
        tasks.complete(
            db,
            task_id=task.id,
            user=org.load_user(db, username="zhao"),
            outcome="approve",
            comment=None,
            to_node=None,
            data=None,
            expected_version=None,
            now=NOW,
        )
    qian = org.load_user(db, username="qian")
    tasks.complete(
        db,
        task_id=task.id,
        user=qian,
        outcome="approve",
        comment=None,
        to_node=None,
        data=None,
        expected_version=None,
        now=NOW,
    )
    with pytest.raises(Conflict):
        tasks.complete(
            db,
            task_id=task.id,
            user=qian,
            outcome="approve",
            comment=None,
            to_node=None,
            data=None,
            expected_version=None,
            now=NOW,
        )


def test_deadline_reminds_then_escalates_to_the_manager(db):
    record = quote(db, total_price="1000000", discount="0.7")
    instance = db.scalars(select(FlowInstance).where(FlowInstance.record_id == record.id)).one()
    assert (
        db.scalar(
            select(func.count(Timer.id)).where(
                Timer.instance_id == instance.id, Timer.status == "pending"
            )
        )
        >= 2
    )
    # a reminder is due after 8 hours; nothing else moves
    assert scheduler.fire_due(db, now=NOW + timedelta(hours=9)) >= 1
    assert set(open_tasks(db, record)) == {"zhao"}
    # after the 48-hour deadline the task escalates to zhao's manager
    scheduler.fire_due(db, now=NOW + timedelta(hours=49))
    assert set(open_tasks(db, record)) == {org.directory(db).manager("zhao")}


def test_withdraw_by_the_submitter_only(db):
    record = quote(db, total_price="1000", discount="0.9")
    instance = db.scalars(select(FlowInstance).where(FlowInstance.record_id == record.id)).one()
    with pytest.raises(PermissionDenied):
        flows.withdraw(
            db, instance_id=instance.id, user=org.load_user(db, username="qian"), now=NOW
        )
    flows.withdraw(db, instance_id=instance.id, user=org.load_user(db, username="north_a"), now=NOW)
    assert instance.status == "withdrawn"
    assert open_tasks(db, record) == {}


ROUNDS = 200


@pytest.mark.parametrize("backend", backends())
def test_two_approvers_at_once_make_exactly_one_transition(backend, tmp_path):
    # given a committed database where each round has one open task
    url = fresh_url(backend, tmp_path, "race")
    migrate.upgrade(url)
    engine = make_engine(url)
    seed(engine)
    factory = make_session_factory(engine)
    other = make_session_factory(make_engine(url))
    outcomes: list[tuple[str, str]] = []
    with factory() as db:
        qian = org.load_user(db, username="qian")
        db.expunge(qian)  # only id and username are read
    for _ in range(ROUNDS):
        with factory() as db:
            record = quote(db, total_price="1000", discount="0.9")
            task_id = open_tasks(db, record)["qian"].id
            db.commit()
        barrier = threading.Barrier(2)
        results: list[str] = []

        def act(make, results=results, task_id=task_id, barrier=barrier) -> None:
            # Meet before any statement: on SQLite the first one takes the write lock.
            barrier.wait()
            with make() as db:
                try:
                    tasks.complete(
                        db,
                        task_id=task_id,
                        user=qian,
                        outcome="approve",
                        comment=None,
                        to_node=None,
                        data=None,
                        expected_version=None,
                        now=NOW,
                    )
                    db.commit()
                    results.append("ok")
                except (Conflict, StaleDataError):
                    db.rollback()
                    results.append("conflict")

        threads = [threading.Thread(target=act, args=(f,)) for f in (factory, other)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        outcomes.append(tuple(sorted(results)))  # type: ignore[arg-type]
    # then every round: one transition, one refusal, never anything else
    assert set(outcomes) == {("conflict", "ok")}
    with factory() as db:
        assert (
            db.scalar(select(func.count(FlowInstance.id)).where(FlowInstance.status == "approved"))
            == ROUNDS
        )


def test_quote_shows_in_approval_while_the_flow_runs(db):
    record = quote(db, total_price="1000", discount="0.9")
    db.refresh(record)
    assert record.data["status"] == "审批中"


def expense(db: Session, *, amount: str, user: str = "north_a") -> Record:
    actor = org.load_user(db, username=user)
    record = records.create_record(
        db,
        form=records.load_form(db, app_key="expense", form_key="expense_report"),
        raw={
            "applicant": user,
            "department": "north",
            "reason": "客户拜访差旅",
            "items": [{"category": "交通", "date": "2026-11-20", "amount": amount}],
        },
        actor=actor,
        now=NOW,
    )
    flows.start_for_record(db, record=record, trigger="record_created", actor=actor, now=NOW)
    return record


def approve_all_in_turn(db: Session, record: Record) -> list[str]:
    """Approve whatever is open until nothing is; return who approved, in order."""
    order = []
    while pending := open_tasks(db, record):
        ((username, task),) = pending.items()
        tasks.complete(
            db,
            task_id=task.id,
            user=org.load_user(db, username=username),
            outcome="approve",
            comment=None,
            to_node=None,
            data=None,
            expected_version=None,
            now=NOW,
        )
        order.append(username)
    return order


def test_expense_over_5000_climbs_two_heads_then_finance(db):
    record = expense(db, amount="6000")
    assert approve_all_in_turn(db, record) == ["wang", "zhao", "finance"]
    db.refresh(record)
    assert record.data["status"] == "已批准"


def test_small_expense_goes_from_the_head_to_finance(db):
    record = expense(db, amount="800")
    assert approve_all_in_turn(db, record) == ["wang", "finance"]


MANUAL = {
    "format": 1,
    "key": "account_check",
    "title": {"zh-CN": "客户核查", "en": "Account check"},
    "form": "account",
    "starts_on": ["manual"],
    "nodes": [
        {"id": "start", "type": "start", "position": {"x": 0, "y": 0}, "config": {}},
        {
            "id": "check",
            "type": "approval",
            "position": {"x": 220, "y": 0},
            "config": {"approvers": [{"type": "users", "users": ["legal"]}]},
        },
        {
            "id": "done",
            "type": "end",
            "position": {"x": 440, "y": 0},
            "config": {"outcome": "approved"},
        },
    ],
    "edges": [
        {"id": "a", "from": "start", "to": "check"},
        {"id": "b", "from": "check", "to": "done", "port": "approved"},
    ],
}


def test_manual_flows_start_by_hand_once(client, admin_headers, rep_headers, session_factory):
    with session_factory() as db:
        publishing.publish(
            db, app_key="crm", kind="flows", key="account_check", user_id=None, now=NOW, doc=MANUAL
        )
        db.commit()
    account = client.post(
        "/api/apps/crm/forms/account/records", json={"name": "山海集团"}, headers=rep_headers
    ).json()
    url = f"/api/apps/crm/forms/account/records/{account['id']}/flows"
    started = client.post(f"{url}/account_check/start", headers=rep_headers)
    assert started.status_code == 201, started.text
    assert started.json()["submitter"] == "north_a"
    assert [t["assignee"] for t in started.json()["tasks"]] == ["legal"]
    again = client.post(f"{url}/account_check/start", headers=rep_headers)
    assert (again.status_code, again.json()["errors"][0]["code"]) == (409, "already_running")
    assert client.post(f"{url}/quote_approval/start", headers=rep_headers).status_code == 404


def _instance_reads_while_firing(db: Session, quotes: int) -> tuple[int, int]:
    """(timers fired, SELECTs of flow_instances) when the reminders of `quotes` quotes fire."""
    from sqlalchemy import event

    for _ in range(quotes):
        quote(db, total_price="1000000", discount="0.7")
    db.flush()
    db.expire_all()  # nothing left over in the session from the set-up
    engine = db.get_bind().engine
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT") and "FROM flow_instances" in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        fired = scheduler.fire_due(db, now=NOW + timedelta(hours=9))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return fired, len(seen)


def test_a_batch_of_timers_reads_its_instances_once_not_once_per_timer(db):
    fired, reads = _instance_reads_while_firing(db, 4)
    assert fired >= 4
    # The batch's instances are read by one query and found in the session by every step.
    assert reads == 1
