"""The collection round of a fiscal year, played as it happens: forms to 12 towns, returns in
waves (one typed and saved in LibreOffice), check and merge giving one answer per return, bad
returns never blocking good ones, and the round remembered between runs."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from okaxl import wareki
from okaxl.config import load_config
from okaxl.master.reader import read_master
from okaxl.master.tables import records
from okaxl.returns import formlayout
from okaxl.shell.cli import main
from tests.conftest import ROOT, make_project
from tests.forms_helpers import fill, make_forms, readings_differ
from tests.seeds import TOWNS

pytestmark = pytest.mark.office


def run(config, *args):
    result = CliRunner().invoke(main, [*map(str, args), "--config", str(config.path)])
    document = json.loads(result.stdout) if "--format" in args and result.stdout.strip().startswith("{") else None
    return result, document


def form_rows(path: Path, sheet: str) -> dict[str, int]:
    ws = openpyxl.load_workbook(path)[sheet]
    return {str(ws[f"A{r}"].value): r for r in range(formlayout.FIRST_ROW, ws.max_row + 1) if ws[f"A{r}"].value}


def lo_type(jobs: list[dict], folder: Path) -> None:
    """Type into forms in LibreOffice through UNO and save them (one LibreOffice start)."""
    spec = folder / "jobs.json"
    spec.write_text(json.dumps(jobs, ensure_ascii=False), encoding="utf-8")
    subprocess.run(["/usr/bin/python3", str(ROOT / "tests" / "lo_type.py"), str(spec)], check=True, timeout=300)


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A project with FY2025 forms issued to the 12 towns, and the returns of the round made:
    most filled with openpyxl; 玉野市's, 真庭市's (85% typed into a % KPI) and one for 和気町 typed
    and saved in LibreOffice."""
    folder = tmp_path_factory.mktemp("round")
    config = make_project(folder / "project")
    forms = make_forms(config, towns=TOWNS)
    made = folder / "made"
    files = {
        "津山市": fill(forms["津山市"], made / "w1" / forms["津山市"].name, results="津山市：研修会を開いた。", kpi=40),
        "総社市": fill(forms["総社市"], made / "w1" / forms["総社市"].name, results="総社市：研修会を開いた。", kpi="検討中"),
        "備前市": fill(forms["備前市"], made / "w2" / forms["備前市"].name, kpi="たくさん"),
        "瀬戸内市": fill(forms["瀬戸内市"], made / "w2" / forms["瀬戸内市"].name, results=" 説明会を開いた。　"),
        "津山市2": fill(forms["津山市"], made / "w2" / "R7_津山市_回答様式（修正版）.xlsx", results="津山市：研修会を2回開いた。", kpi=40),
        "赤磐市": fill(forms["赤磐市"], made / "w2" / forms["赤磐市"].name, results="赤磐市：協議会に参加した。", kpi=5),
    }
    tamano = form_rows(forms["玉野市"], formlayout.PROJECTS)
    cells = [{"sheet": formlayout.PROJECTS, "cell": f"H{r}", "text": "玉野市：LibreOffice で入力した。"} for r in tamano.values()]
    cells += [{"sheet": formlayout.PROJECTS, "cell": f"J{r}", "text": "継続"} for r in tamano.values()]
    files["玉野市"] = made / "w1" / forms["玉野市"].name
    maniwa = fill(forms["真庭市"], made / "src" / forms["真庭市"].name, results="真庭市：遅れて提出。", kpi=8)
    files["真庭市"] = made / "w3" / forms["真庭市"].name
    found = form_rows(forms["真庭市"], formlayout.KPIS)["2-12-K1"]  # 身元不明者の発見率, in %
    wake = fill(forms["和気町"], made / "src" / forms["和気町"].name)
    files["和気町"] = made / "values" / forms["和気町"].name
    jobs = [
        {"source": str(forms["玉野市"]), "target": str(files["玉野市"]), "cells": cells},
        {
            "source": str(maniwa),
            "target": str(files["真庭市"]),
            "cells": [{"sheet": formlayout.KPIS, "cell": f"G{found}", "number": 0.85, "format": "0%"}],
        },
        {
            "source": str(wake),
            "target": str(files["和気町"]),
            "cells": [{"sheet": formlayout.PROJECTS, "cell": "H5", "number": 46113, "format": "M/D"}],
        },
    ]
    lo_type(jobs, folder)
    return config, forms, files


