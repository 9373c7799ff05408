"""Records service: the object insert_record returns behaves like any persistent record."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.orm.exc import StaleDataError

from runtime.records import service as records
from runtime.records.models import Record
from tests.conftest import NOW

LEAD = {"name": "沈一", "company": "河畔贸易", "phone": "13600000001"}


def test_created_record_updates_in_the_same_session(db):
    form = records.load_form(db, app_key="crm", form_key="lead")
    record = records.create_record(db, form=form, raw=LEAD, actor=None, now=NOW)
    assert record in db  # persistent, not a detached copy
    records.update_record(
        db, record=record, raw={"title": "CFO"}, expected_version=1, actor=None, now=NOW
    )
    db.expire_all()
    stored = db.get(Record, record.id)
    assert (stored.version, stored.data["title"]) == (2, "CFO")


def test_concurrent_change_is_detected_by_the_version_column(db):
    form = records.load_form(db, app_key="crm", form_key="lead")
    record = records.create_record(db, form=form, raw=LEAD, actor=None, now=NOW)
    db.flush()
    # another unit of work changes the row behind this session's back
    db.connection().execute(
        text("UPDATE records SET version = version + 1 WHERE id = :id"), {"id": record.id}
    )
    with pytest.raises(StaleDataError):
        records.update_record(
            db, record=record, raw={"title": "CTO"}, expected_version=None, actor=None, now=NOW
        )
