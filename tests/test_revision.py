"""The changes-only excerpt between two versions of the master."""

from __future__ import annotations

import datetime as dt
import shutil

import openpyxl
import pytest
from click.testing import CliRunner

from okaxl.master import ledger
from okaxl.publish.revision import compare
from okaxl.shell.cli import main
from tests.conftest import MASTER, ROOT
from tests.seeds import detail_sheets, reference_page, seed

V2024 = ROOT / "workbooks" / "versions" / "master_令和6年3月版.xlsx"
NEW_PROJECTS = (
    "出会い・結婚サポート",
    "救急安心センター事業",
    "加齢性難聴の早期発見・早期ケア",
    "不当要求行為等への対応支援",
)
PUBLIC_FACILITIES = "公共施設の質・量の適正化に向けた仕組み構築"


def run(project, *args):
    return CliRunner().invoke(main, [*map(str, args), "--config", str(project.path)])


class TestShippedVersions:
    """The 2024-03 version shipped, and the real 2026 excerpt made from it."""

    def test_version_is_the_2024_table(self, project, tmp_path):
        from okaxl.master.reader import read_master
        from okaxl.publish.matrix import build_matrix
        from tests.seeds import annex_table

        matrix = build_matrix(read_master(V2024), dt.date(2024, 3, 31))
        expected, _ = annex_table("002")
        assert [(r.name, r.towns, r.page) for r in matrix.rows] == expected
        assert build_matrix(read_master(V2024), dt.date(2026, 3, 31)).project_count == 44  # no later projects

    def test_version_leaves_the_unknown_empty(self):
        from okaxl.master.reader import read_master
        from okaxl.master.tables import records

        projects = {r["事務事業名"]: r for r in records(read_master(V2024)["事業"]) if r["期"] == "第2期"}
        muslim = projects["岡山型ムスリムツーリズムの推進"]  # its 2024 sheet is not in the seeds
        assert muslim["事業目的"] is None and muslim["内容の出典"].startswith("資料なし")
        assert projects[PUBLIC_FACILITIES]["事業費計"] == 1669761

    def test_the_2026_excerpt(self, project, tmp_path):
        out = tmp_path / "r.xlsx"
        result = run(project, "revision", V2024, MASTER, "--output", out)
        assert result.exit_code == 0, result.output
        book = openpyxl.load_workbook(out)
        details = [n for n in book.sheetnames if n.startswith("P")]
        # every detail sheet seed 003 prints, in its order: the new and changed projects, and those
        # whose 2024 content the seeds do not give (a change cannot be ruled out there)
        printed = detail_sheets("003")
        assert [n.split(" ", 1)[1] for n in details] == list(printed)
        # the 【連携協約の取組】 paragraph only where the seed prints it (風水害's page, not 公共施設's)
        headings = {
            sheet.split(" ", 1)[1]: next(
                (c.value.removeprefix("【連携協約の取組】 ") for c in book[sheet]["A"] if str(c.value).startswith("【連携協約の取組】")),
                None,
            )
            for sheet in details
        }
        assert headings == printed and list(headings.values()).count(None) == 7
        cover = [c.value for c in book["表紙"]["B"] if c.value]
        assert "※変更箇所のみ抜粋" in cover and "令和8年（2026年）3月" in cover and "岡山市" in cover
        # the back page, after the details, says what seed 003's last page says, line for line
        assert book.sheetnames[-2:] == ["裏表紙", "変更一覧"]
        last_page = seed("003").rsplit("**第2期", 1)[1].replace("**", "")
        printed = [line.strip() for line in last_page.splitlines() if line.strip()]
        back = [str(c.value) for c in book["裏表紙"]["B"] if c.value]
        assert printed[0] == "岡山連携中枢都市圏ビジョン" and back[0] == "第2期 岡山連携中枢都市圏ビジョン"
        assert back[1:] == printed[1:] == [
            "《別冊》",
            "令和8年(2026年)3月改訂",
            "岡山市政策局政策部政策企画課",
            "〒700-8544 岡山市北区大供一丁目1番1号",
            "TEL 086-803-1040 / FAX 086-803-1732",
        ]
        table = book["具体的な取組"]
        assert "48事務事業" in table["B3"].value
        (reference,) = [r for r in table.iter_rows(values_only=True) if r[1] == "【参考】 圏域間連携事業"]
        assert reference[-1] == reference_page("003")
        ws = book[next(n for n in details if PUBLIC_FACILITIES[:10] in n)]
        r6 = next(c for row in ws.iter_rows() for c in row if c.value == "532,140千円")
        assert r6.fill.fgColor.rgb.endswith("FFF2CC") and r6.comment.text == "変更前：489,380千円"
        texts = {
            name: [c.value for row in book[sheet].iter_rows() for c in row if isinstance(c.value, str)]
            for sheet in details
            for name in [sheet.split(" ", 1)[1]]
        }
        volunteers = texts["市民協働事業の推進（災害ボランティア）"]
        assert "※P.37に記載の事業「市民協働事業の推進」の一部抜粋。重要業績評価指標（KPI）は、P.37に記載" in volunteers
        assert "※事業費は、P.37に記載の額を含む" in volunteers and "指標" not in volunteers  # no KPI block
        muslim = book[next(n for n in details if "ムスリム" in n)]
        # its 2024 sheet is not in okaxl's sources: the sheet is whole, marked as such (a note under
        # it on paper, a comment on screen), and no cell is marked as changed
        name = next(c for row in muslim.iter_rows() for c in row if c.value == "岡山型ムスリムツーリズムの推進")
        assert "okaxl の元資料になく" in name.comment.text
        notes = [t for t in texts["岡山型ムスリムツーリズムの推進"] if "資料" in t or "網掛け" in t]
        assert notes == ["※令和6年（2024年）3月版のこの事業の内容は元資料になく、変更箇所を示せないため全体を掲載"]
        assert not [c for row in muslim.iter_rows() for c in row if c.fill.fgColor.rgb.endswith("FFF2CC")]
        kpi = next(c for row in muslim.iter_rows() for c in row if c.value == "1,812人（令和元年度）")
        assert f"{kpi.coordinate}:{kpi.offset(column=1).coordinate}" in {str(m) for m in muslim.merged_cells.ranges}
        kpi = next(c for row in ws.iter_rows() for c in row if c.value == "休場日以外の火葬受入不能日数")
        assert kpi.fill.fgColor.rgb.endswith("FFF2CC")
        changes = [r for r in book["変更一覧"].iter_rows(min_row=3, values_only=True)]
        participation = {r[1]: r[5] for r in changes if r[2] == "連携市町"}
        assert participation == {
            "有害鳥獣対策研究": "追加 赤磐市",
            "森林機能の維持増進に関する研究": "追加 赤磐市",
            "男女共同参画推進事業": "追加 津山市",
            "路線バス等生活交通の維持・確保": "追加 総社市・備前市",
            "外国人コミュニケーション支援": "追加 和気町",
        }
        unknown = {r[1] for r in changes if r[5] == "内容不明"}
        assert unknown == {
            "岡山型ムスリムツーリズムの推進",
            "風水害対応力の向上",
            "市民協働事業の推進（災害ボランティア）",
        }
        costs = {
            r[2]: (r[3], r[4]) for r in changes if r[1] == PUBLIC_FACILITIES and r[2].startswith("事業費")
        }
        assert costs == {
            "事業費（R6年度）": ("489,380千円", "532,140千円"),
            "事業費（R7年度）": ("300千円", "53,577千円"),
            "事業費（R8年度）": ("300千円", "52,691千円"),
            "事業費（計）": ("1,669,761千円", "1,818,189千円"),
            "事業費の注記": (
                "※事業費(見込額)は「見える化」事業「瀬戸内市新火葬場(仮称)整備事業」の合計。「広域ごみ処理施設整備事業」の事業費はP.24に掲載",
                "※事業費(見込額)は「見える化」事業「瀬戸内市新火葬場(仮称)整備事業」の合計。「広域ごみ処理施設整備事業」の事業費はP.28に掲載",
            ),
        }


