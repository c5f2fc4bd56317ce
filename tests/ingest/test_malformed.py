"""Hypothesis: malformed inputs (truncated files, wrong encodings and BOMs, stray delimiters, huge fields, malformed
XML) always give a report, never a traceback."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from foundation.settings import Settings
from ingest.pipeline import check, read_inputs
from tests.ingest.conftest import msg301, product

GOOD_CSV = ("intervention_id,household_id,member_id,professional_id,agency_id,domain_code,kind,action,start_date,"
            "end_date,contact_count,source\ni1,h1,,p1,a1,FIN,support,,2024-01-05,,3,csv\n")
GOOD_XML = msg301(products=product())
S = Settings(demo=True)

mutation = st.one_of(
    st.tuples(st.just("truncate"), st.floats(0, 1)),
    st.tuples(st.just("encode"), st.sampled_from(["utf-16", "utf-16-be", "cp1252", "latin-1", "utf-32"])),
    st.tuples(st.just("bom"), st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff"])),
    st.tuples(st.just("insert"), st.tuples(st.floats(0, 1), st.sampled_from([",", ";", '"', "\n", "\t", "<", "&",
                                                                              "\x00", "]]>", "\r"]))),
    st.tuples(st.just("huge"), st.integers(1, 3)),
    st.tuples(st.just("bytes"), st.binary(max_size=64)),
)


def _mutate(data: bytes, m: tuple[str, object]) -> bytes:
    kind, arg = m
    if kind == "truncate":
        return data[: int(len(data) * float(arg))]  # type: ignore[arg-type]
    if kind == "encode":
        return data.decode("utf-8", errors="replace").encode(str(arg), errors="replace")
    if kind == "bom":
        return bytes(arg) + data  # type: ignore[arg-type]
    if kind == "insert":
        pos, s = arg  # type: ignore[misc]
        i = int(len(data) * pos)
        return data[:i] + s.encode() + data[i:]
    if kind == "huge":
        i = data.find(b"FIN")
        return data[:i] + b"X" * (int(arg) * 3_000_000) + data[i:]  # type: ignore[call-overload]
    return data + bytes(arg)  # type: ignore[arg-type]


# pyarrow reports a non-UTF-8 bad row to its row handler through an "unraisable" decode error (its own text
# conversion); the row is still reported and skipped.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(mutation, min_size=1, max_size=3), st.sampled_from(["interventions.csv", "msg.xml"]))
def test_malformed_inputs_give_a_report(mutations: list[tuple[str, object]], name: str) -> None:
    data = (GOOD_CSV if name.endswith(".csv") else GOOD_XML).encode("utf-8")
    for m in mutations:
        data = _mutate(data, m)
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / name
        p.write_bytes(data)
        report = check(read_inputs([p], settings=S)).report
    assert report.files == [str(p)]
    assert not [i for i in report.issues if i.rule == "internal"], report.to_text()
    text = report.to_text()
    assert text.startswith("Validation")
    report.to_json()
