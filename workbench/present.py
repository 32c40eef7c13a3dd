"""How stored values read on a page, in the page's language only.

- :func:`measures`, :func:`measure_name`, :func:`value_text`: a finding's measures, named
  (:mod:`bidgraph.detectors.core.measure_text`, shared with the evidence pack).
- :func:`region_name`: a region code as a name (:mod:`bidgraph.graph.regions`).
- :func:`bilingual`, :func:`finding_summary`: a stored ``{"zh", "en"}`` text, a finding's
  explanation, in the page's language.
- :func:`local_text`: the part of a bilingual "中文 / English" message in the page's language.
- :func:`sep`, :func:`colon`: punctuation of the page's language.
"""

from __future__ import annotations

import re

from bidgraph.detectors.core.measure_text import SNAKE, measure_name, measures, sep, value_text
from bidgraph.graph.regions import region_name

__all__ = [
    "measure_name",
    "measures",
    "value_text",
    "region_name",
    "local_text",
    "bilingual",
    "finding_summary",
    "has_cjk",
    "sep",
    "colon",
    "SNAKE",
]

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def has_cjk(text: str) -> bool:
    return bool(CJK.search(text or ""))


def bilingual(value, lang: str) -> str:
    """A stored ``{"zh": …, "en": …}`` text in ``lang`` (a plain value as it is)."""
    if isinstance(value, dict):
        return str(value.get(lang) or "")
    return "" if value is None else str(value)


def finding_summary(finding: dict, lang: str) -> str:
    """The finding's explanation in ``lang`` (the English ``summary`` only when it has none)."""
    explanation = (finding.get("evidence") or {}).get("explanation")
    text = bilingual(explanation, lang) if isinstance(explanation, dict) else ""
    if not text and lang == "en":
        text = finding.get("summary", "")
    return text


def colon(lang: str) -> str:
    return "：" if lang == "zh" else ": "


def local_text(text: str, lang: str) -> str | None:
    """The part of ``text`` in ``lang``: a bilingual "中文 / English" (or "English / 中文") message
    gives the side in that language; a message all in the other language gives None."""
    parts = [p.strip() for p in str(text).split(" / ")]
    if len(parts) > 1:
        mine = [p for p in parts if has_cjk(p) == (lang == "zh")]
        if mine:
            return " / ".join(mine)
    if has_cjk(text) == (lang == "zh"):
        return str(text)
    return None
