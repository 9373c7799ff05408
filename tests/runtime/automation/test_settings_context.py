"""Actions read the server's settings through their session, also when a request runs them."""

from __future__ import annotations

from sqlalchemy import Engine

from builder.app import create_app
from runtime.actions.base import settings_of
from runtime.settings import Settings


def test_the_servers_sessions_carry_its_settings(seeded: tuple[str, Engine]) -> None:
    # given a server configured with its own address and unsubscribe mailbox
    url, _engine = seeded
    settings = Settings(
        database_url=url,
        base_url="https://crm.example.cn",
        unsubscribe_mailto="leave@example.cn",
    )
    app = create_app(settings)
    try:
        # when a request's session asks what an action would read
        for factory in (app.state.session_factory, app.state.loop_session_factory):
            if factory is None:  # PostgreSQL has no loop connection
                continue
            with factory() as db:
                seen = settings_of(db)
            # then it is the server's configuration, not the environment's
            assert seen.base_url == "https://crm.example.cn"
            assert seen.unsubscribe_mailto == "leave@example.cn"
    finally:
        app.state.engine.dispose()
