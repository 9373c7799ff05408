"""Field indexes follow the published form, and list queries can use them."""

from __future__ import annotations

import copy

from sqlalchemy import text

from builder import publish as publishing
from runtime.records import indexes
from runtime.records import service as records
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


def plan_of(db, query) -> str:
    sql = str(query.compile(db.get_bind(), compile_kwargs={"literal_binds": True}))
    connection = db.connection()
    if db.get_bind().dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        return " ".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + sql))
    return " ".join(str(row[-1]) for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))


def test_sorted_list_query_uses_the_field_index(db):
    # given the statement a lead list sorted by an indexed numeric field runs
    form = records.load_form(db, app_key="crm", form_key="lead")
    dialect = db.get_bind().dialect.name
    query, _builder = records.list_statement(dialect, form=form, sort="-company_size")
    # when the database plans it
    plan = plan_of(db, query)
    # then it reads the form's partial expression index instead of sorting every row
    assert indexes.index_name("crm", "lead", "company_size") in plan, plan
    assert "TEMP B-TREE" not in plan


def test_field_indexes_are_partial_per_form(db):
    names = index_names(db)
    if db.get_bind().dialect.name == "postgresql":
        sql = "SELECT indexdef FROM pg_indexes WHERE indexname = :name"
    else:
        sql = "SELECT sql FROM sqlite_master WHERE name = :name"
    name = indexes.index_name("crm", "lead", "city")
    assert name in names
    definition = db.connection().execute(text(sql), {"name": name}).scalar()
    assert "form_key" in definition.split("WHERE", 1)[1]
    assert "'lead'" in definition


def test_postgresql_keeps_expression_statistics_for_filters(db):
    # given the shipped lead form, published at seeding
    names = indexes.existing_statistics(db)
    if db.get_bind().dialect.name != "postgresql":
        # SQLite has no expression statistics; nothing is asked of it
        assert names == set()
        assert indexes.wanted_statistics({"fields": [{"key": "a", "type": "text"}]}, "sqlite") == {}
        return
    # then every scalar text field a filter reads has one, numeric and list fields none
    assert indexes.statistics_name("company") in names
    assert indexes.statistics_name("status") in names
    assert indexes.statistics_name("company_size") not in names


def test_filter_estimate_follows_the_data_on_postgresql(db):
    # given 300 leads of which a third have 科技 in the company name, analysed
    if db.get_bind().dialect.name != "postgresql":
        return
    form = records.load_form(db, app_key="crm", form_key="lead")
    for i in range(300):
        company = f"星云科技{i}" if i % 3 == 0 else f"远山贸易{i}"
        records.insert_data(
            db, form=form, data={"name": f"n{i}", "company": company}, now=NOW, via="api"
        )
    db.connection().exec_driver_sql("ANALYZE records")
    # when PostgreSQL plans a contains filter on the field
    plan = db.connection().execute(
        text("EXPLAIN SELECT id FROM records WHERE (data ->> 'company') LIKE :pattern"),
        {"pattern": "%科技%"},
    )
    estimate = int(next(iter(plan))[0].split("rows=")[1].split()[0])
    # then it expects about a third of the rows, not the fixed guess for an unknown expression
    assert 60 <= estimate <= 200, estimate
