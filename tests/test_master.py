"""The master is built from the reconciled seed text, and read back with cell provenance."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from okaxl.errors import OkaxlError
from okaxl.master import layout
from okaxl.master.reader import read_master
from okaxl.shell.cli import main
from tests.conftest import MASTER
from tests.seeds import TOWNS


def _values(path: Path) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(path)
    return {ws.title: [tuple(row) for row in ws.iter_rows(values_only=True)] for ws in book.worksheets}


class TestBuild:
    """`okaxl master build` recreates the committed master exactly, and never overwrites by accident."""

    def test_rebuilt_master_equals_committed_cell_by_cell(self, project, tmp_path):
        out = tmp_path / "rebuilt.xlsx"
        result = CliRunner().invoke(
            main, ["master", "build", "--config", str(project.path), "--output", str(out)]
        )
        assert result.exit_code == 0, result.output
        assert _values(out) == _values(MASTER)

    def test_refuses_to_overwrite_the_master(self, project):
        before = project.master.read_bytes()
        result = CliRunner().invoke(main, ["master", "build", "--config", str(project.path)])
        assert result.exit_code == 2
        assert "上書きしません" in result.output
        assert project.master.read_bytes() == before

    def test_force_backs_up_first(self, project):
        before = project.master.read_bytes()
        result = CliRunner().invoke(main, ["master", "build", "--force", "--config", str(project.path)])
        assert result.exit_code == 0, result.output
        backups = list(project.backups.glob("master_*.xlsx"))
        assert len(backups) == 1 and backups[0].read_bytes() == before


class TestShape:
    """The master is laid out for staff: Japanese sheets, frozen headers, drop-downs, no merged cells."""

    def test_sheets_and_headers(self):
        book = openpyxl.load_workbook(MASTER)
        for spec in layout.SHEETS:
            ws = book[spec.name]
            assert tuple(c.value for c in ws[1]) == spec.column_names
            assert ws.freeze_panes is not None and ws.freeze_panes.endswith("2")
            assert not ws.merged_cells.ranges
        assert book[layout.LIST_SHEET].sheet_state == "hidden"

    def test_drop_downs_where_values_come_from_a_list(self):
        ws = openpyxl.load_workbook(MASTER)["参加"]
        formulas = {dv.formula1 for dv in ws.data_validations.dataValidation}
        assert '"●,★"' in formulas
        assert any(f.startswith("リスト!") for f in formulas)


class TestContent:
    """The master holds the seeds' data."""

    def test_counts(self, tables):
        projects = tables["事業"]
        assert (projects["期"] == "第1期").sum() == 42
        second = projects[(projects["期"] == "第2期") & projects["抜粋元"].isna()]
        assert len(second) == 48

    def test_towns_and_codes(self, tables):
        towns = tables["市町"]
        assert list(towns["市町名"]) == ["岡山市", *TOWNS]
        for code in towns["団体コード"]:
            digits = [int(c) for c in str(code)]
            check = (11 - sum(d * w for d, w in zip(digits[:5], (6, 5, 4, 3, 2), strict=True)) % 11) % 10
            assert len(digits) == 6 and digits[5] == check, code

    def test_costs_of_the_changed_2026_sheet(self, tables):
        projects = tables["事業"]
        chosen = projects[
            (projects["期"] == "第2期")
            & (projects["事務事業名"] == "公共施設の質・量の適正化に向けた仕組み構築")
        ]
        (pid,) = chosen["事業ID"]
        plan = tables["工程"][tables["工程"]["事業ID"] == pid]
        assert list(plan["事業費"]) == [454961, 724820, 532140, 53577, 52691]
        assert sum(plan["事業費"]) == 1818189

    def test_first_period_kpi_values(self, tables):
        kpi = tables["KPI"].set_index("指標")
        row = kpi.loc["岡山ヘルスケア産業連携協議会の会員数"]
        assert (row["基準値"], row["基準年度"], row["目標値"], row["目標年度"]) == (85, 2016, 155, 2021)
        current = tables["KPI実績"].set_index("KPI_ID").loc[row["KPI_ID"]]
        assert (current["現状値"], current["年度"], current["時点"]) == (125, 2017, "平成29年7月13日現在")

    def test_annex_of_bizen(self, tables):
        annex = tables["協約"]
        assert list(annex.groupby("分野", sort=False).size()) == [4, 2, 7]
        assert annex.iloc[0]["取組"] == "圏域全体の戦略的な産業振興に向けた仕組みの構築"


