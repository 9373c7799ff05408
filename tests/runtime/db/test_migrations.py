"""Migrations: upgrade an empty database to head, match the models, downgrade to nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from runtime.db import migrate
from runtime.db.engine import make_engine
from runtime.db.models import Base
from tests.conftest import backends, fresh_url


@pytest.mark.parametrize("backend", backends())
def test_upgrade_matches_models_and_downgrade_empties(backend, tmp_path):
    # given an empty database
    url = fresh_url(backend, tmp_path, "migrations")
    # when it is upgraded to head
    migrate.upgrade(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        drift = compare_metadata(context, Base.metadata)
        tables = set(inspect(conn).get_table_names())
    # then the schema is exactly what the models declare
    assert drift == [], f"models and migrations drift: {drift}"
    assert set(Base.metadata.tables) <= tables
    # and downgrading removes every table but Alembic's bookkeeping
    migrate.downgrade(url)
    with engine.connect() as conn:
        left = set(inspect(conn).get_table_names()) - {"alembic_version"}
    engine.dispose()
    assert left == set()


def test_sqlite_runs_in_wal_mode(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'wal.db'}")
    with engine.connect() as conn:
        mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
        foreign_keys = conn.exec_driver_sql("PRAGMA foreign_keys").scalar()
    assert engine.pool.size() == 1  # type: ignore[attr-defined]
    engine.dispose()
    assert mode == "wal"
    assert foreign_keys == 1


def test_lookup_keys_migration_indexes_existing_records(tmp_path):
    # given records stored before record_keys existed
    url = f"sqlite:///{tmp_path / 'backfill.db'}"
    migrate.upgrade(url, "0001")
    engine = make_engine(url)
    doc = {"key": "lead", "public": {"dedupe": {"keys": ["phone", "email"]}}}
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO apps (key, manifest, created_at) VALUES "
                "('crm', '{}', '2026-01-01 00:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO definitions (app_key, kind, key, version, status, doc, summary, "
                "created_at) VALUES ('crm', 'forms', 'lead', 1, 'published', :doc, '', "
                "'2026-01-01 00:00:00')"
            ),
            {"doc": json.dumps(doc)},
        )
        for data, deleted in (
            ({"phone": "+8613800138000"}, None),
            ({"phone": "+8613800138001", "email": "a@b.cn"}, None),
            ({"phone": "+8613800138002"}, "2026-01-02 00:00:00"),
        ):
            conn.execute(
                text(
                    "INSERT INTO records (app_key, form_key, form_version, data, version, "
                    "created_at, updated_at, deleted_at) VALUES ('crm', 'lead', 1, :data, 1, "
                    "'2026-01-01 00:00:00', '2026-01-01 00:00:00', :deleted)"
                ),
                {"data": json.dumps(data), "deleted": deleted},
            )
    # when the migration runs
    migrate.upgrade(url)
    # then live records' dedupe values are indexed, deleted ones are not
    with engine.connect() as conn:
        rows = {
            tuple(row) for row in conn.execute(text("SELECT field_key, value FROM record_keys"))
        }
    engine.dispose()
    assert rows == {("phone", "+8613800138000"), ("phone", "+8613800138001"), ("email", "a@b.cn")}


def test_file_links_migration_links_the_attachments_already_stored(tmp_path: Path) -> None:
    """0013 links files that records and task decisions named before links existed."""
    url = f"sqlite:///{tmp_path / 'links.db'}"
    migrate.upgrade(url, "0012")
    engine = make_engine(url)
    doc = {"fields": [{"key": "docs", "type": "attachment"}, {"key": "title", "type": "text"}]}
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO apps (key, manifest, created_at) "
                "VALUES ('crm', '{}', '2026-11-22 08:00:00')"
            )
        )
        for file_id in ("f-used", "f-unused"):
            conn.execute(
                text(
                    "INSERT INTO files (id, name, size, content_type, sha256, created_at) "
                    "VALUES (:id, 'a.pdf', 1, 'application/pdf', :sha, '2026-11-22 08:00:00')"
                ),
                {"id": file_id, "sha": "0" * 64},
            )
        conn.execute(
            text(
                "INSERT INTO definitions (app_key, kind, key, version, status, doc, summary, "
                "created_at) VALUES ('crm', 'forms', 'lead', 1, 'published', :doc, '', "
                "'2026-11-22 08:00:00')"
            ),
            {"doc": json.dumps(doc)},
        )
        conn.execute(
            text(
                "INSERT INTO records (app_key, form_key, form_version, data, version, "
                "created_at, updated_at) VALUES ('crm', 'lead', 1, :data, 1, "
                "'2026-11-22 08:00:00', '2026-11-22 08:00:00')"
            ),
            {"data": json.dumps({"title": "x", "docs": [{"id": "f-used"}, {"id": "gone"}]})},
        )
    migrate.upgrade(url, "0013")
    with engine.connect() as conn:
        links = conn.execute(text("SELECT file_id, field_key FROM file_links")).all()
    engine.dispose()
    assert [tuple(link) for link in links] == [("f-used", "docs")]  # unknown ids are not linked
