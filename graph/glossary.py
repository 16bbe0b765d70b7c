"""One glossary: every fixed vocabulary with its Chinese and English labels.

Loaders read ledger values through it (a value matches a code, a label or a synonym, after
NFKC normalization) and the interface shows labels from it, so both speak the same words.
Column headers live next to their fields in :mod:`graph.model`.
"""

from __future__ import annotations

import difflib
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
    """A fixed vocabulary. ``ambiguous``: words real ledgers use that could mean two terms, with
    why; they are never mapped silently (a keeper's 词表 row says what they mean in that ledger)."""

    name: str
    terms: tuple[Term, ...]
    ambiguous: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        index: dict[str, str] = {}
        for term in self.terms:
            for word in (term.code, term.zh, term.en, *term.synonyms):
                index[norm(word)] = term.code
        assert not {norm(w) for w, _ in self.ambiguous} & set(index), "a word is either mapped or ambiguous"
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

    def why_ambiguous(self, value: str) -> str | None:
        """Why a word is not mapped, when it is a known ambiguous one."""
        return next((why for word, why in self.ambiguous if norm(word) == norm(value)), None)

    def closest(self, value: str) -> str | None:
        """The code whose label or synonym is closest to an unknown value, if any is close."""
        index: dict[str, str] = self._index  # type: ignore[attr-defined]
        words = [w for w in index if len(w) > 1 or len(norm(value)) == 1]
        close = difflib.get_close_matches(norm(value), words, n=1, cutoff=0.4)
        return index[close[0]] if close else None


# What the interface calls a person holding a seat on a committee (the rule: graph.rules).
SEAT_MEMBER = "兼职委员"

# Words from real 区域化党建 ledgers and templates (驻区单位 lists, 联席会议 sign-in sheets,
# 三张清单 "居民点单、社区派单、单位接单"). A word goes into a term's synonyms only when, in
# that column, it can mean nothing else; otherwise into ``ambiguous`` with the reason.
ORG_KIND = Vocabulary(
    "org_kind",
    (
        Term(
            "district_committee",
            "区域化党建指导委员会",
            "district guidance committee",
            ("区域化党建工作指导委员会", "区党建指导委员会"),
        ),
        Term(
            "street_committee",
            "街道党工委",
            "street committee",
            ("街道", "街道党委", "街道办事处", "街道党工委会", "乡镇党委", "镇党委"),
        ),
        Term(
            "community_committee",
            "社区党委",
            "community committee",
            (
                "社区党总支",
                "社区党支部",
                "社区",
                "社区党组织",
                "村党组织",
                "村(社区)党组织",
                "村党委",
                "村党总支",
                "村党支部",
            ),
        ),
        Term(
            "soe",
            "国企",
            "state-owned enterprise",
            ("国有企业", "央企", "国有", "国有控股企业", "国有独资企业"),
        ),
        Term(
            "private_firm",
            "非公企业",
            "private firm",
            (
                "民营企业",
                "私营企业",
                "非公",
                "非公有制企业",
                "新经济组织",
                "民企",
                "外资企业",
                "外商投资企业",
            ),
        ),
        Term(
            "military_police",
            "军警单位",
            "military/police",
            ("部队", "军队", "公安", "派出所", "武警", "驻军"),
        ),
        Term("school", "学校", "school", ("中学", "小学", "幼儿园", "高校", "大学", "职业学校")),
        Term("hospital", "医院", "hospital", ("卫生院", "卫生服务中心", "社区卫生服务中心", "医疗机构")),
        Term(
            "government",
            "机关事业单位",
            "government body",
            ("机关", "事业单位", "政府机关", "行政机关", "党政机关", "机关单位"),
        ),
        Term(
            "social_org",
            "社会组织",
            "social organization",
            ("协会", "社团", "新社会组织", "社会团体", "民办非企业单位", "基金会"),
        ),
        Term("property_company", "物业公司", "property company", ("物业", "物业服务企业")),
        Term("owners_committee", "业主委员会", "owners' committee", ("业委会",)),
        Term(
            "residents_committee",
            "居委会",
            "residents' committee",
            ("居民委员会", "社区居委会", "社区居民委员会", "村委会", "村民委员会"),
        ),
        Term("shop", "商户", "shop", ("商铺", "门店", "个体工商户", "店铺", "个体户", "商店")),
        Term("other", "其他", "other", ("其它",)),
    ),
    ambiguous=(
        (
            "党总支",
            "党总支可能是社区党组织（社区党委），也可能是驻区单位自己的党组织，后者应填该单位本身的类型"
            "（国企、学校…）",
        ),
        (
            "党支部",
            "党支部可能是社区党组织（社区党委），也可能是驻区单位自己的党组织，后者应填该单位本身的类型",
        ),
        ("党委", "党委可能是街道党工委、社区党委，也可能是驻区单位自己的党组织"),
        ("党组织", "党组织可能是街道、社区的党组织，也可能是驻区单位自己的党组织"),
        ("两新组织", "两新组织包括新经济组织（非公企业）和新社会组织（社会组织）两类"),
        ("企业", "企业可能是国企，也可能是非公企业"),
    ),
)

