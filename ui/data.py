"""数据 Data: upload a ledger, see every problem in it, load it with a progress bar, and see what
changed by record type."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from graph.errors import GongjianError
from graph.model import RECORDS
from loaders.ledger import load, validate
from ui.common import current_store, forget, lang, plain, show_table, stamp, store_key, store_label, t

TYPES = ["xlsx", "xls", "csv"]
UPLOAD_MB = 50  # an upload's size at most (also server.maxUploadSize in .streamlit/config.toml)


def save(files: list[Any], folder: Path) -> Path:
    """The uploaded files written into ``folder``: the ledger to read is the one file, or the
    folder when several CSV files make one ledger. Only the base name of an upload is used."""
    paths = []
    for f in files:
        path = folder / (Path(f.name).name or "ledger")
        path.write_bytes(f.getvalue())
        paths.append(path)
    return paths[0] if len(paths) == 1 else folder


def digest(files: list[Any]) -> str:
    h = hashlib.sha256()
    for f in files:
        h.update(Path(f.name).name.encode())
        h.update(f.getvalue())
    return h.hexdigest()


@st.cache_data(max_entries=8, show_spinner=False)
def problems(key: str, version: Any, files: str, _ledger: Path) -> pd.DataFrame:
    """Every problem of the ledger (cached per store state and file contents)."""
    found = validate(_ledger, current_store())
    return pd.DataFrame(
        [(p.file, p.sheet, p.row, p.column, p.value, p.message) for p in found],
        columns=["file", "sheet", "row", "column", "value", "problem"],
    )


def changes_table(changes: dict[str, Any]) -> pd.DataFrame:
    rows = [
        {
            t("record_type"): RECORDS[name].sheet_zh if lang() == "zh" else RECORDS[name].sheet_en,
            t("added"): c.added,
            t("updated"): c.updated,
            t("unchanged"): c.unchanged,
        }
        for name, c in changes.items()
    ]
    return pd.DataFrame(rows)


def render() -> None:
    st.title(t("data"))
    st.caption(plain(f"{t('store')}: {store_label()}"))
    last = st.session_state.get("last_load")
    if last:
        st.success(
            t("loaded").format(rows=sum(c.added + c.updated + c.unchanged for c in last["changes"].values()))
        )
        if last["rejected"]:
            st.warning(t("rejected_rows").format(rows=last["rejected"]))
        show_table(changes_table(last["changes"]), t("what_changed"), key="changes")
        if last.get("cleared"):
            st.caption(t("fields_cleared").format(count=last["cleared"]))
        for note in last.get("notes", ()):
            st.info(plain(note))
    files = st.file_uploader(
        t("upload"),
        type=TYPES,
        accept_multiple_files=True,
        help=t("upload_help"),
        key=f"upload_{st.session_state.get('uploads', 0)}",
    )
    if not files:
        st.info(t("upload_hint"))
        return
    size = sum(f.size for f in files)
    if size > UPLOAD_MB << 20:
        st.error(t("upload_too_large").format(size=-(-size >> 20), limit=UPLOAD_MB))
        return
    with tempfile.TemporaryDirectory(prefix="gongjian-upload-") as tmp:
        ledger = save(files, Path(tmp))
        with st.spinner(t("validating")):
            found = problems(store_key(), stamp(), digest(files), ledger)
        if found.empty:
            st.success(t("no_problems"))
        else:
            st.error(t("problems_found").format(count=len(found)))
            show_table(
                found.rename(
                    columns={
                        "file": t("file"),
                        "sheet": t("sheet"),
                        "row": t("row"),
                        "column": t("column"),
                        "value": t("value"),
                        "problem": t("problem"),
                    }
                ),
                t("problems"),
                key="problems",
            )
        skip = False
        if not found.empty:
            skip = st.checkbox(t("skip_bad_rows"), key="skip_bad_rows")
        if st.button(t("load"), type="primary", disabled=not found.empty and not skip, key="load"):
            bar = st.progress(0.0, text=t("loading"))

            def progress(done: int, total: int) -> None:
                bar.progress(done / total if total else 1.0, text=t("loading"))

            try:
                report = load(ledger, current_store(), skip_bad_rows=skip, progress=progress)
            except GongjianError as err:
                st.error(plain(str(err)))
                return
            bar.progress(1.0, text=t("loaded_short"))
            forget()
            st.session_state["last_load"] = {
                "changes": report.changes,
                "rejected": report.rejected,
                "cleared": report.cleared,
                "notes": report.notes,
            }
            st.session_state["uploads"] = st.session_state.get("uploads", 0) + 1  # a fresh uploader
            st.rerun()


if __name__ == "__main__":
    render()