def clone(base_config, tmp_path: Path):
    shutil.copytree(base_config.path.parent, tmp_path / "p")
    return load_config(tmp_path / "p" / "config.toml")


def inbox(config, name: str, files: list[Path]) -> Path:
    folder = config.inbox / name
    folder.mkdir(parents=True)
    for f in files:
        shutil.copy2(f, folder / f.name)
    return folder


def statuses(document) -> dict[str, str]:
    return {Path(r["file"]).name: r["status"] for r in document["returns"]}


def round_state(config) -> dict[str, dict]:
    result, document = run(config, "status", "--format", "json")
    assert result.exit_code in (0, 1), result.output
    assert document["year"] == 2025 and document["deadline"] == "2026-05-29"
    return {t["town"]: t for t in document["towns"]}


def test_returns_read_as_openpyxl_reads_them(base):
    """okaxl's own reader of returns against openpyxl's, cell by cell, on forms as okaxl issues
    them, as filled, and as typed and saved in LibreOffice (text, 85% in a % KPI, a date in text)."""
    _, forms, files = base
    for path in [*forms.values(), *files.values()]:
        assert readings_differ(path) == [], path.name


def test_one_year_round(base, tmp_path):
    base_config, forms, files = base
    config = clone(base_config, tmp_path)
    overdue = (wareki.now().date() - config.forms.deadline).days  # days as staff in Japan count them

    state = round_state(config)
    assert list(state) == list(TOWNS) and {t["status"] for t in state.values()} == {"未着"}
    assert all(t["issued_at"] and t["form_id"] for t in state.values())

    # wave 1: three towns, 玉野市 typed and saved in LibreOffice
    wave = inbox(config, "w1", [files["津山市"], files["玉野市"], files["総社市"]])
    checked = statuses(run(config, "check", wave, "--format", "json")[1])
    assert set(checked.values()) == {"valid"}
    result, document = run(config, "merge", wave, "--format", "json")
    assert result.exit_code == 0 and set(statuses(document).values()) == {"merged"}
    values = read_master(config.master)["KPI実績"]
    soja = {r["KPI_ID"]: r["現状値"] for r in records(values) if r["市町"] == "総社市" and r["年度"] == 2025}
    assert soja["2-20-K1"] == "検討中"  # a stage chosen from the drop-down, merged as words
    state = round_state(config)
    expected = dict.fromkeys(TOWNS, "未着") | dict.fromkeys(("津山市", "玉野市", "総社市"), "取込済")
    assert {t: s["status"] for t, s in state.items()} == expected
    assert {t: s["days_overdue"] for t, s in state.items()} == {t: 0 if v == "取込済" else overdue for t, v in expected.items()}
    assert state["津山市"]["days_overdue"] == 0 and len(state["津山市"]["received"]) == 2  # checked, then merged

    # wave 2 in one batch: invalid, trailing spaces, a conflicting resubmission, a clean return
    wave = inbox(config, "w2", [files["備前市"], files["瀬戸内市"], files["津山市2"], files["赤磐市"]])
    result, document = run(config, "check", wave, "--format", "json")
    checked = statuses(document)
    assert result.exit_code == 1
    result, document = run(config, "merge", wave, "--format", "json")
    merged = statuses(document)
    assert result.exit_code == 1
    assert merged == {
        files["備前市"].name: "invalid",
        files["瀬戸内市"].name: "merged",
        files["津山市2"].name: "conflict",
        files["赤磐市"].name: "merged",
    }
    assert {f: {"valid": "merged"}.get(s, s) for f, s in checked.items()} == merged  # one answer per return
    seto = {r["取組実績"] for r in records(read_master(config.master)["実績"]) if r["市町"] == "瀬戸内市" and r["年度"] == 2025}
    assert seto == {"説明会を開いた。"}  # trimmed, and the town told
    trimmed = next(r for r in document["returns"] if r["town"] == "瀬戸内市")
    assert {p["code"] for p in trimmed["problems"]} == {"RETURN_TEXT_TRIMMED"}
    conflict = next(r for r in document["returns"] if r["status"] == "conflict")
    first_row = min(form_rows(forms["津山市"], formlayout.PROJECTS).values())
    named = {(p["code"], p["sheet"], p["cell"]) for p in conflict["problems"]}
    assert ("RETURN_CONFLICT", formlayout.PROJECTS, f"H{first_row}") in named
    feedback = openpyxl.load_workbook(config.output / "指摘" / f"{files['津山市2'].stem}_指摘.xlsx")
    assert feedback[formlayout.PROJECTS][f"H{first_row}"].comment is not None
    state = round_state(config)
    expected |= {"津山市": "競合", "備前市": "要修正", "瀬戸内市": "取込済", "赤磐市": "取込済"}
    assert {t: s["status"] for t, s in state.items()} == expected  # nothing of wave 1 reset
    assert [r["file"] for r in state["津山市"]["received"]][-1] == files["津山市2"].name
    workbook = openpyxl.load_workbook(config.output / "指摘" / "回収状況_令和7年度.xlsx").active
    assert any("取込済 4 / 12、未着 6、要修正 1、競合 1" in str(c.value) for row in workbook.iter_rows() for c in row)

    # a late return, after the deadline
    result, _ = run(config, "merge", inbox(config, "w3", [files["真庭市"]]))
    assert result.exit_code == 0
    state = round_state(config)
    expected["真庭市"] = "取込済"
    values = read_master(config.master)["KPI実績"]
    maniwa = {r["KPI_ID"]: r["現状値"] for r in records(values) if r["市町"] == "真庭市" and r["年度"] == 2025}
    assert maniwa["2-12-K1"] == 85  # the number the town saw in LibreOffice, not 0.85
    assert {t: s["status"] for t, s in state.items()} == expected
    assert state["真庭市"]["days_overdue"] == 0 and state["早島町"]["days_overdue"] == overdue
    assert run(config, "status")[0].exit_code == 1  # some towns are still missing


