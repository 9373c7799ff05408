"""The `formwork` command: init, export/apply round trip, users and API keys."""

from __future__ import annotations

import filecmp
import os

import pytest

from builder.cli import main
from runtime.settings import ROOT


@pytest.fixture
def database(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("FORMWORK_DATABASE_URL", url)
    assert main(["init", "--template", "crm", "--password", "cli-pass-1"]) == 0
    assert "login: admin / cli-pass-1" in capsys.readouterr().out
    return url


def test_init_again_is_harmless_and_prints_login_and_api_key(database, capsys):
    capsys.readouterr()
    assert main(["init", "--template", "crm", "--password", "cli-pass-1"]) == 0
    out = capsys.readouterr().out
    assert "app crm: published 0, unchanged 30" in out  # 8 forms, 22 flows
    assert "login: admin (existing users keep their passwords)" in out
    assert out.strip().splitlines()[-1].startswith("api key: fw_")


def test_export_apply_export_is_byte_identical(database, tmp_path, capsys):
    first, second = tmp_path / "one", tmp_path / "two"
    assert main(["export", "crm", str(first)]) == 0
    assert main(["apply", str(first)]) == 0
    assert "unchanged crm/forms/lead" in capsys.readouterr().out
    assert main(["export", "crm", str(second)]) == 0
    comparison = filecmp.dircmp(first, second)
    assert comparison.diff_files == comparison.left_only == comparison.right_only == []
    assert (first / "forms" / "lead.json").read_bytes() == (
        ROOT / "form_schemas" / "crm" / "lead.json"
    ).read_bytes()


def test_apply_refuses_invalid_folder_with_pointers(database, tmp_path, capsys):
    main(["export", "crm", str(tmp_path / "bad")])
    lead = tmp_path / "bad" / "forms" / "lead.json"
    lead.write_text(
        lead.read_text(encoding="utf-8").replace('"type": "phone"', '"type": "x"'), encoding="utf-8"
    )
    assert main(["apply", str(tmp_path / "bad")]) == 2
    err = capsys.readouterr().err
    assert "/definitions/forms/lead/fields/" in err
    assert "unknown_field_type" in err


def test_user_and_api_key_creation(database, capsys):
    assert (
        main(["user", "create", "newrep", "--password", "long-pass-1", "--role", "sales_rep"]) == 0
    )
    assert main(["apikey", "create", "--user", "newrep"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("fw_")
    assert main(["user", "create", "newrep", "--password", "long-pass-1"]) == 2


def test_export_includes_flows_and_round_trips_them(database, tmp_path):
    folder = tmp_path / "with-flows"
    assert main(["export", "crm", str(folder)]) == 0
    assert (folder / "flows" / "quote_approval.json").read_bytes() == (
        ROOT / "flow_definitions" / "crm" / "quote_approval.json"
    ).read_bytes()
    assert main(["apply", str(folder)]) == 0


def test_tick_now_fires_an_approval_deadline(database, capsys):
    from sqlalchemy import select

    from runtime.db.engine import make_engine, make_session_factory
    from runtime.org import service as org
    from runtime.tasks.models import Task
    from tests.runtime.flows.test_flows_service import quote

    # given a big quote waiting for zhao
    factory = make_session_factory(make_engine(database))
    with factory() as db:
        quote(db, total_price="1000000", discount="0.7")
        db.commit()
    capsys.readouterr()
    # when the clock travels past the 48-hour deadline
    assert main(["tick", "--now", "2099-01-01T00:00:00+00:00"]) == 0
    assert "fired" in capsys.readouterr().out
    # then the task escalated from zhao to zhao's manager
    with factory() as db:
        open_rows = db.scalars(select(Task).where(Task.status == "open")).all()
        assignees = {db.get_one(org.User, t.assignee_id).username for t in open_rows}
        assert assignees == {org.directory(db).manager("zhao")}


def test_tick_hands_pending_events_to_automations(database, capsys):
    from sqlalchemy import select

    from runtime.automation.models import Notification
    from runtime.db.engine import make_engine, make_session_factory
    from runtime.records import service as records
    from tests.conftest import NOW

    # The shipped lead routing (crm/lead_routing) is published by init.
    factory = make_session_factory(make_engine(database))
    with factory() as db:
        records.create_record(
            db,
            form=records.load_form(db, app_key="crm", form_key="lead"),
            raw={"name": "郑三", "company": "燕京物流", "phone": "13900004444", "city": "北京"},
            actor=None,
            now=NOW,
        )
        db.commit()
    capsys.readouterr()
    assert main(["tick"]) == 0
    # The new lead's event, and the updates its routing and scoring made (in the same pass).
    assert "handled 3 event(s)" in capsys.readouterr().out
    with factory() as db:
        titles = db.scalars(select(Notification.title)).all()
    assert titles == ["新线索：燕京物流"]
    assert main(["tick"]) == 0  # nothing pending: nothing happens twice
    assert "handled 0 event(s)" in capsys.readouterr().out


def test_files_gc_removes_blobs_no_file_names(database, tmp_path, monkeypatch, capsys):
    files_dir = tmp_path / "files"
    monkeypatch.setenv("FORMWORK_FILES_DIR", str(files_dir))
    stray = files_dir / "cd" / ("cd" + "1" * 62)
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"left over")
    old = 1_000_000_000  # 2001: far past the grace period
    os.utime(stray, (old, old))
    capsys.readouterr()
    assert main(["files-gc"]) == 0
    assert "removed 0 unused upload(s) and 1 unnamed blob(s)" in capsys.readouterr().out
    assert not stray.exists()
