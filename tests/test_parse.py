"""Parsing and resolving raw sheets, on inline tables."""

from __future__ import annotations

import textwrap
import unicodedata

import pandas as pd
import pyarrow as pa
import pytest

import loaders.parse
from graph.errors import Problem
from graph.model import RECORDS, SOURCE_COLUMNS
from loaders import resolve
from loaders.parse import TEXT_LIMIT, Parsed, cell_problem, cell_problems, parse_date, parse_ledger, split
from loaders.read import RawSheet, maybe_personal, read_ledger, read_text
from synthetic.city import generate

AREAS = """\
    名称,层级,上级,编码
    中山区,区,,D1
    葵英街道,街道,中山区,
    林海社区,社区,葵英街道,
    """
UNITS = """\
    单位名称,单位类型,所属社区,简称,是否建立党组织,党员人数,编码
    大连港集团,国企,林海社区,大港、港集团,是,120,
    太太好粥店,商户,林海社区,太太好,否,,
    大连港务局,国企,林海社区,大港,否,3,Ｕ００２
    """


def parse(existing: dict[str, pd.DataFrame] | None = None, **sheets: str) -> Parsed:
    """Parse inline CSV sheets, named by record type: ``parse(区域=..., 单位=...)``."""
    raw = [read_text(textwrap.dedent(text), f"{name}.csv") for name, text in sheets.items()]
    return parse_ledger(raw, existing)


def only(parsed: Parsed) -> Problem:
    assert len(parsed.problems) == 1, parsed.problems
    return parsed.problems[0]


def where(p: Problem) -> tuple[str, str, int | None, str, str]:
    return p.file, p.sheet, p.row, p.column, p.value


def records(parsed: Parsed, name: str, *fields: str) -> list[tuple[object, ...]]:
    table = parsed.tables[name]
    return [tuple(row) for row in table[list(fields)].itertuples(index=False, name=None)]


# --- values -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, iso",
    [
        ("2023-01-05", "2023-01-05"),
        ("2023/1/5", "2023-01-05"),
        ("2023.1.5", "2023-01-05"),
        ("2023年1月5日", "2023-01-05"),
        ("２０２３年１月５日", "2023-01-05"),
        ("20230105", "2023-01-05"),
        ("2023-01-05 00:00:00", "2023-01-05"),
        ("44927", "2023-01-01"),
        ("44927.5", "2023-01-01"),
        (" 2023-1 ", "2023-01"),
        ("2023.1", "2023-01"),
        ("2023.10", "2023-10"),
        ("2023/01", "2023-01"),
        ("2023年1月", "2023-01"),
        ("２０２３－０１", "2023-01"),
    ],
)
def test_dates_keep_their_precision(text, iso):
    assert parse_date(text) == iso


@pytest.mark.parametrize(
    "text, says",
    [
        ("2023-02-30", "日期不存在"),
        ("2023-13", "日期不存在"),
        ("去年", "请写成 2023-01-05"),
        ("12345", "请写成"),
    ],
)
def test_bad_dates(text, says):
    with pytest.raises(ValueError, match=says):
        parse_date(text)


@pytest.mark.parametrize(
    "text, items",
    [
        ("大港、港集团", ("大港", "港集团")),
        (" a ; b；c\nd ", ("a", "b", "c", "d")),
        ("、、", ()),
        ("x", ("x",)),
    ],
)
def test_split(text, items):
    assert split(text) == items


