"""Field indexes follow the published form, and list queries can use them."""

from __future__ import annotations

import copy

from sqlalchemy import select

from builder import publish as publishing
from runtime.records import indexes
from runtime.records import query as q
from runtime.records import service as records
from runtime.records.models import Record
from tests.conftest import NOW


def index_names(db) -> set[str]:
    return indexes.existing_names(db)


def test_shipped_lead_form_has_its_field_indexes(db):
    names = index_names(db)
    for field in ("city", "status", "owner", "company_size"):
        assert indexes.index_name("crm", "lead", field) in names


def test_publishing_without_indexed_drops_the_index(db):
    form = records.load_form(db, app_key="crm", form_key="lead")
    doc = copy.deepcopy(dict(form.doc))
    for field in doc["fields"]:
        if field["key"] == "city":
            field.pop("indexed")
    publishing.publish(db, app_key="crm", kind="forms", key="lead", user_id=None, now=NOW, doc=doc)
    names = index_names(db)
    assert indexes.index_name("crm", "lead", "city") not in names
    assert indexes.index_name("crm", "lead", "status") in names


def test_sorted_list_query_uses_the_field_index(db):
    # given the lead form's list query sorted by an indexed numeric field
    form = records.load_form(db, app_key="crm", form_key="lead")
    dialect = db.get_bind().dialect.name
    builder = q.QueryBuilder(form.field_types, dialect, q.numeric_fields(form.doc["fields"]))
    expr, _descending, _builtin = builder.order("-company_size")
    query = (
        select(Record.id)
        .where(Record.app_key == "crm", Record.form_key == "lead")
        .order_by(expr.desc(), Record.id.desc())
        .limit(50)
    )
    sql = str(query.compile(db.get_bind(), compile_kwargs={"literal_binds": True}))
    # when the database plans it
    connection = db.connection()
    if dialect == "postgresql":
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = " ".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + sql))
    else:
        plan = " ".join(
            str(row[-1]) for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)
        )
    # then it reads the expression index instead of sorting every row
    assert indexes.index_name("crm", "lead", "company_size") in plan, plan
    assert "TEMP B-TREE" not in plan
