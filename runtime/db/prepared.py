"""Core statements compiled once per dialect and run on the driver's cursor. Shell.

A hot path (the public submit runs five statements per request) spent more time in Core's
per-call machinery — execution context, compiled-cache lookup, result wrapping, events — than in
the database. A `Prepared` statement is still written with SQLAlchemy constructs and compiled by
SQLAlchemy, with the same bind and result processors (JSON, aware UTC times); only the per-call
machinery is skipped: it runs on the DBAPI cursor of the caller's `Connection`, inside the
caller's transaction. Driver errors are re-raised as SQLAlchemy's `DBAPIError` family, so
callers keep catching `IntegrityError` and friends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exc, insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.sql import ClauseElement

Processor = Callable[[Any], Any] | None


_BOUND = object()  # a slot whose value comes from the caller
_IDLE = 0  # psycopg.pq.TransactionStatus.IDLE: connected, no transaction open


@dataclass(frozen=True, slots=True)
class _Plan:
    sql: str
    positional: bool
    # One slot per parameter in the driver's order: (bind name, processor, constant); the
    # constant is a value bound inside the statement (`kind == "forms"`), else _BOUND.
    slots: tuple[tuple[str, Processor, Any], ...]
    results: tuple[Processor, ...]

    def params(self, values: Mapping[str, Any]) -> list[Any] | dict[str, Any]:
        out = []
        for name, process, constant in self.slots:
            value = values[name] if constant is _BOUND else constant
            out.append(process(value) if process is not None else value)
        if self.positional:
            return out
        return {slot[0]: value for slot, value in zip(self.slots, out, strict=True)}

    def row(self, raw: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(
            process(value) if process else value
            for process, value in zip(self.results, raw, strict=True)
        )


class Prepared:
    """One Core statement, compiled on first use for each dialect.

    `columns` names the columns an INSERT writes; every column with a Python-side default must be
    among them (defaults are applied by Core's execution, which a prepared statement skips).
    """

    def __init__(self, statement: ClauseElement, *, columns: Sequence[str] | None = None) -> None:
        self.statement = statement
        self.columns = list(columns) if columns is not None else None
        self._plans: dict[tuple[str, str], _Plan] = {}

    def plan(self, dialect: Dialect) -> _Plan:
        key = (dialect.name, dialect.driver)
        found = self._plans.get(key)
        if found is None:
            found = self._plans[key] = self._compile(dialect)
        return found

    def _compile(self, dialect: Dialect) -> _Plan:
        compiled: Any = self.statement.compile(dialect=dialect, column_keys=self.columns)
        if getattr(compiled, "insert_prefetch", None) or getattr(compiled, "update_prefetch", None):
            raise ValueError("a prepared statement must be given every column that has a default")
        order = list(compiled.positiontup or ()) if compiled.positional else list(compiled.binds)
        slots = []
        for name in order:
            bind = compiled.binds[name]
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            slots.append((name, process, _BOUND if bind.required else bind.effective_value))
        columns: Any = getattr(self.statement, "selected_columns", None)
        if columns is None:
            columns = getattr(self.statement, "exported_columns", None) or ()
        results = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
        )
        return _Plan(str(compiled), bool(compiled.positional), tuple(slots), results)

    def rows(self, conn: Connection, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        plan = self.plan(conn.dialect)
        raw = _run(conn, plan, values, _fetch_all, with_begin=True)
        return [plan.row(row) for row in raw]

    def first(self, conn: Connection, values: Mapping[str, Any]) -> tuple[Any, ...] | None:
        plan = self.plan(conn.dialect)
        raw = _run(conn, plan, values, _fetch_one, with_begin=True)
        return None if raw is None else plan.row(raw)

    def scalar(self, conn: Connection, values: Mapping[str, Any]) -> Any:
        row = self.first(conn, values)
        return None if row is None else row[0]

    def run(self, conn: Connection, values: Mapping[str, Any]) -> None:
        _run(conn, self.plan(conn.dialect), values, None)

    def count(self, conn: Connection, values: Mapping[str, Any]) -> int:
        """Run an UPDATE or DELETE; the number of rows it matched."""
        return int(_run(conn, self.plan(conn.dialect), values, lambda cursor: cursor.rowcount))

    def run_many(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            return
        plan = self.plan(conn.dialect)
        cursor = conn.connection.cursor()
        try:
            cursor.executemany(plan.sql, [plan.params(row) for row in rows])  # type: ignore[arg-type]
        except conn.dialect.loaded_dbapi.Error as error:
            raise _wrapped(conn, plan, rows, error, cursor) from error
        finally:
            cursor.close()


class InsertIgnoring:
    """INSERT … ON CONFLICT (`conflict`) DO NOTHING, prepared for PostgreSQL and SQLite.

    The idempotent writes of actions and handlers (a redelivered job finds its row and writes
    nothing). `returning`: the column to return; no row comes back on a conflict.
    """

    def __init__(
        self,
        model: Any,
        *,
        conflict: Sequence[str],
        columns: Sequence[str],
        returning: Any = None,
    ) -> None:
        self._by_dialect: dict[str, Prepared] = {}
        for name, upsert in (("postgresql", pg_insert), ("sqlite", sqlite_insert)):
            statement: Any = upsert(model).on_conflict_do_nothing(index_elements=list(conflict))
            if returning is not None:
                statement = statement.returning(returning)
            self._by_dialect[name] = Prepared(statement, columns=columns)

    def of(self, conn: Connection) -> Prepared:
        return self._by_dialect[conn.dialect.name]


class InsertMany:
    """One INSERT for many rows of `model`.

    On PostgreSQL through psycopg the rows travel as one array per column, in the binary
    format, and the statement unnests them: one statement for the server to run and the driver
    to send, where `executemany` runs and sends one per row (and text-format arrays cost an
    escaping pass over every JSON document). Values go through each column type's own bind
    processing (JSON, UTC times), as with `Prepared`. Elsewhere it is `Prepared.run_many`.
    """

    def __init__(self, model: Any, *, columns: Sequence[str]) -> None:
        self.table = model.__table__
        self.columns = tuple(columns)
        self._rows = Prepared(insert(model), columns=self.columns)
        self._plan: tuple[_Plan, tuple[Processor, ...]] | None = None

    def run(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            return
        if conn.dialect.driver != "psycopg":
            self._rows.run_many(conn, rows)
            return
        plan, processors = self._plan or self._compile(conn.dialect)
        arrays = {
            name: [process(row[name]) if process else row[name] for row in rows]
            for name, process in zip(self.columns, processors, strict=True)
        }
        _run(conn, plan, arrays, None)

    def _compile(self, dialect: Dialect) -> tuple[_Plan, tuple[Processor, ...]]:
        columns = [self.table.c[name] for name in self.columns]
        # psycopg's own placeholders: `%(name)b` sends the array in the binary format.
        arrays = ", ".join(
            f"CAST(%({c.name})b AS {c.type.compile(dialect=dialect)}[])" for c in columns
        )
        names = ", ".join(c.name for c in columns)
        # Table and column names come from the model, never from input.
        sql = f"INSERT INTO {self.table.name} ({names}) SELECT * FROM unnest({arrays})"  # noqa: S608
        slots = tuple((c.name, None, _BOUND) for c in columns)
        processors = tuple(c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns)
        self._plan = (_Plan(sql, False, slots, ()), processors)
        return self._plan


def _fetch_all(cursor: Any) -> Any:
    return cursor.fetchall()


def _fetch_one(cursor: Any) -> Any:
    return cursor.fetchone()


def _run(
    conn: Connection,
    plan: _Plan,
    values: Mapping[str, Any],
    fetch: Callable[[Any], Any] | None,
    *,
    with_begin: bool = False,
) -> Any:
    """Execute on the caller's transaction. `with_begin`: a statement whose rows are fetched
    and which opens the transaction goes out with the driver's BEGIN in one round trip
    (psycopg otherwise waits for BEGIN's answer first)."""
    cursor = conn.connection.cursor()
    try:
        if with_begin and _opens_transaction(conn):
            with conn.connection.dbapi_connection.pipeline():  # type: ignore[union-attr]
                cursor.execute(plan.sql, plan.params(values))
                return fetch(cursor) if fetch else None
        cursor.execute(plan.sql, plan.params(values))
        return fetch(cursor) if fetch else None
    except conn.dialect.loaded_dbapi.Error as error:
        raise _wrapped(conn, plan, values, error, cursor) from error
    finally:
        cursor.close()


def _opens_transaction(conn: Connection) -> bool:
    """psycopg, outside autocommit, with no transaction open on the server yet."""
    if conn.dialect.driver != "psycopg":
        return False
    dbapi: Any = conn.connection.dbapi_connection
    return not dbapi.autocommit and bool(dbapi.info.transaction_status == _IDLE)


@contextmanager
def pipelined(conn: Connection) -> Iterator[None]:
    """Statements whose results nobody reads, sent without waiting for each answer.

    On PostgreSQL through psycopg the block runs in the driver's pipeline mode: `Prepared.run`
    and `run_many` queue their statements and the block's end waits once for all of them (a
    `first`/`scalar` inside still gets its row: the driver flushes up to it). A statement that
    fails raises when the block ends, as SQLAlchemy's `DBAPIError` family, so callers keep
    catching `IntegrityError`. Elsewhere (SQLite) the block changes nothing: there is no round
    trip to save. Only prepared statements belong inside: Core's own execution reads a cursor's
    description right after executing, which a pipeline has not received yet.
    """
    if conn.dialect.driver != "psycopg":
        yield
        return
    dbapi: Any = conn.connection.dbapi_connection
    try:
        with dbapi.pipeline():
            yield
    except conn.dialect.loaded_dbapi.Error as error:
        if conn.dialect.is_disconnect(error, dbapi, None):
            conn.invalidate(error)
        raise exc.DBAPIError.instance(
            "(pipelined statements)",
            None,
            error,
            conn.dialect.loaded_dbapi.Error,
            dialect=conn.dialect,
        ) from error


def _wrapped(conn: Connection, plan: _Plan, params: Any, error: Any, cursor: Any) -> Any:
    """The driver error as SQLAlchemy raises it; a lost connection is invalidated as Core would."""
    if conn.dialect.is_disconnect(error, conn.connection.dbapi_connection, cursor):
        conn.invalidate(error)
    return exc.DBAPIError.instance(
        plan.sql, params, error, conn.dialect.loaded_dbapi.Error, dialect=conn.dialect
    )


def store_versioned(
    db: Session, row: Any, statement: Prepared, values: Mapping[str, Any], *, id_param: str
) -> None:
    """Write `values` and the next version of the ORM object `row` with one UPDATE checked on
    the version it was read with, as the ORM's version counter would (`StaleDataError` when
    someone else changed it first), without the ORM's flush machinery.

    `statement` updates the given columns and `version = :new_version` where the id is
    `:<id_param>` and the version `:expected`. The object then says what the row says.
    """
    db.flush()  # anything pending goes first, under the version it was read with
    new_version = row.version + 1
    params = {**values, id_param: row.id, "expected": row.version, "new_version": new_version}
    if statement.count(db.connection(), params) != 1:
        raise StaleDataError(
            f"UPDATE of {type(row).__name__} {row.id} expected version {row.version}; it changed."
        )
    for key, value in {**values, "version": new_version}.items():
        set_committed_value(row, key, value)
