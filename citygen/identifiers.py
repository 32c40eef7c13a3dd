"""Registry numbers and network identities, vectorised: USCCs, ID numbers, phones, IPs, MACs, hashes.

Check characters follow GB 32100 (USCC), GB 11714 (the organization code inside it) and
GB 11643 (ID numbers) using the alphabets and weights of :mod:`bidgraph.loaders.checkdigits`;
the tests check every generated number with its ``uscc_valid`` and ``idcard_valid``.
"""

from __future__ import annotations

import binascii

import numpy as np

from bidgraph.loaders import checkdigits as cd

__all__ = ["distinct_ints", "hex_ids", "id_numbers", "ipv4", "landlines", "macs", "mobiles", "numbered", "usccs"]

_USCC = np.frombuffer(cd.USCC_ALPHABET.encode(), dtype=np.uint8)
_ORG_CODE_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2])
# Registration authority + entity type (GB 32100): 91 enterprise, 11 government body, 12 public
# institution; agencies are enterprises.
KIND_PREFIX = {"enterprise": "91", "agency": "91", "government": "11", "institution": "12"}
# First octets of public IPv4 ranges held by Chinese carriers.
_OCTETS = np.array(
    [
        27,
        36,
        39,
        58,
        59,
        60,
        61,
        106,
        111,
        112,
        113,
        114,
        115,
        116,
        117,
        118,
        119,
        120,
        121,
        122,
        123,
        124,
        125,
        175,
        180,
        182,
        183,
        202,
        210,
        211,
        218,
        219,
        220,
        221,
        222,
    ]
)


