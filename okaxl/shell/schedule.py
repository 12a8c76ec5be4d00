"""The nightly validation: dated reports kept to a number, and the task that runs it
(Windows Task Scheduler XML, or a crontab line on Linux)."""

from __future__ import annotations

import datetime as dt
import shlex
import sys
from pathlib import Path, PureWindowsPath
from xml.sax.saxutils import escape

from okaxl.config import Config
from okaxl.validate.report import write_json
from okaxl.validate.run import Report

TASK_NAME = r"okaxl\validate"
REPORT_PREFIX = "validate_"
LATEST = "validate_latest.json"


def write_nightly(report: Report, folder: Path, keep: int) -> Path:
    """Write the report as a dated JSON file and as the latest one; keep the newest `keep` dated ones."""
    folder.mkdir(parents=True, exist_ok=True)
    dated = folder / f"{REPORT_PREFIX}{report.checked_at:%Y%m%d-%H%M%S}.json"
    document = report.to_json()  # new problems only; the confirmed warnings listed apart
    document["confirmed"] = [p.to_json() for p in report.confirmed]
    write_json(document, dated)
    write_json(document, folder / LATEST)
    reports = sorted(p for p in folder.glob(f"{REPORT_PREFIX}*.json") if p.name != LATEST)
    for old in reports[:-keep]:
        old.unlink()
    return dated


def okaxl_command(windows: bool) -> str:
    """The okaxl executable the task runs: this installation's, else the documented default."""
    if windows and sys.platform == "win32":
        return str(Path(sys.executable).with_name("okaxl.exe"))
    if windows:
        return r"%LOCALAPPDATA%\okaxl\.venv\Scripts\okaxl.exe"
    return str(Path(sys.executable).with_name("okaxl"))


def task_xml(config: Config, start: dt.date) -> str:
    """A Task Scheduler definition as `schtasks /Query /XML` emits it (write it as UTF-16)."""
    folder = config.path.parent
    if sys.platform != "win32":
        folder = PureWindowsPath(folder)  # type: ignore[assignment]
    arguments = f'validate --nightly --config "{config.path.name}"'
    limit = config.schedule.time_limit_minutes
    return f"""<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.4" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo>
    <Description>okaxl: マスターブックの夜間検証（結果は {escape(str(config.reports))}）</Description>
    <URI>\\{TASK_NAME}</URI>
  </RegistrationInfo>
  <Triggers>
    <CalendarTrigger>
      <StartBoundary>{start.isoformat()}T{config.schedule.time}:00</StartBoundary>
      <Enabled>true</Enabled>
      <ScheduleByDay>
        <DaysInterval>1</DaysInterval>
      </ScheduleByDay>
    </CalendarTrigger>
  </Triggers>
  <Principals>
    <Principal id="Author">
      <LogonType>Password</LogonType>
      <RunLevel>LeastPrivilege</RunLevel>
    </Principal>
  </Principals>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>
    <AllowHardTerminate>true</AllowHardTerminate>
    <StartWhenAvailable>true</StartWhenAvailable>
    <RunOnlyIfNetworkAvailable>true</RunOnlyIfNetworkAvailable>
    <IdleSettings>
      <StopOnIdleEnd>false</StopOnIdleEnd>
      <RestartOnIdle>false</RestartOnIdle>
    </IdleSettings>
    <AllowStartOnDemand>true</AllowStartOnDemand>
    <Enabled>true</Enabled>
    <Hidden>false</Hidden>
    <RunOnlyIfIdle>false</RunOnlyIfIdle>
    <WakeToRun>false</WakeToRun>
    <ExecutionTimeLimit>PT{limit}M</ExecutionTimeLimit>
    <Priority>7</Priority>
  </Settings>
  <Actions Context="Author">
    <Exec>
      <Command>{escape(okaxl_command(windows=True))}</Command>
      <Arguments>{escape(arguments)}</Arguments>
      <WorkingDirectory>{escape(str(folder))}</WorkingDirectory>
    </Exec>
  </Actions>
</Task>
"""


def write_task(config: Config, path: Path, start: dt.date) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(task_xml(config, start).encode("utf-16"))  # UTF-16 with BOM, as schtasks writes
    return path


def schtasks_line(path: Path) -> str:
    return f'schtasks /Create /XML "{path}" /TN "{TASK_NAME}" /RU %USERDOMAIN%\\%USERNAME% /RP *'


def crontab_line(config: Config) -> str:
    """Runs nightly; `flock -n` keeps a second run from starting while one is still going."""
    hour, minute = config.schedule.time.split(":")
    folder = shlex.quote(str(config.path.parent))
    command = f"{shlex.quote(okaxl_command(windows=False))} validate --nightly --config {shlex.quote(config.path.name)}"
    limit = config.schedule.time_limit_minutes * 60
    return (
        f"{int(minute)} {int(hour)} * * * cd {folder} && flock -n /tmp/okaxl-validate.lock "
        f"timeout {limit} {command} >/dev/null 2>&1"
    )
