"""Value types of the bundle's columns: one small parser per type, each vectorised over a column.

(Regular expressions on a million rows stay in Arrow only without lookarounds and without the
backslash classes for spaces and digits: hence the explicit character classes.)

Every parser takes a column of cleaned text (trimmed, NFKC full-width → half-width, empty cells
missing; see :func:`clean_text`) and returns a :class:`Parsed`: the normalised values, the
``errors`` that make a row unusable (the row goes to quarantine) and the ``warnings`` about
values that were kept or cleared (the row is taken). Values are normalised here, once.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from bidgraph.graph.schema import Column
from bidgraph.loaders.checkdigits import USCC_ALPHABET, idcard_check_char, uscc_check_char

__all__ = [
    "Parsed",
    "arrow_text",
    "clean_text",
    "first_bytes",
    "cells_holding",
    "NFKC_MAY_CHANGE",
    "holds_any",
    "text_bytes",
    "parse",
    "PARSERS",
    "uscc_ok",
    "idcard_ok",
]

# Cells that mean "no value" in a typed column (number, date, bool): exports write them for blanks.
_PLACEHOLDERS = r"^(?:-+|—+|/|／)$"
_EMPTY = pd.Series(dtype="str")


class Parsed(NamedTuple):
    """A parsed column: values, and reasons (indexed like the column) for the problem rows."""

    value: pd.Series
    errors: pd.Series = _EMPTY
    warnings: pd.Series = _EMPTY


def clean_text(s: pd.Series) -> pd.Series:
    """Trim, fold full-width characters to half-width (NFKC), and make empty cells missing.

    In Arrow (utf8proc), never per value in Python, and chunk by chunk as the column came: the
    chunks decide how the column is laid out in Parquet, so they decide a version's bytes."""
    text = arrow_text(s)
    if any(_may_be_padded(chunk) for chunk in text.chunks):  # ids, codes, dates, numbers seldom are
        text = pc.utf8_trim_whitespace(text)
    wide = cells_holding(text, NFKC_MAY_CHANGE)
    if wide.any():
        wide = pa.array(wide)
        folded = pc.utf8_trim_whitespace(pc.utf8_normalize(text.filter(wide), "NFKC")).combine_chunks()
        text = pc.replace_with_mask(text, wide, folded)
    empty = pc.equal(pc.binary_length(text), 0)
    if pc.any(empty).as_py():
        text = pc.if_else(empty, pa.scalar(None, pa.large_string()), text)
    return pd.Series(text.to_pandas(types_mapper=_STR.get).array, index=s.index, name=s.name)


def _may_be_padded(text: pa.Array) -> bool:
    """Whether a cell may start or end with white space: its first or last byte is an ASCII
    space or control, or not ASCII (Unicode has spaces too). Read from the Arrow buffers."""
    if len(text) == 0 or text.buffers()[2] is None:
        return False
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int64)[text.offset : text.offset + len(text) + 1]
    data = np.frombuffer(text.buffers()[2], dtype=np.uint8)
    body = data[offsets[0] : offsets[-1]]
    if len(body) == 0 or (body.min() > 0x20 and body.max() < 0x7F):  # no byte that could pad: two reductions
        return False
    filled = offsets[1:] > offsets[:-1]
    edges = np.concatenate([data[offsets[:-1][filled]], data[offsets[1:][filled] - 1]])
    return bool(((edges <= 0x20) | (edges >= 0x7F)).any())


#: Arrow strings as pandas' ``str`` dtype (Arrow-backed, NaN for missing), without a copy.
_STR = {pa.large_string(): pd.StringDtype("pyarrow", na_value=np.nan)}


def arrow_text(s: pd.Series) -> pa.ChunkedArray:
    """A series' values as Arrow ``large_string`` chunks (no copy for an Arrow-backed series)."""
    text = pa.array(s.astype("str"), type=pa.large_string())
    return text if isinstance(text, pa.ChunkedArray) else pa.chunked_array([text])


def _reasons(mask: pd.Series, reason: str | pd.Series) -> pd.Series:
    if isinstance(reason, str):
        return pd.Series(reason, index=mask.index[mask], dtype="str")
    return reason[mask].astype("str")


