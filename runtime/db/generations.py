"""Change tokens and the per-process caches they guard. Shell.

Some rows change rarely and are read on every request: the organisation (users, departments,
roles) and the published definitions. Each such scope has a token in `serial_counters`; any
flush that touches one of the scope's models writes a new random token in the same transaction.
A process keeps what it derived from those rows next to the token it read, and one small query
per use tells whether it still holds.

The token is random, not a counter: a change that is rolled back must never leave a cached value
that a later, different change would match. A database without a token yet (fresh, or rows
written before tokens existed) is never cached.
"""

from __future__ import annotations

import secrets
import weakref
from collections.abc import Callable, Hashable
from itertools import chain
from typing import Any, TypeVar

from sqlalchemy import BigInteger, Connection, Engine, String, column, event, select, table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from runtime.db.prepared import Prepared

T = TypeVar("T")

_COUNTERS = table("serial_counters", column("scope", String), column("value", BigInteger))
MAX_ENTRIES = 256  # per engine and scope: apps × forms is small; past it the cache starts over


@event.listens_for(Engine, "rollback_savepoint")
def _forget_tokens(connection: Connection, _name: Any, _context: Any) -> None:
    forget(connection)


def forget(connection: Connection) -> None:
    """What this transaction remembered (tokens, `transaction_memo`): a change undone to a
    savepoint may have stamped a token or written a row a memo names. Read them again."""
    for key in [k for k in connection.info if str(k).startswith(_MEMO_PREFIX)]:
        del connection.info[key]


_MEMO_PREFIX = "transaction_memo:"
_TOKENS = "generation_tokens"  # the memo of the tokens a transaction read, by scope


def transaction_memo(connection: Connection, name: str) -> dict[Hashable, Any]:
    """A dict kept for the current transaction of `connection` only (empty in the next one,
    and after a rollback to a savepoint): for rows a transaction may read many times."""
    transaction = connection.get_transaction()
    key = f"{_MEMO_PREFIX}{name}"
    found = connection.info.get(key)
    if found is not None and transaction is not None and found[0]() is transaction:
        memo: dict[Hashable, Any] = found[1]
        return memo
    memo = {}
    if transaction is not None:
        connection.info[key] = (weakref.ref(transaction), memo)
    return memo


def watch(scope: str, models: tuple[type, ...]) -> None:
    """Give `scope` a new token whenever a flush adds, changes or deletes one of `models`."""

    def stamp(session: Session, _context: Any) -> None:
        touched = chain(session.new, session.dirty, session.deleted)
        if not any(isinstance(obj, models) for obj in touched):
            return
        connection = session.connection()
        insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
        token = secrets.randbits(62)
        connection.execute(
            insert(_COUNTERS)
            .values(scope=scope, value=token)
            .on_conflict_do_update(index_elements=["scope"], set_={"value": token})
        )
        transaction_memo(connection, _TOKENS).pop(scope, None)  # it sees the new one now

    event.listen(Session, "after_flush", stamp)


class TokenCache:
    """Values derived from one scope's rows, per engine and key, valid while the token holds."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        self._token = Prepared(select(_COUNTERS.c.value).where(_COUNTERS.c.scope == scope))
        self._entries: weakref.WeakKeyDictionary[Engine, dict[Hashable, tuple[int, Any]]] = (
            weakref.WeakKeyDictionary()
        )

    def token(self, connection: Connection) -> int | None:
        """The scope's token as this transaction sees it: read once per transaction.

        A public submission asks for its form and for the form's before-save rules, and a
        group commit writes many submissions in one transaction: one query serves them all.
        Kept against a weak reference to the transaction, so a later transaction (even one that
        reuses the memory) reads again.
        """
        memo = transaction_memo(connection, _TOKENS)
        if self.scope in memo:
            remembered: int | None = memo[self.scope]
            return remembered
        value = self._token.scalar(connection, {})
        token = memo[self.scope] = int(value) if value is not None else None
        return token

    def get(
        self,
        connection: Connection,
        key: Hashable,
        build: Callable[[], T],
        *,
        token: int | None = None,
    ) -> T:
        """The cached value for `key`, or `build()` when the scope changed since it was built.

        `token`: one the caller already read in this transaction (saves the query).
        """
        if token is None:
            token = self.token(connection)
        if token is None:
            return build()
        entries = self._entries.setdefault(connection.engine, {})
        found = entries.get(key)
        if found is not None and found[0] == token:
            value: T = found[1]
            return value
        value = build()
        if len(entries) >= MAX_ENTRIES:
            entries.clear()
        entries[key] = (token, value)
        return value
