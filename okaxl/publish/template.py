"""Filling an Excel template that staff restyle in Excel: placeholders such as {{事務事業}} in
cells, and a repeating row (placeholders {{KPI.…}}) that becomes one row per item.

Where values go is marked in the template itself, so moving a block, changing fonts or adding a
logo row needs no code. Rows inserted for repeated items carry the template row's styles and
merged cells, and everything below moves down with its merges and heights.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from copy import copy

from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.worksheet import Worksheet

from okaxl.errors import OkaxlError

PLACEHOLDER = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")


def placeholders(ws: Worksheet) -> set[str]:
    found = set()
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                found.update(PLACEHOLDER.findall(cell.value))
    return found


def require(ws: Worksheet, names: Iterable[str], template: str) -> None:
    missing = [n for n in names if n not in placeholders(ws)]
    if missing:
        raise OkaxlError(
            f"テンプレート {template} のシート「{ws.title}」に差し込み位置 "
            + "、".join(f"{{{{{n}}}}}" for n in missing)
            + " がありません。Excel でテンプレートを開き、値を入れたいセルに書き戻してください。"
        )


def _substitute(text: str, values: Mapping[str, object]) -> object:
    whole = PLACEHOLDER.fullmatch(text.strip())
    if whole and whole.group(1) in values and isinstance(values[whole.group(1)], int | float):
        return values[whole.group(1)]  # a number stays a number
    return PLACEHOLDER.sub(lambda m: "" if values.get(m.group(1)) is None else str(values[m.group(1)]), text)


def fill(ws: Worksheet, values: Mapping[str, object]) -> None:
    """Replace every known placeholder in the sheet; unknown ones are left for the caller to see."""
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and "{{" in cell.value:
                known = {k: v for k, v in values.items() if k in PLACEHOLDER.findall(cell.value)}
                if known:
                    cell.value = _substitute(cell.value, values)


def _shift_layout(ws: Worksheet, after: int, amount: int) -> None:
    """Move merged cells and row heights below row `after` down by `amount` (openpyxl does not)."""
    # all moving ranges leave before any is added back: ranges compare by coordinates, so moving
    # A14:L14 onto a still-present A15:L15 and then removing "A15:L15" dropped the wrong one
    moving = [m for m in ws.merged_cells.ranges if m.min_row > after]
    for merged in moving:
        ws.merged_cells.remove(merged)
    for merged in moving:
        merged.shift(row_shift=amount)
        ws.merged_cells.add(merged)
    heights = {r: d.height for r, d in ws.row_dimensions.items() if r > after and d.height}
    for r in sorted(heights, reverse=True):
        ws.row_dimensions[r + amount].height = heights[r]
        ws.row_dimensions[r].height = None


def repeat_row(
    ws: Worksheet, prefix: str, items: Sequence[Mapping[str, object]], empty: Mapping[str, object]
) -> None:
    """Turn the row holding {{prefix.…}} placeholders into one row per item (at least one)."""
    rows = [
        c.row
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str) and f"{{{{{prefix}." in c.value.replace(" ", "")
    ]
    if not rows:
        return
    template_row = min(rows)
    items = list(items) or [empty]
    extra = len(items) - 1
    if extra:
        merges = [m for m in ws.merged_cells.ranges if m.min_row == m.max_row == template_row]
        # a block that runs down beside the repeated row (seed 000's 今後の課題) runs down beside
        # all of its copies, as in Excel when rows are inserted inside a merged range
        beside = [m for m in ws.merged_cells.ranges if m.min_row < template_row <= m.max_row]
        for merged in beside:
            ws.merged_cells.remove(merged)
            merged.expand(down=extra)
        _shift_layout(ws, template_row, extra)
        ws.insert_rows(template_row + 1, extra)
        height = ws.row_dimensions[template_row].height
        for offset in range(1, extra + 1):
            target = template_row + offset
            for column in range(1, ws.max_column + 1):
                source = ws.cell(row=template_row, column=column)
                cell = ws.cell(row=target, column=column, value=source.value)
                if source.has_style:
                    cell._style = copy(source._style)
            for merged in merges:
                ws.merged_cells.add(
                    CellRange(min_col=merged.min_col, max_col=merged.max_col, min_row=target, max_row=target)
                )
            ws.row_dimensions[target].height = height
        for merged in beside:
            ws.merged_cells.add(merged)
    for offset, item in enumerate(items):
        values = {f"{prefix}.{k}": v for k, v in item.items()}
        for column in range(1, ws.max_column + 1):
            cell = ws.cell(row=template_row + offset, column=column)
            if isinstance(cell.value, str) and "{{" in cell.value:
                cell.value = _substitute(cell.value, values)