def _checked(config, paths, fmt=True):
    result, document = run(config, "check", *paths, "--format", "json")
    return result, {Path(r["file"]).name: r for r in document["returns"]} if document else {}


def test_a_date_typed_into_text(base, tmp_path):
    base_config, _, files = base
    config = clone(base_config, tmp_path)
    _, found = _checked(config, [files["和気町"]])
    (one,) = found.values()
    assert one["status"] == "invalid"
    assert [(p["code"], p["cell"], p["value"]) for p in one["problems"]] == [("RETURN_TEXT_IS_DATE", "H5", "4/1")]


@pytest.mark.parametrize("text", ["同上", "別紙のとおり"])
def test_a_reference_instead_of_the_text(base, tmp_path, text):
    base_config, forms, _ = base
    config = clone(base_config, tmp_path)
    path = fill(forms["早島町"], tmp_path / "in" / forms["早島町"].name, results=text)
    _, found = _checked(config, [path])
    codes = {(p["code"], p["cell"]) for r in found.values() for p in r["problems"]}
    assert ("RETURN_REFERENCE_ONLY", "H5") in codes and next(iter(found.values()))["status"] == "invalid"


def test_a_form_issued_before_the_master_changed(base, tmp_path):
    """津山市 left a project and a KPI was deleted after the forms went out: those rows are left
    out and said so; the rest of the return is merged."""
    base_config, forms, files = base
    config = clone(base_config, tmp_path)
    projects = form_rows(forms["津山市"], formlayout.PROJECTS)
    kpis = form_rows(forms["津山市"], formlayout.KPIS)
    left = next(iter(projects))
    kpi_project = next(k.split("-K")[0] for k in kpis if not k.startswith(left))
    removed = next(k for k in kpis if k.startswith(kpi_project))
    book = openpyxl.load_workbook(config.master)
    part = book["参加"]
    for row in range(2, part.max_row + 1):
        if part[f"A{row}"].value == left and part[f"C{row}"].value == "津山市":
            part[f"F{row}"] = dt.datetime(2025, 3, 31)
    kpi = book["KPI"]
    kpi.delete_rows(next(r for r in range(2, kpi.max_row + 1) if kpi[f"A{r}"].value == removed))
    book.save(config.master)
    result, document = run(config, "merge", files["津山市"], "--format", "json")
    assert result.exit_code == 0, result.output
    (one,) = document["returns"]
    assert one["status"] == "merged"
    assert {(p["code"], p["severity"], p["cell"]) for p in one["problems"]} == {
        ("RETURN_PROJECT_LEFT", "warning", f"A{projects[left]}"),
        ("RETURN_KPI_REMOVED", "warning", f"A{kpis[removed]}"),
    }
    merged = {r["事業ID"] for r in records(read_master(config.master)["実績"]) if r["市町"] == "津山市" and r["年度"] == 2025}
    assert left not in merged and merged == set(projects) - {left}


