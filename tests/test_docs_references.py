"""Every documentation reference in the code resolves inside the repository.

Docstrings and comments cite their definitions as ``docs/<file>.md`` or ``docs/<file>.md#<section>``; the file must
exist and the section must be one of its headings (as GitHub derives anchors from headings). References to documents
the repository does not ship (the project's private ``shared/reference`` notes) are refused outright.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = (
    "foundation", "graph", "ingest", "analytics", "synthetic", "caregraph", "api", "dashboard", "bench", "tests",
)
REFERENCE = re.compile(r"\bdocs/([\w.-]+\.md)(#[\w-]+)?")


def anchor(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading: lower case, punctuation dropped, spaces as hyphens.

    >>> anchor("iJw/iWmo messages (JW301/WMO301)")
    'ijwiwmo-messages-jw301wmo301'
    >>> anchor("Life domains and the ZRM")
    'life-domains-and-the-zrm'
    """
    kept = "".join(ch for ch in heading.strip().lower() if ch.isalnum() or ch in " -_")
    return kept.replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    """The anchors of every heading of ``markdown`` outside fenced code blocks."""
    found: set[str] = set()
    fenced = False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (m := re.match(r"#{1,6}\s+(.*)", line)):
            found.add(anchor(m.group(1)))
    return found


def sources() -> list[Path]:
    """Every .py and .yaml file of the packages (tests and benchmarks included)."""
    files: list[Path] = []
    for package in PACKAGES:
        for pattern in ("*.py", "*.yaml"):
            files += [p for p in (ROOT / package).rglob(pattern) if "node_modules" not in p.parts]
    return sorted(files)


def references() -> list[tuple[str, int, str, str]]:
    """(file, line, document, section or "") of every ``docs/…md`` reference in the sources."""
    found = []
    for path in sources():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for m in REFERENCE.finditer(line):
                found.append((str(path.relative_to(ROOT)), number, m.group(1), (m.group(2) or "")[1:]))
    return found


def test_the_scan_finds_the_references_it_checks() -> None:
    docs = {doc for _, _, doc, _ in references()}
    assert {"domain.md", "istandaarden.md", "graph-stores.md"} <= docs
    assert any(section for *_, section in references())


@pytest.mark.parametrize(("where", "line", "doc", "section"), references(), ids=lambda v: str(v))
def test_reference_resolves(where: str, line: int, doc: str, section: str) -> None:
    path = ROOT / "docs" / doc
    assert path.is_file(), f"{where}:{line} cites docs/{doc}, which does not exist"
    if section:
        assert section in anchors(path.read_text(encoding="utf-8")), (
            f"{where}:{line} cites docs/{doc}#{section}, which is not a heading of that file"
        )


def test_no_reference_to_documents_outside_the_repository() -> None:
    outside = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sources()
        if path.name != Path(__file__).name
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if "shared/reference" in line or re.search(r"\.md`*\s*§", line)
    ]
    assert outside == []


def test_a_missing_section_is_caught() -> None:
    text = "# Title\n\n## The eight flags\n\n```\n# not a heading\n```\n"
    assert anchors(text) == {"title", "the-eight-flags"}
    assert "not-a-heading" not in anchors(text)
