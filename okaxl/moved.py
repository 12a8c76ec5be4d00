"""Where modules moved when the package took its folders (master/, validate/, publish/, returns/,
shell/): the old names keep working, for code and buttons written against them. The Excel
launcher's buttons run `import okaxl.excel`, and a launcher already on a staff PC keeps doing so.

An import of an old name returns the module under its new name (the same module object), so
okaxl.excel is okaxl.shell.excel; nothing in this package uses the old names.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import sys
from types import ModuleType
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from importlib.abc import Loader

MOVED = {
    "okaxl.layout": "okaxl.master.layout",
    "okaxl.tables": "okaxl.master.tables",
    "okaxl.model": "okaxl.master.model",
    "okaxl.writer": "okaxl.master.writer",
    "okaxl.sheetxml": "okaxl.master.sheetxml",
    "okaxl.package": "okaxl.master.package",
    "okaxl.build": "okaxl.master.build",
    "okaxl.commit": "okaxl.master.commit",
    "okaxl.ledger": "okaxl.master.ledger",
    "okaxl.writelock": "okaxl.master.writelock",
    "okaxl.source": "okaxl.master.source",
    "okaxl.schemas": "okaxl.validate.schemas",
    "okaxl.checks": "okaxl.validate.checks",
    "okaxl.report": "okaxl.validate.report",
    "okaxl.matrix": "okaxl.publish.matrix",
    "okaxl.progress": "okaxl.publish.progress",
    "okaxl.progress_template": "okaxl.publish.progress_template",
    "okaxl.template": "okaxl.publish.template",
    "okaxl.annex": "okaxl.publish.annex",
    "okaxl.revision": "okaxl.publish.revision",
    "okaxl.titles": "okaxl.publish.titles",
    "okaxl.office": "okaxl.publish.office",
    "okaxl.forms": "okaxl.returns.forms",
    "okaxl.formlayout": "okaxl.returns.formlayout",
    "okaxl.signing": "okaxl.returns.signing",
    "okaxl.precheck": "okaxl.returns.precheck",
    "okaxl.feedback": "okaxl.returns.feedback",
    "okaxl.merge": "okaxl.returns.merge",
    "okaxl.collection": "okaxl.returns.collection",
    "okaxl.cli": "okaxl.shell.cli",
    "okaxl.actions": "okaxl.shell.actions",
    "okaxl.excel": "okaxl.shell.excel",
    "okaxl.launcher": "okaxl.shell.launcher",
    "okaxl.launcher_actions": "okaxl.shell.launcher_actions",
    "okaxl.schedule": "okaxl.shell.schedule",
}


class _OldNames:
    """A meta path finder and loader by protocol: importlib.abc would cost every command 13 ms."""

    def find_spec(
        self, name: str, path: object = None, target: object = None
    ) -> importlib.machinery.ModuleSpec | None:
        return importlib.util.spec_from_loader(name, cast("Loader", self)) if name in MOVED else None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return importlib.import_module(MOVED[spec.name])

    def exec_module(self, module: ModuleType) -> None:
        pass  # the module under its new name has run already


def install() -> None:
    if not any(isinstance(finder, _OldNames) for finder in sys.meta_path):
        sys.meta_path.append(_OldNames())
