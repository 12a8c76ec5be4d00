"""Every wrapped cell of a printed output gets a row tall enough for its text, measured with the
font file's own glyph widths (Pillow), not with the estimate okaxl uses to set the heights."""

from __future__ import annotations

import subprocess
from functools import cache
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from PIL import ImageFont

from okaxl.shell.cli import main
from tests.forms_helpers import fill, make_forms

V2024 = Path(__file__).resolve().parents[1] / "workbooks" / "versions" / "master_令和6年3月版.xlsx"
LINE = 1.2  # a line of text is about 1.2 em high in LibreOffice and Excel


@cache
def _font(name: str, bold: bool) -> ImageFont.FreeTypeFont:
    pattern = f"{name}:style={'Bold' if bold else 'Regular'}"
    path = subprocess.run(["fc-match", "-f", "%{file}", pattern], capture_output=True, text=True, check=True).stdout
    return ImageFont.truetype(path, 100)


def _lines(text: str, font: ImageFont.FreeTypeFont, size: float, width_pt: float) -> int:
    """Greedy wrapping, glyph by glyph, as a spreadsheet wraps Japanese text."""
    count = 0
    for paragraph in text.splitlines() or [""]:
        count += 1
        used = 0.0
        for ch in paragraph:
            advance = font.getlength(ch) * size / 100
            if used + advance > width_pt and used:
                count += 1
                used = 0.0
            used += advance
    return count


def _widths(ws) -> dict[int, float]:
    """Each column's width; one <col> may set a run of columns (XlsxWriter writes equal neighbours
    so), which openpyxl lists under the run's first letter only."""
    found = {}
    for dimension in ws.column_dimensions.values():
        if dimension.width and dimension.min:
            for column in range(dimension.min, (dimension.max or dimension.min) + 1):
                found[column] = dimension.width
    return found


def _short_rows(path: Path) -> list[str]:
    book = openpyxl.load_workbook(path)
    short = []
    for ws in book.worksheets:
        widths = _widths(ws)
        spans = {(m.min_row, m.min_col): m for m in ws.merged_cells.ranges}
        for row in ws.iter_rows():
            for cell in row:
                if not cell.alignment.wrap_text or cell.value in (None, "") or cell.alignment.textRotation:
                    continue
                span = spans.get((cell.row, cell.column))
                cols = range(cell.column, (span.max_col if span else cell.column) + 1)
                rows = range(cell.row, (span.max_row if span else cell.row) + 1)
                width = sum(widths.get(c, 8.43) for c in cols)
                height = sum(ws.row_dimensions[r].height or 15 for r in rows)
                size = float(cell.font.sz or 11)
                font = _font(cell.font.name or "BIZ UDゴシック", bool(cell.font.b))
                lines = _lines(str(cell.value), font, size, (width * 7 + 5) * 0.75 - 6)
                if lines * size * LINE > height:
                    short.append(f"{ws.title}!{cell.coordinate}: {lines} lines of {size}pt in {height}pt")
    return short


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, Path]:
    from tests.conftest import make_project

    project = make_project(tmp_path_factory.mktemp("heights") / "project", templates=True)
    book = openpyxl.load_workbook(project.master)
    heads = [c.value for c in book["参加"][1]]
    for row in book["参加"].iter_rows(min_row=2, max_row=6):  # towns typed as OCR gave them
        row[heads.index("市町")].value = "和气町"
    book.save(project.master)
    out = project.output
    made = {}
    for name, args in {
        "report": ["validate"],
        "matrix": ["matrix"],
        "town": ["matrix", "--town", "備前市"],
        "annex": ["annex", "--town", "備前市"],
        "progress": ["progress", "--year", "H29"],
        "kpi": ["kpi"],
        "revision": ["revision", str(V2024), str(project.master)],
    }.items():
        made[name] = out / f"{name}.xlsx"
        result = CliRunner().invoke(main, [*args, "--output", str(made[name]), "--config", str(project.path)])
        assert made[name].is_file(), result.output
    assert openpyxl.load_workbook(made["report"]).active.max_row >= 7  # five problems at least, to print
    good = make_project(tmp_path_factory.mktemp("heights") / "good")
    form = make_forms(good)["津山市"]
    made["form"] = form
    bad = fill(form, good.inbox / form.name, kpi="たくさん")
    CliRunner().invoke(main, ["check", str(bad), "--config", str(good.path)])
    made["feedback"] = next((good.output / "指摘").glob("*_指摘.xlsx"))
    made["status"] = good.output / "status.xlsx"
    CliRunner().invoke(main, ["status", "--output", str(made["status"]), "--config", str(good.path)])
    assert made["status"].is_file()
    return made


@pytest.mark.parametrize(
    "name", ["report", "matrix", "town", "annex", "progress", "kpi", "revision", "form", "feedback", "status"]
)
def test_every_wrapped_cell_has_the_height_its_text_needs(outputs, name):
    assert _short_rows(outputs[name]) == []