class TestSynthetic:
    """A change made by a test yields exactly that change, whatever else moved."""

    def test_exactly_the_changes_made(self, project, tmp_path):
        changed = tmp_path / "changed.xlsx"
        shutil.copy2(MASTER, changed)
        book = openpyxl.load_workbook(changed)
        ws = book["参加"]
        ws.append(
            ["2-01", "スタートアップ企業支援", "津山市", "●", dt.datetime(2026, 3, 1), None, None, None]
        )
        ws.insert_rows(10, 3)  # blank rows inserted elsewhere
        plan = book["工程"]
        row = next(
            r
            for r in range(2, plan.max_row + 1)
            if plan[f"A{r}"].value == "2-12" and plan[f"B{r}"].value == 2022
        )
        plan[f"D{row}"] = 5
        kpi = book["KPI"]
        row = next(r for r in range(2, kpi.max_row + 1) if kpi[f"A{r}"].value == "2-07-K1")
        target = next(c.column_letter for c in kpi[1] if c.value == "目標値")
        kpi[f"{target}{row}"] = 5000
        projects = book["事業"]
        row = next(r for r in range(2, projects.max_row + 1) if projects[f"A{r}"].value == "2-09")
        projects[f"I{row}"] = projects[f"I{row}"].value + "　"  # white space only: not a change
        book.move_sheet("工程", offset=3)  # sheets reordered
        reference = book["圏域間連携"]
        heads = [c.value for c in reference[1]]
        esd = next(r for r in range(2, reference.max_row + 1) if reference.cell(r, 2).value == "ESD実践")
        reference.cell(esd, 1 + heads.index("事業目的"), "圏域の住民が学びあう。")
        reference.append(["高梁川流域連携中枢都市圏", "防災研修", "研修を合同で開く。", None, None])
        book.save(changed)
        found = {(c.pid, c.name, c.item) for c in compare(MASTER, changed).changes}
        assert found == {
            ("2-01", "スタートアップ企業支援", "連携市町"),
            ("2-12", "高齢者見守りネットワーク連携", "事業費（R4年度）"),
            ("2-07", "岡山型ムスリムツーリズムの推進", "KPI1 目標値"),
            ("参考", "【参考】高梁川流域連携中枢都市圏：ESD実践", "事業目的"),
            ("参考", "【参考】高梁川流域連携中枢都市圏：防災研修", "事業"),
        }

    def test_same_version_has_no_changes(self, project, tmp_path):
        out = tmp_path / "same.xlsx"
        result = run(project, "revision", MASTER, MASTER, "--output", out)
        assert result.exit_code == 0 and "変更はありません" in result.output
        book = openpyxl.load_workbook(out)
        assert book.sheetnames == ["表紙", "具体的な取組", "裏表紙", "変更一覧"]
        assert "変更はありません" in [c.value for c in book["表紙"]["B"]]

    @pytest.mark.parametrize("kind", ["matrix", "schema"])
    def test_not_a_master(self, project, tmp_path, kind):
        other = tmp_path / "other.xlsx"
        if kind == "matrix":
            assert run(project, "matrix", "--output", other).exit_code == 0
        else:
            shutil.copy2(MASTER, other)
            book = openpyxl.load_workbook(other)
            info = book["情報"]
            row = next(r for r in range(2, info.max_row + 1) if info[f"A{r}"].value == "スキーマ版")
            info[f"B{row}"] = "9"
            book.save(other)
        result = run(project, "revision", other, MASTER)
        assert result.exit_code == 2
        assert ("okaxl のマスター" if kind == "matrix" else "スキーマ版 9") in result.output


