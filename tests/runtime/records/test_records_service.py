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


def test_people_and_departments_named_by_a_record_must_exist(db):
    # given a lead form (owner: a user) and the expense report (department: a department)
    from runtime.errors import InvalidInput
    from runtime.org import service as org

    lead = records.load_form(db, app_key="crm", form_key="lead")
    expense = records.load_form(db, app_key="expense", form_key="expense_report")
    # a user and a department that exist pass; ones that do not are refused by field
    with pytest.raises(InvalidInput) as refused:
        records.check_new(
            db,
            form=lead,
            raw={"name": "甲", "company": "乙", "owner": "nobody_here", "phone": "13800138000"},
            now=NOW,
        )
    assert [(p.field, p.code) for p in refused.value.to_problems()] == [("owner", "not_found")]
    records.check_new(
        db,
        form=lead,
        raw={"name": "甲", "company": "乙", "owner": "wang", "phone": "13800138000"},
        now=NOW,
    )
    with pytest.raises(InvalidInput) as unknown:
        records.check_new(db, form=expense, raw={"department": "no_such_dept"}, now=NOW)
    assert ("department", "not_found") in [(p.field, p.code) for p in unknown.value.to_problems()]
    # a department made in this very transaction counts at once (the cached snapshot follows)
    org.create_department(db, code="new_dept", name="新部门", parent_code=None)
    with pytest.raises(InvalidInput) as other:
        records.check_new(db, form=expense, raw={"department": "new_dept"}, now=NOW)
    assert ("department", "not_found") not in [(p.field, p.code) for p in other.value.to_problems()]
