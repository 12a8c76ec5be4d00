"""Sheets laid out as grids and written by XlsxWriter (the revision excerpt, 回収状況), read back."""

from __future__ import annotations

import openpyxl

from okaxl.publish.grid import Grid, Look, write_book
from okaxl.publish.page import row_height, wrapped_lines

FONT = "BIZ UDゴシック"


def test_values_read_back_as_written(tmp_path):
    """Master text is text: 「=…」 is not made a formula, an address not a link, 「007」 not 7."""
    grid = Grid("一覧")
    boxed = Look(FONT, 9, border="000000", wrap=True)
    for row, value in enumerate(["=SUM(A1:A3)", "https://example.jp/", "007", 1234, 0.5, None], start=1):
        grid.put(row, 1, value, boxed)
    grid.put(7, 2, "一つだけ", boxed)
    grid.merge(7, 2, 7, 2)  # a range of one cell stays a cell, its value kept
    ws = openpyxl.load_workbook(write_book([grid], tmp_path / "g.xlsx"))["一覧"]
    assert [ws.cell(row, 1).value for row in range(1, 7)] == ["=SUM(A1:A3)", "https://example.jp/", "007", 1234, 0.5, None]
    assert ws["A1"].data_type == "s" and ws["A2"].hyperlink is None
    assert ws["A6"].border.left.style == "thin"  # an empty cell keeps its look
    assert ws["B7"].value == "一つだけ" and not ws.merged_cells.ranges


def test_looks_merges_and_print_setup(tmp_path):
    grid = Grid("表", landscape=False, title_rows=(2, 2), freeze=(3, 1), autofilter=(2, 1, 4, 3))
    marked = Look(FONT, 9, bold=True, color="C00000", fill="FFF2CC", border="808080", wrap=True, horizontal="center", vertical="top")
    grid.put(2, 1, "見出し", marked)
    grid.merge(2, 1, 3, 3)
    grid.put(4, 1, "縦書き", Look(FONT, 9, stacked=True))
    grid.comments[(4, 1)] = "変更前：（なし）"
    grid.breaks.append(3)
    grid.widths |= {1: 10, 2: 10, 3: 20}
    ws = openpyxl.load_workbook(write_book([grid], tmp_path / "g.xlsx"))["表"]
    cell = ws["A2"]
    assert (cell.font.name, cell.font.sz, cell.font.b, cell.font.color.rgb[-6:]) == (FONT, 9, True, "C00000")
    assert cell.fill.fgColor.rgb[-6:] == "FFF2CC" and cell.border.top.color.rgb[-6:] == "808080"
    assert (cell.alignment.wrap_text, cell.alignment.horizontal, cell.alignment.vertical) == (True, "center", "top")
    assert [str(m) for m in ws.merged_cells.ranges] == ["A2:C3"]
    assert ws["A4"].alignment.textRotation == 255 and ws["A4"].comment.text == "変更前：（なし）"
    assert [b.id for b in ws.row_breaks.brk] == [3]
    assert (ws.print_title_rows, ws.freeze_panes, ws.auto_filter.ref) == ("$2:$2", "A3", "A2:C4")
    setup = ws.page_setup
    assert (setup.paperSize, setup.orientation, setup.fitToHeight) == (9, "portrait", 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.print_options.horizontalCentered
    assert ws.oddFooter.center.text == "- &P / &N -" and ws.oddFooter.right.text.endswith("作成")


def test_rows_grow_to_their_wrapped_text():
    """The last row of a merged range grows by what the text lacks; a row tall enough stays."""
    long = "連携市町と協力して、圏域の高齢者に聞こえの検査を受ける機会を広げる。" * 3
    grid = Grid("詳細")
    grid.widths |= {1: 14, 2: 16}
    grid.put(1, 1, long, Look(FONT, 9, wrap=True))
    grid.merge(1, 1, 2, 2)
    grid.heights[1] = 20
    grid.put(4, 1, "短い", Look(FONT, 9, wrap=True))
    grid.heights[4] = 40
    grid.put(5, 1, long, Look(FONT, 9, stacked=True, wrap=True))  # stacked text is not measured
    grid.grow_rows()
    needed = row_height(wrapped_lines(long, 30, 9), 9)
    assert needed > 35 and grid.heights[1] == 20 and grid.heights[2] == needed - 20
    assert grid.heights[4] == 40 and 5 not in grid.heights
