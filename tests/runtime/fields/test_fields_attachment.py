"""Attachment field: file descriptors and upload checks."""

from __future__ import annotations

from typing import Any

import pytest

from runtime.fields import Reference, ValueProblem, field_types
from runtime.fields.attachment import check_upload

TYPE = field_types.load("attachment")


def check(raw: Any, config: dict[str, Any] | None = None) -> Any:
    return TYPE.compile(config or {})(raw)


def code(raw: Any, config: dict[str, Any] | None = None) -> str:
    with pytest.raises(ValueProblem) as caught:
        check(raw, config)
    assert {"en", "zh-CN"} <= set(TYPE.messages[caught.value.code])
    return caught.value.code


def a_file(**changes: Any) -> dict[str, Any]:
    return {
        "id": "f1",
        "name": "报价单.PDF",
        "size": 1024,
        "content_type": "application/pdf",
        "sha256": "a" * 64,
        **changes,
    }


def test_accepts_a_list_or_one_descriptor() -> None:
    assert check([a_file()]) == [a_file()]
    assert check(a_file()) == [a_file()]


@pytest.mark.parametrize(
    ("raw", "config", "expected"),
    [
        ([a_file()] * 6, {}, "too_many_files"),
        ([a_file()] * 2, {"max_files": 1}, "too_many_files"),
        ([a_file(size=21 * 1024 * 1024)], {}, "file_too_large"),
        ([a_file(size=2 * 1024 * 1024)], {"max_size_mb": 1}, "file_too_large"),
        ([a_file(name="run.exe")], {}, "file_type_not_allowed"),
        ([a_file(name="noext")], {}, "file_type_not_allowed"),
        ([a_file(name="a.png")], {"accept": [".pdf"]}, "file_type_not_allowed"),
        ([a_file(sha256="xyz")], {}, "invalid_file"),
        ([a_file(size=-1)], {}, "invalid_file"),
        ([a_file(size="1")], {}, "invalid_file"),
        ([a_file(id="")], {}, "invalid_file"),
        ([a_file(content_type="pdf")], {}, "invalid_file"),
        ([{**a_file(), "url": "http://x"}], {}, "invalid_file"),
        (["f1"], {}, "invalid_file"),
        ("f1", {}, "invalid_type"),
    ],
)
def test_problems(raw: Any, config: dict[str, Any], expected: str) -> None:
    assert code(raw, config) == expected


def test_check_upload_refuses_early() -> None:
    check_upload({}, filename="a.pdf", content_type="application/pdf", size=10)
    with pytest.raises(ValueProblem) as caught:
        check_upload({}, filename="a.pdf", content_type="application/pdf", size=10**9)
    assert caught.value.code == "file_too_large"
    with pytest.raises(ValueProblem) as caught:
        TYPE.check_upload({}, filename="a.svg", content_type="image/svg+xml", size=10)  # type: ignore[attr-defined]
    assert caught.value.code == "file_type_not_allowed"
    with pytest.raises(ValueProblem) as caught:
        check_upload({}, filename="", content_type="application/pdf", size=1)
    assert caught.value.code == "invalid_file"


def test_references_point_at_files() -> None:
    assert TYPE.references([a_file(), a_file(id="f2")], {}) == [
        Reference("file", "f1"),
        Reference("file", "f2"),
    ]


def test_format_and_messages_in_both_locales() -> None:
    assert TYPE.format([a_file(), a_file(name="b.png")], {}, "zh-CN") == "报价单.PDF, b.png"
    assert TYPE.format([a_file()], {}, "en") == "报价单.PDF"
    params = {"name": "a.exe", "accept": ".pdf"}
    assert "a.exe" in TYPE.problem("file_type_not_allowed", "files", "zh-CN", **params).message
    assert "a.exe" in TYPE.problem("file_type_not_allowed", "files", "en", **params).message