#: First bytes of the placeholders: -, /, and the lead bytes of — and ／.
_PLACEHOLDER_FIRST = np.zeros(256, dtype=bool)
_PLACEHOLDER_FIRST[[*b"-/", 0xE2, 0xEF]] = True


def _no_placeholders(s: pd.Series) -> pd.Series:
    # Most typed columns have no cell that starts like a placeholder: then none is looked for.
    if not any(_PLACEHOLDER_FIRST[first_bytes(chunk)].any() for chunk in arrow_text(s).chunks):
        return s
    return s.mask(s.str.match(_PLACEHOLDERS).fillna(False).astype(bool))


def parse_id(s: pd.Series, column: Column) -> Parsed:
    return Parsed(s)


parse_text = parse_id


# A comma is a thousands separator when it splits the digits before the point into threes
# (1,234.5); after dot-separated thousands it is the decimal comma (1.234,5 = 1234.5). Any other
# comma (1,5 or 12,34) could be either, so the value is not guessed.
_GROUPED = r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:[.][0-9]+)?"
_DECIMAL_COMMA = r"[+-]?[0-9]{1,3}(?:[.][0-9]{3})+,[0-9]+"
_AMBIGUOUS_COMMA = "(the comma is ambiguous: write 1234.5, 1,234.5 or 1.234,5)"


_PLAIN = r"^[+-]?[0-9]{1,12}(?:[.][0-9]{1,6})?$"


