"""Feedback for the towns (their own file with each problem cell marked, and a 指摘一覧 sheet)
and the collection summary (回収状況) for the staff."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from pathlib import Path

import openpyxl
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from okaxl.files import save_atomically
from okaxl.problems import Severity
from okaxl.publish.page import row_height, wrapped_lines
from okaxl.publish.sheets import setup_page
from okaxl.publish.titles import sheet_title
from okaxl.returns import formlayout
from okaxl.returns.check import ReturnResult

ERROR_FILL = PatternFill("solid", fgColor="FF9999")
WARNING_FILL = PatternFill("solid", fgColor="FFE699")
LABEL = {Severity.ERROR: "要修正", Severity.WARNING: "確認"}
SUMMARY_SHEET = "指摘一覧"


def _item(book: Workbook | None, sheet: str, cell: str | None) -> str:
    """What a problem cell is about, in the town's words: the project or indicator, and the question."""
    if book is None or not cell or sheet not in formlayout.ANSWER_SHEETS or sheet not in book.sheetnames:
        return ""
    match = re.match(r"([A-Z]+)(\d+)$", cell)
    if not match or int(match.group(2)) < formlayout.FIRST_ROW:
        return ""
    ws = book[sheet]
    name_column = "D" if sheet == formlayout.PROJECTS else "C"
    subject = ws[f"{name_column}{match.group(2)}"].value or ""
    question = ws[f"{match.group(1)}{formlayout.HEADER_ROW}"].value or ""
    return f"{subject}／{question}" if subject else str(question)


def _summary_sheet(ws: Worksheet, result: ReturnResult, font: str, book: Workbook | None) -> None:
    ws.append([f"{result.file.name} の確認結果：{result.label}"])
    ws.append(
        [
            "黄色・赤のセルに指摘があります。下の一覧のセル番地をクリックすると、そのセルに移ります。"
            if result.readable
            else "このファイルは開けなかったため、内容を確認できませんでした。"
        ]
    )
    ws.append(["区分", "シート", "セル", "項目", "内容", "直し方"])
    for p in result.problems:
        ws.append(
            [
                LABEL[p.severity],
                p.sheet or "ファイル全体",
                p.cell or "",
                _item(book, p.sheet, p.cell),
                p.message,
                p.hint,
            ]
        )
        if result.readable and p.sheet and p.cell and p.cell[0].isalpha():
            link = ws.cell(row=ws.max_row, column=3)
            link.hyperlink = f"#'{p.sheet}'!{p.cell}"
    if not result.problems:
        ws.append(["", "", "", "", "指摘はありません。ご協力ありがとうございました。", ""])
    for row in ws.iter_rows():
        for cell in row:
            underline = "single" if cell.hyperlink else None
            cell.font = Font(
                name=font,
                bold=cell.row in (1, 3),
                color="0563C1" if cell.hyperlink else None,
                underline=underline,
            )
            cell.alignment = Alignment(wrap_text=cell.column >= 4, vertical="top")
    widths = (8, 14, 8, 36, 46, 46)
    for letter, width in zip("ABCDEF", widths, strict=True):
        ws.column_dimensions[letter].width = width
    for row in range(4, ws.max_row + 1):  # wrapped messages need their height, or they overprint
        lines = max(wrapped_lines(ws.cell(row=row, column=c).value, w) for c, w in enumerate(widths, start=1))
        ws.row_dimensions[row].height = row_height(lines)
    ws.freeze_panes = "A4"
    setup_page(ws, title_rows="3:3")


def feedback_name(result: ReturnResult, taken: Iterable[ReturnResult] = ()) -> str:
    """<file>_指摘.xlsx, with the file's short hash when another return of the batch has its name."""
    same = [r for r in taken if r is not result and r.file.stem == result.file.stem]
    return f"{result.file.stem}_{result.sha256[:8]}_指摘.xlsx" if same else f"{result.file.stem}_指摘.xlsx"


def write_feedback(result: ReturnResult, folder: Path, font: str, name: str | None = None) -> Path:
    """The town's own file with every problem cell coloured and commented, behind a 指摘一覧 sheet;
    for a file that could not be opened, a workbook that says why."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / (name or feedback_name(result))
    book: Workbook | None = None
    if result.readable:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                book = openpyxl.load_workbook(result.file, keep_links=False)
        except Exception:  # it opened for the check; if not again, fall back to a plain report
            book = None
    if book is None:
        book = Workbook()
        assert book.active is not None
        book.remove(book.active)
    summary = book.create_sheet(sheet_title(SUMMARY_SHEET, book.sheetnames), 0)
    _summary_sheet(summary, result, font, book if result.readable else None)
    book.active = 0
    for p in result.problems:
        if not (result.readable and p.sheet in book.sheetnames and p.cell and p.cell[0].isalpha()):
            continue
        ws = book[p.sheet]
        # a cell inside a range the town merged: the range's first cell carries the mark
        anchor = next((str(r.start_cell.coordinate) for r in ws.merged_cells.ranges if p.cell in r), p.cell)
        cell = ws[anchor]
        cell.fill = ERROR_FILL if p.severity is Severity.ERROR else WARNING_FILL
        text = f"{p.message}\n→ {p.hint}"
        cell.comment = Comment(
            text if not cell.comment else f"{cell.comment.text}\n\n{text}", "okaxl", width=300, height=150
        )
    for ws in book.worksheets:
        ws.sheet_view.tabSelected = ws is summary
    save_atomically(book, target)
    return target
