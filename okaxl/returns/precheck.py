"""The pre-check of a returned file, before it is read as a workbook.

A returned form is untrusted input: a 1 MB file can cost a reader about 1 GB of memory. So the
file's bytes and its zip directory are checked here with explicit bounds (sizes, ratios, names),
and the package's kind (not encrypted, not .xls, .xlsb, macro-enabled or Strict) from its small
parts, parsed with defusedxml. The cells are bounded as they are read, in the one pass of
okaxl.returns.formbook over the parts the workbook really uses: a bound checked here, on parts
found by their file names, missed a sheet stored under another name.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as DefusedET

from okaxl.problems import Problem
from okaxl.rules import problem

MAX_FILE = 20 * 1024 * 1024
MAX_MEMBERS = 500
MAX_TOTAL = 100 * 1024 * 1024  # declared uncompressed size of all members
MAX_MEMBER = 40 * 1024 * 1024
MAX_RATIO = 150  # declared uncompressed size / compressed size, per member

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
STRICT_NS = "http://purl.oclc.org/ooxml/spreadsheetml/main"
CT_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
CT_XLSM = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
CT_XLSB = "application/vnd.ms-excel.sheet.binary.macroEnabled.main"
CT_TEMPLATE = "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml"


@dataclass(frozen=True, slots=True)
class Precheck:
    problems: list[Problem]
    date1904: bool = False
    external_links: bool = False

    @property
    def readable(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


def _reject(code: str, value: object = None, **context: object) -> Precheck:
    return Precheck([problem(code, "", None, value, **context)])


def _ole_kind(data: bytes) -> str:
    """An OLE compound file is either an encrypted OOXML package or an old binary .xls."""
    try:
        import msoffcrypto

        office = msoffcrypto.OfficeFile(io.BytesIO(data))
        if office.is_encrypted():
            return "encrypted"
    except Exception:  # msoffcrypto raises many types on odd files; any means "not encrypted OOXML"
        pass
    return "xls"


def precheck(path: Path) -> Precheck:
    """Everything that can be said about `path` without parsing it as a workbook."""
    size = path.stat().st_size
    if size == 0:
        return _reject("RETURN_EMPTY")
    if size > MAX_FILE:
        return _reject("RETURN_TOO_LARGE", f"{size / 1024 / 1024:.1f} MB")
    with path.open("rb") as handle:
        head = handle.read(1024)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        kind = _ole_kind(path.read_bytes())
        return _reject("RETURN_ENCRYPTED" if kind == "encrypted" else "RETURN_OLD_XLS")
    lowered = head.lstrip().lower()
    if lowered.startswith((b"<html", b"<!doctype html", b"<?xml")) or b"<html" in lowered[:512]:
        return _reject("RETURN_HTML_XLS")
    if head.startswith(b"%PDF"):
        return _reject("RETURN_NOT_WORKBOOK", "PDF")
    if not head.startswith(b"PK\x03\x04"):
        return _reject(
            "RETURN_NOT_WORKBOOK", "文字のファイル（CSV など）" if _looks_like_text(head) else "不明な形式"
        )
    try:
        with zipfile.ZipFile(path) as archive:
            return _check_package(archive)
    except zipfile.BadZipFile:
        return _reject("RETURN_NOT_WORKBOOK", "壊れた zip")
    except DefusedXmlException as exc:
        return _reject("RETURN_UNSAFE", f"XML に {type(exc).__name__}")
    except (DefusedET.ParseError, KeyError, ValueError, OSError, EOFError, NotImplementedError) as exc:
        return _reject("RETURN_UNREADABLE", type(exc).__name__)


def _looks_like_text(head: bytes) -> bool:
    for encoding in ("utf-8", "cp932"):
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


def _check_package(archive: zipfile.ZipFile) -> Precheck:
    members = archive.infolist()
    names = [m.filename for m in members]
    if len(members) > MAX_MEMBERS:
        return _reject("RETURN_TOO_LARGE", f"部品が {len(members)} 個")
    if len({n.lower() for n in names}) != len(names):  # part names are compared without case
        return _reject("RETURN_UNSAFE", "同じ名前の部品が重複")
    if any(n.startswith(("/", "\\")) or ".." in n.replace("\\", "/").split("/") for n in names):
        return _reject("RETURN_UNSAFE", "不正な部品名")
    total = sum(m.file_size for m in members)
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > MAX_MEMBER or (member.file_size > 1_000_000 and ratio > MAX_RATIO):
            return _reject("RETURN_TOO_LARGE", f"圧縮爆弾の疑い（{member.filename}）")
    if total > MAX_TOTAL:
        return _reject("RETURN_TOO_LARGE", f"展開後 {total / 1024 / 1024:.0f} MB")
    if "[Content_Types].xml" not in names or (
        "xl/workbook.xml" not in names and "xl/workbook.bin" not in names
    ):
        return _reject("RETURN_NOT_WORKBOOK", "Excel の部品がない zip")
    types = DefusedET.fromstring(_read(archive, "[Content_Types].xml"))
    content_types = {o.get("ContentType", "") for o in types}
    if CT_XLSB in content_types or "xl/workbook.bin" in names:
        return _reject("RETURN_XLSB")
    macros = [
        n for n in names if n.lower().endswith(("vbaproject.bin", "vbadata.xml")) or "/activex/" in n.lower()
    ]
    if CT_XLSM in content_types or macros:
        return _reject("RETURN_MACRO", macros[0] if macros else ".xlsm")
    if STRICT_NS.encode() in _read(archive, "xl/workbook.xml")[:4000]:
        return _reject("RETURN_STRICT")
    if CT_XLSX not in content_types and CT_TEMPLATE not in content_types:
        return _reject("RETURN_NOT_WORKBOOK", "想定外の Excel の形式")
    workbook = DefusedET.fromstring(_read(archive, "xl/workbook.xml"))
    properties = workbook.find(f"{MAIN}workbookPr")
    date1904 = properties is not None and properties.get("date1904") in ("1", "true")
    external = any(n.startswith("xl/externalLinks/") for n in names)
    return Precheck([], date1904=date1904, external_links=external)


def _read(archive: zipfile.ZipFile, name: str, limit: int = MAX_MEMBER) -> bytes:
    with archive.open(name) as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"{name} too large")
    return data
