"""Cardinal's settings file: INI, read with ``configparser`` under Cardinal's rules.

Rules (as Cardinal's ``config`` + serde reading): keys and section names are case-sensitive;
top-level keys come before the first section; ``[A.b]`` is the map ``b`` inside section ``A``
(and enables ``A``); ``;`` and ``#`` start comment lines; a value may be quoted; values are
typed (integers, non-negative integers, decimals, booleans, text); an unknown section or key is
an error, so a typo never silently disables a setting. Sections of Cardinal's ``prepare``
command are accepted (and unused) so that a file written by ``ocdscardinal init`` works as is.
"""

from __future__ import annotations

import configparser
import re
from dataclasses import dataclass, field
from pathlib import Path

from bidgraph.errors import InputError

__all__ = ["Settings", "read_settings", "parse_settings", "SCHEMA"]

_TOP = "\x00top"  # the section that holds the keys before the first header

# Section -> key -> type. A type in a nested dict is a map section ([section.key]) of that type.
_TEXT, _INT, _UINT, _FLOAT, _BOOL = "text", "an integer", "a non-negative integer", "a number", "a boolean"
SCHEMA: dict[str, dict] = {
    _TOP: {
        "currency": _TEXT,
        "no_price_comparison_procurement_methods": _TEXT,
        "price_comparison_procurement_methods": _TEXT,
    },
    "exclusions": {"procurement_method_details": _TEXT},
    "output": {"info_currency_mismatches": _BOOL},
    "R003": {"threshold": _INT, "procurement_methods": _TEXT, "procurement_method_details": {"*": _INT}},
    "R018": {"procurement_methods": _TEXT},
    "R024": {"threshold": _FLOAT},
    "R025": {"percentile": _UINT, "threshold": _FLOAT},
    "R028": {},
    "R030": {},
    "R035": {"threshold": _UINT},
    "R036": {},
    "R038": {"threshold": _FLOAT, "minimum_submitted_bids": _UINT, "minimum_contracting_processes": _UINT},
    "R048": {"digits": _UINT, "threshold": _UINT, "minimum_contracting_processes": _UINT},
    "R058": {"threshold": _FLOAT},
    # The `prepare` command's sections: accepted, not used by the indicators.
    "defaults": {
        "currency": _TEXT,
        "item_classification_scheme": _TEXT,
        "bid_status": _TEXT,
        "award_status": _TEXT,
        "party_roles": _BOOL,
    },
    "redactions": {"amount": _TEXT, "organization_id": _TEXT},
    "corrections": {"award_status_by_contract_status": _BOOL},
    "modifications": {
        "move_auctions": _BOOL,
        "prefix_buyer_or_procuring_entity_id": _TEXT,
        "prefix_tenderer_or_supplier_id": _TEXT,
        "split_procurement_method_details": _TEXT,
    },
    "codelists": {"bid_status": {"*": _TEXT}, "award_status": {"*": _TEXT}},
}

_TRUE, _FALSE = {"true", "on", "yes", "1"}, {"false", "off", "no", "0"}


@dataclass(frozen=True)
class Settings:
    """Typed settings: ``top`` (global keys) and ``sections`` (name -> key -> value)."""

    top: dict = field(default_factory=dict)
    sections: dict[str, dict] = field(default_factory=dict)

    def section(self, name: str) -> dict | None:
        """The section's values, or None if the section is absent (indicator disabled)."""
        return self.sections.get(name)

    def options(self, name: str) -> dict:
        """The section's values, ``{}`` if the section is absent."""
        return self.sections.get(name) or {}


