"""The co-building network: record types, their ledger columns, and how they form one graph.

Every record type is a frozen dataclass. Each field says, in its metadata, the ledger headers
it is read from (Chinese first, then English), what kind of value it holds and, for references,
which record type it points to. The loaders, the template, the stores and the interface all
read this one declaration, so adding a column is a change in one place.

Dates are ISO text that keeps its precision: ``2023-01-05`` for a day, ``2023-01`` for a
month. Every stored record also carries its key and its source (file, sheet, row); see
:data:`SOURCE_COLUMNS`.

A record is either a node (areas, organizations, people, agreements, meetings, projects,
needs, resources), whose reference fields become relationships, or a relationship itself
(posts, attendance, registrations). Cross-appointments are derived, never typed in: a person
with posts in two or more organizations (the cross_appointed query in :mod:`graph.queries`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

FieldKind = Literal["text", "texts", "date", "bool", "int", "number", "enum", "ref", "refs"]


def col(
    zh: str | tuple[str, ...],
    en: str | tuple[str, ...],
    kind: FieldKind = "text",
    *,
    required: bool = False,
    ref: str = "",
    vocab: str = "",
    edge: str = "",
    reverse: bool = False,
    help: str = "",
) -> Any:
    """A record field read from a ledger column.

    ``zh``/``en``: accepted headers, the first of each is the template's. ``ref``: the record
    type a ``ref``/``refs`` field points to; ``edge``: the relationship type it becomes in the
    graph, from this record to the target (``reverse``: from the target to this record).
    """
    zh_names = (zh,) if isinstance(zh, str) else zh
    en_names = (en,) if isinstance(en, str) else en
    meta = {
        "zh": zh_names,
        "en": en_names,
        "kind": kind,
        "required": required,
        "ref": ref,
        "vocab": vocab,
        "edge": edge,
        "reverse": reverse,
        "help": help,
    }
    default: Any = () if kind in ("texts", "refs") else None
    return field(default=default, metadata=meta)


CODE_HELP = (
    "可选。记录的唯一编码；不填时按名称识别。Optional unique code; without it rows are matched by name."
)


# --- node records -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Area:
    name: str = col("名称", ("name", "area"), required=True, help="区域名称，如 中山区、葵英街道、林海社区")
    level: str = col("层级", "level", "enum", required=True, vocab="area_level", help="市、区、街道 或 社区")
    parent: str | None = col("上级", "parent", "ref", ref="area", edge="PART_OF", help="上级区域的名称或编码")
    platform: str | None = col("平台名称", "platform", help="本级共建平台的名称，如 大工委、“3+N”大党委")
    valid_from: str | None = col("生效日期", "valid_from", "date", help="区域设立日期（社区合并拆分时填写）")
    valid_to: str | None = col("失效日期", "valid_to", "date", help="区域撤销或合并的日期")
    code: str | None = col("编码", "code", help=CODE_HELP)


@dataclass(frozen=True, slots=True)
class Organization:
    name: str = col(("名称", "单位名称"), ("name", "unit"), required=True, help="单位全称")
    kind: str = col(
        ("类型", "单位类型"),
        ("kind", "type"),
        "enum",
        required=True,
        vocab="org_kind",
        help="国企、非公企业、军警单位、学校、医院、机关事业单位、社会组织、物业公司、业主委员会、居委会、商户、区域化党建指导委员会、街道党工委、社区党委、其他",
    )
    area: str = col(
        ("所属区域", "所属社区"),
        ("area", "community"),
        "ref",
        required=True,
        ref="area",
        edge="IN_AREA",
        help="单位所在的社区（或街道、区）的名称或编码",
    )
    aliases: tuple[str, ...] = col(
        ("简称", "别名"), ("aliases", "short_name"), "texts", help="简称或别名，多个用 、 或 ； 分隔"
    )
    has_party_org: bool | None = col("是否建立党组织", "has_party_org", "bool", help="是 或 否")
    party_members: int | None = col("党员人数", "party_members", "int", help="整数")
    joined: str | None = col("加入日期", "joined", "date", help="加入共建平台的日期")
    code: str | None = col("编码", "code", help=CODE_HELP)


@dataclass(frozen=True, slots=True)
class Person:
    name: str = col("姓名", "name", required=True, help="姓名")
    party_member: bool | None = col("是否党员", "party_member", "bool", help="是 或 否")
    code: str | None = col(
        "编码", "code", help=CODE_HELP + " 重名时必填。Required when two people share a name."
    )


@dataclass(frozen=True, slots=True)
class Agreement:
    title: str = col(("名称", "协议名称"), ("title", "name"), required=True, help="协议名称")
    signed: str = col("签订日期", "signed", "date", required=True, help="签订日期")
    parties: tuple[str, ...] = col(
        "参与单位",
        "parties",
        "refs",
        required=True,
        ref="organization",
        edge="PARTY_TO",
        reverse=True,
        help="两个或以上单位，用 、 或 ； 分隔",
    )
    kind: str | None = col(("类型", "协议类型"), ("kind", "type"), help="如 共建协议、“六联六共”协议书")
    expires: str | None = col("到期日期", "expires", "date", help="到期日期；不填表示长期有效")
    code: str | None = col("编码", "code", help=CODE_HELP)


@dataclass(frozen=True, slots=True)
class Meeting:
    title: str = col(("名称", "会议名称"), ("title", "name"), required=True, help="会议名称")
    date: str = col("召开日期", "date", "date", required=True, help="召开日期")
    level: str | None = col("层级", "level", "enum", vocab="area_level", help="区、街道 或 社区")
    host: str | None = col(
        "主办单位", "host", "ref", ref="organization", edge="HOSTS", reverse=True, help="主办单位的名称或编码"
    )
    code: str | None = col("编码", "code", help=CODE_HELP + " 同名会议按 名称+日期 区分。")


@dataclass(frozen=True, slots=True)
class Project:
    title: str = col(("名称", "项目名称"), ("title", "name"), required=True, help="项目名称")
    category: str | None = col("类别", "category", help="如 为民服务、环境整治、热点难点问题")
    status: str | None = col(
        "状态", "status", "enum", vocab="project_status", help="待认领、领办中 或 已办结"
    )
    start: str | None = col(("开始日期", "认领日期"), ("start", "claimed"), "date", help="认领或开始日期")
    end: str | None = col("完成日期", ("end", "completed"), "date", help="办结日期")
    contributors: tuple[str, ...] = col(
        "参与单位",
        "contributors",
        "refs",
        ref="organization",
        edge="CONTRIBUTES",
        reverse=True,
        help="领办单位，多个用 、 或 ； 分隔",
    )
    community: str | None = col("社区", "community", "ref", ref="area", edge="SERVES", help="服务的社区")
    need: str | None = col(
        "来源需求", "need", "ref", ref="need", edge="ANSWERS", help="对应需求清单中的需求名称或编码"
    )
    code: str | None = col("编码", "code", help=CODE_HELP)


@dataclass(frozen=True, slots=True)
class Need:
    title: str = col(("名称", "需求名称"), ("title", "name"), required=True, help="需求名称")
    community: str = col(
        "社区", "community", "ref", required=True, ref="area", edge="RAISED_IN", help="提出需求的社区"
    )
    category: str | None = col("类别", "category", help="如 为民服务、热点难点问题")
    status: str | None = col("状态", "status", "enum", vocab="need_status", help="待认领、已认领 或 已解决")
    published: str | None = col("发布日期", "published", "date", help="发布日期")
    code: str | None = col("编码", "code", help=CODE_HELP)


@dataclass(frozen=True, slots=True)
class Resource:
    title: str = col(("名称", "资源名称"), ("title", "name"), required=True, help="资源名称")
    org: str = col(
        ("单位", "提供单位"),
        ("org", "unit"),
        "ref",
        required=True,
        ref="organization",
        edge="OFFERS",
        reverse=True,
        help="提供资源的单位",
    )
    category: str | None = col("类别", "category", help="如 场地、人才、资金、志愿服务")
    published: str | None = col("发布日期", "published", "date", help="发布日期")
    code: str | None = col("编码", "code", help=CODE_HELP)


# --- relationship records -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Post:
    person: str = col(
        ("人员", "姓名"), ("person", "name"), "ref", required=True, ref="person", help="人员的姓名或编码"
    )
    org: str = col("单位", ("org", "unit"), "ref", required=True, ref="organization", help="任职单位")
    role: str = col("职务", "role", required=True, help="如 党委书记、兼职委员")
    part_time: bool | None = col("是否兼职", "part_time", "bool", help="是 或 否（兼职委员填 是）")
    start: str | None = col("任职日期", "start", "date", help="任职日期")
    end: str | None = col("离任日期", "end", "date", help="离任日期；在任不填")
    code: str | None = col("编码", "code", help=CODE_HELP)


@dataclass(frozen=True, slots=True)
class Attendance:
    meeting: str = col("会议", "meeting", "ref", required=True, ref="meeting", help="会议的名称或编码")
    org: str = col("单位", ("org", "unit"), "ref", required=True, ref="organization", help="受邀单位")
    status: str = col(
        "出席情况",
        ("status", "attendance"),
        "enum",
        required=True,
        vocab="attendance",
        help="出席、代参、请假 或 缺席",
    )
    person: str | None = col("人员", "person", "ref", ref="person", help="参会人员（可选）")
    code: str | None = col("编码", "code", help=CODE_HELP)


@dataclass(frozen=True, slots=True)
class Registration:
    community: str = col("社区", "community", "ref", required=True, ref="area", help="报到的社区")
    date: str = col("报到日期", "date", "date", required=True, help="报到日期")
    person: str | None = col("人员", "person", "ref", ref="person", help="报到的在职党员；单位报到不填")
    org: str | None = col(
        "单位", ("org", "unit"), "ref", ref="organization", help="报到单位，或报到党员所在单位"
    )
    withdrawn: str | None = col("撤销日期", "withdrawn", "date", help="撤销报到的日期")
    hours: float | None = col("服务时长", "hours", "number", help="本年服务时长（小时）")
    code: str | None = col("编码", "code", help=CODE_HELP)


# --- the schema as data -------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    kind: FieldKind
    zh: tuple[str, ...]
    en: tuple[str, ...]
    required: bool
    ref: str
    vocab: str
    edge: str
    reverse: bool
    help: str


@dataclass(frozen=True)
class RecordType:
    """One sheet of the ledger and one kind of record in the graph."""

    name: str  # identifier, also the store's table name
    cls: type
    sheet_zh: str
    sheet_en: str
    label: str  # node label, or relationship type for relationship records
    natural_key: tuple[str, ...]  # fields identifying a row that has no code
    since: str = ""  # field from which the record holds, for views "as of" a date
    until: str = ""  # field after which it no longer holds
    source: str = ""  # relationship records: the field at the start...
    target: str = ""  # ...and at the end of the relationship
    fallback: str = ""  # the start when ``source`` is empty (a unit's own registration)

    @property
    def is_node(self) -> bool:
        return not self.source

    @cached_property
    def columns(self) -> tuple[Column, ...]:
        return tuple(
            Column(
                name=f.name,
                **{
                    k: f.metadata[k]
                    for k in ("kind", "zh", "en", "required", "ref", "vocab", "edge", "reverse", "help")
                },
            )
            for f in dataclasses.fields(self.cls)
        )

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no field {name}")


RECORD_TYPES: tuple[RecordType, ...] = (
    RecordType("area", Area, "区域", "areas", "Area", ("name",), "valid_from", "valid_to"),
    RecordType("organization", Organization, "单位", "units", "Organization", ("name",)),
    RecordType("person", Person, "人员", "people", "Person", ("name",)),
    RecordType(
        "post",
        Post,
        "任职",
        "posts",
        "HOLDS",
        ("person", "org", "role", "start"),
        "start",
        "end",
        source="person",
        target="org",
    ),
    RecordType(
        "agreement", Agreement, "共建协议", "agreements", "Agreement", ("title",), "signed", "expires"
    ),
    RecordType("meeting", Meeting, "联席会议", "meetings", "Meeting", ("title", "date"), "date"),
    RecordType(
        "attendance",
        Attendance,
        "参会",
        "attendance",
        "ATTENDED",
        ("meeting", "org", "person"),
        source="org",
        target="meeting",
    ),
    RecordType("project", Project, "项目", "projects", "Project", ("title",), "start"),
    RecordType("need", Need, "需求", "needs", "Need", ("title", "community"), "published"),
    RecordType("resource", Resource, "资源", "resources", "Resource", ("title", "org"), "published"),
    RecordType(
        "registration",
        Registration,
        "报到",
        "registrations",
        "REGISTERED",
        ("person", "org", "community", "date"),
        "date",
        "withdrawn",
        source="person",
        target="community",
        fallback="org",
    ),
)

RECORDS: dict[str, RecordType] = {r.name: r for r in RECORD_TYPES}

# Columns every stored table carries besides the record's fields.
SOURCE_COLUMNS = ("key", "src_file", "src_sheet", "src_row")

# Relationship types the graph may hold: the allow-list for labels in queries.
NODE_LABELS = tuple(r.label for r in RECORD_TYPES if r.is_node)
RELATIONSHIP_TYPES = tuple(
    sorted(
        {r.label for r in RECORD_TYPES if not r.is_node}
        | {c.edge for r in RECORD_TYPES for c in r.columns if c.edge}
    )
)
