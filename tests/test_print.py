"""Printed pages: every output, rendered to PDF by LibreOffice (one start for the module), carries
its page number and the date it was made, visibly, on every page."""

from __future__ import annotations

import itertools
import re
import subprocess
import zlib
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from okaxl import wareki
from okaxl.publish.office import convert_all
from okaxl.shell.cli import main
from tests.conftest import ROOT, make_project
from tests.forms_helpers import make_forms

pytestmark = pytest.mark.office

OUTPUTS = {
    "matrix": ["matrix"],
    "town": ["matrix", "--town", "備前市"],
    "annex": ["annex", "--town", "備前市"],
    "kpi": ["kpi"],
    "progress": ["progress", "--year", "R7", "--project", "2-01", "--project", "2-02"],
    "status": ["status"],
    "report": ["validate"],
    "revision": ["revision", str(ROOT / "workbooks/versions/master_令和6年3月版.xlsx"), str(ROOT / "workbooks/master.xlsx")],
}


# left to LibreOffice to fill page after page, these forms' last pages held 2, 1 and 2 rows
FORM_TOWNS = ("津山市", "久米南町", "総社市")


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> dict[str, Path]:
    # column widths are in Calibri's digits, as Excel measures them; without a font of Calibri's
    # metrics LibreOffice falls back to DejaVu Sans and every page prints a quarter smaller
    calibri = subprocess.run(["fc-match", "Calibri"], capture_output=True, text=True).stdout
    assert "Carlito" in calibri or "Calibri" in calibri, f"Calibri is {calibri!r}: install fonts-crosextra-carlito"
    folder = tmp_path_factory.mktemp("print")
    config = make_project(folder / "project", templates=True)
    books = {}
    for name, args in OUTPUTS.items():
        books[name] = folder / "out" / f"{name}.xlsx"
        result = CliRunner().invoke(main, [*args, "--output", str(books[name]), "--config", str(config.path)])
        assert result.exit_code in (0, 1), result.output  # status says 1 while towns are missing
        assert books[name].is_file()
    forms = make_forms(config, towns=FORM_TOWNS)
    books["form"] = forms["津山市"]
    books |= {f"form {town}": forms[town] for town in FORM_TOWNS[1:]}
    pdfs = convert_all(list(books.values()), "pdf", folder / "pdf", timeout=600)
    return dict(zip(books, pdfs, strict=True))


def _pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [re.sub(r"\s+", "", page) for page in text.split("\f") if page.strip()]


def _drawn_invisibly(pdf: Path) -> int:
    """Pages whose footer LibreOffice clipped to an empty path: in the text, but never printed
    (what a bottom margin too small for the footer gave)."""
    data = pdf.read_bytes()
    count = 0
    for stream in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        try:
            content = zlib.decompress(stream.group(1))
        except zlib.error:
            continue
        count += b"0 0 m h W* n" in content
    return count


@pytest.mark.parametrize("name", [*OUTPUTS, "form"])
def test_every_page_has_its_number_and_date(printed, name):
    pages = _pages(printed[name])
    made = f"{wareki.format_date(wareki.now().date())}作成"
    assert pages
    for number, page in enumerate(pages, start=1):
        assert f"{number}/{len(pages)}" in page, (name, number, page[-80:])
        assert made in page, (name, number)
    assert _drawn_invisibly(printed[name]) == 0


def test_the_form_prints_readably(printed):
    """A return form's answer sheets print their 10-point text at 8 points or more (fit to width
    shrank a 230-character row to about 6), under a heading a town reads (KPI番号, not KPI_ID)."""
    words = subprocess.run(
        ["pdftotext", "-bbox", str(printed["form"]), "-"], capture_output=True, text=True, check=True
    ).stdout
    widths = [
        float(x1) - float(x0)
        for x0, x1 in re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">分野</word>', words)
    ]
    assert widths and min(widths) / 2 >= 8.0, widths  # two full-width characters, one em each
    assert "KPI番号" in words and "KPI_ID" not in words