def _cast_plain(text: pa.ChunkedArray, plain: pa.ChunkedArray, value: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """``value`` with the cells that ``plain`` marks cast by Arrow to its type, and that mask.
    When all are marked (most columns) the whole column is cast, without a copy of it first."""
    fast = plain.to_numpy(zero_copy_only=False)
    to = pa.from_numpy_dtype(value.dtype)
    if len(fast) and fast.all():
        return pd.Series(pc.cast(text, to).to_numpy(), index=value.index), fast
    if fast.any():
        value[fast] = pc.cast(text.filter(plain), to).to_numpy()
    return value, fast


def _numbers(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The values, and which cells hold a comma that is neither pattern (left missing)."""
    value = pd.Series(np.nan, index=s.index, dtype="float64")
    # Plain decimals (most cells) by Arrow's cast, the rest as before by pandas. At most 12 + 6
    # digits: both parse those to the same (correctly rounded) double.
    text = arrow_text(s)
    value, fast = _cast_plain(text, pc.fill_null(pc.match_substring_regex(text, _PLAIN), False), value)
    other = s.notna() & ~fast
    if other.any():
        value[other] = pd.to_numeric(s[other], errors="coerce").astype("float64")
    retry = s.notna() & value.isna()
    ambiguous = pd.Series(False, index=s.index)
    if retry.any():
        # Separators, a currency sign, and a unit: 元 (×1) or 万元/万 (×10,000).
        sub = s[retry].str.replace(r"[\s¥]", "", regex=True)
        wan = sub.str.contains(r"\d万元?$", regex=True)
        sub = sub.str.replace(r"(?<=\d)(?:万元|万|元)$", "", regex=True)
        grouped = sub.str.fullmatch(_GROUPED).fillna(False).astype(bool)
        sub[grouped] = sub[grouped].str.replace(",", "", regex=False)
        decimal_comma = sub.str.fullmatch(_DECIMAL_COMMA).fillna(False).astype(bool)
        sub[decimal_comma] = sub[decimal_comma].str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        ambiguous[retry] = sub.str.contains(",", regex=False).fillna(False).astype(bool) & ~grouped & ~decimal_comma
        value[retry] = pd.to_numeric(sub, errors="coerce").astype("float64") * np.where(wan, 1e4, 1.0)
    return value.where(np.isfinite(value)).mask(ambiguous), ambiguous


def _malformed(s: pd.Series, value: pd.Series, ambiguous: pd.Series, reason: str) -> pd.Series:
    bad = s.notna() & value.isna()
    return pd.Series(np.where(ambiguous[bad], f"{reason} {_AMBIGUOUS_COMMA}", reason), index=s.index[bad], dtype="str")


def parse_number(s: pd.Series, column: Column) -> Parsed:
    s = _no_placeholders(s)
    value, ambiguous = _numbers(s)
    return Parsed(value, _malformed(s, value, ambiguous, "not a number"))


def parse_int(s: pd.Series, column: Column) -> Parsed:
    s = _no_placeholders(s)
    value, ambiguous = _numbers(s)
    # Beyond 2**53 a double holds no exact whole number (and beyond 2**63 none fits Int64).
    value = value.where(value.eq(value.round()) & value.abs().lt(2**53))
    return Parsed(value.astype("Int64"), _malformed(s, value, ambiguous, "not a whole number"))


_DATE_PARTS = (
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]*(\d{1,2})\s*[:时]\s*(\d{1,2})\s*(?:[:分]\s*(\d{1,2}(?:\.\d+)?)\s*秒?)?)?$"
)
# datetime64[ns] holds 1677-09-22 .. 2262-04-11; anything outside is a typo, not a date.
_DATE_MIN, _DATE_MAX = pd.Timestamp("1678-01-01"), pd.Timestamp("2262-01-01")
# A time with a UTC offset (2024-03-05T09:30:00+08:00, ...Z): stored as China Standard Time
# wall clock (UTC+8, no daylight saving since 1991), what the bundle's times without one mean.
_WITH_OFFSET = r"[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:[.][0-9]+)?)?(?:[Zz]|[+-][0-9]{2}:?[0-9]{2})$"
CHINA_STANDARD_TIME = pd.Timedelta(hours=8)
_PLAIN_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(?:T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9])?$"


def parse_date(s: pd.Series, column: Column) -> Parsed:
    s = _no_placeholders(s)
    # In microseconds until the range check: they hold any year, so a typo cannot overflow.
    value = pd.Series(pd.NaT, index=s.index, dtype="datetime64[us]")
    # Plain dates and times (most cells) by Arrow's cast, which refuses a day the month does
    # not have, as pandas does; the rest, or all when one is refused, by pandas.
    text = arrow_text(s)
    try:
        value, fast = _cast_plain(text, pc.fill_null(pc.match_substring_regex(text, _PLAIN_DATE), False), value)
    except pa.ArrowInvalid:
        fast = np.zeros(len(s), bool)
    other = s.notna().to_numpy() & ~fast
    offset = pd.Series(False, index=s.index)
    if other.any():
        rest = s[other]
        offset[other] = rest.str.contains(_WITH_OFFSET, regex=True).fillna(False).astype(bool)
        value[other] = pd.to_datetime(rest.mask(offset[other]), format="ISO8601", errors="coerce").astype(
            "datetime64[us]"
        )
    if offset.any():
        utc = pd.to_datetime(s[offset], format="ISO8601", errors="coerce", utc=True)
        value[offset] = (utc.dt.tz_localize(None) + CHINA_STANDARD_TIME).astype("datetime64[us]")
    retry = s.notna() & value.isna()
    if retry.any():
        parts = s[retry].str.extract(_DATE_PARTS).fillna({3: "0", 4: "0", 5: "0"})
        iso = (
            parts[0]
            + "-"
            + parts[1].str.zfill(2)
            + "-"
            + parts[2].str.zfill(2)
            + " "
            + parts[3].str.zfill(2)
            + ":"
            + parts[4].str.zfill(2)
            + ":"
            + parts[5]
        )
        value[retry] = pd.to_datetime(iso, format="%Y-%m-%d %H:%M:%S", errors="coerce")
    value = value.where((value >= _DATE_MIN) & (value < _DATE_MAX)).astype("datetime64[ns]")
    return Parsed(
        value, _reasons(s.notna() & value.isna(), "not a date (expected 2024-03-05, 2024/3/5 or 2024年3月5日)")
    )


_BOOLS = {
    "true": True,
    "t": True,
    "1": True,
    "1.0": True,
    "是": True,
    "y": True,
    "yes": True,
    "false": False,
    "f": False,
    "0": False,
    "0.0": False,
    "否": False,
    "n": False,
    "no": False,
}


_BOOL_TEXTS = pa.array(list(_BOOLS), pa.large_string())
_BOOL_VALUES = pa.array(list(_BOOLS.values()))


def parse_bool(s: pd.Series, column: Column) -> Parsed:
    s = _no_placeholders(s)
    # Looked up in Arrow (a Python dict per cell takes seconds at a million rows).
    flags = pc.take(_BOOL_VALUES, pc.index_in(pc.utf8_lower(arrow_text(s)), value_set=_BOOL_TEXTS))
    value = pd.Series(
        pd.arrays.BooleanArray(
            pc.fill_null(flags, False).to_numpy(zero_copy_only=False), flags.is_null().to_numpy(zero_copy_only=False)
        ),
        index=s.index,
        name=s.name,
    )
    return Parsed(value, _reasons(s.notna() & value.isna(), "not a yes/no value (true/false, 1/0, 是/否, Y/N)"))


#: The bytes that make an enum cell differ from its value: upper case, separators, non-ASCII.
_NOT_ENUM_AS_IS = np.zeros(256, dtype=bool)
_NOT_ENUM_AS_IS[[*b"ABCDEFGHIJKLMNOPQRSTUVWXYZ \t-", *range(0x80, 0x100)]] = True


def parse_enum(s: pd.Series, column: Column) -> Parsed:
    # Exports mostly write the values as they are: then nothing is lowered or replaced.
    as_is = not holds_any(s, _NOT_ENUM_AS_IS)
    value = s if as_is else s.str.lower().str.replace(r"[ \t-]+", "_", regex=True)
    bad = value.notna() & ~value.isin(column.values)
    return Parsed(value, _reasons(bad, "not one of: " + ", ".join(column.values)))


def _cleared(value: pd.Series, bad: pd.Series, reason: str) -> Parsed:
    return Parsed(value.mask(bad), warnings=_reasons(bad, reason + "; value left empty"))


_NOT_DIGIT = np.ones(256, dtype=bool)
_NOT_DIGIT[list(b"0123456789")] = False


def parse_phone(s: pd.Series, column: Column) -> Parsed:
    digits = s.str.replace(r"^(?:\+|00)86", "", regex=True)
    if holds_any(digits, _NOT_DIGIT):  # most phone columns are digits only
        digits = digits.str.replace(r"[^0-9]", "", regex=True)
    mobile_86 = digits.str.fullmatch(r"861[0-9]{10}").fillna(False).astype(bool)  # 86 without the +
    digits[mobile_86] = digits[mobile_86].str.slice(2)
    bad = s.notna() & ~digits.str.len().between(7, 15).fillna(False).astype(bool)
    return _cleared(digits, bad, "not a phone number (7 to 15 digits)")


def parse_email(s: pd.Series, column: Column) -> Parsed:
    value = s.str.lower()
    bad = value.notna() & ~value.str.fullmatch(r"[^@ \t]+@[^@ \t]+\.[^@ \t]+").fillna(False).astype(bool)
    return _cleared(value, bad, "not an e-mail address")


def parse_mac(s: pd.Series, column: Column) -> Parsed:
    if s.str.fullmatch(r"[0-9A-F]{2}(?::[0-9A-F]{2}){5}").fillna(True).all():  # written as stored
        return _cleared(s, pd.Series(False, index=s.index), "not a MAC address")
    hexes = s.str.upper().str.replace(r"[-:. \t]", "", regex=True)
    bad = s.notna() & ~hexes.str.fullmatch(r"[0-9A-F]{12}").fillna(False).astype(bool)
    value = hexes.str.slice(0, 2)
    for i in range(2, 12, 2):
        value = value + ":" + hexes.str.slice(i, i + 2)
    return _cleared(value, bad, "not a MAC address")


_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_CANONICAL_IPV4 = rf"(?:{_OCTET}\.){{3}}{_OCTET}"


def _ip(text: str) -> str | None:
    if re.fullmatch(r"[\d.]+", text):  # zero-padded IPv4 as some platforms log it: 010.000.000.001
        text = re.sub(r"(?<![\d])0+(?=\d)", "", text)
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def parse_ip(s: pd.Series, column: Column) -> Parsed:
    value = s.copy()
    other = s.notna() & ~s.str.fullmatch(_CANONICAL_IPV4).fillna(False).astype(bool)
    if other.any():  # IPv6, zero-padded or invalid: the ipaddress module decides, per distinct value
        value[other] = s[other].map({u: _ip(u) for u in s[other].unique()})
    return _cleared(value, s.notna() & value.isna(), "not an IP address")


# Check digits of many codes at once (GB 32100: weights 3^i mod 31; GB 11643: 2^(17-i) mod 11);
# the one-code functions in checkdigits.py say which digit was expected.
_USCC_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)], dtype=np.int32)
_ID_WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)], dtype=np.int32)


def _weighted(codes: pd.Series, alphabet: str, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per code, the weighted sum of its first 17 symbols (their places in ``alphabet``) and its
    18th symbol; chunk by chunk, so that no column of codes is copied whole as integers."""
    lookup = np.zeros(256, dtype=np.uint8)
    lookup[[ord(ch) for ch in alphabet]] = np.arange(len(alphabet))
    sums, last = [np.empty(0, np.int32)], [np.empty(0, np.uint8)]
    for chunk in arrow_text(codes).chunks:
        # The codes matched an 18-character ASCII pattern: their bytes, end to end, are theirs.
        # (Indexing by the bytes, not np.take, which copies them as 8-byte indices first.)
        m = lookup[text_bytes(chunk)].reshape(-1, 18)
        sums.append(m[:, :17].astype(np.int32) @ weights)
        last.append(m[:, 17])
    return np.concatenate(sums), np.concatenate(last)


def holds_any(s: pd.Series, flagged: np.ndarray) -> bool:
    """Whether a cell of a text series holds a byte that the 256-entry table ``flagged`` flags.
    Chunk by chunk, on the Arrow buffers (no copy); when no byte between a chunk's least and
    greatest is flagged, two reductions say no without a look-up per byte (most columns: ids,
    codes, numbers and dates)."""
    for chunk in arrow_text(s).chunks:
        data = text_bytes(chunk)
        if len(data) and flagged[data.min() : int(data.max()) + 1].any() and flagged[data].any():
            return True
    return False


#: UTF-8 lead bytes of the characters NFKC may change: neither ASCII nor in U+4000..U+9FFF (CJK
#: ideographs, which NFKC leaves alone: a province's names and addresses are mostly these), that
#: is, lead bytes other than E4..E9.
NFKC_MAY_CHANGE = np.zeros(256, dtype=bool)
NFKC_MAY_CHANGE[[*range(0xC0, 0xE4), *range(0xEA, 0x100)]] = True


def cells_holding(text: pa.ChunkedArray, flagged: np.ndarray) -> np.ndarray:
    """Per cell of Arrow text (``arrow_text``), whether it holds a byte that the 256-entry table
    ``flagged`` flags (missing cells: False), from the buffers, chunk by chunk."""
    return np.concatenate([np.zeros(0, bool), *(_cells_holding(chunk, flagged) for chunk in text.chunks)])


def _cells_holding(text: pa.Array, flagged: np.ndarray) -> np.ndarray:
    found = np.zeros(len(text), bool)
    if len(text) == 0 or text.buffers()[2] is None:
        return found
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int64)[text.offset : text.offset + len(text) + 1]
    data = np.frombuffer(text.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    if len(data) == 0 or not flagged[data.min() : int(data.max()) + 1].any():  # most ids, codes, numbers, dates
        return found
    at = np.flatnonzero(data >= np.argmax(flagged))  # bytes below the least flagged one are not looked up
    at = at[flagged[data[at]]]
    found[np.searchsorted(offsets[1:] - offsets[0], at, side="right")] = True
    if text.null_count:
        found &= text.is_valid().to_numpy(zero_copy_only=False)
    return found


def first_bytes(text: pa.Array) -> np.ndarray:
    """The first UTF-8 byte of each cell of an Arrow ``large_string`` array (0 for an empty or
    missing cell), from its buffers."""
    first = np.zeros(len(text), np.uint8)
    if len(text) == 0 or text.buffers()[2] is None:
        return first
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int64)[text.offset : text.offset + len(text) + 1]
    filled = offsets[1:] > offsets[:-1]
    if text.null_count:
        filled &= text.is_valid().to_numpy(zero_copy_only=False)
    first[filled] = np.frombuffer(text.buffers()[2], dtype=np.uint8)[offsets[:-1][filled]]
    return first


def text_bytes(text: pa.Array) -> np.ndarray:
    """The UTF-8 bytes of an Arrow text array's values end to end, from its buffers (no Python
    string per value, and no copy unless a missing value's slot holds bytes); a missing value
    adds none."""
    if len(text) == 0 or text.buffers()[2] is None:
        return np.empty(0, np.uint8)
    wide = pa.types.is_large_string(text.type) or pa.types.is_large_binary(text.type)
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int64 if wide else np.int32)
    offsets = offsets[text.offset : text.offset + len(text) + 1]
    if text.null_count:  # a null's slot may hold bytes: only then copy the valid values out
        valid = text.is_valid().to_numpy(zero_copy_only=False)
        if np.diff(offsets)[~valid].any():
            return text_bytes(pc.if_else(valid, text, ""))
    return np.frombuffer(text.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]


