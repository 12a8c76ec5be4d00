"""What Excel users add to a workbook, added the way Excel stores it (parts, relationships, content
types and sheet XML), so that tests can build the master staff really have from the real one.

Each function edits an .xlsx in place at package level: openpyxl would drop most of these.
"""

from __future__ import annotations

import posixpath
import struct
import zipfile
import zlib
from pathlib import Path

from lxml import etree

from okaxl.master.package import MAIN, PKG_REL, REL, X14, XM, Package

CT = "http://schemas.openxmlformats.org/package/2006/content-types"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
X14AC = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"
XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
TC = "http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
ORDER = [
    "sheetPr",
    "dimension",
    "sheetViews",
    "sheetFormatPr",
    "cols",
    "sheetData",
    "sheetCalcPr",
    "sheetProtection",
    "protectedRanges",
    "scenarios",
    "autoFilter",
    "sortState",
    "dataConsolidate",
    "customSheetViews",
    "mergeCells",
    "phoneticPr",
    "conditionalFormatting",
    "dataValidations",
    "hyperlinks",
    "printOptions",
    "pageMargins",
    "pageSetup",
    "headerFooter",
    "rowBreaks",
    "colBreaks",
    "customProperties",
    "cellWatches",
    "ignoredErrors",
    "smartTags",
    "drawing",
    "legacyDrawing",
    "legacyDrawingHF",
    "drawingHF",
    "picture",
    "oleObjects",
    "controls",
    "webPublishItems",
    "tableParts",
    "extLst",
]


class Editor:
    """An xlsx opened for editing its parts; save() writes it back (new parts at the end)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with zipfile.ZipFile(path) as archive:
            self.names = archive.namelist()
            self.parts = {n: archive.read(n) for n in self.names}
        with Package.open(path) as package:
            self.sheet_parts = package.sheets()
            self.book_part = package.workbook_part()

    def xml(self, name: str) -> etree._Element:
        return etree.fromstring(self.parts[name])

    def put(self, name: str, data: bytes | etree._Element) -> None:
        if not isinstance(data, bytes):  # as Excel writes a part: its declaration, CRLF, the element
            data = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n' + etree.tostring(
                data, encoding="UTF-8"
            )
        if name not in self.parts:
            self.names.append(name)
        self.parts[name] = data

    def sheet(self, name: str) -> tuple[str, etree._Element]:
        part = self.sheet_parts[name]
        return part, self.xml(part)

    def relate(self, source: str, rel_type: str, target: str) -> str:
        """A relationship from `source` to part `target` (written relative, as Excel does); its id."""
        folder, base = posixpath.split(source)
        rels_name = posixpath.join(folder, "_rels", f"{base}.rels")
        root = (
            self.xml(rels_name)
            if rels_name in self.parts
            else etree.Element(f"{{{PKG_REL}}}Relationships", nsmap={None: PKG_REL})
        )
        ids = {r.get("Id") for r in root}
        rid = next(f"rId{n}" for n in range(1, 999) if f"rId{n}" not in ids)
        etree.SubElement(
            root,
            f"{{{PKG_REL}}}Relationship",
            Id=rid,
            Type=rel_type,
            Target=posixpath.relpath(target, folder or "."),
        )
        self.put(rels_name, root)
        return rid

    def content_type(self, *, part: str | None = None, extension: str | None = None, kind: str) -> None:
        root = self.xml("[Content_Types].xml")
        if extension:
            if any(d.get("Extension", "").lower() == extension for d in root.iter(f"{{{CT}}}Default")):
                return
            etree.SubElement(root, f"{{{CT}}}Default", Extension=extension, ContentType=kind)
        else:
            etree.SubElement(root, f"{{{CT}}}Override", PartName=f"/{part}", ContentType=kind)
        self.put("[Content_Types].xml", root)

    def save(self) -> None:
        with zipfile.ZipFile(self.path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in self.names:
                archive.writestr(name, self.parts[name])


def place(root: etree._Element, element: etree._Element) -> etree._Element:
    """Put a worksheet child where the schema orders it."""
    rank = ORDER.index(etree.QName(element).localname)
    for child in root:
        name = etree.QName(child).localname
        if name in ORDER and ORDER.index(name) > rank:
            child.addprevious(element)
            return element
    root.append(element)
    return element


def _ext(root: etree._Element, uri: str) -> etree._Element:
    ext_list = root.find(f"{{{MAIN}}}extLst")
    if ext_list is None:
        ext_list = place(root, etree.Element(f"{{{MAIN}}}extLst"))
    return etree.SubElement(ext_list, f"{{{MAIN}}}ext", uri=uri, nsmap={"x14": X14})


def m(tag: str) -> str:
    return f"{{{MAIN}}}{tag}"


def png(width: int = 120, height: int = 40) -> bytes:
    """A real PNG (a blue logo block), made without an imaging library."""
    raw = b"".join(b"\0" + bytes((0x1F, 0x4E, 0x79)) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


# ---------------------------------------------------------------- what staff add


def printer_settings(book: Editor, sheet: str) -> str:
    """Excel's print set-up: a binary DEVMODE part linked from pageSetup."""
    part, root = book.sheet(sheet)
    name = f"xl/printerSettings/printerSettings{sum(n.startswith('xl/printerSettings/') for n in book.names) + 1}.bin"
    devmode = (
        "Canon LBP322i".encode("utf-16-le").ljust(64, b"\0")
        + struct.pack("<HHHH", 0x0401, 0, 220, 0)
        + bytes(range(256)) * 4
    )
    book.put(name, devmode)
    book.content_type(
        extension="bin", kind="application/vnd.openxmlformats-officedocument.spreadsheetml.printerSettings"
    )
    rid = book.relate(part, f"{RELS}/printerSettings", name)
    setup = root.find(m("pageSetup"))
    if setup is None:
        setup = place(root, etree.Element(m("pageSetup")))
    setup.set("paperSize", "9")
    setup.set("orientation", "landscape")
    setup.set(f"{{{REL}}}id", rid)
    book.put(part, root)
    return name


