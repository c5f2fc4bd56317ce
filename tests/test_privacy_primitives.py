"""The keyed-pseudonym primitive and BSN masking of foundation.privacy.

The pseudonyms are pinned to fixed vectors: stored members, message-derived ids and research exports made earlier
hold these exact strings, so any change in prefix, length, encoding or HMAC input would orphan them.
"""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from analytics.export import Pseudonymiser, pseudonym
from foundation.privacy import (
    keyed_pseudonym,
    keyed_pseudonym_column,
    mask_bsns,
    pseudonymise_bsn,
    pseudonymise_column,
)
from ingest.message_tables import keyed_id, member_id_for
from ingest.report import mask_value

KEY = b"test-key-0123456789abcdef"


def test_bsn_pseudonyms_are_pinned() -> None:
    want = "ps_63cafbb11395bab14abe32331f7f8a44"
    assert pseudonymise_bsn("999900006", KEY) == want
    assert pseudonymise_column(pa.array(["999900006", None]), KEY).to_pylist() == [want, None]


def test_message_ids_are_pinned() -> None:
    assert member_id_for("999900006", KEY) == "mem_ad905311190f0369c98657d5"
    assert keyed_id("hh_", KEY, "addr|0363|1234AB 5") == "hh_a72e528694c4b686db7ac8dd"


def test_export_pseudonyms_are_pinned() -> None:
    assert pseudonym("household", "H1", KEY) == "hh_48c4126ac7a3c5f9"
    assert pseudonym("member", "Zoë", KEY) == "mem_58b9205a52f5cf3c"  # non-ASCII ids are hashed as UTF-8
    col = Pseudonymiser(KEY).column("household", pa.chunked_array([["H1", None, "H1"]]))
    assert col.to_pylist() == ["hh_48c4126ac7a3c5f9", None, "hh_48c4126ac7a3c5f9"]


@given(st.lists(st.one_of(st.none(), st.text(max_size=12)), max_size=20), st.text(max_size=10),
       st.integers(1, 64))
def test_column_form_equals_value_form(values: list[str | None], context: str, digits: int) -> None:
    got = keyed_pseudonym_column(pa.array(values, pa.string()), KEY, prefix="x_", digits=digits, context=context)
    want = [None if v is None else keyed_pseudonym(KEY, v, prefix="x_", digits=digits, context=context)
            for v in values]
    assert got.to_pylist() == want


def test_context_separates_kinds() -> None:
    a = keyed_pseudonym(KEY, "1", prefix="", digits=64, context="household:")
    assert a != keyed_pseudonym(KEY, "1", prefix="", digits=64, context="member:")
    assert a == keyed_pseudonym(KEY, "household:1", prefix="", digits=64)


# ------------------------------------------------------------------------------------------------ BSN masking
def test_a_valid_bsn_is_masked() -> None:
    assert mask_bsns("999900006") == "9999*****"
    assert mask_bsns("123456782") == "1234*****"


def test_a_nine_digit_id_failing_the_11_proef_is_kept() -> None:
    assert mask_bsns("123456781") == "123456781"
    assert mask_bsns("member 999900007") == "member 999900007"


def test_a_ten_digit_number_is_kept() -> None:
    assert mask_bsns("1234567820") == "1234567820"  # its first nine digits pass the 11-proef: not a BSN all the same
    assert mask_bsns("0999900006") == "0999900006"


def test_a_bsn_inside_text_is_masked() -> None:
    assert mask_bsns("client 999900006, partner 123456782; id 123456781") == \
        "client 9999*****, partner 1234*****; id 123456781"
    assert mask_bsns("bsn=999900006x") == "bsn=9999*****x"


def test_a_bsn_field_is_masked_whatever_it_holds() -> None:
    assert mask_bsns("999900007", bsn_field=True) == "9999*****"  # a mistyped BSN is almost a person's number
    assert mask_bsns("99990000", bsn_field=True) == "9999****"


def test_report_values_use_the_one_masking() -> None:
    assert mask_value("member 123456781 with 999900006") == "member 123456781 with 9999*****"
    assert mask_value("999900007", field="bsn") == "9999*****"
    assert mask_value("999900007", field="Bsn") == "9999*****"
    assert mask_value("999900007", field="member_id") == "999900007"
