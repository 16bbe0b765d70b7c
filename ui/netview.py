"""The network view: a store graph made into a pyvis drawing that works with no internet.

Pure functions, no Streamlit. What pyvis does not do, done here:

- positions are computed in Python (a seeded spring layout, so a view looks the same each
  time and can be cached); the browser's physics only runs on small drawings and stops once
  settled;
- at most ``cap`` nodes are drawn; the rest are rolled up into one node per area, joined to
  what they were joined to, and the caller gets the numbers for a plain notice;
- labels and tooltips are plain text: vis-network draws labels on a canvas and shows string
  tooltips as text, and the data reaches the page as JSON with ``<``, ``>``, ``&`` and quotes
  escaped; pyvis's own template (which switches to HTML tooltips when a title contains
  "href") is not used;
- vis-network's script and style are inlined from the copies pyvis ships, and nothing else
  is linked (pyvis's template links Bootstrap and vis-network from CDNs), so the page and the
  downloaded file load nothing from anywhere.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import networkx as nx
import pyvis
from markupsafe import Markup
from pyvis.network import Network

from graph.aggregate import GROUP, KINDS, Changes
from graph.glossary import ATTENDANCE, NEED_STATUS, ORG_KIND, PROJECT_STATUS, label
from graph.model import RECORDS

VIS = Path(pyvis.__file__).resolve().parent / "lib" / "vis-9.1.2"
PHYSICS_MAX = 150  # nodes up to which the browser settles the layout itself
CAP = 300  # nodes drawn by default
MAX_CAP = 450  # at most (the layout is quadratic in the nodes drawn)
MEASURES = ("degree", "betweenness", "party_members")
DEFAULT_TYPES = ("HOLDS", "PARTY_TO", "ATTENDED", "CONTRIBUTES")  # area nodes off by default
AREA_TYPES = ("IN_AREA", "PART_OF", "SERVES", "RAISED_IN")  # ties to a place, not between parties
ROLLUP = "rollup:"
CAME = ("present", "substitute")  # attendance that ties a unit to a meeting

KIND_COLORS = {
    "street_committee": "#c0392b",
    "community_committee": "#e67e22",
    "soe": "#1f77b4",
    "private_firm": "#17becf",
    "military_police": "#2c3e50",
    "school": "#2ca02c",
    "hospital": "#d62728",
    "government": "#8c564b",
    "social_org": "#bcbd22",
    "property_company": "#7f7f7f",
    "owners_committee": "#9edae5",
    "residents_committee": "#f7b6d2",
    "shop": "#c49c94",
    "other": "#bbbbbb",
}
RECORD_STYLE = {  # record: (shape, colour)
    "area": ("triangle", "#6c757d"),
    "person": ("ring", "#6a3d9a"),  # a hollow dot: unlike any unit (units are filled dots)
    "agreement": ("diamond", "#f1c40f"),
    "meeting": ("square", "#9467bd"),
    "project": ("star", "#27ae60"),
    "need": ("triangleDown", "#ff9f43"),
    "resource": ("hexagon", "#16a085"),
}
ROLLUP_STYLE = ("box", "#e9ecef")
GROUP_STYLE = ("dot", "#5b8def")  # a community, street or cluster of units in an aggregated picture
LABELLED = 25  # nodes labelled in a large drawing: the most connected (and the focus, and the selected)
ADDED, ENDED = "#2ca02c", "#d62728"  # time stepping: what appeared and what ended
PICTURE_SPREAD, PICTURE_NODES, PICTURE_HEIGHT = 300.0, 80, 600  # aggregated pictures: px, nodes, px
EDGE_COLORS = {
    "HOLDS": "#4e79a7",
    "PARTY_TO": "#d4ac0d",
    "ATTENDED": "#9467bd",
    "HOSTS": "#b39ddb",
    "CONTRIBUTES": "#27ae60",
    "REGISTERED": "#95a5a6",
    "IN_AREA": "#d5d8dc",
    "PART_OF": "#d5d8dc",
}


def _word(key: str, lang: str) -> str:
    return label(key, lang)


def record_label(record: str, lang: str) -> str:
    rec = RECORDS[record]
    return rec.sheet_zh if lang == "zh" else rec.sheet_en


def name_of(attrs: Mapping[str, Any]) -> str:
    """The text a node is known by: a name or a title (or its key)."""
    return str(attrs.get("name") or attrs.get("title") or attrs.get("key") or "")


def display_name(attrs: Mapping[str, Any], mask: Callable[[str], str]) -> str:
    text = name_of(attrs)
    return mask(text) if attrs.get("record") == "person" else text


def short(text: str, width: int = 14) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


# --- choosing what to draw ----------------------------------------------------------------


def by_types(graph: nx.MultiDiGraph, types: Iterable[str], keep: Iterable[str] = ()) -> nx.MultiDiGraph:
    """The nodes tied by relationships of ``types``, with those relationships (and the nodes in
    ``keep``, tied or not). An invitation to a meeting missed (absent, excused) is no tie."""
    wanted = set(types)
    out = nx.MultiDiGraph()
    out.add_nodes_from((n, graph.nodes[n]) for n in keep if n in graph)
    out.add_edges_from(
        (u, v, k, d)
        for u, v, k, d in graph.edges(keys=True, data=True)
        if d.get("type") in wanted and (d.get("type") != "ATTENDED" or d.get("status") in CAME)
    )
    for n in out.nodes:
        if not out.nodes[n]:
            out.nodes[n].update(graph.nodes[n])
    return out


def in_period(graph: nx.MultiDiGraph, start: str) -> nx.MultiDiGraph:
    """Without the meetings held before ``start`` (a view as of a date holds every earlier one)."""
    old = [
        n
        for n, d in graph.nodes(data=True)
        if d.get("record") == "meeting"
        and isinstance(d.get("date"), str)
        and d["date"] < start[: len(d["date"])]
    ]
    kept = graph.copy()
    kept.remove_nodes_from(old)
    return kept


def ego(graph: nx.MultiDiGraph, center: str, depth: int) -> nx.MultiDiGraph:
    """The nodes within ``depth`` steps of ``center`` (either direction) and the ties among them."""
    near = nx.single_source_shortest_path_length(graph.to_undirected(as_view=True), center, cutoff=depth)
    return graph.subgraph(near).copy()


@dataclass(frozen=True)
class Step:
    """One step of a connection: from a node to the next, through a relationship."""

    source: str
    target: str
    type: str
    attrs: Mapping[str, Any]


def shortest(graph: nx.MultiDiGraph, a: str, b: str) -> list[Step] | None:
    """The shortest connection from ``a`` to ``b`` (either direction), or None."""
    simple = graph.to_undirected(as_view=True)
    try:
        nodes = nx.shortest_path(simple, a, b)
    except (nx.NetworkXNoPath, nx.NodeNotFound):
        return None
    steps = []
    for u, v in itertools.pairwise(nodes):
        found = graph.get_edge_data(u, v) or graph.get_edge_data(v, u) or {}
        key = sorted(found)[0]
        steps.append(Step(u, v, str(found[key].get("type", "")), found[key]))
    return steps


def describe_step(graph: nx.MultiDiGraph, step: Step, lang: str, mask: Callable[[str], str]) -> str:
    """A step in words: 张*明 —任职（委员）— 林海社区党委."""
    what = _word(f"rel_{step.type}", lang)
    detail = [
        str(step.attrs[f])
        for f in ("role", "title", "date", "start")
        if isinstance(step.attrs.get(f), str) and step.attrs.get(f)
    ]
    if step.attrs.get("status"):
        detail.append(ATTENDANCE.label(str(step.attrs["status"]), lang))
    via = f"{what}（{'，'.join(detail)}）" if detail else what
    here = display_name(graph.nodes[step.source], mask)
    there = display_name(graph.nodes[step.target], mask)
    return f"{here} —{via}— {there}"


# --- the drawing --------------------------------------------------------------------------


@dataclass
class Drawing:
    """What to hand to vis-network, and what the page tells the user about it."""

    nodes: list[dict[str, Any]] = field(default_factory=list)
    edges: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0  # nodes before the cap
    shown: int = 0  # nodes drawn as themselves
    rolled: int = 0  # nodes rolled up
    groups: int = 0  # roll-up nodes
    physics: bool = False
    legend: list[tuple[str, str, str]] = field(default_factory=list)  # (text, shape, colour)
    edge_legend: list[tuple[str, str]] = field(default_factory=list)  # (text, colour)
    note: str = ""  # a line under the heading (e.g. what changed in the quarter)
    height: int = 0  # pixels for the canvas (0: by the number of nodes)


def place(graph: nx.MultiDiGraph, node: str) -> str | None:
    """The area a node belongs to: its own for areas and units, else that of a unit or area it
    is tied to (the host of a meeting, a party to an agreement, a person's unit)."""
    attrs = graph.nodes[node]
    if attrs.get("record") == "area":
        return str(attrs["key"])
    if attrs.get("record") == "organization":
        return str(attrs.get("area") or "") or None
    for other in sorted(nx.all_neighbors(graph, node)):
        data = graph.nodes[other]
        if data.get("record") == "organization" and data.get("area"):
            return str(data["area"])
    for other in sorted(nx.all_neighbors(graph, node)):
        if graph.nodes[other].get("record") == "area":
            return str(graph.nodes[other]["key"])
    return None


def measure_values(graph: nx.Graph, measure: str) -> dict[str, float]:
    if measure == "betweenness":
        k = min(len(graph), 200) or None
        return dict(nx.betweenness_centrality(graph, k=k, seed=42)) if len(graph) > 2 else {}
    if measure == "party_members":
        return {
            n: float(d.get("party_members") or 0)
            for n, d in graph.nodes(data=True)
            if not n.startswith(ROLLUP)
        }
    return {n: float(d) for n, d in graph.degree()}


def draw(
    graph: nx.MultiDiGraph,
    *,
    lang: str,
    mask: Callable[[str], str],
    area_names: Mapping[str, str],
    roll_to: Mapping[str, str],
    cap: int = CAP,
    measure: str = "degree",
    focus: Iterable[str] = (),
    anchor: Mapping[str, tuple[float, float]] | None = None,
) -> Drawing:
    """The drawing of ``graph``: at most ``cap`` nodes, the first of them ``focus`` then the
    most connected; the others rolled up by area (``roll_to`` maps an area key to the area it
    rolls up into, ``area_names`` names them). Nodes in ``anchor`` keep those positions (an
    expansion adds to a drawing without moving what was there). Only the :data:`LABELLED` most
    connected nodes and the focus carry a label; every node keeps its name in ``name``."""
    cap = max(1, min(cap, MAX_CAP))
    focus = [n for n in focus if n in graph]
    degree = dict(graph.degree())
    order = sorted(graph.nodes, key=lambda n: (n not in focus, -degree[n], n))
    visible = set(order[:cap])
    labelled = set(order[:LABELLED]) | set(focus)
    group: dict[str, str] = {}
    for n in order[cap:]:
        where = place(graph, n)
        group[n] = ROLLUP + (roll_to.get(where, where) if where else "-")

    drawn = nx.Graph()
    ties: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    details: dict[tuple[str, str], list[str]] = defaultdict(list)
    for n in visible:
        drawn.add_node(n)
    members: dict[str, Counter[str]] = defaultdict(Counter)
    for n, g in group.items():
        members[g][str(graph.nodes[n].get("record", ""))] += 1
        drawn.add_node(g)
    for u, v, d in graph.edges(data=True):
        a, b = group.get(u, u), group.get(v, v)
        if a == b:
            continue
        pair = (a, b) if a <= b else (b, a)
        kind = str(d.get("type", ""))
        ties[pair][kind] += 1
        if u in visible and v in visible and len(details[pair]) < 5:
            details[pair].append(_edge_detail(graph, u, v, d, lang))
        drawn.add_edge(*pair)

    values = measure_values(drawn.subgraph(visible), measure)
    top = max(values.values(), default=0.0) or 1.0
    positions = layout(drawn, anchor)
    out = Drawing(
        total=graph.number_of_nodes(),
        shown=len(visible),
        rolled=len(group),
        groups=len(members),
        physics=drawn.number_of_nodes() <= PHYSICS_MAX and not anchor,
    )
    legend: dict[str, tuple[str, str, str]] = {}
    ref = masked_id if mask("欧阳明远") != "欧阳明远" else str  # names masked: ids too
    names: dict[str, str] = {}
    for n in drawn.nodes:
        x, y = positions[n]
        if n in members:
            where = n[len(ROLLUP) :]
            count = sum(members[n].values())
            text = _word("rollup_label", lang).format(area=area_names.get(where, where), count=count)
            lines = [text] + [f"{record_label(r, lang)}: {c}" for r, c in sorted(members[n].items()) if r]
            shape, colour = ROLLUP_STYLE
            out.nodes.append(
                _node(n, text, "\n".join(lines), shape, colour, 14 + 3 * math.log1p(count), x, y)
            )
            names[n] = text
            legend["rollup"] = (_word("legend_rollup", lang), shape, colour)
            continue
        attrs = graph.nodes[n]
        record = str(attrs.get("record", ""))
        shape, colour = RECORD_STYLE.get(record, ("dot", "#999999"))
        if record == "organization":
            kind = str(attrs.get("kind", "other"))
            colour = KIND_COLORS.get(kind, "#999999")
            legend[f"kind:{kind}"] = (ORG_KIND.label(kind, lang), shape, colour)
        else:
            legend[record] = (record_label(record, lang), shape, colour)
        size = 8 + 22 * math.sqrt(values.get(n, 0.0) / top)
        full = display_name(attrs, mask)
        names[n] = full
        text = short(full) if n in labelled or len(drawn) <= LABELLED else ""
        tip = tooltip(attrs, lang, mask, degree.get(n, 0))
        if record == "person":  # the posts drawn: role · unit · dates
            held = [
                f"{d.get('role') or ''} · {display_name(graph.nodes[v], mask)} {_dates(graph, n, v, d)}".strip()
                for _, v, d in graph.out_edges(n, data=True)
                if d.get("type") == "HOLDS"
            ]
            tip = "\n".join([tip, *sorted(held)[:8]])
        out.nodes.append(_node(ref(n), text, tip, shape, colour, size, x, y))
        out.nodes[-1]["name"] = short(full)
        if n in focus:
            fill = out.nodes[-1]["color"]
            out.nodes[-1]["borderWidth"] = 4
            out.nodes[-1]["color"] = {
                "background": fill["background"] if isinstance(fill, dict) else colour,
                "border": "#000000",
            }
    used: set[str] = set()
    for (a, b), kinds in sorted(ties.items()):
        count = sum(kinds.values())
        main = kinds.most_common(1)[0][0]
        used.add(main)
        words = "、".join(f"{_word(f'rel_{k}', lang)} {c}" for k, c in sorted(kinds.items()))
        extra = details.get((a, b), [])
        title = "\n".join([f"{names.get(a, a)} — {names.get(b, b)}", words, *extra])
        out.edges.append(
            {
                "from": ref(a),
                "to": ref(b),
                "title": title,
                "color": EDGE_COLORS.get(main, "#cccccc"),
                "width": 1 + min(math.log2(count), 5),
            }
        )
    out.legend = sorted(legend.values())
    out.edge_legend = [(_word(f"rel_{k}", lang), EDGE_COLORS.get(k, "#cccccc")) for k in sorted(used)]
    return out


def _dates(graph: nx.MultiDiGraph, u: str, v: str, d: Mapping[str, Any]) -> str:
    """A relationship's dates: its own (a post's start – end, a registration's date), else those
    of the record at one end (an agreement's term, a meeting's date, a project's start – end)."""
    ends = [
        graph.nodes[n] for n in (u, v) if graph.nodes[n].get("record") in ("agreement", "meeting", "project")
    ]
    for source in (d, *ends):
        for first, last in (("start", "end"), ("signed", "expires"), ("date", "")):
            since = source.get(first)
            if isinstance(since, str):
                until = source.get(last) if last else None
                return f"{since} – {until}" if isinstance(until, str) else (f"{since} –" if last else since)
    return ""


def _edge_detail(graph: nx.MultiDiGraph, u: str, v: str, d: Mapping[str, Any], lang: str) -> str:
    parts = [_word(f"rel_{d.get('type', '')}", lang)]
    if isinstance(d.get("role"), str) and d.get("role"):
        parts.append(str(d["role"]))
    if d.get("status"):
        parts.append(ATTENDANCE.label(str(d["status"]), lang))
    when = _dates(graph, u, v, d)
    if when:
        parts.append(when)
    return " ".join(parts)


def tooltip(attrs: Mapping[str, Any], lang: str, mask: Callable[[str], str], degree: int) -> str:
    """Plain text: what the node is, its name and a few facts."""
    record = str(attrs.get("record", ""))
    lines = [display_name(attrs, mask), record_label(record, lang) if record in RECORDS else record]
    if record == "organization":
        lines.append(ORG_KIND.label(str(attrs.get("kind", "")), lang))
        if attrs.get("party_members"):
            lines.append(f"{_word('party_members', lang)}: {attrs['party_members']}")
        if attrs.get("joined"):
            lines.append(f"{_word('joined', lang)}: {attrs['joined']}")
    statuses = {"project": PROJECT_STATUS, "need": NEED_STATUS}
    for f in ("date", "signed", "expires", "status", "category"):
        if attrs.get(f) and record != "organization":
            value = attrs[f]
            if f == "status" and record in statuses:
                value = statuses[record].label(str(value), lang)
            lines.append(f"{_word(f, lang)}: {value}")
    lines.append(f"{_word('ties', lang)}: {degree}")
    return "\n".join(str(line) for line in lines if line)


def masked_id(node: str) -> str:
    """A person's node as a token that does not spell the key (a person without a code is
    keyed by the name): ``person:~3f2a…``; other nodes as they are. Used, when names are
    masked, for the node ids in a drawing and in links."""
    if not node.startswith("person:"):
        return node
    return "person:~" + hashlib.sha256(node.encode()).hexdigest()[:16]


def _node(
    n: str, text: str, title: str, shape: str, colour: str, size: float, x: float, y: float
) -> dict[str, Any]:
    node: dict[str, Any] = {
        "id": n,
        "label": text,
        "title": title,
        "shape": shape,
        "color": colour,
        "size": size,
        "x": x,
        "y": y,
    }
    if shape == "ring":  # a hollow dot
        node.update(shape="dot", color={"background": "#ffffff", "border": colour}, borderWidth=3)
    return node


def packed(graph: nx.Graph, width: float = 1400.0) -> dict[str, tuple[float, float]]:
    """Each connected part laid out on its own (largest first), the parts set side by side in
    rows ``width`` pixels wide: a network of many small parts fills the frame."""
    positions: dict[str, tuple[float, float]] = {}
    x = y = row = 0.0
    parts = sorted(nx.connected_components(graph), key=lambda c: (-len(c), min(map(str, c))))
    for part in parts:
        sub = graph.subgraph(part)
        radius = 40.0 * math.sqrt(len(part)) if len(part) > 1 else 0.0
        own = (
            nx.spring_layout(sub, seed=42, k=1.8 / math.sqrt(len(part)))
            if len(part) > 1
            else {next(iter(part)): (0, 0)}
        )
        box = 2 * radius + 90.0
        if x + box > width and x > 0:
            x, y, row = 0.0, y + row, 0.0
        for n, p in own.items():
            positions[n] = (x + box / 2 + float(p[0]) * radius, y + box / 2 + float(p[1]) * radius)
        x += box
        row = max(row, box)
    return positions


def rings(graph: nx.Graph, gap: float = 42.0) -> dict[str, tuple[float, float]]:
    """Positions on two circles: the group's own units inside, their partners (``partner``)
    outside, each circle by kind then name, ``gap`` pixels apart along it."""
    positions: dict[str, tuple[float, float]] = {}
    radius = 0.0
    for outside in (False, True):
        ring = sorted(
            (n for n, p in graph.nodes(data="partner") if bool(p) == outside),
            key=lambda n: (str(graph.nodes[n].get("kind") or ""), str(graph.nodes[n].get("name") or n)),
        )
        if not ring:
            continue
        if len(ring) == 1 and not outside:  # one unit: in the middle
            positions[ring[0]] = (0.0, 0.0)
            continue
        radius = max(radius + 170.0, gap * len(ring) / (2 * math.pi), 110.0)
        for i, n in enumerate(ring):
            angle = 2 * math.pi * i / len(ring) + (0.5 if outside else 0.0)
            positions[n] = (radius * math.cos(angle), radius * math.sin(angle))
    return positions


def layout(
    graph: nx.Graph, anchor: Mapping[str, tuple[float, float]] | None = None, spread: float = 0.0
) -> dict[str, tuple[float, float]]:
    """Seeded spring layout, in pixels; the nodes in ``anchor`` stay where they are. With
    ``spread`` (pixels), a small picture is laid out that wide and its nodes kept apart."""
    if len(graph) == 0:
        return {}
    if len(graph) == 1:
        return {next(iter(graph.nodes)): (0.0, 0.0)}
    if spread:
        pos = nx.spring_layout(graph, seed=42, iterations=100, k=2.5 / math.sqrt(len(graph)), weight=None)
        return {n: (float(p[0]) * spread, float(p[1]) * spread) for n, p in pos.items()}
    scale = 70 * math.sqrt(len(graph))
    fixed = [n for n in graph.nodes if anchor and n in anchor]
    if fixed and anchor:
        # a new node starts just outside the anchored node it hangs from, away from the middle
        start = {n: (anchor[n][0] / scale, anchor[n][1] / scale) for n in fixed}
        rng = random.Random(42)
        for n in sorted(graph.nodes, key=str):
            if n in start:
                continue
            near = [start[m] for m in graph[n] if m in start]
            x, y = near[0] if near else (0.0, 0.0)
            norm = math.hypot(x, y) or 1.0
            step = 0.25 + 0.1 * rng.random()
            angle = rng.uniform(-0.9, 0.9)
            dx, dy = x / norm, y / norm
            start[n] = (
                x + step * (dx * math.cos(angle) - dy * math.sin(angle)),
                y + step * (dx * math.sin(angle) + dy * math.cos(angle)),
            )
        pos = nx.spring_layout(
            graph, seed=42, iterations=60, pos=start, fixed=fixed, k=1.5 / math.sqrt(len(graph))
        )
        return {
            n: anchor[n] if n in anchor else (float(p[0]) * scale, float(p[1]) * scale)
            for n, p in pos.items()
        }
    else:
        pos = nx.spring_layout(graph, seed=42, iterations=60)
    return {n: (float(p[0]) * scale, float(p[1]) * scale) for n, p in pos.items()}


def draw_picture(
    graph: nx.Graph,
    *,
    lang: str,
    mask: Callable[[str], str],
    group_names: Mapping[str, str],
    people: Mapping[str, str] | None = None,
    changed: Changes | None = None,
) -> Drawing:
    """A picture of :mod:`graph.aggregate`: groups (``group:…``, sized by their units) or units
    (by key, drawn as ``organization:<key>``) with their ties. With ``people`` (person key to
    name), edges are interlocks labelled with the people they share. With ``changed``, what
    appeared is drawn green and what ended red and dashed."""
    added_nodes = changed.added_nodes if changed else frozenset()
    ended_nodes = changed.ended_nodes if changed else frozenset()
    added_edges = changed.added_edges if changed else frozenset()
    ended_edges = changed.ended_edges if changed else frozenset()
    weight = dict(graph.degree(weight="weight"))
    order = sorted(graph.nodes, key=lambda n: (-weight.get(n, 0), str(n)))
    labelled = set(order[:LABELLED])
    top = max(weight.values(), default=0) or 1

    def ident(n: str) -> str:
        return n if n.startswith(GROUP) else f"organization:{n}"

    names: dict[str, str] = {}
    if any(p for _, p in graph.nodes(data="partner")):
        positions = rings(graph)
    else:
        grouped = any(str(n).startswith(GROUP) for n in graph.nodes)
        if grouped and len(graph) <= PICTURE_NODES:
            positions = layout(graph, spread=PICTURE_SPREAD)
        else:
            positions = packed(graph)
    biggest = max((int(u) for _, u in graph.nodes(data="units", default=0)), default=0) or 1
    out = Drawing(total=len(graph), shown=len(graph), height=PICTURE_HEIGHT)
    legend: dict[str, tuple[str, str, str]] = {}
    for n in graph.nodes:
        attrs = graph.nodes[n]
        x, y = positions[n]
        if n.startswith(GROUP):
            name = group_names.get(n, n[len(GROUP) :])
            units = int(attrs.get("units", 0))
            text = f"{name}（{units}）"
            tip = "\n".join(
                [
                    name,
                    f"{_word('units_count', lang)}: {units}",
                    f"{_word('inner_ties', lang)}: {attrs.get('inner', 0)}",
                    f"{_word('ties', lang)}: {weight.get(n, 0)}",
                ]
            )
            shape, colour = GROUP_STYLE
            node = _node(n, text, tip, shape, colour, 10 + 30 * math.sqrt(units / biggest), x, y)
            node["font"] = {"size": 18}  # a picture's few groups are read from afar
            node["name"] = text
            legend["group"] = (_word("legend_group", lang), shape, colour)
            names[n] = name
        else:
            name = str(attrs.get("name", n))
            kind = str(attrs.get("kind") or "other")
            colour = KIND_COLORS.get(kind, "#999999")
            tip = "\n".join([name, ORG_KIND.label(kind, lang), f"{_word('ties', lang)}: {weight.get(n, 0)}"])
            size = 7 + 16 * math.sqrt(weight.get(n, 0) / top)
            node = _node(ident(n), short(name) if n in labelled else "", tip, "dot", colour, size, x, y)
            node["name"] = short(name)
            legend[f"kind:{kind}"] = (ORG_KIND.label(kind, lang), "dot", colour)
            if attrs.get("partner"):
                node["opacity"] = 0.55
                node["shapeProperties"] = {"borderDashes": [4, 3]}
                legend["partner"] = (_word("legend_partner", lang), "dot", "#cfd8dc")
            names[n] = name
        if n in added_nodes:
            node["borderWidth"] = 4
            node["color"] = {"background": colour, "border": ADDED}
            legend["added"] = (_word("legend_added", lang), "ring", ADDED)
        if n in ended_nodes:
            node["borderWidth"] = 3
            node["color"] = {"background": "#ffffff", "border": ENDED}
            node["shapeProperties"] = {"borderDashes": [4, 3]}
            legend["ended"] = (_word("legend_ended", lang), "ring", ENDED)
        out.nodes.append(node)
    edge_kinds: dict[str, str] = {}
    for a, b, d in graph.edges(data=True):
        pair = (a, b) if a <= b else (b, a)
        head = f"{names.get(a, a)} — {names.get(b, b)}"
        edge: dict[str, Any] = {
            "from": ident(a),
            "to": ident(b),
            "width": 1 + min(math.log2(1 + d.get("weight", 1)), 6),
        }
        if people is not None:
            who = [mask(people.get(p, p)) for p in d.get("people", ())]
            edge["title"] = "\n".join([head, f"{_word('shared_people', lang)}: {'、'.join(who)}"])
            edge["label"] = short("、".join(who), 12)
            edge["color"] = EDGE_COLORS["HOLDS"]
            edge_kinds["interlock"] = EDGE_COLORS["HOLDS"]
        else:
            counts = "、".join(f"{_word(f'shared_{k}', lang)} {d.get(k, 0)}" for k in KINDS if d.get(k, 0))
            edge["title"] = "\n".join([head, counts])
            main = max(KINDS, key=lambda k: d.get(k, 0))
            edge["color"] = {
                "people": EDGE_COLORS["HOLDS"],
                "agreements": EDGE_COLORS["PARTY_TO"],
                "projects": EDGE_COLORS["CONTRIBUTES"],
            }[main]
            edge_kinds[main] = edge["color"]
        if pair in added_edges:
            edge["color"] = ADDED
            edge_kinds["added"] = ADDED
        if pair in ended_edges:
            edge["color"] = ENDED
            edge["dashes"] = True
            edge_kinds["ended"] = ENDED
        out.edges.append(edge)
    out.legend = sorted(legend.values())
    words = {"interlock": "shared_people", "added": "legend_added", "ended": "legend_ended"}
    out.edge_legend = [(_word(words.get(k, f"shared_{k}"), lang), c) for k, c in sorted(edge_kinds.items())]
    return out


# --- the page -----------------------------------------------------------------------------

TEMPLATE = """<!DOCTYPE html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<title>{{ heading }}</title>
<style>{{ vis_css }}</style>
<style>
  html, body { margin: 0; padding: 0; font-family: "Noto Sans CJK SC", "Noto Sans SC", sans-serif; }
  #heading { font-size: 14px; padding: 4px 8px; color: #333; }
  #mynetwork { width: 100%; height: {{ height }}px; border: 1px solid #ddd; box-sizing: border-box; }
  #legend { display: flex; flex-wrap: wrap; gap: 4px 14px; padding: 6px 8px; font-size: 12px; color: #333; }
{{ legend_css }}
  div.vis-tooltip { white-space: pre-line; font-family: inherit; }
</style>
</head>
<body>
{% if heading %}<div id="heading">{{ heading }}</div>{% endif %}
<div id="mynetwork"></div>
<div id="legend">{% for text, shape, colour in legend %}<span><span class="mark {{ shape }}" style="--c: {{ colour }}"></span>{{ text }}</span>{% endfor %}{% for text, colour in edge_legend %}<span><span class="line" style="--c: {{ colour }}"></span>{{ text }}</span>{% endfor %}</div>
<script>{{ vis_js }}</script>
<script>
  var nodes = new vis.DataSet({{ nodes|tojson }});
  var edges = new vis.DataSet({{ edges|tojson }});
  var options = {{ options|tojson }};
  var network = new vis.Network(document.getElementById("mynetwork"), {nodes: nodes, edges: edges}, options);
  {% if physics %}network.once("stabilizationIterationsDone", function () { network.setOptions({physics: false}); });{% endif %}
</script>
</body>
</html>
"""

_ENV = jinja2.Environment(autoescape=True)


def _vis(name: str) -> Markup:
    text = (VIS / name).read_text(encoding="utf-8")
    if "</script" in text.lower() or "</style" in text.lower():  # cannot happen with vis 9.1.2
        raise ValueError(f"{name} cannot be inlined")
    return Markup(text)


def height_for(drawing: Drawing) -> int:
    """Pixels for the canvas: small drawings need less."""
    return drawing.height or (360 if len(drawing.nodes) <= 12 else 640)


LEGEND_CSS = """
  .mark { display: inline-block; width: 11px; height: 11px; margin-right: 4px; vertical-align: middle; background: var(--c); }
  .mark.dot { border-radius: 50%; }
  .mark.ring { border-radius: 50%; background: #ffffff; border: 2px solid var(--c); width: 8px; height: 8px; }
  .mark.diamond { clip-path: polygon(50% 0, 100% 50%, 50% 100%, 0 50%); }
  .mark.triangle { clip-path: polygon(50% 0, 100% 100%, 0 100%); }
  .mark.triangleDown { clip-path: polygon(0 0, 100% 0, 50% 100%); }
  .mark.star { clip-path: polygon(50% 0, 61% 35%, 98% 35%, 68% 57%, 79% 91%, 50% 70%, 21% 91%, 32% 57%, 2% 35%, 39% 35%); }
  .mark.hexagon { clip-path: polygon(25% 5%, 75% 5%, 100% 50%, 75% 95%, 25% 95%, 0 50%); }
  .mark.box { width: 16px; border: 1px solid #999999; border-radius: 3px; }
  .line { display: inline-block; width: 18px; height: 3px; margin-right: 4px; vertical-align: middle; background: var(--c); }
"""


def network_data(drawing: Drawing) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    """The nodes, edges and options pyvis hands to vis-network for the drawing."""
    # directed: pyvis then skips its scan of every edge drawn so far on each add (edges are unique here)
    net = Network(width="100%", directed=True, cdn_resources="in_line")
    for node in drawing.nodes:
        net.add_node(node["id"], **{k: v for k, v in node.items() if k != "id"})
    for edge in drawing.edges:
        net.add_edge(edge["from"], edge["to"], **{k: v for k, v in edge.items() if k not in ("from", "to")})
    for edge in net.edges:
        edge.pop("arrows", None)  # pyvis adds arrows to directed edges; ties are drawn without
    net.options = _options(drawing.physics)
    nodes, edges, _, _, _, _ = net.get_network_data()
    labels = {node["id"]: node["label"] for node in drawing.nodes}
    for node in nodes:
        node["label"] = labels[node["id"]]  # pyvis puts the id where a label is empty
    return nodes, edges, net.options


def to_html(drawing: Drawing, *, heading: str = "", height: int = 0, lang: str = "zh") -> str:
    """A standalone page: vis-network inlined, the drawing's data as escaped JSON."""
    height = height or height_for(drawing)
    nodes, edges, options = network_data(drawing)
    return _ENV.from_string(TEMPLATE).render(
        lang=lang,
        heading=heading,
        height=height,
        vis_css=_vis("vis-network.css"),
        vis_js=_vis("vis-network.min.js"),
        legend=drawing.legend,
        edge_legend=drawing.edge_legend,
        legend_css=Markup(LEGEND_CSS),
        nodes=nodes,
        edges=edges,
        options=options,
        physics=drawing.physics,
    )


def _options(physics: bool) -> dict[str, Any]:
    return {
        "physics": {
            "enabled": physics,
            "solver": "forceAtlas2Based",
            "stabilization": {"enabled": physics, "iterations": 150},
        },
        "edges": {
            "smooth": False,
            "arrows": {"to": {"enabled": False}},
            "font": {"size": 11, "face": "Noto Sans CJK SC, sans-serif", "strokeWidth": 3, "align": "middle"},
        },
        "nodes": {
            "font": {
                "size": 13,
                "face": "Noto Sans CJK SC, sans-serif",
                "strokeWidth": 3,
                "strokeColor": "#ffffff",
            },
            "scaling": {"label": {"drawThreshold": 3}},
        },
        "interaction": {"hover": True, "tooltipDelay": 150, "navigationButtons": False},
        "layout": {"improvedLayout": False},
    }


def result_graph(nodes: Iterable[Any], relationships: Iterable[Any]) -> nx.MultiDiGraph:
    """The nodes and relationships a query returned (graph.queries.GraphNode and
    GraphRelationship) as a graph :func:`draw` can draw."""
    records = {rec.label: rec.name for rec in RECORDS.values()}
    graph = nx.MultiDiGraph()
    for node in nodes:
        record = next((records[lbl] for lbl in node.labels if lbl in records), "")
        graph.add_node(node.id, **{**node.properties, "record": record})
    for rel in relationships:
        if rel.start in graph and rel.end in graph:
            graph.add_edges_from([(rel.start, rel.end, rel.id, {**rel.properties, "type": rel.type})])
    return graph