def picture(book: Editor, sheet: str) -> str:
    """A logo picture anchored on the sheet (a drawing part, its relationship and the image)."""
    part, root = book.sheet(sheet)
    image = f"xl/media/image{sum(n.startswith('xl/media/') for n in book.names) + 1}.png"
    book.put(image, png())
    book.content_type(extension="png", kind="image/png")
    drawing = f"xl/drawings/drawing{sum(n.startswith('xl/drawings/drawing') for n in book.names) + 101}.xml"
    rid_image = book.relate(drawing, f"{RELS}/image", image)
    book.put(
        drawing,
        f"""<xdr:wsDr xmlns:xdr="{XDR}" xmlns:a="{A}" xmlns:r="{REL}"><xdr:oneCellAnchor><xdr:from><xdr:col>9</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>0</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:ext cx="1143000" cy="381000"/><xdr:pic><xdr:nvPicPr><xdr:cNvPr id="2" name="ロゴ"/><xdr:cNvPicPr><a:picLocks noChangeAspect="1"/></xdr:cNvPicPr></xdr:nvPicPr><xdr:blipFill><a:blip r:embed="{rid_image}"/><a:stretch><a:fillRect/></a:stretch></xdr:blipFill><xdr:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="1143000" cy="381000"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr></xdr:pic><xdr:clientData/></xdr:oneCellAnchor></xdr:wsDr>""".encode(),
    )
    book.content_type(part=drawing, kind="application/vnd.openxmlformats-officedocument.drawing+xml")
    old = root.find(m("drawing"))
    if old is not None:
        root.remove(old)  # LibreOffice's empty drawing stays in the package, unlinked from the sheet
    rid = book.relate(part, f"{RELS}/drawing", drawing)
    place(root, etree.Element(m("drawing"), {f"{{{REL}}}id": rid}))
    book.put(part, root)
    return image


