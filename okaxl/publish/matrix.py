"""取組状況一覧: which partner towns take part in which projects on a given date."""

from __future__ import annotations

import datetime as dt
import difflib
import unicodedata
from dataclasses import dataclass

from okaxl.errors import OkaxlError
from okaxl.master import layout
from okaxl.master.model import Model, partner_towns
from okaxl.master.tables import Tables, records


@dataclass(frozen=True, slots=True)
class MatrixRow:
    project_id: str
    pillar: str  # Ⅰ, Ⅱ, Ⅲ
    measure: str
    name: str
    towns: frozenset[str]
    page: int | None  # 掲載ページ in the latest annex revision on or before the date
    excerpt_of: str | None


@dataclass(frozen=True, slots=True)
class Matrix:
    as_of: dt.date
    towns: tuple[str, ...]  # the 12 partner towns in their fixed order
    pillars: dict[str, str]  # 番号 → 分野名
    rows: tuple[MatrixRow, ...]

    @property
    def project_count(self) -> int:
        """事務事業の数: rows that are excerpts of another project are not counted."""
        return sum(1 for r in self.rows if not r.excerpt_of)

    def excerpts_for(self, town: str) -> list[MatrixRow]:
        """The town's excerpt rows whose source it also takes part in: the same work, counted once."""
        rows = self.for_town(town)
        listed = {r.project_id for r in rows}
        return [r for r in rows if r.excerpt_of and r.excerpt_of in listed]

    def count_for(self, town: str) -> int:
        """事務事業の数 of one town, as the matrix counts: an excerpt of a project it is in is not one."""
        return len(self.for_town(town)) - len(self.excerpts_for(town))

    def for_town(self, town: str) -> tuple[MatrixRow, ...]:
        if town not in self.towns:
            raise OkaxlError(
                f"市町「{town}」は連携市町にありません。次のいずれかを指定してください：{'、'.join(self.towns)}"
            )
        return tuple(r for r in self.rows if town in r.towns)


def resolve_town(tables: Tables, name: str) -> str:
    """The partner town a person meant: NFKC-normalised and stripped, else a Japanese error."""
    towns = partner_towns(tables)
    cleaned = unicodedata.normalize("NFKC", name).strip()
    if cleaned in towns:
        return cleaned
    if cleaned in (layout.HUB, layout.HUB.removesuffix("市")):
        raise OkaxlError(
            f"{layout.HUB}は連携中枢都市（協約の甲）で、連携市町ではないため、この指定はできません。"
            f"連携市町のいずれかを指定してください：{'、'.join(towns)}"
        )
    hint = [t for t in towns if cleaned and (t.startswith(cleaned) or cleaned in t)]
    hint = hint or difflib.get_close_matches(cleaned, towns, n=1, cutoff=0.6)
    suggestion = f"「{hint[0]}」のことですか？" if hint else ""
    raise OkaxlError(
        f"市町「{name}」は連携市町にありません。{suggestion}次のいずれかを指定してください：{'、'.join(towns)}"
    )


def build_matrix(tables: Tables, as_of: dt.date) -> Matrix:
    """The projects in the vision on `as_of`, in the vision's order, with the towns taking part."""
    model = Model.of(tables)
    towns = model.towns
    pages = tables["掲載"]
    taking_part = model.taking_part_on(as_of)
    page_of: dict[str, tuple[dt.date, int]] = {}
    for p in records(pages):
        revised = p["改訂日"]
        if isinstance(revised, dt.date) and revised <= as_of:
            key = str(p["事業ID"])
            if key not in page_of or page_of[key][0] < revised:
                page_of[key] = (revised, int(p["掲載ページ"]))
    rows = []
    for p in model.projects_on(as_of):
        pid = str(p["事業ID"])
        rows.append(
            MatrixRow(
                project_id=pid,
                pillar=str(p["分野"]),
                measure=str(p["施策"]),
                name=str(p["事務事業名"]),
                towns=frozenset(taking_part.get(pid, {})),
                page=page_of[pid][1] if pid in page_of else None,
                excerpt_of=str(p["抜粋元"]) if p["抜粋元"] else None,
            )
        )
    pillars = {str(r["番号"]): str(r["分野名"]) for r in records(tables["分野"])}
    order = list(pillars)
    rows.sort(key=lambda r: order.index(r.pillar) if r.pillar in order else len(order))
    return Matrix(as_of=as_of, towns=towns, pillars=pillars, rows=tuple(rows))