AREA_LEVEL = Vocabulary(
    "area_level",
    (
        Term("city", "市", "city", ("地级市",)),
        Term("district", "区", "district", ("区县", "县", "区级", "县级市")),
        Term("street", "街道", "street", ("乡镇", "镇", "街道级", "乡", "街道办事处", "街道办")),
        Term("community", "社区", "community", ("村", "社区级", "村(社区)", "居委会")),
    ),
)

ATTENDANCE = Vocabulary(
    "attendance",
    (
        Term(
            "present",
            "出席",
            "present",
            ("参加", "到会", "已参加", "是", "√", "参会", "已参会", "出席会议", "列席", "实到"),
        ),
        Term(
            "substitute",
            "代参",
            "substitute",
            (
                "委托参加",
                "代为参加",
                "代会",
                "代出席",
                "委托出席",
                "代参加",
                "委派参加",
                "替代出席",
                "派员参加",
            ),
        ),
        Term("excused", "请假", "excused", ("因事请假", "事假", "病假", "公假", "请假未参加")),
        Term(
            "absent",
            "缺席",
            "absent",
            ("未参加", "未到", "否", "×", "无故缺席", "未出席", "未参会", "未到会", "旷会"),
        ),
    ),
)

PROJECT_STATUS = Vocabulary(
    "project_status",
    (
        Term("open", "待认领", "open", ("未认领", "待接单", "未接单")),
        Term(
            "claimed",
            "领办中",
            "in progress",
            ("已认领", "进行中", "实施中", "处理中", "办理中", "推进中", "已接单", "领办"),
        ),
        Term("done", "已办结", "completed", ("已完成", "完成", "办结", "已结项", "结项")),
    ),
)

NEED_STATUS = Vocabulary(
    "need_status",
    (
        Term("open", "待认领", "open", ("未认领", "未解决", "待解决", "待接单", "未接单")),
        Term("claimed", "已认领", "claimed", ("领办中", "解决中", "处理中", "办理中", "已接单", "已对接")),
        Term("closed", "已解决", "closed", ("已办结", "已完成", "办结", "已满足", "已实现")),
    ),
)

BOOLEAN = Vocabulary(
    "boolean",
    (
        Term("true", "是", "yes", ("有", "已建立", "已建", "y", "1", "√", "true", "中共党员", "党员")),
        Term("false", "否", "no", ("无", "未建立", "未建", "n", "0", "×", "false", "群众", "非党员")),
    ),
)

VOCABULARIES = {v.name: v for v in (ORG_KIND, AREA_LEVEL, ATTENDANCE, PROJECT_STATUS, NEED_STATUS, BOOLEAN)}