def table(book: Editor, sheet: str, name: str, ref: str, columns: list[str], totals: bool = False) -> str:
    """An Excel Table (ListObject) over `ref`; the sheet's own autofilter goes, as Excel requires."""
    part, root = book.sheet(sheet)
    number = sum(n.startswith("xl/tables/table") for n in book.names) + 1
    target = f"xl/tables/table{number}.xml"
    totals_attr = ' totalsRowCount="1"' if totals else ' totalsRowShown="0"'
    filter_ref = (
        ref
        if not totals
        else ref.rsplit(":", 1)[0] + ":" + ref.rsplit(":", 1)[1][:1] + str(int(ref.rsplit(":", 1)[1][1:]) - 1)
    )
    cols = "".join(f'<tableColumn id="{i}" name="{c}"/>' for i, c in enumerate(columns, start=1))
    book.put(
        target,
        f'<table xmlns="{MAIN}" id="{number}" name="{name}" displayName="{name}" ref="{ref}"{totals_attr}>'
        f'<autoFilter ref="{filter_ref}"/><tableColumns count="{len(columns)}">{cols}</tableColumns>'
        '<tableStyleInfo name="TableStyleMedium2" showFirstColumn="0" showLastColumn="0" showRowStripes="1" showColumnStripes="0"/></table>'.encode(),
    )
    book.content_type(
        part=target, kind="application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"
    )
    for old in root.findall(m("autoFilter")):
        root.remove(old)
    rid = book.relate(part, f"{RELS}/table", target)
    parts = root.find(m("tableParts"))
    if parts is None:
        parts = place(root, etree.Element(m("tableParts"), count="0"))
    etree.SubElement(parts, m("tablePart"), {f"{{{REL}}}id": rid})
    parts.set("count", str(len(parts)))
    book.put(part, root)
    book_root = book.xml(book.book_part)
    for defined in book_root.iter(m("definedName")):
        if defined.get("name") == "_xlnm._FilterDatabase" and (defined.text or "").startswith(f"{sheet}!"):
            defined.getparent().remove(defined)
    book.put(book.book_part, book_root)
    return target


def x14_list(book: Editor, sheet: str, sqref: str, source: str) -> None:
    """An Excel 2010 drop-down whose list is on another sheet (stored in the sheet's extLst)."""
    part, root = book.sheet(sheet)
    ext = _ext(root, "{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}")
    validations = etree.SubElement(ext, f"{{{X14}}}dataValidations", count="1", nsmap={"xm": XM})
    rule = etree.SubElement(
        validations,
        f"{{{X14}}}dataValidation",
        type="list",
        allowBlank="1",
        showInputMessage="1",
        showErrorMessage="1",
    )
    etree.SubElement(etree.SubElement(rule, f"{{{X14}}}formula1"), f"{{{XM}}}f").text = source
    etree.SubElement(rule, f"{{{XM}}}sqref").text = sqref
    book.put(part, root)


def data_bar(book: Editor, sheet: str, sqref: str) -> None:
    """An Excel 2010 data bar: the rule in conditionalFormatting, its x14 half in extLst."""
    part, root = book.sheet(sheet)
    guid = "{6C1D2E6A-2B5F-4F0B-9C41-5C1E0B7F2A10}"
    formatting = place(root, etree.Element(m("conditionalFormatting"), sqref=sqref))
    rule = etree.SubElement(formatting, m("cfRule"), type="dataBar", priority="1")
    bar = etree.SubElement(rule, m("dataBar"))
    etree.SubElement(bar, m("cfvo"), type="min")
    etree.SubElement(bar, m("cfvo"), type="max")
    etree.SubElement(bar, m("color"), rgb="FF638EC6")
    ext = etree.SubElement(
        etree.SubElement(rule, m("extLst")),
        m("ext"),
        uri="{B025F937-C7B1-47D3-B67F-A62EFF666E3E}",
        nsmap={"x14": X14},
    )
    etree.SubElement(ext, f"{{{X14}}}id").text = guid
    sheet_ext = _ext(root, "{78C0D931-6437-407d-A8EE-F0AAD7539E65}")
    formattings = etree.SubElement(sheet_ext, f"{{{X14}}}conditionalFormattings")
    x14_formatting = etree.SubElement(formattings, f"{{{X14}}}conditionalFormatting", nsmap={"xm": XM})
    x14_rule = etree.SubElement(x14_formatting, f"{{{X14}}}cfRule", type="dataBar", id=guid)
    x14_bar = etree.SubElement(x14_rule, f"{{{X14}}}dataBar", minLength="0", maxLength="100", gradient="0")
    etree.SubElement(x14_bar, f"{{{X14}}}cfvo", type="autoMin")
    etree.SubElement(x14_bar, f"{{{X14}}}cfvo", type="autoMax")
    etree.SubElement(x14_bar, f"{{{X14}}}negativeFillColor", rgb="FFFF0000")
    etree.SubElement(x14_bar, f"{{{X14}}}axisColor", rgb="FF000000")
    etree.SubElement(x14_formatting, f"{{{XM}}}sqref").text = sqref
    book.put(part, root)


