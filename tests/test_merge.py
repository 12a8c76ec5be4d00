"""Merging returns: values land in the right rows; the same merge twice changes nothing; conflicts are
reported and not written; the master survives locks, crashes and restyling."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from okaxl.errors import OkaxlError
from okaxl.master import ledger
from okaxl.master.commit import CRASH_POINTS, recover, sha256_of
from okaxl.master.model import Model
from okaxl.master.reader import read_master
from okaxl.master.tables import records
from okaxl.returns import formlayout
from okaxl.returns.check import check_return
from okaxl.shell.cli import main
from okaxl.validate.run import validate
from tests.forms_helpers import context, fill, make_forms

TOWNS = ("津山市", "玉野市", "和気町")


def run(project, *args):
    return CliRunner().invoke(main, ["merge", *map(str, args), "--config", str(project.path)])


def answers(project, town, year=2025):
    tables = read_master(project.master)
    results = {r["事業ID"]: r for r in records(tables["実績"]) if r["市町"] == town and r["年度"] == year}
    values = {r["KPI_ID"]: r for r in records(tables["KPI実績"]) if r["市町"] == town and r["年度"] == year}
    return results, values


@pytest.fixture
def filled(project):
    forms = make_forms(project, towns=TOWNS)
    paths = {}
    for n, town in enumerate(TOWNS):
        paths[town] = fill(
            forms[town],
            project.inbox / forms[town].name,
            results=f"{town}で説明会を{n + 1}回開いた。",
            kpi=100 * (n + 1),
        )
    return forms, paths


class TestMerge:
    def test_values_land_in_the_right_rows(self, project, filled):
        forms, _ = filled
        result = run(project)
        assert result.exit_code == 0, result.output
        for n, town in enumerate(TOWNS):
            results, values = answers(project, town)
            form = openpyxl.load_workbook(forms[town])
            listed = [
                form[formlayout.PROJECTS][f"A{r}"].value
                for r in range(5, 200)
                if form[formlayout.PROJECTS][f"A{r}"].value
            ]
            assert sorted(results) == sorted(listed)
            assert {r["取組実績"] for r in results.values()} == {f"{town}で説明会を{n + 1}回開いた。"}
            assert {r["次年度の意向"] for r in results.values()} == {"継続"}
            first_kpi = form[formlayout.KPIS]["A5"].value
            assert values[first_kpi]["現状値"] == 100 * (n + 1)
        assert validate(project.master).errors == 0

    def test_next_years_forms_show_what_was_merged(self, project, filled):
        """After the FY2025 merge, each town's FY2026 form shows its own 2025 取組実績 and KPI value,
        locked, in the rows of those projects and KPIs; a 2026 value that moves from it without
        a reason is sent back at the reason's cell."""
        assert filled and run(project).exit_code == 0
        following = make_forms(project, year=2026, towns=TOWNS)
        for n, town in enumerate(TOWNS):
            results, values = answers(project, town)
            book = openpyxl.load_workbook(following[town])
            ws = book[formlayout.PROJECTS]
            shown = {ws[f"A{r}"].value: ws[f"G{r}"] for r in range(formlayout.FIRST_ROW, ws.max_row + 1) if ws[f"A{r}"].value}
            model = Model.of(read_master(project.master))
            taking_part = set(model.projects_of(town, 2026))
            taking_part -= {p for p in taking_part if model.projects[p].get("抜粋元") in taking_part}
            assert set(shown) == taking_part and set(results) & taking_part
            for project_id in taking_part & set(results):
                assert results[project_id]["取組実績"] in str(shown[project_id].value)
                assert "R7" in str(shown[project_id].value)
                assert shown[project_id].protection.locked and ws.protection.sheet
            ws = book[formlayout.KPIS]
            previous = {ws[f"A{r}"].value: ws[f"F{r}"] for r in range(formlayout.FIRST_ROW, ws.max_row + 1) if ws[f"A{r}"].value}
            for kpi_id, row in values.items():
                if kpi_id.rsplit("-K", 1)[0] not in taking_part:
                    continue
                assert previous[kpi_id].value == row["現状値"] == 100 * (n + 1)
                assert previous[kpi_id].protection.locked
        town = TOWNS[0]
        kpi_id = next(iter(answers(project, town)[1]))
        book = openpyxl.load_workbook(following[town])
        ws = book[formlayout.KPIS]
        row = next(r for r in range(formlayout.FIRST_ROW, ws.max_row + 1) if ws[f"A{r}"].value == kpi_id)
        ws[f"G{row}"] = 160  # +60% from 2025's 100, above the 50% the config allows without a reason
        answers_sheet = book[formlayout.PROJECTS]
        for r in range(formlayout.FIRST_ROW, answers_sheet.max_row + 1):
            if answers_sheet[f"A{r}"].value:
                answers_sheet[f"H{r}"], answers_sheet[f"J{r}"] = "会議を開いた。", "継続"
        target = project.inbox / "2026" / following[town].name
        target.parent.mkdir(parents=True)
        book.save(target)
        result = check_return(target, context(project, 2026))
        assert {(p.code, p.sheet, p.cell) for p in result.problems if p.severity == "error"} == {
            ("RETURN_REASON_MISSING", formlayout.KPIS, f"I{row}")
        }

    def test_backup_log_ledger_archive(self, project, filled):
        before = project.master.read_bytes()
        assert run(project).exit_code == 0
        (backup,) = project.backups.glob("master_*.xlsx")
        assert backup.read_bytes() == before
        log = read_master(project.master)["マージ履歴"]
        assert sorted(log["市町"]) == sorted(TOWNS) and set(log["状態"]) == {"取込"}
        entries = [r for r in ledger.read(project.master) if r.get("op") == "return"]
        assert {e["town"] for e in entries} == set(TOWNS) and all(e["status"] == "merged" for e in entries)
        entry = entries[0]
        for key in (
            "seq",
            "utc",
            "operator",
            "host",
            "okaxl",
            "file",
            "size",
            "sha256",
            "content_sha256",
            "form_id",
            "instance_id",
            "year",
            "template_version",
            "hmac",
            "master_before",
            "master_after",
            "backup",
            "changes",
        ):
            assert key in entry, key
        assert entry["master_after"] == sha256_of(project.master) and entry["hmac"] is True
        assert {c["sheet"] for c in entry["changes"]} == {"実績", "KPI実績"}
        ops = [r["op"] for r in ledger.read(project.master) if r.get("op") in ("intent", "commit")]
        assert ops == ["intent", "commit"]
        assert len(list(project.archive.iterdir())) == 3

    def test_same_merge_twice_changes_nothing(self, project, filled):
        assert run(project).exit_code == 0
        after = project.master.read_bytes()
        result = run(project, "--format", "json")
        assert result.exit_code == 0
        assert {r["status"] for r in json.loads(result.stdout)["returns"]} == {"unchanged"}
        assert project.master.read_bytes() == after
        assert len(list(project.backups.glob("*.xlsx"))) == 1

    def test_resaved_copy_is_the_same_content(self, project, filled):
        _, paths = filled
        assert run(project, paths["津山市"]).exit_code == 0
        after = project.master.read_bytes()
        book = openpyxl.load_workbook(paths["津山市"])
        book.properties.creator = "津山市 担当者"  # a re-save changes only docProps
        resaved = project.output / "again" / paths["津山市"].name
        resaved.parent.mkdir(parents=True)
        book.save(resaved)
        assert sha256_of(resaved) != sha256_of(paths["津山市"])
        result = run(project, resaved, "--format", "json")
        assert json.loads(result.stdout)["returns"][0]["status"] == "unchanged"
        assert project.master.read_bytes() == after

    def test_dry_run_writes_nothing(self, project, filled):
        before = project.master.read_bytes()
        result = run(project, "--dry-run", "--format", "json")
        assert result.exit_code == 0
        returns = json.loads(result.stdout)["returns"]
        assert all(r["status"] == "valid" and r["changes"] for r in returns)
        assert project.master.read_bytes() == before
        assert not project.backups.exists() and not ledger.ledger_path(project.master).exists()


