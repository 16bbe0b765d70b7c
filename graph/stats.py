"""Counts of what a store holds: records by type, units by kind and by area."""

from __future__ import annotations

from typing import Any

import pandas as pd

from graph.store import Store


def area_paths(areas: pd.DataFrame) -> dict[str, dict[str, str]]:
    """For each area key, the names of it and its ancestors by level: {"district": …, "street": …}."""
    rows: dict[str, tuple[str, str, str | None]] = {
        key: (name, level, parent)
        for key, name, level, parent in zip(
            areas["key"], areas["name"], areas["level"], areas["parent"], strict=True
        )
    }
    paths: dict[str, dict[str, str]] = {}
    for key in rows:
        path: dict[str, str] = {}
        seen: set[str] = set()
        here: str | None = key
        while here is not None and here in rows and here not in seen:
            seen.add(here)
            name, level, parent = rows[here]
            path.setdefault(level, name)
            here = parent
        paths[key] = path
    return paths


def stats(store: Store) -> dict[str, Any]:
    """Records by type; units by kind; units and member units by district and street."""
    units = store.table("organization", ["key", "kind", "area", "joined"])
    paths = area_paths(store.table("area", ["key", "name", "level", "parent"]))
    located = pd.DataFrame(
        {
            "district": [paths.get(a, {}).get("district", "") for a in units["area"]],
            "street": [paths.get(a, {}).get("street", "") for a in units["area"]],
            "member": units["joined"].notna().to_numpy(),
        }
    )
    by_area = (
        located.groupby(["district", "street"], sort=True)
        .agg(units=("member", "size"), members=("member", "sum"))
        .reset_index()
        .to_dict("records")
    )
    return {
        "records": store.counts(),
        "units_by_kind": {
            str(k): int(v) for k, v in units["kind"].value_counts().sort_index().to_dict().items()
        },
        "units_by_area": [
            {
                "district": r["district"],
                "street": r["street"],
                "units": int(r["units"]),
                "members": int(r["members"]),
            }
            for r in by_area
        ],
    }
