"""Detector settings: the defaults in code, overlaid by the workspace's and the user's TOML files.

The effective settings of a batch are, in order of precedence (later wins): every detector's
``DEFAULTS`` (plus ``[run]``), ``<workspace>/settings.toml`` when it exists, and the file given
with ``--settings``. An override names only the keys it changes, under the detector's section;
an unknown section or key is an error, so a typo is not silently ignored.

``detectors/settings.toml`` is the reference of every default, generated from the code::

    python -m bidgraph.detectors.core.settings > detectors/settings.toml
"""

from __future__ import annotations

import ast
import importlib
import inspect
import io
import json
import re
import sys
import tokenize
import tomllib
from collections.abc import Mapping
from copy import deepcopy
from pathlib import Path
from typing import Any

from bidgraph.errors import InputError
from bidgraph.workspace import resolve_workspace

__all__ = [
    "RUN_DEFAULTS",
    "code_defaults",
    "load_settings",
    "settings_for",
    "reference_toml",
    "write_workspace_setting",
]

RUN_DEFAULTS = {
    "seed": 20240601,  # seed for every randomized step (community detection, null models)
    # worker processes the detectors run in (detectors/core/runner.py): 0 = one per usable core, 1 = serial
    "workers": 0,
    # a lead's score counts as changed (what changed, its score history) once it moved this much since its last
    # recorded score (detectors/core/batches.py): percentiles shift a hair every night as the market grows
    "min_score_change": 0.01,
}

WORKSPACE_FILE = "settings.toml"

_HEADER = """\
# Every detector setting with its default, generated from the DEFAULTS of each detector module by
# `python -m bidgraph.detectors.core.settings > detectors/settings.toml`; do not edit (a test
# keeps it equal to the code).
# To override a value, copy its section header and the keys you change into the workspace's
# settings.toml (used by `bidgraph detect` and `bidgraph rank`), or into a file given with
# `--settings FILE` (which wins over the workspace's).
"""


def _registered():
    # Imported when needed, not at module level: detector modules (red_flag) import this module.
    from bidgraph.detectors.core.registry import DETECTORS

    return DETECTORS


def code_defaults() -> dict[str, dict[str, Any]]:
    """``{"run": RUN_DEFAULTS, detector id: its defaults, ...}``, a fresh copy, in registry order."""
    return deepcopy({"run": RUN_DEFAULTS, **{d.id: dict(d.defaults) for d in _registered()}})


def load_settings(*overrides: str | Path | None) -> dict[str, dict[str, Any]]:
    """The code defaults with each override file (None skipped) laid over them in turn.

    Raises
    ------
    InputError
        When a file is missing or not TOML, or names a section or key the defaults do not have.
    """
    settings = code_defaults()
    for override in overrides:
        if override is not None:
            _overlay(settings, Path(override))
    return settings


def settings_for(workspace: str | Path | None, override: str | Path | None = None) -> dict[str, dict[str, Any]]:
    """The effective settings of a command: defaults, the workspace's settings.toml, ``override``."""
    in_workspace = resolve_workspace(workspace) / WORKSPACE_FILE
    return load_settings(in_workspace if in_workspace.exists() else None, override)


def write_workspace_setting(workspace: str | Path | None, section: str, key: str, value: Any) -> Path:
    """Set ``[section] key = value`` in the workspace's settings.toml, keeping its other values
    (not its comments) and checking the result loads; returns the file."""
    path = resolve_workspace(workspace) / WORKSPACE_FILE
    current: dict[str, Any] = {}
    if path.exists():
        with open(path, "rb") as fh:
            current = tomllib.load(fh)
    current.setdefault(section, {})[key] = value
    text = "\n".join(
        f"[{name}]\n" + "".join(f"{_key(k)} = {_value(v)}\n" for k, v in values.items())
        for name, values in current.items()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    load_settings(path)
    return path


def _overlay(settings: dict[str, dict[str, Any]], path: Path) -> None:
    try:
        with open(path, "rb") as fh:
            user = tomllib.load(fh)
    except FileNotFoundError:
        raise InputError(f"settings file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"settings file {path}: {exc}") from None
    for section, values in user.items():
        if section not in settings or not isinstance(values, dict):
            raise InputError(f"settings file {path}: unknown section [{section}]")
        for key, value in values.items():
            if key not in settings[section]:
                raise InputError(f"settings file {path}: [{section}] has no setting {key!r}")
            settings[section][key] = value


def reference_toml() -> str:
    """``detectors/settings.toml``: every section and default, each key with its comment in code."""
    parts = [
        _HEADER,
        _section("run", RUN_DEFAULTS, ["The batch as a whole (detectors/core/settings.py)."], sys.modules[__name__]),
    ]
    for detector in _registered():
        module = detector.source
        doc = " ".join((module.__doc__ or "").split("\n\n")[0].split())
        where = f"detectors/{module.__name__.rsplit('.', 1)[-1]}.py, rule version {detector.rule_version}"
        reads = [f"Also reads the settings of [{s}]." for s in detector.reads]
        parts.append(_section(detector.id, detector.defaults, [doc, where, *reads], module))
    return "\n".join(parts)


def _section(name: str, values: Mapping[str, Any], about: list[str], module) -> str:
    comments = _key_comments(module)
    lines = [f"[{name}]"] + [f"# {line}" for line in about]
    for key, value in values.items():
        line = f"{_key(key)} = {_value(value)}"
        lines.append(f"{line}  # {comments[key]}" if key in comments else line)
    return "\n".join(lines) + "\n"


def _key_comments(module, names: tuple[str, ...] = ("DEFAULTS", "RUN_DEFAULTS")) -> dict[str, str]:
    """The comment of each entry of the module's ``DEFAULTS = {...}`` (or ``RUN_DEFAULTS``): the
    one ending the entry's last line, else the comment lines right above the entry. The entries
    of ``{**SHARED, ...}`` have the comments written where ``SHARED`` is (this module or the one
    it is imported from)."""
    source = inspect.getsource(module)
    lines = source.splitlines()
    comments = {
        tok.start[0]: tok.string.lstrip("#").strip()
        for tok in tokenize.generate_tokens(io.StringIO(source).readline)
        if tok.type == tokenize.COMMENT
    }

    def above(line: int) -> str:
        first = line
        while first - 1 in comments and lines[first - 2].lstrip().startswith("#"):
            first -= 1
        return " ".join(comments[n] for n in range(first, line))

    tree = ast.parse(source)
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
            if {t.id for t in node.targets if isinstance(t, ast.Name)} & set(names):
                found = {}
                for k, v in zip(node.value.keys, node.value.values):
                    if k is None and isinstance(v, ast.Name):
                        found.update(_key_comments(*_defined_at(module, tree, v.id)))
                    elif isinstance(k, ast.Constant) and isinstance(k.value, str):
                        found[k.value] = comments.get(v.end_lineno or 0) or above(k.lineno)
                return {key: text for key, text in found.items() if text}
    return {}


def _defined_at(module, tree: ast.Module, name: str) -> tuple[Any, tuple[str]]:
    """The module where ``name`` of ``module`` is written, and its name there."""
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                if (alias.asname or alias.name) == name:
                    return importlib.import_module(node.module), (alias.name,)
    return module, (name,)


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # JSON string escapes are TOML basic-string escapes
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"{value!r} ({type(value).__name__}) is not a TOML value")


if __name__ == "__main__":
    sys.stdout.write(reference_toml())
