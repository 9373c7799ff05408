"""The `formwork` command. Shell."""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from builder import bundle as bundles
from runtime.auth import service as auth
from runtime.automation import loop as background
from runtime.automation.outbox import Outbound
from runtime.db import migrate
from runtime.db.engine import make_engine, make_session_factory, unit_of_work
from runtime.errors import FormworkError
from runtime.org import sample
from runtime.org import service as org
from runtime.settings import ROOT, Settings

SHIPPED = ROOT / "form_schemas"
SHIPPED_FLOWS = ROOT / "flow_definitions"
TEMPLATES = {"crm": ("crm", "expense")}


def _out(line: str = "") -> None:
    sys.stdout.write(line + "\n")


def _err(line: str) -> None:
    sys.stderr.write(line + "\n")


def _now() -> datetime:
    return datetime.now(UTC)


def cmd_init(args: argparse.Namespace) -> int:
    url = args.database or Settings.from_env().database_url
    migrate.upgrade(url)
    password = args.password or secrets.token_urlsafe(9)
    factory = make_session_factory(make_engine(url))
    with unit_of_work(factory) as db:
        is_new = org.get_user(db, username="admin") is None
        if args.template:
            sample.load_sample_organisation(db, password=password)
            for app_key in TEMPLATES[args.template]:
                shipped = bundles.read_shipped(
                    app_key, forms_root=SHIPPED, flows_root=SHIPPED_FLOWS
                )
                report = bundles.apply(db, shipped, user_id=None, now=_now())
                _out(
                    f"app {report.app}: published {len(report.published)}, "
                    f"unchanged {len(report.unchanged)}"
                )
        admin = org.get_user(db, username="admin") or org.create_user(
            db, username="admin", name="管理员", password=password, roles=["admin"]
        )
        key = auth.create_api_key(db, user=admin, name="init", now=_now())
    _out(f"database: {url}")
    if is_new:
        note = "  (every sample user has this password)" if args.template else ""
        _out(f"login: admin / {password}{note}")
    else:
        _out("login: admin (existing users keep their passwords)")
    _out(f"api key: {key}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    workers = max(1, int(getattr(args, "workers", 1)))
    if not Settings.from_env().broker_url:
        # No broker: automations and timers run inside the server (DESIGN §5).
        os.environ.setdefault("FORMWORK_BACKGROUND", "1")
    if workers > 1 and Settings.from_env().database_url.startswith("sqlite"):
        _err("note: several workers share one SQLite file through its lock; use PostgreSQL")
    # Requests are counted and timed in /metrics; per-request log lines are opt-in
    # (formatting them cost ~5 % of a public submit's CPU).
    uvicorn.run(
        "builder.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=workers,
        log_level="info",
        access_log=bool(getattr(args, "access_log", False)),
    )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    url = args.database or settings.database_url
    init_args = argparse.Namespace(template="crm", database=url, password=args.password)
    cmd_init(init_args)
    base = f"http://{args.host}:{args.port}"
    _out(f"open:        {base}/")
    _out(f"lead form:   {base}/f/crm/lead")
    _out(f"leads:       {base}/apps/crm/lead")
    _out(f"builder:     {base}/builder  (as admin)")
    _out(f"API docs:    {base}/docs")
    os.environ["FORMWORK_DATABASE_URL"] = url
    return cmd_serve(args)


def cmd_apply(args: argparse.Namespace) -> int:
    url = Settings.from_env().database_url
    factory = make_session_factory(make_engine(url))
    with unit_of_work(factory) as db:
        report = bundles.apply(db, bundles.read_folder(Path(args.folder)), user_id=None, now=_now())
    for item in report.published:
        _out(f"published {report.app}/{item}")
    for item in report.unchanged:
        _out(f"unchanged {report.app}/{item}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    url = Settings.from_env().database_url
    with make_session_factory(make_engine(url))() as db:
        bundle = bundles.export(db, app_key=args.app)
    for path in bundles.write_folder(bundle, Path(args.folder)):
        _out(f"wrote {path}")
    return 0


def cmd_tick(args: argparse.Namespace) -> int:
    """Handle pending events and fire every timer due at `--now` (default: the clock); exit."""
    now = datetime.fromisoformat(args.now) if args.now else _now()
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    settings = Settings.from_env()
    factory = make_session_factory(make_engine(settings.database_url))
    events, timers = background.run_once(factory, now=now, outbound=Outbound.of(settings))
    _out(f"handled {events} event(s); fired {timers} timer(s) due at {now.isoformat()}")
    return 0


def cmd_files_gc(_args: argparse.Namespace) -> int:
    """Remove uploads nothing used for a day and blobs no file names (decision 0009)."""
    from runtime.files.service import collect_garbage

    settings = Settings.from_env()
    factory = make_session_factory(make_engine(settings.database_url))
    with factory() as db:
        rows, blobs = collect_garbage(db, files_dir=settings.files_dir, now=_now())
        db.commit()
    _out(f"removed {rows} unused upload(s) and {blobs} unnamed blob(s)")
    return 0


def _broker_settings() -> Settings | None:
    settings = Settings.from_env()
    from runtime.automation import worker

    found = worker.problems(settings)
    for problem in found:
        _err(f"error: {problem}")
    return None if found else settings


def cmd_worker(args: argparse.Namespace) -> int:
    """A Celery worker for automations, outbox items and timers (needs FORMWORK_BROKER_URL)."""
    settings = _broker_settings()
    if settings is None:
        return 2
    from runtime.automation import worker

    worker.run_worker(settings, concurrency=max(1, args.concurrency), loglevel=args.loglevel)
    return 0


def cmd_scheduler(args: argparse.Namespace) -> int:
    """Hand due work to the workers every --interval seconds (needs FORMWORK_BROKER_URL)."""
    settings = _broker_settings()
    if settings is None:
        return 2
    from runtime.automation import worker

    worker.run_scheduler(settings, interval=max(0.05, args.interval))
    return 0


def cmd_user_create(args: argparse.Namespace) -> int:
    url = Settings.from_env().database_url
    factory = make_session_factory(make_engine(url))
    with unit_of_work(factory) as db:
        user = org.create_user(
            db,
            username=args.name,
            name=args.display_name,
            password=args.password,
            roles=args.role or [],
            department_code=args.department,
        )
    _out(f"created user {user.username}")
    return 0


def cmd_apikey_create(args: argparse.Namespace) -> int:
    url = Settings.from_env().database_url
    factory = make_session_factory(make_engine(url))
    with unit_of_work(factory) as db:
        user = org.load_user(db, username=args.user)
        key = auth.create_api_key(db, user=user, name=args.label, now=_now())
    _out(key)
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="formwork", description="Formwork low-code workflows.")
    sub = top.add_subparsers(dest="command", required=True)

    init = sub.add_parser("init", help="migrate, load shipped apps and a sample organisation")
    init.add_argument("--template", choices=sorted(TEMPLATES))
    init.add_argument("--database", help="database URL (default FORMWORK_DATABASE_URL)")
    init.add_argument("--password", help="password for admin (and the sample users)")
    init.set_defaults(func=cmd_init)

    for name, func, helptext in (
        ("serve", cmd_serve, "serve the API and UI"),
        ("demo", cmd_demo, "init with the CRM template, then serve"),
    ):
        command = sub.add_parser(name, help=helptext)
        command.add_argument("--host", default="127.0.0.1")
        command.add_argument("--port", type=int, default=8000)
        command.add_argument(
            "--workers",
            type=int,
            default=1,
            help="processes (PostgreSQL deployments; SQLite wants one)",
        )
        command.add_argument("--access-log", action="store_true", help="log one line per request")
        if name == "demo":
            command.add_argument("--database")
            command.add_argument("--password")
        command.set_defaults(func=func)

    apply = sub.add_parser("apply", help="validate and publish a folder of definitions")
    apply.add_argument("folder")
    apply.set_defaults(func=cmd_apply)

    export = sub.add_parser("export", help="write an app's published definitions to a folder")
    export.add_argument("app")
    export.add_argument("folder")
    export.set_defaults(func=cmd_export)

    tick = sub.add_parser("tick", help="fire timers due at --now once, then exit")
    tick.add_argument("--now", help="ISO-8601 time (default: now); the future is how tests travel")
    tick.set_defaults(func=cmd_tick)

    gc = sub.add_parser("files-gc", help="remove unused uploads and unnamed blobs now")
    gc.set_defaults(func=cmd_files_gc)

    work = sub.add_parser("worker", help="run a Celery worker (FORMWORK_BROKER_URL)")
    work.add_argument("--concurrency", type=int, default=os.cpu_count() or 1)
    work.add_argument("--loglevel", default="INFO")
    work.set_defaults(func=cmd_worker)

    sched = sub.add_parser("scheduler", help="hand due events, outbox items and timers to workers")
    sched.add_argument("--interval", type=float, default=1.0, help="seconds between passes")
    sched.set_defaults(func=cmd_scheduler)

    user = sub.add_parser("user", help="manage users").add_subparsers(dest="action", required=True)
    create = user.add_parser("create", help="create a user")
    create.add_argument("name")
    create.add_argument("--password", required=True)
    create.add_argument("--role", action="append")
    create.add_argument("--display-name")
    create.add_argument("--department")
    create.set_defaults(func=cmd_user_create)

    apikey = sub.add_parser("apikey", help="manage API keys").add_subparsers(
        dest="action", required=True
    )
    key = apikey.add_parser("create", help="create an API key (printed on the last line)")
    key.add_argument("--user", required=True)
    key.add_argument("--label", default="cli")
    key.set_defaults(func=cmd_apikey_create)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except FormworkError as error:
        _err(f"error: {error.message}")
        for problem in error.to_problems():
            where = problem.pointer or problem.field or ""
            _err(f"  {where} {problem.code}: {problem.message}")
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
