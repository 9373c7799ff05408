"""Migrations: upgrade an empty database to head, match the models, downgrade to nothing."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

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
