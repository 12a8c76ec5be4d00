"""連携協約書 別表 for one partner town: per pillar, each 取組 with 取組内容, 甲 and 乙's roles (seed 004)."""

from __future__ import annotations

from itertools import groupby
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.pagebreak import Break

from okaxl import wareki
from okaxl.errors import OkaxlError
from okaxl.files import save_atomically
from okaxl.master import layout
from okaxl.master.tables import Tables, records
from okaxl.publish.page import PORTRAIT_PAGE_HEIGHT, row_height, wrapped_lines
from okaxl.publish.sheets import merge, setup_page
from okaxl.publish.titles import sheet_title

_THIN = Side(style="thin", color="000000")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
LABELS = ("取組内容", "甲の役割", "乙の役割")
BODY_WIDTH = 80  # characters, the column of 取組内容 and the roles
PILLAR_HEIGHT, TITLE_HEIGHT, GAP_HEIGHT = 22.0, 18.0, 12.0


def write_annex(tables: Tables, town: str, path: Path, font: str) -> Path:
    agreements = {r["市町"]: r for r in records(tables["協約書"])}
    if town not in agreements:
        held = "、".join(str(t) for t in agreements) or "なし"
        raise OkaxlError(
            f"{town}の連携協約書はマスターにありません（マスターにあるのは {held}）。"
            "「協約書」「協約」シートに協約の内容を入力してから作ってください。"
        )
    items = [r for r in records(tables["協約"]) if r["市町"] == town]
    pillars = {str(r["番号"]): str(r["分野名"]) for r in records(tables["分野"])}
    order = list(pillars)
    items.sort(key=lambda r: (order.index(str(r["分野"])) if str(r["分野"]) in order else 99, r["順"] or 0))
    agreement = agreements[town]
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet_title(f"別表_{town}", [])
    bold, plain = Font(name=font, size=11, bold=True), Font(name=font, size=10.5)
    ws["A1"] = str(agreement["協約書名"])
    ws["A2"] = f"{wareki.format_date(agreement['締結日'])}　甲：{layout.HUB}　乙：{town}"
    ws["A4"] = "別表（第３条関係）"
    for cell in ("A1", "A2", "A4"):
        ws[cell].font = bold if cell != "A2" else plain
    row, used = 6, 4 * 15.0
    for pillar, group in groupby(items, key=lambda r: str(r["分野"])):
        first = True
        for item in group:
            heights = [
                max(
                    22, row_height(wrapped_lines(item[label], BODY_WIDTH, plain.sz or 10.5), plain.sz or 10.5)
                )
                for label in LABELS
            ]
            # an agreement's 取組内容 stays on the page of its roles, a 分野 heading on its first 取組
            block = (PILLAR_HEIGHT if first else 0) + TITLE_HEIGHT + sum(heights) + GAP_HEIGHT
            if used + block > PORTRAIT_PAGE_HEIGHT and row > 6:
                ws.row_breaks.append(Break(id=row - 1))
                used = 0.0
            used += block
            if first:
                ws.cell(row=row, column=1, value=f"{pillar}　{pillars.get(pillar, '')}").font = Font(
                    name=font, size=12, bold=True
                )
                ws.row_dimensions[row].height = PILLAR_HEIGHT
                row += 1
                first = False
            title = ws.cell(row=row, column=1, value=str(item["取組"]))
            merge(ws, row, 1, row, 2)
            title.font = bold
            title.fill = PatternFill("solid", fgColor="EDEDED")
            ws.row_dimensions[row].height = TITLE_HEIGHT
            for column in (1, 2):
                ws.cell(row=row, column=column).border = BORDER
            row += 1
            for label, height in zip(LABELS, heights, strict=True):
                head = ws.cell(row=row, column=1, value=label)
                body = ws.cell(row=row, column=2, value=str(item[label]))
                head.font, body.font = bold, plain
                head.alignment = Alignment(horizontal="center", vertical="center")
                body.alignment = Alignment(wrap_text=True, vertical="top")
                head.border = body.border = BORDER
                ws.row_dimensions[row].height = height
                row += 1
            ws.row_dimensions[row].height = GAP_HEIGHT
            row += 1
    ws.column_dimensions["A"].width = 12
    ws.column_dimensions["B"].width = BODY_WIDTH
    setup_page(ws, landscape=False)
    save_atomically(book, path)
    return path
