"""The engagement briefing (参与度简报): an Excel workbook for a period, from an engagement result.

    write_briefing(engagement(store, "2025"), Path("简报.xlsx"))

Sheets: 简报 (one page for leaders: templated Chinese sentences from the facts, and the headline
figures), 概况 (summary figures and flagged units by kind, with a chart), 预警单位 (the flagged
units, their reasons and suggested next steps), 下滑单位 (units that fell from a good score),
变化 (every unit against the previous period, with a chart of the largest falls), 全部单位 (the
ranked list with every indicator) and 指标说明 (what each indicator means and weighs). Text that
Excel would take for a formula is written as text.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from graph.engagement import INDICATORS, Result, indicator_table
from graph.glossary import label

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
TOP_FALLS = 10  # bars in the chart of falls
PERCENT = {i.name for i in INDICATORS if i.kind == "share"}
YES_NO = {i.name for i in INDICATORS if i.kind == "yes"}
NONE = "—"  # a cell with no value: not applicable, or no score in that period


def _value(value: Any) -> Any:
    """A cell value: None for missing, plain Python numbers, lists as lines."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, list | tuple):
        return "\n".join(map(str, value))
    if hasattr(value, "item"):
        return value.item()
    return value


def _dash(frame: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """The frame with a missing value in these columns written as :data:`NONE`."""
    columns = list(columns)
    return frame.astype({c: object for c in columns}).fillna({c: NONE for c in columns})


def _rows(ws: Worksheet, rows: Iterable[Sequence[Any]]) -> None:
    """Append rows; a text starting with "=" stays text rather than becoming a formula."""
    for row in rows:
        values = [_value(v) for v in row]
        ws.append(values)
        for i, v in enumerate(values, start=1):
            if isinstance(v, str) and v.startswith("="):
                ws.cell(ws.max_row, i).data_type = "s"


def _table(
    ws: Worksheet,
    frame: pd.DataFrame,
    headers: Sequence[str],
    widths: Sequence[int],
    wrap: Sequence[int] = (),
    percent: Sequence[int] = (),
) -> None:
    """A header row and the frame's rows, from the sheet's next row on."""
    _rows(ws, [headers])
    first = ws.max_row
    for i, width in enumerate(widths, start=1):
        cell = ws.cell(first, i)
        cell.font, cell.fill = BOLD, HEADER_FILL
        ws.column_dimensions[get_column_letter(i)].width = max(
            ws.column_dimensions[get_column_letter(i)].width or 0, width
        )
    _rows(ws, frame.itertuples(index=False, name=None))
    for row in ws.iter_rows(min_row=first + 1, max_row=ws.max_row):
        for i in wrap:
            row[i - 1].alignment = WRAP
        for i in percent:
            row[i - 1].number_format = "0%"


def _summary(ws: Worksheet, result: Result) -> None:
    s = result.summary
    p, before = result.period, result.period.previous()
    ws.append([f"{_where(result)}驻区单位参与度简报（{p.zh}）"])
    ws.cell(1, 1).font = Font(bold=True, size=14)
    ws.append([])
    figures = [
        ("参评单位（已加入平台）", s["units"]),
        ("预警单位", s["flagged"]),
        ("其中触发硬性规定", s["flagged_by_rule"]),
        ("下滑单位（上期良好、本期低于预警线）", s["declined"]),
        ("新加入单位（暂不预警）", s["new_members"]),
        ("得分中位数", round(s["median_score"], 1)),
        (f"上期（{before.zh}）预警单位", s["flagged_before"]),
        ("新增预警", s["newly_flagged"]),
        ("解除预警", s["no_longer_flagged"]),
        ("得分下降10分以上", s["fell_10_or_more"]),
    ]
    _table(ws, pd.DataFrame(figures), ["项目", "数值"], [40, 12])
    ws.append([])
    by_kind = (
        result.ranked.groupby("kind_zh", sort=True)
        .agg(units=("key", "size"), flagged=("flagged", "sum"), median=("score", "median"))
        .reset_index()
        .sort_values(["flagged", "units", "kind_zh"], ascending=[False, False, True])
        .assign(flagged=lambda f: f["flagged"].astype(int), median=lambda f: f["median"].round(1))
    )
    top = ws.max_row + 1
    _table(ws, by_kind, ["单位类型", "参评单位", "预警单位", "得分中位数"], [40, 12, 12, 12])
    chart = BarChart()
    chart.type, chart.style = "bar", 10
    chart.title, chart.y_axis.title = "各类单位预警数", "预警单位"
    chart.add_data(Reference(ws, min_col=3, min_row=top, max_row=ws.max_row), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=top + 1, max_row=ws.max_row))
    chart.legend = None
    chart.height, chart.width = 8 + 0.4 * len(by_kind), 16
    ws.add_chart(chart, "F3")