def test_a_value_the_master_refuses_leaves_the_others(base, tmp_path):
    """A choice staff added with alignment spaces (「継続  予定」): the form offers it, a town picks
    it, the master's rule refuses it. That return is told on its own cell; the other return in
    the batch is merged."""
    base_config, _, files = base
    config = clone(base_config, tmp_path)
    book = openpyxl.load_workbook(config.master)
    book["選択肢"].append(["意向", "継続  予定", 4])
    book.save(config.master)
    form = make_forms(config, towns=("久米南町",))["久米南町"]
    picked = fill(form, tmp_path / "in" / form.name, intention="継続  予定")
    result, document = run(config, "merge", picked, files["総社市"], "--format", "json")
    assert result.exit_code == 1, result.output
    found = {r["town"]: r for r in document["returns"]}
    assert found["総社市"]["status"] == "merged" and found["久米南町"]["status"] == "invalid"
    rules = [p for p in found["久米南町"]["problems"] if p["code"] == "RETURN_MASTER_RULE"]
    assert rules and {(p["sheet"], p["cell"][0]) for p in rules} == {(formlayout.PROJECTS, "J")}
    assert "位置合わせの空白" in rules[0]["message"]
    assert not [r for r in records(read_master(config.master)["実績"]) if r["市町"] == "久米南町" and r["年度"] == 2025]


def test_what_is_in_the_inbox(base, tmp_path):
    """A note in the file name is not a wrong town; a .zip is listed and told; a missing file stops."""
    base_config, _forms, files = base
    config = clone(base_config, tmp_path)
    noted = config.inbox / "R7_玉野市_回答様式（津山市の様式を参考に記入）.xlsx"
    noted.parent.mkdir(parents=True)
    shutil.copy2(files["玉野市"], noted)
    shutil.make_archive(str(config.inbox / "returns"), "zip", files["総社市"].parent)
    result, found = _checked(config, [])
    assert found[noted.name]["status"] == "valid" and found[noted.name]["town"] == "玉野市"
    assert [p["code"] for p in found["returns.zip"]["problems"]] == ["RETURN_ARCHIVE"]
    assert result.exit_code == 1
    result, _ = run(config, "check", config.inbox / "nosuch.xlsx")
    assert result.exit_code == 2 and "見つかりません" in result.output
    shutil.rmtree(config.inbox)
    result, _ = run(config, "check")
    assert result.exit_code == 2 and "受信箱" in result.output
    assert not (config.output / "指摘" / "nosuch_指摘.xlsx").exists()


