"""Cross-appointments (交叉任职) from the posts table. Pure functions; names are not masked here.

A person holding posts in two or more organizations in a period bridges them. Between a
community and one of its member units the ties run in two directions:

- ``unit_to_community``: someone whose own (not part-time) post is in the unit also holds a
  post on the community's party committee (a unit leader as 兼职委员);
- ``community_to_unit``: someone whose own post is on the community committee also holds a
  post in the unit (a community leader in the unit's party organization).

A unit is tied ``both`` ways, ``one`` way (either), or ``none``.
"""

from __future__ import annotations

import pandas as pd

from graph.coverage import during, part_time
from graph.scope import COMMITTEES

DIRECTIONS = ("both", "unit_to_community", "community_to_unit", "none")


def held(posts: pd.DataFrame, start: str, end: str) -> pd.DataFrame:
    """The posts held on some day of [start, end], with ``home``: not a part-time post."""
    inside = posts[during(posts, "start", "end", start, end)]
    return inside.assign(home=~part_time(inside))


def bridging_people(posts: pd.DataFrame, people: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """People with posts in two or more organizations: person key and name, how many
    organizations, their names and the roles, most organizations first."""
    unit_names = dict(zip(units["key"], units["name"], strict=True))
    names = dict(zip(people["key"], people["name"], strict=True))
    rows = []
    for who, mine in posts.groupby("person", sort=True):
        orgs = list(dict.fromkeys(mine["org"]))
        if len(orgs) < 2:
            continue
        rows.append(
            {
                "person_key": who,
                "person": names.get(str(who), str(who)),
                "organizations": len(orgs),
                "units": "、".join(unit_names.get(o, o) for o in orgs),
                "roles": "、".join(
                    f"{unit_names.get(o, o)}·{r}" for o, r in zip(mine["org"], mine["role"], strict=True)
                ),
                "org_keys": tuple(orgs),
            }
        )
    frame = pd.DataFrame(
        rows, columns=["person_key", "person", "organizations", "units", "roles", "org_keys"]
    )
    return frame.sort_values(["organizations", "person"], ascending=[False, True]).reset_index(drop=True)


def community_ties(posts: pd.DataFrame, units: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """For each member unit located in a community: the community, the direction of its ties
    with the community's committee, and the people making them (keys)."""
    committees = units[units["kind"] == COMMITTEES[1]]
    committee_of: dict[str, set[str]] = {}
    for key, area in zip(committees["key"], committees["area"], strict=True):
        committee_of.setdefault(area, set()).add(key)
    by_org: dict[str, list[tuple[str, bool]]] = {}
    for who, org, home in zip(posts["person"], posts["org"], posts["home"], strict=True):
        by_org.setdefault(org, []).append((who, bool(home)))
    rows = []
    for unit, area in zip(members["key"], members["area"], strict=True):
        if area not in committee_of:
            continue
        in_unit = by_org.get(unit, [])
        in_committee = [p for c in sorted(committee_of[area]) for p in by_org.get(c, [])]
        unit_people = {p for p, _ in in_unit}
        committee_people = {p for p, _ in in_committee}
        up = sorted({p for p, home in in_unit if home} & committee_people)
        down = sorted({p for p, home in in_committee if home} & unit_people)
        direction = (
            "both" if up and down else "unit_to_community" if up else "community_to_unit" if down else "none"
        )
        rows.append(
            {
                "community": area,
                "unit": unit,
                "direction": direction,
                "people": tuple(dict.fromkeys(up + down)),
            }
        )
    return pd.DataFrame(rows, columns=["community", "unit", "direction", "people"])


def per_community(ties: pd.DataFrame) -> pd.DataFrame:
    """Member units per community and per direction."""
    counts = ties.groupby(["community", "direction"]).size().unstack(fill_value=0)
    counts = counts.reindex(columns=list(DIRECTIONS), fill_value=0)
    counts.insert(0, "members", counts.sum(axis=1))
    return counts.reset_index()
