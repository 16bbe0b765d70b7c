"""The network drawing as a two-way Streamlit component: pyvis's vis-network output drawn in
the page, with clicks sent back to Python.

Built on ``st.components.v2.component`` (Streamlit 1.67): inline JavaScript and CSS, no build
step, no files to serve. The JavaScript is vis-network's own bundled copy from pyvis (the same
file :func:`ui.netview.to_html` inlines) followed by a small module; Streamlit turns it into a
``blob:`` module URL once per content hash, so nothing is fetched from anywhere. The drawing's
data (pyvis's nodes, edges and options) goes as ``data`` JSON: labels and tooltips stay plain
text (vis-network draws labels on a canvas and shows string tooltips as text) and the legend is
built with ``textContent``.

The module sends three trigger values: ``select`` (a click on a node, or "" on the background),
``expand`` (a double click, or the 展开 button) and ``open`` (the 打开单位页 button, units only).
The buttons float under the node the pointer is on, or the selected one.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import streamlit as st

from ui import netview

MODULE = r"""
export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const vis = globalThis.vis;
  let root = parentElement.querySelector(".gj-root");
  if (!root) {
    root = document.createElement("div");
    root.className = "gj-root";
    const canvas = document.createElement("div");
    canvas.className = "gj-canvas";
    const actions = document.createElement("div");
    actions.className = "gj-actions";
    const legend = document.createElement("div");
    legend.className = "gj-legend";
    root.append(canvas, actions, legend);
    parentElement.appendChild(root);
    root.__gj = { sig: null, network: null, nodes: null, edges: null, current: null, hideTimer: null };
  }
  const st = root.__gj;
  const canvas = root.querySelector(".gj-canvas");
  const actions = root.querySelector(".gj-actions");
  const legend = root.querySelector(".gj-legend");
  if (st.sig === data.sig) return;
  st.sig = data.sig;
  actions.style.display = "none";
  canvas.style.height = data.height + "px";

  legend.replaceChildren();
  for (const [text, shape, colour] of data.legend) {
    const item = document.createElement("span");
    const mark = document.createElement("span");
    mark.className = "mark " + shape;
    mark.style.setProperty("--c", colour);
    item.append(mark, document.createTextNode(text));
    legend.appendChild(item);
  }
  for (const [text, colour] of data.edge_legend) {
    const item = document.createElement("span");
    const line = document.createElement("span");
    line.className = "line";
    line.style.setProperty("--c", colour);
    item.append(line, document.createTextNode(text));
    legend.appendChild(item);
  }

  if (st.network) st.network.destroy();
  st.nodes = new vis.DataSet(data.nodes);
  st.edges = new vis.DataSet(data.edges);
  const network = new vis.Network(canvas, { nodes: st.nodes, edges: st.edges }, data.options);
  st.network = network;
  globalThis.gongjianNetwork = network;  // for the browser tests and the bench
  globalThis.gongjianNodes = st.nodes;
  if (data.physics) {
    network.once("stabilizationIterationsDone", () => network.setOptions({ physics: false }));
  }

  const own = new Map(data.nodes.map((n) => [n.id, n.label || ""]));
  const label = (id, on) => {
    const node = st.nodes.get(id);
    if (node && node.name) st.nodes.update({ id, label: on ? node.name : own.get(id) });
  };
  const place = (id) => {
    st.current = id;
    const node = st.nodes.get(id);
    if (!node) { actions.style.display = "none"; return; }
    const at = network.canvasToDOM(network.getPosition(id));
    actions.replaceChildren();
    const expand = document.createElement("button");
    expand.textContent = data.words.expand;
    expand.dataset.action = "expand";
    expand.onclick = () => setTriggerValue("expand", id);
    actions.appendChild(expand);
    if (id.startsWith("organization:")) {
      const open = document.createElement("button");
      open.textContent = data.words.open;
      open.dataset.action = "open";
      open.onclick = () => setTriggerValue("open", id);
      actions.appendChild(open);
    }
    actions.style.left = Math.max(0, at.x - 40) + "px";
    actions.style.top = (at.y + 14) + "px";
    actions.style.display = "flex";
  };
  const selected = () => network.getSelectedNodes()[0];
  network.on("hoverNode", (e) => { clearTimeout(st.hideTimer); label(e.node, true); place(e.node); });
  network.on("blurNode", (e) => {
    if (e.node !== selected()) label(e.node, false);
    st.hideTimer = setTimeout(() => { const s = selected(); s ? place(s) : (actions.style.display = "none"); }, 1500);
  });
  actions.onmouseenter = () => clearTimeout(st.hideTimer);
  network.on("click", (e) => {
    const id = e.nodes.length ? e.nodes[0] : "";
    for (const n of st.nodes.getIds()) if (n !== id && st.nodes.get(n).label !== own.get(n)) label(n, false);
    if (id) { label(id, true); place(id); } else { actions.style.display = "none"; }
    setTriggerValue("select", id);
  });
  network.on("doubleClick", (e) => { if (e.nodes.length) setTriggerValue("expand", e.nodes[0]); });
  network.on("dragStart", () => { actions.style.display = "none"; });
  network.on("zoom", () => { actions.style.display = "none"; });
  if (data.selected && st.nodes.get(data.selected)) {
    network.selectNodes([data.selected]);
    label(data.selected, true);
  }
}
"""

CSS = (
    """
.gj-root { position: relative; font-family: "Noto Sans CJK SC", "Noto Sans SC", sans-serif; }
.gj-canvas { width: 100%; border: 1px solid #dddddd; box-sizing: border-box; background: #ffffff; }
.gj-actions { position: absolute; display: none; gap: 4px; z-index: 6; }
.gj-actions button { font: inherit; font-size: 12px; padding: 2px 8px; border: 1px solid #999999;
  border-radius: 4px; background: #ffffff; cursor: pointer; }
.gj-actions button:hover { background: #eef3ff; }
.gj-legend { display: flex; flex-wrap: wrap; gap: 4px 14px; padding: 6px 8px; font-size: 12px; color: #333333; }
div.vis-tooltip { position: absolute; visibility: hidden; padding: 5px; white-space: pre-line; font-size: 12px;
  color: #000000; background: #f5f4ed; border: 1px solid #808074; border-radius: 3px;
  box-shadow: 3px 3px 10px rgba(0, 0, 0, 0.2); pointer-events: none; z-index: 5; }
.vis-network:focus { outline: none; }
"""
    + netview.LEGEND_CSS
)

_component = st.components.v2.component(
    "gongjian_network", js=str(netview._vis("vis-network.min.js")) + "\n" + MODULE, css=CSS
)


def show(
    drawing: netview.Drawing,
    *,
    key: str,
    words: dict[str, str],
    selected: str | None = None,
) -> Any:
    """Draw ``drawing``; returns the component's result (``select``, ``expand``, ``open``: the
    node id sent by the last click, else None)."""
    nodes, edges, options = netview.network_data(drawing)
    data = {
        "nodes": nodes,
        "edges": edges,
        "options": options,
        "physics": drawing.physics,
        "legend": drawing.legend,
        "edge_legend": drawing.edge_legend,
        "height": netview.height_for(drawing),
        "words": words,
    }
    data["sig"] = hashlib.sha1(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
    data["selected"] = selected or ""  # not part of the signature: a click does not redraw
    return _component(
        key=key,
        data=data,
        on_select_change=lambda: None,
        on_expand_change=lambda: None,
        on_open_change=lambda: None,
    )