def threaded_comment(book: Editor, sheet: str, cell: str, text: str, author: str) -> list[str]:
    """A Microsoft 365 comment: the threaded comment, the person list, and the legacy note Excel
    writes beside them for older versions (comments part and VML)."""
    part, root = book.sheet(sheet)
    person_id = "{0A1B2C3D-4E5F-4061-8293-A4B5C6D7E8F9}"
    persons = "xl/persons/person.xml"
    if persons not in book.parts:
        book.put(
            persons,
            f'<personList xmlns="{TC}" xmlns:x="{MAIN}"><person displayName="{author}" id="{person_id}" userId="{author}@city.okayama.jp" providerId="AD"/></personList>'.encode(),
        )
        book.content_type(part=persons, kind="application/vnd.ms-excel.person+xml")
        book.relate(
            book.book_part, "http://schemas.microsoft.com/office/2017/10/relationships/person", persons
        )
    threaded = f"xl/threadedComments/threadedComment{sum(n.startswith('xl/threadedComments/') for n in book.names) + 1}.xml"
    comment_id = "{1F2E3D4C-5B6A-4978-8695-A4B3C2D1E0F9}"
    book.put(
        threaded,
        f'<ThreadedComments xmlns="{TC}" xmlns:x="{MAIN}"><threadedComment ref="{cell}" dT="2026-11-30T09:00:00.00" personId="{person_id}" id="{comment_id}"><text>{text}</text></threadedComment></ThreadedComments>'.encode(),
    )
    book.content_type(part=threaded, kind="application/vnd.ms-excel.threadedcomments+xml")
    book.relate(part, "http://schemas.microsoft.com/office/2017/10/relationships/threadedComment", threaded)
    comments = f"xl/comments{sum(n.startswith('xl/comments') for n in book.names) + 1}.xml"
    note = f"[スレッド化されたコメント]\n\nお使いのバージョンの Excel ではこのスレッド化されたコメントを読むことができます。\n\nコメント:\n    {text}"
    book.put(
        comments,
        f'<comments xmlns="{MAIN}"><authors><author>tc={comment_id}</author></authors><commentList><comment ref="{cell}" authorId="0"><text><t>{note}</t></text></comment></commentList></comments>'.encode(),
    )
    book.content_type(
        part=comments, kind="application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
    )
    book.relate(part, f"{RELS}/comments", comments)
    vml = f"xl/drawings/vmlDrawing{sum(n.startswith('xl/drawings/vmlDrawing') for n in book.names) + 1}.vml"
    column = ord(cell[0]) - 65
    row = int(cell[1:]) - 1
    book.put(
        vml,
        f"""<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:x="urn:schemas-microsoft-com:office:excel"><v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype><v:shape id="_x0000_s1025" type="#_x0000_t202" style="position:absolute;margin-left:100pt;margin-top:10pt;width:120pt;height:60pt;z-index:1;visibility:hidden" fillcolor="infoBackground [80]" o:insetmode="auto"><v:fill color2="infoBackground [80]"/><v:textbox/><x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/><x:AutoFill>False</x:AutoFill><x:Row>{row}</x:Row><x:Column>{column}</x:Column></x:ClientData></v:shape></xml>""".encode(),
    )
    book.content_type(extension="vml", kind="application/vnd.openxmlformats-officedocument.vmlDrawing")
    rid = book.relate(part, f"{RELS}/vmlDrawing", vml)
    place(root, etree.Element(m("legacyDrawing"), {f"{{{REL}}}id": rid}))
    book.put(part, root)
    return [persons, threaded, comments, vml]


