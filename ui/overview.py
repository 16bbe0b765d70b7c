"""总览 Overview: what the store holds, by record type, unit kind and area."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from graph.glossary import ORG_KIND, label
from graph.model import RECORDS
from graph.stats import stats
from ui.common import current_store


def render() -> None:
    store = current_store()
    st.title(label("app_title"))
    figures = stats(store)
    records = figures["records"]
    st.caption(f"{label('store')}: {store.path}")
    if not any(records.values()):
        st.info(label("empty_store"))
        return
    st.subheader(label("records"))
    names = list(records)
    for start in range(0, len(names), 6):
        for column, name in zip(st.columns(6), names[start : start + 6], strict=False):
            column.metric(RECORDS[name].sheet_zh, f"{records[name]:,}")
    left, right = st.columns(2)
    with left:
        st.subheader(label("by_kind"))
        kinds = pd.DataFrame(
            {
                "类型": [ORG_KIND.label(k) for k in figures["units_by_kind"]],
                "单位数": list(figures["units_by_kind"].values()),
            }
        )
        st.bar_chart(kinds, x="类型", y="单位数", horizontal=True)
    with right:
        st.subheader(label("by_area"))
        areas = pd.DataFrame(figures["units_by_area"]).rename(
            columns={"district": "区", "street": "街道", "units": "单位数", "members": "共建成员单位"}
        )
        st.dataframe(areas, hide_index=True, use_container_width=True)