def uscc_ok(codes: pd.Series) -> pd.Series:
    """Whether each code is a USCC with a right check character (vectorised ``uscc_valid``)."""
    ok = codes.str.fullmatch("[0-9A-HJ-NPQRTUWXY]{18}").fillna(False).astype(bool)
    if ok.any():
        total, check = _weighted(codes[ok], USCC_ALPHABET, _USCC_WEIGHTS)
        ok[ok] = (31 - total % 31) % 31 == check
    return ok


def idcard_ok(codes: pd.Series) -> pd.Series:
    """Whether each number is a resident ID number with a right check character."""
    ok = codes.str.fullmatch(r"[0-9]{17}[0-9X]").fillna(False).astype(bool)
    if ok.any():
        total, check = _weighted(codes[ok], "0123456789X", _ID_WEIGHTS)
        ok[ok] = (12 - total % 11) % 11 == check
    return ok


#: The bytes that make a registry number differ from its value: lower case, spaces, non-ASCII.
_NOT_CODE_AS_IS = np.zeros(256, dtype=bool)
_NOT_CODE_AS_IS[[*b"abcdefghijklmnopqrstuvwxyz \t", *range(0x80, 0x100)]] = True


def _registry_number(
    kind: str, ok: Callable[[pd.Series], pd.Series], check_char: Callable[[str], str], alphabet: str
) -> Callable[[pd.Series, Column], Parsed]:
    def problem(code: str) -> str:
        if len(code) != 18 or re.fullmatch(f"[{alphabet}]{{17}}.", code) is None:
            return f"not an 18-character {kind}; value kept"
        return f"{kind} check digit should be {check_char(code[:17])}; value kept"

    def parse(s: pd.Series, column: Column) -> Parsed:
        as_is = not holds_any(s, _NOT_CODE_AS_IS)  # upper case without spaces: as it is
        value = s if as_is else s.str.upper().str.replace(r"[ \t]", "", regex=True)
        bad = value.notna() & ~ok(value)
        return Parsed(value, warnings=value[bad].map(problem).astype("str"))

    parse.__name__ = f"parse_{kind.split()[0].lower()}"
    return parse


parse_uscc = _registry_number("USCC", uscc_ok, uscc_check_char, "0-9A-HJ-NPQRTUWXY")
parse_idcard = _registry_number("ID number", idcard_ok, idcard_check_char, "0-9")

PARSERS: dict[str, Callable[[pd.Series, Column], Parsed]] = {
    "id": parse_id,
    "text": parse_text,
    "enum": parse_enum,
    "number": parse_number,
    "int": parse_int,
    "date": parse_date,
    "bool": parse_bool,
    "uscc": parse_uscc,
    "idcard": parse_idcard,
    "phone": parse_phone,
    "email": parse_email,
    "ip": parse_ip,
    "mac": parse_mac,
}


def parse(s: pd.Series, column: Column) -> Parsed:
    """Parse a cleaned text column as ``column.type``."""
    return PARSERS[column.type](s, column)
