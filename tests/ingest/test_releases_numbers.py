"""Releases named (2.x refused by name, unknown 3.x warned) and numbers read as the XSD defines them."""

from __future__ import annotations

from pathlib import Path

import pytest

from foundation.settings import Settings
from ingest.messages import KNOWN_RELEASES, ParsedMessages, parse_message_bytes
from ingest.pipeline import check, read_inputs, valid_tables
from tests.ingest.conftest import msg301, msg305_307, product

# The shape of a legacy iWmo 2.0 message: the release repeated after "schema", a Berichtspecificatie header.
V20_301 = """<?xml version="1.0" encoding="UTF-8"?>
<wmo301:Bericht xmlns:iwmo="http://www.istandaarden.nl/iwmo/2_0/basisschema/schema/2_0"
                xmlns:wmo301="http://www.istandaarden.nl/iwmo/2_0/wmo301/schema/2_0">
  <wmo301:Header><wmo301:Berichtspecificatie><iwmo:Code>414</iwmo:Code><iwmo:Versie>2</iwmo:Versie>
    <iwmo:SubVersie>0</iwmo:SubVersie></wmo301:Berichtspecificatie><wmo301:Afzender>0384</wmo301:Afzender>
  </wmo301:Header>
  <wmo301:Clienten><wmo301:Client><wmo301:Bsn>999900006</wmo301:Bsn></wmo301:Client></wmo301:Clienten>
</wmo301:Bericht>"""


def _parse(text: str) -> ParsedMessages:
    out = ParsedMessages()
    parse_message_bytes(text.encode("utf-8"), "m.xml", out)
    return out


def test_release_2_is_refused_by_name() -> None:
    out = _parse(V20_301)
    assert not out.allocations
    assert [(i.severity, i.rule, i.reason) for i in out.issues] == [
        ("error", "release", "iJw/iWmo release 2.0 is not supported; caregraph reads 3.x")]
    assert out.issues[0].value == "http://www.istandaarden.nl/iwmo/2_0/wmo301/schema/2_0"


@pytest.mark.parametrize("release", ["2_2", "4_0", "1_0"])
def test_other_major_releases_are_refused(release: str) -> None:
    out = _parse(msg301(products=product(), release=release))
    shown = release.replace("_", ".")
    assert not out.allocations
    assert [(i.severity, i.reason) for i in out.issues] == [
        ("error", f"iJw/iWmo release {shown} is not supported; caregraph reads 3.x")]


def test_known_release_parses_without_a_word() -> None:
    assert KNOWN_RELEASES == ("3_2",)
    out = _parse(msg301(products=product()))
    assert len(out.allocations) == 1 and out.issues == []


@pytest.mark.parametrize("release", ["3_1", "3_3"])
def test_unknown_3x_release_is_parsed_with_a_warning_naming_it(release: str) -> None:
    out = _parse(msg301(products=product(), release=release))
    assert len(out.allocations) == 1
    assert [(i.severity, i.rule) for i in out.issues] == [("warning", "release")]
    assert f"release {release.replace('_', '.')} " in out.issues[0].reason
    assert "3.2" in out.issues[0].reason


def test_unknown_3x_release_with_another_structure_is_still_refused() -> None:
    text = msg301(products=product(), release="3_9").replace("ToegewezenProducten>", "Toewijzingen>")
    out = _parse(text)
    assert not out.allocations
    assert [i.rule for i in out.issues] == ["release", "message"]
    assert out.issues[1].severity == "error"


def test_toewijzingnummer_with_leading_zeros_is_the_same_allocation(tmp_path: Path, settings: Settings) -> None:
    f = tmp_path / "m"
    f.mkdir()
    # The older version writes the number with leading zeros (valid: LDT_Nummer is an xs:integer).
    (f / "1.xml").write_text(msg301(products=product(number="0000300201", end="2025-08-31")), encoding="utf-8")
    (f / "2.xml").write_text(msg301(products=product(number="300201", on="2025-05-01", end="2025-12-31"),
                                    ident="M2", day="2025-05-01"), encoding="utf-8")
    (f / "305.xml").write_text(msg305_307("start", number="000300201", begin="2025-03-10"), encoding="utf-8")
    res = check(read_inputs([f], settings=settings))
    assert res.report.ok, res.report.to_text()
    ivs = valid_tables(res)["interventions"].to_pylist()
    assert [(r["intervention_id"], str(r["start_date"]), str(r["end_date"])) for r in ivs] == [
        ("jw-0599-300201", "2025-03-10", "2025-12-31")]


@pytest.mark.parametrize("number", ["1000000000", "-1", "12a", "1e3", "3 4"])
def test_toewijzingnummer_outside_the_xsd_is_refused(number: str) -> None:
    out = _parse(msg301(products=product(number=number)))
    assert not out.allocations
    assert [(i.rule, i.field, i.path) for i in out.issues] == [
        ("message", "ToewijzingNummer", "/Bericht/Client/ToegewezenProducten/ToegewezenProduct[1]/ToewijzingNummer")]
    assert "0 to 999999999" in out.issues[0].reason


@pytest.mark.parametrize(("number", "value"), [("+7", "7"), ("0", "0"), ("999999999", "999999999"),
                                               ("0000000000000001", "1")])
def test_toewijzingnummer_lexical_forms_of_the_xsd(number: str, value: str) -> None:
    out = _parse(msg301(products=product(number=number)))
    assert [a.number for a in out.allocations] == [value] and out.issues == []


def test_huisnummer_is_compared_as_a_number(tmp_path: Path, settings: Settings) -> None:
    f = tmp_path / "h"
    f.mkdir()
    (f / "1.xml").write_text(msg301(products=product(number="1"), huisnummer="007"), encoding="utf-8")
    (f / "2.xml").write_text(msg301(products=product(number="2"), huisnummer="7", bsn="999996770", ident="M2",
                                    birth="1980-01-01"), encoding="utf-8")
    t = valid_tables(check(read_inputs([f], settings=settings)))
    assert len(set(t["members"].column("household_id").to_pylist())) == 1
