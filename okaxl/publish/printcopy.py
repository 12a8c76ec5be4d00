"""The copy of a workbook okaxl hands LibreOffice to print (--pdf), without what has no meaning on
paper and prints otherwise than in Excel; the workbook itself keeps all of it:

- links: LibreOffice prints a linked cell blue and underlined whatever the cell's font says
  (Excel prints the font);
- sheet protection (a return form's): LibreOffice leaves a protected sheet's cells as they open,
  so the Japanese line-breaking rules (office.py) could not be turned on in them.
"""

from __future__ import annotations

from pathlib import Path

from okaxl.master.package import MAIN, Package, PackageError, parse, serialize, write

UNPRINTED = ("hyperlinks", "sheetProtection")


def printable(path: Path, folder: Path) -> Path:
    """`path` itself when none of its sheets has links or protection (or it is no xlsx), else its
    copy in `folder`."""
    try:
        package = Package.open(path)
    except PackageError:
        return path  # LibreOffice converts what it can; nothing of an xlsx to take out
    with package:
        replaced = {}
        for part in package.sheets().values():
            data = package.read(part)
            if not any(tag.encode() in data for tag in UNPRINTED):
                continue
            root = parse(data)
            for tag in UNPRINTED:
                for element in root.findall(f"{{{MAIN}}}{tag}"):
                    root.remove(element)
            replaced[part] = serialize(root, data)
        if not replaced:
            return path
        target = folder / path.name
        write(package, target, replaced)
    return target