@pytest.mark.parametrize("town", FORM_TOWNS)
def test_a_forms_rows_are_shared_out_evenly_over_its_pages(printed, town):
    """Every row of an answer sheet prints once, and each page is filled about as much as the
    fullest (the first page's title counted): no last page holding a row or two."""
    pdf = printed["form" if town == FORM_TOWNS[0] else f"form {town}"]
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
    book = openpyxl.load_workbook(pdf.parents[1] / "project" / "output" / "forms" / f"{pdf.stem}.xlsx")
    for sheet in ("事業の回答", "KPIの回答"):
        ws = book[sheet]
        height = {str(ws.cell(r, 1).value): ws.row_dimensions[r].height for r in range(5, ws.max_row + 1)}
        above = sum(ws.row_dimensions[r].height or 15 for r in range(1, 5))
        printed_ids, filled = [], []
        for page in pages.stdout.split("\f"):
            ids = [word for word in re.findall(r"^\s*(\S+)", page, re.M) if word in height]
            if ids:
                printed_ids += ids
                header = above if not filled else ws.row_dimensions[4].height
                filled.append(header + sum(height[i] for i in ids))
        assert sorted(printed_ids) == sorted(height), (town, sheet)
        assert min(filled) >= 0.6 * max(filled), (town, sheet, [round(f) for f in filled])


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return make_project(tmp_path_factory.mktemp("pdf") / "project", templates=True)


@pytest.mark.parametrize(
    "args",
    [
        ["matrix"],
        ["matrix", "--town", "備前市"],
        ["annex", "--town", "備前市"],
        ["kpi", "--project", "2-07"],
        ["progress", "--year", "R7", "--project", "2-01"],
        ["status"],
        ["validate"],
        ["revision", "workbooks/versions/master_令和6年3月版.xlsx", "workbooks/master.xlsx"],
    ],
    ids=lambda args: " ".join(args[:3]),
)
def test_pdf_on_every_command_that_writes_a_document(project, args):
    from tests.conftest import ROOT

    args = [str(ROOT / a) if a.startswith("workbooks/") else a for a in args]
    book = project.output / f"{args[0]}_{len(list(project.output.glob('*.xlsx')))}.xlsx"
    result = CliRunner().invoke(main, [*args, "--output", str(book), "--pdf", "--config", str(project.path)])
    assert result.exit_code in (0, 1), result.output
    assert "PDF も作ります" in result.output and f"。 PDF を {book.with_suffix('.pdf')}" in result.output
    pages = _pages(book.with_suffix(".pdf"))
    assert pages and all(f"{n}/{len(pages)}" in page for n, page in enumerate(pages, start=1))


def test_progress_sheets_two_to_a_page_as_seed_000(project, tmp_path):
    """Beside the page-per-sheet PDF, the booklet's: portrait A4, two sheets a page, in order."""
    from pypdf import PdfReader

    book = tmp_path / "p.xlsx"
    args = ["progress", "--year", "R7", "--project", "2-01", "--project", "2-02", "--project", "2-07"]
    result = CliRunner().invoke(main, [*args, "--output", str(book), "--pdf", "--config", str(project.path)])
    assert result.exit_code == 0, result.output
    single, paired = _pages(book.with_suffix(".pdf")), _pages(tmp_path / "p_2面.pdf")
    assert len(single) == 4 and len(paired) == 3  # 目次 and three sheets
    # the 目次 on a sheet of its own (its lower half blank), then the project sheets two by two
    assert paired == [single[0], single[1] + single[2], single[3]]
    assert single[0].startswith("令和7年度岡山連携中枢都市圏進捗管理シート（3事務事業）")
    for page in PdfReader(tmp_path / "p_2面.pdf").pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    assert "p_2面.pdf" in result.output
    # the 目次's links stay in the workbook, and print as plain black text (LibreOffice drew them
    # blue and underlined whatever the cell's font said)
    assert openpyxl.load_workbook(book)["目次"]["D4"].hyperlink is not None
    assert _blue_pixels(book.with_suffix(".pdf"), 1) == 0


def _blue_pixels(pdf: Path, page: int) -> int:
    """How much of the page is drawn in a strong blue (a link's colour; the headers' pale fill is not)."""
    from PIL import Image

    subprocess.run(["pdftoppm", "-r", "100", "-f", str(page), "-l", str(page), "-png", str(pdf), str(pdf.with_suffix(""))], check=True)
    (png,) = pdf.parent.glob(f"{pdf.stem}-*{page}.png")
    with Image.open(png) as image:
        return sum(1 for r, g, b in image.convert("RGB").get_flattened_data() if b > 120 and r < 90 and g < 90)


