"""Outputs open in a real spreadsheet application (LibreOffice headless) and print as PDF.

CI installs LibreOffice; without it these tests fail rather than skip, so a green run always
means the files were opened."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from okaxl.publish.office import convert
from okaxl.shell.cli import main

pytestmark = pytest.mark.office


def _pdf_pages(path):
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", data))


class TestRender:
    def test_matrix_converts_to_pdf(self, project, tmp_path):
        out = tmp_path / "matrix.xlsx"
        result = CliRunner().invoke(main, ["matrix", "--config", str(project.path), "--output", str(out)])
        assert result.exit_code == 0, result.output
        pdf = convert(out, "pdf", tmp_path / "pdf")
        assert 3 <= _pdf_pages(pdf) <= 6  # one page per pillar block, the long third may run over

    def test_town_view_converts_to_pdf(self, project, tmp_path):
        out = tmp_path / "town.xlsx"
        result = CliRunner().invoke(
            main, ["matrix", "--town", "備前市", "--config", str(project.path), "--output", str(out)]
        )
        assert result.exit_code == 0, result.output
        assert _pdf_pages(convert(out, "pdf", tmp_path / "pdf")) >= 1

    def test_master_opens_in_libreoffice(self, root, tmp_path):
        # a round trip through LibreOffice's own xlsx writer proves it parsed every sheet
        back = convert(root / "workbooks" / "master.xlsx", "xlsx:Calc MS Excel 2007 XML", tmp_path)
        import openpyxl

        assert "参加" in openpyxl.load_workbook(back, read_only=True).sheetnames


class TestForms:
    """Forms and feedback open in LibreOffice; a form a town re-saved in LibreOffice still verifies."""

    def test_form_and_feedback_convert_to_pdf(self, project, tmp_path):
        from okaxl.returns.feedback import write_feedback
        from tests.forms_helpers import check, make_forms

        form = make_forms(project, towns=("備前市",))["備前市"]
        assert _pdf_pages(convert(form, "pdf", tmp_path / "pdf")) >= 3  # cover, projects, KPIs
        result = check(project, form)  # unfilled: every required cell is a problem
        feedback = write_feedback(result, tmp_path / "fb", project.print.font)
        assert _pdf_pages(convert(feedback, "pdf", tmp_path / "pdf")) >= 2

    def test_resaved_in_libreoffice_still_verifies(self, project, tmp_path):
        from tests.forms_helpers import check, fill, make_forms

        form = make_forms(project, towns=("津山市",))["津山市"]
        filled = fill(form, tmp_path / "in" / "R7_津山市_回答様式.xlsx", kpi=1200)
        resaved = convert(filled, "xlsx:Calc MS Excel 2007 XML", tmp_path / "out")
        import shutil

        shutil.rmtree(project.forms.issued)  # the signature alone must verify it
        result = check(project, resaved)
        assert result.status == "valid", result.problems
        assert not result.problems, result.problems
        assert next(iter(result.answers["KPIの回答"].values()))["kpi_value"] == 1200


class TestProgressAndAnnex:
    def test_fy2017_pdf_has_one_page_per_project(self, root, tmp_path):
        from okaxl.shell.cli import main

        out = tmp_path / "p.xlsx"
        result = CliRunner().invoke(
            main,
            [
                "progress",
                "--year",
                "H29",
                "--pdf",
                "--output",
                str(out),
                "--config",
                str(root / "config.toml"),
            ],
        )
        assert result.exit_code == 0, result.output
        assert "PDF も作ります" in result.output  # said before LibreOffice's silent half minute
        import subprocess

        text = subprocess.run(["pdftotext", str(tmp_path / "p.pdf"), "-"], capture_output=True, text=True).stdout
        pages = [re.sub(r"\s+", "", p) for p in text.split("\f") if p.strip()]
        contents = [p for p in pages if "番号連携分野施策事務事業" in p]
        assert len(pages) == _pdf_pages(tmp_path / "p.pdf")
        assert len(pages) - len(contents) == 42  # one page per project, however long its text
        assert 1 <= len(contents) <= 3

    def test_annex_pdf(self, project, tmp_path):
        out = tmp_path / "a.xlsx"
        result = CliRunner().invoke(
            main, ["annex", "--town", "備前市", "--output", str(out), "--config", str(project.path)]
        )
        assert result.exit_code == 0, result.output
        assert _pdf_pages(convert(out, "pdf", tmp_path)) >= 2


def test_revision_excerpt_pdf(project, tmp_path):
    from tests.test_revision import V2024

    out = tmp_path / "rev.xlsx"
    result = CliRunner().invoke(
        main,
        ["revision", str(V2024), str(project.master), "--output", str(out), "--config", str(project.path)],
    )
    assert result.exit_code == 0, result.output
    assert _pdf_pages(convert(out, "pdf", tmp_path)) >= 8  # cover, table, five detail sheets, list


def test_found_where_the_windows_installer_puts_it(tmp_path, monkeypatch):
    """On Windows LibreOffice is not on PATH: okaxl looks where its installer puts soffice.exe."""
    from okaxl.publish.office import find_office

    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    soffice = tmp_path / "Program Files" / "LibreOffice" / "program" / "soffice.exe"
    assert find_office("win32", (str(soffice),)) is None
    soffice.parent.mkdir(parents=True)
    soffice.write_bytes(b"")
    assert find_office("win32", (str(soffice),)) == str(soffice)
    assert find_office("linux", (str(soffice),)) is None  # elsewhere only PATH counts


def test_a_pdf_that_hangs_is_stopped_with_its_office(tmp_path, monkeypatch):
    """The UNO helper and the LibreOffice it started go together when time runs out, and the
    conversion is reported, not tried a second time the other way."""
    import sys
    import time
    from pathlib import Path

    import okaxl.publish.office as office
    from okaxl.errors import OkaxlError

    child = tmp_path / "child.pid"
    helper = tmp_path / "hang.py"  # stands in for lo_uno.py: starts an "office", then hangs
    helper.write_text(
        "import subprocess, sys, time\n"
        f"p = subprocess.Popen(['sleep', '60']); open({str(child)!r}, 'w').write(str(p.pid))\n"
        "time.sleep(60)\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(office, "LO_UNO", helper)
    monkeypatch.setattr(office, "uno_python", lambda: sys.executable)
    started = time.monotonic()
    with pytest.raises(OkaxlError, match="秒以内に"):
        office._through_uno("soffice", [tmp_path / "a.xlsx"], tmp_path, timeout=3)
    assert time.monotonic() - started < 10
    stat = Path(f"/proc/{int(child.read_text())}/stat")
    time.sleep(0.2)
    # gone, or dead and waiting to be reaped (a container's first process may not reap it)
    assert not stat.exists() or stat.read_text().split(") ")[1].startswith("Z")