def print_area(book: Editor, sheet: str, area: str) -> None:
    defined_name(book, "_xlnm.Print_Area", f"{sheet}!{area}", local=sheet)


def rich_text(book: Editor, sheet: str, cell: str, runs: list[tuple[str, bool]]) -> None:
    """A cell of rich text (bold and plain runs) held in the shared-string table."""
    with Package.open(book.path) as package:
        strings = package.related(book.book_part, "/sharedStrings")[0].target
    sst = book.xml(strings)
    item = etree.SubElement(sst, m("si"))
    for text, bold in runs:
        run = etree.SubElement(item, m("r"))
        if bold:
            properties = etree.SubElement(run, m("rPr"))
            etree.SubElement(properties, m("b"))
            etree.SubElement(properties, m("rFont"), val="BIZ UDゴシック")
        etree.SubElement(run, m("t")).text = text
    index = len(sst) - 1
    sst.set("uniqueCount", str(len(sst)))
    sst.set("count", str(int(sst.get("count", "0")) + 1))
    book.put(strings, sst)
    part, root = book.sheet(sheet)
    target = next(c for c in root.iter(m("c")) if c.get("r") == cell)
    for child in list(target):
        target.remove(child)
    target.set("t", "s")
    etree.SubElement(target, m("v")).text = str(index)
    book.put(part, root)


def shared_formula_column(
    book: Editor, sheet: str, column: str, header: str, formula: str, first: int, last: int
) -> None:
    """A column the staff added and filled down (Excel stores it as one shared formula), with the
    cached values, and its header."""
    part, root = book.sheet(sheet)
    rows = {int(r.get("r")): r for r in root.iter(m("row"))}
    with Package.open(book.path) as package:
        strings = package.related(book.book_part, "/sharedStrings")[0].target
    sst = book.xml(strings)
    item = etree.SubElement(sst, m("si"))
    etree.SubElement(item, m("t")).text = header
    sst.set("uniqueCount", str(len(sst)))
    book.put(strings, sst)
    header_cell = etree.SubElement(rows[1], m("c"), r=f"{column}1", t="s")
    etree.SubElement(header_cell, m("v")).text = str(len(sst) - 1)
    for number in range(first, last + 1):
        cell = etree.SubElement(rows[number], m("c"), r=f"{column}{number}")
        f = etree.SubElement(cell, m("f"), t="shared", si="0")
        if number == first:
            f.set("ref", f"{column}{first}:{column}{last}")
            f.text = formula
        etree.SubElement(cell, m("v")).text = str(number)
    book.put(part, root)


def excel_row_attributes(book: Editor, sheet: str) -> None:
    """What Excel writes on every sheet: mc:Ignorable with the x14ac prefix, and x14ac:dyDescent
    on each row."""
    part, root = book.sheet(sheet)
    nsmap = {**root.nsmap, "mc": MC, "x14ac": X14AC}
    new_root = etree.Element(root.tag, attrib=dict(root.attrib), nsmap=nsmap)
    new_root.set(f"{{{MC}}}Ignorable", "x14ac")
    for child in list(root):
        new_root.append(child)
    for row in new_root.iter(m("row")):
        row.set(f"{{{X14AC}}}dyDescent", "0.4")
    book.put(part, new_root)


def blank_formatted_rows(book: Editor, sheet: str, count: int, columns: int) -> None:
    """Rows under the data that staff formatted ahead for later entry: bordered, empty."""
    part, root = book.sheet(sheet)
    data = root.find(m("sheetData"))
    rows = list(data.iter(m("row")))
    last = rows[-1]
    styles = {c.get("r").rstrip("0123456789"): c.get("s") for c in last.iter(m("c"))}
    start = int(last.get("r")) + 1
    letters = [chr(65 + i) for i in range(columns)]
    for number in range(start, start + count):
        row = etree.SubElement(data, m("row"), r=str(number))
        for letter in letters:
            cell = etree.SubElement(row, m("c"), r=f"{letter}{number}")
            if styles.get(letter):
                cell.set("s", styles[letter])
    dimension = root.find(m("dimension"))
    if dimension is not None:
        dimension.set("ref", f"{dimension.get('ref', 'A1').split(':')[0]}:{letters[-1]}{start + count - 1}")
    book.put(part, root)


