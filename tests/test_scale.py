"""What keeps each command's cost in step with the master's size (benchmarks/bench_scale.py
measures it): the pieces that do a thing once instead of per row or per return, and what a
command does not import."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest

from okaxl import wareki
from okaxl.cellref import column_index, column_letter, split_ref
from okaxl.master.reader import _may_hide, read_master, scan_cells
from okaxl.master.tables import records
from okaxl.validate.run import validate
from tests.conftest import MASTER, ROOT


def test_column_letters_both_ways():
    letters = [column_letter(i) for i in range(1, 16385)]
    assert letters[:3] == ["A", "B", "C"] and letters[25:28] == ["Z", "AA", "AB"] and letters[-1] == "XFD"
    assert len(set(letters)) == 16384
    assert [column_index(x) for x in letters] == list(range(1, 16385))
    assert column_index("ab") == 28
    assert split_ref("$E$44") == (5, 44) and split_ref("XFD1048576") == (16384, 1048576)
    for bad in (0, 16385):
        with pytest.raises(ValueError):
            column_letter(bad)
    for bad in ("XFE", "", "A1", "ＡＢ"):
        with pytest.raises(ValueError):
            column_index(bad)


@pytest.mark.parametrize(
    ("xml", "hides"),
    [
        (b'<c r="A1"><f>SUM(B1:B2)</f><v>3</v></c>', True),
        (b'<x:c r="A1"><x:f>1+1</x:f></x:c>', True),
        (b'<c r="A2"><f t="shared" si="0"/></c>', True),
        (b'<c r="A1" t="e"><v>#N/A</v></c>', True),
        (b'<mergeCells count="1"><mergeCell ref="A1:B2"/></mergeCells>', True),
        # a drop-down's <formula1> starts like a formula; a footer's <firstFooter> too
        (b'<dataValidation type="list"><formula1>"a,b"</formula1></dataValidation>', False),
        (b'<headerFooter><firstFooter>&amp;P</firstFooter></headerFooter>', False),
        (b'<row r="1"><c r="A1" t="inlineStr"><is><t>f e</t></is></c></row>', False),
    ],
)
def test_a_sheet_is_parsed_only_when_it_may_hide_something(xml, hides):
    assert _may_hide(xml) is hides


def test_a_formula_under_a_prefixed_namespace_is_still_found(tmp_path):
    """A formula written with a prefix of the main namespace (<x:f>, as some tools write) is found."""
    import re

    from okaxl.master.package import MAIN, Package

    with Package.open(MASTER) as package:
        part = package.sheets()["参加"]
    target = tmp_path / "prefixed.xlsx"
    with zipfile.ZipFile(MASTER) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == part:
                cell = re.search(rb'<c r="C3"[^>]*>.*?</c>', data)
                assert cell
                formula = f'<c r="C3"><x:f xmlns:x="{MAIN}">1+1</x:f><v>2</v></c>'.encode()
                data = data[: cell.start()] + formula + data[cell.end() :]
            out.writestr(item, data)
    found = [(sheet, cell, kind) for sheet, cell, kind, _ in scan_cells(target, ["参加"])]
    assert found == [("参加", "C3", "formula")]


def test_the_same_bad_value_is_reported_in_every_cell_and_true_is_not_one(project):
    """Validation judges each distinct value of a column once: the second cell with the same wrong
    value is still reported, and 1 and True (equal in Python) are judged apart."""
    import openpyxl

    book = openpyxl.load_workbook(project.master)
    ws = book["工程"]
    header = {c.value: c.column_letter for c in ws[1]}
    amount = header["事業費"]
    ws[f"{amount}2"] = "約100"
    ws[f"{amount}3"] = "約100"
    ws[f"{amount}4"] = True
    ws[f"{amount}5"] = 1
    book.save(project.master)
    cells = {(p.code, p.cell) for p in validate(project.master).problems if p.sheet == "工程"}
    assert {c for _, c in cells} >= {f"{amount}2", f"{amount}3", f"{amount}4"}
    assert f"{amount}5" not in {c for _, c in cells}


def test_a_model_answers_from_what_it_found_once():
    model = read_master(MASTER)
    first = model.taking_part_during(2025)
    assert model.taking_part_during(2025) is first  # found once per year
    again = read_master(MASTER)._marks(
        r
        for r in records(model["参加"])
        if r["市町"] and wareki.active_during(r["開始日"], r["終了日"], 2025)
    )
    assert first == again
    keyed = model.by_key("実績")
    assert len(keyed) == len({tuple(r[k] for k in model.key("実績")) for r in records(model["実績"])})
    for key, row in keyed.items():
        assert tuple(row[k] for k in model.key("実績")) == key
    for pid in model.projects:
        expected = [k for k in records(model["KPI"]) if str(k["事業ID"]) == pid]
        assert sorted(k["KPI_ID"] for k in model.kpis_of(pid)) == sorted(k["KPI_ID"] for k in expected)


def test_reading_commands_import_no_workbook_writer(tmp_path):
    """okaxl validate (text and JSON) reads with python-calamine: openpyxl, which only writers and
    the return check need, is not imported (about 0.2 s of every run)."""
    script = (
        "import sys, runpy\n"
        "sys.argv = ['okaxl', 'validate', '--config', sys.argv[1]]\n"
        "try:\n"
        "    runpy.run_module('okaxl', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('openpyxl' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(ROOT / "config.toml")], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.stdout.strip().splitlines()[-1] == "False", done.stderr[-2000:]


def test_one_look_per_kind_of_cell_in_a_written_form(project):
    """The forms writer styles a column's first cell and copies that style to the others: every
    answer cell is unlocked and filled alike, every other body cell locked and filled alike."""
    import openpyxl

    from okaxl.returns import formlayout
    from tests.forms_helpers import make_forms

    path = make_forms(project)["津山市"]
    ws = openpyxl.load_workbook(path)[formlayout.PROJECTS]
    inputs = {c.letter for c in formlayout.PROJECT_COLUMNS if c.field}
    looks: dict[bool, set[str]] = {True: set(), False: set()}
    row = formlayout.FIRST_ROW
    while ws[f"A{row}"].value:
        for column in formlayout.PROJECT_COLUMNS:
            cell = ws[f"{column.letter}{row}"]
            is_input = column.letter in inputs
            assert cell.protection.locked is not is_input, cell.coordinate
            looks[is_input].add(repr((cell.font, cell.fill, cell.border, cell.alignment)))
        row += 1
    assert row > formlayout.FIRST_ROW + 20
    assert len(looks[True]) == 1 and len(looks[False]) == 1 and looks[True] != looks[False]


def test_a_value_that_cannot_be_remembered_is_still_judged():
    """The per-column memo keys on the value: one that cannot be a key is judged like any other."""
    from okaxl.validate.schemas import check_schemas

    tables = read_master(MASTER)
    frame = tables.frames["工程"].copy()
    first = frame.index[0]
    frame.at[first, "事業費"] = ["約100"]
    tables.frames["工程"] = frame
    found = [p for p in check_schemas(tables, {"工程"}) if p.cell == tables.cell("工程", int(first), "事業費")]
    assert [p.code for p in found] == ["COST_INVALID"]
