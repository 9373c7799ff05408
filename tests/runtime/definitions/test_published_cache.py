"""The latest published form and an app's flows are cached per process until definitions change."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from runtime.db.engine import make_session_factory
from runtime.definitions import store
from runtime.flows import service as flows
from runtime.records import service as records
from tests.conftest import NOW


def republish_lead(db: Session, label: str, minutes: int) -> None:
    """A new published version of the CRM lead form whose `name` field has `label`."""
    doc: dict[str, Any] = dict(
        store.load_published(db, app_key="crm", kind="forms", key="lead").doc
    )
    doc["fields"] = [
        {**field, "label": {"zh-CN": label, "en": label}} if field["key"] == "name" else field
        for field in doc["fields"]
    ]
    store.publish(
        db,
        app_key="crm",
        kind="forms",
        key="lead",
        doc=doc,
        summary=label,
        user_id=None,
        now=NOW + timedelta(minutes=minutes),
    )


def name_label(db: Session) -> str:
    form = records.load_form(db, app_key="crm", form_key="lead")
    field = next(f for f in form.doc["fields"] if f["key"] == "name")
    return str(field["label"]["en"])


def test_the_cached_form_holds_until_a_definition_changes(db: Session) -> None:
    first = records.load_form(db, app_key="crm", form_key="lead")
    assert records.load_form(db, app_key="crm", form_key="lead") is first  # cached
    republish_lead(db, "Contact name", minutes=1)
    second = records.load_form(db, app_key="crm", form_key="lead")
    assert second.version == first.version + 1  # seen in the same transaction
    assert name_label(db) == "Contact name"


def test_a_rolled_back_publish_is_never_served(seeded: tuple[str, Engine]) -> None:
    _url, engine = seeded
    factory = make_session_factory(engine)
    with factory() as db:
        before = records.load_form(db, app_key="crm", form_key="lead").version
        republish_lead(db, "Never published", minutes=2)
        assert name_label(db) == "Never published"
        db.rollback()
    with factory() as db:
        assert records.load_form(db, app_key="crm", form_key="lead").version == before
        assert name_label(db) != "Never published"


def test_a_new_flow_version_replaces_the_cached_flow(db: Session) -> None:
    found = flows.published_flow(db, app_key="crm", key="lead_routing")
    assert found is not None
    doc = {**found.doc, "name": {"zh-CN": "线索分配（新）", "en": "Lead routing (new)"}}
    store.publish(
        db,
        app_key="crm",
        kind="flows",
        key="lead_routing",
        doc=doc,
        summary="renamed",
        user_id=None,
        now=NOW + timedelta(minutes=3),
    )
    again = flows.published_flow(db, app_key="crm", key="lead_routing")
    assert again is not None
    assert again.version == found.version + 1
    assert again.doc["name"]["en"] == "Lead routing (new)"


def test_a_publish_undone_to_a_savepoint_is_not_served_afterwards(db: Session) -> None:
    # given the form read (and its token remembered) in this transaction
    before = records.load_form(db, app_key="crm", form_key="lead")
    # when a publish inside a savepoint is read and then rolled back to the savepoint
    savepoint = db.begin_nested()
    republish_lead(db, "Undone", minutes=3)
    assert name_label(db) == "Undone"
    savepoint.rollback()
    # then the same transaction sees the version it had before
    after = records.load_form(db, app_key="crm", form_key="lead")
    assert after.version == before.version
    assert name_label(db) != "Undone"
