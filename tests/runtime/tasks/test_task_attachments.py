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
