"""LibreOffice through UNO, run as a script by a Python that has the `uno` module (Debian's
python3-uno, or LibreOffice's own program/python). It imports nothing from okaxl.

    python3 lo_uno.py vba MODULES.json OUT.xlsm   # a workbook whose vbaProject.bin holds the modules
    python3 lo_uno.py inspect BOOK.xlsm            # JSON: each sheet's form controls and their macros
    python3 lo_uno.py pdf OUTDIR BOOK.xlsx...      # each book as OUTDIR/BOOK.pdf, Japanese line breaks

OKAXL_SOFFICE names the soffice to start (default: soffice on the PATH).
"""

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import uno
from com.sun.star.beans import PropertyValue

VBA_SOURCE_FILTER = "Calc MS Excel 2007 VBA XML"


def _prop(name: str, value: Any) -> Any:
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


class Office:
    def __init__(self) -> None:
        self.profile = tempfile.mkdtemp(prefix="okaxl-uno-")
        self.pipe = f"okaxl{os.getpid()}"
        self.process = subprocess.Popen(
            [
                os.environ.get("OKAXL_SOFFICE", "soffice"),
                f"-env:UserInstallation=file://{self.profile}",
                "--headless",
                "--norestore",
                "--invisible",
                f"--accept=pipe,name={self.pipe};urp;",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        for _ in range(120):
            try:
                self.ctx = resolver.resolve(f"uno:pipe,name={self.pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:
                time.sleep(0.5)
        else:
            raise SystemExit("LibreOffice did not start")
        self.smgr = self.ctx.ServiceManager
        self.desktop = self.smgr.createInstanceWithContext("com.sun.star.frame.Desktop", self.ctx)

    def vba_settings(self) -> None:
        """Load, keep and write VBA code as VBA (Tools ▸ Options ▸ Load/Save ▸ VBA Properties)."""
        provider = self.smgr.createInstanceWithContext(
            "com.sun.star.configuration.ConfigurationProvider", self.ctx
        )
        node = provider.createInstanceWithArguments(
            "com.sun.star.configuration.ConfigurationUpdateAccess",
            (_prop("nodepath", "/org.openoffice.Office.Calc/Filter/Import/VBA"),),
        )
        for key in ("Load", "Save", "UseExport", "Executable"):
            node.setPropertyValue(key, True)
        node.commitChanges()

    def close(self) -> None:
        with contextlib.suppress(Exception):  # the office may already be gone
            self.desktop.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


def vba(modules_json: str, out: str) -> None:
    modules = json.loads(Path(modules_json).read_text(encoding="utf-8"))
    office = Office()
    try:
        office.vba_settings()
        doc = office.desktop.loadComponentFromURL(
            "private:factory/scalc", "_blank", 0, (_prop("Hidden", True),)
        )
        libs = doc.BasicLibraries
        libs.VBACompatibilityMode = True
        libs.ProjectName = "VBAProject"  # the export writes the library named as the project
        lib = (
            libs.getByName("VBAProject") if libs.hasByName("VBAProject") else libs.createLibrary("VBAProject")
        )
        for name, code in modules:
            info = uno.createUnoStruct("com.sun.star.script.ModuleInfo")
            info.ModuleType = 1  # a standard module
            lib.insertModuleInfo(name, info)
            lib.insertByName(name, "Option VBASupport 1\n" + code)
        doc.storeToURL(
            uno.systemPathToFileUrl(str(Path(out).resolve())), (_prop("FilterName", VBA_SOURCE_FILTER),)
        )
        doc.close(True)
    finally:
        office.close()


def inspect(path: str) -> None:
    office = Office()
    try:
        office.vba_settings()
        doc = office.desktop.loadComponentFromURL(
            uno.systemPathToFileUrl(str(Path(path).resolve())),
            "_blank",
            0,
            (_prop("Hidden", True), _prop("MacroExecutionMode", 0)),
        )
        found: dict[str, list[Any]] = {"sheets": [], "controls": [], "modules": []}
        libs = doc.BasicLibraries
        for library in libs.ElementNames:
            lib = libs.getByName(library)
            found["modules"] += [f"{library}.{m}" for m in lib.ElementNames]
        sheets = doc.Sheets
        for i in range(sheets.Count):
            sheet = sheets.getByIndex(i)
            found["sheets"].append({"name": sheet.Name, "visible": sheet.IsVisible})
            forms = sheet.DrawPage.Forms
            for f in range(forms.Count):
                form = forms.getByIndex(f)
                for c in range(form.Count):
                    control = form.getByIndex(c)
                    events = [
                        {"type": e.ScriptType, "code": e.ScriptCode, "event": e.EventMethod}
                        for e in form.getScriptEvents(c)
                    ]
                    label = getattr(control, "Label", None)
                    found["controls"].append({"sheet": sheet.Name, "label": label, "events": events})
        doc.close(True)
        print(json.dumps(found, ensure_ascii=False))
    finally:
        office.close()


def pdf(outdir: str, books: list[str]) -> None:
    """Each book as PDF, with the Japanese line-breaking rules on in every cell, as Excel prints:
    no line starts with 、。）」 (LibreOffice leaves the rules off in an xlsx it opens, and xlsx
    cannot say otherwise). The same PDF export --convert-to uses, otherwise. A protected sheet's
    cells cannot be changed (its password is not known here): books come without protection, as
    okaxl.publish.printcopy makes them."""
    office = Office()
    try:
        for book in books:
            doc = office.desktop.loadComponentFromURL(
                uno.systemPathToFileUrl(str(Path(book).resolve())),
                "_blank",
                0,
                (_prop("Hidden", True), _prop("MacroExecutionMode", 0)),
            )
            for sheet in doc.Sheets:
                cursor = sheet.createCursor()
                cursor.gotoEndOfUsedArea(False)
                end = cursor.RangeAddress
                sheet.getCellRangeByPosition(0, 0, end.EndColumn, end.EndRow).ParaIsForbiddenRules = True
            target = Path(outdir).resolve() / f"{Path(book).stem}.pdf"
            doc.storeToURL(uno.systemPathToFileUrl(str(target)), (_prop("FilterName", "calc_pdf_Export"),))
            doc.close(True)
    finally:
        office.close()


if __name__ == "__main__":
    if sys.argv[1] == "vba":
        vba(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "inspect":
        inspect(sys.argv[2])
    elif sys.argv[1] == "pdf":
        pdf(sys.argv[2], sys.argv[3:])
