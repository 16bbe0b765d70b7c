"""Counts of what a store holds: records by type, units by kind and by area."""

from __future__ import annotations

from typing import Any

import pandas as pd

from graph.rules import area_paths, ever_member
from graph.store import Store


def stats(store: Store) -> dict[str, Any]:
    """Records by type; units by kind; units and member units (every unit that has joined the
    platform; committees are not members) by district and street."""
    units = store.table("organization", ["key", "kind", "area", "joined"])
    areas = store.table("area", ["key", "name", "level", "parent"])
    paths = area_paths(areas)
    names = dict(zip(areas["key"], areas["name"], strict=True))
    located = pd.DataFrame(
        {
            "district": [names.get(paths.get(a, {}).get("district", ""), "") for a in units["area"]],
            "street": [names.get(paths.get(a, {}).get("street", ""), "") for a in units["area"]],
            "member": ever_member(units).to_numpy(),
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
