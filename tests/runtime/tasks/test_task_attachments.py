"""An approver's decision can carry files; the task keeps the server's metadata for them."""

from __future__ import annotations

import uuid

from runtime.files.models import StoredFile
from tests.conftest import NOW, key_for
from tests.runtime.records.test_records_in_flow import small_quote


def stored_file(session_factory, name: str) -> str:
    file_id = str(uuid.uuid4())
    with session_factory() as db:
        db.add(
            StoredFile(
                id=file_id,
                name=name,
                size=1234,
                content_type="application/pdf",
                sha256="ab" * 32,
                created_at=NOW,
            )
        )
        db.commit()
    return file_id


def test_decision_keeps_its_attachments(client, session_factory):
    rep = {"Authorization": f"Bearer {key_for(session_factory, 'north_a')}"}
    qian = {"Authorization": f"Bearer {key_for(session_factory, 'qian')}"}
    small_quote(client, rep)
    task = client.get("/api/tasks", headers=qian).json()["items"][0]
    unknown = client.post(
        f"/api/tasks/{task['id']}/complete",
        json={"outcome": "reject", "attachments": ["nope"]},
        headers=qian,
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "attachments"
    file_id = stored_file(session_factory, "比价单.pdf")
    done = client.post(
        f"/api/tasks/{task['id']}/complete",
        json={"outcome": "reject", "comment": "见附件比价", "attachments": [file_id]},
        headers=qian,
    )
    assert done.status_code == 200, done.text
    assert done.json()["attachments"] == [
        {
            "id": file_id,
            "name": "比价单.pdf",
            "size": 1234,
            "content_type": "application/pdf",
            "sha256": "ab" * 32,
        }
    ]
    assert done.json()["comment"] == "见附件比价"


def test_the_assignee_uploads_a_file_and_decides_with_it(client, app, session_factory, tmp_path):
    import dataclasses
    from urllib.parse import quote

    app.state.settings = dataclasses.replace(app.state.settings, files_dir=tmp_path / "files")
    rep = {"Authorization": f"Bearer {key_for(session_factory, 'north_a')}"}
    qian = {"Authorization": f"Bearer {key_for(session_factory, 'qian')}"}
    small_quote(client, rep)
    task = client.get("/api/tasks", headers=qian).json()["items"][0]
    url = f"/api/tasks/{task['id']}/files"
    pdf = b"%PDF-1.4\n" + b"x" * 100 + b"\n%%EOF\n"
    upload = {"Content-Type": "application/pdf", "X-Filename": quote("比价单.pdf")}

    # Only the task's assignee may attach files to its decision.
    refused = client.post(url, content=pdf, headers={**rep, **upload})
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["code"] == "not_assignee"
    script = client.post(url, content=b"#!/bin/sh\n", headers={**qian, "X-Filename": "run.sh"})
    assert script.status_code == 422
    assert script.json()["errors"][0]["code"] == "file_type_not_allowed"

    stored = client.post(url, content=pdf, headers={**qian, **upload})
    assert stored.status_code == 201, stored.text
    assert stored.json()["name"] == "比价单.pdf"
    done = client.post(
        f"/api/tasks/{task['id']}/complete",
        json={"outcome": "approve", "comment": "附比价单", "attachments": [stored.json()["id"]]},
        headers=qian,
    )
    assert done.status_code == 200, done.text
    # The instance view lists the decided task with its key and files, for the history.
    instance = client.get(f"/api/instances/{task['instance_id']}", headers=rep).json()
    decided = next(t for t in instance["tasks"] if t["id"] == task["id"])
    assert decided["key"] == task["key"]
    assert [f["name"] for f in decided["attachments"]] == ["比价单.pdf"]
    download = client.get(f"/api/files/{stored.json()['id']}", headers=rep)
    assert download.status_code == 200
    assert download.content == pdf
    # A closed task takes no more files.
    late = client.post(url, content=pdf, headers={**qian, **upload})
    assert late.status_code == 409


def test_line_items_come_formatted_cell_by_cell(client, session_factory):
    rep = {"Authorization": f"Bearer {key_for(session_factory, 'north_a')}"}
    qian = {"Authorization": f"Bearer {key_for(session_factory, 'qian')}"}
    small_quote(client, rep)
    task = client.get("/api/tasks", headers=qian).json()["items"][0]
    instance = client.get(f"/api/instances/{task['instance_id']}?lang=zh-CN", headers=qian).json()
    rows = instance["record"]["display_rows"]["items"]
    assert len(rows) == 1
    assert "标准版" in rows[0]
    assert "¥1,000.00" in rows[0]
