"""Print packs of interview guides, co-researcher guidance and the codebook (HTML and Word)."""

from __future__ import annotations

from pathlib import Path

import html5lib
import pytest
from docx import Document
from typer.testing import CliRunner

from leadership_eval.cli import app
from leadership_eval.instruments.loader import load_instrument
from leadership_eval.instruments.models import InterviewGuide
from leadership_eval.interop.printpack import print_pack_blocks, to_print_pack

GUIDES = ["interview-trainee", "interview-supervisor", "interview-manager", "interview-mentor"]
NS = {"h": "http://www.w3.org/1999/xhtml"}


def _pages(page: str) -> list[str]:
    """The text on each A4 page, as WeasyPrint lays the page out (DejaVu Sans everywhere)."""
    from weasyprint import CSS, HTML

    font = CSS(string='body { font-family: "DejaVu Sans" !important; }')
    doc = HTML(string=page).render(stylesheets=[font])
    out = []
    for p in doc.pages:
        boxes = p._page_box.descendants()
        out.append(" ".join(b.text for b in boxes if isinstance(getattr(b, "text", None), str)))
    return out


@pytest.mark.parametrize("guide_id", GUIDES)
def test_topic_grid_is_one_page_then_the_full_script(guide_id: str) -> None:
    guide = load_instrument(guide_id)
    assert isinstance(guide, InterviewGuide)
    page = to_print_pack(guide)
    assert isinstance(page, str)
    doc = html5lib.parse(page, namespaceHTMLElements=True)
    grid = doc.find(".//h:table", NS)
    rows = grid.findall(".//h:tbody/h:tr", NS)
    assert len(rows) == len(guide.topics)
    assert [th.text for th in grid.findall(".//h:th", NS)] == [
        "Topic",
        "Time",
        "Main questions",
        "Probes",
    ]
    # every probe of every question is on the grid, with its topic's minutes
    for topic, row in zip(guide.topics, rows, strict=True):
        cells = row.findall("h:td", NS)
        assert cells[1].text.startswith(f"{topic.minutes} min")
        probes = [li.text for li in cells[3].findall(".//h:li", NS)]
        assert probes == [p for q in topic.questions for p in q.probes]
    pages = _pages(page)
    assert all(t.title.split()[0] in pages[0] for t in guide.topics)  # the grid fits page 1
    assert "Full interview script" not in pages[0] and "Full interview script" in pages[1]
    # the full script: consent, every question, the closing words
    text = " ".join(pages)
    assert "Consent" in text and guide.topics[-1].questions[-1].text[:30] in page


@pytest.mark.parametrize("guide_id", GUIDES)
def test_word_print_pack_opens_with_the_same_content(guide_id: str, tmp_path: Path) -> None:
    guide = load_instrument(guide_id)
    path = to_print_pack(guide, tmp_path / "guide.docx")
    assert path == tmp_path / "guide.docx"
    doc = Document(str(path))  # python-docx reads back what Word would open
    assert doc.core_properties.title == guide.title
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["Topic", "Time", "Main questions", "Probes"]
    assert len(table.rows) == len(guide.topics) + 1
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert "Full interview script" in headings
    body = "\n".join(p.text for p in doc.paragraphs)
    for topic in guide.topics:
        for q in topic.questions:
            assert q.text in body
    # the page break between the grid and the script
    breaks = [p for p in doc.paragraphs if 'w:br w:type="page"' in p._p.xml]
    assert len(breaks) == 1
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)


def test_guidance_and_codebook_packs(tmp_path: Path) -> None:
    guidance = load_instrument("co-researcher-guidance")
    page = to_print_pack(guidance)
    assert isinstance(page, str)
    nevers = [n for s in guidance.sections for n in s.never]
    first = _pages(page)[0]
    assert "At a glance" in first and nevers[0][:25] in first
    blocks = print_pack_blocks(guidance)
    assert sum(len(b.items) for b in blocks if b.kind == "box") == 2 * len(nevers)
    codebook = load_instrument("clm-codebook")
    doc = Document(str(to_print_pack(codebook, tmp_path / "codes.docx")))
    body = "\n".join(p.text for p in doc.paragraphs)
    for _, code in codebook.walk():
        assert f"[{code.id}]" in body and code.definition in body


def test_print_pack_refuses_surveys_and_bad_formats(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="to_printable"):
        to_print_pack(load_instrument("trainee-survey"))  # type: ignore[arg-type]
    guide = load_instrument("interview-trainee")
    with pytest.raises(ValueError, match="needs a path"):
        to_print_pack(guide, format="docx")
    with pytest.raises(ValueError, match="format"):
        to_print_pack(guide, format="pdf")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("instrument", "to", "name"),
    [
        ("interview-trainee", "html", "guide.html"),
        ("interview-trainee", "docx", "guide.docx"),
        ("co-researcher-guidance", "docx", "guidance.docx"),
        ("clm-codebook", "html", "codebook.html"),
    ],
)
def test_cli_exports_print_packs(instrument: str, to: str, name: str, tmp_path: Path) -> None:
    out = tmp_path / name
    # --draft: the bundled guides and guidance hold placeholders an adopter fills in
    args = ["export", instrument, "--to", to, "--out", str(out), "--draft"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert out.exists() and out.stat().st_size > 1000


def test_cli_print_pack_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    bad = runner.invoke(
        app, ["export", "interview-trainee", "--to", "xlsform", "--out", str(tmp_path / "x")]
    )
    assert bad.exit_code == 2 and "interview guide" in bad.output
    survey = runner.invoke(
        app, ["export", "trainee-survey", "--to", "docx", "--out", str(tmp_path / "x.docx")]
    )
    assert survey.exit_code == 2
