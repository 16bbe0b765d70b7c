"""A ledger in its keeper's own words: one block per root cause, then it loads unchanged once a
词表 (a sheet in the workbook, or the shared vocabulary file) says what its words mean."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from cli import main
from graph import glossary
from graph.embedded import EmbeddedStore
from graph.glossary import ORG_KIND, Vocabulary
from loaders.causes import causes
from loaders.ledger import load, validate
from loaders.vocabulary import add_word, read_words

AREAS = [
    ("名称", "层级", "上级", "编码"),
    ("中山区", "区", None, "D1"),
    ("葵英街道", "街道", "中山区", "S1"),
    *[(f"{n}社区", "社区", "葵英街道", f"C{i}") for i, n in enumerate(["林海", "泰林", "泰山", "明华"])],
]
COMMUNITIES = [row[0] for row in AREAS[3:]]
# The keeper writes 单位全称 for the name, 党总支 for a community committee (it could also be a
# unit's own party organization, so it is never mapped silently), 线上参会 for attending
# online and 协调中 for a need being worked on: 3 unknown words in 12 cells.
UNITS = [
    ("单位全称", "类型", "所属区域"),
    *[(f"{c}党总支", "党总支", c) for c in COMMUNITIES],
    *[(f"{c}物业", "物业公司", c) for c in COMMUNITIES],
]
MEETINGS = [
    ("名称", "召开日期", "主办单位", "编码"),
    *[(f"{c}联席会议", "2025-03-01", f"{c}党总支", f"M{i}") for i, c in enumerate(COMMUNITIES)],
]
ATTENDANCE = [
    ("会议", "单位", "出席情况"),
    *[(f"M{i}", f"{c}物业", "线上参会") for i, c in enumerate(COMMUNITIES)],
    *[(f"M{i}", f"{c}党总支", "出席") for i, c in enumerate(COMMUNITIES)],
]
NEEDS = [("名称", "社区", "状态"), *[(f"{c}楼道照明", c, "协调中") for c in COMMUNITIES]]
WORDS = [
    ("原词", "标准词", "列"),
    ("党总支", "社区党委", "类型"),
    ("线上参会", "出席", ""),
    ("协调中", "已认领", "状态"),
    ("单位全称", "名称", "表头"),
]


def workbook(path: Path, words: bool = False, header: str = "单位全称") -> Path:
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    units = [(header, *UNITS[0][1:]), *UNITS[1:]]
    sheets = {"区域": AREAS, "单位": units, "联席会议": MEETINGS, "参会": ATTENDANCE, "需求": NEEDS}
    if words:
        sheets["词表"] = WORDS
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EmbeddedStore]:
    s = EmbeddedStore(tmp_path / "s.sqlite")
    yield s
    s.close()


def test_a_ledger_in_its_keepers_words_fails_with_one_short_block_per_root_cause(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GONGJIAN_DATA_DIR", str(tmp_path / "data"))
    ledger = workbook(tmp_path / "台账.xlsx", header="名称")
    result = CliRunner().invoke(main, ["validate", str(ledger)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    blocks = [line for line in lines if line.startswith("[")]
    assert [b.split("值")[1].split("：")[0] for b in blocks] == ["「党总支」", "「线上参会」", "「协调中」"]
    assert len(lines) <= 1 + 3 * 4 + 1, result.output
    assert "另有 8 行引用这些行" in result.output  # 4 meetings and 4 attendance rows
    every = CliRunner().invoke(main, ["validate", str(ledger), "--all"])
    assert len(every.output.splitlines()) > len(lines)


def test_each_unknown_word_is_one_cause_with_the_closest_term_and_the_row_to_add(tmp_path: Path) -> None:
    found = causes(validate(workbook(tmp_path / "台账.xlsx", header="名称")))
    assert [(c.sheet, c.column, c.value, len(c.rows)) for c in found] == [
        ("单位", "类型", "党总支", 4),
        ("参会", "出席情况", "线上参会", 4),
        ("需求", "状态", "协调中", 4),
    ]
    kind, came, status = found
    # 党总支 is not guessed: the message says why, and the 词表 row that would say what it means
    assert "也可能是驻区单位自己的党组织" in kind.message
    assert "原词 党总支，标准词 社区党委，列 类型" in kind.message
    assert kind.term == "organization.kind"
    # the 4 meetings these units host, and the 4 attendance rows of them, fail with them
    assert kind.dependents == {"联席会议": 4, "参会": 4}
    assert "最接近的是「出席」" in came.message and "原词 线上参会，标准词 出席，列 出席情况" in came.message
    assert status.term == "need.status" and "原词 协调中" in status.message
    # no duplicate-row errors, no knock-on rows listed as causes
    assert not any("同一条" in c.message for c in found)


def snapshot(store: EmbeddedStore) -> dict[str, list[tuple[object, ...]]]:
    out = {}
    for name in ("area", "organization", "meeting", "attendance", "need"):
        table = store.table(name).drop(columns=["src_file", "src_sheet", "src_row"])
        out[name] = sorted(map(tuple, table.astype(str).to_numpy().tolist()))
    return out


def test_a_vocabulary_sheet_makes_the_same_ledger_load_unchanged(
    tmp_path: Path, store: EmbeddedStore
) -> None:
    load(workbook(tmp_path / "台账.xlsx", words=True), store)
    units = store.table("organization").set_index("name")
    assert set(units.loc[[f"{c}党总支" for c in COMMUNITIES], "kind"]) == {"community_committee"}
    assert set(store.table("attendance")["status"]) == {"present"}
    assert set(store.table("need")["status"]) == {"claimed"}
    assert store.counts()["organization"] == 8 and store.counts()["attendance"] == 8


def test_the_vocabulary_file_applies_to_every_ledger(tmp_path: Path, store: EmbeddedStore) -> None:
    shared = tmp_path / "词表.csv"
    with shared.open("w", encoding="gb18030", newline="") as f:  # as Excel saves it on a Chinese Windows
        csv.writer(f).writerows(WORDS)
    load(workbook(tmp_path / "a.xlsx", words=True), store)
    expected = snapshot(store)
    other = EmbeddedStore(tmp_path / "other.sqlite")
    load(workbook(tmp_path / "a.xlsx"), other, vocabulary=shared)
    assert snapshot(other) == expected
    other.close()


def test_bad_vocabulary_rows_are_problems_located_to_their_row(tmp_path: Path) -> None:
    shared = tmp_path / "词表.csv"
    shared.write_text(
        "原词,标准词,列\n党总支,党支部,类型\n单位全称,名字,表头\n,社区党委,\n", encoding="utf-8"
    )
    words = read_words(shared)
    assert [(p.file, p.row, p.column, p.value) for p in words.problems] == [
        ("词表.csv", 2, "标准词", "党支部"),
        ("词表.csv", 3, "标准词", "名字"),
        ("词表.csv", 4, "标准词", "社区党委"),
    ]
    assert "社区党委" in words.problems[0].message  # the accepted words are listed


def test_add_word_appends_to_the_file_keeping_its_encoding(tmp_path: Path) -> None:
    path = tmp_path / "vocab" / "词表.csv"
    add_word(path, "党总支", "社区党委", "类型")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    add_word(path, "协调中", "已认领", "状态")
    words = read_words(path)
    assert words.problems == []
    assert words.value("organization", "kind", "党总支") == "community_committee"
    assert words.value("need", "status", "协调中") == "claimed"
    assert words.value("project", "status", "协调中") == "claimed"  # 列 状态: both 状态 columns
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("原词,标准词,列\n党总支,社区党委,类型\n".encode("gb18030"))
    add_word(gbk, "代表出席", "代参", "出席情况")
    assert read_words(gbk).value("attendance", "status", "代表出席") == "substitute"


@pytest.mark.parametrize("word", ["党总支", "党支部", "两新组织", "企业"])
def test_words_that_could_mean_two_kinds_are_never_mapped(word: str) -> None:
    assert ORG_KIND.match(word) is None
    assert ORG_KIND.why_ambiguous(word)


@pytest.mark.parametrize(
    "word, kind",
    [("社区党总支", "community_committee"), ("村党委", "community_committee"), ("新社会组织", "social_org")],
)
def test_words_that_mean_one_kind_are_mapped(word: str, kind: str) -> None:
    assert ORG_KIND.match(word) == kind


def test_a_sheet_that_cannot_be_read_is_one_cause_and_what_refers_to_it_is_counted_under_it(
    tmp_path: Path,
) -> None:
    found = causes(validate(workbook(tmp_path / "台账.xlsx")))  # 单位全称: no 名称 column
    assert (found[0].sheet, found[0].column, found[0].rows) == ("单位", "名称", [])
    assert found[0].dependents == {"联席会议": 4, "参会": 4}
    assert [c.value for c in found[1:]] == ["线上参会", "协调中"]


@pytest.mark.parametrize(
    "vocabulary, word, code",
    [
        (ORG_KIND, "社区党组织", "community_committee"),  # the words of the hand-made ledger
        (glossary.ATTENDANCE, "代出席", "substitute"),
        (glossary.NEED_STATUS, "处理中", "claimed"),
        (glossary.PROJECT_STATUS, "办理中", "claimed"),
        (glossary.ATTENDANCE, "委托参加", "substitute"),
        (glossary.ATTENDANCE, "无故缺席", "absent"),
    ],
)
def test_words_real_ledgers_use_are_read_as_they_are(vocabulary: Vocabulary, word: str, code: str) -> None:
    assert vocabulary.match(word) == code
