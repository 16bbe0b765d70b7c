"""The store interface: what the loaders, the analyses and the app need from a store.

Two implementations: :class:`graph.embedded.EmbeddedStore` (SQLite, one file, the default)
and, next, the Neo4j store. A store holds one table per record type
(:data:`graph.model.RECORD_TYPES`); each table has the record's fields plus
:data:`graph.model.SOURCE_COLUMNS`. References hold the key of the record they point to;
``texts``/``refs`` fields hold tuples of strings.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
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

    # Figures computed by the store (SQL, or Cypher on the server), for the units of a scope:
    # ``area`` a key (None: all), ``kinds`` unit kinds (empty: all). The pandas functions of
    # graph.coverage and graph.bridges are their definition (and the tests' reference).

    def unit_counts(self, area: str | None, kinds: Sequence[str], end: str) -> pd.DataFrame:
        """Per area and kind (area, kind): units, members (member units on ``end``), party_orgs."""
        ...

    def coverage(
        self, area: str | None, kinds: Sequence[str], start: str, end: str, quarters: Sequence[str]
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Each member unit's coverage in [start, end] (key, name, kind, area, agreement, seat,
        attended; by key), and per quarter of ``quarters``: quarter, members, agreement, seat,
        attended (how many)."""
        ...

    def cross_ties(self, area: str | None, kinds: Sequence[str], start: str, end: str) -> pd.DataFrame:
        """Each member unit (unit, name, kind, area) with each committee above it (committee,
        committee_name, committee_kind; None when it has none) and the people tied each way
        (up, down: (key, name) pairs)."""
        ...

    def bridging_posts(self, area: str | None, kinds: Sequence[str], start: str, end: str) -> pd.DataFrame:
        """The posts (person, person_name, org, org_name, role) held in [start, end] by people
        with a post in the scope and posts in two or more organizations; by person, post key."""
        ...

    def change_rows(
        self, area: str | None, kinds: Sequence[str], start: str, end: str
    ) -> dict[str, pd.DataFrame]:
        """The rows :func:`graph.changes.in_scope` needs for the scope in [start, end], per
        record type (organization, area, post, agreement, meeting, attendance, project,
        registration), with at least the columns it reads."""

    def rows(self, record: str, field: str, keys: Iterable[str]) -> pd.DataFrame:
        """The rows of one record type (all columns, in key order) whose ``field`` (its key, a
        reference, or a list of references holding one of them) is one of ``keys``: looked up by
        index (a list field is filtered in the store)."""
        ...

    def date_range(self, record: str, field: str) -> tuple[str | None, str | None]:
        """The first and the last value of a date field of one node record type that holds at
        least a month (an ISO day or month; years and empty values left out): (None, None)
        when there is none."""
        ...

    def group_ties(
        self, groups: Mapping[str, str], start: str, end: str, kinds: Sequence[str] = ()
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The unit network (:func:`graph.structure.unit_network`) of [start, end] counted by
        groups of areas, in the store: ``groups`` maps area keys to a group; the units are the
        network's organizations located in those areas (of ``kinds``, when given). Returns
        (``group``, ``units``, ``first``: its smallest unit key) per group, and (``a``, ``b``,
        ``people``, ``agreements``, ``projects``) per pair of groups (``a`` <= ``b``; a == b:
        the ties inside a group) with ties."""
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
        periods: Sequence[tuple[str, str]],
        problems: Sequence[str],
        area: str | None = None,
    ) -> list[pd.DataFrame]:
        """The engagement indicators of each period ([start, end], ISO days) of every unit (an
        organization that is not a committee) located in ``area`` (key) or under it (None:
        everywhere), computed in the store: per period, one row per unit, indexed by key, with
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

    def kept(self, name: str) -> str | None:
        """The derived result kept under ``name`` by :meth:`keep`, if the store was not written
        since it was computed (None: none kept, or out of date)."""
        ...

    def keep(self, name: str, value: str, revision: int) -> None:
        """Keep a derived result (text) computed from the store at ``revision``, for every
        process reading the store, until the store is written again. Keeping is skipped when
        the store cannot take it (being loaded, or read-only): the result is computed again."""
        ...

    # The search index (graph/search.py): kept per revision, as derived results are.

    def search(self, query: str, records: Sequence[str], limit: int) -> pd.DataFrame | None:
        """The rows of the kept search index (:func:`graph.search.index`'s columns but ``id``)
        of ``records`` whose ``text`` holds every word of ``query`` (normalized), found through
        an index in the store; of those, the ones ranking among the first ``limit`` on how they
        match and :func:`graph.search.kept`'s numbers, with their ties (what
        :func:`graph.search.find` keeps), in no particular order. None when no index is kept
        for the current revision."""
        ...

    def keep_search(self, index: pd.DataFrame, revision: int) -> None:
        """Keep a search index (:func:`graph.search.kept`) read at ``revision`` in place of
        any kept before, marked current as the derived result ``search`` (:meth:`kept`);
        skipped, as :meth:`keep` is, when the store cannot take it."""
        ...

    def close(self) -> None: ...
