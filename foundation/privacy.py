"""BSN handling and keyed pseudonyms: the 11-proef, BSN masking, and the one keyed-pseudonym primitive.

BSNs are never stored: at the door they are replaced by ``HMAC-SHA256(key, bsn)``, so the same person gets the same
pseudonym in every load, and nobody without the deployment key can recompute it from a BSN. Every keyed pseudonym in
caregraph (BSN pseudonyms, message-derived member and household ids, research-export ids) is
:func:`keyed_pseudonym`: ``prefix`` + the first ``digits`` hex digits of ``HMAC-SHA256(key, context + value)``;
:func:`keyed_pseudonym_column` is its fast form for a whole column.

Reports and quarantine files show input values, so BSNs in them are masked (:func:`mask_bsns`): a value is a BSN when
it is nine digits that pass the 11-proef; any other number (a member id, a phone number, a date) stays readable.
"""

from __future__ import annotations

import hashlib
import hmac
import re

import pyarrow as pa

__all__ = [
    "SYNTHETIC_BSN_PREFIX",
    "bsn_check_digit",
    "bsn_is_valid",
    "keyed_pseudonym",
    "keyed_pseudonym_column",
    "mask_bsns",
    "pseudonymise_bsn",
    "pseudonymise_column",
]

SYNTHETIC_BSN_PREFIX = "9999"
_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)
_NINE_DIGITS = re.compile(r"(?<![0-9])[0-9]{9}(?![0-9])")
_BSN_PSEUDONYM = ("ps_", 32)
"""Prefix and hex digits of a BSN pseudonym (stored in the graph: changing either orphans every stored member)."""


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


def keyed_pseudonym(key: bytes, value: str, *, prefix: str, digits: int, context: str = "") -> str:
    """The keyed pseudonym of ``value``: ``prefix`` + the first ``digits`` hex digits of
    HMAC-SHA256(``key``, UTF-8 of ``context + value``).

    ``context`` separates kinds of values (the same id as a household and as a member gets unrelated pseudonyms);
    ``digits`` at most 64.

    >>> keyed_pseudonym(b"k" * 16, "H1", prefix="hh_", digits=16, context="household:")[:3]
    'hh_'
    >>> len(keyed_pseudonym(b"k" * 16, "H1", prefix="hh_", digits=16, context="household:"))
    19
    """
    return prefix + hmac.new(key, (context + value).encode("utf-8"), hashlib.sha256).hexdigest()[:digits]


def keyed_pseudonym_column(values: pa.Array | pa.ChunkedArray, key: bytes, *, prefix: str, digits: int,
                           context: str = "") -> pa.Array:
    """:func:`keyed_pseudonym` of every value of a string column (nulls stay null), fast: the HMAC state keyed and
    fed ``context`` once, then copied per value.

    >>> a = pa.array(["H1", None])
    >>> got = keyed_pseudonym_column(a, b"k" * 16, prefix="hh_", digits=16, context="household:").to_pylist()
    >>> got == [keyed_pseudonym(b"k" * 16, "H1", prefix="hh_", digits=16, context="household:"), None]
    True
    """
    base = hmac.new(key, context.encode("utf-8"), hashlib.sha256)
    out: list[str | None] = []
    append = out.append
    for v in values.to_pylist():
        if v is None:
            append(None)
            continue
        h = base.copy()
        h.update(v.encode("utf-8"))
        append(prefix + h.hexdigest()[:digits])
    return pa.array(out, pa.string())


def pseudonymise_bsn(bsn: str, key: bytes) -> str:
    """The keyed pseudonym of a BSN: ``"ps_"`` + the first 32 hex digits of HMAC-SHA256(key, bsn).

    >>> pseudonymise_bsn("999900006", b"k" * 16) == pseudonymise_bsn("999900006", b"k" * 16)
    True
    """
    prefix, digits = _BSN_PSEUDONYM
    return keyed_pseudonym(key, bsn, prefix=prefix, digits=digits)


def pseudonymise_column(values: pa.Array | pa.ChunkedArray, key: bytes) -> pa.Array:
    """Pseudonymise a string column of BSNs (nulls stay null): :func:`pseudonymise_bsn` of every value."""
    prefix, digits = _BSN_PSEUDONYM
    return keyed_pseudonym_column(values, key, prefix=prefix, digits=digits)


def mask_bsns(text: str, *, bsn_field: bool = False) -> str:
    """``text`` with every BSN in it masked: its first four digits kept, the other five shown as ``*``.

    A BSN is a run of exactly nine digits (no digit right before or after it) that passes the 11-proef
    (:func:`bsn_is_valid`); a 9-digit id that fails it, and longer or shorter numbers, stay readable, so member ids
    and other numbers in reports can still be looked up. With ``bsn_field`` the text is the value of a BSN field,
    which is masked whatever it holds (a mistyped BSN is still almost a person's number): everything after its first
    four characters is shown as ``*``.

    >>> mask_bsns("999900006"), mask_bsns("bsn 123456782 in text"), mask_bsns("member 123456789")
    ('9999*****', 'bsn 1234***** in text', 'member 123456789')
    >>> mask_bsns("1234567820"), mask_bsns("999900007", bsn_field=True), mask_bsns("12x", bsn_field=True)
    ('1234567820', '9999*****', '12x')
    """
    if bsn_field:
        return text[:4] + "*" * max(len(text) - 4, 0)
    return _NINE_DIGITS.sub(lambda m: m.group(0)[:4] + "*****" if bsn_is_valid(m.group(0)) else m.group(0), text)
