"""Organization names as resolution compares them: only the cells that NFKC or a space can
change are changed, and every cell comes out as the per-name definition says."""

from __future__ import annotations

import random
import re
import unicodedata

import pandas as pd
import pytest

from bidgraph.loaders.resolve import normalise_name


def one_name(name: str) -> str:
    s = unicodedata.normalize("NFKC", name).lower()
    s = re.sub(r"[（【\[]", "(", s)
    s = re.sub(r"[）】\]]", ")", s)
    s = re.sub(r"\s+", "", s)
    return s.replace("有限责任公司", "有限公司")


def test_names_fold_widths_brackets_spaces_and_legal_form():
    names = pd.Series(
        [
            "临江市大永水利有限公司",
            "临江市 大永水利（集团）有限责任公司",
            "ＡＢＣ\u3000建设\u00a0【临江】",
            None,
            "x\x1cy",
        ],
        dtype="str",
        index=[4, 9, 2, 7, 5],
    )
    got = normalise_name(names)
    assert got.index.tolist() == [4, 9, 2, 7, 5]
    assert got.tolist()[:3] == ["临江市大永水利有限公司", "临江市大永水利(集团)有限公司", "abc建设(临江)"]
    assert pd.isna(got.iloc[3]) and got.iloc[4] == "xy"


@pytest.mark.parametrize("seed", range(5))
def test_names_as_the_per_name_definition(seed):
    rng = random.Random(seed)
    pieces = [
        "临江",
        "Ａ",
        "a",
        "B",
        " ",
        "\u3000",
        "\t",
        "（",
        "）",
        "【",
        "\u2003",
        "ﬁ",
        "e\u0301",
        "有限责任公司",
        "①",
        "\uf900",
    ]
    cells = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 6))) for _ in range(200)]
    assert normalise_name(pd.Series(cells, dtype="str")).tolist() == [one_name(c) for c in cells]