def test_values_by_kind():
    parsed = parse(
        区域=AREAS,
        单位="""\
            名称,类型,所属社区,是否建立党组织,党员人数,加入日期
            甲公司,民营企业,林海社区,已建立,"1,200",2023年1月
            乙小学,ＳＣＨＯＯＬ,林海社区　,Y,７,2023/1/5
            丙店,商铺,林海社区,,,
            """,
        报到="""\
            社区,报到日期,单位,服务时长
            林海社区,2023-03,甲公司,12.5
            林海社区,2023-03-01,乙小学,８
            """,
    )
    assert parsed.problems == []
    assert records(
        parsed, "organization", "name", "kind", "area", "has_party_org", "party_members", "joined"
    ) == [
        ("甲公司", "private_firm", "林海社区", True, 1200, "2023-01"),
        ("乙小学", "school", "林海社区", True, 7, "2023-01-05"),
        ("丙店", "shop", "林海社区", None, None, None),
    ]
    assert records(parsed, "registration", "date", "org", "hours") == [
        ("2023-03", "甲公司", 12.5),
        ("2023-03-01", "乙小学", 8.0),
    ]


def test_tables_have_the_source_columns_and_every_field_in_order():
    parsed = parse(区域=AREAS)
    table = parsed.tables["area"]
    assert list(table.columns) == [*SOURCE_COLUMNS, *(c.name for c in RECORDS["area"].columns)]
    assert records(parsed, "area", "key", "src_file", "src_sheet", "src_row", "parent") == [
        ("D1", "区域.csv", "", 2, None),
        ("葵英街道", "区域.csv", "", 3, "D1"),
        ("林海社区", "区域.csv", "", 4, "葵英街道"),
    ]


def test_each_distinct_value_is_parsed_once(monkeypatch):
    calls: list[str] = []
    real = loaders.parse.parse_date

    def counting(text: str) -> str:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(loaders.parse, "parse_date", counting)
    rows = "".join(f"会议{i},2023年{i % 3 + 1}月\n" for i in range(30))  # not ISO: parse_date reads it
    parsed = parse(联席会议="名称,召开日期\n" + rows)
    assert parsed.problems == []
    assert sorted(calls) == ["2023年1月", "2023年2月", "2023年3月"]


