"""The copy of a workbook okaxl hands LibreOffice to print (--pdf): LibreOffice prints a linked
cell blue and underlined whatever the cell's font says (Excel prints the font), and on paper a
link is plain text; so the copy has no links. The workbook itself keeps them."""

from __future__ import annotations

from pathlib import Path

from okaxl.master.package import MAIN, Package, parse, serialize, write


def printable(path: Path, folder: Path) -> Path:
    """`path` itself when no cell of it links anywhere, else its copy without links in `folder`."""
    with Package.open(path) as package:
        replaced = {}
        for part in package.sheets().values():
            data = package.read(part)
            if b"hyperlinks" not in data:
                continue
            root = parse(data)
            for links in root.findall(f"{{{MAIN}}}hyperlinks"):
                root.remove(links)
            replaced[part] = serialize(root, data)
        if not replaced:
            return path
        target = folder / path.name
        write(package, target, replaced)
    return target