def test_the_twelve_town_views_in_one_run(project, tmp_path):
    result = CliRunner().invoke(
        main, ["matrix", "--town", "all", "--output", str(tmp_path), "--pdf", "--config", str(project.path)]
    )
    assert result.exit_code == 0, result.output
    books = sorted(tmp_path.glob("*.xlsx"))
    assert len(books) == 12 and "12 市町" in result.output
    for town in ("津山市", "吉備中央町"):
        book = next(b for b in books if b.name.startswith(f"{town}_連携取組一覧_"))
        assert _pages(book.with_suffix(".pdf"))
        single = tmp_path / "one" / "v.xlsx"
        alone = CliRunner().invoke(
            main, ["matrix", "--town", town, "--output", str(single), "--config", str(project.path)]
        )
        assert alone.exit_code == 0
        assert _cells(book) == _cells(single)  # the same view as asked town by town
    refused = CliRunner().invoke(
        main, ["matrix", "--town", "all", "--output", str(tmp_path / "x.xlsx"), "--config", str(project.path)]
    )
    assert refused.exit_code == 2 and "フォルダー" in refused.output


def _cells(path: Path) -> list[tuple]:
    import openpyxl

    return [tuple(row) for ws in openpyxl.load_workbook(path).worksheets for row in ws.iter_rows(values_only=True)]


DATES = ("2024-03-31", "2025-04-01", "2026-03-31")


@pytest.fixture(scope="module")
def matrices(project) -> dict[str, Path]:
    books = []
    for date in DATES:
        books.append(project.output / "matrices" / f"matrix_{date}.xlsx")
        result = CliRunner().invoke(
            main, ["matrix", "--as-of", date, "--output", str(books[-1]), "--config", str(project.path)]
        )
        assert result.exit_code == 0, result.output
    return dict(zip(DATES, convert_all(books, "pdf", timeout=300), strict=True))


@pytest.mark.parametrize("date", DATES)
def test_matrix_pages_keep_each_measure_whole_under_one_header(project, matrices, date):
    """Each page has one header row (its own block's), and a measure's label and all its projects
    print on one page: no label cut in half, none on the page after its rows."""
    import datetime as dt

    from okaxl.master.reader import read_master
    from okaxl.publish.matrix import build_matrix

    matrix = build_matrix(read_master(project.master), dt.date.fromisoformat(date))
    pages = _pages(matrices[date])
    assert [page.count("主な取組内容") for page in pages] == [1] * len(pages)
    placed = 0
    for measure in dict.fromkeys(r.measure for r in matrix.rows):
        # a name's first 16 characters: a wrapped name's last line is extracted after the marks
        names = [re.sub(r"\s+", "", r.name)[:16] for r in matrix.rows if r.measure == measure]
        on = {n for n, page in enumerate(pages) if re.sub(r"\s+", "", measure)[:8] in page}
        holding = [n for n, page in enumerate(pages) if all(name in page for name in names)]
        assert holding and set(holding) & on, (date, measure, on, holding)
        placed += len(names)
    assert placed == len(matrix.rows)


def test_each_town_prints_as_one_centred_column_of_characters(matrices):
    """The header's town names stand as one column of characters each, centred over the town's
    marks as seed 001 prints them (LibreOffice drew a stacked name that may wrap at the cell's
    left edge, 5 pt off its column of ●), and centred down the header row as 「連携取組」 is."""
    import xml.etree.ElementTree as ET

    from okaxl.master.layout import PARTNER_TOWNS

    words = subprocess.run(
        ["pdftotext", "-bbox", str(matrices["2025-04-01"]), "-"], capture_output=True, text=True, check=True
    ).stdout
    document = ET.fromstring(re.sub(r"<!DOCTYPE[^>]*>", "", words).replace('xmlns="http://www.w3.org/1999/xhtml"', ""))
    pages = list(document.iter("page"))

    def centre(word: ET.Element) -> float:
        return (float(word.get("xMin", 0)) + float(word.get("xMax", 0))) / 2

    marks = {round(centre(w), 1) for page in pages for w in page.iter("word") if w.text == "●"}
    characters = [w for w in pages[0].iter("word") if len(w.text or "") == 1 and w.text != "●"]
    top = min(float(w.get("yMin", 0)) for w in characters if w.text == "津")
    columns: dict[float, list[tuple[float, str]]] = {}
    for w in characters:
        if top - 40 <= float(w.get("yMin", 0)) <= top + 80:
            columns.setdefault(round(centre(w), 1), []).append((float(w.get("yMin", 0)), w.text or ""))
    names = {"".join(c for _, c in sorted(chars)): x for x, chars in columns.items()}
    assert set(PARTNER_TOWNS) <= set(names), names
    for town in PARTNER_TOWNS:
        assert min(abs(names[town] - m) for m in marks) < 1.5, (town, names[town], sorted(marks))

    def middle(found: list[ET.Element]) -> float:
        return (min(float(w.get("yMin", 0)) for w in found) + max(float(w.get("yMax", 0)) for w in found)) / 2

    (label,) = [w for w in pages[0].iter("word") if w.text == "連携取組"]
    for town in PARTNER_TOWNS:
        glyphs = [w for w in characters if round(centre(w), 1) == names[town] and abs(float(w.get("yMin", 0)) - top) <= 80]
        assert abs(middle(glyphs) - middle([label])) < 1.5, (town, middle(glyphs), middle([label]))


