"""The store interface: what the loaders, the analyses and the app need from a store.

Two implementations: :class:`graph.embedded.EmbeddedStore` (SQLite, one file, the default)
and, next, the Neo4j store. A store holds one table per record type
(:data:`graph.model.RECORD_TYPES`); each table has the record's fields plus
:data:`graph.model.SOURCE_COLUMNS`. References hold the key of the record they point to;
``texts``/``refs`` fields hold tuples of strings.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import networkx as nx
import pandas as pd

Progress = Callable[[int, int], None]  # (done, total) rows


@dataclass(frozen=True)
class Change:
    added: int = 0
    updated: int = 0
    unchanged: int = 0


Changes = dict[str, Change]  # record type name -> what a write did to it


class Store(Protocol):
    def write(self, tables: Mapping[str, pd.DataFrame], progress: Progress | None = None) -> Changes:
        """Upsert the tables by key, all or nothing: on any error nothing is written."""
        ...

    def table(self, record: str, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """Every stored row of one record type (all its columns, or the ones asked for)."""
        ...

    def scoped(self, area: str) -> dict[str, pd.DataFrame]:
        """The rows the scope of one area (key) needs, per record type, all columns, in key
        order: :func:`graph.scope.scope_tables` says which."""
        ...

    def counts(self) -> dict[str, int]:
        """Rows per record type."""
        ...

    def revision(self) -> int:
        """A number that changes with every write (caches are keyed on it); 0: never written."""
        ...

    def view(self, area: str | None = None, as_of: str | None = None) -> nx.MultiDiGraph:
        """The graph, or the part of it in one area (key) and below, as of an ISO date."""
        ...

    def engagement_facts(
        self,
        start: str,
        end: str,
        problems: Sequence[str],
        area: str | None = None,
        kinds: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """The engagement indicators of [start, end] (ISO days) of every unit (an organization
        that is not a committee) located in ``area`` (key) or under it (None: everywhere), of
        ``kinds`` (None: any), computed in the store: one row per unit, indexed by key, with
        :data:`graph.indicators.FACT_COLUMNS` (``problems``: the project categories that are
        resident problems). :func:`graph.engagement.facts` is the reference it equals."""
        ...

    def engagement_rows(
        self, units: Collection[str], communities: Collection[str]
    ) -> dict[str, pd.DataFrame]:
        """The rows an engagement result cites about some units (keys) besides their
        indicators, per record type, all columns, in key order: every area; the units and every
        committee; every post of the people holding a post in a unit; the agreements, projects,
        attendance (and its meetings), resources and registrations of a unit; the needs of the
        ``communities`` (area keys)."""
        ...

    def close(self) -> None: ...
