"""The project's documents point only at what the project carries (issue 9).

README.md and CONTRIBUTING.md once sent readers to ``ARCHITECTURE.md`` and ``STYLE.md``,
which lived in a folder users never have. Here every relative link of the documents
(Markdown ``[text](target)``, ``[label]: target``, HTML ``href``/``src``) must name a file
or folder of the repository, no document may mention a path under ``../shared``, and a
Markdown file named in code (```` `docs/style.md` ````) must exist too. Links inside code
blocks and code spans are examples, not links, and are not followed."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted(
    [
        ROOT / "README.md",
        ROOT / "CONTRIBUTING.md",
        ROOT / "THREAT_MODEL.md",
        *ROOT.glob("docs/*.md"),
    ]
)
DOC_IDS = [str(doc.relative_to(ROOT)) for doc in DOCS]

_FENCE = re.compile(r"^ {0,3}(```|~~~).*?^ {0,3}\1[^\n]*$", re.M | re.S)
_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.S)
_INLINE = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+[\"'(][^)]*)?\)")
_REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s.*)?$", re.M)
_HTML = re.compile(r"""\b(?:href|src)\s*=\s*["']([^"']+)["']""", re.I)
_MD_NAME = re.compile(r"^[\w./-]+\.md$")
_SHARED = re.compile(r"\.\./shared\b|/work/shared\b")


def _prose(text: str) -> str:
    """``text`` without its fenced code blocks and code spans."""
    return _CODE_SPAN.sub(" ", _FENCE.sub(" ", text))


def links(text: str) -> list[str]:
    """Every link target in Markdown ``text``, outside code."""
    prose = _prose(text)
    return _INLINE.findall(prose) + _REFERENCE.findall(prose) + _HTML.findall(prose)


def named_md_files(text: str) -> list[str]:
    """Markdown file names written as code spans outside code blocks (``README.md``)."""
    spans = (m.group(2).strip() for m in _CODE_SPAN.finditer(_FENCE.sub(" ", text)))
    return [span for span in spans if _MD_NAME.match(span)]


def _is_relative(target: str) -> bool:
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and bool(parts.path)


def _resolve(doc: Path, target: str) -> Path:
    path = unquote(urlsplit(target).path)
    base = ROOT if path.startswith("/") else doc.parent
    return (base / path.lstrip("/")).resolve()


def test_the_extraction_finds_links_and_skips_code() -> None:
    text = (
        "See [the design](docs/architecture.md#layers), ![a figure](img/a.png 'title'),\n"
        'and <a href="other.md">this</a>; not `[code](nowhere.md)` nor [web](https://x.org).\n'
        "[ref]: ../THREAT_MODEL.md\n"
        "```\n[in a block](block.md) `shared.md`\n```\n"
        "Named: `docs/style.md`, `not a file.md`, `pyproject.toml`.\n"
    )
    assert links(text) == [
        "docs/architecture.md#layers",
        "img/a.png",
        "https://x.org",
        "../THREAT_MODEL.md",
        "other.md",
    ]
    assert named_md_files(text) == ["docs/style.md"]


def test_the_documents_are_found() -> None:
    assert {"README.md", "docs/architecture.md", "docs/style.md"} <= set(DOC_IDS)


@pytest.mark.parametrize("doc", DOCS, ids=DOC_IDS)
def test_relative_links_name_files_of_the_repository(doc: Path) -> None:
    broken = []
    for target in links(doc.read_text(encoding="utf-8")):
        if not _is_relative(target):
            continue
        found = _resolve(doc, target)
        if not found.is_relative_to(ROOT) or not found.exists():
            broken.append(target)
    assert broken == [], f"{doc.relative_to(ROOT)} links to what the repository does not hold"


@pytest.mark.parametrize("doc", DOCS, ids=DOC_IDS)
def test_no_document_points_into_the_shared_folder(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    assert [m.group(0) for m in _SHARED.finditer(text)] == []


@pytest.mark.parametrize("doc", DOCS, ids=DOC_IDS)
def test_markdown_files_named_in_code_exist(doc: Path) -> None:
    """A file named as ```` `X.md` ```` is found beside the document or from the root."""
    missing = [
        name
        for name in named_md_files(doc.read_text(encoding="utf-8"))
        if not (doc.parent / name).exists() and not (ROOT / name).exists()
    ]
    assert missing == [], f"{doc.relative_to(ROOT)} names files the repository does not hold"


def test_readme_and_contributing_point_at_the_design_documents() -> None:
    readme = links((ROOT / "README.md").read_text(encoding="utf-8"))
    contributing = links((ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8"))
    assert "docs/architecture.md" in readme
    assert {"docs/architecture.md", "docs/style.md"} <= set(contributing)
