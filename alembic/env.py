"""Alembic environment: the database URL comes from the caller or FORMWORK_DATABASE_URL."""

from alembic import context
from sqlalchemy import Connection

from runtime.db.engine import make_engine
from runtime.db.models import Base
from runtime.settings import Settings

config = context.config


def include_object(
    obj: object,  # noqa: ARG001 - Alembic's hook signature
    name: str | None,
    type_: str,
    reflected: bool,
    compare_to: object,  # noqa: ARG001
) -> bool:
    """Leave field indexes (ixf_*) alone: published forms own them (docs/decisions/0004)."""
    return not (type_ == "index" and reflected and (name or "").startswith("ixf_"))


def run_with(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_with(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or Settings.from_env().database_url
    engine = make_engine(url)
    with engine.connect() as conn:
        run_with(conn)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run against a database")
run_online()
