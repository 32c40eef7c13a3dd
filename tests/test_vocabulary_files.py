"""Vocabulary is data: the bilingual tables live in TOML files read through one checking reader
(graph/vocabulary.py), and a malformed entry fails at import, not on the page that shows it."""

import pytest
from conftest import REPO

from bidgraph.errors import SchemaError
from bidgraph.graph.vocabulary import pair_tables, words
from bidgraph.workbench import i18n


def test_every_string_file_is_read_and_every_area_has_one():
    files = {p.stem for p in (REPO / "workbench" / "strings").glob("*.toml")}
    assert files == set(i18n.AREAS)


def test_tables_are_named_by_their_dotted_path(tmp_path):
    path = tmp_path / "v.toml"
    path.write_text('[strings]\n"a.b" = ["甲", "A"]\n\n[names.rel]\nX = ["乙", "x"]\n', encoding="utf-8")
    assert pair_tables(path) == {"strings": {"a.b": ("甲", "A")}, "names.rel": {"X": ("乙", "x")}}


@pytest.mark.parametrize(
    "entry",
    ['k = ["甲"]', 'k = ["甲", "A", "B"]', 'k = ["甲", ""]', 'k = ["甲", 3]', 'k = "甲"', 'k = ["", " "]'],
)
def test_an_entry_that_is_not_two_non_empty_strings_fails_loudly(tmp_path, entry):
    path = tmp_path / "v.toml"
    path.write_text(f"[t]\n{entry}\n", encoding="utf-8")
    with pytest.raises(SchemaError, match=r"v.toml: t\.k"):
        pair_tables(path)


def test_entries_outside_a_table_and_broken_files_fail(tmp_path):
    path = tmp_path / "v.toml"
    path.write_text('k = ["甲", "A"]\n', encoding="utf-8")
    with pytest.raises(SchemaError, match="outside a table"):
        pair_tables(path)
    path.write_text('[t]\nk = ["甲", "A"\n', encoding="utf-8")
    with pytest.raises(SchemaError, match="v.toml"):
        pair_tables(path)
    with pytest.raises(SchemaError, match="missing.toml"):
        pair_tables(tmp_path / "missing.toml")


def test_a_word_list_holds_non_empty_strings(tmp_path):
    path = tmp_path / "w.toml"
    path.write_text('abs = "绝对"\n', encoding="utf-8")
    assert words(path) == {"abs": "绝对"}
    path.write_text('abs = ""\n', encoding="utf-8")
    with pytest.raises(SchemaError, match="abs"):
        words(path)
