"""Content-addressed blob storage, name cleaning and content sniffing."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from runtime.files import service, storage
from runtime.files.api import content_disposition


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_writes_to_temp_while_hashing_then_renames_by_digest(tmp_path: Path) -> None:
    # given
    data = [b"hello ", b"world"]
    digest = hashlib.sha256(b"".join(data)).hexdigest()
    # when
    with storage.BlobWriter(tmp_path) as writer:
        for chunk in data:
            writer.write(chunk)
        assert writer.temp_path.parent == tmp_path / storage.TEMP_DIR
        blob = writer.finish()
    # then
    assert blob == storage.Blob(digest, 11, tmp_path / digest[:2] / digest)
    assert blob.path.read_bytes() == b"hello world"
    assert files_under(tmp_path) == [blob.path]
    assert storage.has_blob(tmp_path, digest)


def test_identical_content_is_stored_once(tmp_path: Path) -> None:
    paths = []
    for _ in range(2):
        with storage.BlobWriter(tmp_path) as writer:
            writer.write(b"same")
            paths.append(writer.finish().path)
    assert paths[0] == paths[1]
    assert files_under(tmp_path) == [paths[0]]


def test_leaving_without_finish_deletes_the_temp_file(tmp_path: Path) -> None:
    def refuse_midway() -> None:
        with storage.BlobWriter(tmp_path) as writer:
            writer.write(b"partial")
            raise RuntimeError("refused")

    with pytest.raises(RuntimeError, match="refused"):
        refuse_midway()
    assert files_under(tmp_path) == []
    with storage.BlobWriter(tmp_path) as writer:
        writer.write(b"partial")
    assert files_under(tmp_path) == []


def test_keeps_only_the_head_for_sniffing(tmp_path: Path) -> None:
    with storage.BlobWriter(tmp_path) as writer:
        writer.write(b"a" * 300)
        writer.write(b"b" * 300)
        assert writer.head == b"a" * 300 + b"b" * (storage.HEAD_BYTES - 300)
        assert writer.size == 600


def test_refuses_writes_after_finish(tmp_path: Path) -> None:
    with storage.BlobWriter(tmp_path) as writer:
        writer.finish()
        with pytest.raises(RuntimeError):
            writer.write(b"late")


@pytest.mark.parametrize("digest", ["../../etc/passwd", "A" * 64, "a" * 63, ""])
def test_blob_path_takes_only_hex_digests(tmp_path: Path, digest: str) -> None:
    with pytest.raises(ValueError, match="sha256"):
        storage.blob_path(tmp_path, digest)


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("%2E%2E%2Fsecret.txt", "secret.txt"),
        ("%E6%8A%A5%E4%BB%B7%E5%8D%95.pdf", "报价单.pdf"),
        ("报价单.pdf".encode().decode("latin-1"), "报价单.pdf"),  # raw UTF-8 header value
        ("a\x00b\r\nc.pdf", "abc.pdf"),
        ("  spaced.pdf  ", "spaced.pdf"),
        ("..", ""),
        ("dir/", ""),
        (None, ""),
    ],
)
def test_clean_filename_keeps_a_display_name_only(raw: str | None, name: str) -> None:
    assert service.clean_filename(raw) == name


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"<!DOCTYPE html><p>", "html"),
        (b"\xef\xbb\xbf  <HTML>", "html"),
        (b"<script>alert(1)</script>", "html"),
        (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">', "svg"),
        (b"<svg onload=alert(1)>", "svg"),
        (b'<?xml version="1.0"?><invoice/>', None),
        (b"MZ\x90\x00\x03\x00\x00\x00", "executable"),
        (b"MZ is a fine start for a text file", None),
        (b"%PDF-1.7", None),
        (b"", None),
    ],
)
def test_sniffs_active_content(head: bytes, kind: str | None) -> None:
    assert service.sniff_active_kind(head) == kind


def test_active_content_passes_only_under_its_own_extension() -> None:
    assert service.is_refused_content("a.pdf", b"<html>")
    assert not service.is_refused_content("a.html", b"<html>")
    assert not service.is_refused_content("a.pdf", b"%PDF-1.7")


@pytest.mark.parametrize(
    ("stored", "served"),
    [
        ("application/pdf", "application/pdf"),
        ("text/plain", "text/plain"),
        ("text/html", "application/octet-stream"),
        ("image/svg+xml", "application/octet-stream"),
        ("application/xhtml+xml", "application/octet-stream"),
        ("TEXT/HTML; charset=utf-8", "application/octet-stream"),
        ("application/javascript", "application/octet-stream"),
    ],
)
def test_serves_active_types_as_octet_stream(stored: str, served: str) -> None:
    assert service.served_content_type(stored) == served


def test_content_disposition_has_ascii_fallback_and_rfc5987_name() -> None:
    assert content_disposition('报价 "单".pdf') == (
        "attachment; filename=\"__ ___.pdf\"; filename*=UTF-8''"
        "%E6%8A%A5%E4%BB%B7%20%22%E5%8D%95%22.pdf"
    )
