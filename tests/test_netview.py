"""The drawing: a legend that shows what is drawn, tooltips that say what a tie is, labels on
the nodes that matter, and a downloaded page that needs no network and runs nothing from the data."""

from __future__ import annotations

import re

import networkx as nx

from graph import aggregate
from ui import netview

EVIL = "<img src=x onerror=alert(1)>"


def small() -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    g.add_node("organization:A", record="organization", name="甲公司", kind="soe", area="c")
    g.add_node("organization:B", record="organization", name=EVIL, kind="school", area="c")
    g.add_node("person:p", record="person", name="张三明")
    g.add_node("agreement:g", record="agreement", title="共建协议", signed="2024-01-05", expires="2026-12")
    g.add_node("project:j", record="project", title="助老", start="2025-03")
    g.add_edge(
        "person:p", "organization:A", "h1", type="HOLDS", role="书记", start="2023-01", end="2025-06-30"
    )
    g.add_edge("organization:A", "agreement:g", "PARTY_TO", type="PARTY_TO")
    g.add_edge("organization:B", "agreement:g", "PARTY_TO", type="PARTY_TO")
    g.add_edge("organization:B", "project:j", "CONTRIBUTES", type="CONTRIBUTES")
    return g


def draw(g: nx.MultiDiGraph) -> netview.Drawing:
    return netview.draw(g, lang="zh", mask=str, area_names={}, roll_to={})


def rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def test_the_legend_shows_each_shape_and_colour_as_drawn() -> None:
    d = draw(small())
    drawn = set()
    for node in d.nodes:
        fill = node["color"]
        if isinstance(fill, dict) and fill["background"] == "#ffffff":  # a hollow dot: drawn as a ring
            drawn.add(("ring", fill["border"]))
        else:
            drawn.add((node["shape"], fill if isinstance(fill, str) else fill["background"]))
    assert {(shape, colour) for _, shape, colour in d.legend} == drawn
    assert {text for text, _, _ in d.legend} == {"国企", "学校", "人员", "共建协议", "项目"}
    assert {text for text, _ in d.edge_legend} == {"任职", "签订协议", "参与项目"}
    assert {c for _, c in d.edge_legend} == {e["color"] for e in d.edges}


def test_people_look_unlike_any_unit() -> None:
    _, colour = netview.RECORD_STYLE["person"]
    assert [r for r, (s, _) in netview.RECORD_STYLE.items() if s == "ring"] == [
        "person"
    ]  # units: filled dots
    for kind, other in netview.KIND_COLORS.items():
        distance = sum((a - b) ** 2 for a, b in zip(rgb(colour), rgb(other), strict=True)) ** 0.5
        assert distance > 60, kind


def test_an_edge_tooltip_names_both_ends_the_relationship_and_its_dates() -> None:
    d = draw(small())
    titles = {tuple(sorted((e["from"], e["to"]))): e["title"].split("\n") for e in d.edges}
    post = titles[("organization:A", "person:p")]
    assert post[0] in ("张三明 — 甲公司", "甲公司 — 张三明")
    assert post[2] == "任职 书记 2023-01 – 2025-06-30"
    party = titles[("agreement:g", "organization:A")]
    assert party[2] == "签订协议 2024-01-05 – 2026-12"
    assert titles[("organization:B", "project:j")][2] == "参与项目 2025-03 –"


def test_only_the_most_connected_and_the_focus_carry_labels_in_a_large_drawing() -> None:
    g = nx.MultiDiGraph()
    for i in range(60):
        g.add_node(f"organization:{i}", record="organization", name=f"单位{i}", kind="shop")
    for i in range(1, 60):
        for j in range(i % 5 + 1):
            g.add_edge(f"organization:{i}", f"organization:{(i + j + 1) % 60}", f"{i}-{j}", type="HOLDS")
    d = netview.draw(g, lang="zh", mask=str, area_names={}, roll_to={}, focus=["organization:0"])
    labelled = {n["id"] for n in d.nodes if n["label"]}
    degree = dict(g.degree())
    top = sorted(g.nodes, key=lambda n: (n != "organization:0", -degree[n], n))[: netview.LABELLED]
    assert labelled == set(top) and all(n["name"] for n in d.nodes)


def test_an_expansion_keeps_what_was_drawn_where_it_was() -> None:
    g = small()
    before = {n["id"]: (n["x"], n["y"]) for n in draw(g).nodes}
    g.add_node("person:q", record="person", name="李四")
    g.add_edge("person:q", "organization:B", "h2", type="HOLDS")
    after = netview.draw(g, lang="zh", mask=str, area_names={}, roll_to={}, anchor=before)
    moved = {n["id"] for n in after.nodes if n["id"] in before and (n["x"], n["y"]) != before[n["id"]]}
    assert moved == set() and len(after.nodes) == len(before) + 1


def test_quarter_changes_are_marked_and_interlocks_labelled_with_people() -> None:
    before = nx.Graph([("A", "B")])
    after = nx.Graph([("A", "C")])
    for g in (before, after):
        for n in g.nodes:
            g.nodes[n].update(name=f"单位{n}", kind="shop")
        for _, _, e in g.edges(data=True):
            e.update(weight=1, people=["p1"])
    union = nx.compose(before, after)
    d = netview.draw_picture(
        union, lang="zh", mask=lambda n: n[0] + "*", group_names={}, people={"p1": "王五"},
        changed=aggregate.changes(before, after),
    )  # fmt: skip
    edges = {(e["from"], e["to"]): e for e in d.edges}
    assert edges[("organization:A", "organization:C")]["color"] == netview.ADDED
    assert edges[("organization:A", "organization:B")]["dashes"] is True
    assert edges[("organization:A", "organization:C")]["label"] == "王*"  # masked
    nodes = {n["id"]: n for n in d.nodes}
    assert nodes["organization:C"]["color"]["border"] == netview.ADDED
    assert nodes["organization:B"]["color"]["border"] == netview.ENDED


def test_the_downloaded_page_loads_nothing_and_keeps_names_as_text() -> None:
    html = netview.to_html(draw(small()), heading=EVIL)
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", html)  # everything inlined
    assert not re.search(r"cdnjs|jsdelivr|unpkg|bootstrap", html, re.I)
    assert EVIL not in html and "&lt;img src=x" in html  # the heading, escaped
    assert "\\u003cimg src=x" in html  # in the data, as JSON
