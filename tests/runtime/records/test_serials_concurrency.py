"""Serial numbers stay distinct and gapless when many connections take them at once."""

from __future__ import annotations

import threading

import pytest

from runtime.db import migrate
from runtime.db.engine import make_engine, make_session_factory
from runtime.records import service as records
from tests.conftest import backends, fresh_url

THREADS = 8
EACH = 40


@pytest.mark.parametrize("backend", backends())
def test_parallel_connections_get_distinct_gapless_numbers(backend, tmp_path):
    # given a database reached through several engines (separate connections, as processes do)
    url = fresh_url(backend, tmp_path, "serials")
    migrate.upgrade(url)
    engines = [make_engine(url) for _ in range(THREADS)]
    taken: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def take(engine) -> None:
        factory = make_session_factory(engine)
        start.wait()
        try:
            for _ in range(EACH):
                with factory() as db:
                    number = records.next_serial(db, scope="crm/quote/number/QT-20261122-")
                    db.commit()
                with lock:
                    taken.append(number)
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    # when every thread takes numbers at the same time
    threads = [threading.Thread(target=take, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for engine in engines:
        engine.dispose()
    # then each number was handed out exactly once, with no gaps
    assert errors == []
    assert sorted(taken) == list(range(1, THREADS * EACH + 1))
