"""Attachment upload and download over HTTP: limits, names, headers, records."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import anyio
import pytest
from sqlalchemy import func, select

from runtime.files import service as files
from runtime.files.models import StoredFile
from tests.conftest import key_for

FORM = "/api/apps/expense/forms/upload_test"
UPLOAD = f"{FORM}/fields/docs/files"
SHIPPED_UPLOAD = "/api/apps/expense/forms/expense_report/fields/receipts/files"
LIMIT = 1048  # 0.001 MB, the test form's max_size_mb
PDF = b"%PDF-1.4\n" + b"x" * 200 + b"\n%%EOF\n"

TEST_FORM = {
    "format": 1,
    "key": "upload_test",
    "title": {"zh-CN": "上传测试", "en": "Upload test"},
    "fields": [
        {"key": "title", "type": "text", "label": {"zh-CN": "标题", "en": "Title"}},
        {
            "key": "docs",
            "type": "attachment",
            "label": {"zh-CN": "附件", "en": "Documents"},
            "config": {"max_files": 3, "max_size_mb": 0.001, "accept": [".pdf", ".txt"]},
        },
    ],
}


@pytest.fixture
def files_dir(app, tmp_path: Path) -> Path:
    root = tmp_path / "files"
    app.state.settings = dataclasses.replace(app.state.settings, files_dir=root)
    return root


@pytest.fixture
def test_form(client, admin_headers) -> None:
    saved = client.put(FORM, json=TEST_FORM, headers=admin_headers)
    assert saved.status_code == 200, saved.text
    published = client.post(f"{FORM}/publish", headers=admin_headers)
    assert published.status_code == 200, published.text


def upload(client, headers, body=PDF, name="scan.pdf", content_type="application/pdf", url=UPLOAD):
    sent = {**headers, "X-Filename": name, "Content-Type": content_type}
    return client.post(url, content=body, headers=sent)


def blobs(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def file_rows(db) -> int:
    return db.scalar(select(func.count()).select_from(StoredFile))


def errors(response) -> list[tuple[str, str]]:
    return [(e["field"], e["code"]) for e in response.json()["errors"]]


def test_upload_answers_the_canonical_attachment_value(client, admin_headers, files_dir):
    response = upload(client, admin_headers, url=SHIPPED_UPLOAD)
    assert response.status_code == 201, response.text
    value = response.json()
    assert set(value) == {"id", "name", "size", "content_type", "sha256"}
    assert value["name"] == "scan.pdf"
    assert value["size"] == len(PDF)
    assert value["content_type"] == "application/pdf"
    assert value["sha256"] == hashlib.sha256(PDF).hexdigest()
    digest = value["sha256"]
    assert (files_dir / digest[:2] / digest).read_bytes() == PDF
    assert blobs(files_dir / "tmp") == []


def test_uploaded_value_goes_into_a_record(client, admin_headers, files_dir, test_form):
    # given
    value = upload(client, admin_headers).json()
    # when
    created = client.post(
        f"{FORM}/records", json={"title": "t", "docs": [value]}, headers=admin_headers
    )
    # then
    assert created.status_code == 201, created.text
    assert created.json()["data"]["docs"] == [value]


def test_record_with_unknown_file_id_is_422(client, admin_headers, files_dir, test_form):
    value = {**upload(client, admin_headers).json(), "id": "00000000-0000-4000-8000-000000000000"}
    created = client.post(
        f"{FORM}/records", json={"title": "t", "docs": [value]}, headers=admin_headers
    )
    assert created.status_code == 422
    assert errors(created) == [("docs", "not_found")]


def test_download_streams_same_bytes_with_safe_headers(client, admin_headers, files_dir):
    name = '报销 单 "1".pdf'
    value = upload(client, admin_headers, name=quote(name), url=SHIPPED_UPLOAD).json()
    assert value["name"] == name
    response = client.get(f"/api/files/{value['id']}", headers=admin_headers)
    assert response.status_code == 200
    assert response.content == PDF
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["x-content-type-options"] == "nosniff"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(name, safe='')}" in disposition


def test_active_types_are_served_as_octet_stream(client, admin_headers, files_dir):
    value = upload(
        client,
        admin_headers,
        body=b"hello",
        name="a.txt",
        content_type="image/svg+xml",
        url=SHIPPED_UPLOAD,
    ).json()
    assert value["content_type"] == "image/svg+xml"
    response = client.get(f"/api/files/{value['id']}", headers=admin_headers)
    assert response.headers["content-type"] == "application/octet-stream"


def test_identical_content_shares_one_blob_but_gets_two_rows(client, admin_headers, files_dir, db):
    first = upload(client, admin_headers, name="a.pdf", url=SHIPPED_UPLOAD).json()
    second = upload(client, admin_headers, name="b.pdf", url=SHIPPED_UPLOAD).json()
    assert first["id"] != second["id"]
    assert first["sha256"] == second["sha256"]
    assert (first["name"], second["name"]) == ("a.pdf", "b.pdf")
    assert len(blobs(files_dir)) == 1


def test_refuses_oversized_by_content_length(client, admin_headers, files_dir, test_form, db):
    before = file_rows(db)
    response = upload(client, admin_headers, body=b"x" * (LIMIT + 1))
    assert response.status_code == 413
    assert errors(response) == [("docs", "file_too_large")]
    assert file_rows(db) == before
    assert blobs(files_dir) == []


def test_refuses_oversized_chunked_body_while_streaming(
    client, admin_headers, files_dir, test_form, db
):
    def chunks():
        for _ in range(4):
            yield b"x" * 400

    before = file_rows(db)
    response = upload(client, admin_headers, body=chunks())
    assert response.status_code == 413
    assert errors(response) == [("docs", "file_too_large")]
    assert file_rows(db) == before
    assert blobs(files_dir) == []


def test_accepts_a_chunked_body_within_the_limit(client, admin_headers, files_dir, test_form):
    response = upload(client, admin_headers, body=iter([b"a" * 500, b"b" * 500]), name="n.txt")
    assert response.status_code == 201, response.text
    assert response.json()["size"] == 1000


@pytest.mark.parametrize(
    ("name", "body", "code"),
    [
        ("run.exe", PDF, "file_type_not_allowed"),
        ("noext", PDF, "file_type_not_allowed"),
        ("page.txt", b"<!DOCTYPE html><script>alert(1)</script>", "file_type_not_allowed"),
        ("logo.pdf", b'<?xml version="1.0"?><svg onload="alert(1)"/>', "file_type_not_allowed"),
        ("", PDF, "invalid_file"),
        ("a" * 252 + ".pdf", PDF, "invalid_file"),
        ("empty.pdf", b"", "empty_file"),
    ],
)
def test_refuses_bad_uploads_with_422(
    client, admin_headers, files_dir, test_form, db, name, body, code
):
    before = file_rows(db)
    response = upload(client, admin_headers, body=body, name=name)
    assert response.status_code == 422, response.text
    assert errors(response) == [("docs", code)]
    assert all(e["message"] for e in response.json()["errors"])
    assert file_rows(db) == before
    assert blobs(files_dir) == []


def test_messages_follow_the_requested_locale(client, admin_headers, files_dir, test_form):
    english = upload(client, {**admin_headers, "Accept-Language": "en"}, name="run.exe")
    chinese = upload(client, admin_headers, name="run.exe", url=f"{UPLOAD}?lang=zh-CN")
    assert "not an allowed type" in english.json()["errors"][0]["message"]
    assert "不允许" in chinese.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..%2F..%2Fetc%2Fpasswd.txt", "passwd.txt"),
        ("C:\\Windows\\win.txt", "win.txt"),
        ("%E6%8A%A5%E9%94%80.pdf", "报销.pdf"),
    ],
)
def test_path_components_are_stripped_from_names(
    client, admin_headers, files_dir, test_form, sent, stored
):
    response = upload(client, admin_headers, body=b"plain text", name=sent)
    assert response.status_code == 201, response.text
    assert response.json()["name"] == stored
    digest = response.json()["sha256"]
    assert blobs(files_dir) == [files_dir / digest[:2] / digest]


def test_requires_authentication(client, files_dir):
    assert upload(client, {}, url=SHIPPED_UPLOAD).status_code == 401
    assert client.get("/api/files/whatever").status_code == 401
    assert blobs(files_dir) == []


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("/api/apps/expense/forms/expense_report/fields/nope/files", 404, "field_not_found"),
        ("/api/apps/expense/forms/expense_report/fields/reason/files", 422, "not_attachment_field"),
        ("/api/apps/expense/forms/nope/fields/receipts/files", 404, None),
    ],
)
def test_refuses_unknown_or_wrong_fields(client, admin_headers, files_dir, url, status, code):
    response = upload(client, admin_headers, url=url)
    assert response.status_code == status
    if code:
        assert response.json()["errors"][0]["code"] == code
    assert blobs(files_dir) == []


def test_unknown_file_id_is_404_json(client, admin_headers, files_dir):
    response = client.get("/api/files/00000000-0000-4000-8000-000000000000", headers=admin_headers)
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "file_not_found"


def test_upload_is_documented_as_a_raw_body(client):
    operation = client.get("/openapi.json").json()["paths"][
        "/api/apps/{app}/forms/{form}/fields/{field}/files"
    ]["post"]
    assert "raw file bytes" in operation["description"]
    assert "x-filename" in {p["name"].lower() for p in operation["parameters"]}


def test_stops_reading_the_body_once_over_the_limit(app, admin_headers, files_dir, test_form, db):
    # given: a chunked body of 10 × 400 bytes against a 1048-byte limit, driven chunk by chunk
    chunks = [b"x" * 400] * 10
    read = 0
    sent: list[dict] = []

    async def receive() -> dict:
        nonlocal read
        read += 1
        return {"type": "http.request", "body": chunks[read - 1], "more_body": read < len(chunks)}

    async def send(message: dict) -> None:
        sent.append(message)

    headers = {**admin_headers, "X-Filename": "big.pdf", "Content-Type": "application/pdf"}
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": UPLOAD,
        "raw_path": UPLOAD.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
    }
    before = file_rows(db)
    # when
    anyio.run(app, scope, receive, send)
    # then: refused at the third chunk, the rest never read
    assert sent[0]["status"] == 413
    assert read == 3
    assert file_rows(db) == before
    assert blobs(files_dir) == []


def south_headers(session_factory) -> dict[str, str]:
    return {"Authorization": f"Bearer {key_for(session_factory, 'south_a')}"}


def test_a_file_nothing_uses_is_its_uploaders_alone(
    client, admin_headers, rep_headers, session_factory, files_dir, test_form
):
    value = upload(client, rep_headers).json()
    url = f"/api/files/{value['id']}"
    assert client.get(url, headers=rep_headers).status_code == 200  # the uploader
    assert client.get(url, headers=admin_headers).status_code == 200  # an admin
    other = client.get(url, headers=south_headers(session_factory))
    assert other.status_code == 404  # anyone else: as if it did not exist
    assert other.json()["errors"][0]["code"] == "file_not_found"


def test_a_file_on_a_record_is_as_visible_as_the_record(
    client, rep_headers, session_factory, files_dir, test_form
):
    value = upload(client, rep_headers).json()
    url, south = f"/api/files/{value['id']}", south_headers(session_factory)
    created = client.post(
        f"{FORM}/records", json={"title": "t", "docs": [value]}, headers=rep_headers
    )
    assert created.status_code == 201, created.text
    assert client.get(url, headers=south).status_code == 200  # the record shows it to all
    record = created.json()
    cleared = client.patch(
        f"{FORM}/records/{record['id']}",
        json={"docs": []},
        headers={**rep_headers, "If-Match": str(record["version"])},
    )
    assert cleared.status_code == 200, cleared.text
    assert client.get(url, headers=south).status_code == 404  # no longer used
    assert client.get(url, headers=rep_headers).status_code == 200  # still the uploader's


def test_the_collector_removes_unused_uploads_and_unnamed_blobs(
    client, admin_headers, files_dir, test_form, db
):
    used = upload(client, admin_headers).json()
    created = client.post(
        f"{FORM}/records", json={"title": "t", "docs": [used]}, headers=admin_headers
    )
    assert created.status_code == 201, created.text
    unused = upload(client, admin_headers, body=PDF + b"unused").json()
    same_as_used = upload(client, admin_headers).json()  # an unused row sharing the used blob
    stray = files_dir / "ab" / ("ab" + "0" * 62)  # a blob whose row never committed
    stray.parent.mkdir(exist_ok=True)
    stray.write_bytes(b"stray")
    rows_before = file_rows(db)
    # Uploads get the wall clock's time: so does the collector here.
    now = datetime.now(UTC)
    assert files.collect_garbage(db, files_dir=files_dir, now=now) == (0, 0)  # all too young
    removed = files.collect_garbage(db, files_dir=files_dir, now=now + timedelta(days=3))
    assert removed == (2, 2)  # two unused rows; the unused blob and the stray one
    assert file_rows(db) == rows_before - 2
    assert db.get(StoredFile, used["id"]) is not None
    assert db.get(StoredFile, unused["id"]) is None
    assert db.get(StoredFile, same_as_used["id"]) is None
    assert (files_dir / used["sha256"][:2] / used["sha256"]).is_file()  # still named by `used`
    assert not (files_dir / unused["sha256"][:2] / unused["sha256"]).exists()
    assert not stray.exists()
    assert client.get(f"/api/files/{used['id']}", headers=admin_headers).status_code == 200


def test_the_background_collector_runs_at_most_hourly(session_factory, files_dir):
    collector = files.Collector(session_factory, files_dir)
    now = datetime.now(UTC)
    assert collector.maybe_run(now) == (0, 0)  # ran (nothing to remove)
    assert collector.maybe_run(now + timedelta(minutes=59)) is None  # too soon
    assert collector.maybe_run(now + timedelta(minutes=61)) == (0, 0)  # ran again
