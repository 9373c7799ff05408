"""Attachment field: a list of uploaded file descriptors; upload checks. Pure."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from typing_extensions import override

from runtime.fields.base import Checker, FieldType, Reference, ValueProblem, field_types
from runtime.fields.common import with_common

MEGABYTE = 1024 * 1024
DEFAULT_ACCEPT = [
    ".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".csv", ".txt",
    ".png", ".jpg", ".jpeg", ".gif", ".webp", ".zip",
]  # fmt: skip
_SHA256 = re.compile(r"[0-9a-f]{64}")
_CONTENT_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+\-]*/[a-z0-9][a-z0-9!#$&^_.+\-]*")
FILE_KEYS = frozenset({"id", "name", "size", "content_type", "sha256"})


def extension(filename: str) -> str:
    """The lower-case extension with its dot ("report.PDF" → ".pdf"), or ""."""
    name = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    return "." + name.rsplit(".", 1)[1].lower() if "." in name.strip(".") else ""


class _Limits:
    __slots__ = ("accept", "max_bytes", "max_files", "max_mb", "shown")

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.max_files: int = config.get("max_files", 5)
        self.max_mb: int | float = config.get("max_size_mb", 20)
        self.max_bytes = int(self.max_mb * MEGABYTE)
        self.accept = frozenset(ext.lower() for ext in config.get("accept", DEFAULT_ACCEPT))
        self.shown = ", ".join(sorted(self.accept))

    def check_file(self, name: str, size: int) -> None:
        if size > self.max_bytes:
            raise ValueProblem("file_too_large", name=name, max_mb=self.max_mb)
        if extension(name) not in self.accept:
            raise ValueProblem("file_type_not_allowed", name=name, accept=self.shown)


def check_upload(config: Mapping[str, Any], *, filename: str, content_type: str, size: int) -> None:
    """Refuse an upload early (the endpoint calls this while streaming, with the size so far)."""
    if not filename or len(filename) > 255 or not _CONTENT_TYPE.fullmatch(content_type.lower()):
        raise ValueProblem("invalid_file")
    _Limits(config).check_file(filename, size)


@field_types.register
class Attachment(FieldType):
    key = "attachment"
    version = 1
    label: ClassVar[dict[str, str]] = {"en": "Attachments", "zh-CN": "附件"}
    icon = "paperclip"
    group = "advanced"
    widget = "upload"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "max_files": {"type": "integer", "minimum": 1, "maximum": 50, "default": 5},
            "max_size_mb": {"type": "number", "exclusiveMinimum": 0, "maximum": 200, "default": 20},
            "accept": {
                "type": "array",
                "minItems": 1,
                "uniqueItems": True,
                "items": {"type": "string", "pattern": r"^\.[a-z0-9]{1,10}$"},
                "default": DEFAULT_ACCEPT,
            },
        },
    }
    example_config: ClassVar[dict[str, Any]] = {
        "max_files": 3,
        "max_size_mb": 10,
        "accept": [".pdf", ".png", ".jpg"],
    }
    messages = with_common(
        {
            "invalid_file": {"en": "This file is not valid.", "zh-CN": "文件无效。"},
            "too_many_files": {"en": "At most {max} files.", "zh-CN": "最多上传 {max} 个文件。"},
            "file_too_large": {
                "en": "“{name}” is larger than {max_mb} MB.",
                "zh-CN": "“{name}”超过 {max_mb} MB。",
            },
            "file_type_not_allowed": {
                "en": "“{name}” is not an allowed type ({accept}).",
                "zh-CN": "“{name}”的文件类型不允许（允许：{accept}）。",
            },
        }
    )

    @override
    def value_schema(self, config: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "type": "array",
            "maxItems": config.get("max_files", 5),
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": sorted(FILE_KEYS),
                "properties": {
                    "id": {"type": "string", "minLength": 1, "maxLength": 64},
                    "name": {"type": "string", "minLength": 1, "maxLength": 255},
                    "size": {"type": "integer", "minimum": 0},
                    "content_type": {"type": "string", "maxLength": 255},
                    "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                },
            },
        }

    @override
    def compile(self, config: Mapping[str, Any]) -> Checker:
        limits = _Limits(config)

        def one(raw: Any) -> dict[str, Any]:
            if not isinstance(raw, Mapping) or raw.keys() - FILE_KEYS:
                raise ValueProblem("invalid_file")
            file_id, name, size = raw.get("id"), raw.get("name"), raw.get("size")
            content_type, digest = raw.get("content_type"), raw.get("sha256")
            if (
                not isinstance(file_id, str)
                or not 0 < len(file_id) <= 64
                or not isinstance(name, str)
                or not 0 < len(name) <= 255
                or isinstance(size, bool)
                or not isinstance(size, int)
                or size < 0
                or not isinstance(content_type, str)
                or not _CONTENT_TYPE.fullmatch(content_type)
                or not isinstance(digest, str)
                or not _SHA256.fullmatch(digest)
            ):
                raise ValueProblem("invalid_file")
            limits.check_file(name, size)
            return {
                "id": file_id,
                "name": name,
                "size": size,
                "content_type": content_type,
                "sha256": digest,
            }

        def check(raw: Any) -> list[dict[str, Any]]:
            items = [raw] if isinstance(raw, Mapping) else raw
            if not isinstance(items, list):
                raise ValueProblem("invalid_type")
            if len(items) > limits.max_files:
                raise ValueProblem("too_many_files", max=limits.max_files)
            return [one(item) for item in items]

        return check

    def check_upload(
        self, config: Mapping[str, Any], *, filename: str, content_type: str, size: int
    ) -> None:
        """Refuse an upload early: see the module function `check_upload`."""
        check_upload(config, filename=filename, content_type=content_type, size=size)

    @override
    def format(self, value: Any, config: Mapping[str, Any], locale: str) -> str:
        if not value:
            return ""
        return ", ".join(str(item["name"]) for item in value)

    @override
    def references(self, value: Any, config: Mapping[str, Any]) -> list[Reference]:
        return [Reference("file", str(item["id"])) for item in value or []]