def _suggestions(result: Result) -> dict[str, str]:
    s = result.suggestions
    return {
        str(k): "\n".join(f"{o}. {t}" for o, t in zip(g["order"], g["zh"], strict=True))
        for k, g in s.groupby("key", sort=False)
    }


HEADLINES = (  # figure, glossary label
    ("members", "member_units"),
    ("agreement", "with_agreement_units"),
    ("seat", "with_seat_units"),
    ("attended", "attended_units"),
    ("cross_people", "cross_people"),
)
NAMED = 5  # units named in a paragraph at most


def _share(n: int, of: int) -> str:
    return f"{n / of:.0%}" if of else "—"


def _where(result: Result) -> str:
    return "全部区域" if result.area is None else result.area_name


def narrative(result: Result) -> list[str]:
    """The briefing's page for leaders: short paragraphs in Chinese, from the result's facts."""
    f, s = result.figures, result.summary
    p, before = result.period, result.period.previous()
    n = f["members"]
    where = _where(result)
    out = [
        f"{p.zh}，{where}共有共建成员单位{n}个。其中{f['agreement']}个有在期共建协议"
        f"（{_share(f['agreement'], n)}），{f['seat']}个{label('seat')}（{_share(f['seat'], n)}），"
        f"{f['attended']}个参加过联席会议（{_share(f['attended'], n)}）；"
        f"{f['cross_people']}人在成员单位与所在社区、街道（区）党组织之间交叉任职。",
        f"参与度预警单位{s['flagged']}个，比{before.zh}新增{s['newly_flagged']}个、解除{s['no_longer_flagged']}个；"
        f"得分下降10分以上的{s['fell_10_or_more']}个；本期新加入、暂不预警的{s['new_members']}个。",
    ]
    r = result.ranked
    declined = r[r["declined"]]
    if len(declined):
        named = [
            f"{row['name']}（{row['kind_zh']}，{row['street_name'] or row['district_name'] or ''}）："
            + "；".join(x for x in (row["reasons_zh"].split("；")[0], row["changes_zh"]) if x)
            for row in declined.head(NAMED).to_dict("records")
        ]
        out.append(
            f"{len(declined)}个单位由上期良好转为本期低于预警线，需了解原因：" + "。".join(named) + "。"
        )
    was = result.changes.set_index("key")["flagged_before"].fillna(False).astype(bool)
    new = r[r["flagged"] & ~r["key"].map(was).fillna(False).astype(bool)]
    if len(new):
        named = [
            f"{row['name']}（{row['reasons_zh'].split('；')[0]}）"
            for row in new.head(NAMED).to_dict("records")
        ]
        out.append(f"新增预警{len(new)}个：" + "；".join(named) + ("等。" if len(new) > NAMED else "。"))
    if not len(declined) and not len(new):
        out.append("本期无下滑或新增预警的单位。")
    return out


def _narrative(ws: Worksheet, result: Result) -> None:
    ws.append([f"{result.area_name}区域化党建情况简报（{result.period.zh}）"])
    ws.cell(1, 1).font = Font(bold=True, size=14)
    ws.column_dimensions["A"].width = 100
    ws.column_dimensions["B"].width = 12
    for paragraph in narrative(result):
        ws.append([])
        _rows(ws, [[paragraph]])
        ws.cell(ws.max_row, 1).alignment = WRAP
    ws.append([])
    f = result.figures
    _table(
        ws, pd.DataFrame([(label(word), f[key]) for key, word in HEADLINES]), ["主要数字", "数值"], [40, 12]
    )


