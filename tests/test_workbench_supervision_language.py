"""The supervision pages added for issue 15 (推送, 投诉质疑, 双随机) in one language at a time:
every label, placeholder, option and the dropdowns' own words, for an office and a department
account, in zh and in en."""

from __future__ import annotations

import pytest
from test_workbench_language import foreign

from bidgraph.workbench.complaints_page import complaints_page
from bidgraph.workbench.inspections_page import inspections_page
from bidgraph.workbench.send_page import send_panel

SHOWN = ("children", "placeholder", "label", "options", "labels", "value")


def texts(component) -> list[str]:
    """The strings a component shows (ids, class names and styles left out)."""
    if isinstance(component, str):
        return [component]
    if isinstance(component, (list, tuple)):
        return [s for c in component for s in texts(c)]
    if isinstance(component, dict):  # an option shows its label; the dropdowns' own words show all
        shown = [component["label"]] if "label" in component else list(component.values())
        return [s for value in shown for s in texts(value)]
    out = []
    for prop in SHOWN:
        value = getattr(component, prop, None)
        if value is not None and not (prop == "value" and isinstance(value, str) and value.isascii()):
            out += texts(value)
    return out


@pytest.mark.parametrize("role", ["investigator", "department"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_pages_speak_one_language(lang, role):
    pages = [send_panel(lang, role == "department"), complaints_page(lang, role), inspections_page(lang)]
    shown = [s for page in pages for s in texts(page)]
    assert len(shown) > 60
    allowed = {"sha"}  # SHA-256, the name of the hash
    assert [w for w in foreign(shown, lang) if w.lower() not in allowed] == []


def test_a_planted_english_label_is_caught(monkeypatch):
    from bidgraph.workbench import i18n

    monkeypatch.setitem(i18n.STRINGS, "cq.add", ("take in", "take in"))
    assert "take" in foreign(texts(complaints_page("zh")), "zh")
