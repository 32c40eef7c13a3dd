"""Check digits of Chinese registry numbers.

- Unified social credit code (统一社会信用代码), GB 32100-2015: 18 characters over a 31-symbol
  alphabet (digits and capitals without I, O, Z, S, V); the last is a mod-31 check character.
- Resident identity number (公民身份号码), GB 11643-1999: 17 digits and an ISO 7064 MOD 11-2
  check character (0-9 or X).
"""

from __future__ import annotations

__all__ = ["uscc_check_char", "uscc_valid", "idcard_check_char", "idcard_valid"]

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def uscc_check_char(first17: str) -> str:
    """The check character for the first 17 characters of a USCC."""
    total = sum(USCC_ALPHABET.index(ch) * w for ch, w in zip(first17.upper(), _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_valid(code: str) -> bool:
    code = code.strip().upper()
    if len(code) != 18 or any(ch not in USCC_ALPHABET for ch in code):
        return False
    return uscc_check_char(code[:17]) == code[17]


def idcard_check_char(first17: str) -> str:
    """The check character for the first 17 digits of a resident ID number."""
    total = sum(int(ch) * w for ch, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def idcard_valid(number: str) -> bool:
    number = number.strip().upper()
    if len(number) != 18 or not number[:17].isdigit() or number[17] not in "0123456789X":
        return False
    return idcard_check_char(number[:17]) == number[17]
