"""The nightly validation: a Task Scheduler definition, a crontab line, dated reports kept to N."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET

from click.testing import CliRunner

from okaxl.shell.cli import main
from okaxl.shell.schedule import LATEST, crontab_line, write_nightly
from okaxl.validate.run import Report

NS = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}


class TestTaskScheduler:
    def test_xml_definition(self, project, tmp_path):
        out = tmp_path / "task.xml"
        result = CliRunner().invoke(
            main, ["schedule", "--platform", "windows", "--output", str(out), "--config", str(project.path)]
        )
        assert result.exit_code == 0, result.output
        data = out.read_bytes()
        assert data.startswith(b"\xff\xfe")  # UTF-16 little endian with BOM, as schtasks writes
        root = ET.fromstring(data.decode("utf-16"))
        exec_ = root.find("t:Actions/t:Exec", NS)
        assert exec_.find("t:Command", NS).text.endswith("okaxl.exe")
        assert exec_.find("t:Arguments", NS).text == 'validate --nightly --config "config.toml"'
        assert exec_.find("t:WorkingDirectory", NS).text
        settings = root.find("t:Settings", NS)
        assert settings.find("t:MultipleInstancesPolicy", NS).text == "IgnoreNew"
        assert settings.find("t:StartWhenAvailable", NS).text == "true"
        assert settings.find("t:ExecutionTimeLimit", NS).text == "PT30M"
        assert root.find("t:Principals/t:Principal/t:LogonType", NS).text == "Password"  # reaches shares
        trigger = root.find("t:Triggers/t:CalendarTrigger", NS)
        assert trigger.find("t:StartBoundary", NS).text.endswith("T02:00:00")
        assert trigger.find("t:ScheduleByDay/t:DaysInterval", NS).text == "1"
        assert "schtasks /Create /XML" in result.output and '/TN "okaxl\\validate"' in result.output

    def test_crontab_line(self, project):
        line = crontab_line(project)
        assert line.startswith("0 2 * * * cd ")
        assert "validate --nightly --config config.toml" in line and "flock -n" in line


class TestNightlyReports:
    def test_dated_and_latest_kept_to_n(self, tmp_path, root):
        for day in range(1, 6):
            report = Report(root / "workbooks" / "master.xlsx", "0" * 64, dt.datetime(2026, 11, day, 2, 0))
            write_nightly(report, tmp_path, keep=3)
        names = sorted(p.name for p in tmp_path.iterdir())
        assert names == [
            "validate_20261103-020000.json",
            "validate_20261104-020000.json",
            "validate_20261105-020000.json",
            LATEST,
        ]
        assert json.loads((tmp_path / LATEST).read_text(encoding="utf-8"))["checked_at"].startswith(
            "2026-11-05"
        )

    def test_nightly_run_exit_status(self, project):
        result = CliRunner().invoke(
            main, ["validate", "--nightly", "--format", "json", "--config", str(project.path)]
        )
        assert result.exit_code == 0
        assert (project.reports / LATEST).is_file()
        assert len(list(project.reports.glob("validate_2*.json"))) == 1


def test_rules_page_is_generated_from_the_rule_table(root):
    from okaxl.rules import rules_markdown

    assert (root / "docs" / "rules.md").read_text(encoding="utf-8") == rules_markdown()
