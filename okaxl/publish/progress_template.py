"""The shipped progress-sheet template (templates/progress.xlsx), laid out like seed 000's sheets:
the 今後の課題・改善点 in a narrow column at the right, beside everything from 施策 down to the KPIs.

Staff restyle the template in Excel; `python -m okaxl.publish.progress_template` writes the original again.
"""

from __future__ import annotations

import sys
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from okaxl.files import save_atomically
from okaxl.master import layout
from okaxl.publish.sheets import setup_page

SHEET = "進捗管理シート"
TOWNS = layout.PARTNER_TOWNS
REQUIRED = (
    "連携分野",
    "施策",
    "事務事業",
    "事業計画",
    "取組実績",
    "今後の課題",
    "KPI.指標",
    "KPI.基準値",
    "KPI.現状値",
    "KPI.目標値",
    *(f"印:{t}" for t in TOWNS),
)


def make(path: Path, font: str = "BIZ UDゴシック") -> Path:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = SHEET
    thin = Side(style="thin", color="000000")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    head = PatternFill("solid", fgColor="DDEBF7")
    blocks = [
        # (range, text, header?, height)
        ("A1:M1", "【連携分野：{{連携分野}}】", False, 22),
        ("A2:E2", "施策", True, 18),
        ("F2:L2", "事務事業", True, None),
        ("M2", "今後の課題・改善点", True, None),
        ("A3:E3", "{{施策}}", False, 32),
        ("F3:L3", "{{事務事業}}", False, None),
        ("M3:M13", "{{今後の課題}}", False, None),  # down to the KPI row: more KPIs, a longer column
        ("A4:L4", "関係市町", True, 18),
        ("A7:L7", None, False, None),
        ("A8:F8", "事業計画（{{年度}}）", True, 18),
        ("G8:L8", "これまでの取組実績", True, None),
        ("A9:F9", "{{事業計画}}", False, 170),
        ("G9:L9", "{{取組実績}}", False, None),
        ("A10:F10", "（岡山市の役割）\n{{岡山市の役割}}", False, 60),
        ("G10:L10", "（連携市町の役割）\n{{連携市町の役割}}", False, None),
        ("A11:L11", "KPIの状況", True, 18),
        ("A12:E12", "指標", True, 18),
        ("F12:G12", "基準値", True, None),
        ("H12:I12", "現状値", True, None),
        ("J12:L12", "目標値", True, None),
        ("A13:E13", "{{KPI.指標}}", False, 36),
        ("F13:G13", "{{KPI.基準値}}", False, None),
        ("H13:I13", "{{KPI.現状値}}", False, None),
        ("J13:L13", "{{KPI.目標値}}", False, None),
    ]
    for area, text, is_head, height in blocks:
        first = area.split(":")[0]
        if ":" in area:
            ws.merge_cells(area)
        ws[first] = text
        for row in ws[area if ":" in area else f"{area}:{area}"]:
            for cell in row:
                cell.border = box
                cell.font = Font(name=font, size=9, bold=is_head)
                cell.alignment = Alignment(
                    wrap_text=True,
                    vertical="center" if is_head else "top",
                    horizontal="center" if is_head else "left",
                )
                if is_head:
                    cell.fill = head
        if height:
            ws.row_dimensions[int("".join(c for c in first if c.isdigit()))].height = height
    ws["A1"].font = Font(name=font, size=11, bold=True)
    for cell in ws[1]:  # the title stands above the table: a side border drew a stray line up from it
        cell.border = Border()
    for index, town in enumerate(TOWNS):
        row, column = (5, index + 1) if index < 7 else (6, index - 6)
        cell = ws.cell(row=row, column=column, value=f"{{{{印:{town}}}}}{town}")
        cell.font = Font(name=font, size=9)
    ws.merge_cells("F6:L6")
    ws["F6"] = "※提案市町は★印"
    ws["F6"].font = Font(name=font, size=9)
    ws["F6"].alignment = Alignment(horizontal="right")
    for letter in "ABCDEFGHIJKL":
        ws.column_dimensions[letter].width = 10
    ws.column_dimensions["M"].width = 17  # about 11 characters a line, as seed 000 prints it
    setup_page(ws, landscape=True, title_rows="1:3")
    ws.page_setup.fitToHeight = 1  # one page per project
    ws.oddFooter.center.text = "岡山連携中枢都市圏 進捗管理シート　&P / &N"
    ws.oddFooter.right.text = None  # the date goes on when the sheets are written, not the template's
    save_atomically(book, path)
    return path


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("templates/progress.xlsx")
    print(make(target))