def distinct_ints(rng: np.random.Generator, n: int, low: int, high: int) -> np.ndarray:
    """``n`` distinct random integers in [low, high), in random order (redraws the clashes)."""
    out = rng.integers(low, high, n, dtype=np.int64)
    while True:
        _, first = np.unique(out, return_index=True)
        dup = np.ones(n, bool)
        dup[first] = False
        if not dup.any():
            return out
        out[dup] = rng.integers(low, high, int(dup.sum()), dtype=np.int64)


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    """(n, width) array of the decimal digits of non-negative integers."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (values[:, None] // powers) % 10


def _text(codes: np.ndarray) -> np.ndarray:
    """Rows of ASCII codes (n, k) as an array of k-character strings."""
    codes = np.ascontiguousarray(codes.astype(np.uint8))
    return codes.view(f"S{codes.shape[1]}").ravel().astype(str)


def numbered(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    """``prefix`` + zero-padded ``numbers`` (``numbered("ORG", [1, 20], 6)`` → ORG000001, ORG000020)."""
    numbers = np.asarray(numbers, dtype=np.int64)
    head = np.broadcast_to(np.frombuffer(prefix.encode(), dtype=np.uint8), (len(numbers), len(prefix)))
    return _text(np.concatenate([head, _digits(numbers, width) + ord("0")], axis=1))


def usccs(rng: np.random.Generator, kinds: np.ndarray, region_codes: np.ndarray) -> np.ndarray:
    """Unified social credit codes: prefix by kind, the region code, an organization code, a check."""
    n = len(kinds)
    prefix = np.array([[ord(c) for c in KIND_PREFIX[k]] for k in kinds], dtype=np.int64).reshape(n, 2)
    region = _digits(region_codes.astype(np.int64), 6) + ord("0")
    org = _digits(distinct_ints(rng, n, 0, 10**8), 8)  # organization code body: distinct digits
    c = 11 - (org * _ORG_CODE_WEIGHTS).sum(axis=1) % 11
    org_check = np.where(c == 11, ord("0"), np.where(c == 10, ord("X"), ord("0") + c))
    first17 = np.concatenate([prefix, region, org + ord("0"), org_check[:, None]], axis=1)
    values = np.searchsorted(_USCC, first17)  # the alphabet is in ASCII order: index = value
    check = _USCC[(31 - (values * np.array(cd._USCC_WEIGHTS)).sum(axis=1) % 31) % 31]
    return _text(np.concatenate([first17, check[:, None]], axis=1))


def id_numbers(
    rng: np.random.Generator,
    region_codes: np.ndarray,
    sequences: tuple[int, int] = (0, 1000),
    start_year: int = 1958,
    end_year: int = 2000,
) -> np.ndarray:
    """Distinct resident ID numbers: region code, birth date, sequence, GB 11643 check character.

    Numbers drawn in separate calls with disjoint ``sequences`` ranges (the 3-digit order
    code) never collide.
    """
    region = region_codes.astype(np.int64)
    lo = int(np.datetime64(f"{start_year}-01-01").astype(np.int64))
    hi = int(np.datetime64(f"{end_year}-12-31").astype(np.int64))
    span = sequences[1] - sequences[0]
    # Distinct (birth day, sequence) pairs: no two people share a number, whatever their region.
    key = distinct_ints(rng, len(region), 0, (hi - lo) * span)
    day = key // span + lo
    seq = key % span + sequences[0]
    birth = np.datetime_as_string(day.astype("datetime64[D]")).astype("U10")
    birth_int = np.char.replace(birth, "-", "").astype(np.int64)
    digits = np.concatenate([_digits(region, 6), _digits(birth_int, 8), _digits(seq, 3)], axis=1)
    total = (digits * np.array(cd._ID_WEIGHTS)).sum(axis=1) % 11
    check = np.frombuffer(cd._ID_CHECK.encode(), dtype=np.uint8)[total]
    return _text(np.concatenate([digits + ord("0"), check[:, None]], axis=1))


def mobiles(rng: np.random.Generator, n: int, prefixes: tuple[int, int] = (130, 200)) -> np.ndarray:
    """Distinct 11-digit mobile numbers whose first three digits lie in ``prefixes`` (disjoint
    ranges in separate calls never collide)."""
    return distinct_ints(rng, n, prefixes[0] * 10**8, prefixes[1] * 10**8).astype(str)


def landlines(rng: np.random.Generator, area_codes: np.ndarray) -> np.ndarray:
    """Distinct office numbers: area code, hyphen, eight digits (0791-86123456)."""
    local = distinct_ints(rng, len(area_codes), 20_000_000, 90_000_000)
    return np.char.add(np.char.add(area_codes.astype(str), "-"), local.astype(str))


def ipv4(rng: np.random.Generator, n: int, shared: bool = False) -> np.ndarray:
    """Distinct public IPv4 addresses in carrier ranges: office lines, or (``shared``) the
    addresses of public terminals and carrier NAT gateways, from other ranges (never equal)."""
    octets = _OCTETS[-5:] if shared else _OCTETS[:-5]
    rest = distinct_ints(rng, n, 0, len(octets) << 24)
    a, b, c, d = octets[rest >> 24], (rest >> 16) & 255, (rest >> 8) & 255, np.maximum(rest & 255, 1)
    out = a.astype(str)
    for part in (b, c, d):
        out = np.char.add(np.char.add(out, "."), part.astype(str))
    return out


def hex_ids(rng: np.random.Generator, n: int, nbytes: int, upper: bool = False) -> np.ndarray:
    """``n`` random hexadecimal strings of ``2 * nbytes`` characters (hashes, fingerprints)."""
    raw = binascii.hexlify(rng.bytes(n * nbytes))
    out = np.frombuffer(raw, dtype=f"S{2 * nbytes}").astype(str)
    return np.char.upper(out) if upper else out


def macs(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` MAC addresses written AA:BB:CC:DD:EE:FF (locally unique, unicast)."""
    raw = np.frombuffer(binascii.hexlify(rng.bytes(n * 6)).upper(), dtype=np.uint8).reshape(n, 12)
    out = np.full((n, 17), ord(":"), dtype=np.uint8)
    for i in range(6):
        out[:, 3 * i : 3 * i + 2] = raw[:, 2 * i : 2 * i + 2]
    out[:, 1] = np.frombuffer(b"0246", dtype=np.uint8)[rng.integers(0, 4, n)]  # unicast, global
    return _text(out)
