"""The domain knowledge the code cites is in the repository: every citation of docs/domain.md names a section it has."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = ROOT / "docs" / "domain.md"
# Every Python file but this one, which names what it looks for.
CITING = [
    path
    for folder in ("bcf_xl", "macros", "udfs", "tests", "bench")
    for path in (ROOT / folder).rglob("*.py")
    if path.name != "test_docs.py"
]


def _sections() -> set[int]:
    return {int(n) for n in re.findall(r"^## (\d+)\. ", DOMAIN.read_text(encoding="utf-8"), flags=re.MULTILINE)}


def test_domain_notes_have_the_numbered_sections() -> None:
    """docs/domain.md holds the nine numbered sections the code cites by number."""
    assert _sections() == set(range(1, 10))


def test_every_citation_names_docs_domain_md_and_a_section_it_has() -> None:
    """Code cites the domain notes as docs/domain.md (a file in the repository), and each section number it gives
    is a heading there."""
    sections = _sections()
    bad: list[str] = []
    cited = 0
    for path in CITING:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for match in re.finditer(r"(\S*)domain\.md(?:'s)?,?(?: sections? (\d+)(?: and (\d+))?)?", line):
                cited += 1
                place = f"{path.relative_to(ROOT)}:{number}"
                if not match.group(1).endswith("docs/"):
                    bad.append(f"{place}: cites {match.group(0)!r}, not docs/domain.md")
                bad.extend(
                    f"{place}: section {n} is not in docs/domain.md"
                    for n in (match.group(2), match.group(3))
                    if n and int(n) not in sections
                )
    assert cited >= 10 and not bad, bad


def test_no_reference_to_files_outside_the_repository() -> None:
    """No module or test points a reader at notes kept outside the repository."""
    outside = re.compile(r"\.\./shared|/work/|tech-notes|style\.md")
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in CITING
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if outside.search(line)
    ]
    assert not found, found
