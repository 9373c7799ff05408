"""Region field: the GB/T 2260 code of a province, city or district. Pure."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

from typing_extensions import override

from runtime.errors import Problem
from runtime.fields.base import Checker, FieldType, ValueProblem, field_types
from runtime.fields.common import HALFWIDTH, with_common
from runtime.i18n import message

DATA_FILE = Path(__file__).with_name("data") / "gb2260.json"
LEVELS = {"province": 1, "city": 2, "district": 3}
_SEPARATORS = re.compile(r"[\s/,，、\-·|>]+")
_CODE = re.compile(r"\d{6}(?:000000)?")
_SHORT = re.compile(
    r"(.{2,}?)(?:(?:(?:[\u4e00-\u9fff]{1,6}?族|维吾尔)*自治(?:区|州|县|旗))"
    r"|特别行政区|地区|林区|新区|矿区|省|市|区|县|盟|旗)"
)


@dataclass(frozen=True, slots=True)
class Regions:
    names: dict[str, str]
    parent: dict[str, str]
    children: dict[str, list[str]]  # "" → provinces
    depth: dict[str, int]
    pseudo: frozenset[str]  # municipality "市辖区" codes, shown with the municipality's name
    spellings: dict[str, list[str]]  # code → full name and short name, longest first


@cache
def regions() -> Regions:
    """Load the shipped GB/T 2260 table once."""
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    names: dict[str, str] = data["names"]
    parent: dict[str, str] = {}
    children: dict[str, list[str]] = {"": list(data["tree"])}
    depth: dict[str, int] = {}
    for province, cities in data["tree"].items():
        depth[province], children[province] = 1, list(cities)
        for city, districts in cities.items():
            parent[city], depth[city], children[city] = province, 2, list(districts)
            for district in districts:
                parent[district], depth[district], children[district] = city, 3, []
    spellings = {}
    for code, name in names.items():
        match = _SHORT.fullmatch(name)
        spellings[code] = [name, match[1]] if match else [name]
    return Regions(names, parent, children, depth, frozenset(data["pseudo"]), spellings)


def _match_names(text: str, data: Regions) -> list[str]:
    """The path of codes that `text` spells ("广东省深圳市南山区", "广东 深圳 南山")."""
    rest = _SEPARATORS.sub("", text)
    path: list[str] = []
    node = ""
    while rest:
        options = data.children.get(node, [])
        best = max(
            (
                (len(spelling), code)
                for code in options
                for spelling in data.spellings[code]
                if rest.startswith(spelling)
            ),
            default=None,
        )
        if best is None and len(options) == 1 and options[0] in data.pseudo:
            node = options[0]  # "北京市东城区": the municipality's own city level is implied
            path.append(node)
            continue
        if best is None:
            raise ValueProblem("invalid_region")
        rest = rest[best[0] :]
        node = best[1]
        path.append(node)
    return path


def to_region(raw: Any, level: int) -> str:
    """The code at `level` (or a shallower leaf) for a code, a name path or a list of names."""
    if isinstance(raw, list) and all(isinstance(item, str) for item in raw):
        raw = "/".join(raw)
    if not isinstance(raw, str):
        raise ValueProblem("invalid_type")
    text = raw.translate(HALFWIDTH).strip()
    if len(text) > 60:
        raise ValueProblem("invalid_region")
    data = regions()
    if _CODE.fullmatch(text):
        code = text[:6]
        if code not in data.depth:
            raise ValueProblem("invalid_region")
    else:
        path = _match_names(text, data)
        if not path:
            raise ValueProblem("invalid_region")
        code = path[-1]
    while data.depth[code] > level:
        code = data.parent[code]
    if data.depth[code] < level and data.children[code]:
        raise ValueProblem("region_incomplete")
    return code


def region_path(code: str) -> list[str]:
    """Names from the province down, without the municipality's repeated city level."""
    data = regions()
    names: list[str] = []
    while code:
        if code not in data.pseudo or data.depth.get(code) != 2:
            names.append(data.names[code])
        code = data.parent.get(code, "")
    names.reverse()
    return names


@field_types.register
class Region(FieldType):
    key = "region"
    version = 1
    label: ClassVar[dict[str, str]] = {"en": "Region", "zh-CN": "省市区"}
    icon = "map"
    group = "advanced"
    widget = "region"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "level": {"enum": ["province", "city", "district"], "default": "district"},
        },
    }
    example_config: ClassVar[dict[str, Any]] = {"level": "city"}
    messages = with_common(
        {
            "invalid_region": {"en": "Choose a valid region.", "zh-CN": "请选择有效的地区。"},
            "region_incomplete": {
                "en": "Choose down to the {level}.",
                "zh-CN": "请选择到{level}。",
            },
        }
    )

    @override
    def value_schema(self, config: Mapping[str, Any]) -> dict[str, Any]:
        return {"type": "string", "pattern": r"^\d{6}$"}

    @override
    def compile(self, config: Mapping[str, Any]) -> Checker:
        name = config.get("level", "district")
        level = LEVELS[name]
        regions()  # load the table now, not during the first submission

        def check(raw: Any) -> str:
            try:
                return to_region(raw, level)
            except ValueProblem as problem:
                if problem.code == "region_incomplete":
                    problem.params["level"] = name
                raise

        return check

    @override
    def problem(self, code: str, field: str, locale: str, **params: object) -> Problem:
        """Name the missing level in the reader's language."""
        level = params.get("level")
        if code == "region_incomplete" and isinstance(level, str) and level in LEVEL_NAMES:
            shown = {**params, "level": LEVEL_NAMES[level].get(locale, level)}
            return Problem(
                code, message(self.messages, code, locale, **shown), field, params=params
            )
        return super().problem(code, field, locale, **params)

    @override
    def format(self, value: Any, config: Mapping[str, Any], locale: str) -> str:
        if value is None:
            return ""
        if value not in regions().names:
            return str(value)
        return " ".join(region_path(value))


LEVEL_NAMES = {
    "province": {"zh-CN": "省", "en": "province"},
    "city": {"zh-CN": "市", "en": "city"},
    "district": {"zh-CN": "区县", "en": "district"},
}
