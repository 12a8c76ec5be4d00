"""Generating real forms from the master and filling them the way a town would."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl

from okaxl.config import Config
from okaxl.master.commit import sha256_of
from okaxl.master.reader import read_master
from okaxl.publish.matrix import partner_towns
from okaxl.returns import formlayout
from okaxl.returns.check import CheckContext, check_return
from okaxl.returns.forms import write_forms
from okaxl.returns.signing import load_key


def make_forms(config: Config, year: int = 2025, towns: tuple[str, ...] = ("津山市",)) -> dict[str, Path]:
    tables = read_master(config.master)
    paths = write_forms(tables, config, year, list(towns), config.output / "forms", sha256_of(config.master))
    return dict(zip(towns, paths, strict=True))


def fill(
    path: Path,
    target: Path,
    *,
    results: str = "担当者会議に参加し、情報を共有した。",
    intention: str = "継続",
    kpi: object | None = None,
    reason: str | None = "事業の進み具合による。",
) -> Path:
    """Fill every input a town must fill, through openpyxl, and save as `target`: with a KPI
    value, its reason too (the form asks one when the value moves from the latest one)."""
    book = openpyxl.load_workbook(path)
    ws = book[formlayout.PROJECTS]
    row = formlayout.FIRST_ROW
    while ws[f"A{row}"].value:
        ws[f"H{row}"] = results
        ws[f"J{row}"] = intention
        row += 1
    if kpi is not None:
        book[formlayout.KPIS][f"G{formlayout.FIRST_ROW}"] = kpi
        if reason is not None:
            book[formlayout.KPIS][f"I{formlayout.FIRST_ROW}"] = reason
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(target)
    return target


def kpi_answer(form: Path, number: object) -> object:
    """What a town would type as its first KPI's value: `number`, or the first of the words a
    KPI answered in words takes (its drop-down's list)."""
    ws = openpyxl.load_workbook(form)[formlayout.KPIS]
    cell = f"G{formlayout.FIRST_ROW}"
    for rule in ws.data_validations.dataValidation:
        if rule.type == "list" and cell in rule.sqref:
            return str(rule.formula1).strip('"').split(",")[0]
    return number


def context(config: Config, year: int = 2025) -> CheckContext:
    towns = partner_towns(read_master(config.master))
    return CheckContext(load_key(config.forms.key_file, create=False), config.forms.issued, year, towns)


def check(config: Config, path: Path):
    return check_return(path, context(config))


def copy(path: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(path, target)
    return target


def readings_differ(path: Path) -> list[str]:
    """Where okaxl's reader of returns reads `path` otherwise than openpyxl does (every cell of every
    worksheet: value, type, date or not, number format; the sheet names, merges and properties)."""
    from okaxl.returns import formbook

    ours = formbook.read(path)
    theirs = openpyxl.load_workbook(path, keep_links=False, rich_text=False)
    found = []
    if ours.sheetnames != theirs.sheetnames:
        found.append(f"sheets {ours.sheetnames} != {theirs.sheetnames}")
    if ours.date1904 != (theirs.epoch.year == 1904):
        found.append("date1904")
    props = {p.name: str(p.value) for p in theirs.custom_doc_props.props}
    if ours.custom_properties != props:
        found.append(f"properties {ours.custom_properties} != {props}")
    for ws in theirs.worksheets:
        sheet = ours[ws.title]
        if sorted(sheet.merged) != sorted((str(r), r.max_row) for r in ws.merged_cells.ranges):
            found.append(f"{ws.title} merges {sheet.merged}")
        for row in ws.iter_rows():
            for cell in row:
                mine = sheet[cell.coordinate]
                is_date = getattr(cell, "is_date", False)  # a merged cell's other cells have none
                theirs_is = (cell.value, cell.data_type if cell.value is not None else "", is_date)
                ours_is = (mine.value, mine.data_type if mine.value is not None else "", mine.is_date)
                if ours_is != theirs_is or (cell.value is not None and mine.number_format != cell.number_format):
                    found.append(f"{ws.title}!{cell.coordinate} {ours_is} {mine.number_format!r} != {theirs_is} {cell.number_format!r}")
        extra = {(r, c) for r, c in sheet.cells if sheet.cells[(r, c)].value is not None} - {
            (c.row, c.column) for row in ws.iter_rows() for c in row if c.value is not None
        }
        found += [f"{ws.title} only okaxl reads {sorted(extra)[:5]}"] if extra else []
    return found