class TestReader:
    """Every value read keeps its sheet and cell."""

    def test_provenance_points_at_the_cell(self, tables):
        projects = tables["事業"]
        row = projects.index[projects["事務事業名"] == "救急安心センター事業"][0]
        address = tables.cell("事業", row, "事務事業名")
        assert openpyxl.load_workbook(MASTER)["事業"][address].value == "救急安心センター事業"

    def test_provenance_survives_moved_columns_and_blank_rows(self, tmp_path):
        path = tmp_path / "m.xlsx"
        shutil.copy2(MASTER, path)
        book = openpyxl.load_workbook(path)
        ws = book["参加"]
        ws.insert_rows(5, 2)  # two blank rows inside the data
        ws.move_range("H1:H700", cols=2)  # 備考 moved two columns right
        book.save(path)
        tables = read_master(path)
        df = tables["参加"]
        assert 5 not in df.index and 6 not in df.index
        noted = df[df["備考"].notna()].index[0]
        address = tables.cell("参加", noted, "備考")
        assert address.startswith("J")
        assert openpyxl.load_workbook(path)["参加"][address].value == df.loc[noted, "備考"]

    def test_types(self, tables):
        row = tables["参加"].iloc[-1]
        assert isinstance(row["開始日"], dt.date) and row["終了日"] is None
        assert tables["参加"].iloc[0]["終了日"] == dt.date(2022, 3, 31)
        assert isinstance(tables["工程"].iloc[0]["年度"], int)

    def test_missing_sheet_and_renamed_header_are_problems(self, tmp_path):
        path = tmp_path / "m.xlsx"
        shutil.copy2(MASTER, path)
        book = openpyxl.load_workbook(path)
        del book["役割"]
        book["事業"]["E1"] = "事業名"
        book.save(path)
        problems = {(p.code, p.sheet, p.cell) for p in read_master(path).problems}
        assert ("SHEET_MISSING", "役割", None) in problems
        assert ("COLUMN_MISSING", "事業", "1行目") in problems
        assert ("COLUMN_UNEXPECTED", "事業", "E1") in problems

    @pytest.mark.parametrize(
        ("content", "message"),
        [
            (b"", "Excel ブック（.xlsx）ではありません"),
            ("市町,事業\n津山市,x\n".encode("cp932"), "Excel ブック（.xlsx）ではありません"),
            (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "暗号化"),
            (b"PK\x03\x04broken", "Excel ブック（.xlsx）ではありません"),
        ],
    )
    def test_not_a_workbook(self, tmp_path, content, message):
        path = tmp_path / "master.xlsx"
        path.write_bytes(content)
        with pytest.raises(OkaxlError, match=message):
            read_master(path)


class TestAtomicSave:
    """Saving replaces the file in one step and keeps the permissions staff gave it."""

    def test_mode_is_kept_and_no_temporary_file_left(self, tmp_path):
        from openpyxl import Workbook

        from okaxl.files import save_atomically

        path = tmp_path / "book.xlsx"
        save_atomically(Workbook(), path)
        import os

        umask = os.umask(0)
        os.umask(umask)
        assert path.stat().st_mode & 0o777 == 0o666 & ~umask
        path.chmod(0o640)
        save_atomically(Workbook(), path)
        assert path.stat().st_mode & 0o777 == 0o640
        assert [p.name for p in tmp_path.iterdir()] == ["book.xlsx"]
