"""BSN 11-proef, pseudonyms and the settings' secret handling."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from foundation.privacy import bsn_check_digit, bsn_is_valid, pseudonymise_bsn
from foundation.settings import DEMO_PSEUDONYM_KEY, MissingSecretError, Settings
from graph.tables import CareTables
from ingest.pseudonyms import pseudonymise_tables


@pytest.mark.parametrize("bsn", ["999900006", "999996770", "123456782", "111222333", "319072356"])
def test_known_valid_bsns(bsn: str) -> None:
    assert bsn_is_valid(bsn)


@pytest.mark.parametrize("bsn", ["000000000", "123456781", "12345678", "1234567890", "12345678a", "１２３４５６７８２"])
def test_invalid_bsns(bsn: str) -> None:
    assert not bsn_is_valid(bsn)


@given(st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_check_digit_makes_valid_bsn(first8: str) -> None:
    d = bsn_check_digit(first8)
    if d is None:
        assert not any(bsn_is_valid(first8 + str(x)) for x in range(10))
    else:
        assert bsn_is_valid(first8 + str(d)) or first8 + str(d) == "000000000"


def test_pseudonym_is_keyed_and_stable() -> None:
    a = pseudonymise_bsn("999900006", b"k" * 16)
    assert a == pseudonymise_bsn("999900006", b"k" * 16)
    assert a != pseudonymise_bsn("999900006", b"j" * 16)
    assert a != pseudonymise_bsn("999996770", b"k" * 16)
    assert "999900006" not in a and a.startswith("ps_")


def test_pseudonymise_tables_removes_clear_bsn() -> None:
    members = pa.table({"member_id": ["M1", "M2"], "household_id": ["H1", "H1"], "bsn": ["999900006", None],
                        "birth_year": [1980, 2010], "role": ["parent", "child"]})
    t = pseudonymise_tables(CareTables({"members": members}), b"k" * 16)
    out = t["members"]
    assert "bsn" not in out.column_names
    values = out.column("bsn_pseudonym").to_pylist()
    assert values[0] == pseudonymise_bsn("999900006", b"k" * 16) and values[1] is None
    assert t.pseudonymised


def test_settings_refuse_missing_key_outside_demo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CAREGRAPH_PSEUDONYM_KEY", raising=False)
    with pytest.raises(MissingSecretError, match="CAREGRAPH_PSEUDONYM_KEY"):
        Settings(_env_file=None, demo=False).pseudonym_secret()
    assert Settings(_env_file=None, demo=True).pseudonym_secret() == DEMO_PSEUDONYM_KEY.encode()
    with pytest.raises(MissingSecretError, match="demo"):
        Settings(_env_file=None, demo=False, pseudonym_key=DEMO_PSEUDONYM_KEY).pseudonym_secret()
    with pytest.raises(MissingSecretError, match="16"):
        Settings(_env_file=None, pseudonym_key="short").pseudonym_secret()


def test_settings_from_env_and_secret_not_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAREGRAPH_PSEUDONYM_KEY", "a-very-secret-deployment-key")
    monkeypatch.setenv("CAREGRAPH_STORE", "neo4j")
    monkeypatch.setenv("CAREGRAPH_NEO4J_PASSWORD", "hunter2-hunter2")
    s = Settings(_env_file=None)
    assert s.store == "neo4j"
    assert s.pseudonym_secret() == b"a-very-secret-deployment-key"
    text = repr(s) + str(s) + s.model_dump_json()
    assert "a-very-secret-deployment-key" not in text and "hunter2" not in text
