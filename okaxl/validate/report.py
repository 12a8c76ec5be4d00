"""Views of a list of problems: text for a person, JSON for a machine, an Excel report."""

from __future__ import annotations

import json
from collections.abc import Iterable
from itertools import groupby
from pathlib import Path

from okaxl.files import save_atomically
from okaxl.problems import Problem, Severity

LABEL = {Severity.ERROR: "エラー", Severity.WARNING: "警告"}


def summary_line(errors: int, warnings: int, what: str, confirmed: int = 0) -> str:
    verdict = "問題はありません" if not errors and not warnings else ("要修正" if errors else "警告のみ")
    seen = f"（ほかに確認済みの警告 {confirmed}件）" if confirmed else ""
    return f"検証結果: エラー {errors}件、警告 {warnings}件{seen} — {verdict}（{what}）"


def as_text(problems: Iterable[Problem], summary: str) -> str:
    """Grouped by sheet, each problem with its cell, message and hint, then a one-line summary."""
    lines: list[str] = []
    for sheet, group in groupby(problems, key=lambda p: p.sheet):
        lines.append(f"【{sheet or 'ブック全体'}】")
        for p in group:
            where = f"{sheet}!{p.cell}" if p.cell else sheet or "ブック"
            lines.append(f"  {where}  {LABEL[p.severity]}  {p.message}")
            lines.append(f"      → {p.hint}")
    lines.append(summary)
    return "\n".join(lines)


def write_json(document: dict[str, object], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    temp.replace(path)


def write_excel(problems: list[Problem], path: Path, *, workbook: Path, title: str, font: str) -> None:
    """One row per problem, with a hyperlink that opens `workbook` at the problem's cell."""
    from openpyxl import Workbook  # only this view writes a workbook: text and JSON need none
    from openpyxl.styles import Alignment, Font, PatternFill

    from okaxl.publish.page import row_height, wrapped_lines
    from okaxl.publish.sheets import setup_page

    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "検証結果"
    heads = ("重要度", "シート", "セル", "内容", "直し方", "値", "コード")
    ws.append([title])
    ws.append(list(heads))
    error_fill = PatternFill("solid", fgColor="FCE4D6")
    for p in problems:
        ws.append(
            [
                LABEL[p.severity],
                p.sheet,
                p.cell,
                p.message,
                p.hint,
                None if p.value is None else str(p.value)[:200],
                p.code,
            ]
        )
        row = ws.max_row
        for cell in ws[row]:  # text stays text: a formula found in the master is shown, not run
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
        if p.cell and p.sheet and p.cell[0].isalpha():
            link = ws.cell(row=row, column=3)
            link.hyperlink = f"{workbook.resolve().as_uri()}#'{p.sheet}'!{p.cell}"
            link.font = Font(name=font, color="0563C1", underline="single")
        if p.severity is Severity.ERROR:
            ws.cell(row=row, column=1).fill = error_fill
    for row in ws.iter_rows(min_row=1):
        for cell in row:
            if cell.hyperlink is None:
                cell.font = Font(name=font, bold=cell.row <= 2)
            cell.alignment = Alignment(vertical="top", wrap_text=cell.column in (4, 5, 6))
    widths = (8, 12, 8, 50, 50, 20, 24)
    for letter, width in zip("ABCDEFG", widths, strict=True):
        ws.column_dimensions[letter].width = width
    for row in range(3, ws.max_row + 1):  # wrapped 内容・直し方・値 need their height, or they overprint
        lines = max(wrapped_lines(ws.cell(row=row, column=c).value, widths[c - 1]) for c in (4, 5, 6))
        ws.row_dimensions[row].height = row_height(lines)
    ws.freeze_panes = "A3"
    ws.auto_filter.ref = f"A2:G{max(ws.max_row, 3)}"
    setup_page(ws, title_rows="2:2")
    save_atomically(book, path)
