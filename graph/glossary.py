"""One glossary: every fixed vocabulary with its Chinese and English labels.

Loaders read ledger values through it (a value matches a code, a label or a synonym, after
NFKC normalization) and the interface shows labels from it, so both speak the same words.
Column headers live next to their fields in :mod:`graph.model`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


def norm(text: str) -> str:
    """The matching form of a text: NFKC (full-width to half-width, U+3000 to a space),
    spaces collapsed and trimmed, Latin letters lower-cased. The original is kept for display."""
    return " ".join(unicodedata.normalize("NFKC", text).split()).lower()


@dataclass(frozen=True)
class Term:
    code: str
    zh: str
    en: str
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Vocabulary:
    name: str
    terms: tuple[Term, ...]

    def __post_init__(self) -> None:
        index: dict[str, str] = {}
        for term in self.terms:
            for word in (term.code, term.zh, term.en, *term.synonyms):
                index[norm(word)] = term.code
        object.__setattr__(self, "_index", index)

    def match(self, value: str) -> str | None:
        """The code a ledger value stands for, or None."""
        index: dict[str, str] = self._index  # type: ignore[attr-defined]
        return index.get(norm(value))

    def label(self, code: str, lang: str = "zh") -> str:
        for term in self.terms:
            if term.code == code:
                return term.zh if lang == "zh" else term.en
        return code

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(term.code for term in self.terms)

    def choices(self, lang: str = "zh") -> str:
        """The accepted values, for error messages: 国企、非公企业、..."""
        return "、".join(self.label(code, lang) for code in self.codes)


ORG_KIND = Vocabulary(
    "org_kind",
    (
        Term("street_committee", "街道党工委", "street committee", ("街道", "街道党委", "街道办事处")),
        Term("community_committee", "社区党委", "community committee", ("社区党总支", "社区党支部", "社区")),
        Term("soe", "国企", "state-owned enterprise", ("国有企业", "央企", "国有")),
        Term("private_firm", "非公企业", "private firm", ("民营企业", "私营企业", "非公", "企业")),
        Term("military_police", "军警单位", "military/police", ("部队", "军队", "公安", "派出所", "武警")),
        Term("school", "学校", "school", ("中学", "小学", "幼儿园", "高校")),
        Term("hospital", "医院", "hospital", ("卫生院", "卫生服务中心")),
        Term("government", "机关事业单位", "government body", ("机关", "事业单位", "政府机关")),
        Term("social_org", "社会组织", "social organization", ("协会", "社团")),
        Term("property_company", "物业公司", "property company", ("物业",)),
        Term("owners_committee", "业主委员会", "owners' committee", ("业委会",)),
        Term("residents_committee", "居委会", "residents' committee", ("居民委员会", "社区居委会")),
        Term("shop", "商户", "shop", ("商铺", "门店", "个体工商户", "店铺")),
        Term("other", "其他", "other", ("其它",)),
    ),
)

AREA_LEVEL = Vocabulary(
    "area_level",
    (
        Term("city", "市", "city", ("地级市",)),
        Term("district", "区", "district", ("区县", "县", "区级")),
        Term("street", "街道", "street", ("乡镇", "镇", "街道级")),
        Term("community", "社区", "community", ("村", "社区级")),
    ),
)

ATTENDANCE = Vocabulary(
    "attendance",
    (
        Term("present", "出席", "present", ("参加", "到会", "已参加", "是", "√")),
        Term("substitute", "代参", "substitute", ("委托参加", "代为参加", "代会")),
        Term("excused", "请假", "excused", ("因事请假",)),
        Term("absent", "缺席", "absent", ("未参加", "未到", "否", "×")),
    ),
)

PROJECT_STATUS = Vocabulary(
    "project_status",
    (
        Term("open", "待认领", "open", ("未认领",)),
        Term("claimed", "领办中", "in progress", ("已认领", "进行中", "实施中")),
        Term("done", "已办结", "completed", ("已完成", "完成", "办结")),
    ),
)

NEED_STATUS = Vocabulary(
    "need_status",
    (
        Term("open", "待认领", "open", ("未认领", "未解决")),
        Term("claimed", "已认领", "claimed", ("领办中", "解决中")),
        Term("closed", "已解决", "closed", ("已办结", "已完成", "办结")),
    ),
)

BOOLEAN = Vocabulary(
    "boolean",
    (
        Term("true", "是", "yes", ("有", "已建立", "已建", "y", "1", "√", "true")),
        Term("false", "否", "no", ("无", "未建立", "未建", "n", "0", "×", "false")),
    ),
)

VOCABULARIES = {v.name: v for v in (ORG_KIND, AREA_LEVEL, ATTENDANCE, PROJECT_STATUS, NEED_STATUS)}

# Interface words shared by the app and the CLI.
LABELS: dict[str, tuple[str, str]] = {
    "app_title": ("共建 · 区域化党建关系图谱", "Gongjian · co-building network"),
    "overview": ("总览", "Overview"),
    "empty_store": (
        "存储中还没有数据。运行 `gongjian demo` 或 `gongjian load 台账.xlsx` 导入台账。",
        "The store is empty. Run `gongjian demo` or `gongjian load LEDGER.xlsx` to load a ledger.",
    ),
    "records": ("记录数", "Records"),
    "by_area": ("按区域统计单位", "Units by area"),
    "by_kind": ("按类型统计单位", "Units by kind"),
    "store": ("存储", "Store"),
}


def label(key: str, lang: str = "zh") -> str:
    zh, en = LABELS[key]
    return zh if lang == "zh" else en