class TestRoundEdges:
    """What a red-team pass found: each case once broken, now a behaviour."""

    def test_a_town_that_merged_cells_gets_feedback_and_the_others_go_on(self, base, tmp_path):
        base_config, _forms, files = base
        config = clone(base_config, tmp_path)
        book = openpyxl.load_workbook(files["玉野市"])
        cover = book["表紙"]
        cover.protection.sheet = False
        cover.merge_cells("A3:B3")
        merged = tmp_path / "in" / files["玉野市"].name
        merged.parent.mkdir()
        book.save(merged)
        result, document = run(config, "merge", merged, files["総社市"], "--format", "json")
        assert result.exit_code == 1 and "予期しない" not in result.output
        assert statuses(document) == {merged.name: "invalid", files["総社市"].name: "merged"}
        assert (config.output / "指摘" / f"{merged.stem}_指摘.xlsx").exists()
        assert round_state(config)["総社市"]["status"] == "取込済"

    @pytest.mark.parametrize(("key", "value"), [("rows", '{"外": ["1"]}'), ("change_threshold", "abc")])
    def test_metadata_edited_into_another_shape(self, base, tmp_path, key, value):
        base_config, _, files = base
        config = clone(base_config, tmp_path)
        book = openpyxl.load_workbook(files["総社市"])
        meta = book[formlayout.META]
        for row in meta.iter_rows():
            if row[0].value == key:
                row[1].value = value
        for prop in book.custom_doc_props.props:
            if prop.name == f"okaxl_{key}":
                prop.value = value
        edited = tmp_path / "in" / files["総社市"].name
        edited.parent.mkdir()
        book.save(edited)
        result, document = run(config, "check", edited, files["津山市"], "--format", "json")
        assert result.exit_code == 1 and "予期しない" not in result.output
        found = {r["town"]: r for r in document["returns"]}
        assert found["津山市"]["status"] == "valid"
        assert "RETURN_METADATA_EDITED" in {p["code"] for r in document["returns"] for p in r["problems"]}

    def test_a_log_torn_inside_a_character(self, base, tmp_path):
        base_config, _, files = base
        config = clone(base_config, tmp_path)
        run(config, "merge", files["総社市"])
        log = config.master.with_name("master.collection.jsonl")
        log.write_bytes(log.read_bytes() + '{"op": "received", "town": "津'.encode()[:-1])
        assert round_state(config)["総社市"]["status"] == "取込済"
        assert run(config, "merge", files["赤磐市"])[0].exit_code == 0

    def test_a_file_name_the_text_rules_would_refuse(self, base, tmp_path):
        base_config, _, files = base
        config = clone(base_config, tmp_path)
        odd = tmp_path / "in" / "＝R7_総社市  回答様式.xlsx"
        odd.parent.mkdir()
        shutil.copy2(files["総社市"], odd)
        assert statuses(run(config, "check", odd, "--format", "json")[1]) == {odd.name: "valid"}
        assert statuses(run(config, "merge", odd, "--format", "json")[1]) == {odd.name: "merged"}

    def test_a_master_cell_that_blocks_one_town(self, base, tmp_path):
        """津山市's row in the master holds a formula where its answer goes: only 津山市 waits."""
        base_config, forms, files = base
        config = clone(base_config, tmp_path)
        first = next(iter(form_rows(forms["津山市"], formlayout.PROJECTS)))
        book = openpyxl.load_workbook(config.master)
        ws = book["実績"]
        ws.append([first, 2025, "津山市", None, "=D2"])
        book.save(config.master)
        result, document = run(config, "merge", files["津山市"], files["総社市"], "--format", "json")
        assert result.exit_code == 1
        found = {r["town"]: r for r in document["returns"]}
        assert found["総社市"]["status"] == "merged" and found["津山市"]["status"] == "invalid"
        assert {p["code"] for p in found["津山市"]["problems"]} == {"RETURN_MASTER_BLOCKED"}

    def test_duplicates_and_a_file_named_twice(self, base, tmp_path):
        base_config, _, files = base
        config = clone(base_config, tmp_path)
        folder = inbox(config, "w", [files["総社市"]])
        copy = folder / "R7_総社市_回答様式（控え）.xlsx"
        shutil.copy2(files["総社市"], copy)
        result, document = run(config, "merge", folder, folder / files["総社市"].name, "--format", "json")
        assert result.exit_code == 0 and len(document["returns"]) == 2
        assert sorted(statuses(document).values()) == ["merged", "unchanged"]
        assert round_state(config)["総社市"]["status"] == "取込済"

    def test_a_project_left_and_taken_up_again(self, base, tmp_path):
        base_config, forms, files = base
        config = clone(base_config, tmp_path)
        left = next(iter(form_rows(forms["津山市"], formlayout.PROJECTS)))
        original = config.master.read_bytes()
        book = openpyxl.load_workbook(config.master)
        part = book["参加"]
        rows = [r for r in range(2, part.max_row + 1) if part[f"A{r}"].value == left and part[f"C{r}"].value == "津山市"]
        for r in rows:
            part[f"F{r}"] = dt.datetime(2025, 3, 31)
        book.save(config.master)
        run(config, "merge", files["津山市"])
        book = openpyxl.load_workbook(config.master)
        for r in rows:
            book["参加"][f"F{r}"] = None  # staff undo the change: 津山市 takes part again
        book.save(config.master)
        result, document = run(config, "merge", files["津山市"], "--format", "json")
        assert result.exit_code == 0 and statuses(document) == {files["津山市"].name: "merged"}
        merged = {r["事業ID"] for r in records(read_master(config.master)["実績"]) if r["市町"] == "津山市" and r["年度"] == 2025}
        assert left in merged
        assert original != config.master.read_bytes()

    def test_an_answer_withdrawn(self, base, tmp_path):
        """A correction that empties an optional answer: a conflict; with --replace, the value goes."""
        base_config, forms, _ = base
        config = clone(base_config, tmp_path)
        first = fill(forms["早島町"], tmp_path / "a" / forms["早島町"].name, kpi=9)
        book = openpyxl.load_workbook(first)
        row = formlayout.FIRST_ROW
        book[formlayout.PROJECTS][f"I{row}"] = "人手が足りない。"
        book.save(first)
        assert run(config, "merge", first)[0].exit_code == 0
        book[formlayout.PROJECTS][f"I{row}"] = None
        book.properties.creator = "早島町"
        second = tmp_path / "b" / first.name
        second.parent.mkdir()
        book.save(second)
        result, document = run(config, "merge", second, "--format", "json")
        assert result.exit_code == 1 and statuses(document) == {second.name: "conflict"}
        (conflict,) = [p for p in document["returns"][0]["problems"] if p["code"] == "RETURN_CONFLICT"]
        assert conflict["cell"] == f"I{row}" and conflict["value"] == "（空欄）"
        assert run(config, "merge", second, "--replace")[0].exit_code == 0
        issues = {r["今後の課題・改善点"] for r in records(read_master(config.master)["実績"]) if r["市町"] == "早島町" and r["年度"] == 2025}
        assert "人手が足りない。" not in issues

    def test_feedback_for_two_files_of_one_name(self, base, tmp_path):
        base_config, _, files = base
        config = clone(base_config, tmp_path)
        a, b = config.inbox / "a" / "回答.xlsx", config.inbox / "b" / "回答.xlsx"
        for target, town in ((a, "備前市"), (b, "赤磐市")):
            target.parent.mkdir(parents=True)
            shutil.copy2(files[town], target)
        run(config, "check")
        feedback = sorted(p.name for p in (config.output / "指摘").glob("回答_*指摘.xlsx"))
        assert len(feedback) == 1  # only 備前市's return has problems; 赤磐市's is clean
        (config.inbox / "b" / "回答.xlsx").write_bytes(b"")
        run(config, "check")
        assert len(list((config.output / "指摘").glob("回答_*指摘.xlsx"))) == 2

    def test_what_comes_after_a_merge_does_not_undo_it(self, base, tmp_path):
        base_config, _, files = base
        config = clone(base_config, tmp_path)
        run(config, "merge", files["総社市"])
        empty = tmp_path / "in" / files["総社市"].name
        empty.parent.mkdir()
        empty.write_bytes(b"")
        run(config, "check", empty)
        state = round_state(config)["総社市"]
        assert state["status"] == "取込済" and [r["status"] for r in state["received"]][-1] == "却下"

    def test_the_round_without_its_log(self, base, tmp_path):
        """The log beside the master lost: the merges in the ledger still count; files of no town listed."""
        base_config, _, files = base
        config = clone(base_config, tmp_path)
        run(config, "merge", files["総社市"])
        stranger = tmp_path / "in" / "回答.xlsx"
        stranger.parent.mkdir()
        stranger.write_bytes(b"")
        config.master.with_name("master.collection.jsonl").unlink()
        run(config, "check", stranger)
        _result, document = run(config, "status", "--format", "json")
        towns = {t["town"]: t["status"] for t in document["towns"]}
        assert towns["総社市"] == "取込済" and [o["file"] for o in document["others"]] == ["回答.xlsx"]

    def test_empty_files_from_two_towns(self, base, tmp_path):
        base_config, _, _ = base
        config = clone(base_config, tmp_path)
        folder = config.inbox
        folder.mkdir(parents=True)
        for town in ("備前市", "赤磐市"):
            (folder / f"R7_{town}_回答様式.xlsx").write_bytes(b"")
        run(config, "check")
        state = round_state(config)
        assert [len(state[t]["received"]) for t in ("備前市", "赤磐市")] == [1, 1]
