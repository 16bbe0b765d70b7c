"""Frames kept in the store as text (graph.frames) come back as they were packed."""

from __future__ import annotations

import math

import pandas as pd

from graph.frames import pack, unpack


def test_frames_and_series_come_back_with_their_types_and_missing_values() -> None:
    index = pd.Index(["u1", "u2", "u3"], name="key")
    frame = pd.DataFrame(
        {
            "name": pd.Series(["甲单位", None, "丙"], index=index, dtype=object),
            "changed": pd.Series([True, False, math.nan], index=index, dtype=object),
            "people": pd.Series([frozenset({"p2", "p1"}), frozenset(), math.nan], index=index, dtype=object),
            "score": [10.5, math.nan, 0.0],
            "last": pd.to_datetime(["2025-03-01", None, "2024-12-31"]),
            "level": pd.Series(["street", "district", "any"], index=index, dtype="str"),
        },
        index=index,
    )
    rules = pd.DataFrame({0: [True, False, False], 1: [False, False, True]}, index=index)
    no_rules = pd.DataFrame(index=index, columns=pd.RangeIndex(0))
    score = pd.Series([1.0, 2.0, math.nan], index=index, name="score")
    back = unpack(
        pack({"frame": frame, "rules": rules, "none": no_rules, "score": score, "empty": frame.head(0)})
    )
    pd.testing.assert_frame_equal(back["frame"], frame)
    pd.testing.assert_frame_equal(back["rules"], rules)
    pd.testing.assert_frame_equal(back["none"], no_rules, check_column_type=False)
    pd.testing.assert_series_equal(back["score"], score)
    pd.testing.assert_frame_equal(back["empty"], frame.head(0), check_dtype=False)
    got = back["frame"]
    assert got.loc["u2", "name"] is None and math.isnan(got.loc["u3", "changed"])  # as they were
    assert got.loc["u1", "people"] == frozenset({"p1", "p2"}) and got.loc["u2", "people"] == frozenset()