# Cells the Arrow pre-check must hand to the per-cell check: digits in other scripts and
# full-width, circled or parenthesized forms, ID and phone shapes, lengths in characters (not
# bytes), control characters, list items.
TRICKY = [
    "２１０２０３１９８００１０１１２３Ｘ",
    "٢١٠٢٠٣١٩٨٠٠١٠١١٢٣X",
    "2.10203198001011E+17",
    "210203800101123",
    "+86 138 0411 2345",
    "(0411)88888888",
    "0411-88888888",
    "021-1234567",
    "１３８０４１１２３４５",
    "⑴⑵⑶⑷⑸⑹⑺⑻⑼⑽",
    "大连港集团 13804112345",
    "2023-01-05 10:00:00",
    "甲" * TEXT_LIMIT,
    "甲" * (TEXT_LIMIT + 1),
    "、".join(["甲" * (TEXT_LIMIT // 2 + 1)] * 2),
    "大港、１３８０４１１２３４５",
    "210203198001011234\n大港",
    "大港；" + "甲" * (TEXT_LIMIT + 1),
    "DW000001、DW000002、DW000003",
    "DW0000011、 1000",
    "a\x00b",
    "a\tb\nc",
    "\x7f",
    "太太好粥店",
    "",
]


@pytest.mark.parametrize("column", [RECORDS["organization"].column(n) for n in ("name", "aliases")])
def test_cells_are_checked_in_arrow_as_one_by_one(column):
    expected = {j: p for j, text in enumerate(TRICKY) if text and (p := cell_problem(text, column))}
    assert len(expected) >= 10
    assert cell_problems(TRICKY, column) == expected


def test_every_decimal_digit_can_make_a_value_personal():
    digits = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Nd"]
    assert maybe_personal(pa.array([d * 10 for d in digits], pa.string())).all()
    assert not maybe_personal(pa.array(["2023-01-05", "甲" * 300, "①②"], pa.string())).any()


# --- keys ---------------------------------------------------------------------------------


def test_keys_are_codes_else_natural_keys():
    parsed = parse(
        区域=AREAS,
        单位=UNITS,
        联席会议="""\
            名称,召开日期,编码
            联席会议,2023-01,
            联席会议,2023-02,
            季度会,2023-03, Ｍ１\u3000
            """,
    )
    assert parsed.problems == []
    assert records(parsed, "organization", "key", "code") == [
        ("大连港集团", None),
        ("太太好粥店", None),
        ("U002", "Ｕ００２"),
    ]
    assert records(parsed, "meeting", "key") == [("联席会议|2023-01",), ("联席会议|2023-02",), ("M1",)]


def test_rows_without_code_take_the_key_of_the_stored_record_with_the_same_name():
    first = parse(区域=AREAS, 单位="名称,类型,所属社区,编码\n大连港集团,国企,林海社区,U1\n")
    parsed = parse(
        {"area": first.tables["area"], "organization": first.tables["organization"]},
        单位="名称,类型,所属社区\n　大连港集团 ,国企,林海社区\nＡＢＣ,商户,林海社区\n",
    )
    assert parsed.problems == []
    assert records(parsed, "organization", "key", "name") == [("U1", "大连港集团"), ("abc", "ＡＢＣ")]


def test_relationship_records_are_keyed_by_their_natural_key():
    parsed = parse(
        区域=AREAS,
        单位=UNITS,
        人员="姓名,编码\n张三,P1\n李四,\n",
        任职="人员,单位,职务,任职日期\n张三,大港集团 ,书记,2020-01\n李四,太太好,兼职委员,\n",
        参会="会议,单位,出席情况\nM1,太太好,出席\n",
        联席会议="名称,召开日期,编码\n会,2023-01,M1\n",
    )
    assert parsed.problems[0].message.startswith("未找到单位「大港集团」")
    parsed = parse(
        区域=AREAS,
        单位=UNITS,
        人员="姓名,编码\n张三,P1\n李四,\n",
        任职="人员,单位,职务,任职日期\np1,港集团,书记,2020-01\n李四,太太好,兼职委员,\n",
        参会="会议,单位,出席情况\nm1,太太好,出席\n",
        联席会议="名称,召开日期,编码\n会,2023-01,M1\n",
    )
    assert parsed.problems == []
    assert records(parsed, "post", "key", "person", "org") == [
        ("P1|大连港集团|书记|2020-01", "P1", "大连港集团"),
        ("李四|太太好粥店|兼职委员|", "李四", "太太好粥店"),
    ]
    assert records(parsed, "attendance", "key", "status") == [("M1|太太好粥店|", "present")]


def test_identical_duplicate_rows_are_merged_silently():
    parsed = parse(区域=AREAS, 人员="姓名,是否党员\n张三,是\n张三,是\n李四,否\n")
    assert parsed.problems == []
    assert parsed.rejected == set()
    assert records(parsed, "person", "key", "src_row") == [("张三", 2), ("李四", 4)]


# --- references ---------------------------------------------------------------------------


def test_references_by_code_name_alias_and_normalized_text():
    parsed = parse(
        区域=AREAS,
        单位=UNITS,
        共建协议="""\
            名称,签订日期,参与单位
            一,2023-01-05,港集团、太太好
            二,2023-01-05,u002；ＡＢＣ
            三,2023-01-05,太太好粥店　;大连港集团
            """,
        需求="名称,社区\n修路,d1\n",
    )
    assert [where(p)[:3] for p in parsed.problems] == [("共建协议.csv", "", 3)]
    assert records(parsed, "agreement", "title", "parties") == [
        ("一", ("大连港集团", "太太好粥店")),
        ("三", ("太太好粥店", "大连港集团")),
    ]
    assert records(parsed, "need", "community") == [("D1",)]


def test_references_resolve_against_stored_records():
    first = parse(区域=AREAS, 单位=UNITS)
    stored = dict(first.tables)
    parsed = parse(stored, 资源="名称,单位\n场地,港集团\n志愿者,Ｕ００２\n")
    assert parsed.problems == []
    assert records(parsed, "resource", "org") == [("大连港集团",), ("U002",)]


# --- problems: each located to the cell, each saying what to do ---------------------------


def test_unknown_unit_with_suggestions():
    p = only(parse(区域=AREAS, 单位=UNITS, 资源="名称,单位\n场地,大连港集\n"))
    assert where(p) == ("资源.csv", "", 2, "单位", "大连港集")
    assert "最接近的是：大连港集团" in p.message
    assert "请改正名称，或先在 单位 表中添加该单位" in p.message


def test_ambiguous_alias_lists_the_candidates_and_asks_for_the_code():
    p = only(parse(区域=AREAS, 单位=UNITS, 资源="名称,单位\n场地,大港\n"))
    assert where(p) == ("资源.csv", "", 2, "单位", "大港")
    assert "大连港务局（编码 Ｕ００２，中山区/葵英街道/林海社区）" in p.message
    assert "大连港集团" in p.message
    assert "请改用编码" in p.message


@pytest.mark.parametrize(
    "sheet, text, column, value, fix",
    [
        ("联席会议", "名称,召开日期\n会,2023-02-30\n", "召开日期", "2023-02-30", "请改正年月日"),
        ("联席会议", "名称,召开日期\n会,上周\n", "召开日期", "上周", "请写成 2023-01-05"),
        (
            "单位",
            "名称,类型,所属社区\n甲,外企,林海社区\n",
            "类型",
            "外企",
            "请改为以下之一：区域化党建指导委员会、街道党工委、社区党委、国企",
        ),
        ("单位", "名称,类型,所属社区,党员人数\n甲,国企,林海社区,十\n", "党员人数", "十", "请只填数字"),
        ("单位", "名称,类型,所属社区\n甲,,林海社区\n", "类型", "", "请填写类型"),
        ("人员", "姓名,是否党员\n张三,不详\n", "是否党员", "不详", "请改为以下之一：是、否"),
        (
            "报到",
            "社区,报到日期,单位,服务时长\n林海社区,2023-01,区政府,很多\n",
            "服务时长",
            "很多",
            "请只填数字",
        ),
    ],
)
def test_bad_values(sheet, text, column, value, fix):
    sheets = {"区域": AREAS, "单位": "名称,类型,所属社区\n区政府,机关,中山区\n", sheet: text}
    p = only(parse(**sheets))
    assert where(p) == (f"{sheet}.csv", "", 2, column, value)
    assert fix in p.message


def test_duplicate_person_names_without_code_ask_for_a_code():
    parsed = parse(人员="姓名,是否党员\n张伟,是\n张伟,否\n")
    assert [where(p) for p in parsed.problems] == [
        ("人员.csv", "", 2, "姓名", "张伟"),
        ("人员.csv", "", 3, "姓名", "张伟"),
    ]
    assert all("请在「编码」列填写不同的编码" in p.message for p in parsed.problems)
    assert parsed.tables["person"].empty


def test_a_name_shared_by_stored_records_needs_the_code():
    first = parse(人员="姓名,编码\n张伟,P1\n张伟,P2\n")
    assert first.problems == []
    p = only(parse({"person": first.tables["person"]}, 人员="姓名,是否党员\n张伟,是\n"))
    assert where(p) == ("人员.csv", "", 2, "姓名", "张伟")
    assert "编码 P1、P2" in p.message
    assert "请在「编码」列填写编码" in p.message


def test_agreement_with_one_party():
    p = only(
        parse(区域=AREAS, 单位=UNITS, 共建协议="名称,签订日期,参与单位\n协议,2023-01-05,太太好、太太好粥店\n")
    )
    assert where(p) == ("共建协议.csv", "", 2, "参与单位", "太太好、太太好粥店")
    assert "请补全参与单位" in p.message


def test_registration_needs_a_person_or_a_unit():
    p = only(parse(区域=AREAS, 报到="社区,报到日期,人员,单位\n林海社区,2023-01,,\n"))
    assert where(p) == ("报到.csv", "", 2, "", "")
    assert "请至少填写其中一项" in p.message


def test_post_ending_before_it_starts():
    text = "人员,单位,职务,任职日期,离任日期\n张三,太太好,书记,2023-05-10,2023-04\n张三,太太好,委员,2023-05-10,2023-05\n"
    p = only(parse(区域=AREAS, 单位=UNITS, 人员="姓名\n张三\n", 任职=text))
    assert where(p) == ("任职.csv", "", 2, "离任日期", "2023-04")
    assert "请改正日期" in p.message


def test_area_parent_cycle():
    parsed = parse(区域="名称,层级,上级\n甲街道,街道,乙街道\n乙街道,街道,甲街道\n丙社区,社区,甲街道\n")
    assert [where(p)[:4] for p in parsed.problems] == [
        ("区域.csv", "", 2, "上级"),
        ("区域.csv", "", 3, "上级"),
        ("区域.csv", "", 4, "上级"),
    ]
    assert "上级形成循环：甲街道 → 乙街道 → 甲街道" in parsed.problems[0].message
    assert "该行有问题；请先改正该行" in parsed.problems[2].message
    assert parsed.tables["area"].empty


def test_a_reference_to_a_row_with_a_problem_says_so_and_cites_it():
    parsed = parse(
        区域=AREAS,
        单位="名称,类型,所属社区\n坏单位,外企,林海社区\n好单位,国企,林海社区\n",
        资源="名称,单位\n场地,坏单位\n资金,好单位\n",
        任职="人员,单位,职务\n张三,坏单位,书记\n",
        人员="姓名\n张三\n",
    )
    assert [where(p)[:4] for p in parsed.problems] == [
        ("任职.csv", "", 2, "单位"),
        ("单位.csv", "", 2, "类型"),
        ("资源.csv", "", 2, "单位"),
    ]
    assert "在 单位.csv 第2行，该行有问题；请先改正该行" in parsed.problems[2].message
    assert parsed.rejected == {("任职.csv", "", 2), ("单位.csv", "", 2), ("资源.csv", "", 2)}
    assert records(parsed, "resource", "title", "org") == [("资金", "好单位")]


def test_a_sheet_missing_a_required_column_is_rejected_as_a_whole():
    parsed = parse(区域=AREAS, 单位="名称,所属社区\n甲,林海社区\n乙,林海社区\n")
    assert [where(p)[:4] for p in parsed.problems] == [("单位.csv", "", None, "类型")]
    assert parsed.rejected == {("单位.csv", "", 2), ("单位.csv", "", 3)}
    assert "organization" not in parsed.tables


def test_a_code_wins_over_a_name():
    units = "名称,类型,所属社区,编码\n港务,国企,林海社区,U9\n其他,国企,林海社区,港务\n"
    parsed = parse(区域=AREAS, 单位=units, 资源="名称,单位\n场地,港务\n资金,U9\n")
    assert parsed.problems == []
    assert records(parsed, "resource", "org") == [("港务",), ("U9",)]


def test_one_problem_per_cause():
    parsed = parse(
        区域=AREAS,
        人员="姓名,是否党员\n,是\n,否\n",
        报到="社区,报到日期,单位\n林海社区,2023-01,火星单位\n",
    )
    assert [where(p)[:4] for p in parsed.problems] == [
        ("人员.csv", "", 2, "姓名"),
        ("人员.csv", "", 3, "姓名"),
        ("报到.csv", "", 2, "单位"),
    ]
    assert "必填" in parsed.problems[0].message
    assert "未找到单位「火星单位」" in parsed.problems[2].message


def _scalar(fn):  # type: ignore[no-untyped-def]
    """A per-value Python twin of a vectorized helper: fn of each value, one by one."""

    def each(values):  # type: ignore[no-untyped-def]
        return resolve.as_objects((fn(v) for v in values), len(values))

    return each


def test_lists_cut_in_arrow_equal_the_per_item_path() -> None:
    names = ["大连港集团", "Café", "Ａｂｃ", "カフェ", "㈱港务", "港 务", "x\u00a0y", "a\u2003b", "①号楼"]
    units = "名称,类型,所属社区\n" + "".join(f'"{n}",国企,林海社区\n' for n in names)
    index = resolve.Index(RECORDS["organization"], None, parse(区域=AREAS, 单位=units).tables["organization"])
    texts = [
        *names,
        "大连港集团、Café",
        " 大连港集团 ；Ａｂｃ\n",
        "カフェ、カフェ;大连港集团",
        "\u3000カフェ\u3000、\t港 务\r\n大连港集团",
        "港 务、",
        "、",
        "",
        " ",
        "x\u00a0y；大连港集团",
        "a\u2003b ; 大连港集团",
        "未知单位、大连港集团",
        "Ｃａｆé、①号楼",
    ]
    fast = loaders.parse._known_lists(index, texts)
    slow: list[object] = []
    for text in texts:
        try:
            slow.append(loaders.parse._resolve_all(index, text))
        except ValueError:
            slow.append(None)
    assert [f for f, s in zip(fast, slow, strict=True) if f is not None and f != s] == []
    # Arrow answers the lists it reads as Python does and whose items are known; None for the rest
    assert fast[10:14] == [
        ("大连港集团", "abc"),
        ("カフェ", "大连港集团"),
        ("カフェ", "港 务", "大连港集团"),
        ("港 务",),
    ]
    assert fast[:9] == [("大连港集团",), None, ("abc",), ("カフェ",), None, ("港 务",), None, None, None]
    assert fast[14:] == [None] * 7  # no item; a Latin accent, odd spaces or enclosed CJK; an unknown item
    assert slow[14:17] == [(), (), ()] and slow[-2] is None and slow[-1] == ("café", "1号楼")
    items = loaders.parse.splits(texts)
    assert [(t, i) for t, i in zip(texts, items, strict=True) if i is not None and i != split(t)] == []
    assert [i is None for i in items] == [f is None for f in fast[:-2]] + [False, True]


def test_iso_dates_are_what_parse_date_gives_them() -> None:
    texts = [
        *("2024-02-29", "2023-02-29", "2023-02-30", "2023-13-01", "2023-00-10", "2023-01-00", "2023-12-31"),
        *("0001-01-01", "0000-01-01", "1600-01-01", "2300-01-01", "9999-12-31", "2023-1-05", "2023-01-05 "),
        *("２０２３-01-05", "2023-01-05T00:00", "2023/01/05", "2023-01-05\n", "٢٠٢٣-01-05", "2023-12"),
        *("2023-01", "2023-13", "2023-00", "0000-01", "2023-1", "", "20230105", "45000"),
    ]
    found = loaders.parse.iso_dates(texts)
    assert sum(f is not None for f in found) == 8  # six days, two months
    for text, date in zip(texts, found, strict=True):
        if date is not None:
            assert parse_date(text) == date, text


def _tier_before(texts, keys):  # type: ignore[no-untyped-def]
    """The reference tier as pandas built it before (loaders.resolve._tier)."""
    pairs = pd.DataFrame({"text": texts, "key": keys}, dtype=object).drop_duplicates()
    pairs = pairs[pairs["text"].ne("")]
    shared = pairs["text"].duplicated(keep=False).to_numpy()
    tier = dict(zip(pairs["text"][~shared], pairs["key"][~shared], strict=True))
    several: dict[str, list[str]] = {}
    for text, key in zip(pairs["text"][shared], pairs["key"][shared], strict=True):
        several.setdefault(text, []).append(key)
    tier.update((text, tuple(keys)) for text, keys in several.items())
    return tier


SCALAR_TWINS = {  # the vectorized helpers and what each computed before, value by value
    "matching_forms": _scalar(resolve.matching_form),
    "code_keys": _scalar(lambda v: "" if v is None else resolve.code_key(str(v))),
    "strips": lambda texts: resolve.as_objects((t.strip() for t in texts.to_pylist()), len(texts)),
    "_tier": _tier_before,
    "cell_problems": lambda texts, column: {
        j: p for j, text in enumerate(texts) if (p := cell_problem(text, column))
    },
    "key_forms": lambda values: pa.array([resolve.key_form(v) for v in values], pa.string()),
    "_known_lists": lambda index, texts: [None] * len(texts),  # every list through _resolve_all
    "iso_dates": lambda texts: [None] * len(texts),  # every date through parse_date
    "splits": lambda texts: [None] * len(texts),  # every list through split
}


def test_vectorized_helpers_equal_their_per_value_twins_on_every_character() -> None:
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000 and (c < 0x10000 or c % 97 == 0)]
    texts = [*chars, *(f" Ab{ch}c \u3000{ch}{ch}\t" for ch in chars), None, "", " \n ", "Ａ\u3000ｂ"]
    for name in ("matching_forms", "code_keys", "strips"):
        given = pa.array([t for t in texts if t is not None]) if name == "strips" else texts  # cells
        assert getattr(resolve, name)(given).tolist() == SCALAR_TWINS[name](given).tolist(), name
    names, keys = ["a", "b", "a", "", "a", "c", "b", "a", ""], ["1", "2", "3", "4", "1", "5", "2", "6", "4"]
    assert (
        resolve._tier(names, keys) == _tier_before(names, keys) == {"a": ("1", "3", "6"), "b": "2", "c": "5"}
    )
    once, keys = ["a", "", "b", "c"], ["1", "2", "3", "1"]  # each text once
    assert resolve._tier(once, keys) == _tier_before(once, keys) == {"a": "1", "b": "3", "c": "1"}


BAD_UNITS = (
    "单位名称,单位类型,所属社区,简称\n"
    "坏\x01单位,国企,,\n"
    f"{'甲' * (TEXT_LIMIT + 1)},国企,,\n"
    "某单位,国企,火星社区,港、13804112345\n"
    "Ｃａｆé  Ｘ,党总支,,\n"
)


@pytest.fixture(scope="module")
def messy(tmp_path_factory: pytest.TempPathFactory) -> dict[float, list[RawSheet]]:
    """The S city written clean and at two levels of mess, read."""
    folder = tmp_path_factory.mktemp("messy")
    return {m: read_ledger(generate("S", 42, folder / str(m), mess=m)) for m in (0.0, 0.3, 1.0)}


@pytest.mark.parametrize("mess", [0.3, 1.0])
def test_the_vectorized_parse_gives_the_tables_and_problems_the_per_value_one_gives(
    messy: dict[float, list[RawSheet]], mess: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored = parse_ledger(messy[0.0]).tables  # a second ledger over a stored one, too
    bad = read_text(BAD_UNITS, "单位.csv")  # and rows with problems next to it
    fast = [parse_ledger(messy[mess]), parse_ledger(messy[mess], stored), parse_ledger([*messy[mess], bad])]
    for module in (loaders.parse, resolve):
        for name, twin in SCALAR_TWINS.items():
            if hasattr(module, name):
                monkeypatch.setattr(module, name, twin)
    slow = [parse_ledger(messy[mess]), parse_ledger(messy[mess], stored), parse_ledger([*messy[mess], bad])]
    for a, b in zip(fast, slow, strict=True):
        assert list(a.tables) == list(b.tables)
        for name in a.tables:
            pd.testing.assert_frame_equal(a.tables[name], b.tables[name])
        assert (a.problems, a.rejected, a.notes, a.cleared) == (b.problems, b.rejected, b.notes, b.cleared)
    assert sum(len(t) for t in fast[0].tables.values()) > 4_000 and not fast[0].problems  # valid input
    assert len(fast[2].problems) >= 5
