"""Research exports are reproducible byte for byte, and all-or-nothing at the folder level.

Reproducible: the same tables, as-of date, key and parameters give identical bytes in every file (metadata.json
and statistics.xlsx included), in one process and in two fresh processes with different ``PYTHONHASHSEED``.
All-or-nothing: a failure while writing (a full disk) leaves no folder (or the earlier export untouched) and no
temporary folder.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from analytics.export import EXPORT_FORMATS, export_research
from graph.tables import CareTables

KEY = b"reproducible-key-0123"
N_HOUSEHOLDS = 400
SEED = 3
ROOT = Path(__file__).resolve().parents[2]

_SCRIPT = """
import sys
from pathlib import Path
from analytics.export import export_research
from synthetic.municipality import generate_municipality
m = generate_municipality(int(sys.argv[2]), int(sys.argv[3]))
export_research(m.tables, m.as_of, Path(sys.argv[1]), key=sys.argv[4].encode(), k=2)
"""


@pytest.fixture(scope="module")
def municipality() -> tuple[CareTables, date]:
    from synthetic.municipality import generate_municipality

    m = generate_municipality(N_HOUSEHOLDS, SEED)
    return m.tables, m.as_of


def _contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _assert_same_bytes(a: Path, b: Path) -> None:
    ca, cb = _contents(a), _contents(b)
    assert sorted(ca) == sorted(cb)
    differing = [name for name in ca if ca[name] != cb[name]]
    assert differing == [], f"files differ between two exports: {differing}"


def test_two_exports_in_one_process_are_identical(municipality: tuple[CareTables, date], tmp_path: Path) -> None:
    tables, as_of = municipality
    first = export_research(tables, as_of, tmp_path / "a", key=KEY, k=2)
    for i in range(2):
        export_research(tables, as_of, tmp_path / f"b{i}", key=KEY, k=2)
        _assert_same_bytes(first.out, tmp_path / f"b{i}")
    assert {"metadata.json", "statistics.xlsx", "graph_professionals.gexf"} <= set(os.listdir(first.out))
    assert set(first.metadata["sha256"]) == set(first.files)
    # the projection carries float weights: the file that differed in one digit before
    assert pq.read_table(first.out / "edges_professional_projection.parquet").num_rows > 0


def test_projection_weights_do_not_depend_on_thread_order() -> None:
    """The Newman weight of a pair sharing 6,000 households: a parallel float ``sum`` gave about six different
    last digits in six runs (the bug behind a one-digit difference between two exports); now every run gives the
    same value, within rounding of the exact sum."""
    from fractions import Fraction

    import pyarrow.compute as pc

    from analytics.projection import projection_edges
    from analytics.tables_builder import build_tables

    n = 6000
    rows, exact = [], Fraction(0)
    for h in range(n):
        size = 2 + h % 7
        exact += Fraction(1, size - 1)
        for p in ["P1", "P2", *(f"X{h}_{j}" for j in range(size - 2))]:
            rows.append(dict(household_id=f"H{h}", professional_id=p, agency_id="A1", domain_code="FIN",
                             start_date="2024-01-01"))
    tables = build_tables(interventions=rows)
    values = set()
    for _ in range(6):
        e = projection_edges(tables, date(2024, 6, 30), min_shared=2)
        pair = e.filter(pc.and_(pc.equal(e["source"], "P1"), pc.equal(e["target"], "P2")))
        assert pair.column("shared").to_pylist() == [n]
        values.add(pair.column("newman")[0].as_py())
    assert len(values) == 1, values
    assert abs(values.pop() - float(exact)) < 1e-9


def test_exports_in_fresh_processes_with_different_hash_seeds_are_identical(
        municipality: tuple[CareTables, date], tmp_path: Path) -> None:
    tables, as_of = municipality
    export_research(tables, as_of, tmp_path / "here", key=KEY, k=2)
    for hash_seed in ("1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(ROOT)}
        out = tmp_path / f"seed{hash_seed}"
        subprocess.run([sys.executable, "-c", _SCRIPT, str(out), str(N_HOUSEHOLDS), str(SEED), KEY.decode()],
                       env=env, cwd=ROOT, check=True, capture_output=True, timeout=300)
        _assert_same_bytes(tmp_path / "here", out)


def test_different_parameters_give_different_metadata(municipality: tuple[CareTables, date],
                                                      tmp_path: Path) -> None:
    tables, as_of = municipality
    a = export_research(tables, as_of, tmp_path / "a", key=KEY, formats=["csv"])
    b = export_research(tables, as_of, tmp_path / "b", key=KEY, formats=["csv"], k=6)
    assert (a.out / "metadata.json").read_bytes() != (b.out / "metadata.json").read_bytes()


def _failing_parquet_writer(after: int) -> Callable[..., None]:
    real: Callable[..., Any] = pq.write_table
    calls = {"n": 0}

    def write_table(table: Any, where: Any, **kw: Any) -> None:
        calls["n"] += 1
        if calls["n"] > after:
            real(table, where, **kw)
            with open(where, "r+b") as f:
                f.truncate(Path(where).stat().st_size // 2)
            raise OSError(errno.ENOSPC, "No space left on device")
        real(table, where, **kw)

    return write_table


def test_failed_export_leaves_no_folder(municipality: tuple[CareTables, date], tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    tables, as_of = municipality
    monkeypatch.setattr(pq, "write_table", _failing_parquet_writer(after=2))
    with pytest.raises(OSError) as info:
        export_research(tables, as_of, tmp_path / "export", key=KEY)
    assert info.value.errno == errno.ENOSPC
    del info
    assert os.listdir(tmp_path) == []  # neither the export nor its temporary folder


def test_failed_export_keeps_the_earlier_export(municipality: tuple[CareTables, date], tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    tables, as_of = municipality
    out = tmp_path / "export"
    export_research(tables, as_of, out, key=KEY, formats=["csv", "parquet"])
    before = _contents(out)
    monkeypatch.setattr(pq, "write_table", _failing_parquet_writer(after=5))
    with pytest.raises(OSError):
        export_research(tables, as_of, out, key=KEY, k=7)
    assert _contents(out) == before
    assert os.listdir(tmp_path) == ["export"]


def test_successful_export_replaces_the_earlier_one(municipality: tuple[CareTables, date], tmp_path: Path) -> None:
    tables, as_of = municipality
    out = tmp_path / "export"
    export_research(tables, as_of, out, key=KEY, formats=list(EXPORT_FORMATS))
    export_research(tables, as_of, out, key=KEY, formats=["json"])
    assert sorted(os.listdir(out)) == ["flags.json", "metadata.json"]
    assert os.listdir(tmp_path) == ["export"]


def test_refuses_a_folder_with_other_files(municipality: tuple[CareTables, date], tmp_path: Path) -> None:
    tables, as_of = municipality
    (tmp_path / "thesis.docx").write_text("not an export")
    with pytest.raises(FileExistsError):
        export_research(tables, as_of, tmp_path, key=KEY, formats=["csv"])
    assert os.listdir(tmp_path) == ["thesis.docx"]
    empty = tmp_path / "empty"
    empty.mkdir()
    export_research(tables, as_of, empty, key=KEY, formats=["csv"])
    assert (empty / "metadata.json").exists()