def write_briefing(result: Result, path: Path) -> Path:
    """Write the briefing of ``result`` to ``path`` (.xlsx) and return the path."""
    path = Path(path)
    wb = Workbook()
    page = wb.active
    assert page is not None
    page.title = "简报"
    _narrative(page, result)
    summary = wb.create_sheet("概况")
    _summary(summary, result)
    r = result.ranked
    p, before = result.period, result.period.previous()
    steps = _suggestions(result)

    flagged = r[r["flagged"]].assign(steps=lambda f: f["key"].map(steps))
    _table(
        wb.create_sheet("预警单位"),
        flagged[
            [
                "rank",
                "name",
                "kind_zh",
                "community_name",
                "street_name",
                "score",
                "score_before",
                "reasons_zh",
                "steps",
            ]
        ].pipe(_dash, ["score_before"]),
        ["排名", "单位", "类型", "社区", "街道", f"{p.zh}得分", f"{before.zh}得分", "预警原因", "建议"],
        [6, 30, 12, 14, 14, 10, 10, 80, 60],
        wrap=(8, 9),
    )
    declined = r[r["declined"]]
    _table(
        wb.create_sheet("下滑单位"),
        declined[["name", "kind_zh", "community_name", "street_name", "score_before", "score", "reasons_zh"]],
        ["单位", "类型", "社区", "街道", f"{before.zh}得分", f"{p.zh}得分", "原因"],
        [30, 12, 14, 14, 10, 10, 80],
        wrap=(7,),
    )

    changes = result.changes
    ws = wb.create_sheet("变化")
    _table(
        ws,
        changes[
            ["name", "kind_zh", "street_name", "score_before", "score", "change", "flagged_before", "flagged"]
        ]
        .pipe(_dash, ["score_before", "change"])
        .assign(
            flagged_before=lambda f: f["flagged_before"].map({True: "是", False: "否"}),
            flagged=lambda f: f["flagged"].map({True: "是", False: "否"}),
        )
        .pipe(_dash, ["flagged_before"]),
        ["单位", "类型", "街道", f"{before.zh}得分", f"{p.zh}得分", "变化", "上期预警", "本期预警"],
        [30, 12, 14, 10, 10, 8, 10, 10],
    )
    falls = int(min(TOP_FALLS, (changes["change"] < 0).sum()))
    if falls:
        chart = BarChart()
        chart.type, chart.style = "bar", 10
        chart.title, chart.y_axis.title = f"得分下降最多的{falls}个单位", "得分变化"
        chart.add_data(Reference(ws, min_col=6, min_row=1, max_row=1 + falls), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=1 + falls))
        chart.legend = None
        chart.height, chart.width = 8 + 0.5 * falls, 18
        ws.add_chart(chart, "J2")

    names = [i.name for i in INDICATORS]
    columns = ["rank", "name", "kind_zh", "community_name", "street_name", "district_name", "joined", "score"]
    columns += ["flagged", "declined", "new_member", *names, "last_activity", "reasons_zh"]
    all_units = r[columns].assign(
        **{c: r[c].map({True: "是", False: "否"}) for c in ("flagged", "declined", "new_member")},
        **{n: r[n].map({1: "是", 0: "否"}) for n in names if n in YES_NO},
    )
    all_units = _dash(all_units, names)
    zh = {i.name: i.zh for i in INDICATORS}
    headers = ["排名", "单位", "类型", "社区", "街道", "区", "加入日期", "得分", "预警", "下滑", "新加入"]
    headers += [zh[n] for n in names] + ["最近活动", "原因"]
    widths = [6, 30, 12, 14, 14, 10, 12, 8, 6, 6, 8] + [10] * len(names) + [12, 60]
    percent = [columns.index(n) + 1 for n in names if n in PERCENT]
    _table(wb.create_sheet("全部单位"), all_units, headers, widths, percent=percent)
    for ws in wb.worksheets[2:]:
        ws.freeze_panes = "B2"

    table = indicator_table(result.settings)
    _table(
        wb.create_sheet("指标说明"),
        table[["zh", "en", "definition_zh", "weight", "party_only"]].assign(
            party_only=lambda f: f["party_only"].map({True: "是", False: "否"}),
            weight=lambda f: f["weight"].astype(object).where(f["weight"].notna(), "不计分"),
        ),
        ["指标", "Indicator", "定义", "权重", "仅限有党组织的单位"],
        [16, 26, 80, 8, 12],
        wrap=(3,),
    )
    wb.save(path)
    return path
