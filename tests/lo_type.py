"""Type answers into return forms in LibreOffice (through UNO) and save them as .xlsx, the way a
town using LibreOffice returns its form. Run by a Python that has `uno` (Debian's python3-uno):

    /usr/bin/python3 tests/lo_type.py JOBS.json

JOBS.json: [{"source": ..., "target": ..., "cells": [{"sheet", "cell", "text" | "number", "format"?}]}].
A "format" is a number format code (e.g. "0%", "M/D") set on the cell, as LibreOffice does when a
person types 85% or 4/1. One LibreOffice start serves every job.
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "okaxl" / "shell"))

import uno
from com.sun.star.lang import Locale
from lo_uno import Office, _prop


def main(jobs_file: str) -> None:
    jobs = json.loads(Path(jobs_file).read_text(encoding="utf-8"))
    office = Office()
    try:
        for job in jobs:
            url = uno.systemPathToFileUrl(str(Path(job["source"]).resolve()))
            doc = office.desktop.loadComponentFromURL(url, "_blank", 0, (_prop("Hidden", True),))
            formats = doc.NumberFormats
            locale = Locale("ja", "JP", "")
            for edit in job["cells"]:
                cell = doc.Sheets.getByName(edit["sheet"]).getCellRangeByName(edit["cell"])
                if "number" in edit:
                    cell.setValue(edit["number"])
                else:
                    cell.setString(edit["text"])
                if edit.get("format"):
                    key = formats.queryKey(edit["format"], locale, False)
                    if key == -1:
                        key = formats.addNew(edit["format"], locale)
                    cell.NumberFormat = key
            target = uno.systemPathToFileUrl(str(Path(job["target"]).resolve()))
            Path(job["target"]).parent.mkdir(parents=True, exist_ok=True)
            doc.storeToURL(target, (_prop("FilterName", "Calc MS Excel 2007 XML"),))
            doc.close(True)
    finally:
        office.close()


if __name__ == "__main__":
    main(sys.argv[1])
