"""An xlsx file as an Open Packaging Convention package: its parts in their zip order, found
through relationships, and written back with only named parts replaced.

Written here rather than taken from a library: openpyxl and XlsxWriter rebuild the whole package
(and drop what they do not model), and no maintained Python library copies an xlsx part for part
while replacing a few. What this needs of OPC is small: relationship targets (absolute, relative,
with `..`), part names compared without case, and the zip entries copied in order.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
X14 = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
XM = "http://schemas.microsoft.com/office/excel/2006/main"
OFFICE_DOCUMENT = "/officeDocument"

# entities are never expanded, nothing is fetched: a master is trusted less than our own code
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=False)


class PackageError(Exception):
    """The file is not an xlsx package this module can edit (the message says why, in Japanese)."""


def parse(data: bytes) -> etree._Element:
    return etree.fromstring(data, PARSER)


def stream(data: bytes, *tags: str) -> Iterator[etree._Element]:
    """The elements of one sheet's XML with these tags (Clark names), as they end, parsed like
    PARSER; each is cleared after its turn with the elements before it, and each row once it
    ends, so that a sheet of any size (even of empty rows) costs little memory. The XML may be
    anything a returned file holds: an element at the root, comments before it."""
    row = f"{{{MAIN}}}row"
    with io.BytesIO(data) as source:
        for _, element in etree.iterparse(
            source, events=("end",), tag=(*tags, row), resolve_entities=False, no_network=True, load_dtd=False
        ):
            if element.tag != row or row in tags:
                yield element
            element.clear()
            parent = element.getparent()
            if parent is not None:
                while element.getprevious() is not None:
                    del parent[0]


def serialize(root: etree._Element, original: bytes) -> bytes:
    """The tree as bytes, keeping the original XML declaration exactly (or its absence)."""
    body = etree.tostring(root, encoding="UTF-8", xml_declaration=False)
    if original.startswith(b"<?xml"):
        end = original.index(b"?>") + 2
        gap = original[end : len(original) - len(original[end:].lstrip())]
        return original[:end] + gap + body
    return body


@dataclass(frozen=True, slots=True)
class Relationship:
    id: str
    type: str
    target: str  # the part name, resolved; empty for an external target


@dataclass
class Package:
    """The parts of one xlsx file, read lazily; `names` keeps the zip's own order."""

    path: Path
    archive: zipfile.ZipFile
    names: list[str]
    _folded: dict[str, str] = field(default_factory=dict)
    _cache: dict[str, bytes] = field(default_factory=dict)

    @classmethod
    def open(cls, path: Path) -> Package:
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, ValueError) as exc:
            raise PackageError(f"{path.name} は Excel ブック（.xlsx）として読めません（{exc}）。") from exc
        names = [info.filename for info in archive.infolist()]
        return cls(path, archive, names, {name.lower(): name for name in names})

    def close(self) -> None:
        self.archive.close()

    def __enter__(self) -> Package:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def find(self, name: str) -> str | None:
        """The zip entry for a part name: OPC part names are compared without case."""
        return self._folded.get(name.lstrip("/").lower())

    def read(self, name: str) -> bytes:
        entry = self.find(name)
        if entry is None:
            raise PackageError(
                f"{self.path.name} に部品 {name} がありません。Excel で開いて保存し直してください。"
            )
        if entry not in self._cache:
            self._cache[entry] = self.archive.read(entry)
        return self._cache[entry]

    def relationships(self, source: str) -> dict[str, Relationship]:
        """The relationships of part `source` ("" for the package), targets resolved to part names."""
        folder, base = posixpath.split(source)
        rels_name = posixpath.join(folder, "_rels", f"{base}.rels")
        if self.find(rels_name) is None:
            return {}
        found = {}
        for node in parse(self.read(rels_name)).iter(f"{{{PKG_REL}}}Relationship"):
            target = node.get("Target", "")
            if node.get("TargetMode") == "External":
                resolved = ""
            elif target.startswith("/"):
                resolved = posixpath.normpath(target).lstrip("/")
            else:
                resolved = posixpath.normpath(posixpath.join(folder, target))
            found[node.get("Id", "")] = Relationship(node.get("Id", ""), node.get("Type", ""), resolved)
        return found

    def related(self, source: str, kind: str) -> list[Relationship]:
        """Relationships of `source` whose type ends with `kind` (e.g. "/worksheet")."""
        return [r for r in self.relationships(source).values() if r.type.endswith(kind) and r.target]

    def workbook_part(self) -> str:
        documents = self.related("", OFFICE_DOCUMENT)
        if not documents:
            raise PackageError(f"{self.path.name} にブック本体（workbook.xml）への参照がありません。")
        return documents[0].target

    def sheets(self) -> dict[str, str]:
        """Sheet name → worksheet part, in the workbook's order (chart sheets left out)."""
        book_part = self.workbook_part()
        book = parse(self.read(book_part))
        if etree.QName(book).namespace == STRICT_MAIN:
            raise StrictPackage(self.path.name)
        rels = self.relationships(book_part)
        parts = {}
        for node in book.iter(f"{{{MAIN}}}sheet"):
            rel = rels.get(node.get(f"{{{REL}}}id", ""))
            if rel is not None and rel.type.endswith("/worksheet") and self.find(rel.target):
                parts[node.get("name", "")] = self.find(rel.target) or rel.target
        return parts


class StrictPackage(PackageError):
    def __init__(self, name: str) -> None:
        super().__init__(
            f"{name} は「Strict Open XML スプレッドシート」形式で保存されています。"
            "Excel で「Excel ブック (*.xlsx)」として保存し直してください。"
        )


def write(source: Package, target: Path, replaced: dict[str, bytes]) -> None:
    """Copy every entry of `source` into `target` in the same order, with the same names, dates,
    attributes and compression; entries named in `replaced` get the new bytes."""
    unknown = set(replaced) - set(source.names)
    if unknown:
        raise ValueError(f"not in the package: {sorted(unknown)}")
    with zipfile.ZipFile(target, "w") as out:
        for info in source.archive.infolist():
            data = replaced.get(info.filename)
            if data is None:
                data = source.archive.read(info)
            copy = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            copy.compress_type = info.compress_type
            copy.external_attr = info.external_attr
            copy.create_system = info.create_system
            copy.comment = info.comment  # extra fields (zip64 sizes, timestamps) are not carried over
            out.writestr(copy, data)
        out.comment = source.archive.comment


def unchanged_except(before: Path, after: Path, edited: set[str]) -> list[str]:
    """Parts of `before` that `after` lacks, reorders or changes, other than the `edited` ones."""
    with zipfile.ZipFile(before) as old, zipfile.ZipFile(after) as new:
        old_names, new_names = old.namelist(), new.namelist()
        if old_names != new_names:
            missing = [n for n in old_names if n not in set(new_names)]
            extra = [n for n in new_names if n not in set(old_names)]
            return [f"部品の並び・数が変わりました（なくなった {missing}、増えた {extra}）"]
        return [n for n in old_names if n not in edited and old.read(n) != new.read(n)]
