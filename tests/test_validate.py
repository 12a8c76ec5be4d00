"""Validation finds each mistake a careful colleague would catch, at its cell, and nothing else.

Every case below copies the real master, makes one mistake the way a person makes it (by editing
cells with openpyxl), validates, and compares the problems against those of the untouched master.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.worksheet.worksheet import Worksheet

from okaxl.errors import OkaxlError
from okaxl.master import layout
from okaxl.rules import RULES
from okaxl.shell.cli import main
from okaxl.validate.run import validate
from tests.conftest import MASTER

TODAY = dt.date(2026, 11, 26)


def col(ws: Worksheet, header: str) -> str:
    for cell in ws[1]:
        if cell.value == header:
            return cell.column_letter
    raise KeyError(header)


def row_of(ws: Worksheet, **match: object) -> int:
    letters = {h: col(ws, h) for h in match}
    for row in range(2, ws.max_row + 1):
        if all(ws[f"{letters[h]}{row}"].value == v for h, v in match.items()):
            return row
    raise KeyError(match)


def addr(ws: Worksheet, header: str, **match: object) -> str:
    return f"{col(ws, header)}{row_of(ws, **match)}"


def setv(book, sheet: str, header: str, value: object, **match: object) -> str:
    ws = book[sheet]
    cell = addr(ws, header, **match)
    ws[cell] = value
    return cell


def append(book, sheet: str, **values: object) -> str:
    ws = book[sheet]
    row = ws.max_row + 1
    for header, value in values.items():
        ws[f"{col(ws, header)}{row}"] = value
    return str(row)


# Each mutation edits the workbook and returns the problems it must cause: {(code, sheet, cell)}.
Mutation = Callable[[openpyxl.Workbook], set[tuple[str, str, str | None]]]
MUTATIONS: dict[str, Mutation] = {}


def case(name: str) -> Callable[[Mutation], Mutation]:
    def register(func: Mutation) -> Mutation:
        MUTATIONS[name] = func
        return func

    return register


@case("OCR 和气町 in 参加")
def _(b):
    return {("TOWN_UNKNOWN", "参加", setv(b, "参加", "市町", "和气町", 事業ID="2-04", 市町="和気町"))}


@case("津山 for 津山市")
def _(b):
    return {("TOWN_UNKNOWN", "参加", setv(b, "参加", "市町", "津山", 事業ID="2-02", 市町="津山市"))}


@case("a space inside a town name")
def _(b):
    return {("TOWN_UNKNOWN", "参加", setv(b, "参加", "市町", "真庭 市", 事業ID="2-03", 市町="真庭市"))}


@case("trailing full-width space")
def _(b):
    return {("TEXT_SPACES", "参加", setv(b, "参加", "市町", "真庭市\u3000", 事業ID="2-03", 市町="真庭市"))}


@case("pillar not in the list")
def _(b):
    return {("PILLAR_UNKNOWN", "事業", setv(b, "事業", "分野", "第4分野", 事業ID="2-01"))}


@case("period not in the list")
def _(b):
    return {("PERIOD_UNKNOWN", "事業", setv(b, "事業", "期", "第3期", 事業ID="2-01"))}


@case("measure misspelt")
def _(b):
    return {("MEASURE_UNKNOWN", "事業", setv(b, "事業", "施策", "新たな産業の創出", 事業ID="2-01"))}


@case("measure of another pillar")
def _(b):
    return {("MEASURE_PILLAR_MISMATCH", "事業", setv(b, "事業", "分野", "Ⅱ", 事業ID="2-01"))}


@case("two projects with one name, renamed consistently")
def _(b):
    name = "スタートアップ企業支援"
    cell = setv(b, "事業", "事務事業名", name, 事業ID="2-02")
    for sheet in ("参加", "掲載"):
        ws = b[sheet]
        for row in range(2, ws.max_row + 1):
            if ws[f"{col(ws, '事業ID')}{row}"].value == "2-02":
                ws[f"{col(ws, '事務事業名')}{row}"] = name
    return {("PROJECT_NAME_DUPLICATE", "事業", cell)}


@case("KPI_ID used twice")
def _(b):
    return {("ID_DUPLICATE", "KPI", setv(b, "KPI", "KPI_ID", "2-07-K1", KPI_ID="2-07-K2"))}


@case("a town misspelt among the KPI's reporters")
def _(b):
    return {("TOWN_UNKNOWN", "KPI", setv(b, "KPI", "報告する市町", "岡山市、備前", KPI_ID="2-09-K1"))}


@case("a KPI's choice list that does not exist")
def _(b):
    return {("ID_UNKNOWN", "KPI", setv(b, "KPI", "選択肢名", "KPIの段階（新）", KPI_ID="2-20-K1"))}


@case("工程 for an unknown project")
def _(b):
    return {("ID_UNKNOWN", "工程", setv(b, "工程", "事業ID", "2-99", 事業ID="2-09", 年度=2022))}


@case("project name in 参加 differs")
def _(b):
    return {
        (
            "PROJECT_NAME_MISMATCH",
            "参加",
            setv(b, "参加", "事務事業名", "スタートアップ支援", 事業ID="2-01", 市町="玉野市"),
        )
    }


@case("two 工程 rows for one year")
def _(b):
    ws = b["工程"]
    row = row_of(ws, 事業ID="2-12", 年度=2023)
    ws[f"{col(ws, '年度')}{row}"] = 2022
    return {("KEY_DUPLICATE", "工程", f"{col(ws, '事業ID')}{row}")}


@pytest.fixture(params=["○", "◯", "〇", "■", "✓", 1, "x"])
def wrong_mark(request):
    return request.param


@case("proposer must take part from the start")
def _(b):
    ws = b["参加"]
    row = row_of(ws, 印="★")
    ws[f"{col(ws, '開始日')}{row}"] = dt.datetime(2017, 4, 1)
    return {("PROPOSER_NOT_TAKING_PART", "参加", f"{col(ws, '開始日')}{row}")}


@case("participation ends before it starts")
def _(b):
    return {
        (
            "PARTICIPATION_END_BEFORE_START",
            "参加",
            setv(b, "参加", "終了日", dt.datetime(2016, 3, 31), 事業ID="1-01", 市町="津山市"),
        )
    }


@case("participation periods overlap")
def _(b):
    row = append(
        b,
        "参加",
        事業ID="2-01",
        事務事業名="スタートアップ企業支援",
        市町="玉野市",
        印="●",
        開始日=dt.datetime(2023, 4, 1),
    )
    return {("PARTICIPATION_OVERLAP", "参加", f"{col(b['参加'], '開始日')}{row}")}


@case("a town in a project that has ended")
def _(b):
    return {
        (
            "PARTICIPATION_OUTSIDE_PROJECT",
            "参加",
            setv(b, "参加", "終了日", dt.datetime(2023, 3, 31), 事業ID="1-01", 市町="津山市"),
        )
    }


@case("a project with no towns")
def _(b):
    ws = b["参加"]
    ws.delete_rows(row_of(ws, 事業ID="2-03"))
    return {("PROJECT_NO_TOWNS", "事業", addr(b["事業"], "事業ID", 事業ID="2-03"))}


@case("stage word not in the list")
def _(b):
    return {("STAGE_INVALID", "工程", setv(b, "工程", "工程", "実施中", 事業ID="2-12", 年度=2024))}


@case("→ in the first year")
def _(b):
    return {("STAGE_ARROW_FIRST", "工程", setv(b, "工程", "工程", "→", 事業ID="2-12", 年度=2022))}


@case("negative cost")
def _(b):
    return {("COST_INVALID", "工程", setv(b, "工程", "事業費", -5, 事業ID="2-12", 年度=2022))}


@case("未定 typed for undecided cost")
def _(b):
    return {("COST_INVALID", "工程", setv(b, "工程", "事業費", "未定", 事業ID="2-12", 年度=2022))}


@case("cost typed with 千円")
def _(b):
    return {("NUMBER_WITH_UNIT", "工程", setv(b, "工程", "事業費", "1,000千円", 事業ID="2-12", 年度=2022))}


@case("計 differs from the sum")
def _(b):
    return {("COST_TOTAL_MISMATCH", "事業", setv(b, "事業", "事業費計", 2301000, 事業ID="2-09"))}


@case("工程 year outside the period")
def _(b):
    return {("YEAR_OUTSIDE_PERIOD", "工程", setv(b, "工程", "年度", 2027, 事業ID="2-25", 年度=2026))}


@case("baseline without its year")
def _(b):
    ws = b["KPI"]
    row = row_of(ws, KPI_ID="2-07-K1")
    ws[f"{col(ws, '基準年度')}{row}"] = None
    ws[f"{col(ws, '基準時点')}{row}"] = None
    return {("KPI_BASELINE_INCOMPLETE", "KPI", f"{col(ws, '基準年度')}{row}")}


@case("target year after the period")
def _(b):
    setv(b, "KPI", "目標時点", "令和12年度", KPI_ID="2-07-K1")
    return {("KPI_TARGET_YEAR_OUTSIDE", "KPI", setv(b, "KPI", "目標年度", 2030, KPI_ID="2-07-K1"))}


@case("numeric target without unit")
def _(b):
    return {("KPI_TARGET_NO_UNIT", "KPI", setv(b, "KPI", "単位", None, KPI_ID="2-07-K1"))}


@case("現状値 in words for a numeric KPI")
def _(b):
    return {("KPI_VALUE_NOT_NUMERIC", "KPI実績", setv(b, "KPI実績", "現状値", "増加", KPI_ID="1-02-K1"))}


@case("現状値 with its unit")
def _(b):
    return {("NUMBER_WITH_UNIT", "KPI実績", setv(b, "KPI実績", "現状値", "125者", KPI_ID="1-02-K1"))}


@case("現状値 in full-width digits")
def _(b):
    return {("NUMBER_FULL_WIDTH", "KPI実績", setv(b, "KPI実績", "現状値", "１２５", KPI_ID="1-02-K1"))}


@case("現状値 before the baseline year")
def _(b):
    setv(b, "KPI実績", "時点", None, KPI_ID="1-02-K1")
    return {("KPI_VALUE_BEFORE_BASELINE", "KPI実績", setv(b, "KPI実績", "年度", 2015, KPI_ID="1-02-K1"))}


@case("results of a town not taking part")
def _(b):
    row = append(b, "実績", 事業ID="2-01", 年度=2025, 市町="津山市", 取組実績="説明会に参加した。")
    return {("RESULT_TOWN_NOT_TAKING_PART", "実績", f"{col(b['実績'], '市町')}{row}")}


@case("results for a year outside the period")
def _(b):
    row = append(b, "実績", 事業ID="2-01", 年度=2020, 市町="岡山市", 取組実績="説明会を開いた。")
    return {("YEAR_OUTSIDE_PERIOD", "実績", f"{col(b['実績'], '年度')}{row}")}


@case("agreement dated in the future")
def _(b):
    return {("DATE_IN_FUTURE", "協約書", setv(b, "協約書", "締結日", dt.datetime(2027, 1, 1), 市町="備前市"))}


@case("和暦 and 西暦 disagree")
def _(b):
    return {("ERA_YEAR_MISMATCH", "KPI", setv(b, "KPI", "基準時点", "平成27年度", KPI_ID="1-02-K1"))}


@case("trailing space in an indicator")
def _(b):
    return {("TEXT_SPACES", "KPI", setv(b, "KPI", "指標", "ムスリム観光客宿泊者数 ", KPI_ID="2-07-K1"))}


@case("line break in an indicator")
def _(b):
    return {("TEXT_LINE_BREAK", "KPI", setv(b, "KPI", "指標", "ムスリム観光客\n宿泊者数", KPI_ID="2-07-K1"))}


@case("spaces used for alignment")
def _(b):
    return {
        ("TEXT_INNER_SPACES", "KPI", setv(b, "KPI", "指標", "ムスリム　　観光客宿泊者数", KPI_ID="2-07-K1"))
    }


@case("indicator too long for the published cell")
def _(b):
    return {("TEXT_TOO_LONG", "KPI", setv(b, "KPI", "指標", "ムスリム観光客宿泊者数" * 6, KPI_ID="2-07-K1"))}


@case("full-width ＝ at the start of text")
def _(b):
    return {
        ("TEXT_FORMULA_LIKE", "役割", setv(b, "役割", "役割", "＝別紙のとおり", 事業ID="2-07", 主体="岡山市"))
    }


@case("circled number in a name")
def _(b):
    return {
        ("MACHINE_DEPENDENT_CHAR", "KPI", setv(b, "KPI", "指標", "①ムスリム観光客宿泊者数", KPI_ID="2-07-K1"))
    }


@case("half-width kana")
def _(b):
    return {("MACHINE_DEPENDENT_CHAR", "KPI", setv(b, "KPI", "指標", "ﾑｽﾘﾑ観光客宿泊者数", KPI_ID="2-07-K1"))}


@case("同上 in place of a value")
def _(b):
    return {("DITTO", "参加", setv(b, "参加", "根拠", "同上", 事業ID="2-01", 市町="総社市"))}


@case("formula where a value is required")
def _(b):
    return {("FORMULA_IN_VALUE", "工程", setv(b, "工程", "事業費", "=100+200", 事業ID="2-12", 年度=2022))}


@case("error value")
def _(b):
    ws = b["KPI"]
    cell = addr(ws, "備考", KPI_ID="2-07-K1")
    ws[cell] = "#N/A"
    ws[cell].data_type = "e"
    return {("ERROR_VALUE", "KPI", cell)}


@case("merged cells in the data area")
def _(b):
    ws = b["役割"]
    letter = col(ws, "出典")
    ws.merge_cells(f"{letter}2:{letter}3")
    return {("MERGED_CELLS", "役割", f"{letter}2")}


@case("page typed in full width")
def _(b):
    return {
        (
            "NUMBER_FULL_WIDTH",
            "掲載",
            setv(b, "掲載", "掲載ページ", "１２", 事業ID="2-12", 改訂日=dt.datetime(2024, 3, 1)),
        )
    }


@case("page typed with P.")
def _(b):
    return {
        (
            "NOT_A_NUMBER",
            "掲載",
            setv(b, "掲載", "掲載ページ", "P.12", 事業ID="2-12", 改訂日=dt.datetime(2024, 3, 1)),
        )
    }


@case("date typed as text")
def _(b):
    return {("NOT_A_DATE", "参加", setv(b, "参加", "開始日", "2022/4/1", 事業ID="2-01", 市町="玉野市"))}


@case("年度 typed in 和暦")
def _(b):
    return {("NOT_A_YEAR", "工程", setv(b, "工程", "年度", "R5", 事業ID="2-12", 年度=2023))}


@case("required value left empty")
def _(b):
    return {("VALUE_REQUIRED", "参加", setv(b, "参加", "市町", None, 事業ID="2-01", 市町="玉野市"))}


@case("a choice not in the list")
def _(b):
    return {("CHOICE_INVALID", "役割", setv(b, "役割", "主体", "岡山", 事業ID="2-07", 主体="岡山市"))}


@case("a sheet deleted")
def _(b):
    del b["圏域間連携"]
    return {("SHEET_MISSING", "圏域間連携", None)}


@case("a sheet added")
def _(b):
    b.create_sheet("メモ")
    return {("SHEET_UNEXPECTED", "メモ", None)}


@case("an optional column deleted")
def _(b):
    ws = b["事業"]
    ws.delete_cols(ws[f"{col(ws, '備考')}1"].column)
    return {("COLUMN_MISSING", "事業", "1行目")}


@case("a required column renamed")
def _(b):
    ws = b["参加"]
    cell = f"{col(ws, '市町')}1"
    ws[cell] = "市町名"
    return {("COLUMN_MISSING", "参加", "1行目"), ("COLUMN_UNEXPECTED", "参加", cell)}


@case("a column added")
def _(b):
    ws = b["事業"]
    ws.cell(row=1, column=ws.max_column + 1, value="担当")
    return {("COLUMN_UNEXPECTED", "事業", f"{openpyxl.utils.get_column_letter(ws.max_column)}1")}


@case("a row inserted above the header")
def _(b):
    b["施策"].insert_rows(1)
    return {("HEADER_MOVED", "施策", "A2")}


def _mutated(tmp_path: Path, mutation: Mutation) -> tuple[Path, set]:
    path = tmp_path / "master.xlsx"
    shutil.copy2(MASTER, path)
    book = openpyxl.load_workbook(path)
    expected = mutation(book)
    book.save(path)
    return path, expected


def _found(path: Path) -> set[tuple[str, str, str | None]]:
    return {(p.code, p.sheet, p.cell) for p in validate(path, today=TODAY).problems}


@pytest.fixture(scope="module")
def baseline() -> set[tuple[str, str, str | None]]:
    return _found(MASTER)


class TestShippedMaster:
    """The shipped master has no errors; what the seeds themselves say oddly is a warning."""

    def test_no_errors(self):
        report = validate(MASTER, today=TODAY)
        assert report.errors == 0 and report.problems == []  # the seeds' own oddities are confirmed
        assert {p.code for p in report.confirmed} == {
            "ERA_OUT_OF_RANGE",
            "KPI_TARGET_YEAR_OUTSIDE",
            "MACHINE_DEPENDENT_CHAR",
        }

    def test_heisei_33_is_a_warning_with_the_reiwa_form(self):
        problems = [p for p in validate(MASTER, today=TODAY).confirmed if p.code == "ERA_OUT_OF_RANGE"]
        assert problems and all(p.severity == "warning" for p in problems)
        assert any("平成33年度" in str(p.value) and "令和3年度" in p.hint for p in problems)

    def test_never_writes_the_master(self):
        before = MASTER.read_bytes()
        validate(MASTER, today=TODAY)
        assert MASTER.read_bytes() == before


class TestMutations:
    """Each mistake is reported with its code, sheet and cell, and nothing else is."""

    @pytest.mark.parametrize("name", list(MUTATIONS))
    def test_mistake(self, tmp_path, baseline, name):
        path, expected = _mutated(tmp_path, MUTATIONS[name])
        assert _found(path) - baseline == expected

    def test_wrong_marks(self, tmp_path, baseline, wrong_mark):
        path, expected = _mutated(
            tmp_path,
            lambda b: {
                ("MARK_INVALID", "参加", setv(b, "参加", "印", wrong_mark, 事業ID="2-01", 市町="玉野市"))
            },
        )
        assert _found(path) - baseline == expected

    def test_mark_hint_names_the_right_mark(self, tmp_path):
        path, _ = _mutated(tmp_path, lambda b: {setv(b, "参加", "印", "○", 事業ID="2-01", 市町="玉野市")})
        (found,) = [p for p in validate(path, today=TODAY).problems if p.code == "MARK_INVALID"]
        assert "「●」" in found.hint and "★" in found.hint

    def test_every_rule_has_a_case(self):
        covered = {code for m in MUTATIONS.values() for code, _, _ in m(openpyxl.load_workbook(MASTER))}
        covered |= {
            "MARK_INVALID",
            "ERA_OUT_OF_RANGE",
            "MASTER_OPEN",
            "ID_DUPLICATE",
            "KEY_DUPLICATE",
            "ID_REUSED",
        }
        # returns: test_returns.py; what stops a write of the master (group 書き込み): test_writer.py
        master_rules = {code for code, rule in RULES.items() if not code.startswith("RETURN_") and rule.group != "書き込み"}
        assert master_rules - covered == set()


class TestOpenInExcel:
    def test_lock_file_is_a_warning(self, tmp_path):
        path = tmp_path / "master.xlsx"
        shutil.copy2(MASTER, path)
        (tmp_path / "~$master.xlsx").write_bytes(b"\0" * 165)
        found = [p for p in validate(path, today=TODAY).problems if p.code == "MASTER_OPEN"]
        assert len(found) == 1 and found[0].severity == "warning"


class TestBadFiles:
    """A file that cannot be validated gets exit 2 and a Japanese message; a broken one, exit 1."""

    @pytest.mark.parametrize(
        ("content", "words"),
        [
            (b"", "Excel ブック（.xlsx）ではありません"),
            (
                "事業ID,事務事業名\n2-01,スタートアップ企業支援\n".encode("cp932"),
                "Excel ブック（.xlsx）ではありません",
            ),
            (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024, "暗号化"),
            (b"%PDF-1.4\n", "Excel ブック（.xlsx）ではありません"),
        ],
    )
    def test_exit_2(self, tmp_path, content, words):
        path = tmp_path / "master.xlsx"
        path.write_bytes(content)
        result = CliRunner().invoke(main, ["validate", "--master", str(path)])
        assert result.exit_code == 2
        assert words in result.output and "Traceback" not in result.output

    def test_encrypted_workbook(self, tmp_path):
        from msoffcrypto.format.ooxml import OOXMLFile

        path = tmp_path / "master.xlsx"
        with MASTER.open("rb") as plain, path.open("wb") as out:
            OOXMLFile(plain).encrypt("secret", out)
        with pytest.raises(OkaxlError, match="暗号化"):
            validate(path)

    def test_missing_master(self, tmp_path):
        result = CliRunner().invoke(main, ["validate", "--master", str(tmp_path / "nope.xlsx")])
        assert result.exit_code == 2 and "見つかりません" in result.output

    def test_missing_sheet_exits_1(self, tmp_path):
        path, _ = _mutated(tmp_path, MUTATIONS["a sheet deleted"])
        result = CliRunner().invoke(main, ["validate", "--master", str(path)])
        assert result.exit_code == 1
        assert "シート「圏域間連携」がありません" in result.output


class TestOutputs:
    """Text, JSON and Excel are views of the same problems."""

    def test_json_is_the_library_result(self, tmp_path):
        path, _ = _mutated(tmp_path, MUTATIONS["OCR 和气町 in 参加"])
        result = CliRunner().invoke(main, ["validate", "--master", str(path), "--format", "json"])
        assert result.exit_code == 1
        document = json.loads(result.output)
        assert set(document) == {"master", "sha256", "checked_at", "summary", "problems"}
        library = validate(path).to_json()
        assert document["problems"] == library["problems"]
        assert document["summary"] == {"errors": 1, "warnings": library["summary"]["warnings"]}
        (error,) = [p for p in document["problems"] if p["severity"] == "error"]
        assert error["code"] == "TOWN_UNKNOWN" and error["value"] == "和气町" and "和気町" in error["hint"]

    def test_text_names_the_cell(self, tmp_path):
        path, expected = _mutated(tmp_path, MUTATIONS["OCR 和气町 in 参加"])
        ((_, _, cell),) = expected
        result = CliRunner().invoke(main, ["validate", "--master", str(path)])
        assert f"参加!{cell}" in result.output
        assert result.output.strip().splitlines()[-1].startswith("検証結果: エラー 1件")

    def test_excel_report_links_to_the_cell(self, tmp_path):
        path, expected = _mutated(tmp_path, MUTATIONS["OCR 和气町 in 参加"])
        ((_, _, cell),) = expected
        out = tmp_path / "検証結果.xlsx"
        result = CliRunner().invoke(main, ["validate", "--master", str(path), "--output", str(out)])
        assert result.exit_code == 1
        ws = openpyxl.load_workbook(out).active
        rows = [r for r in ws.iter_rows(min_row=3) if r[6].value == "TOWN_UNKNOWN"]
        assert rows and rows[0][2].hyperlink.target.endswith(f"#'参加'!{cell}")
        assert ws.auto_filter.ref.startswith("A2")

    def test_excel_report_shows_a_formula_as_text(self, tmp_path):
        """The formula found in the master is the problem's 値: written as text, it prints as typed
        (written as a formula it ran, and printed 「#NAME?」 into the コード beside it)."""
        path, _ = _mutated(tmp_path, MUTATIONS["formula where a value is required"])
        out = tmp_path / "検証結果.xlsx"
        result = CliRunner().invoke(main, ["validate", "--master", str(path), "--output", str(out)])
        assert result.exit_code == 1
        ws = openpyxl.load_workbook(out).active
        (row,) = [r for r in ws.iter_rows(min_row=3) if r[6].value == "FORMULA_IN_VALUE"]
        assert (row[5].value, row[5].data_type) == ("=100+200", "s")

    def test_json_output_file(self, tmp_path):
        out = tmp_path / "r.json"
        result = CliRunner().invoke(main, ["validate", "--output", str(out)])
        assert result.exit_code == 0
        assert json.loads(out.read_text(encoding="utf-8"))["summary"]["errors"] == 0


def test_layout_sheets_have_schemas():
    from okaxl.validate.schemas import SCHEMAS

    assert set(SCHEMAS) == {s.name for s in layout.SHEETS}


def test_a_write_is_judged_as_validate_judges_it():
    """A merge judges only the cells it wrote (values.cell_problems, without pandera); each gets the
    problems the whole-sheet schemas give it, warnings too, a required cell left empty included."""
    from okaxl.cellref import column_index
    from okaxl.master.reader import read_master
    from okaxl.master.writer import Written, model_after
    from okaxl.validate.run import check_tables, check_written

    tables = read_master(MASTER)
    new = {s: int(tables[s].index.max()) + 1 for s in ("実績", "KPI実績", "マージ履歴") if len(tables[s])}
    new["マージ履歴"] = layout.FIRST_DATA_ROW
    cells = [
        ("実績", 2, "取組実績", "=SUM(A1)"),
        ("実績", 2, "次年度の意向", "継続  予定"),
        ("実績", 3, "今後の課題・改善点", "①課題 "),
        ("実績", 4, "事業計画", "同上"),
        ("実績", new["実績"], "事業ID", "1-01"),
        ("実績", new["実績"], "年度", "令和7年度"),
        ("KPI実績", 2, "現状値", "１２３"),
        ("KPI実績", 3, "現状値", "100人"),
        ("KPI実績", 3, "変動理由", "あ" * 2001),
        ("KPI実績", 4, "現状値", None),
        ("KPI実績", 5, "現状値", float("inf")),
        ("KPI実績", new["KPI実績"], "KPI_ID", "1-01-K1"),
        ("KPI実績", new["KPI実績"], "現状値", 12),
        ("マージ履歴", new["マージ履歴"], "年度", "R7"),
        ("マージ履歴", new["マージ履歴"], "変更件数", "3件"),
        ("マージ履歴", new["マージ履歴"], "備考", " ①"),  # the log's own text is not judged
    ]
    written = Written(
        cells=[(s, row, column_index(tables.letters[s][name]), value) for s, row, name, value in cells],
        added_rows={s: [row] for s, row in new.items()},
    )
    after = model_after(tables, written)
    looked = {(s, f"{tables.letters[s][name]}{row}") for s, row, name, _ in cells}
    looked |= {(s, tables.cell(s, row, name)) for s, row in new.items() for name in layout.sheet(s).column_names}
    by_cell: dict[str, list[tuple[int, str]]] = {}
    for s, cell in looked:
        name = next(n for n, letter in tables.letters[s].items() if cell.rstrip("0123456789") == letter)
        by_cell.setdefault(s, []).append((int(cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")), name))

    def found(problems):
        return sorted((p.to_json() for p in problems if (p.sheet, p.cell) in looked), key=json.dumps)

    whole = found(check_tables(after, TODAY, sheets=set(new)))
    assert found(check_written(after, TODAY, by_cell)) == whole
    codes = {(p["code"], p["sheet"], p["cell"]) for p in whole}
    assert {c for c, *_ in codes} >= {
        "TEXT_FORMULA_LIKE", "TEXT_INNER_SPACES", "MACHINE_DEPENDENT_CHAR", "TEXT_SPACES", "DITTO",
        "NOT_A_YEAR", "VALUE_REQUIRED", "NUMBER_FULL_WIDTH", "NUMBER_WITH_UNIT", "TEXT_TOO_LONG", "NOT_A_NUMBER",
    }
    assert not {c for c in codes if c[1] == "マージ履歴" and c[2].startswith("I")}


class TestIdHistory:
    """An ID once used is not given to another project; renaming a project keeps its ID legitimately."""

    VERSIONS = MASTER.parent / "versions"

    def _rename(self, book, name, measure=None):
        for sheet in ("事業", "参加", "掲載"):
            ws = book[sheet]
            for row in range(2, ws.max_row + 1):
                if ws[f"{col(ws, '事業ID')}{row}"].value == "2-01":
                    ws[f"{col(ws, '事務事業名')}{row}"] = name
                    if measure and sheet == "事業":
                        ws[f"{col(ws, '施策')}{row}"] = measure
        return addr(book["事業"], "事業ID", 事業ID="2-01")

    def _found(self, path):
        return {
            (p.code, p.sheet, p.cell) for p in validate(path, today=TODAY, versions=self.VERSIONS).problems
        }

    def test_reused_for_another_project(self, tmp_path):
        base = self._found(MASTER)
        path, expected = _mutated(
            tmp_path,
            lambda b: {
                (
                    "ID_REUSED",
                    "事業",
                    self._rename(b, "農産物直売所の連携", "地域資源を活かした商品や農産物の販路開拓・拡大"),
                )
            },
        )
        assert self._found(path) - base == expected

    def test_renamed_project_keeps_its_id(self, tmp_path):
        base = self._found(MASTER)
        path, _ = _mutated(tmp_path, lambda b: {self._rename(b, "スタートアップ企業の支援")})
        assert self._found(path) - base == set()


class TestConfirmedWarnings:
    """Warnings staff have seen stop coming back every night; a changed cell brings its warning back."""

    def test_confirm_two_then_change_one(self, tmp_path):
        path = tmp_path / "master.xlsx"
        shutil.copy2(MASTER, path)
        book = openpyxl.load_workbook(path)
        a = setv(book, "実績", "事業計画", "会議を①回開く。", 事業ID="1-01", 年度=2017)
        b = setv(book, "施策", "説明", "説明②", 施策名="新たな産業の創出及び地域産業の振興")
        book.save(path)
        report = validate(path, today=TODAY)
        fresh = [p for p in report.problems if p.code == "MACHINE_DEPENDENT_CHAR"]
        assert {(p.sheet, p.cell) for p in fresh} == {("実績", a), ("施策", b)} and report.errors == 0
        book = openpyxl.load_workbook(path)
        seen = book["確認済み警告"]
        for p in fresh:
            seen.append([p.code, p.sheet, p.cell, p.value, "政策企画課 岡山", dt.datetime(2026, 11, 30), "原文のとおり"])
        book.save(path)
        report = validate(path, today=TODAY)
        assert report.warnings == 0 and len(report.confirmed) == 42  # 40 of the seeds, and these two
        result = CliRunner().invoke(main, ["validate", "--master", str(path), "--format", "json"])
        assert result.exit_code == 0
        assert json.loads(result.stdout)["summary"] == {"errors": 0, "warnings": 0}
        from okaxl.shell.schedule import write_nightly

        nightly = json.loads(write_nightly(report, tmp_path / "reports", keep=3).read_text(encoding="utf-8"))
        assert nightly["problems"] == [] and len(nightly["confirmed"]) == 42  # the night speaks of new ones
        book = openpyxl.load_workbook(path)
        book["実績"][a] = "会議を②回開く。"
        book.save(path)
        back = [p for p in validate(path, today=TODAY).problems if p.code == "MACHINE_DEPENDENT_CHAR"]
        assert [(p.sheet, p.cell) for p in back] == [("実績", a)]

    def test_a_master_without_the_sheet(self, tmp_path):
        path = tmp_path / "master.xlsx"
        shutil.copy2(MASTER, path)
        book = openpyxl.load_workbook(path)
        del book["確認済み警告"]
        book.save(path)
        report = validate(path, today=TODAY)
        assert report.errors == 0 and report.warnings == 40 and not report.confirmed