def calc_chain(book: Editor, sheet: str, cells: list[str]) -> str:
    """Excel's calculation chain: the formula cells in the order Excel last calculated them."""
    index = list(book.sheet_parts).index(sheet) + 1
    name = "xl/calcChain.xml"
    items = "".join(f'<c r="{cell}" i="{index}"/>' if n == 0 else f'<c r="{cell}"/>' for n, cell in enumerate(cells))
    book.put(name, f'<calcChain xmlns="{MAIN}">{items}</calcChain>'.encode())
    book.content_type(part=name, kind="application/vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml")
    book.relate(book.book_part, f"{RELS}/calcChain", name)
    return name


def prefixed(book: Editor, sheet: str) -> None:
    """The sheet written with a prefix for the main namespace (x:), as some generators do."""
    part, root = book.sheet(sheet)
    nsmap = {("x" if k is None else k): v for k, v in root.nsmap.items()}
    new = etree.Element(root.tag, nsmap=nsmap, attrib=dict(root.attrib))
    for child in list(root):
        new.append(child)
    book.put(part, new)


def absolute_targets(book: Editor) -> None:
    """The workbook's relationships written with absolute targets (/xl/worksheets/…)."""
    name = posixpath.join(posixpath.dirname(book.book_part), "_rels", posixpath.basename(book.book_part) + ".rels")
    root = book.xml(name)
    for rel in root:
        target = rel.get("Target", "")
        if not target.startswith("/") and rel.get("TargetMode") != "External":
            rel.set("Target", "/" + posixpath.normpath(posixpath.join(posixpath.dirname(book.book_part), target)))
    book.put(name, root)


def defined_name(book: Editor, name: str, text: str, local: str | None = None) -> None:
    """A defined name of the workbook, or of one sheet (`local`), as a print area is."""
    root = book.xml(book.book_part)
    names = root.find(m("definedNames"))
    if names is None:
        names = etree.Element(m("definedNames"))
        root.find(m("sheets")).addnext(names)
    node = etree.SubElement(names, m("definedName"), name=name)
    if local is not None:
        node.set("localSheetId", str(list(book.sheet_parts).index(local)))
    node.text = text
    book.put(book.book_part, root)


def staff_master(resaved: Path, target: Path, blank_rows: int = 2000) -> dict[str, object]:
    """The master as staff have it: `resaved` (the real master re-saved by a spreadsheet
    application) given everything the issue lists that Excel users add. Returns what was added."""
    from okaxl.master.reader import read_master

    target.write_bytes(resaved.read_bytes())
    tables = read_master(target)
    last = {sheet: int(tables[sheet].index.max()) for sheet in ("実績", "KPI実績")}
    headers = {sheet: list(tables.letters[sheet]) for sheet in ("実績", "KPI実績")}
    book = Editor(target)
    added: dict[str, object] = {"last": last}
    added["parts"] = [
        printer_settings(book, "実績"),
        picture(book, "説明"),
        *threaded_comment(book, "事業", "E2", "名称は要確認（政策企画課）", "岡山 花子"),
    ]
    added["tables"] = [
        table(book, "実績", "実績表", f"A1:H{last['実績']}", headers["実績"]),
        table(book, "KPI実績", "KPI実績表", f"A1:H{last['KPI実績']}", headers["KPI実績"]),
    ]
    x14_list(book, "実績", f"G2:G{last['実績']}", "リスト!$B$2:$B$14")
    data_bar(book, "KPI実績", f"D2:D{last['KPI実績']}")
    print_area(book, "実績", f"$A$1:$H${last['実績']}")
    rich_text(book, "実績", "D2", [("重要", True), ("：説明会の日程を調整する", False)])
    shared_formula_column(book, "実績", "I", "文字数", "LEN(E2)", 2, last["実績"])
    for sheet in ("実績", "KPI実績"):
        blank_formatted_rows(book, sheet, blank_rows, 8)
    excel_row_attributes(book, "実績")
    added["parts"].append(calc_chain(book, "実績", [f"I{n}" for n in range(2, last["実績"] + 1)]))  # type: ignore[union-attr]
    book.save()
    return added
