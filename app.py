"""The gongjian explorer: page config, navigation and the shared sidebar; each page is a module
in ui/ (run as a script by st.navigation)."""

import streamlit as st

from graph.glossary import label
from ui import common

st.set_page_config(page_title=label("app_title"), page_icon="🔗", layout="wide")
if not common.signed_in():
    st.stop()
PAGES = (
    ("ui/overview.py", "overview", ":material/dashboard:"),
    ("ui/network.py", "network", ":material/hub:"),
    ("ui/unit.py", "unit", ":material/apartment:"),
    ("ui/cross.py", "cross", ":material/swap_horiz:"),
    ("ui/engagement.py", "engagement", ":material/trending_down:"),
    ("ui/query.py", "query", ":material/manage_search:"),
    ("ui/data.py", "data", ":material/upload_file:"),
)
navigation = st.navigation(
    [
        st.Page(path, title=common.t(name), url_path=name, icon=icon, default=name == "overview")
        for path, name, icon in PAGES
    ]
)
common.sidebar()
navigation.run()
