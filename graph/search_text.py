"""What an investigator types into search, as both stores compare it: normalised once, and the
forms a stored key may take. Input is only ever compared as text, never interpreted.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["normalize_query", "key_variants", "looks_like_registry_number"]

_SEP = re.compile(r"[\s\-.:]")
_REGISTRY_NUMBER = re.compile(r"[0-9A-Za-z]{15,18}")  # what a USCC or a resident ID number looks like


def normalize_query(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip()


def looks_like_registry_number(q: str) -> bool:
    return bool(_REGISTRY_NUMBER.fullmatch(q))


def key_variants(q: str) -> list[str]:
    """Forms a key may take in a store, sorted: as typed, upper- and lower-case, phone digits
    (without +86), a MAC address with colons."""
    out = {q, q.upper(), q.lower()}
    digits = re.sub(r"\D", "", q)
    if len(digits) >= 7:
        out.add(digits[2:] if digits.startswith("86") and len(digits) == 13 else digits)
    hexes = _SEP.sub("", q).upper()
    if len(hexes) == 12 and all(c in "0123456789ABCDEF" for c in hexes):
        out.add(":".join(hexes[i : i + 2] for i in range(0, 12, 2)))
    return sorted(out)
