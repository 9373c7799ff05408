"""App bundles: folders and JSON bundles of definitions, validated as a whole. Shell.

Folder layout (what `formwork export` writes and `formwork apply` reads):
`app.json`, then one folder per kind (`forms/<key>.json`, later `flows/…`). The shipped layout
(`form_schemas/<app>/*.json`: app.json plus forms side by side) is read as well.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from builder import publish as publishing
from runtime.definitions import canonical, store
from runtime.errors import InvalidDefinition, Problem

FORMAT = 1


@dataclass
class Bundle:
    manifest: dict[str, Any]
    definitions: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # kind → key


@dataclass
class ApplyReport:
    app: str
    published: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def _read_json(path: Path, problems: list[Problem]) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        problems.append(Problem("unreadable_file", f"{path.name}: {error}", pointer=str(path)))
        return None


def read_folder(folder: Path) -> Bundle:
    problems: list[Problem] = []
    manifest = _read_json(folder / "app.json", problems)
    if not isinstance(manifest, dict):
        problems.append(
            Problem(
                "missing_manifest",
                "app.json must hold the app manifest.",
                pointer=str(folder / "app.json"),
            )
        )
        raise InvalidDefinition("invalid_bundle", "The folder is not an app bundle.", problems)
    bundle = Bundle(manifest=manifest)
    sources = [("forms", p) for p in sorted(folder.glob("*.json")) if p.name != "app.json"]
    for kind in store.KINDS:
        sources += [(kind, p) for p in sorted((folder / kind).glob("*.json"))]
    for kind, path in sources:
        doc = _read_json(path, problems)
        if isinstance(doc, dict):
            bundle.definitions.setdefault(kind, {})[str(doc.get("key", path.stem))] = doc
    if problems:
        raise InvalidDefinition("invalid_bundle", "Some files could not be read.", problems)
    return bundle


def from_json(doc: Any) -> Bundle:
    if not isinstance(doc, Mapping) or not isinstance(doc.get("app"), Mapping):
        message = "A bundle is {format, app, definitions: {kind: {key: definition}}}."
        raise InvalidDefinition(
            "invalid_bundle", message, [Problem("invalid_bundle", message, pointer="")]
        )
    definitions = doc.get("definitions") or {}
    return Bundle(
        manifest=dict(doc["app"]), definitions={k: dict(v) for k, v in definitions.items()}
    )


def to_json(bundle: Bundle) -> dict[str, Any]:
    return {"format": FORMAT, "app": bundle.manifest, "definitions": bundle.definitions}


def _check_manifest(manifest: Mapping[str, Any]) -> list[Problem]:
    key = manifest.get("key")
    if not isinstance(key, str) or not key.replace("_", "").isalnum() or not key[:1].isalpha():
        return [
            Problem("invalid_app_key", "The app key must be a slug like 'crm'.", pointer="/app/key")
        ]
    return []


def apply(db: Session, bundle: Bundle, *, user_id: int | None, now: datetime) -> ApplyReport:
    """Validate every definition first, then publish those that changed."""
    problems = _check_manifest(bundle.manifest)
    publishing.raise_if_invalid(problems)
    app_key = str(bundle.manifest["key"])
    store.save_app(db, manifest=bundle.manifest, now=now)
    for kind, docs in bundle.definitions.items():
        if kind not in store.KINDS:
            problems.append(
                Problem("unknown_kind", f"Unknown kind {kind!r}.", pointer=f"/definitions/{kind}")
            )
            continue
        for key, doc in docs.items():
            for problem in publishing.validate(
                db, app_key=app_key, kind=kind, key=key, doc=doc, bundle=bundle.definitions
            ):
                pointer = f"/definitions/{kind}/{key}{problem.pointer or ''}"
                problems.append(Problem(problem.code, problem.message, pointer=pointer))
    publishing.raise_if_invalid(problems)
    report = ApplyReport(app=app_key)
    # Forms first: flows and other kinds refer to them.
    for kind in sorted(bundle.definitions, key=_kind_order):
        for key, doc in sorted(bundle.definitions[kind].items()):
            _row, created = publishing.publish(
                db,
                app_key=app_key,
                kind=kind,
                key=key,
                user_id=user_id,
                now=now,
                doc=doc,
                bundle=bundle.definitions,
            )
            (report.published if created else report.unchanged).append(f"{kind}/{key}")
    return report


def _kind_order(kind: str) -> int:
    return store.KINDS.index(kind) if kind in store.KINDS else len(store.KINDS)


def read_shipped(app_key: str, *, forms_root: Path, flows_root: Path) -> Bundle:
    """A shipped app: its forms folder (with app.json) plus its flows folder, when there is one."""
    bundle = read_folder(forms_root / app_key)
    folder = flows_root / app_key
    if folder.is_dir():
        problems: list[Problem] = []
        for path in sorted(folder.glob("*.json")):
            doc = _read_json(path, problems)
            if isinstance(doc, dict):
                bundle.definitions.setdefault("flows", {})[str(doc.get("key", path.stem))] = doc
        if problems:
            raise InvalidDefinition("invalid_bundle", "Some files could not be read.", problems)
    return bundle


def export(db: Session, *, app_key: str) -> Bundle:
    """The app's latest published definitions."""
    app = store.load_app(db, app_key=app_key)
    bundle = Bundle(manifest=dict(app.manifest))
    for kind in store.KINDS:
        for key in store.list_keys(db, app_key=app_key, kind=kind):
            row = store.get_published(db, app_key=app_key, kind=kind, key=key)
            if row is not None:
                bundle.definitions.setdefault(kind, {})[key] = dict(row.doc)
    return bundle


def write_folder(bundle: Bundle, folder: Path) -> list[Path]:
    """Write canonical files; return the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / "app.json"]
    written[0].write_text(canonical.dumps("app", bundle.manifest), encoding="utf-8")
    for kind, docs in bundle.definitions.items():
        (folder / kind).mkdir(exist_ok=True)
        for key, doc in sorted(docs.items()):
            path = folder / kind / f"{key}.json"
            path.write_text(canonical.dumps(publishing.CANONICAL_KIND[kind], doc), encoding="utf-8")
            written.append(path)
    return written