# Interface words shared by the app and the CLI.
LABELS: dict[str, tuple[str, str]] = {
    "app_title": ("共建 · 区域化党建关系图谱", "Gongjian · co-building network"),
    "empty_store": (
        "存储中还没有数据。运行 `gongjian demo` 或 `gongjian load 台账.xlsx` 导入台账，或在「数据」页上传台账。",
        "The store is empty. Run `gongjian demo` or `gongjian load LEDGER.xlsx`, or upload a ledger on the Data page.",
    ),
    "records": ("记录数", "Records"),
    "store": ("存储", "Store"),
    # pages
    "overview": ("总览", "Overview"),
    "network": ("网络", "Network"),
    "unit": ("单位", "Unit"),
    "cross": ("交叉任职", "Cross-appointments"),
    "query": ("查询", "Query"),
    "data": ("数据", "Data"),
    # sidebar
    "language": ("语言", "Language"),
    "scope": ("范围", "Scope"),
    "district": ("区", "District"),
    "street": ("街道", "Street"),
    "community": ("社区", "Community"),
    "all": ("全部", "All"),
    "all_areas": ("全部区域", "All areas"),
    "all_kinds": ("全部类型", "All kinds"),
    "period": ("时段（季度）", "Period (quarters)"),
    "unit_kinds": ("单位类型", "Unit kinds"),
    "mask_names": ("隐去姓名", "Mask names"),
    "password": ("密码", "Password"),
    "sign_in": ("登录", "Sign in"),
    "wrong_password": ("密码不正确。", "Wrong password."),
    "names_masked": ("姓名已按设置隐去。", "Names are masked by the mask_names setting."),
    "store_kind": ("存储位置", "Store"),
    "store_embedded": ("内置（SQLite）", "Embedded (SQLite)"),
    "store_neo4j": ("Neo4j", "Neo4j"),
    "store_unavailable": ("无法打开存储：", "Cannot open the store: "),
    # overview
    "units_in_scope": ("范围内单位", "Units in scope"),
    "member_units": ("共建成员单位", "Member units"),
    "party_orgs": ("建有党组织的单位", "Units with a party organization"),
    "coverage": ("成员单位覆盖情况", "Coverage of member units"),
    "coverage_help": (
        "分母为时段结束前已加入共建平台的成员单位（不含区、街道、社区三级党组织）。"
        "协议：时段内有在效的共建协议；席位：本职在本单位的人员在其所在社区、街道或区的党组织担任兼职委员；"
        "参会：时段内出席或委托代参过联席会议。",
        "Out of the units that joined the platform by the end of the period (the committees of the "
        "three levels excluded). Agreement: party to an agreement in force in the period; seat: someone "
        "whose own post is in the unit holds a part-time seat on the committee of its community, street "
        "or district; attended: present or represented at a joint meeting in the period.",
    ),
    "agreement": ("有在效共建协议", "Agreement in force"),
    "seat": ("有兼职委员席位", "Committee seat"),
    "attended": ("参加过联席会议", "Attended a meeting"),
    "by_district": ("各区覆盖率", "Coverage by district"),
    "by_street": ("各街道覆盖率", "Coverage by street"),
    "by_community": ("各社区覆盖率", "Coverage by community"),
    "trend": ("季度趋势", "Trend by quarter"),
    "change_log": ("本期变化", "What changed in the period"),
    "change_log_help": (
        "由台账中的日期得出：协议签订与到期、兼职委员与交叉任职的开始与结束、报到与撤销、单位加入、项目办结、"
        "连续3次以上未出席联席会议。到期、结束、撤销记在其后第一天所在的时段。",
        "From the ledger's dates: agreements signed and expired, seats and cross-appointments begun and "
        "ended, registrations made and withdrawn, units joined, projects completed, three or more "
        "meetings missed in a row. An ending counts in the period of the day after it.",
    ),
    "change_log_large": (
        "显示本期变化（范围内有 {units:,} 个单位，需要一些时间）",
        "Show what changed ({units:,} units in scope: this takes a while)",
    ),
    "change_counts": ("共 {total} 项变化：{counts}。", "{total} changes: {counts}."),
    "event": ("变化", "Change"),
    "event_kind": ("类别", "Kind"),
    "ev_unit_joined": ("加入平台", "joined"),
    "ev_agreement_signed": ("签订协议", "agreement signed"),
    "ev_agreement_expired": ("协议到期", "agreement expired"),
    "ev_seat_began": ("兼职委员任期开始", "seat began"),
    "ev_seat_ended": ("兼职委员任期结束", "seat ended"),
    "ev_post_began": ("党组织成员到单位任职", "committee member's post began"),
    "ev_post_ended": ("党组织成员在单位任职结束", "committee member's post ended"),
    "ev_registration_made": ("单位报到", "registered"),
    "ev_registration_withdrawn": ("撤销报到", "registration withdrawn"),
    "ev_members_registered": ("在职党员报到", "members registered"),
    "ev_project_completed": ("项目办结", "project completed"),
    "ev_meetings_missed": ("连续未出席", "meetings missed in a row"),
    "ev_flag_raised": ("新增预警", "flag raised"),
    "ev_flag_cleared": ("解除预警", "flag cleared"),
    "member_list": ("逐个成员单位", "Each member unit"),
    "quarter": ("季度", "Quarter"),
    "by_area": ("按区域统计单位", "Units by area"),
    "by_kind": ("按类型统计单位", "Units by kind"),
    "kind": ("类型", "Kind"),
    "units": ("单位数", "Units"),
    "store_records": ("存储中的全部记录", "Everything in the store"),
    # relationships
    "rel_HOLDS": ("任职", "holds a post"),
    "rel_PARTY_TO": ("签订协议", "party to"),
    "rel_ATTENDED": ("参会", "attended"),
    "rel_HOSTS": ("主办", "hosts"),
    "rel_CONTRIBUTES": ("参与项目", "contributes to"),
    "rel_REGISTERED": ("报到", "registered"),
    "rel_IN_AREA": ("位于", "located in"),
    "rel_PART_OF": ("隶属", "part of"),
    "rel_OFFERS": ("提供资源", "offers"),
    "rel_SERVES": ("服务社区", "serves"),
    "rel_RAISED_IN": ("提出于", "raised in"),
    "rel_ANSWERS": ("回应需求", "answers"),
    # network
    "rollup_label": ("{area}：其余 {count} 个", "{area}: {count} more"),
    "legend_rollup": ("汇总节点（按区域合并）", "Rolled up by area"),
    "party_members": ("党员人数", "Party members"),
    "joined": ("加入日期", "Joined"),
    "ties": ("关系数", "Ties"),
    "net_mode": ("查看", "Show"),
    "net_scope": ("范围网络", "Scope network"),
    "net_ego": ("个体网络", "Ego network"),
    "net_path": ("最短连接", "Shortest connection"),
    "net_options": ("关系类型、节点大小与数量上限", "Relationship types, node size and cap"),
    "rel_types": ("关系类型", "Relationship types"),
    "size_by": ("节点大小", "Node size"),
    "measure_degree": ("关系数", "Ties"),
    "measure_betweenness": ("中介度", "Betweenness"),
    "measure_party_members": ("党员人数", "Party members"),
    "node_cap": ("节点上限", "Node cap"),
    "pick_smaller": (
        "范围内有 {units:,} 个单位，整张网络太大、无法绘制。请在左侧选择区、街道或社区。",
        "The scope holds {units:,} units, too many to draw. Choose a district, street or community on the left.",
    ),
    "ego_search": ("搜索单位或人员", "Search a unit or person"),
    "search_hint": ("名称、简称或编码", "Name, short name or code"),
    "matches": ("搜索结果", "Matches"),
    "nothing_found": (
        "没有找到。换个写法或简称试试。",
        "Nothing found. Try another spelling or the short name.",
    ),
    "depth": ("层数", "Depth"),
    "ego_hint": (
        "搜索一个单位或人员，查看与其相连的网络。",
        "Search a unit or person to see the network around it.",
    ),
    "path_from": ("从单位", "From unit"),
    "path_to": ("到单位", "To unit"),
    "path_hint": (
        "选择两个单位，查看二者之间最短的连接。",
        "Choose two units to see the shortest connection between them.",
    ),
    "no_path": (
        "在所选关系类型和时段内，{a} 与 {b} 之间没有连接。可以在上方增加关系类型或放宽时段。",
        "No connection between {a} and {b} through the chosen relationship types in this period; "
        "add relationship types above or widen the period.",
    ),
    "step": ("步", "Step"),
    "connection": ("连接", "Connection"),
    "nothing_to_draw": (
        "所选范围和关系类型下没有可显示的关系。",
        "Nothing to draw for this scope and these relationship types.",
    ),
    "capped": (
        "为保持清晰，只画出关系最多的 {shown:,} 个节点（共 {total:,} 个）；其余 {rolled:,} 个按区域合并为 {groups:,} 个汇总节点。可在上方提高节点上限或缩小范围。",
        "To stay readable, only the {shown:,} most connected of {total:,} nodes are drawn; the other "
        "{rolled:,} are rolled up into {groups:,} area nodes. Raise the node cap above or narrow the scope.",
    ),
    "net_counts": ("{nodes:,} 个节点，{edges:,} 条连线。", "{nodes:,} nodes, {edges:,} lines."),
    # network explorer (issue 10)
    "search_all": (
        "搜索一切：单位、简称、编码、人员、协议、联合体、会议、项目、需求、资源、区域",
        "Search anything: units, people, agreements, meetings, projects, areas",
    ),
    "search_go": ("搜索", "Search"),
    "net_explore": ("探索", "Explore"),
    "net_picture": ("汇总图", "Aggregated"),
    "net_interlock": ("共有人员", "Interlocks"),
    "expand": ("展开", "Expand"),
    "open_unit": ("打开单位页", "Open unit page"),
    "expanded_nodes": ("已展开：{count} 个节点", "Expanded: {count} nodes"),
    "reset_canvas": ("清除展开", "Clear expansions"),
    "details": ("详情", "Details"),
    "click_hint": (
        "单击节点查看详情；双击或点“展开”加入其相邻节点；单位可直接打开单位页。",
        "Click a node for its details; double-click or press Expand to add its neighbours; open a unit's page from it.",
    ),
    "score": ("参与度得分", "Engagement score"),
    "units_count": ("单位数", "Units"),
    "inner_ties": ("内部关系数", "Ties inside"),
    "legend_group": ("单位组（大小为单位数）", "Group of units (size: units)"),
    "legend_partner": ("直接伙伴（外圈，半透明）", "Direct partner (outer ring, faded)"),
    "legend_added": ("本季度新出现", "Appeared this quarter"),
    "legend_ended": ("本季度结束", "Ended this quarter"),
    "shared_people": ("共有人员", "Shared people"),
    "shared_agreements": ("共同协议", "Shared agreements"),
    "shared_projects": ("共同项目", "Shared projects"),
    "group_by": ("分组", "Group by"),
    "group_area": ("按下级区域", "By area below"),
    "group_cluster": ("按聚类（Louvain）", "By cluster (Louvain)"),
    "drill": ("进入分组", "Drill into"),
    "group_hint": (
        "双击该组或点其下的“展开”进入，看组内单位及其直接伙伴。",
        "Double-click the group, or press Expand under it, to see its units and their direct partners.",
    ),
    "whole_picture": ("全部分组", "All groups"),
    "whole_period": ("整个时段", "Whole period"),
    "cluster": ("聚类", "Cluster"),
    "quarter_changes": (
        "{quarter}：新出现 {added_nodes} 个单位、{added_edges} 条关系；结束 {ended_nodes} 个单位、{ended_edges} 条关系（与上季度相比）。",
        "{quarter}: {added_nodes} units and {added_edges} ties appeared, {ended_nodes} units and {ended_edges} ties ended (against the previous quarter).",
    ),
    "search_everywhere_hint": ("单位、人员、协议、会议……", "Units, people, agreements…"),
    "not_in_period": (
        "{name} 在所选时段（{period}）内不存在或已结束，图中只画出与之相连、仍在时段内的部分。可在左侧调整时段。",
        "{name} does not hold in the chosen period ({period}); only what it ties to in the period is drawn. Change the period on the left.",
    ),
    "pick_area_first": ("请在左侧选择区或街道。", "Choose a district or street on the left."),
    "drawing": ("正在绘制网络…", "Drawing the network…"),
    "download_html": ("下载网络图（HTML，可离线打开）", "Download the view (HTML, works offline)"),
    # unit profile
    "unit_search": ("搜索单位", "Search a unit"),
    "unit_hint": (
        "输入单位名称、简称或编码，或在其他页面的表格中点选一行。",
        "Type a unit's name, short name or code, or pick a row in a table on another page.",
    ),
    "aliases": ("简称", "Also known as"),
    "not_member": ("未加入", "Not a member"),
    "has_party_org": ("建有党组织", "Party organization"),
    "open_ego": ("在网络中查看", "Show in the network"),
    "people_posts": ("人员与任职", "People and posts"),
    "none": ("无记录。", "None recorded."),
    "person": ("人员", "Person"),
    "role": ("职务", "Role"),
    "part_time": ("兼职", "Part-time"),
    "start": ("开始", "From"),
    "end": ("结束", "To"),
    "cross_marked": ("交叉任职", "Cross-appointed"),
    "elsewhere": ("在其他单位任职", "Posts elsewhere"),
    "agreements": ("共建协议", "Agreements"),
    "title": ("名称", "Title"),
    "signed": ("签订日期", "Signed"),
    "expires": ("到期日期", "Expires"),
    "parties": ("参与单位数", "Parties"),
    "in_force_in_period": ("时段内在效", "In force in the period"),
    "meetings": ("联席会议", "Joint meetings"),
    "attendance_in_period": (
        "时段内受邀 {invited} 次：出席 {present}，代参 {substitute}，请假 {excused}，缺席 {absent}"
        "（下表与时间轴只列时段内的会议；全部受邀 {total} 次）。",
        "Invited {invited} times in the period: present {present}, substitute {substitute}, "
        "excused {excused}, absent {absent} (the table and timeline list the period's meetings; "
        "{total} invitations in all).",
    ),
    "none_in_period": (
        "时段内无受邀记录（全部受邀 {total} 次）。",
        "No invitations in the period ({total} in all).",
    ),
    "date": ("日期", "Date"),
    "status": ("状态", "Status"),
    "level": ("层级", "Level"),
    "attendee": ("参会人员", "Attended by"),
    "projects": ("项目", "Projects"),
    "category": ("类别", "Category"),
    "resources": ("资源", "Resources"),
    "published": ("发布日期", "Published"),
    "registrations": ("报到", "Registrations"),
    "registrations_summary": (
        "{people} 名在职党员报到，累计服务 {hours:,.1f} 小时。",
        "{people} in-service members registered, {hours:,.1f} service hours in all.",
    ),
    "unit_itself": ("（单位报到）", "(the unit itself)"),
    "withdrawn": ("撤销日期", "Withdrawn"),
    "hours": ("服务时长", "Hours"),
    "row_opens_unit": ("点选一行可打开该单位的详情。", "Click a row to open that unit's profile."),
    "showing_rows": (
        "显示前 {shown:,} 行，共 {total:,} 行；CSV 和 Excel 下载包含全部行。",
        "Showing {shown:,} of {total:,} rows; the CSV and Excel downloads hold all of them.",
    ),
    # cross-appointments
    "bridging_people": ("跨单位任职人员", "People bridging organizations"),
    "bridging_help": (
        "时段内在两个或以上单位（含街道、社区党组织）任职的人员，仅列在范围内单位任职者。",
        "People holding posts in two or more organizations (committees included) in the period, "
        "with a post in a unit in scope.",
    ),
    "organizations": ("任职单位数", "Organizations"),
    "posts": ("任职", "Posts"),
    "level_ties": ("各级党组织与成员单位的双向任职", "Committees at each level and their member units"),
    "level_ties_help": (
        "三级协调机构：区域化党建指导委员会（区）、党建协调委员会（街道）、兼职委员联席会（社区）。"
        "单位→党组织：本职在单位的人员在该党组织担任兼职委员；党组织→单位：本职在该党组织的人员在单位任职。"
        "双向：两者都有。每个成员单位与其所在社区、街道（及区）的党组织各算一行。",
        "The three levels: the district guidance committee, the street coordination committee and the "
        "community joint meeting. Unit → committee: someone whose own post is in the unit holds a "
        "part-time seat on the committee; committee → unit: someone whose own post is on the committee "
        "holds a post in the unit. Both: the two together. One row per member unit and each committee "
        "above it (its community's, its street's, its district's).",
    ),
    "dir_both": ("双向", "Both ways"),
    "dir_unit_to_committee": ("仅单位→党组织", "Unit → committee only"),
    "dir_committee_to_unit": ("仅党组织→单位", "Committee → unit only"),
    "dir_none": ("无交叉任职", "None"),
    "committee": ("党组织", "Committee"),
    "area": ("所在区域", "Area"),
    "up_people": ("单位→党组织（人员）", "Unit → committee (people)"),
    "down_people": ("党组织→单位（人员）", "Committee → unit (people)"),
    "by_committee": ("各党组织", "Each committee"),
    "with_seat_units": ("有兼职委员席位的成员单位", "Member units with a seat"),
    "with_agreement_units": ("有在期共建协议的成员单位", "Member units with an agreement in force"),
    "attended_units": ("参加过联席会议的成员单位", "Member units that attended a meeting"),
    "cross_people": ("交叉任职人员", "Cross-appointed people"),
    "unit_ties": ("各成员单位的交叉任职", "Each member unit's ties"),
    "direction": ("方向", "Direction"),
    "through": ("经由人员", "Through"),
    # data
    "upload": ("上传台账", "Upload a ledger"),
    "upload_help": (
        "一个 Excel 工作簿（.xlsx / .xls），或同一台账的多个 CSV 文件（区域.csv、单位.csv……）。",
        "One Excel workbook (.xlsx / .xls), or the CSV files of one ledger (区域.csv, 单位.csv, ...).",
    ),
    "upload_hint": (
        "上传后先检查全部问题，确认无误再导入。可用 `gongjian template` 生成空白模板。",
        "An upload is checked first; load it once it is clean. `gongjian template` writes a blank template.",
    ),
    "upload_too_large": (
        "上传的文件共 {size:,} MB，超过上限 {limit:,} MB；请删去多余的行列或拆分台账，或在服务器上用 "
        "`gongjian load` 导入。",
        "The upload is {size:,} MB, over the {limit:,} MB limit; delete the extra rows and columns or "
        "split the ledger, or load it on the server with `gongjian load`.",
    ),
    "fields_cleared": (
        "台账中的空单元格清除了 {count:,} 个已保存的字段（台账中没有的列不会改动已保存的值）。",
        "Empty cells of the ledger cleared {count:,} stored fields (columns the ledger lacks leave "
        "stored values as they were).",
    ),
    "free_cypher_masked": (
        "姓名已隐去：自由查询可以任意拼出姓名（拆分、倒序、拼接），因此在隐去姓名时不可用；请使用命名查询。",
        "Names are masked: a free statement can spell a name any way (split, reverse, concatenate), so "
        "free Cypher is off while names are masked; use the named queries.",
    ),
    "load_unfinished": (
        "有一次导入没有完成，库中可能只有其中一部分数据，各页数字可能不完整；请重新运行该导入。 ",
        "A load did not finish: the store may hold only part of it, so figures may be incomplete; "
        "rerun the load. ",
    ),
    "validating": ("正在检查台账…", "Checking the ledger…"),
    "no_problems": ("台账检查通过，没有发现问题。", "The ledger is clean: no problems found."),
    "problems_found": (
        "发现 {count:,} 个问题。请在台账中改正后重新上传，或勾选下方选项只导入无误的行。",
        "{count:,} problems found. Fix them in the ledger and upload it again, or tick the box below "
        "to load only the good rows.",
    ),
    "problems": ("台账问题", "Problems"),
    "causes_title": ("问题（按原因）", "Problems by cause"),
    "cause_rows": ("{where}{column}{value}：{rows} 行", "{where}{column}{value}: {rows} rows"),
    "cause_rows_at": ("（第 {rows} 行）", " (rows {rows})"),
    "cause_sheet": ("{where}{column}：整张表", "{where}{column}: the whole sheet"),
    "cause_knock_on": (
        "另有 {count:,} 行引用这些行，随之不能导入：{sheets}。",
        "{count:,} more rows refer to these rows and fail with them: {sheets}.",
    ),
    "cause_cost": (
        "只导入无误的行时，此问题会使 {count:,} 行不能导入。",
        "Loading only the good rows leaves out {count:,} rows for this.",
    ),
    "treat_as": ("把「{word}」当作", "Treat “{word}” as"),
    "treat": ("记入词表并重新检查", "Add to the vocabulary and check again"),
    "word_saved": (
        "已记入词表 {path}：{word} → {standard}（列 {column}）。",
        "Added to the vocabulary {path}: {word} → {standard} (column {column}).",
    ),
    "vocabulary_file": ("词表文件：{path}", "Vocabulary file: {path}"),
    "every_problem": ("全部问题（逐行，可下载）", "Every problem, row by row (downloadable)"),
    "more_causes": (
        "另有 {count:,} 个问题未列出，见下方全部问题。",
        "{count:,} more causes are not shown; see every problem below.",
    ),
    "file": ("文件", "File"),
    "sheet": ("工作表", "Sheet"),
    "row": ("行", "Row"),
    "column": ("列", "Column"),
    "value": ("值", "Value"),
    "problem": ("问题", "Problem"),
    "skip_bad_rows": (
        "只导入无误的行（有问题的行及引用它们的行不导入）",
        "Load only the good rows (rows with problems, and rows referring to them, are left out)",
    ),
    "load": ("导入", "Load"),
    "loading": ("正在导入…", "Loading…"),
    "loaded_short": ("导入完成", "Loaded"),
    "preparing": (
        "导入完成；正在准备参与度、总览和搜索…",
        "Loaded; preparing 参与度, the overview and search…",
    ),
    "loaded": ("已导入 {rows:,} 行。", "Loaded {rows:,} rows."),
    "rejected_rows": ("有 {rows:,} 行因问题未导入。", "{rows:,} rows with problems were left out."),
    "what_changed": ("本次导入的变化", "What the load changed"),
    "record_type": ("记录类型", "Record type"),
    "added": ("新增", "Added"),
    "updated": ("更新", "Updated"),
    "unchanged": ("未变", "Unchanged"),
    # query
    "named_queries": ("常用查询", "Named queries"),
    "free_cypher": ("自由 Cypher", "Free Cypher"),
    "pick_query": ("选择查询", "Query"),
    "optional": ("（可不填）", "(optional)"),
    "run": ("运行", "Run"),
    "running": ("正在查询…", "Running…"),
    "needs_neo4j": ("需要 Neo4j", "needs Neo4j"),
    "embedded_queries": (
        "当前使用内置存储：有内置实现的常用查询可以直接运行；自由 Cypher 和以下查询需要 Neo4j 存储：{needs}。"
        "要使用它们，请把设置 store 改为 neo4j（或在左侧切换存储）。",
        "This is the embedded store: the named queries it can answer run here; free Cypher and these "
        "queries need a Neo4j store: {needs}. To use them, set store=neo4j (or switch the store on the left).",
    ),
    "embedded_queries_all": (
        "当前使用内置存储：全部常用查询都可以直接运行；自由 Cypher 需要 Neo4j 存储（把设置 store 改为 neo4j）。",
        "This is the embedded store: every named query runs here; free Cypher needs a Neo4j store (set store=neo4j).",
    ),
    "query_needs_neo4j": (
        "这个查询只能在 Neo4j 存储上运行。请把设置 store 改为 neo4j 后再试。",
        "This query runs only on a Neo4j store. Set store=neo4j and try again.",
    ),
    "free_needs_neo4j": (
        "自由 Cypher 需要 Neo4j 存储：内置存储不支持 Cypher。请把设置 store 改为 neo4j（本地服务器：gongjian neo4j start）。",
        "Free Cypher needs a Neo4j store: the embedded store does not speak Cypher. Set store=neo4j "
        "(a local server: gongjian neo4j start).",
    ),
    "cypher": ("Cypher 语句（只读）", "Cypher statement (read-only)"),
    "read_only_note": (
        "只允许读取：写入、修改结构、LOAD CSV 和管理命令会被拒绝；最多返回 {limit} 行，超过 {timeout} 秒自动停止。",
        "Reads only: writes, schema changes, LOAD CSV and administration are refused; at most {limit} "
        "rows, stopped after {timeout} s.",
    ),
    "rows_returned": ("返回 {rows:,} 行。", "{rows:,} rows."),
    # the named queries' parameters and result columns
    "qparam_area": ("区域", "Area"),
    "qparam_as_of": ("在任日期", "Holding on"),
    "qparam_on": ("有效日期", "In force on"),
    "qparam_since": ("开始日期", "From"),
    "qparam_until": ("截止日期", "To"),
    "qparam_unit": ("单位", "Unit"),
    "qparam_from_unit": ("第一个单位", "From unit"),
    "qparam_to_unit": ("第二个单位", "To unit"),
    "qcol_unit_key": ("单位编码", "Unit key"),
    "qcol_unit": ("单位", "Unit"),
    "qcol_kind": ("类型", "Kind"),
    "qcol_area": ("所在区域", "Area"),
    "qcol_joined": ("加入日期", "Joined"),
    "qcol_has_party_org": ("建有党组织", "Party organization"),
    "qcol_no_agreement": ("无在期协议", "No agreement"),
    "qcol_no_seat": ("无兼职委员席位", "No seat"),
    "qcol_no_attendance": ("未参加联席会议", "No meeting attended"),
    "qcol_person_key": ("人员编码", "Person key"),
    "qcol_person": ("人员", "Person"),
    "qcol_organization_count": ("任职单位数", "Organizations"),
    "qcol_organization_keys": ("任职单位编码", "Organization keys"),
    "qcol_organizations": ("任职单位", "Organizations"),
    "qcol_roles": ("职务", "Roles"),
    "qcol_agreement_key": ("协议编码", "Agreement key"),
    "qcol_agreement": ("协议", "Agreement"),
    "qcol_signed": ("签订日期", "Signed"),
    "qcol_expires": ("到期日期", "Expires"),
    "qcol_party_count": ("参与单位数", "Parties"),
    "qcol_party_keys": ("参与单位编码", "Party keys"),
    "qcol_parties": ("参与单位", "Parties"),
    "qcol_quarter": ("季度", "Quarter"),
    "qcol_invited": ("受邀", "Invited"),
    "qcol_present": ("出席", "Present"),
    "qcol_substitute": ("代参", "Substitute"),
    "qcol_excused": ("请假", "Excused"),
    "qcol_absent": ("缺席", "Absent"),
    "qcol_relationship": ("关系", "Relationship"),
    "qcol_direction": ("方向", "Direction"),
    "qcol_other_kind": ("对方类别", "Other kind"),
    "qcol_other_key": ("对方编码", "Other key"),
    "qcol_other": ("对方", "Other"),
    "qcol_detail": ("说明", "Detail"),
    "qcol_since": ("开始", "From"),
    "qcol_until": ("结束", "To"),
    "qcol_from_key": ("起点编码", "From key"),
    "qcol_to_key": ("终点编码", "To key"),
    "qcol_steps": ("步数", "Steps"),
    "qcol_path": ("路径", "Path"),
    "node_Area": ("区域", "Area"),
    "node_Organization": ("单位", "Organization"),
    "node_Person": ("人员", "Person"),
    "node_Agreement": ("共建协议", "Agreement"),
    "node_Meeting": ("联席会议", "Meeting"),
    "node_Project": ("项目", "Project"),
    "node_Need": ("需求", "Need"),
    "node_Resource": ("资源", "Resource"),
    # the engagement page
    "engagement": ("参与度", "Engagement"),
    "eng_period": ("评价期", "Assessed period"),
    "eng_period_help": (
        "按整年或单个季度评价（取自左侧时段），与上一期（{previous}）比较；同类单位的比较范围为全部存储，不限于所选区域。",
        "Units are judged over a whole year or a single quarter of the period on the left, against the "
        "period before ({previous}); peers are drawn from the whole store, not only the chosen area.",
    ),
    "eng_working": ("正在计算参与度…", "Scoring engagement…"),
    "eng_units": ("参评单位", "Units judged"),
    "eng_flagged": ("预警单位", "Flagged"),
    "eng_declined": ("下滑单位", "Declined"),
    "eng_new": ("新加入（暂不预警）", "Newly joined (not flagged)"),
    "eng_median": ("得分中位数", "Median score"),
    "eng_changes_line": (
        "与{previous}相比：新增预警 {newly} 个，解除预警 {cleared} 个，得分下降 10 分以上 {fell} 个；"
        "其中触发硬性规定 {by_rule} 个。",
        "Against {previous}: {newly} newly flagged, {cleared} no longer flagged, {fell} fell by 10 points "
        "or more; {by_rule} flagged by a hard rule.",
    ),
    "eng_briefing": ("下载简报（Excel）", "Download the briefing (Excel)"),
    "eng_briefing_help": (
        "概况、预警单位及原因和建议、下滑单位、与上期的变化（含图表）、全部单位和指标说明，范围同本页；简报为中文。",
        "Summary, flagged units with reasons and next steps, declined units, changes since the last "
        "period (with charts), every unit and the indicator table, for this page's scope; in Chinese.",
    ),
    "eng_ranked": ("单位排名（得分由低到高）", "Units ranked, lowest score first"),
    "eng_show": ("显示", "Show"),
    "eng_show_all": ("全部", "All"),
    "eng_show_flagged": ("仅预警", "Flagged only"),
    "eng_show_declined": ("仅下滑", "Declined only"),
    "eng_rank": ("排名", "Rank"),
    "eng_score": ("得分", "Score"),
    "eng_score_before": ("上期得分", "Previous score"),
    "eng_change": ("变化", "Change"),
    "eng_flag": ("预警", "Flagged"),
    "eng_decline": ("下滑", "Declined"),
    "eng_new_member": ("新加入", "New"),
    "eng_reasons": ("原因", "Reasons"),
    "eng_status": ("状态", "Status"),
    "eng_nothing": (
        "所选范围和评价期内没有已加入平台的成员单位。",
        "No member units in this scope and period.",
    ),
    "eng_none_shown": ("没有符合筛选条件的单位。", "No unit matches these filters."),
    "eng_row_picks": (
        "点选一行，在下方查看该单位的指标、原因和建议。",
        "Click a row to see that unit's indicators, reasons and next steps below.",
    ),
    "eng_unit": ("查看单位", "Unit"),
    "eng_pick_capped": (
        "下拉列表只列出得分最低的 {cap:,} 个单位；其他单位请在表格中点选。",
        "The list holds the {cap:,} lowest-scoring units; click any other unit in the table.",
    ),
    "eng_open_profile": ("打开单位详情", "Open the unit's profile"),
    "eng_compared_with": ("比较对象：{peers}", "Compared with {peers}"),
    "eng_vs_peers": ("各项指标与同类单位中位数", "Indicators against the peer median"),
    "eng_chart_help": (
        "每项指标的两根条按该项较大者缩放，数字为实际值；是否类指标（席位、报到）的同类单位一栏为其中“是”的占比，"
        "个数类的中位数落在两数之间时写作 0–1。未活动月数越少越好，其余越多越好。不适用于本单位的指标不画出。",
        "Each indicator's two bars are scaled to the larger of the two; the numbers are the values. For a "
        "yes/no indicator (seat, registered) the peers' bar is the share of them with a yes; a median of "
        "counts between two counts shows as 0–1. Fewer months inactive is better, more of anything else. "
        "Indicators that do not apply are left out.",
    ),
    "eng_indicator": ("指标", "Indicator"),
    "eng_this_unit": ("本单位", "This unit"),
    "eng_peer_median": ("同类单位中位数", "Peer median"),
    "eng_indicator_score": ("指标得分", "Indicator score"),
    "eng_peers": ("比较对象", "Peers"),
    "eng_why": ("预警原因", "Why"),
    "eng_why_declined": ("下滑原因", "Why it declined"),
    "eng_not_flagged": ("该单位未被预警。", "This unit is not flagged."),
    "eng_suggestions": ("建议的下一步", "Suggested next steps"),
    "eng_no_suggestions": ("只为预警单位提出建议。", "Next steps are suggested for flagged units only."),
    "eng_no_steps_found": ("没有找到合适的建议。", "No fitting next step was found."),
    "eng_all_suggestions": ("全部预警单位的建议", "Next steps for every flagged unit"),
    "eng_step": ("建议", "Next step"),
    "eng_declined_list": ("下滑单位", "Declined units"),
    "eng_declined_help": (
        "上期得分不低于 {before}、本期低于预警线 {line} 的单位：不列入预警，但应了解原因。",
        "Units that scored {before} or more in the previous period and are below the line of {line} now: "
        "not flagged, but worth asking about.",
    ),
    "eng_changes": ("与上期相比的全部变化", "Every unit against the previous period"),
    "eng_flagged_before": ("上期预警", "Flagged before"),
    "eng_indicator_defs": ("指标说明与权重", "What each indicator means and weighs"),
    "eng_definition": ("定义", "Definition"),
    "eng_weight": ("权重", "Weight"),
    "eng_party_only": ("仅限有党组织的单位", "Party organizations only"),
    "eng_yes": ("是", "yes"),
    "eng_no": ("否", "no"),
}


def label(key: str, lang: str = "zh") -> str:
    zh, en = LABELS[key]
    return zh if lang == "zh" else en
