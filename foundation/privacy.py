"""BSN handling: the 11-proef and keyed pseudonyms.

BSNs are never stored: at the door they are replaced by ``HMAC-SHA256(key, bsn)``, so the same person gets the same
pseudonym in every load, and nobody without the deployment key can recompute it from a BSN.
"""

from __future__ import annotations

import hashlib
import hmac

import pyarrow as pa

__all__ = [
    "SYNTHETIC_BSN_PREFIX",
    "bsn_check_digit",
    "bsn_is_valid",
    "pseudonymise_bsn",
    "pseudonymise_column",
]

SYNTHETIC_BSN_PREFIX = "9999"
_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


def bsn_is_valid(bsn: str) -> bool:
    """True when ``bsn`` is 9 digits that pass the 11-proef (CS002).

    ``(9·d1 + 8·d2 + 7·d3 + 6·d4 + 5·d5 + 4·d6 + 3·d7 + 2·d8 − 1·d9) mod 11 == 0``, and not all zeros.

    >>> bsn_is_valid("999900006"), bsn_is_valid("123456782"), bsn_is_valid("123456781")
    (True, True, False)
    """
    if len(bsn) != 9 or not bsn.isascii() or not bsn.isdigit() or bsn == "000000000":
        return False
    return sum(int(c) * w for c, w in zip(bsn, _WEIGHTS, strict=True)) % 11 == 0


def bsn_check_digit(first8: str) -> int | None:
    """The ninth digit that makes ``first8`` a valid BSN, or ``None`` when no digit does (remainder 10).

    >>> bsn_check_digit("99990000")
    6
    """
    r = sum(int(c) * w for c, w in zip(first8, _WEIGHTS[:8], strict=True)) % 11
    return None if r == 10 else r


def pseudonymise_bsn(bsn: str, key: bytes) -> str:
    """The keyed pseudonym of a BSN: ``"ps_"`` + the first 32 hex digits of HMAC-SHA256(key, bsn).

    >>> pseudonymise_bsn("999900006", b"k" * 16) == pseudonymise_bsn("999900006", b"k" * 16)
    True
    """
    return "ps_" + hmac.new(key, bsn.encode("ascii"), hashlib.sha256).hexdigest()[:32]


def pseudonymise_column(values: pa.Array | pa.ChunkedArray, key: bytes) -> pa.Array:
    """Pseudonymise a string column of BSNs (nulls stay null)."""
    out = [None if v is None else pseudonymise_bsn(v, key) for v in values.to_pylist()]
    return pa.array(out, pa.string())
