"""Value parsing, one type at a time: what is normalised, what is an error, what is a warning."""

from __future__ import annotations

import random

import pandas as pd
import pytest

from bidgraph.graph.schema import Column
from bidgraph.loaders.checkdigits import idcard_check_char, idcard_valid, uscc_check_char, uscc_valid
from bidgraph.loaders.values import USCC_ALPHABET, clean_text, idcard_ok, parse, uscc_ok

DATE_ERROR = "not a date (expected 2024-03-05, 2024/3/5 or 2024年3月5日)"


def run(kind: str, cells: list, **spec):
    parsed = parse(clean_text(pd.Series(cells, dtype=object)), Column("c", kind, **spec))
    return ([None if pd.isna(v) else v for v in parsed.value.tolist()], dict(parsed.errors), dict(parsed.warnings))


def test_clean_text_trims_folds_full_width_and_empties():
    out = clean_text(pd.Series([" ＡＢＣ１２３ ", "（福州）", "", "   ", None], dtype=object))
    assert [None if pd.isna(v) else v for v in out] == ["ABC123", "(福州)", None, None, None]


def test_clean_text_folds_what_nfkc_changes_beside_ideographs():
    cells = ["临江市", "临江\u3000市", "中文e\u0301", "株式会社㍿", "豈", "第①标段"]
    assert clean_text(pd.Series(cells, dtype=object)).tolist() == [
        "临江市",
        "临江 市",
        "中文é",
        "株式会社株式会社",
        "豈",
        "第1标段",
    ]


def test_dates_in_every_accepted_form():
    values, errors, _ = run(
        "date",
        [
            "2024-03-05",
            "2024-03-05T09:30:00",
            "2024/3/5",
            "2024年3月5日",
            "2024年3月5日 9:30",
            "2024/3/5 09:30:15",
            "２０２４-０３-０５",
            "-",
            "2024-02-30",
            "5/3/2024",
            "9999-01-01",
        ],
    )
    ts = pd.Timestamp
    assert values[:8] == [
        ts("2024-03-05"),
        ts("2024-03-05 09:30"),
        ts("2024-03-05"),
        ts("2024-03-05"),
        ts("2024-03-05 09:30"),
        ts("2024-03-05 09:30:15"),
        ts("2024-03-05"),
        None,
    ]
    assert errors == {8: DATE_ERROR, 9: DATE_ERROR, 10: DATE_ERROR}


def test_plain_dates_out_of_range_or_of_no_hour_are_refused():
    values, errors, _ = run("date", ["2024-03-05", "2024-03-05T23:59:59", "2024-03-05T24:00:00", "2300-01-01"])
    assert values[:2] == [pd.Timestamp("2024-03-05"), pd.Timestamp("2024-03-05 23:59:59")]
    assert errors == {2: DATE_ERROR, 3: DATE_ERROR}


def test_numbers_with_separators_full_width_and_units():
    values, errors, _ = run(
        "number", ["1,234.5", "１２３", "12.5万元", "3元", "¥1,000", "30万", "—", "四十万", "1.2.3", "inf", "万元"]
    )
    assert values[:7] == [1234.5, 123.0, 125000.0, 3.0, 1000.0, 300000.0, None]
    assert set(errors) == {7, 8, 9, 10} and errors[7] == "not a number"


def test_whole_numbers():
    values, errors, _ = run("int", ["3", "3.0", "1,000", "3.5", "x"])
    assert values[:3] == [3, 3, 1000] and errors == {3: "not a whole number", 4: "not a whole number"}


def test_booleans():
    values, errors, _ = run("bool", ["true", "FALSE", "1", "0", "是", "否", "Y", "n", "maybe", None])
    assert values == [True, False, True, False, True, False, True, False, None, None]
    assert list(errors) == [8]


def test_enums_are_lower_cased_and_checked():
    values, errors, _ = run(
        "enum",
        ["Open", "Single Source", "competitive-negotiation", "公开招标"],
        values=("open", "single_source", "competitive_negotiation"),
    )
    assert values[:3] == ["open", "single_source", "competitive_negotiation"]
    assert errors == {3: "not one of: open, single_source, competitive_negotiation"}


def test_values_written_as_stored_are_checked_too():
    values, errors, _ = run("enum", ["open", "single_source", "opened"], values=("open", "single_source"))
    assert values[:2] == ["open", "single_source"] and errors == {2: "not one of: open, single_source"}
    macs, _, warn = run("mac", ["AA:BB:CC:DD:EE:FF", "00:1A:2B:3C:4D:5E"])
    assert macs == ["AA:BB:CC:DD:EE:FF", "00:1A:2B:3C:4D:5E"] and not warn


