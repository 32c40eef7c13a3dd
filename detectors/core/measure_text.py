"""How a finding's measured values and thresholds read, in Chinese or English.

- :func:`measures`: measured values and thresholds as rows of named measures, the threshold
  beside the value it bounds and a crossed/within mark.
- :func:`measure_name`: a bilingual name for a measure key; an unknown key is read word by word
  (never raw snake_case in Chinese).
- :func:`value_text`: a measured value as text (numbers rounded, yes/no, known codes named).

The workbench's pages and the evidence pack's report both read findings through these.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from bidgraph.detectors.core.names import MEASURE_NAMES, VALUE_NAMES
from bidgraph.graph.vocabulary import words

__all__ = ["measure_name", "measures", "value_text", "sep", "SNAKE"]


def sep(lang: str) -> str:
    """The list separator: 、 in Chinese, a comma in English."""
    return "、" if lang == "zh" else ", "


# Words of the detectors' measure and threshold keys (measure_words.toml); measures with their
# own names and the measured values' names (names.toml).
WORDS = words(Path(__file__).with_name("measure_words.toml"))
MEASURES = MEASURE_NAMES
VALUES = VALUE_NAMES

SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


def _words(key: str) -> list[str]:
    return [w for w in key.split("_") if w]


def measure_name(key: str, lang: str) -> str:
    """A measure's name in ``lang``: its own name, else its words read one by one."""
    if key in MEASURES:
        return MEASURES[key][0 if lang == "zh" else 1]
    words = _words(key)
    if lang == "zh":
        return "".join(WORDS.get(w, w.upper()) for w in words) or key
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def value_text(value, lang: str) -> str:
    """A measured value or threshold as text: numbers rounded, yes/no, lists joined, known codes named."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value):
            return "—"
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        return sep(lang).join(value_text(v, lang) for v in value) or "—"
    if isinstance(value, dict):
        return sep(lang).join(f"{measure_name(str(k), lang)} {value_text(v, lang)}" for k, v in value.items())
    text = str(value)
    if text in VALUES:
        return VALUES[text][0 if lang == "zh" else 1]
    if SNAKE.match(text) and len(text) >= 3:
        return measure_name(text, lang)
    return text


def _bound(key: str, measured: dict) -> str | None:
    """The measured key a threshold ``min_X`` / ``max_X`` / ``X_fence`` bounds, if any."""
    base = re.sub(r"^(min|max)_|_(fence|threshold)$", "", key)
    numeric = [m for m, v in measured.items() if isinstance(v, (int, float)) and not isinstance(v, bool)]
    for test in (
        lambda m: m == base,
        lambda m: m.endswith("_" + base),
        lambda m: base.endswith("_" + m) or base.endswith(m),
        lambda m: base in m,
    ):
        hit = next((m for m in numeric if test(m)), None)
        if hit:
            return hit
    return None


def _crossed(key: str, value: float, threshold) -> bool | None:
    if not isinstance(threshold, (int, float)) or isinstance(threshold, bool):
        return None
    if key.startswith("max_"):
        return value > threshold
    if key.startswith("min_") or key.endswith("_fence"):
        return value >= threshold
    return None


def measures(measured: dict | None, thresholds: dict | None, lang: str) -> list[dict]:
    """Rows {measure, value, threshold, mark}: each measured value with the threshold that bounds
    it and whether it crossed (越线 / crossed) or not (未越线 / within); thresholds that bound no
    measured value follow as rows of their own."""
    measured, thresholds = dict(measured or {}), dict(thresholds or {})
    paired: dict[str, str] = {}
    for key in thresholds:
        target = _bound(key, measured)
        if target and target not in paired:
            paired[target] = key
    marks = {True: ("越线", "crossed"), False: ("未越线", "within")}
    rows = []
    for key, value in measured.items():
        tkey = paired.get(key)
        row = {"measure": measure_name(key, lang), "value": value_text(value, lang), "threshold": "", "mark": ""}
        if tkey:
            row["threshold"] = f"{measure_name(tkey, lang)} {value_text(thresholds[tkey], lang)}"
            crossed = _crossed(tkey, value, thresholds[tkey])
            if crossed is not None:
                row["mark"] = marks[crossed][0 if lang == "zh" else 1]
        rows.append(row)
    for key, value in thresholds.items():
        if key not in paired.values():
            rows.append(
                {"measure": measure_name(key, lang), "value": "", "threshold": value_text(value, lang), "mark": ""}
            )
    return rows
