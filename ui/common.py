"""What every page shares: the store, opened once per process."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from graph import settings
from graph.embedded import EmbeddedStore


@st.cache_resource
def open_store(path: str) -> EmbeddedStore:
    """One store per file for the whole app; the store serializes access between sessions."""
    return EmbeddedStore(Path(path))


def current_store() -> EmbeddedStore:
    return open_store(str(settings.store_path()))
