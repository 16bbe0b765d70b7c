"""数据 Data: upload a ledger, see its problems by root cause (each unknown word with a "treat X as
Y" that writes the vocabulary file and checks again), every problem as a download, load it with a
progress bar, and see what changed by record type."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from graph import search, settings
from graph.engagement import prepare
from graph.errors import GongjianError, Problem
from graph.model import RECORDS
from loaders.causes import Cause, causes
from loaders.ledger import load, validate
from loaders.vocabulary import add_word, vocabulary_of
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


CAUSES_SHOWN = 30


def vocabulary_stamp() -> tuple[str, int, int]:
    """The vocabulary file as a cache key: a word added to it means checking again."""
    path = settings.vocabulary_path()
    info = path.stat() if path.is_file() else None
    return str(path), info.st_mtime_ns if info else 0, info.st_size if info else 0


@st.cache_data(max_entries=8, show_spinner=False)
def problems(key: str, version: Any, files: str, words: Any, _ledger: Path) -> list[Problem]:
    """Every problem of the ledger (cached per store state, file contents and vocabulary)."""
    return validate(_ledger, current_store(), settings.vocabulary_path())


def problem_table(found: list[Problem]) -> pd.DataFrame:
    return pd.DataFrame(
        [(p.file, p.sheet, p.row, p.column, p.value, p.message) for p in found],
        columns=["file", "sheet", "row", "column", "value", "problem"],
    )


def show_cause(n: int, cause: Cause) -> None:
    """One root cause: where, how many rows, what to do, what depends on it, and for an unknown
    word the choice of the term it stands for."""
    box = st.container(border=True)
    where = cause.where
    column = f" 「{cause.column}」" if cause.column else ""
    value = f" 「{cause.value}」" if cause.value else ""
    if cause.rows:
        shown = "、".join(map(str, cause.rows[:5])) + ("…" if len(cause.rows) > 5 else "")
        head = t("cause_rows").format(where=where, column=column, value=value, rows=len(cause.rows))
        head += t("cause_rows_at").format(rows=shown)
    else:
        head = t("cause_sheet").format(where=where, column=column)
    box.markdown(f"**{n}.** " + plain(head))
    box.caption(plain(cause.message))
    if cause.dependents:
        sheets = "、".join(f"{sheet} {count}" for sheet, count in cause.dependents.items())
        box.caption(plain(t("cause_knock_on").format(count=cause.knock_on, sheets=sheets)))
    box.caption(t("cause_cost").format(count=cause.cost))
    if cause.term:
        record, field = cause.term.split(".")
        column_ = RECORDS[record].column(field)
        vocab = vocabulary_of(column_)
        labels = [vocab.label(code) for code in vocab.codes]
        closest = vocab.closest(cause.value)
        row = box.container(horizontal=True, vertical_alignment="bottom")
        standard = row.selectbox(
            plain(t("treat_as").format(word=cause.value)),  # a label is markdown: the word is data
            labels,
            index=labels.index(vocab.label(closest)) if closest else 0,
            key=f"treat_as:{cause.term}:{cause.value}",  # per word: its choice stays its own
        )
        if row.button(t("treat"), key=f"treat:{cause.term}:{cause.value}"):
            path = settings.vocabulary_path()
            add_word(path, cause.value, str(standard), column_.zh[0])
            st.session_state["word_saved"] = t("word_saved").format(
                path=path, word=cause.value, standard=standard, column=column_.zh[0]
            )
            st.rerun()


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
            found = problems(store_key(), stamp(), digest(files), vocabulary_stamp(), ledger)
        saved = st.session_state.pop("word_saved", None)
        if saved:
            st.success(plain(saved))
        if not found:
            st.success(t("no_problems"))
        else:
            rooted = causes(found)
            st.error(t("problems_found").format(count=len(rooted)))
            st.subheader(t("causes_title"))
            st.caption(plain(t("vocabulary_file").format(path=settings.vocabulary_path())))
            for n, cause in enumerate(rooted[:CAUSES_SHOWN], start=1):
                show_cause(n, cause)
            if len(rooted) > CAUSES_SHOWN:
                st.caption(t("more_causes").format(count=len(rooted) - CAUSES_SHOWN))
            with st.expander(t("every_problem")):
                show_table(
                    problem_table(found).rename(
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
        if found:
            skip = st.checkbox(t("skip_bad_rows"), key="skip_bad_rows")
        if st.button(t("load"), type="primary", disabled=bool(found) and not skip, key="load"):
            bar = st.progress(0.0, text=t("loading"))

            def progress(done: int, total: int) -> None:
                bar.progress(done / total if total else 1.0, text=t("loading"))

            try:
                report = load(
                    ledger,
                    current_store(),
                    skip_bad_rows=skip,
                    progress=progress,
                    vocabulary=settings.vocabulary_path(),
                )
            except GongjianError as err:
                st.error(plain(err.text(lang())))
                return
            bar.progress(1.0, text=t("preparing"))
            prepare(current_store())  # the first 参与度 visit then reads only its area
            search.prepare(current_store())  # and a search only its matches
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