def test_contact_and_network_values_are_normalised_or_cleared_with_a_warning():
    phones, _, warn = run("phone", ["+86 138-0000-0000", "0591-87654321", "(+86)13800000000", "8613800000000", "12"])
    assert phones == ["13800000000", "059187654321", "13800000000", "13800000000", None]
    assert warn == {4: "not a phone number (7 to 15 digits); value left empty"}
    emails, _, warn = run("email", ["Li.Si@Example.COM", "li.si"])
    assert emails == ["li.si@example.com", None] and list(warn) == [1]
    macs, _, warn = run(
        "mac", ["aa-bb-cc-dd-ee-ff", "AABB.CCDD.EEFF", "aa:bb:cc:dd:ee", "ａａ：ｂｂ：ｃｃ：ｄｄ：ｅｅ：ｆｆ"]
    )
    assert macs == ["AA:BB:CC:DD:EE:FF", "AA:BB:CC:DD:EE:FF", None, "AA:BB:CC:DD:EE:FF"] and list(warn) == [2]
    ips, _, warn = run("ip", ["10.0.0.1", "010.000.000.001", "2001:DB8::1", "256.1.1.1", "host"])
    assert ips == ["10.0.0.1", "10.0.0.1", "2001:db8::1", None, None]
    assert warn == {3: "not an IP address; value left empty", 4: "not an IP address; value left empty"}


def test_registry_numbers_are_upper_cased_and_bad_check_digits_warned():
    values, errors, warn = run("uscc", ["91350100m000100y43", "91350100M000100Y44", "123"])
    assert values == ["91350100M000100Y43", "91350100M000100Y44", "123"] and errors == {}
    assert warn == {1: "USCC check digit should be 3; value kept", 2: "not an 18-character USCC; value kept"}
    values, _, warn = run("idcard", ["11010519491231002x", "110105194912310021"])
    assert values == ["11010519491231002X", "110105194912310021"]
    assert warn == {1: "ID number check digit should be X; value kept"}


@pytest.mark.parametrize("seed", [0, 1])
def test_vectorised_check_digits_agree_with_the_standard(seed):
    rng = random.Random(seed)
    usccs = ["".join(rng.choice(USCC_ALPHABET) for _ in range(17)) for _ in range(300)]
    usccs = [c + (uscc_check_char(c) if rng.random() < 0.5 else rng.choice(USCC_ALPHABET)) for c in usccs]
    ids = ["".join(rng.choice("0123456789") for _ in range(17)) for _ in range(300)]
    ids = [c + (idcard_check_char(c) if rng.random() < 0.5 else rng.choice("0123456789X")) for c in ids]
    assert uscc_ok(pd.Series(usccs, dtype="str")).tolist() == [uscc_valid(c) for c in usccs]
    assert idcard_ok(pd.Series(ids, dtype="str")).tolist() == [idcard_valid(c) for c in ids]


def test_times_with_offsets_become_china_standard_time_wall_clock():
    values, errors, _ = run(
        "date",
        [
            "2024-03-05T09:30:00+08:00",
            "2024-03-05T01:30:00Z",  # the same instant, and mixed offsets in one column
            "2024-03-04T20:30:00-05:00",
            "2024-03-05T10:30:00+0900",
            "2024-03-05 09:30",  # no offset: already Beijing time
            "2024-03-05T09:30:00+08:00x",
        ],
    )
    assert values[:5] == [pd.Timestamp("2024-03-05 09:30")] * 5
    assert errors == {5: DATE_ERROR}


def test_decimal_comma_parsed_only_when_unambiguous():
    values, errors, _ = run("number", ["1.234,5", "-1.234.567,89", "1,234.5", "3,031,429.29", "1,5", "12,34", "1.234"])
    assert values == [1234.5, -1234567.89, 1234.5, 3031429.29, None, None, 1.234]
    ambiguous = "not a number (the comma is ambiguous: write 1234.5, 1,234.5 or 1.234,5)"
    assert errors == {4: ambiguous, 5: ambiguous}
    values, errors, _ = run("int", ["1,000", "1,0", "1,234.5"])
    assert values == [1000, None, None]
    assert errors == {
        1: "not a whole number (the comma is ambiguous: write 1234.5, 1,234.5 or 1.234,5)",
        2: "not a whole number",
    }
