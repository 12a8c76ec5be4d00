"""Two landscape pages on one portrait A4 sheet, one above the other: how seed 000 (the FY2017
progress report) prints its progress sheets. pypdf places the pages; LibreOffice cannot impose
several pages on one sheet when it exports a PDF."""

from __future__ import annotations

from pathlib import Path

from pypdf import PageObject, PdfReader, PdfWriter, Transformation

from okaxl.files import save_atomically

A4 = (595.276, 841.89)  # points, portrait


def two_up(source: Path, target: Path, body: int | None = None) -> Path:
    """`source`'s pages two to a portrait A4 sheet, in order, each scaled to half the sheet. With
    `body`, the last `body` pages (a sheet each) start on a sheet of their own: the pages before
    them (the contents) never share a sheet with the first of them."""
    width, height = A4
    pages: list[PageObject | None] = list(PdfReader(source).pages)
    front = len(pages) - body if body is not None and 0 < body < len(pages) else 0
    if front % 2:
        pages.insert(front, None)  # the back of the contents' last sheet stays blank
    writer = PdfWriter()
    for first in range(0, len(pages), 2):
        sheet = writer.add_blank_page(width, height)
        for slot, page in enumerate(pages[first : first + 2]):
            if page is not None:
                _place(sheet, page, top=height - slot * height / 2, size=(width, height / 2))
    save_atomically(writer.write, target)
    return target


def _place(sheet: PageObject, page: PageObject, top: float, size: tuple[float, float]) -> None:
    box = page.mediabox
    scale = min(size[0] / float(box.width), size[1] / float(box.height))
    left = (size[0] - float(box.width) * scale) / 2
    bottom = top - size[1] + (size[1] - float(box.height) * scale) / 2
    move = Transformation().translate(-float(box.left), -float(box.bottom)).scale(scale).translate(left, bottom)
    sheet.merge_transformed_page(page, move)
