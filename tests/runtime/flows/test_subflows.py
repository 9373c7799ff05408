"""Subflows: a node starts another flow on the same record and waits for its outcome."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from builder import publish as publishing
from runtime.flows import service as flows
from runtime.flows.models import FlowInstance, FlowTrace
from runtime.org import service as org
from runtime.records import service as records
from runtime.records.models import Record
from runtime.tasks import service as tasks
from runtime.tasks.models import Task
from tests.conftest import NOW
from tests.runtime.flows.test_flows_concurrency import approval, edge, node


def flow(key: str, form: str, nodes: list[Any], edges: list[Any], starts_on: list[str]) -> dict:
    return {
        "format": 1,
        "key": key,
        "title": {"zh-CN": key, "en": key},
        "form": form,
        "starts_on": starts_on,
        "nodes": nodes,
        "edges": edges,
    }


LEGAL = flow(
    "account_legal",
    "account",
    [
        node("start", "start", 0),
        {
            **approval("legal_review", 220, "legal"),
            "config": {
                "mode": "single",
                "approvers": [{"type": "users", "users": ["legal"]}],
                "field_permissions": {"remark": "editable", "annual_revenue": "hidden"},
            },
        },
        node("done", "end", 440, outcome="approved"),
    ],
    [edge("start", "legal_review"), edge("legal_review", "done", "approved")],
    starts_on=[],  # only as a subflow
)


def parent_flow(subflow: str) -> dict:
    # One key per subflow: tests publish at one fixed time, and a published document is cached
    # by its row's stamp, so one key must always mean one document.
    return flow(
        f"onboarding_{subflow}",
        "account",
        [
            node("start", "start", 0),
            approval("sales", 220, "qian"),
            node("legal", "subflow", 440, flow=subflow),
            node("ok", "end", 660, outcome="approved"),
            node("refused", "end", 660, outcome="rejected"),
            node("broken", "end", 660, outcome="completed"),
        ],
        [
            edge("start", "sales"),
            edge("sales", "legal", "approved"),
            edge("legal", "ok", "approved"),
            edge("legal", "refused", "rejected"),
            edge("legal", "broken", "failed"),
        ],
        starts_on=["record_created"],
    )


OTHER_FORM = flow(
    "opportunity_check",
    "opportunity",
    [node("start", "start", 0), node("done", "end", 220, outcome="approved")],
    [edge("start", "done")],
    starts_on=[],
)


def publish(db: Session, *docs: dict) -> None:
    for doc in docs:
        publishing.publish(
            db, app_key="crm", kind="flows", key=doc["key"], user_id=None, now=NOW, doc=doc
        )


def new_account(db: Session) -> Record:
    rep = org.load_user(db, username="north_a")
    record = records.create_record(
        db,
        form=records.load_form(db, app_key="crm", form_key="account"),
        raw={"name": "子流程客户", "remark": "初稿"},
        actor=rep,
        now=NOW,
    )
    flows.start_for_record(db, record=record, trigger="record_created", actor=rep, now=NOW)
    return record


def instances(db: Session, record: Record) -> dict[str, FlowInstance]:
    rows = db.scalars(select(FlowInstance).where(FlowInstance.record_id == record.id))
    return {row.flow_key: row for row in rows}


def decide(db: Session, username: str, record: Record, outcome: str) -> FlowInstance:
    task = db.scalars(
        select(Task)
        .join(FlowInstance, FlowInstance.id == Task.instance_id)
        .where(
            FlowInstance.record_id == record.id,
            Task.status == "open",
            Task.assignee_id == org.load_user(db, username=username).id,
        )
    ).one()
    return tasks.complete(
        db,
        task_id=task.id,
        user=org.load_user(db, username=username),
        outcome=outcome,
        comment=None,
        to_node=None,
        data=None,
        expected_version=None,
        now=NOW,
    )


def test_the_parent_waits_for_the_subflow_and_leaves_by_its_outcome(db: Session) -> None:
    publish(db, LEGAL, parent_flow("account_legal"))
    record = new_account(db)
    decide(db, "qian", record, "approve")

    running = instances(db, record)
    parent, child = running["onboarding_account_legal"], running["account_legal"]
    assert (parent.status, child.status) == ("running", "running")
    waiting = parent.state["tokens"][0]
    assert (child.parent_id, child.parent_key) == (parent.id, waiting["data"]["subflow_key"])
    assert child.submitter_id == parent.submitter_id  # the parent's submitter submits the child
    view = flows.instance_view(db, instance=parent)
    assert view["subflows"] == [child.id]
    assert flows.instance_view(db, instance=child)["parent"] == parent.id

    # While the subflow runs, its node's field permissions govern the record, not the parent's.
    legal = org.load_user(db, username="legal")
    assert flows.edit_rights(db, record_id=record.id, user=legal) == {"remark"}
    assert flows.hidden_fields(db, record_id=record.id, user=legal) == {"annual_revenue"}

    decide(db, "legal", record, "approve")
    db.refresh(parent)
    assert parent.status == "approved"
    outcome = db.scalars(
        select(FlowTrace.data).where(
            FlowTrace.instance_id == parent.id,
            FlowTrace.node == "legal",
            FlowTrace.kind == "effect",
        )
    ).all()
    assert any(entry.get("outcome") == "approved" for entry in outcome)


def test_a_rejected_subflow_rejects_through_the_parent_port(db: Session) -> None:
    publish(db, LEGAL, parent_flow("account_legal"))
    record = new_account(db)
    decide(db, "qian", record, "approve")
    decide(db, "legal", record, "reject")
    found = instances(db, record)
    assert found["account_legal"].status == "rejected"
    assert found["onboarding_account_legal"].status == "rejected"


def test_withdrawing_the_parent_withdraws_the_running_subflow(db: Session) -> None:
    publish(db, LEGAL, parent_flow("account_legal"))
    record = new_account(db)
    decide(db, "qian", record, "approve")
    parent = instances(db, record)["onboarding_account_legal"]
    flows.withdraw(db, instance_id=parent.id, user=org.load_user(db, username="north_a"), now=NOW)
    found = instances(db, record)
    assert found["onboarding_account_legal"].status == "withdrawn"
    assert found["account_legal"].status == "withdrawn"
    child_tasks = db.scalars(
        select(Task.status).where(Task.instance_id == found["account_legal"].id)
    ).all()
    assert child_tasks == ["cancelled"]


def test_a_subflow_that_cannot_run_here_fails_into_the_parent(db: Session) -> None:
    # The named flow belongs to another form: it cannot run on this record.
    publish(db, OTHER_FORM, parent_flow("opportunity_check"))
    record = new_account(db)
    decide(db, "qian", record, "approve")
    found = instances(db, record)
    assert "opportunity_check" not in found
    # Left by the `failed` port to an end that completes.
    assert found["onboarding_opportunity_check"].status == "completed"


def test_a_subflow_that_ends_at_once_continues_the_parent_in_the_same_step(db: Session) -> None:
    instant = flow(
        "account_instant",
        "account",
        [node("start", "start", 0), node("done", "end", 220, outcome="approved")],
        [edge("start", "done")],
        starts_on=[],
    )
    publish(db, instant, parent_flow("account_instant"))
    record = new_account(db)
    parent = decide(db, "qian", record, "approve")
    assert parent.status == "approved"
    assert instances(db, record)["account_instant"].status == "approved"
