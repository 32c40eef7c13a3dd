"""Every string the workbench shows, in Simplified Chinese (the default) and English.

``t(key, lang)`` looks a string up; ``name(kind, value, lang)`` names a node label,
relationship type, detector, severity, category or entity role, falling back to the raw value.

The strings and the workbench's own names are data, one file per page area in
``workbench/strings/`` (``[strings]`` and ``[names.<kind>]`` tables of ``["中文", "English"]``),
read once here; detector, role and severity names come from ``detectors/core/names.toml``, case
names from ``cases/labels.toml``, node labels' categories and procedures from the schema.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from bidgraph.cases.labels import CASE_NAMES
from bidgraph.detectors.core.measure_text import SNAKE, measure_name
from bidgraph.detectors.core.names import DETECTOR_NAMES, ROLE_NAMES, SEVERITY_NAMES
from bidgraph.errors import SchemaError
from bidgraph.graph.schema import schema
from bidgraph.graph.vocabulary import pair_tables

__all__ = ["LANGS", "DEFAULT_LANG", "STRINGS", "NAMES", "t", "name", "pick_lang", "property_text"]

STRING_FILES = Path(__file__).with_name("strings")

V = TypeVar("V")

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

# The page areas' string files (workbench/strings/<area>.toml), in the order their names merge
AREAS = (
    "shell", "overview", "findings", "search", "explorer", "canvas", "cart", "cases", "dispatch",
    "sending", "complaints", "inspections", "performance", "public", "today", "scheme", "portraits",
)  # fmt: skip


def _enum_names(table: str, column: str) -> dict[str, tuple[str, str]]:
    """The schema's names of an enum column's values (graph/schema.toml [value_labels])."""
    return {v: schema().value_labels[v] for v in schema().tables[table].columns[column].values}


def _merge(into: dict[str, V], more: dict[str, V], where: str) -> None:
    """``into`` updated with ``more``; a key both name is an error, not a silent override."""
    twice = sorted(set(into) & set(more))
    if twice:
        raise SchemaError(f"{where}: named twice: {twice}")
    into.update(more)


def _areas() -> tuple[dict[str, tuple[str, str]], dict[str, dict[str, tuple[str, str]]]]:
    """The strings and the workbench's own name kinds of every page area's file."""
    strings: dict[str, tuple[str, str]] = {}
    names: dict[str, dict[str, tuple[str, str]]] = {}
    for area in AREAS:
        for table, pairs in pair_tables(STRING_FILES / f"{area}.toml").items():
            kind = table.removeprefix("names.")
            if table == "strings":
                _merge(strings, pairs, f"{area}.toml")
            elif kind != table:
                _merge(names.setdefault(kind, {}), pairs, f"{area}.toml [{table}]")
            else:
                raise SchemaError(f"{area}.toml: unknown table [{table}]")
    return strings, names


STRINGS, _OWN_NAMES = _areas()
NAMES: dict[str, dict[str, tuple[str, str]]] = {
    "detector": DETECTOR_NAMES,
    "severity": SEVERITY_NAMES,
    "category": _enum_names("projects", "category"),
    "entity": {e.name: e.names for e in schema().entity_types.values() if e.in_findings},
    **CASE_NAMES,
    "role": ROLE_NAMES,
    "procedure": _enum_names("projects", "procedure"),
}
_merge(NAMES, _OWN_NAMES, "workbench/strings: name kinds")


def pick_lang(value: str | None) -> str:
    """``value`` if it is a supported language, else the default (Chinese)."""
    return value if value in LANGS else DEFAULT_LANG


def t(key: str, lang: str = DEFAULT_LANG, **fmt) -> str:
    """The string ``key`` in ``lang``, formatted with ``fmt``."""
    text = STRINGS[key][LANGS.index(pick_lang(lang))]
    return text.format(**fmt) if fmt else text


def name(kind: str, value, lang: str = DEFAULT_LANG) -> str:
    """A display name for a label, relationship, detector, severity, category, entity type or role."""
    pair = NAMES[kind].get(value)
    if pair:
        return pair[LANGS.index(pick_lang(lang))]
    if value is None:
        return ""
    text = str(value)
    return measure_name(text, pick_lang(lang)) if SNAKE.match(text) and len(text) >= 3 else text


def property_text(label: str, key: str, value, lang: str = DEFAULT_LANG) -> tuple[str, str]:
    """A node property as the details panel shows it. Named in Chinese by the header its table's
    column is exported under (the schema's first alias), a trace's value by the trace's label,
    else by ``[names.prop]`` or its words; an enum value (or a trace's kind) by its name."""
    lang = pick_lang(lang)
    node = schema().nodes.get(label)
    trace = node is not None and node.entity_table is None
    table = schema().tables.get(node.entity_table or "") if node else None
    column = table.columns.get(key) if table else None
    if lang == "zh" and column and column.aliases:
        title = column.aliases[0]
    elif node is not None and trace and key == node.key:
        title = name("label", label, lang)
    else:
        title = name("prop", key, lang) if key in NAMES["prop"] else measure_name(key, lang)
    if column and column.type == "enum":
        return title, schema().value_label(str(value), lang)
    if trace and key == "kind":
        return title, name("trace_kind", value, lang)
    return title, str(value)