class TestConflicts:
    def test_a_different_answer_is_a_conflict_then_replace(self, project, filled):
        forms, paths = filled
        assert run(project, paths["津山市"]).exit_code == 0
        merged = project.master.read_bytes()
        correction = fill(
            forms["津山市"],
            project.output / "fix" / paths["津山市"].name,
            results="説明会を3回開いた。",
            kpi=100,
        )
        result = run(project, correction, "--format", "json")
        assert result.exit_code == 1
        (document,) = json.loads(result.stdout)["returns"]
        assert document["status"] == "conflict"
        change = document["changes"][0]
        assert change["field"] == "取組実績" and change["old"] == "津山市で説明会を1回開いた。"
        assert change["new"] == "説明会を3回開いた。" and change["files"] == [
            paths["津山市"].name,
            correction.name,
        ]
        assert project.master.read_bytes() == merged
        result = run(project, correction, "--replace", "--format", "json")
        assert result.exit_code == 0
        assert {r["取組実績"] for r in answers(project, "津山市")[0].values()} == {"説明会を3回開いた。"}
        last = [r for r in ledger.read(project.master) if r.get("op") == "return"][-1]
        assert last["status"] == "merged" and all(
            c["replaced"] for c in last["changes"] if c["field"] == "取組実績"
        )

    def test_a_new_form_instance_supersedes_with_replace(self, project, filled):
        _, paths = filled
        assert run(project, paths["和気町"]).exit_code == 0
        new_form = make_forms(project, towns=("和気町",))["和気町"]
        correction = fill(new_form, project.output / "v2" / new_form.name, results="研修を開いた。")
        assert run(project, correction).exit_code == 1
        assert run(project, correction, "--replace").exit_code == 0
        superseded = [r for r in ledger.read(project.master) if r.get("status") == "superseded"]
        assert len(superseded) == 1 and superseded[0]["town"] == "和気町"

    def test_two_returns_in_one_batch_that_disagree(self, project, filled):
        forms, paths = filled
        other = fill(forms["玉野市"], project.inbox / "R7_玉野市_回答様式（修正）.xlsx", results="別の内容。")
        before = project.master.read_bytes()
        result = run(project, paths["玉野市"], other, "--format", "json")
        assert result.exit_code == 1
        returns = json.loads(result.stdout)["returns"]
        assert [r["status"] for r in returns] == ["conflict", "conflict"]
        assert any(
            c["field"] == "取組実績" and set(c["files"]) == {paths["玉野市"].name, other.name}
            for c in returns[0]["changes"]
        )
        assert project.master.read_bytes() == before

    def test_invalid_returns_are_not_merged(self, project, filled):
        _, paths = filled
        book = openpyxl.load_workbook(paths["津山市"])
        book[formlayout.KPIS]["G5"] = "たくさん"
        book.save(paths["津山市"])
        result = run(project, "--format", "json")
        assert result.exit_code == 1
        statuses = {r["town"]: r["status"] for r in json.loads(result.stdout)["returns"]}
        assert statuses == {"津山市": "invalid", "玉野市": "merged", "和気町": "merged"}
        assert answers(project, "津山市") == ({}, {})
        assert (project.output / "指摘" / f"{paths['津山市'].stem}_指摘.xlsx").exists()


