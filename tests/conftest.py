"""Shared fixtures: databases (SQLite always, PostgreSQL when configured), API clients."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

os.environ.setdefault("FORMWORK_FAST_PASSWORD_HASH", "1")

from builder import bundle as bundles
from builder.app import create_app
from runtime.auth import service as auth
from runtime.db import migrate
from runtime.db.engine import make_engine
from runtime.org import sample
from runtime.org import service as org
from runtime.settings import ROOT, Settings

PASSWORD = "sample-pass-1"
PG_ENV = "FORMWORK_TEST_DATABASE_URL"
NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def backends() -> list[str]:
    if os.environ.get(PG_ENV):
        return ["sqlite", "postgresql"]
    if os.environ.get("CI") == "true":
        # CI must exercise PostgreSQL: a missing DSN is a failure, never a skip.
        raise pytest.UsageError(f"CI=true but {PG_ENV} is not set; PostgreSQL tests must run.")
    return ["sqlite"]


def pytest_configure(config: pytest.Config) -> None:
    backends()  # fail early in CI without PostgreSQL


def worker_id() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def fresh_postgres_url(suffix: str) -> str:
    """A new empty database next to FORMWORK_TEST_DATABASE_URL, for this worker."""
    base = make_url(os.environ[PG_ENV])
    name = f"{base.database}_{worker_id()}_{suffix}"
    admin = make_engine(str(base.set(database="postgres")))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return str(base.set(database=name))


def fresh_url(backend: str, tmp_dir: Path, suffix: str) -> str:
    if backend == "postgresql":
        return fresh_postgres_url(suffix)
    return f"sqlite:///{tmp_dir / f'{suffix}.db'}"


def seed(engine: Engine) -> None:
    with Session(engine) as db:
        sample.load_sample_organisation(db, password=PASSWORD)
        for app_key in ("crm", "expense"):
            shipped = bundles.read_shipped(
                app_key, forms_root=ROOT / "form_schemas", flows_root=ROOT / "flow_definitions"
            )
            bundles.apply(db, shipped, user_id=None, now=NOW)
        db.commit()


@pytest.fixture(scope="session", params=backends())
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Engine]]:
    """A migrated database with the sample organisation and shipped apps, per backend."""
    backend = str(request.param)
    url = fresh_url(backend, tmp_path_factory.mktemp("db"), "seeded")
    migrate.upgrade(url)
    engine = make_engine(url)
    seed(engine)
    yield url, engine
    engine.dispose()


@pytest.fixture
def connection(seeded: tuple[str, Engine]) -> Iterator[object]:
    _url, engine = seeded
    with engine.connect() as conn:
        outer = conn.begin()
        yield conn
        outer.rollback()


@pytest.fixture
def session_factory(connection: object) -> sessionmaker[Session]:
    return sessionmaker(
        bind=connection,
        join_transaction_mode="create_savepoint",  # type: ignore[call-overload]
        expire_on_commit=False,
    )


@pytest.fixture
def db(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work is rolled back after the test."""
    with session_factory() as session:
        yield session


@pytest.fixture
def app(seeded: tuple[str, Engine], session_factory: sessionmaker[Session]) -> object:
    url, _engine = seeded
    application = create_app(Settings(database_url=url, base_url="http://testserver"))
    application.state.engine.dispose()
    application.state.session_factory = session_factory
    # The public submit runs on the event loop on SQLite; in tests it shares the test's
    # connection (tests/runtime/forms/test_public_on_loop.py covers the separate connection).
    if application.state.loop_session_factory is not None:
        application.state.loop_session_factory.kw["bind"].dispose()
        application.state.loop_session_factory = session_factory
    return application


@pytest.fixture
def client(app: object) -> Iterator[TestClient]:
    with TestClient(app) as test_client:  # type: ignore[arg-type]
        yield test_client


def key_for(session_factory: sessionmaker[Session], username: str) -> str:
    with session_factory() as db:
        user = org.load_user(db, username=username)
        key = auth.create_api_key(db, user=user, name="test", now=NOW)
        db.commit()
    return key


@pytest.fixture
def admin_headers(session_factory: sessionmaker[Session]) -> dict[str, str]:
    return {"Authorization": f"Bearer {key_for(session_factory, 'admin')}"}


@pytest.fixture
def rep_headers(session_factory: sessionmaker[Session]) -> dict[str, str]:
    return {"Authorization": f"Bearer {key_for(session_factory, 'north_a')}"}
