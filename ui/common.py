"""What every page shares: the store, opened once per process."""

from __future__ import annotations

import streamlit as st

from graph import settings
from graph.embedded import EmbeddedStore


@st.cache_resource
def open_store(store_name: str) -> EmbeddedStore:
    """One store per name for the whole app; the store serializes access between sessions."""
    return EmbeddedStore(settings.store_path(store_name))


def current_store() -> EmbeddedStore:
    return open_store(settings.get("store_name"))