class TestVersionSave:
    def test_saved_read_only_with_its_hash(self, project):
        result = run(project, "version", "save", "--label", "R8-03")
        assert result.exit_code == 0, result.output
        saved = project.versions / "master_R8-03.xlsx"
        assert saved.read_bytes() == project.master.read_bytes()
        assert saved.stat().st_mode & 0o222 == 0
        (record,) = [r for r in ledger.read(project.master) if r.get("op") == "version"]
        from okaxl.master.commit import sha256_of

        assert record["sha256"] == sha256_of(saved) and record["label"] == "R8-03"
        again = run(project, "version", "save", "--label", "R8-03")
        assert again.exit_code == 2 and "既にあります" in again.output

    def test_bad_label(self, project):
        assert run(project, "version", "save", "--label", "令和8/3").exit_code == 2


def test_rebuilt_version_equals_the_shipped_one(project, tmp_path):
    out = tmp_path / "v.xlsx"
    result = run(project, "master", "build", "--edition", "2024-03", "--output", out)
    assert result.exit_code == 0, result.output
    a, b = openpyxl.load_workbook(out), openpyxl.load_workbook(V2024)
    assert {ws.title: list(ws.iter_rows(values_only=True)) for ws in a.worksheets} == {
        ws.title: list(ws.iter_rows(values_only=True)) for ws in b.worksheets
    }


