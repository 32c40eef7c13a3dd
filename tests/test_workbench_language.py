"""No user-visible string of one language in the other (issue 12): the overview, the findings
table and every detector's finding detail, rendered by the callbacks over a generated city's real
detector output, in zh and in en. Data values (firm and project names, ids, codes) are allowed."""

import re

import pytest
from workbench_world import detected_city, open_view

from bidgraph.workbench import i18n
from bidgraph.workbench.callbacks.findings import _measures, findings_table
from bidgraph.workbench.callbacks.overview import ranking

WORD = re.compile(r"(?<![A-Za-z0-9_.:/@-])[a-z][a-z]{2,}(?![A-Za-z0-9_.:/@-])")  # not inside ids, e-mails, URLs
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
ALLOWED = {"bidgraph", "detect", "load"}


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    return open_view(detected_city(tmp_path_factory.mktemp("lang")))


def _text(component) -> str:
    if isinstance(component, (list, tuple)):
        return " ".join(_text(c) for c in component)
    if hasattr(component, "children"):
        return _text(component.children)
    return "" if component is None else str(component)


def _ui_texts(data, lang: str) -> list[str]:
    """What the pages show that is not a data value."""
    out = []
    table = findings_table(data, lang)
    out += [c["name"] for c in table["columns"]] + [table["count"]]
    for row in table["rows"]:
        out += [row["detector"], row["severity"], row["category"], row["summary"] if lang == "en" else row["summary"]]
    cols, rows = ranking(data, lang)
    out += [c["name"] for c in cols] + [r["type"] for r in rows] + [r["detectors"] for r in rows]
    seen = set()
    for f in data.findings():
        if f["detector"] in seen:
            continue
        seen.add(f["detector"])
        ev = f.get("evidence", {})
        out.append(_text(_measures(ev, lang)))
    return out


def _property_texts(data, lang: str) -> list[str]:
    """The details panel's property names, and the values it names (enums, a trace's kind), of
    one node of each kind the findings' evidence shows."""
    nodes = {}
    for f in data.findings():
        for uid in f.get("evidence", {}).get("nodes", []):
            nodes.setdefault(uid.partition(":")[0], uid)
    assert {"Organization", "Lot", "IP"} <= set(nodes)
    out = []
    for uid in nodes.values():
        node = data.api.node(uid)
        for key, value in node["properties"].items():
            title, shown = i18n.property_text(node["label"], key, value, lang)
            out += [title] + ([shown] if shown != str(value) else [])
    return out


def foreign(texts: list[str], lang: str) -> list[str]:
    if lang == "zh":
        return sorted({w for text in texts for w in WORD.findall(text) if w not in ALLOWED})
    return sorted({text for text in texts if CJK.search(text)})


def test_chinese_pages_have_no_english_words(city):
    texts = _ui_texts(city, "zh") + _property_texts(city, "zh")
    # the summary column carries the detectors' Chinese explanation: data ids are allowed, words are not
    assert foreign(texts, "zh") == []


def test_english_pages_have_no_chinese_outside_data(city):
    texts = _ui_texts(city, "en") + _property_texts(city, "en")
    data_values = [r["summary"] for r in findings_table(city, "en")["rows"]]  # names of firms inside
    assert foreign([t for t in texts if t not in data_values], "en") == []


def test_a_planted_english_string_fails(city, monkeypatch):
    monkeypatch.setitem(i18n.STRINGS, "fd.count", ("{n} findings", "{n} findings"))
    assert "findings" in foreign(_ui_texts(city, "zh"), "zh")
