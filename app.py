"""The gongjian explorer: page config and navigation only; each page is a module in ui/."""

import streamlit as st

from graph.glossary import label
from ui import overview

st.set_page_config(page_title=label("app_title"), page_icon="🔗", layout="wide")
st.navigation([st.Page(overview.render, title=label("overview"), url_path="overview", default=True)]).run()
