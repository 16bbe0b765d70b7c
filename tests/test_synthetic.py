"""The synthetic city: deterministic, the right size, valid input, and a truth that the files bear out."""

from __future__ import annotations

import codecs
import csv
import io
import json
import time
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from graph.errors import GongjianError
from graph.glossary import norm
from graph.model import RECORD_TYPES
from loaders.ledger import validate
from synthetic.city import (
    NEW_SINCE,
    PERIOD_END,
    PLANT_BEFORE,
    SCALES,
    TRUTH_FILE,
    _cn,
    count_relationships,
    generate,
    sheet_fields,
    truth_path,
)

AS_OF = PERIOD_END.isoformat()
Rows = list[dict[str, str]]


def text_of(path: Path) -> str:
    """A generated CSV file as text: UTF-8 (with or without BOM), else GB18030."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def read_sheet(folder: Path, sheet: str) -> Rows:
    """A generated CSV sheet as rows keyed by header, blank rows and the note under it left out."""
    text = text_of(folder / f"{sheet}.csv")
    header, *lines = list(csv.reader(io.StringIO(text)))
    rows = []
    for cells in lines:
        if not any(cells):
            continue
        if cells[0].startswith("注") and not any(cells[1:]):
            break
        rows.append(dict(zip(header, cells, strict=True)))
    return rows


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate("S", 42, tmp_path_factory.mktemp("clean") / "city", mess=0)


@pytest.fixture(scope="module")
def messy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate("S", 42, tmp_path_factory.mktemp("messy") / "city", mess=0.3)


@pytest.fixture(scope="module")
def truth(clean: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((clean / TRUTH_FILE).read_text(encoding="utf-8"))
    return loaded


class City:
    """The clean S city read back from its files, with references resolved to unit codes."""

    def __init__(self, folder: Path) -> None:
        areas = read_sheet(folder, "区域")
        name = {a["编码"]: a["名称"] for a in areas} | {a["名称"]: a["名称"] for a in areas}
        self.street = {a["名称"]: name[a["上级"]] for a in areas if a["层级"] == "社区"}
        self.street |= {a["编码"]: self.street[a["名称"]] for a in areas if a["层级"] == "社区"}
        self.units = read_sheet(folder, "单位")
        self.code = {u["名称"]: u["编码"] for u in self.units} | {u["编码"]: u["编码"] for u in self.units}
        self.unit = {u["编码"]: u for u in self.units}
        self.meetings = {m["名称"]: m for m in read_sheet(folder, "联席会议")}
        self.meetings |= {m["编码"]: m for m in self.meetings.values()}
        self.agreements = read_sheet(folder, "共建协议")
        self.attendance = read_sheet(folder, "参会")
        self.posts = read_sheet(folder, "任职")
        self.projects = read_sheet(folder, "项目")
        self.resources = read_sheet(folder, "资源")
        self.registrations = read_sheet(folder, "报到")

    def parties(self, agreement: dict[str, str]) -> set[str]:
        return {self.code[p] for p in agreement["参与单位"].split("、")}

    def in_force(self, code: str) -> bool:
        return any(
            code in self.parties(a)
            and a["签订日期"] <= AS_OF
            and (not a["到期日期"] or a["到期日期"] > AS_OF)
            for a in self.agreements
        )

    def invitations(self, code: str, year: str = "") -> tuple[int, int]:
        """(invited, attended) meetings, in a year or in all."""
        rows = [
            r
            for r in self.attendance
            if self.code[r["单位"]] == code and self.meetings[r["会议"]]["召开日期"].startswith(year)
        ]
        return len(rows), sum(r["出席情况"] in ("出席", "代参") for r in rows)

    def activity(self, code: str) -> list[str]:
        """The dates of everything the unit did."""
        days = [
            self.meetings[r["会议"]]["召开日期"]
            for r in self.attendance
            if self.code[r["单位"]] == code and r["出席情况"] in ("出席", "代参")
        ]
        days += [a["签订日期"] for a in self.agreements if code in self.parties(a)]
        days += [
            p["开始日期"]
            for p in self.projects
            if p["参与单位"] and code in {self.code[u] for u in p["参与单位"].split("、")}
        ]
        days += [r["发布日期"] for r in self.resources if self.code[r["单位"]] == code]
        days += [r["报到日期"] for r in self.registrations if r["单位"] and self.code[r["单位"]] == code]
        return days

    def projects_of(self, code: str, year: str = "") -> int:
        return sum(
            1
            for p in self.projects
            if p["参与单位"]
            and p["开始日期"].startswith(year)
            and code in {self.code[u] for u in p["参与单位"].split("、")}
        )


@pytest.fixture(scope="module")
def city(clean: Path) -> City:
    return City(clean)


# --- determinism --------------------------------------------------------------------------


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a = generate("S", 7, tmp_path / "a")
    b = generate("S", 7, tmp_path / "b")
    assert files(a) == files(b)
    assert len(files(a)) == len(RECORD_TYPES) + 1


def test_same_seed_same_workbook(tmp_path: Path) -> None:
    a = generate("S", 7, tmp_path / "a.xlsx", fmt="xlsx")
    b = generate("S", 7, tmp_path / "b.xlsx", fmt="xlsx")
    assert a.read_bytes() == b.read_bytes()
    assert truth_path(a, "xlsx").read_bytes() == truth_path(b, "xlsx").read_bytes()


def test_other_seed_other_city(tmp_path: Path) -> None:
    a = files(generate("S", 7, tmp_path / "a"))
    b = files(generate("S", 8, tmp_path / "b"))
    assert all(a[name] != b[name] for name in a)


def test_mess_changes_the_writing_not_the_city(clean: Path, messy: Path) -> None:
    a = json.loads((clean / TRUTH_FILE).read_text(encoding="utf-8"))
    b = json.loads((messy / TRUTH_FILE).read_text(encoding="utf-8"))
    assert (a.pop("mess"), b.pop("mess")) == (0, 0.3)
    assert a == b


# --- sizes --------------------------------------------------------------------------------


def test_s_sizes(clean: Path, truth: dict[str, Any]) -> None:
    counts, sizes = truth["counts"], truth["sizes"]
    assert (counts["districts"], counts["streets"], counts["communities"]) == (1, 3, 10)
    assert counts["units"] == sizes["rows"]["单位"] == SCALES["S"].units
    assert 0.05 < counts["units_with_party_org"] / counts["units"] < 0.12  # a few percent
    assert 0.15 < counts["member_units"] / counts["units"] < 0.35
    assert 2_000 < sizes["relationships_total"] < 10_000
    assert all(sizes["rows"][r.sheet_zh] > 0 for r in RECORD_TYPES)


@pytest.mark.parametrize("fixture", ["clean", "messy"])
def test_relationships_counted_from_the_files(fixture: str, request: pytest.FixtureRequest) -> None:
    folder: Path = request.getfixturevalue(fixture)
    sizes = json.loads((folder / TRUTH_FILE).read_text(encoding="utf-8"))["sizes"]
    counted = count_relationships(folder)
    assert counted.pop("total") == sizes["relationships_total"]
    assert counted == sizes["relationships"]


def test_count_relationships_of_tables() -> None:
    tables = {
        "area": [{"name": "林海社区", "parent": "葵英街道"}, {"name": "大连市", "parent": None}],
        "organization": [{"name": "太太好粥店", "area": "林海社区"}],
        "agreement": [{"title": "协议", "parties": ("林海社区党总支", "太太好粥店", "葵英派出所")}],
        "project": [
            {"title": "迎春美食节", "contributors": "太太好粥店；葵英派出所", "community": "林海社区"}
        ],
        "attendance": [{"meeting": "一月会议", "org": "太太好粥店"}] * 2,
    }
    assert count_relationships(tables) == {
        "area": 1,
        "organization": 1,
        "agreement": 3,
        "project": 3,
        "attendance": 2,
        "total": 10,
    }


def test_m_relationships(tmp_path: Path) -> None:
    started = time.perf_counter()
    folder = generate("M", 1, tmp_path / "m")
    assert time.perf_counter() - started < 30
    truth = json.loads((folder / TRUTH_FILE).read_text(encoding="utf-8"))
    assert 8_000 < truth["counts"]["units"] <= 10_000
    assert (truth["counts"]["streets"], truth["counts"]["communities"]) == (10, 100)
    assert 80_000 < count_relationships(folder)["total"] == truth["sizes"]["relationships_total"] < 130_000


def test_progress_reaches_the_end(tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    generate("S", 1, tmp_path / "s", progress=lambda done, total: seen.append((done, total)))
    assert seen[-1][0] == seen[-1][1]
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


# --- files and encodings ------------------------------------------------------------------


def test_encodings(clean: Path) -> None:
    units = (clean / "单位.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        units.decode("utf-8")
    assert units.decode("gb18030").startswith("编码,名称,类型")
    assert (clean / "人员.csv").read_bytes().startswith(codecs.BOM_UTF8)
    for name in ("区域", "任职", "共建协议", "联席会议", "参会", "项目", "需求", "资源", "报到"):
        data = (clean / f"{name}.csv").read_bytes()
        assert not data.startswith(codecs.BOM_UTF8)
        data.decode("utf-8")


def test_every_character_is_in_gbk(messy: Path) -> None:
    for path in messy.glob("*.csv"):
        text_of(path).encode("gbk")


def test_headers_follow_the_model(clean: Path) -> None:
    for record in RECORD_TYPES:
        header = next(csv.reader(io.StringIO(text_of(clean / f"{record.sheet_zh}.csv"))))
        assert (header[0] == "编码") is record.is_node
        assert [h for h in header if h not in ("身份证号", "联系电话")] == [
            record.column(f).zh[0] for f in sheet_fields(record)
        ]
        assert {c.zh[0] for c in record.columns if c.required} <= set(header)


def test_names_unique_after_normalization(city: City) -> None:
    names = [u["名称"] for u in city.units] + [a for u in city.units for a in u["简称"].split("、") if a]
    assert len({norm(n) for n in names}) == len(names)
    assert all(n == n.strip() for n in names)


def test_people_carry_fake_personal_data(messy: Path) -> None:
    people = read_sheet(messy, "人员")
    ids = [p["身份证号"] for p in people]
    assert all(len(i) in (15, 18) for i in ids)
    assert any(i.endswith("000") for i in ids) and any(i.endswith("x") for i in ids)
    assert any("；" in p["联系电话"] or "/" in p["联系电话"] for p in people)
    names = Counter(p["姓名"] for p in people)
    posts = read_sheet(messy, "任职")
    assert all(p["人员"].startswith("P") or names[p["人员"]] == 1 for p in posts)


# --- the ledger is valid input ------------------------------------------------------------


@pytest.mark.parametrize("fixture", ["clean", "messy"])
def test_loads_without_problems(fixture: str, request: pytest.FixtureRequest) -> None:
    assert validate(request.getfixturevalue(fixture)) == []


def test_workbook_loads_without_problems(tmp_path: Path) -> None:
    book = generate("S", 3, tmp_path / "city.xlsx", mess=0.3, fmt="xlsx")
    assert truth_path(book, "xlsx") == tmp_path / "city.truth.json"
    assert truth_path(book, "xlsx").exists()
    workbook = openpyxl.load_workbook(book, read_only=True)
    assert workbook.sheetnames == [r.sheet_zh for r in RECORD_TYPES]
    days = [row[2] for row in workbook["联席会议"].iter_rows(min_row=2, values_only=True) if len(row) > 2]
    assert any(isinstance(d, datetime) for d in days)
    assert any(isinstance(d, int) and 44927 <= d <= 46022 for d in days)  # Excel day numbers
    workbook.close()
    assert validate(book) == []


def test_mess_shows(messy: Path, city: City) -> None:
    aliases = {a for u in city.units for a in u["简称"].split("、") if a}
    names = {u["名称"] for u in city.units}
    parties = [
        p for a in read_sheet(messy, "共建协议") for p in a["参与单位"].replace("；", "、").split("、")
    ]
    assert any(p in aliases for p in parties)
    assert any(p not in names and p not in aliases and norm(p) in {norm(n) for n in names} for p in parties)
    assert any("\u3000" in p for p in parties)
    dates = [m["召开日期"] for m in read_sheet(messy, "联席会议")]
    assert any("年" in d for d in dates) and any("/" in d for d in dates)
    assert any(len(d) <= 7 and "." in d for d in dates)  # a month only: 2023.5
    lines = (messy / "单位.csv").read_bytes().decode("gb18030").splitlines()
    assert lines[-1].startswith("注：") and any(not line.strip(",") for line in lines)


def test_no_mess_means_clean(city: City) -> None:
    names = set(city.code)
    assert all(p in names for a in city.agreements for p in a["参与单位"].split("、"))
    assert all(len(m["召开日期"]) == 10 for m in city.meetings.values())
    assert all(u["是否建立党组织"] in ("是", "否") for u in city.units)


# --- the truth ----------------------------------------------------------------------------


def test_truth_lists(truth: dict[str, Any]) -> None:
    assert truth["scale"] == "S" and truth["seed"] == 42
    members = truth["counts"]["member_units"]
    assert 0.05 <= len(truth["under_engaged"]) / members <= 0.11
    assert truth["newly_joined"] and truth["dropped"]
    lists = [set(truth[k]) for k in ("under_engaged", "newly_joined", "dropped")]
    assert not (lists[0] & lists[1] or lists[0] & lists[2] or lists[1] & lists[2])


def test_under_engaged_in_the_files(truth: dict[str, Any], city: City) -> None:
    for name, case in truth["under_engaged"].items():
        code = case["code"]
        unit = city.unit[code]
        assert unit["名称"] == name and city.code[name] == code
        assert unit["加入日期"] and unit["加入日期"] < PLANT_BEFORE.isoformat()
        assert {"skips_meetings", "no_agreement"} <= set(case["reasons"])
        assert not city.in_force(code)
        invited, attended = city.invitations(code)
        assert (invited, attended) == (case["invited"], case["attended"])
        assert invited >= 5 and attended <= 0.2 * invited
        assert city.projects_of(code) == 0
        if case["dormant_since"]:
            assert "dormant_since" in case["reasons"]
            assert all(day < case["dormant_since"] for day in city.activity(code))


def test_under_engaged_hold_no_seat(truth: dict[str, Any], city: City) -> None:
    leaders = {
        p["人员"]
        for p in city.posts
        if city.code[p["单位"]] in {c["code"] for c in truth["under_engaged"].values()}
    }
    committees = {u["编码"] for u in city.units if u["类型"] in ("街道党工委", "社区党委")}
    seats = [
        p
        for p in city.posts
        if p["人员"] in leaders
        and city.code[p["单位"]] in committees
        and p["是否兼职"] == "是"
        and not p["离任日期"]
    ]
    assert seats == []


def test_other_members_take_part(truth: dict[str, Any], city: City) -> None:
    """Member units in none of the lists attend, hold an agreement and claim projects every year,
    so each under-engaged unit stands out among its peers (same kind, same street)."""
    listed = {c["code"] for k in ("under_engaged", "newly_joined", "dropped") for c in truth[k].values()}
    peers: Counter[tuple[str, str]] = Counter()
    for unit in city.units:
        code, joined = unit["编码"], unit["加入日期"]
        if code in listed or not joined or joined >= PLANT_BEFORE.isoformat():
            continue
        invited, attended = city.invitations(code)
        assert attended >= 0.7 * invited
        assert city.in_force(code)
        years = ("2023", "2024", "2025") if joined < "2023-10-01" else ("2024", "2025")
        assert all(city.projects_of(code, year) >= 1 for year in years)
        peers[unit["类型"], city.street[unit["所属区域"]]] += 1
    assert all(peers[c["kind"], c["street"]] >= 2 for c in truth["under_engaged"].values())


def test_units_that_have_not_joined_take_no_part(city: City) -> None:
    outside = {
        u["编码"] for u in city.units if not u["加入日期"] and u["类型"] not in ("街道党工委", "社区党委")
    }
    assert len(outside) > len(city.units) / 2
    assert not outside & {city.code[r["单位"]] for r in city.attendance}
    assert not outside & {city.code[p["单位"]] for p in city.posts}
    assert not outside & {p for a in city.agreements for p in city.parties(a)}
    assert not outside & {city.code[r["单位"]] for r in city.registrations if r["单位"]}


def test_newly_joined_in_the_files(truth: dict[str, Any], city: City) -> None:
    for name, case in truth["newly_joined"].items():
        unit = city.unit[case["code"]]
        assert unit["名称"] == name
        assert NEW_SINCE.isoformat() <= unit["加入日期"] <= AS_OF
    joined = {u["编码"] for u in city.units if u["加入日期"] >= NEW_SINCE.isoformat()}
    assert joined == {c["code"] for c in truth["newly_joined"].values()}


def test_dropped_in_the_files(truth: dict[str, Any], city: City) -> None:
    for case in truth["dropped"].values():
        code = case["code"]
        invited, attended = city.invitations(code, "2024")
        assert attended >= 0.7 * invited > 0
        invited, attended = city.invitations(code, "2025")
        assert attended <= 0.15 * invited
        assert city.projects_of(code, "2024") >= 1 and city.projects_of(code, "2025") == 0
        assert (case["attended_2025"], case["projects_2025"]) == (attended, 0)


# --- errors and small parts ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("scale", "fmt", "mess", "words"),
    [
        ("XXL", "csv", 0.05, "Unknown scale"),
        ("M", "xlsx", 0.05, "fmt='csv'"),
        ("S", "json", 0.05, "Unknown format"),
        ("S", "csv", 2.0, "between 0 and 1"),
    ],
)
def test_bad_arguments(tmp_path: Path, scale: str, fmt: str, mess: float, words: str) -> None:
    with pytest.raises(GongjianError, match=words):
        generate(scale, 1, tmp_path / "x", mess=mess, fmt=fmt)


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1, "一"),
        (10, "十"),
        (12, "十二"),
        (24, "二十四"),
        (100, "一百"),
        (105, "一百零五"),
        (112, "一百一十二"),
        (160, "一百六十"),
    ],
)
def test_chinese_numerals(n: int, text: str) -> None:
    assert _cn(n) == text


def test_truth_dates_are_days(truth: dict[str, Any]) -> None:
    for case in truth["under_engaged"].values():
        date.fromisoformat(case["joined"])
        if case["dormant_since"]:
            assert date.fromisoformat(case["dormant_since"]).day == 1