def test_a_role_longer_than_a_page_is_said_again_on_the_next(tmp_path, monkeypatch):
    """具体的な取組 of masters three times the real one: a 役割's rows that run over a page break
    only between its 連携取組, and the next page's rows have the 役割 again (as seed 003 prints
    it); a 役割 that fits a page is never split."""
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    from common import scaled_master

    old = scaled_master(3, tmp_path / "old.xlsx", source=V2024)
    new = scaled_master(3, tmp_path / "new.xlsx")
    out = tmp_path / "r.xlsx"
    result = CliRunner().invoke(main, ["revision", str(old), str(new), "--output", str(out), "--config", str(ROOT / "config.toml")])
    assert result.exit_code == 0, result.output
    ws = openpyxl.load_workbook(out)["具体的な取組"]
    breaks = sorted(b.id for b in ws.row_breaks.brk)
    roles = sorted((m for m in ws.merged_cells.ranges if m.min_col == m.max_col == 1 and m.min_row >= 4), key=lambda m: m.min_row)
    assert breaks and not any(r.min_row <= b < r.max_row for r in roles for b in breaks)
    starts = {r.min_row for r in roles}
    assert all(b + 1 in starts for b in breaks if b + 1 <= max(starts))
    labels = [ws.cell(r.min_row, 1).value for r in roles]
    assert len(labels) > len(set(labels))  # a 役割 said again
    for b in breaks:  # the row after a break starts a 連携取組 (bold), never a project of one
        assert ws.cell(b + 1, 2).font.b, (b + 1, ws.cell(b + 1, 2).value)


def test_each_detail_sheet_is_counted_as_it_is_made(project, tmp_path):
    """The bar of `okaxl revision` moves once per detail sheet, out of the detail sheets to make."""
    from okaxl.shell import actions

    steps: list[int] = []
    out = tmp_path / "r.xlsx"
    V2024 = ROOT / "workbooks" / "versions" / "master_令和6年3月版.xlsx"
    actions.revision(project, V2024, MASTER, out, each=steps.append)
    details = [n for n in openpyxl.load_workbook(out, read_only=True).sheetnames if n.startswith("P")]
    assert len(steps) == len(details) == 8 and set(steps) == {8}
    result = CliRunner().invoke(main, ["revision", str(V2024), str(MASTER), "--output", str(out), "--config", str(project.path)])
    assert result.exit_code == 0 and "改訂案を作成中" in result.output, result.output


@pytest.mark.parametrize("which", ["旧版", "新版"])
def test_a_version_named_that_does_not_exist(project, tmp_path, which):
    """Said of the argument typed, not blamed on config.toml's master."""
    missing = tmp_path / "nope.xlsx"
    old, new = (missing, MASTER) if which == "旧版" else (MASTER, missing)
    result = CliRunner().invoke(main, ["revision", str(old), str(new), "--config", str(project.path)])
    assert result.exit_code == 2
    assert f"{which} に指定したマスターブック" in result.output and "config.toml" not in result.output