def read_settings(path: str | Path) -> Settings:
    """Read and check a settings file; errors name the file, line, section and key."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"settings file {path} does not exist") from None
    except IsADirectoryError:
        raise InputError(f"settings file {path} is a directory, not a file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"settings file {path} cannot be read: {exc}") from None
    return parse_settings(text, str(path))


class _CaseSensitiveParser(configparser.ConfigParser):
    def optionxform(self, optionstr: str) -> str:
        return optionstr  # Cardinal's keys are case-sensitive


def parse_settings(text: str, source: str = "settings") -> Settings:
    """Parse settings text (``source`` names it in error messages)."""
    parser = _CaseSensitiveParser(
        interpolation=None,
        strict=True,
        delimiters=("=", ":"),
        comment_prefixes=(";", "#"),
        inline_comment_prefixes=None,
        default_section="\x00default",
        empty_lines_in_values=False,
    )
    try:
        parser.read_string(f"[{_TOP}]\n{text}", source=source)
    except configparser.Error as exc:
        raise InputError(_parse_error(exc, source)) from None
    lines = _key_lines(text)
    sections: dict[str, dict] = {}
    for raw_name in parser.sections():
        name, _, sub = raw_name.partition(".")
        spec = SCHEMA.get(name)
        if spec is None or (sub and not isinstance(spec.get(sub), dict)):
            where = "" if raw_name == _TOP else f", line {lines.get((raw_name, None), '?')}"
            raise InputError(
                f"settings file {source}{where}: unknown section [{raw_name}] (known: {', '.join(_known_sections())})"
            )
        target = sections.setdefault(name, {})
        for key, raw in parser.items(raw_name):
            at = f"settings file {source}, line {lines.get((raw_name, key), '?')}"
            if sub:
                value = _typed(raw, spec[sub]["*"], f"{at}: [{raw_name}] {key}")
                target.setdefault(sub, {})[key] = value
                continue
            kind = spec.get(key)
            if isinstance(kind, dict):
                raise InputError(
                    f"{at}: {key} is a map; give it as a section [{raw_name}.{key}] with one line per entry"
                )
            if kind is None:
                known = ", ".join(k for k, v in spec.items() if not isinstance(v, dict)) or "none"
                label = "the top level" if raw_name == _TOP else f"[{raw_name}]"
                raise InputError(f"{at}: {label} has no setting {key!r} (known: {known})")
            target[key] = _typed(raw, kind, f"{at}: {'' if raw_name == _TOP else f'[{raw_name}] '}{key}")
    top = sections.pop(_TOP, {})
    return Settings(top, sections)


def _typed(raw: str, kind: str, where: str):
    value = _unquote(raw.strip())
    if kind == _TEXT:
        return value
    if kind == _BOOL:
        if value.lower() in _TRUE | _FALSE:
            return value.lower() in _TRUE
    elif kind in (_INT, _UINT):
        if re.fullmatch(r"[+-]?\d+" if kind == _INT else r"\+?\d+", value):
            return int(value)
    elif re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?(inf|infinity|nan)", value, re.I):
        return float(value)
    raise InputError(f"{where} = {raw.strip()!r} is not {kind}")


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _key_lines(text: str) -> dict[tuple[str, str | None], int]:
    """Line numbers of section headers ``(name, None)`` and keys ``(section, key)``."""
    out: dict[tuple[str, str | None], int] = {}
    section = _TOP
    for number, line in enumerate(text.splitlines(), start=1):
        header = re.match(r"\s*\[(.+)\]\s*$", line)
        if header:
            section = header.group(1)
            out.setdefault((section, None), number)
            continue
        key = re.match(r"\s*([^;#=:\s][^=:]*?)\s*[=:]", line)
        if key:
            out.setdefault((section, key.group(1)), number)
    return out


def _parse_error(exc: configparser.Error, source: str) -> str:
    line = getattr(exc, "lineno", None)
    if isinstance(exc, configparser.DuplicateSectionError):
        return f"settings file {source}, line {(line or 1) - 1}: section [{exc.section}] appears twice"
    if isinstance(exc, configparser.DuplicateOptionError):
        return (
            f"settings file {source}, line {(line or 1) - 1}: {exc.option!r} is set twice"
            f" in {'the top level' if exc.section == _TOP else f'[{exc.section}]'}"
        )
    if isinstance(exc, configparser.ParsingError):
        bad = ", ".join(f"line {n - 1}: {text[1:-1].removesuffix(chr(92) + 'n')}" for n, text in exc.errors)
        return f"settings file {source}: not INI ({bad})"
    return f"settings file {source}: {exc}"


def _known_sections() -> list[str]:
    names = []
    for name, spec in SCHEMA.items():
        if name != _TOP:
            names.append(name)
            names.extend(f"{name}.{key}" for key, kind in spec.items() if isinstance(kind, dict))
    return names