class TestLocks:
    def test_master_open_in_excel(self, project, filled):
        before = project.master.read_bytes()
        (project.master.parent / "~$master.xlsx").write_bytes(b"\0" * 162)
        result = run(project)
        assert result.exit_code == 2 and "Excel" in result.output and "閉じて" in result.output
        assert project.master.read_bytes() == before

    def test_another_merge_holds_the_lock(self, project, filled):
        before = project.master.read_bytes()
        holder = subprocess.Popen(
            [
                sys.executable,
                "-c",
                (
                    "import sys, time; from pathlib import Path; from okaxl.master.writelock import writing\n"
                    f"with writing(Path({str(project.master)!r})):\n    print('held', flush=True); time.sleep(30)"
                ),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert holder.stdout.readline().strip() == "held"
            result = run(project)
            assert result.exit_code == 2
            assert "別の取り込み" in result.output and str(holder.pid) in result.output
            assert project.master.read_bytes() == before
        finally:
            holder.kill()
            holder.wait()


class TestFormatting:
    """A master the staff restyled keeps every bit of it after a merge."""

    def test_restyled_master_survives(self, project, filled):
        book = openpyxl.load_workbook(project.master)
        ws = book["実績"]
        ws["A2"].fill = PatternFill("solid", fgColor="FFFF00")
        ws["B2"].font = Font(name="メイリオ", bold=True, color="C00000")
        ws.column_dimensions["E"].width = 77
        ws.row_dimensions[2].height = 55
        ws["C2"].comment = Comment("担当：政策企画課", "staff")
        ws.conditional_formatting.add(
            "B2:B500",
            CellIsRule(operator="lessThan", formula=["2020"], fill=PatternFill("solid", fgColor="DDDDDD")),
        )
        rule = DataValidation(type="list", formula1='"継続,検討中,終了予定"', allow_blank=True)
        rule.add("G2:G500")
        ws.add_data_validation(rule)
        ws.sheet_properties.tabColor = "00B050"
        book["KPI実績"]["A1"].fill = PatternFill("solid", fgColor="92D050")
        book.save(project.master)
        assert run(project).exit_code == 0
        after = openpyxl.load_workbook(project.master)
        ws = after["実績"]
        assert ws["A2"].fill.fgColor.rgb.endswith("FFFF00")
        assert ws["B2"].font.name == "メイリオ" and ws["B2"].font.bold
        assert ws.column_dimensions["E"].width == 77 and ws.row_dimensions[2].height == 55
        assert ws["C2"].comment.text == "担当：政策企画課"
        assert len(ws.conditional_formatting) == 1
        assert any(dv.formula1 == '"継続,検討中,終了予定"' for dv in ws.data_validations.dataValidation)
        assert ws.sheet_properties.tabColor.rgb.endswith("00B050")
        assert after["KPI実績"]["A1"].fill.fgColor.rgb.endswith("92D050")
        new_rows = [
            r for r in range(3, ws.max_row + 1) if ws[f"C{r}"].value == "津山市" and ws[f"B{r}"].value == 2025
        ]
        assert new_rows and ws.freeze_panes == "B2"
        assert [s.title for s in after.worksheets] == [s.title for s in book.worksheets]


def _merge_process(project, env_extra=None):
    env = {**os.environ, **(env_extra or {})}
    return subprocess.Popen(
        [sys.executable, "-m", "okaxl", "merge", "--config", str(project.path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )


def _settled(project, old: bytes) -> str:
    """After a crash: the master opens and is exactly the old file or exactly the new one."""
    master = project.master
    read_master(master)  # opens
    intents = [r for r in ledger.read(master) if r.get("op") == "intent"]
    current = sha256_of(master)
    if master.read_bytes() == old:
        state = "old"
    else:
        assert intents and current == intents[-1]["new"], (
            "the master is neither the old nor the verified new file"
        )
        state = "new"
    recover(master, project.backups)
    assert not [p for p in master.parent.iterdir() if p.name.startswith(".~okaxl")]
    assert not list(project.backups.glob("*.partial")) if project.backups.exists() else True
    return state


@pytest.fixture
def staff_filled(staff_project):
    """Three towns' returns in the inbox of a project whose master is the one staff have."""
    forms = make_forms(staff_project, towns=TOWNS)
    for n, town in enumerate(TOWNS):
        fill(forms[town], staff_project.inbox / forms[town].name, results=f"{town}の報告{n}", kpi=7 * (n + 1))
    return staff_project


@pytest.mark.office
class TestCrashes:
    """A merge into the staff master that dies at any moment leaves it whole: exactly old or new."""

    @pytest.mark.parametrize("step", CRASH_POINTS)
    def test_fixed_crash_points(self, staff_filled, step):
        project = staff_filled
        old = project.master.read_bytes()
        process = _merge_process(project, {"OKAXL_CRASH_AT": step})
        assert process.wait(timeout=120) == 70
        state = _settled(project, old)
        assert state == ("new" if step == "after_replace" else "old")
        result = run(project, "--format", "json")  # recovery, then the merge completes or is unchanged
        assert result.exit_code == 0, result.output
        assert validate(project.master).errors == 0
        assert {r["status"] for r in json.loads(result.stdout)["returns"]} <= {"merged", "unchanged"}

    def test_killed_at_random_moments(self, staff_filled):
        project = staff_filled
        old = project.master.read_bytes()
        start = time.monotonic()
        assert _merge_process(project).wait(timeout=120) == 0
        duration = time.monotonic() - start
        states = []
        rng = random.Random(20261126)
        for attempt in range(30):
            # back to the old master, and kill a fresh merge somewhere in its run
            for stray in project.master.parent.glob(".~okaxl*"):
                stray.unlink()
            project.master.write_bytes(old)
            ledger.ledger_path(project.master).unlink(missing_ok=True)
            process = _merge_process(project)
            # a third anywhere in the run, the rest in its last 40%, where the master is written
            low = 0.3 if attempt < 10 else duration * 0.6
            time.sleep(rng.uniform(low, duration * 1.05))
            process.send_signal(signal.SIGKILL)
            process.wait()
            states.append(_settled(project, old))
        assert set(states) <= {"old", "new"} and len(states) == 30
        print("kill outcomes:", {s: states.count(s) for s in set(states)})


class TestRecovery:
    def test_unexpected_master_stops(self, project):
        ledger.append(project.master, {"op": "intent", "old": "a" * 64, "new": "b" * 64})
        with pytest.raises(OkaxlError, match="想定外"):
            recover(project.master, project.backups)

    def test_stray_files_are_removed(self, project):
        stray = project.master.parent / ".~okaxl-master-abc.xlsx"
        stray.write_bytes(b"partial")
        project.backups.mkdir(parents=True)
        (project.backups / "master_x.xlsx.partial").write_bytes(b"x")
        notes = recover(project.master, project.backups)
        assert len(notes) == 2 and not stray.exists()
        assert not list(project.backups.glob("*.partial"))


def test_openpyxl_parses_with_defusedxml():
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML is True  # defusedxml is a hard dependency, and openpyxl uses it