def _lines_starting_with_closing_marks(pdf: Path) -> list[str]:
    import xml.etree.ElementTree as ET

    words = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    document = ET.fromstring(re.sub(r"<!DOCTYPE[^>]*>", "", words).replace('xmlns="http://www.w3.org/1999/xhtml"', ""))
    lines = [[w.text or "" for w in line.iter("word")] for line in document.iter("line")]
    return ["".join(line)[:20] for line in lines if line and line[0][:1] in "、。）」』】〕，．"]


def test_no_printed_line_starts_with_a_closing_mark(printed):
    """Japanese line breaking, as Excel prints: LibreOffice started lines with 「、」 and 「。」 (8 in
    津山市's return form, 16 in a progress PDF) until okaxl turned its rules on (office.py)."""
    found = {name: _lines_starting_with_closing_marks(pdf) for name, pdf in printed.items()}
    assert not any(found.values()), found


def test_a_pdf_without_uno_still_made(printed, tmp_path, monkeypatch):
    """Where no Python has LibreOffice's uno, --convert-to makes the PDF (line breaking as it may)."""
    import okaxl.publish.office as office

    monkeypatch.setattr(office, "uno_python", lambda: None)
    source = printed["form"].parent.parent / "out" / "status.xlsx"
    (pdf,) = office.convert_all([source], "pdf", tmp_path)
    assert pdf.is_file() and _pages(pdf) == _pages(printed["status"])


def test_the_status_headers_each_on_one_line(printed):
    """回収状況's 「遅れ（日）」 wrapped its 「）」 onto a line of its own."""
    text = subprocess.run(["pdftotext", "-layout", str(printed["status"]), "-"], capture_output=True, text=True, check=True).stdout
    assert all(head in text for head in ("様式の配布", "到着した回答", "最終確認", "遅れ（日）"))


# what only the header row of each table prints (a pattern), and which pages carry that table
TABLE_HEADS = {
    "town": ("分野連携取組事務事業掲載ページ", lambda page: True),
    "report": ("直し方", lambda page: True),
    "status": ("到着した回答", lambda page: True),
    "form": ("事業ID|KPI番号", lambda page: "記入のしかた" not in page),
    "revision": ("【連携取組名】", lambda page: "具体的な取組" in page or "役割" in page),
}


@pytest.mark.parametrize("name", TABLE_HEADS)
def test_each_page_of_a_table_prints_its_header_once(printed, name):
    """Every page of a table carries exactly one header row: the one repeated as a print title
    (the matrix had two on a page, and one only of another block's: its own test)."""
    word, holds_table = TABLE_HEADS[name]
    pages = [page for page in _pages(printed[name]) if holds_table(page)]
    assert pages
    if name == "revision":  # the table of 具体的な取組 and, at the end, 変更一覧 under 変更前
        pages = [page for page in pages if word in page or "【連携取組名】" in page]
        changes = [page for page in _pages(printed[name]) if "変更一覧" in page or "変更前" in page]
        assert changes and [page.count("変更前") for page in changes] == [1] * len(changes)
    assert [len(re.findall(word, page)) for page in pages] == [1] * len(pages), name


def test_the_town_views_groups_stay_whole_on_a_page(printed):
    """A 分野 or 連携取組 label (merged over its rows) prints on the page of its rows, all of them."""
    book = openpyxl.load_workbook(printed["town"].parents[1] / "out" / "town.xlsx")
    ws = book.active
    pages = _pages(printed["town"])
    groups = [m for m in ws.merged_cells.ranges if m.min_col <= 2 and m.max_row > m.min_row and m.min_row > 3]
    assert groups
    for group in groups:
        label = re.sub(r"\s+", "", str(ws.cell(group.min_row, group.min_col).value))
        names = [re.sub(r"\s+", "", str(ws.cell(r, 3).value)) for r in (group.min_row, group.max_row)]
        on = [n for n, page in enumerate(pages) if all(name in page for name in names)]
        assert on and label[:6] in pages[on[0]], (label, names)


def test_the_revision_cover_prints_each_line_whole_and_apart(printed):
    """Seed 003's cover: 「(改訂案)」 and 「※変更箇所のみ抜粋」 whole inside the page (they were cut off at
    its left edge), and no line printed over another (「第2期／…ビジョン／《別冊》」 overprinted)."""
    layout = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", "-bbox-layout", str(printed["revision"]), "-"],
        capture_output=True, text=True, check=True,
    ).stdout
    width = float(re.search(r'<page width="([\d.]+)"', layout).group(1))
    lines = [
        (float(y0), float(y1), float(x0), float(x1), "".join(re.findall(r">([^<]+)</word>", body)))
        for x0, y0, x1, y1, body in re.findall(
            r'<line xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</line>', layout, re.S
        )
    ]
    texts = [text for *_, text in lines]
    for expected in ("(改訂案)", "※変更箇所のみ抜粋", "第2期", "岡山連携中枢都市圏ビジョン", "《別冊》"):
        assert expected in texts, texts
    for *_, x0, x1, text in lines:
        assert x0 > 0 and x1 < width, text
    for a, b in itertools.combinations(lines, 2):  # two lines drawn over each other: both ways
        overlap = min(a[1], b[1]) - max(a[0], b[0]) > 1 and min(a[3], b[3]) - max(a[2], b[2]) > 1
        assert not overlap, (a[4], b[4])


def test_the_revision_table_keeps_each_role_on_a_page(printed):
    """具体的な取組: okaxl's page breaks are the only ones (LibreOffice added none inside a 役割's
    rows), and a 役割 whose rows run onto a next page is said again there (圏域マネジメント
    printed 5 rows under its label and 5 under an empty cell)."""
    book = openpyxl.load_workbook(printed["revision"].parent.parent / "out" / "revision.xlsx")
    ws = book["具体的な取組"]
    table_pages = [page for page in _pages(printed["revision"]) if "【連携取組名】" in page]
    breaks = sorted(b.id for b in ws.row_breaks.brk)
    assert len(table_pages) == len(breaks) + 1 >= 2
    roles = [m for m in ws.merged_cells.ranges if m.min_col == m.max_col == 1 and m.min_row >= 4]
    for role in roles:  # no role's cell spans a break
        assert not any(role.min_row <= b < role.max_row for b in breaks), (str(role), breaks)
    starts = {role.min_row for role in roles}
    assert all(b + 1 in starts for b in breaks if b + 1 <= max(starts))  # each page starts with its 役割
    labels = [str(ws.cell(r.min_row, 1).value) for r in sorted(roles, key=lambda r: r.min_row)]
    assert [label for i, label in enumerate(labels) if not i or labels[i - 1] != label] == list(dict.fromkeys(labels))


def test_an_agreements_contents_stay_with_its_roles(printed, project):
    """The annex never separates a 取組's 取組内容 from its 甲・乙の役割 (スポーツ振興 did, pages 1-2)."""
    from okaxl.master.reader import read_master
    from okaxl.master.tables import records

    pages = _pages(printed["annex"])
    items = [r for r in records(read_master(project.master)["協約"]) if r["市町"] == "備前市"]
    assert len(items) == 13
    for item in items:
        parts = [re.sub(r"\s+", "", str(item[k]))[:12] for k in ("取組", "取組内容", "甲の役割", "乙の役割")]
        assert any(all(part in page for part in parts) for page in pages), item["取組"]
