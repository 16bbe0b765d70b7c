"""A synthetic Dalian-like city written as a ledger in the template format, with its truth.

    generate("S", 42, Path("city"))                      # a folder: 区域.csv, 单位.csv, … and truth.json
    generate("S", 42, Path("city.xlsx"), fmt="xlsx")     # one workbook and city.truth.json beside it

The city: 大连市 → districts → streets → communities; a party working committee per street and a
party committee per community; residents' committees, property companies, owners' committees
and resident units of every kind, of which a few percent have a party organization and 15-30 %
have joined the co-building platform (加入日期). People hold posts, with the two-way
cross-appointments (a member unit's party leader is a part-time member of the community or
street committee; an officer of that committee sits on the unit's party organization); committees sign
co-building agreements and hold joint meetings; communities raise needs, units offer resources
and claim projects; units and in-service party members register with their community.
Activity runs from 2023-01 to 2025-12. Sizes: :data:`SCALES`.

truth.json holds the cases planted for the analyses to find, keyed by unit name (as written in
the 单位 sheet; each entry also gives the unit's code):

- ``under_engaged``: member units that joined before 2024 and take little part: they attend at
  most 20 % of the meetings they are invited to, have no agreement in force at the end, no
  project, no resource, and (``reasons``) no part-time committee seat where they have a party
  organization, and nothing at all since ``dormant_since`` where that is given. Their peers
  (same kind, same street) attend at least 70 %, have an agreement in force and a project
  every year.
- ``newly_joined``: units that joined in 2025-07..2025-12: little activity because they are new.
- ``dropped``: member units active as usual in 2024 whose activity fell sharply in 2025.

The same (scale, seed, mess, fmt) give byte-identical files. The city depends on (scale, seed)
only: ``mess`` changes how it is written (references by 简称, full-width text, U+3000 spaces,
date styles, blank rows, a note under a table, mangled ID numbers), never what it says, so
the planted cases are the same at every mess level. All of it is valid input.

CSV encodings, as they come from real offices: 单位.csv GBK (every character generated is in
GBK), 人员.csv UTF-8 with BOM, the others UTF-8. The 人员 sheet carries fake 身份证号 and 联系电话
columns, which the loader must drop (PIPL).
"""

from __future__ import annotations

import csv
import io
import json
import math
import random
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import IO, Any

from graph.errors import GongjianError
from graph.glossary import AREA_LEVEL, ATTENDANCE, NEED_STATUS, ORG_KIND, PROJECT_STATUS, norm
from graph.model import RECORD_TYPES, RECORDS, Column, RecordType

# --- sizes and periods --------------------------------------------------------------------

PERIOD_START = date(2023, 1, 1)  # activity runs from here…
PERIOD_END = date(2025, 12, 31)  # …to here; the state "now" is the state on this day
RECENT = date(2025, 1, 1)  # the year in which a dropped unit's activity fell
NEW_SINCE = date(2025, 7, 1)  # units that joined on or after this day are newly joined
PLANT_BEFORE = date(2024, 1, 1)  # under-engaged units joined before this day
PLANTED_SHARE = 0.09  # of member units
DROPPED_SHARE = 0.04  # of member units
NORMAL_ATTENDANCE = 0.7  # at least, for member units taking part as usual
PLANTED_ATTENDANCE = 0.2  # at most, for under-engaged units

FORMATS = ("csv", "xlsx")
XLSX_ROWS = 1_048_576  # rows an Excel sheet holds
TRUTH_FILE = "truth.json"
ENCODINGS = {"单位": "gbk", "人员": "utf-8-sig"}  # the other CSV files are UTF-8
PERSONAL_COLUMNS = ("身份证号", "联系电话")  # extra 人员 columns the loader must drop


@dataclass(frozen=True)
class Scale:
    name: str
    description: str
    districts: tuple[tuple[str, int], ...]  # (district, number of streets)
    communities: int
    units: int  # rows of the 单位 sheet, committees included
    registrants: tuple[int, int]  # in-service party members registered per community
    # Multiplies each kind's chance of having joined the platform. Tuned so that M has ~100,000
    # relationships and L ~1,000,000: the suburban M district has fewer members (15 %) than
    # the city as a whole, whose core districts' platforms are older and larger (30 %).
    join_rate: float

    @property
    def streets(self) -> int:
        return sum(n for _, n in self.districts)


SCALES: dict[str, Scale] = {
    "S": Scale(
        "S",
        "测试用：1个区、3个街道、10个社区、约300个单位、约4千条关系 (tests)",
        (("中山区", 3),),
        10,
        300,
        (20, 40),
        1.0,
    ),
    "M": Scale(
        "M",
        "一个区：10个街道、100个社区、约1万个单位、约11万条关系 (one district)",
        (("甘井子区", 10),),
        100,
        10_000,
        (100, 130),
        0.7,
    ),
    "L": Scale(
        "L",
        "全市：6个区、59个街道、600个社区、约5万个单位、约95万条关系 (the city)",
        (("中山区", 8), ("西岗区", 8), ("沙河口区", 9), ("甘井子区", 12), ("旅顺口区", 10), ("金州区", 12)),
        600,
        50_000,
        (100, 130),
        2.0,
    ),
    "XL": Scale(
        "XL",
        "大连全域：9个区市、118个街道、1800个社区、约15万个单位、约300万条关系 (3× L, benchmarks)",
        (
            ("中山区", 8),
            ("西岗区", 8),
            ("沙河口区", 9),
            ("甘井子区", 12),
            ("旅顺口区", 10),
            ("金州区", 12),
            ("普兰店区", 14),
            ("瓦房店市", 19),
            ("庄河市", 26),
        ),
        1_800,
        150_000,
        (100, 130),
        2.0,
    ),
}

# --- names --------------------------------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _pairs(text: str) -> tuple[tuple[str, str], ...]:
    """ "名称/类别 …" as ((名称, 类别), …)."""
    return tuple((a, b) for a, b in (item.split("/") for item in text.split()))


CITY = ("210200", "大连市")
DISTRICTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "中山区": (
        "210202",
        _words("葵英街道 桃源街道 青泥洼桥街道 人民路街道 海军广场街道 老虎滩街道 昆明街道 桂林街道"),
    ),
    "西岗区": (
        "210203",
        _words("香炉礁街道 日新街道 北京街道 八一路街道 人民广场街道 白云街道 胜利桥街道 东关街道"),
    ),
    "沙河口区": (
        "210204",
        _words(
            "西安路街道 春柳街道 马栏街道 黑石礁街道 李家街道 南沙河口街道 中山公园街道 星海湾街道 兴工街道"
        ),
    ),
    "甘井子区": (
        "210211",
        _words(
            "大连湾街道 周水子街道 椒金山街道 红旗街道 凌水街道 甘井子街道 泉水街道 "
            "南关岭街道 革镇堡街道 辛寨子街道 营城子街道 中华路街道"
        ),
    ),
    "旅顺口区": (
        "210212",
        _words(
            "登峰街道 市场街道 得胜街道 光荣街道 水师营街道 龙王塘街道 铁山街道 三涧堡街道 "
            "北海街道 双岛湾街道"
        ),
    ),
    "金州区": (
        "210213",
        _words(
            "拥政街道 友谊街道 光明街道 先进街道 董家沟街道 金石滩街道 大魏家街道 杏树街道 "
            "七顶山街道 华家街道 向应街道 登沙河街道"
        ),
    ),
    # the XL city's outer districts (their towns and townships written as streets)
    "普兰店区": (
        "210214",
        _words(
            "丰荣街道 铁西街道 太平街道 皮口街道 城子坦街道 大刘家街道 杨树房街道 莲山街道 "
            "安波街道 沙包街道 星台街道 墨盘街道 同益街道 双塔街道"
        ),
    ),
    "瓦房店市": (
        "210281",
        _words(
            "祝华街道 共济街道 岗店街道 文兰街道 太阳街道 长兴岛街道 交流岛街道 复州城街道 松树街道 "
            "得利寺街道 万家岭街道 许屯街道 永宁街道 谢屯街道 老虎屯街道 红沿河街道 李官街道 "
            "仙浴湾街道 元台街道"
        ),
    ),
    "庄河市": (
        "210283",
        _words(
            "城关街道 新华街道 兴达街道 昌盛街道 明阳街道 石山街道 鞍子山街道 栗子房街道 大营街道 "
            "塔岭街道 仙人洞街道 蓉花山街道 长岭街道 荷花山街道 吴炉街道 王家街道 光明山街道 "
            "大郑街道 青堆街道 徐岭街道 黑岛街道 花院街道 桂云花街道 步云山街道 太平岭街道 观驾山街道"
        ),
    ),
}
FIRST_COMMUNITY = {"葵英街道": "林海社区"}
# Units from the news report, placed in the first community of their street.
FAMOUS_UNITS: dict[str, tuple[tuple[str, str, tuple[str, ...]], ...]] = {
    "葵英街道": (("太太好粥店", "shop", ()),),
    "大连湾街道": (("大连船舶重工集团海洋工程有限公司", "soe", ("大船海工",)),),
}
STREET_PLATFORMS = _words("党建协调委员会 大工委 区域化党建联席会")
COMMUNITY_PLATFORMS = _words("“3+N”大党委 兼职委员联席会 大党委 党建联席会")
SPECIAL_STREETS = {  # street: (platform, agreement title, agreement kind, whether all members sign)
    "大连湾街道": ("军警地企党建联合体", "大连湾军警地企党建联合体共建协议", "共建协议", False),
    "香炉礁街道": ("“携手联盟”", "香炉礁街道“携手联盟”共建协议", "携手联盟协议", True),
}
DISTRICT_AGREEMENTS = {"旅顺口区": ("旅顺口区“六联六共”协议书", "“六联六共”协议书", 116)}

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华平刚桂兰玉梅辉鹏飞红霞斌宇浩凯健俊峰波宁丹萍琳晶雪婷颖欣悦晨阳光"
    "永海庆东春志国建文立新德福成林松云凤琴兵鑫博佳昊然子轩梓涵一诺雨泽思远嘉怡淑珍秀兰金凤振华"
)
PLACE_FIRST = "林长福锦明春望海华虹景同岭东西南北新安康和兴泰祥瑞嘉富丰荣晨阳光振育文园桥湾峰泉松柏枫桂樱翠青"
PLACE_SECOND = "海春佳华泽和园山城苑港湾岭河丰兴安乐康泉林源盛馨悦福景鑫平宁秀茂"
WORD_FIRST = (
    "华鑫恒盛宏金海瑞泰兴丰汇德信诚博天中东远新广聚嘉昌达源通利永安鸿润成锦腾辉浩凯亿佳美益众和正元祥福康"
)
WORD_SECOND = "华鑫恒盛宏达源通利安成锦腾辉浩凯泰兴丰汇德信诚博远新广聚嘉昌润鸿瑞祥福康宇晟航洋"
SHOP_BRANDS = _words(
    "太太好 老地方 好再来 家家乐 福满楼 一品香 聚福源 老味道 小渔村 海之味 张记 李记 王记 刘记 "
    "老街坊 邻家 鲜又多 百姓 新生活 乐家"
)
SHOP_TYPES = _words(
    "粥店 饺子馆 面馆 烧烤店 超市 便利店 水果店 大药房 理发店 美容美发店 干洗店 花店 五金店 眼镜店 "
    "海鲜酒家 茶庄 书店 母婴店 宠物店 家电维修部 照相馆 烟酒商行 快餐店 包子铺 蛋糕店 咖啡馆 KTV "
    "DIY手工坊 麻辣烫 小吃部 菜馆 熟食店 粮油店 文具店 鞋店 服装店 24小时便利店"
)
INDUSTRIES = _pairs(
    "科技/科技 贸易/贸易 建筑工程/建工 机械制造/机械 海洋工程/海工 食品/食品 物流/物流 船舶配套/船配 "
    "软件/软件 网络科技/网络 电子/电子 化工/化工 装饰工程/装饰 文化传媒/传媒 餐饮管理/餐饮 医药/医药 "
    "环保科技/环保 国际货运代理/货代 房地产开发/地产 汽车销售服务/汽贸 水产/水产 服装/服装 印刷/印刷 "
    "广告/广告 教育咨询/教育 人力资源/人力 信息技术/信息 新材料/新材 港口服务/港服 IT服务/IT"
)
BANKS = _pairs(
    "中国工商银行/工行 中国建设银行/建行 中国农业银行/农行 中国银行/中行 交通银行/交行 "
    "中国邮政储蓄银行/邮储 大连银行/大连银行"
)
UTILITIES = _pairs(
    "中国移动大连分公司/移动 中国联通大连分公司/联通 中国电信大连分公司/电信 国网大连供电公司/供电 "
    "大连燃气集团/燃气 大连市自来水集团/自来水 大连热电集团/热电 大连公交客运集团/公交"
)
SOE_GROUPS = _words("港口 重工 机床 化工 城建 建工 商业 海洋渔业 地铁 旅游 粮食 医药")
BUREAUS = _words(
    "市场监督管理局 人力资源和社会保障局 城市管理局 住房和城乡建设局 民政局 教育局 卫生健康局 司法局 "
    "退役军人事务局 应急管理局 统计局 审计局 文化和旅游局 交通运输局 财政局 发展和改革局 商务局 信访局 "
    "档案馆 图书馆 文化馆 税务局 医疗保障局 科学技术局 残疾人联合会 总工会 妇女联合会"
)
STATIONS = _words(
    "市场监督管理所 司法所 财政所 税务所 城管执法中队 退役军人服务站 劳动保障事务所 综合文化站 "
    "便民服务中心 自然资源所 水务站 安全生产监督站"
)
CENTERS = _words("公共资源交易中心 检验检测中心 档案服务中心 信息中心 事务服务中心 质量技术服务中心")
ASSOCIATIONS = _words(
    "志愿者协会 慈善会 老年协会 书画协会 社会工作服务中心 青年志愿服务队 养老服务中心 邻里互助会 "
    "文体协会 家政服务协会 公益服务中心 心理咨询服务中心"
)
ESTATES = _words("花园 家园 小区 苑 新村 嘉园 名都 华庭 雅居 公馆")
NEED_TOPICS = _pairs(
    "老旧楼道照明改造/环境整治 独居老人助餐服务/助老助残 社区健康义诊/为民服务 "
    "青少年暑期托管/青少年教育 垃圾分类宣传/环境整治 楼院环境清理/环境整治 法律咨询进社区/为民服务 "
    "困难家庭帮扶/为民服务 安全用电检查/平安建设 防诈骗宣传/平安建设 口腔健康检查/为民服务 "
    "消防安全演练/平安建设 便民理发服务/为民服务 家电义务维修/为民服务 读书角建设/文化活动 "
    "文艺汇演/文化活动 邻里节活动/文化活动 迎春美食节/文化活动 健身器材维护/为民服务 "
    "绿化补植/环境整治 雨污管网疏通/环境整治 适老化改造/助老助残 就业技能培训/就业帮扶 "
    "心理健康讲座/为民服务 科普进社区/青少年教育 四点半课堂/青少年教育 网格员培训/平安建设 "
    "慰问退役军人/为民服务 助残康复服务/助老助残 党员志愿服务日/为民服务 楼道堆物清理/平安建设 "
    "社区食堂建设/助老助残"
)
HOT_TOPICS = _words(
    "供暖温度不达标 山体滑坡隐患治理 公交车站设置 减速带噪声扰民 老旧小区屋面漏水 停车难 占道经营整治 "
    "二次供水改造 背街小巷路面破损 违章建筑拆除 电动车充电难 下水道堵塞"
)
HOT = "热点难点问题"
RESOURCES = _pairs(
    "会议室开放/场地 党员活动室共享/场地 停车位错时共享/场地 运动场地开放/场地 法律咨询志愿服务/人才 "
    "义诊服务/人才 技能培训讲师/人才 党课讲师/人才 助学资金/资金 慰问物资/物资 图书捐赠/物资 "
    "党员志愿服务队/志愿服务 应急救援队/志愿服务 家电维修服务/技术 网络技术支持/技术 文艺演出/文化"
)
NOTES = (
    "注：本表由{street}党工委填报。",
    "注：数据截至2025年12月31日。",
    "注：加入日期指加入区域化党建平台的日期。",
)

# --- kinds --------------------------------------------------------------------------------

COMMITTEES = ("street_committee", "community_committee")
CORE = ("residents_committee", "property_company", "owners_committee")  # the "3" of "3+N"
BIG = ("soe", "government", "military_police", "school", "hospital")  # also sit at street level
# Resident units other than the core: share of units, chance of a party organization, chance
# of having joined the platform, party members (low, high) where there is an organization.
KINDS: dict[str, tuple[float, float, float, tuple[int, int]]] = {
    "shop": (45.0, 0.003, 0.07, (3, 8)),
    "private_firm": (34.0, 0.03, 0.12, (3, 60)),
    "social_org": (4.0, 0.08, 0.45, (3, 15)),
    "government": (2.5, 0.97, 0.85, (10, 120)),
    "school": (1.5, 0.95, 0.8, (10, 120)),
    "soe": (1.2, 1.0, 0.9, (20, 600)),
    "hospital": (0.6, 0.9, 0.8, (20, 400)),
    "military_police": (0.4, 1.0, 0.8, (20, 200)),
    "other": (2.0, 0.05, 0.15, (3, 10)),
    "property_company": (0.0, 0.15, 0.9, (3, 15)),
    "owners_committee": (0.0, 0.05, 0.7, (3, 8)),
    "residents_committee": (0.0, 0.0, 1.0, (3, 8)),
}
RESIDENT_KINDS = tuple(k for k, v in KINDS.items() if v[0] > 0)
LEADER_ROLES = {
    "shop": "负责人",
    "private_firm": "总经理",
    "property_company": "项目经理",
    "owners_committee": "主任",
    "residents_committee": "主任",
    "social_org": "会长",
}
SEAT = "兼职委员"
STREET_SEATS = 12  # at most, per street
# Profiles of member units.
NORMAL, NEW, DROPPED, LOW, DORMANT = "normal", "new", "dropped", "low", "dormant"
PLANTED = (LOW, DORMANT)

# --- the city as objects ------------------------------------------------------------------


@dataclass(eq=False, slots=True)
class _Area:
    code: str
    name: str
    level: str
    parent: _Area | None
    platform: str = ""
    valid_from: date | None = None
    valid_to: date | None = None


@dataclass(eq=False, slots=True)
class _Person:
    code: str
    name: str
    party: bool
    district: str  # district code, for the fake ID number


@dataclass(eq=False, slots=True)
class _Stint:
    person: _Person
    start: date
    end: date | None


@dataclass(eq=False, slots=True)
class _Meeting:
    code: str
    title: str
    day: date
    level: str
    host: _Unit
    rows: list[tuple[_Unit, str, _Person | None]] = field(default_factory=list)


@dataclass(eq=False, slots=True)
class _Unit:
    code: str
    name: str
    kind: str
    area: _Area
    street: _Street
    community: _Community | None
    aliases: list[str]
    party_org: bool
    party_members: int | None
    joined: date | None
    famous: bool = False
    leaders: list[_Stint] = field(default_factory=list)
    profile: str = ""  # member units: NORMAL, NEW, DROPPED, LOW or DORMANT
    dormant: date | None = None
    invites: list[_Meeting] = field(default_factory=list)
    attended: list[_Meeting] = field(default_factory=list)
    last: date | None = None  # last activity of any kind

    def touch(self, day: date) -> None:
        if self.last is None or day > self.last:
            self.last = day

    def leader_at(self, day: date) -> _Person | None:
        for stint in self.leaders:
            if stint.start <= day and (stint.end is None or day < stint.end):
                return stint.person
        return None


@dataclass(eq=False, slots=True)
class _Community:
    area: _Area
    street: _Street
    committee: _Unit | None = None
    units: list[_Unit] = field(default_factory=list)
    officers: list[_Stint] = field(default_factory=list)  # deputies and members, not the secretary

    @property
    def name(self) -> str:
        return self.area.name

    @property
    def members(self) -> list[_Unit]:
        return [u for u in self.units if u.joined is not None]


@dataclass(eq=False, slots=True)
class _Street:
    area: _Area
    district: _Area
    committee: _Unit | None = None
    communities: list[_Community] = field(default_factory=list)
    officers: list[_Stint] = field(default_factory=list)  # deputies and members, not the secretary

    @property
    def name(self) -> str:
        return self.area.name

    @property
    def members(self) -> list[_Unit]:
        return [u for c in self.communities for u in c.members]


@dataclass(eq=False, slots=True)
class _Post:
    person: _Person
    org: _Unit
    role: str
    part_time: bool
    start: date
    end: date | None


@dataclass(eq=False, slots=True)
class _Agreement:
    code: str
    title: str
    signed: date
    expires: date | None
    kind: str
    parties: list[_Unit]


@dataclass(eq=False, slots=True)
class _Need:
    code: str
    title: str
    community: _Community
    category: str
    status: str
    published: date


@dataclass(eq=False, slots=True)
class _Project:
    code: str
    title: str
    category: str
    status: str
    start: date | None
    end: date | None
    contributors: list[_Unit]
    community: _Community
    need: _Need


@dataclass(eq=False, slots=True)
class _Resource:
    code: str
    title: str
    unit: _Unit
    category: str
    published: date


@dataclass(eq=False, slots=True)
class _Registration:
    community: _Community
    day: date
    person: _Person | None
    org: _Unit | None
    withdrawn: date | None
    hours: float | None


@dataclass
class _City:
    areas: list[_Area] = field(default_factory=list)
    streets: list[_Street] = field(default_factory=list)
    units: list[_Unit] = field(default_factory=list)
    people: list[_Person] = field(default_factory=list)
    posts: list[_Post] = field(default_factory=list)
    agreements: list[_Agreement] = field(default_factory=list)
    meetings: list[_Meeting] = field(default_factory=list)
    attendance_rows: int = 0
    projects: list[_Project] = field(default_factory=list)
    needs: list[_Need] = field(default_factory=list)
    resources: list[_Resource] = field(default_factory=list)
    registrations: list[_Registration] = field(default_factory=list)


# --- small helpers ------------------------------------------------------------------------


def _day(rng: random.Random, lo: date, hi: date) -> date:
    """A day between lo and hi, both included (lo when hi is before it)."""
    return lo + timedelta(days=rng.randint(0, max(0, (hi - lo).days)))


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _months(start: date, end: date) -> Iterator[tuple[int, int]]:
    """(year, month) of every month from start to end."""
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        yield y, m
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def _cn(n: int) -> str:
    """A number in Chinese numerals: 1 → 一, 24 → 二十四, 105 → 一百零五."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 100:
        tens = "" if n < 20 else digits[n // 10]
        return f"{tens}十{digits[n % 10] if n % 10 else ''}"
    rest = n % 100
    head = f"{digits[n // 100]}百"
    if rest == 0:
        return head
    if rest < 10:
        return f"{head}零{digits[rest]}"
    return head + (digits[1] if rest < 20 else "") + _cn(rest)


def _spread(total: int, weights: list[float], minimum: int) -> list[int]:
    """total split in proportion to weights, each part at least minimum (largest remainders)."""
    spare = max(0, total - minimum * len(weights))
    raw = [spare * w / sum(weights) for w in weights]
    parts = [int(x) for x in raw]
    order = sorted(range(len(raw)), key=lambda i: parts[i] - raw[i])
    for i in order[: spare - sum(parts)]:
        parts[i] += 1
    return [p + minimum for p in parts]


def _full_width(text: str, rng: random.Random) -> str:
    """text as some ledgers write it: ASCII as full-width, brackets of the other width, or an
    ideographic space at an end. The same text after NFKC normalization."""
    swap = {"（": "(", "）": ")"}
    out = "".join(
        chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" and ch not in "()" else swap.get(ch, ch) for ch in text
    )
    if out == text or rng.random() < 0.3:
        out = f"\u3000{out}" if rng.random() < 0.5 else f"{out}\u3000"
    return out


# --- building the city --------------------------------------------------------------------


class _Names:
    """Unit names and aliases, unique across the city after normalization."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.taken: set[str] = set()

    def word(self) -> str:
        first = self.rng.choice(WORD_FIRST)
        second = self.rng.choice(WORD_SECOND)
        return first + second if first != second else first + self.rng.choice("宇晟航洋")

    def claim(self, name: str) -> bool:
        key = norm(name)
        if key in self.taken:
            return False
        self.taken.add(key)
        return True

    def unit(self, kind: str, district: str, street: str, community: str) -> tuple[str, list[str]]:
        for _ in range(60):
            name, aliases = self._propose(kind, district, street[:-2], community[:-2], community)
            if norm(name) not in self.taken:
                break
        else:
            base, k = name, 2
            while norm(name := f"{base}（{_cn(k)}）") in self.taken:
                k += 1
            aliases = []
        self.claim(name)
        return name, [a for a in aliases if self.claim(a)]

    def _propose(
        self, kind: str, district: str, street: str, place: str, community: str
    ) -> tuple[str, list[str]]:
        rng = self.rng
        r = rng.random()
        w = self.word()
        dshort = district[:-1]
        if kind == "shop":
            brand = rng.choice(SHOP_BRANDS) if r < 0.3 else w
            shop = rng.choice(SHOP_TYPES)
            if rng.random() < 0.3:
                return f"{brand}{shop}（{place}店）", [f"{brand}{place}店"]
            return f"{brand}{shop}", []
        if kind == "private_firm":
            industry, short = rng.choice(INDUSTRIES)
            alias = [f"{w}{short}"] if rng.random() < 0.6 else []
            if r < 0.6:
                return f"大连{w}{industry}有限公司", alias
            if r < 0.7:
                return f"大连{w}{industry}股份有限公司", alias
            if r < 0.85:
                return f"{w}（大连）{industry}有限公司", alias
            return f"大连{w}{industry}有限公司{street}分公司", []
        if kind == "soe":
            where = rng.choice((street, place))
            if r < 0.35:
                bank, short = rng.choice(BANKS)
                return f"{bank}大连{where}支行", [f"{short}{where}支行"]
            if r < 0.6:
                org, short = rng.choice(UTILITIES)
                office = rng.choice(("营业部", "服务中心", "分公司"))
                return f"{org}{where}{office}", [f"{short}{where}{office}"]
            industry, _ = rng.choice(INDUSTRIES)
            return f"大连{rng.choice(SOE_GROUPS)}集团{w}{industry}有限公司", []
        if kind == "military_police":
            if r < 0.3:
                return f"大连市公安局{dshort}分局{street}派出所", [f"{street}派出所"]
            if r < 0.55:
                return f"武警大连支队执勤{_cn(rng.randint(1, 300))}中队", []
            if r < 0.75:
                return f"{district}消防救援大队{place}消防救援站", [f"{place}消防站"]
            if r < 0.9:
                number = rng.randint(31000, 96999)
                return f"中国人民解放军{number}部队", [f"{number}部队"]
            return f"大连海警局{place}工作站", []
        if kind == "school":
            if r < 0.3:
                n = _cn(rng.randint(1, 200))
                return f"大连市第{n}中学", [f"{n}中"]
            if r < 0.6:
                return f"大连市{district}{place}小学", [f"{place}小学"]
            if r < 0.85:
                return f"大连市{district}{w}幼儿园", []
            return f"大连{w}{rng.choice(('外国语学校', '职业技术学校', '实验学校'))}", []
        if kind == "hospital":
            if r < 0.25:
                return f"大连市{district}{street}街道社区卫生服务中心", [f"{street}卫生服务中心"]
            if r < 0.5:
                return f"{district}{community}卫生服务站", []
            clinic = rng.choice(("医院", "口腔医院", "中医医院", "康复医院", "妇产医院", "眼科医院"))
            return f"大连{w}{clinic}", [f"{w}{clinic}"] if rng.random() < 0.5 else []
        if kind == "government":
            if r < 0.4:
                bureau = rng.choice(BUREAUS)
                return f"大连市{district}{bureau}", [f"{district}{bureau}"]
            if r < 0.85:
                station = rng.choice(STATIONS)
                return f"{district}{street}{station}", [f"{street}{station}"]
            return f"大连市{w}{rng.choice(CENTERS)}", []
        if kind == "social_org":
            if r < 0.5:
                association = rng.choice(ASSOCIATIONS)
                return f"{district}{w}{association}", [f"{w}{association}"] if rng.random() < 0.3 else []
            if r < 0.8:
                return (
                    f"{community}{rng.choice(('志愿服务队', '老年协会', '秧歌队', '合唱团', '读书会'))}",
                    [],
                )
            return f"大连市{w}公益服务中心", []
        if kind == "property_company":
            return f"大连{w}物业{rng.choice(('管理', '服务'))}有限公司", [f"{w}物业"]
        if kind == "owners_committee":
            estate = f"{w}{rng.choice(ESTATES)}"
            return f"{estate}业主委员会", [f"{estate}业委会"]
        if kind == "residents_committee":
            return f"{community}居民委员会", [f"{community}居委会"]
        choices = (f"辽宁{w}律师事务所", f"大连{w}会计师事务所", f"大连{w}农民专业合作社", f"大连{w}商会")
        return rng.choice(choices), []


class _Builder:
    """Builds the city from one random generator; the order of the calls fixes the city."""

    def __init__(self, scale: Scale, rng: random.Random) -> None:
        self.scale = scale
        self.rng = rng
        self.city = _City()
        self.names = _Names(rng)
        self.counters: Counter[str] = Counter()

    def code(self, prefix: str, width: int = 6) -> str:
        """DW000001 in the S city; DWM000001 in the M city (and L): cities of different scales
        can be loaded into one store side by side, as departments load one district after another."""
        self.counters[prefix] += 1
        block = "" if self.scale.name == "S" else self.scale.name
        return f"{prefix}{block}{self.counters[prefix]:0{width}d}"

    def person(self, district: str, party: bool) -> _Person:
        rng = self.rng
        surname = rng.choices(SURNAMES, cum_weights=_SURNAME_WEIGHTS)[0]
        given = "".join(rng.choice(GIVEN) for _ in range(1 if rng.random() < 0.3 else 2))
        person = _Person(self.code("P", 7), surname + given, party, district)
        self.city.people.append(person)
        return person

    def build(self, progress: Callable[[int], None]) -> _City:
        self._areas()
        self._units()
        self._profiles()
        for i, street in enumerate(self.city.streets, start=1):
            self._posts(street)
            self._meetings(street)
            for unit in street.members:
                self._attend(unit)
            self._agreements(street)
            for community in street.communities:
                self._projects(community)
                self._registrations(community)
            self._resources(street)
            progress(i)
        self._district_agreements()
        return self.city

    # areas and units

    def _areas(self) -> None:
        rng, scale, city = self.rng, self.scale, self.city
        top = _Area(CITY[0], CITY[1], "city", None, "大连市区域化党建工作领导小组")
        city.areas.append(top)
        streets: list[_Street] = []
        for district_name, n_streets in scale.districts:
            code, names = DISTRICTS[district_name]
            district = _Area(code, district_name, "district", top, f"{district_name}区域化党建指导委员会")
            city.areas.append(district)
            for i, name in enumerate(names[:n_streets], start=1):
                special = SPECIAL_STREETS.get(name)
                platform = special[0] if special else rng.choice(STREET_PLATFORMS)
                streets.append(_Street(_Area(f"{code}{i:03d}", name, "street", district, platform), district))
        shorts = {s.name[:-2] for s in streets}
        fixed = set(FIRST_COMMUNITY.values())
        pool = [a + b + "社区" for a in PLACE_FIRST for b in PLACE_SECOND if a != b and a + b not in shorts]
        pool = [p for p in dict.fromkeys(pool) if p not in fixed]
        rng.shuffle(pool)
        if len(pool) < scale.communities + len(streets):  # XL: more names, in front of the pool
            pool = [p[:-2] + "里社区" for p in sorted(pool)] + pool
        counts = _spread(scale.communities, [rng.uniform(0.7, 1.3) for _ in streets], 2)
        for street, n in zip(streets, counts, strict=True):
            city.areas.append(street.area)
            for j in range(1, n + 1):
                known = FIRST_COMMUNITY.get(street.name) if j == 1 else None
                area = _Area(f"{street.area.code}{j:03d}", known or pool.pop(), "community", street.area)
                area.platform = "“3+N”大党委" if known else rng.choice(COMMUNITY_PLATFORMS)
                if rng.random() < 0.05:  # set up recently, e.g. split off a larger community
                    area.valid_from = _day(rng, date(2018, 1, 1), date(2021, 12, 31))
                street.communities.append(_Community(area, street))
                city.areas.append(area)
            if rng.random() < 0.1:  # merged into a neighbour before the period; holds no units
                old = _Area(f"{street.area.code}{n + 1:03d}", pool.pop(), "community", street.area)
                old.valid_from = _day(rng, date(2000, 1, 1), date(2010, 12, 31))
                old.valid_to = _day(rng, date(2020, 1, 1), date(2022, 6, 30))
                city.areas.append(old)
        city.streets = streets

    def _unit(
        self,
        kind: str,
        area: _Area,
        street: _Street,
        community: _Community | None,
        name: str = "",
        aliases: tuple[str, ...] = (),
    ) -> _Unit:
        rng = self.rng
        if name:
            self.names.claim(name)
            kept = [a for a in aliases if self.names.claim(a)]
        else:
            name, kept = self.names.unit(kind, street.district.name, street.name, area.name)
        party_org, members, joined = False, None, None
        if kind in COMMITTEES:
            party_org, members = True, rng.randint(30, 300) if kind == "community_committee" else None
        else:
            _, org_rate, join_rate, (lo, hi) = KINDS[kind]
            party_org = rng.random() < org_rate
            if party_org:
                members = int(lo * (hi / lo) ** rng.random())
            elif kind in ("private_firm", "social_org") and rng.random() < 0.1:
                members = rng.randint(1, 2)  # too few for an organization of their own
            if kind != "residents_committee":
                join_rate = min(1.0, max(join_rate, 0.9 if party_org else 0.0) * self.scale.join_rate)
            if rng.random() < join_rate:
                joined = self._join_date(kind)
        unit = _Unit(self.code("DW"), name, kind, area, street, community, kept, party_org, members, joined)
        self.city.units.append(unit)
        return unit

    def _join_date(self, kind: str) -> date:
        rng = self.rng
        if kind in CORE:
            return _day(rng, date(2017, 1, 1), date(2020, 12, 31))
        r = rng.random()
        if r < 0.58:
            return _day(rng, date(2016, 1, 1), date(2022, 12, 31))
        if r < 0.72:
            return _day(rng, date(2023, 1, 1), date(2023, 12, 31))
        if r < 0.84:
            return _day(rng, date(2024, 1, 1), date(2024, 12, 31))
        if r < 0.92:
            return _day(rng, date(2025, 1, 1), date(2025, 6, 30))
        return _day(rng, NEW_SINCE, date(2025, 12, 15))

    def _units(self) -> None:
        rng, scale = self.rng, self.scale
        communities = [c for s in self.city.streets for c in s.communities]
        residents = scale.units - len(self.city.streets) - len(communities)
        sizes = _spread(residents, [rng.lognormvariate(0, 0.45) for _ in communities], 8)
        size_of = {c.area.code: n for c, n in zip(communities, sizes, strict=True)}
        kinds, weights = RESIDENT_KINDS, [KINDS[k][0] for k in RESIDENT_KINDS]
        for street in self.city.streets:
            street.committee = self._unit(
                "street_committee", street.area, street, None, f"{street.name}党工委"
            )
            famous = list(FAMOUS_UNITS.get(street.name, ()))
            for community in street.communities:
                n = size_of[community.area.code]
                suffix = "党委" if n >= 60 else "党总支"
                community.committee = self._unit(
                    "community_committee", community.area, street, community, f"{community.name}{suffix}"
                )
                core = ["residents_committee"] + ["property_company"] * (1 + (n > 40) + (n > 100))
                core += ["owners_committee"] * rng.randint(0, min(3, 1 + n // 40))
                for kind in core:
                    community.units.append(self._unit(kind, community.area, street, community))
                for name, kind, aliases in famous:
                    unit = self._unit(kind, community.area, street, community, name, aliases)
                    unit.famous, unit.joined = True, date(2018, 3, 15)
                    community.units.append(unit)
                for kind in rng.choices(kinds, weights, k=max(0, n - len(core) - len(famous))):
                    community.units.append(self._unit(kind, community.area, street, community))
                famous = []

    def _profiles(self) -> None:
        """Which member units take part as usual, are new, dropped, or planted as under-engaged."""
        rng = self.rng
        members = [u for u in self.city.units if u.joined is not None]
        for unit in members:
            assert unit.joined is not None
            unit.profile = NEW if unit.joined >= NEW_SINCE else NORMAL
        eligible = [
            u
            for u in members
            if u.joined is not None
            and u.joined < PLANT_BEFORE
            and u.kind != "residents_committee"
            and not u.famous
        ]
        groups: dict[tuple[str, str], list[_Unit]] = {}
        for unit in eligible:
            groups.setdefault((unit.street.area.code, unit.kind), []).append(unit)
        candidates = [u for g in groups.values() if len(g) >= 3 for u in rng.sample(g, len(g) // 3)]
        for unit in rng.sample(candidates, min(round(PLANTED_SHARE * len(members)), len(candidates))):
            assert unit.joined is not None
            if unit.joined < date(2022, 12, 1) and rng.random() < 0.5:
                unit.profile, unit.dormant = DORMANT, date(2023, rng.randint(3, 7), 1)
            else:
                unit.profile = LOW
        with_planted = {key for key, group in groups.items() if any(u.profile in PLANTED for u in group)}
        rest = [
            u for u in eligible if u.profile == NORMAL and (u.street.area.code, u.kind) not in with_planted
        ]
        for unit in rng.sample(rest, min(round(DROPPED_SHARE * len(members)), len(rest))):
            unit.profile = DROPPED

    # people and posts

    def _stints(
        self, district: str, start: date, party: bool, turnover: float, last_change: date = date(2025, 9, 30)
    ) -> list[_Stint]:
        """Who held a post from start on: one person, or two when it changed hands in the period."""
        rng = self.rng
        first = _Stint(self.person(district, party), start, None)
        if rng.random() >= turnover:
            return [first]
        change = _day(rng, date(2023, 3, 1), last_change)
        if change <= start + timedelta(days=90):
            return [first]
        first.end = change
        return [first, _Stint(self.person(district, party), change, None)]

    def _post(
        self,
        stints: list[_Stint],
        org: _Unit,
        role: str,
        part_time: bool = False,
        start: date | None = None,
        end: date | None = None,
    ) -> None:
        """Posts at org for each stint, within start..end."""
        for stint in stints:
            a = max(stint.start, start) if start else stint.start
            b = min(x for x in (stint.end, end) if x is not None) if (stint.end or end) else None
            if b is not None and (b - a).days < 40:
                continue
            self.city.posts.append(_Post(stint.person, org, role, part_time, a, b))

    def _posts(self, street: _Street) -> None:
        rng = self.rng
        district = street.district.code
        assert street.committee is not None
        officers = [("书记", 1), ("副书记", 2), ("委员", 3)]
        for role, n in officers:
            for _ in range(n):
                stints = self._stints(district, _day(rng, date(2016, 1, 1), date(2022, 6, 30)), True, 0.12)
                self._post(stints, street.committee, role)
                if role == "书记":
                    street.committee.leaders = stints
                else:
                    street.officers += stints
        for community in street.communities:
            committee = community.committee
            assert committee is not None
            for role, n in (("书记", 1), ("副书记", 1), ("委员", rng.randint(2, 3))):
                for _ in range(n):
                    start = _day(rng, date(2016, 1, 1), date(2022, 6, 30))
                    stints = self._stints(district, start, True, 0.12)
                    self._post(stints, committee, role)
                    if role == "书记":
                        committee.leaders = stints
                    else:
                        community.officers += stints
        for unit in street.members:
            self._leaders(unit)
        self._seats(street)

    def _leaders(self, unit: _Unit) -> None:
        rng = self.rng
        district = unit.street.district.code
        community = unit.community
        assert community is not None and community.committee is not None
        if unit.kind == "residents_committee" and rng.random() < 0.7:  # 书记、主任“一肩挑”
            unit.leaders = community.committee.leaders
        else:
            planted = unit.profile in PLANTED
            last_change = date(2024, 11, 30) if unit.profile == DROPPED else date(2025, 9, 30)
            start = _day(rng, date(2014, 1, 1), date(2022, 12, 31))
            party = unit.party_org or rng.random() < 0.3
            unit.leaders = self._stints(
                unit.street.district.code, start, party, 0 if planted else 0.12, last_change
            )
        if unit.party_org:
            assert unit.party_members is not None
            pm = unit.party_members
            role = "党委书记" if pm >= 50 else "党总支书记" if pm >= 20 else "党支部书记"
        else:
            role = LEADER_ROLES.get(unit.kind, "负责人")
        self._post(unit.leaders, unit, role)
        if unit.kind == "residents_committee":
            self._post(
                self._stints(district, _day(rng, date(2016, 1, 1), date(2022, 6, 30)), False, 0.1),
                unit,
                "副主任",
            )

    def _seats(self, street: _Street) -> None:
        """Cross-appointments: member units' leaders as part-time committee members, and
        community leaders on the member units' party organizations."""
        rng = self.rng
        usual = (NORMAL, DROPPED)
        big = [u for u in street.members if u.party_org and u.kind in BIG and u.profile in usual]
        big.sort(key=lambda u: -(u.party_members or 0))
        at_street = set(big[:STREET_SEATS])
        for community in street.communities:
            core_seated: set[str] = set()
            for unit in community.members:
                assert unit.joined is not None and community.committee is not None
                start = unit.joined + timedelta(days=rng.randint(30, 120))
                end = None
                if unit.party_org:
                    if unit.profile == LOW or (unit.profile == NEW and rng.random() >= 0.3):
                        continue
                    if unit.profile == DORMANT:
                        assert unit.dormant is not None
                        end = unit.dormant - timedelta(days=rng.randint(10, 40))
                elif not (
                    unit.kind in ("property_company", "owners_committee")
                    and unit.profile in usual
                    and unit.kind not in core_seated
                ):
                    continue
                if start > PERIOD_END or (end is not None and (end - start).days < 60):
                    continue
                core_seated.add(unit.kind)
                host = street.committee if unit in at_street else community.committee
                assert host is not None
                self._post(unit.leaders, host, SEAT, True, start, end)
                unit.touch(start)
                drawn = rng.random() < 0.4
                joint = street.name in SPECIAL_STREETS and unit in at_street  # the report's joint bodies
                if unit.party_org and unit.profile in usual and (drawn or joint):
                    # two-way at the level of its seat: an officer of that committee on its party organization
                    self._cross_post(street.officers if unit in at_street else community.officers, unit)

    def _cross_post(self, officers: list[_Stint], unit: _Unit) -> None:
        rng = self.rng
        assert unit.joined is not None
        start = unit.joined + timedelta(days=rng.randint(60, 200))
        if start > PERIOD_END:
            return
        current = [
            s for s in officers if s.start <= start and (s.end is None or s.end > start + timedelta(days=60))
        ]
        if current:
            stint = rng.choice(current)
            self.city.posts.append(_Post(stint.person, unit, SEAT, True, start, stint.end))
            unit.touch(start)

    # meetings and attendance

    def _meeting(self, title: str, day: date, level: str, host: _Unit) -> _Meeting:
        meeting = _Meeting(self.code("HY"), title, day, level, host)
        self.city.meetings.append(meeting)
        host.touch(day)
        return meeting

    def _meetings(self, street: _Street) -> None:
        rng = self.rng
        assert street.committee is not None
        invited = street.members  # the street's joint conference: every member unit has a seat at it
        offset = rng.randrange(3)
        for q in range(12):
            year, month = PERIOD_START.year + q // 4, (q % 4) * 3 + offset + 1
            day = date(year, month, rng.randint(5, 26))
            title = f"{street.name}{street.area.platform}{year}年第{_cn(q % 4 + 1)}季度联席会议"
            meeting = self._meeting(title, day, "street", street.committee)
            for community in street.communities:
                assert community.committee is not None
                status = "present" if rng.random() < 0.95 else "excused"
                person = community.committee.leader_at(day) if status == "present" else None
                meeting.rows.append((community.committee, status, person))
            for unit in invited:
                assert unit.joined is not None
                if unit.joined < day:
                    unit.invites.append(meeting)
        for community in street.communities:
            assert community.committee is not None
            step = rng.choices((1, 2, 3, 6), (40, 35, 20, 5))[0]
            offset = rng.randrange(step)
            members = community.members
            for i, (year, month) in enumerate(_months(PERIOD_START, PERIOD_END)):
                if i % step != offset:
                    continue
                day = date(year, month, rng.randint(5, 26))
                title = f"{community.name}{community.area.platform}{year}年{month}月联席会议"
                meeting = self._meeting(title, day, "community", community.committee)
                for unit in members:
                    assert unit.joined is not None
                    if unit.joined < day:
                        unit.invites.append(meeting)

    def _attend(self, unit: _Unit) -> None:
        """Which invitations the unit takes up, by its profile; one attendance row per invitation."""
        rng = self.rng
        invites = unit.invites
        n = len(invites)
        if not n:
            return

        def usual(k: int) -> int:
            return min(k, max(math.ceil(NORMAL_ATTENDANCE * k), round(rng.uniform(0.75, 1.0) * k)))

        if unit.profile in (NORMAL, NEW, DROPPED):  # as usual in every year, but a dropped unit's recent one
            chosen = []
            for year in range(PERIOD_START.year, PERIOD_END.year + 1):
                that_year = [i for i, m in enumerate(invites) if m.day.year == year]
                if unit.profile == DROPPED and year >= RECENT.year:
                    chosen += rng.sample(that_year, math.floor(rng.uniform(0, 0.15) * len(that_year)))
                else:
                    chosen += rng.sample(that_year, usual(len(that_year)))
        elif unit.profile == LOW:
            chosen = rng.sample(range(n), math.floor(rng.uniform(0, 0.15) * n))
        else:
            assert unit.dormant is not None
            before = [i for i, m in enumerate(invites) if m.day < unit.dormant]
            k = min(round(rng.uniform(0.5, 1.0) * len(before)), math.floor(PLANTED_ATTENDANCE * n))
            chosen = rng.sample(before, k)
        taken = set(chosen)
        planted = unit.profile in PLANTED
        for i, meeting in enumerate(invites):
            if i in taken:
                status = "present" if rng.random() < 0.9 else "substitute"
                person = unit.leader_at(meeting.day) if status == "present" and rng.random() < 0.5 else None
                unit.attended.append(meeting)
                unit.touch(meeting.day)
            else:
                status = (
                    ("absent" if rng.random() < 0.75 else "excused")
                    if planted
                    else ("excused" if rng.random() < 0.7 else "absent")
                )
                person = None
            meeting.rows.append((unit, status, person))
        self.city.attendance_rows += n

    # agreements

    def _agreement(
        self, title: str, signed: date, expires: date | None, kind: str, parties: list[_Unit]
    ) -> None:
        if len(parties) < 2 or signed > PERIOD_END:
            return
        self.city.agreements.append(_Agreement(self.code("XY"), title, signed, expires, kind, parties))
        for unit in parties:
            unit.touch(signed)

    @staticmethod
    def _renews(unit: _Unit, day: date) -> bool:
        """Whether a member unit signs an agreement renewed on day."""
        return unit.profile in (NORMAL, NEW) or (unit.profile == DROPPED and day < RECENT)

    def _cycle(
        self, host: _Unit, members: list[_Unit], title: str, kind: str, fixed: list[_Unit] | None = None
    ) -> tuple[date, date]:
        """An agreement signed before the period for three years, renewed when it expires."""
        rng = self.rng
        first = _day(rng, date(2020, 3, 1), date(2022, 11, 30))
        renewal = _years_later(first, 3)
        always = [host, *(fixed or [])]
        early = [u for u in members if u.joined is not None and u.joined <= first]
        self._agreement(f"{title}（{first.year}年）", first, renewal, kind, always + early)
        later = [
            u for u in members if u.joined is not None and u.joined <= renewal and self._renews(u, renewal)
        ]
        self._agreement(
            f"{title}（{renewal.year}年）", renewal, _years_later(renewal, 3), kind, always + later
        )
        return first, renewal

    def _agreements(self, street: _Street) -> None:
        rng = self.rng
        assert street.committee is not None
        committees = [c.committee for c in street.communities if c.committee is not None]
        special = SPECIAL_STREETS.get(street.name)
        title, kind = (
            (special[1], special[2]) if special else (f"{street.name}区域化党建共建协议", "共建协议")
        )
        all_members = bool(special and special[3])
        self._cycle(
            street.committee,
            [u for u in street.members if all_members or u.kind in BIG],
            title,
            kind,
            committees,
        )
        for community in street.communities:
            committee = community.committee
            assert committee is not None
            first, renewal = self._cycle(
                committee, community.members, f"{community.name}共驻共建协议书", "共建协议"
            )
            for unit in community.members:
                assert unit.joined is not None
                signed = unit.joined + timedelta(days=rng.randint(10, 60))
                if unit.joined <= first or unit.profile in PLANTED or signed >= renewal > unit.joined:
                    continue
                if unit.profile == NEW and rng.random() < 0.5:
                    continue
                if unit.profile == DROPPED and signed >= RECENT:
                    continue
                expires = renewal if signed < renewal else _years_later(signed, 3)
                self._agreement(
                    f"{committee.name}与{unit.name}共建协议", signed, expires, "共建协议", [committee, unit]
                )

    def _district_agreements(self) -> None:
        """The district-wide agreement some districts sign with 100+ units (旅顺口区 六联六共)."""
        rng = self.rng
        for district_name, (title, kind, n) in DISTRICT_AGREEMENTS.items():
            streets = [s for s in self.city.streets if s.district.name == district_name]
            if not streets:
                continue
            signed = _day(rng, date(2023, 9, 1), date(2023, 9, 28))
            committees = [s.committee for s in streets if s.committee is not None]
            eligible = [
                u
                for s in streets
                for u in s.members
                if u.kind in BIG and u.joined is not None and u.joined <= signed and self._renews(u, signed)
            ]
            chosen = set(rng.sample(eligible, min(n, len(eligible))))
            parties = committees + [u for u in eligible if u in chosen]
            self._agreement(title, signed, _years_later(signed, 3), kind, parties)

    # needs, projects, resources, registrations

    def _does_projects(self, unit: _Unit, year: int) -> bool:
        if unit.profile == NORMAL:
            return True
        if unit.profile == DROPPED:
            return year < RECENT.year
        if unit.profile == NEW:
            return self.rng.random() < 0.25
        return False

    def _need(self, community: _Community, title: str, category: str, status: str, published: date) -> _Need:
        need = _Need(self.code("XQ"), title, community, category, status, published)
        self.city.needs.append(need)
        return need

    def _projects(self, community: _Community) -> None:
        rng = self.rng
        hot_deck = rng.sample(HOT_TOPICS, len(HOT_TOPICS))
        for year in range(PERIOD_START.year, PERIOD_END.year + 1):
            deck: list[tuple[str, str]] = []
            rounds = 0

            def title(year: int = year) -> tuple[str, str]:
                """A need's title, unique in the city, and its category."""
                nonlocal deck, rounds
                if not deck:
                    deck, rounds = rng.sample(NEED_TOPICS, len(NEED_TOPICS)), rounds + 1
                topic, category = deck.pop()
                batch = f"（{_cn(rounds)}期）" if rounds > 1 else ""
                return f"{community.name}{year}年{topic}{batch}", category

            cutoff = date(year, 10, 1)
            active = [
                u
                for u in community.members
                if u.joined is not None and u.joined < cutoff and self._does_projects(u, year)
            ]
            slots = [u for u in active for _ in range(1 + (rng.random() < 0.4))]
            rng.shuffle(slots)
            while slots:
                size = rng.choices((1, 2, 3), (60, 25, 15))[0]
                group = [slots.pop()]
                for j in range(len(slots) - 1, -1, -1):
                    if len(group) >= size:
                        break
                    if slots[j] not in group:
                        group.append(slots.pop(j))
                self._project(community, year, group, *title())
            if len(active) >= 3 and hot_deck and rng.random() < 0.35:
                group = rng.sample(active, min(len(active), rng.randint(3, 5)))
                self._project(community, year, group, f"{community.name}{hot_deck.pop()}", HOT)
            for _ in range(rng.randint(1, 2)):  # needs nobody has claimed
                self._need(community, *title(), "open", _day(rng, date(year, 1, 5), date(year, 11, 30)))
            if rng.random() < 0.3:  # a project waiting for a unit to claim it
                need = self._need(
                    community, *title(), "open", _day(rng, date(year, 1, 5), date(year, 11, 30))
                )
                project = _Project(
                    self.code("XM"),
                    f"{need.title}项目",
                    need.category,
                    "open",
                    None,
                    None,
                    [],
                    community,
                    need,
                )
                self.city.projects.append(project)

    def _project(
        self, community: _Community, year: int, group: list[_Unit], title: str, category: str
    ) -> None:
        rng = self.rng
        joined = max(u.joined for u in group if u.joined is not None)
        start = _day(rng, max(date(year, 1, 15), joined + timedelta(days=7)), date(year, 11, 30))
        published = max(date(year, 1, 2), start - timedelta(days=rng.randint(5, 40)))
        end: date | None = start + timedelta(
            days=rng.randint(60, 300) if category == HOT else rng.randint(20, 240)
        )
        if any(u.profile == DROPPED for u in group):  # done before the unit's activity fell
            end = min(end or start, _day(rng, start + timedelta(days=10), date(year, 12, 20)))
        status = "done"
        if end is not None and end > PERIOD_END:
            end, status = None, "claimed"
        need = self._need(community, title, category, "closed" if status == "done" else "claimed", published)
        self.city.projects.append(
            _Project(self.code("XM"), f"{title}项目", category, status, start, end, group, community, need)
        )
        for unit in group:
            unit.touch(start)

    def _resources(self, street: _Street) -> None:
        rng = self.rng
        for unit in street.members:
            if unit.profile in PLANTED or unit.kind == "residents_committee":
                continue
            assert unit.joined is not None
            n = rng.choices((0, 1, 2), (35, 45, 20))[0] if unit.profile != NEW else int(rng.random() < 0.3)
            last = date(2024, 12, 20) if unit.profile == DROPPED else PERIOD_END
            first = max(unit.joined, PERIOD_START - timedelta(days=365))
            if first > last:
                continue
            for title, category in rng.sample(RESOURCES, n):
                day = _day(rng, first, last)
                self.city.resources.append(_Resource(self.code("ZY"), title, unit, category, day))
                unit.touch(day)

    def _registrations(self, community: _Community) -> None:
        rng = self.rng
        for unit in community.members:  # the unit reports to its community
            assert unit.joined is not None
            day = min(PERIOD_END, unit.joined + timedelta(days=rng.randint(0, 20)))
            self.city.registrations.append(_Registration(community, day, None, unit, None, None))
            unit.touch(day)
        employers = [
            u for u in community.street.members if u.party_org and u.profile in (NORMAL, NEW, DROPPED)
        ]
        weights = list(_accumulate(u.party_members or 1 for u in employers))
        for _ in range(rng.randint(*self.scale.registrants)):
            org = (
                rng.choices(employers, cum_weights=weights)[0] if employers and rng.random() < 0.85 else None
            )
            self._member_registrations(community, org)

    def _member_registrations(self, community: _Community, org: _Unit | None) -> None:
        """An in-service party member who reports to the community: a row for each year of the
        period in which they did (date, that year's service hours), the last one withdrawn if
        they withdrew. A dropped unit's members no longer report in its recent year."""
        rng = self.rng
        first, last_year = date(2019, 1, 1), PERIOD_END.year
        if org is not None and org.profile == NEW:
            assert org.joined is not None
            first = org.joined
        if org is not None and org.profile == DROPPED:
            last_year = RECENT.year - 1
        first = _day(rng, first, date(last_year, 11, 30))
        withdrawn = None
        if rng.random() < 0.07:
            end = first + timedelta(days=rng.randint(180, 900))
            end = end if end.month >= 5 else end.replace(month=5)  # after the year's re-registration
            if end <= PERIOD_END - timedelta(days=10):
                withdrawn, last_year = end, min(last_year, end.year)
        person = self.person(community.street.district.code, True)
        years = range(max(first.year, PERIOD_START.year), last_year + 1)
        if not years:  # registered and withdrew before the period
            self.city.registrations.append(_Registration(community, first, person, org, withdrawn, None))
            return
        for year in years:
            day = first if year == first.year else _day(rng, date(year, 1, 5), date(year, 3, 31))
            until = withdrawn if year == last_year and withdrawn else date(year, 12, 31)
            share = (until - day).days / 365
            hours = round(max(0.0, rng.gauss(42, 16)) * share * 2) / 2
            gone = withdrawn if year == last_year else None
            self.city.registrations.append(_Registration(community, day, person, org, gone, hours))
            if org is not None:
                org.touch(day)


def _accumulate(values: Iterable[int]) -> Iterator[int]:
    total = 0
    for v in values:
        total += v
        yield total


_SURNAME_WEIGHTS = list(_accumulate(round(1000 / (rank + 8)) for rank in range(len(SURNAMES))))


# --- the truth ----------------------------------------------------------------------------


def _in_force(agreement: _Agreement, day: date) -> bool:
    return agreement.signed <= day and (agreement.expires is None or agreement.expires > day)


def _truth(city: _City, scale: Scale, seed: int, mess: float, fmt: str) -> dict[str, Any]:
    in_force: set[_Unit] = {u for a in city.agreements if _in_force(a, PERIOD_END) for u in a.parties}
    projects: Counter[tuple[str, int]] = Counter()
    for project in city.projects:
        if project.start is not None:
            for unit in project.contributors:
                projects[unit.code, project.start.year] += 1

    def describe(unit: _Unit) -> dict[str, Any]:
        assert unit.community is not None and unit.joined is not None
        return {
            "code": unit.code,
            "kind": ORG_KIND.label(unit.kind),
            "district": unit.street.district.name,
            "street": unit.street.name,
            "community": unit.community.name,
            "joined": unit.joined.isoformat(),
            "has_party_org": unit.party_org,
        }

    def meetings(unit: _Unit, year: int | None = None) -> tuple[int, int]:
        invited = [m for m in unit.invites if year is None or m.day.year == year]
        attended = [m for m in unit.attended if year is None or m.day.year == year]
        return len(invited), len(attended)

    under: dict[str, Any] = {}
    newly: dict[str, Any] = {}
    dropped: dict[str, Any] = {}
    members = [u for u in city.units if u.joined is not None]
    for unit in members:
        if unit.profile in PLANTED:
            invited, attended = meetings(unit)
            assert attended <= PLANTED_ATTENDANCE * invited and unit not in in_force
            reasons = ["skips_meetings", "no_agreement"]
            if unit.party_org:
                reasons.append("no_cross_appointment")
            if unit.dormant is not None:
                reasons.append("dormant_since")
                assert unit.last is None or unit.last < unit.dormant
            under[unit.name] = describe(unit) | {
                "reasons": reasons,
                "dormant_since": unit.dormant.isoformat() if unit.dormant else None,
                "invited": invited,
                "attended": attended,
                "last_activity": unit.last.isoformat() if unit.last else None,
            }
        elif unit.profile == NEW:
            invited, attended = meetings(unit)
            newly[unit.name] = describe(unit) | {"invited": invited, "attended": attended}
        elif unit.profile == DROPPED:
            entry = describe(unit)
            for year in (RECENT.year - 1, RECENT.year):
                invited, attended = meetings(unit, year)
                entry |= {
                    f"invited_{year}": invited,
                    f"attended_{year}": attended,
                    f"projects_{year}": projects[unit.code, year],
                }
            dropped[unit.name] = entry
    return {
        "scale": scale.name,
        "seed": seed,
        "mess": mess,
        "format": fmt,
        "periods": {
            "activity": [PERIOD_START.isoformat(), PERIOD_END.isoformat()],
            "as_of": PERIOD_END.isoformat(),
            "baseline_year": RECENT.year - 1,
            "recent_year": RECENT.year,
            "newly_joined_since": NEW_SINCE.isoformat(),
            "under_engaged_joined_before": PLANT_BEFORE.isoformat(),
        },
        "thresholds": {
            "normal_attendance_at_least": NORMAL_ATTENDANCE,
            "under_engaged_attendance_at_most": PLANTED_ATTENDANCE,
        },
        "counts": {
            "districts": len(scale.districts),
            "streets": len(city.streets),
            "communities": sum(len(s.communities) for s in city.streets),
            "units": len(city.units),
            "member_units": len(members),
            "units_with_party_org": sum(u.party_org for u in city.units if u.kind not in COMMITTEES),
            "people": len(city.people),
        },
        "under_engaged": under,
        "newly_joined": newly,
        "dropped": dropped,
    }


# --- writing the ledger -------------------------------------------------------------------

# Messy but valid labels: synonyms from the glossary that ledgers use.
MESSY_LABELS: dict[tuple[str, str], str] = {
    ("org_kind", "private_firm"): "民营企业",
    ("org_kind", "soe"): "国有企业",
    ("org_kind", "shop"): "个体工商户",
    ("org_kind", "property_company"): "物业",
    ("org_kind", "owners_committee"): "业委会",
    ("org_kind", "residents_committee"): "社区居委会",
    ("org_kind", "government"): "事业单位",
    ("attendance", "present"): "参加",
    ("attendance", "absent"): "未参加",
    ("attendance", "substitute"): "委托参加",
    ("attendance", "excused"): "因事请假",
    ("project_status", "done"): "已完成",
    ("project_status", "claimed"): "进行中",
    ("need_status", "closed"): "已办结",
    ("need_status", "claimed"): "解决中",
}
VOCABULARY = {v.name: v for v in (ORG_KIND, AREA_LEVEL, ATTENDANCE, PROJECT_STATUS, NEED_STATUS)}
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
EXCEL_EPOCH = date(1899, 12, 30)
ZIP_TIME = (2025, 12, 31, 0, 0, 0)
Row = dict[str, Any]


def sheet_fields(record: RecordType) -> list[str]:
    """The columns of a generated sheet, as field names: 编码 first for node records;
    relationship records (posts, attendance, registrations) go without codes."""
    names = [c.name for c in record.columns if c.name != "code"]
    return ["code", *names] if record.is_node else names


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


class _CsvSink:
    """One CSV file per sheet in a folder, each in its encoding (:data:`ENCODINGS`)."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.file: IO[str] | None = None
        self.writer: Any = None

    def start(self, sheet: str, header: list[str]) -> None:
        encoding = ENCODINGS.get(sheet, "utf-8")
        self.file = (self.folder / f"{sheet}.csv").open("w", encoding=encoding, newline="")
        self.writer = csv.writer(self.file)
        self.writer.writerow(header)

    def row(self, values: list[Any]) -> None:
        self.writer.writerow([_text(v) for v in values])

    def end(self) -> None:
        assert self.file is not None
        self.file.close()

    def close(self) -> None:
        pass


class _XlsxSink:
    """One workbook, one sheet per record type, written in openpyxl's write-only mode."""

    def __init__(self, path: Path) -> None:
        from openpyxl import Workbook

        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.book = Workbook(write_only=True)
        self.sheet: Any = None
        self.rows = 0

    def start(self, sheet: str, header: list[str]) -> None:
        self.sheet = self.book.create_sheet(sheet)
        self.sheet.append(header)
        self.rows = 1

    def row(self, values: list[Any]) -> None:
        self.rows += 1
        if self.rows > XLSX_ROWS:
            raise GongjianError(
                f"Sheet {self.sheet.title} has more than {XLSX_ROWS} rows, more than Excel holds; "
                "generate this scale with fmt='csv'."
            )
        self.sheet.append(values)

    def end(self) -> None:
        pass

    def close(self) -> None:
        self.book.save(self.path)
        _fixed_zip(self.path)


def _fixed_zip(path: Path) -> None:
    """Rewrite a workbook with fixed timestamps, so that the same city gives the same bytes."""
    with zipfile.ZipFile(path) as archive:
        entries = [(info.filename, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2025-12-31T00:00:00Z", data)
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)


class _Writer:
    """Writes the city sheet by sheet. Every choice of how to write a value (mess) comes from
    its own random generator, so the city is the same at every mess level."""

    def __init__(self, city: _City, sink: _CsvSink | _XlsxSink, seed: int, mess: float, fmt: str) -> None:
        self.city = city
        self.sink = sink
        self.mess = mess
        self.xlsx = fmt == "xlsx"
        self.m = random.Random(f"gongjian-mess-{seed}")
        self.pii = random.Random(f"gongjian-pii-{seed}")
        names = Counter(p.name for p in city.people)
        self.unique = {p.code for p in city.people if names[p.name] == 1}
        self.rows: dict[str, int] = {}
        self.relationships: dict[str, int] = {}

    def write(self, progress: Callable[[int], None]) -> None:
        rows: dict[str, Callable[[], Iterator[Row]]] = {
            "area": self._areas,
            "organization": self._units,
            "person": self._people,
            "post": self._posts,
            "agreement": self._agreements,
            "meeting": self._meetings,
            "attendance": self._attendance,
            "project": self._projects,
            "need": self._needs,
            "resource": self._resources,
            "registration": self._registrations,
        }
        for i, record in enumerate(RECORD_TYPES, start=1):
            self._sheet(record, rows[record.name]())
            progress(i)
        self.sink.close()

    def sizes(self) -> dict[str, Any]:
        return {
            "rows": dict(self.rows),
            "relationships": dict(self.relationships),
            "relationships_total": sum(self.relationships.values()),
        }

    def _sheet(self, record: RecordType, rows: Iterator[Row]) -> None:
        m, mess = self.m, self.mess
        columns = [record.column(f) for f in sheet_fields(record)]
        extra = PERSONAL_COLUMNS if record.name == "person" else ()
        header = [c.zh[0] for c in columns] + list(extra)
        blank: list[Any] = [None] * len(header)
        self.sink.start(record.sheet_zh, header)
        count = relationships = 0
        for row in rows:
            count += 1
            if not record.is_node:
                relationships += 1
            values = []
            for column in columns:
                value = row.get(column.name)
                if record.is_node and column.kind in ("ref", "refs") and value:
                    relationships += len(value) if column.kind == "refs" else 1
                values.append(self._cell(column, value))
            self.sink.row(values + [row.get(x) for x in extra])
            if mess and m.random() < mess / 5:
                self.sink.row(blank)
        if mess and (record.name == "organization" or m.random() < 0.4):
            self.sink.row(blank)
            self.sink.row([m.choice(NOTES).format(street=self.city.streets[0].name), *blank[1:]])
        self.sink.end()
        self.rows[record.sheet_zh] = count
        self.relationships[record.name] = relationships

    # cells

    def _cell(self, column: Column, value: Any) -> Any:
        if value is None:
            return None
        if column.kind in ("refs", "texts"):
            sep = "；" if self.mess and self.m.random() < self.mess else "、"
            return sep.join(value) if value else None
        if column.kind == "date":
            return self._date(value)
        if column.kind == "bool":
            return self._bool(value)
        if column.kind == "enum":
            messy = MESSY_LABELS.get((column.vocab, value))
            if messy and self.m.random() < self.mess:
                return messy
            return VOCABULARY[column.vocab].label(value)
        return value

    def _date(self, day: date) -> Any:
        m = self.m
        if m.random() >= self.mess:
            return day
        styles = ["slash", "zh", "month", "month_zh"] + ["serial"] * (2 * self.xlsx)
        style = m.choice(styles)
        if style == "slash":
            return f"{day.year}/{day.month}/{day.day}"
        if style == "zh":
            return f"{day.year}年{day.month}月{day.day}日"
        if style == "month":
            return f"{day.year}.{day.month}"
        if style == "month_zh":
            return f"{day.year}年{day.month}月"
        return (day - EXCEL_EPOCH).days

    def _bool(self, value: bool) -> str:
        if self.mess and self.m.random() < self.mess:
            yes, no = self.m.choice((("√", "×"), ("有", "无"), ("Y", "N")))
        else:
            yes, no = "是", "否"
        return yes if value else no

    # references

    def unit(self, unit: _Unit) -> str:
        r = self.m.random()
        if r < 0.03:
            return unit.code
        if r < 0.03 + self.mess and unit.aliases:
            return self.m.choice(unit.aliases)
        if r < 0.03 + 2 * self.mess:
            return _full_width(unit.name, self.m)
        return unit.name

    def area(self, area: _Area) -> str:
        r = self.m.random()
        if r < 0.05:
            return area.code
        if r < 0.05 + self.mess / 2:
            return _full_width(area.name, self.m)
        return area.name

    def person(self, person: _Person) -> str:
        if person.code in self.unique and self.m.random() < 0.25:
            return person.name
        return person.code

    # rows

    def _areas(self) -> Iterator[Row]:
        for a in self.city.areas:
            yield {
                "code": a.code,
                "name": a.name,
                "level": a.level,
                "parent": self.area(a.parent) if a.parent else None,
                "platform": a.platform or None,
                "valid_from": a.valid_from,
                "valid_to": a.valid_to,
            }

    def _units(self) -> Iterator[Row]:
        for u in self.city.units:
            yield {
                "code": u.code,
                "name": u.name,
                "kind": u.kind,
                "area": self.area(u.area),
                "aliases": u.aliases,
                "has_party_org": u.party_org,
                "party_members": u.party_members,
                "joined": u.joined,
            }

    def _people(self) -> Iterator[Row]:
        for p in self.city.people:
            yield {
                "code": p.code,
                "name": p.name,
                "party_member": p.party,
                PERSONAL_COLUMNS[0]: self._id_number(p),
                PERSONAL_COLUMNS[1]: self._phone(),
            }

    def _id_number(self, person: _Person) -> str | int:
        """A fake resident ID number of the right shape, sometimes as Excel mangles it."""
        pii, m = self.pii, self.m
        birth = date(1955, 1, 1) + timedelta(days=pii.randint(0, 45 * 365))
        body = f"{person.district}{birth:%Y%m%d}{pii.randint(0, 999):03d}"
        number = body + "10X98765432"[sum(int(c) * w for c, w in zip(body, ID_WEIGHTS, strict=True)) % 11]
        if m.random() >= 3 * self.mess:
            return number
        style = m.randrange(3)
        if style == 0:  # a number to Excel: 15 significant digits
            mangled = number[:15] + "000"
            return int(mangled) if self.xlsx else mangled
        if style == 1:
            return number[:17] + "x"
        return f"{person.district}{birth:%y%m%d}{body[14:17]}"  # the old 15-digit form

    def _phone(self) -> str:
        pii = self.pii
        landline = f"0411-{pii.randint(80000000, 89999999)}"
        mobile = f"1{pii.choice('3589')}{pii.randint(0, 999_999_999):09d}"
        phone = landline if pii.random() < 0.4 else mobile
        if self.m.random() < 2 * self.mess:
            phone = f"{landline}{self.m.choice(('；', '/', ' '))}{mobile}"
        return phone

    def _posts(self) -> Iterator[Row]:
        for p in self.city.posts:
            yield {
                "person": self.person(p.person),
                "org": self.unit(p.org),
                "role": p.role,
                "part_time": p.part_time,
                "start": p.start,
                "end": p.end,
            }

    def _agreements(self) -> Iterator[Row]:
        for a in self.city.agreements:
            yield {
                "code": a.code,
                "title": a.title,
                "signed": a.signed,
                "parties": [self.unit(u) for u in a.parties],
                "kind": a.kind,
                "expires": a.expires,
            }

    def _meetings(self) -> Iterator[Row]:
        for mt in self.city.meetings:
            yield {
                "code": mt.code,
                "title": mt.title,
                "date": mt.day,
                "level": mt.level,
                "host": self.unit(mt.host),
            }

    def _attendance(self) -> Iterator[Row]:
        for mt in self.city.meetings:
            for unit, status, person in mt.rows:
                yield {
                    "meeting": mt.code if self.m.random() < 0.1 else mt.title,
                    "org": self.unit(unit),
                    "status": status,
                    "person": self.person(person) if person else None,
                }

    def _projects(self) -> Iterator[Row]:
        for p in self.city.projects:
            need = p.need.code if self.m.random() < 0.3 else p.need.title
            yield {
                "code": p.code,
                "title": p.title,
                "category": p.category,
                "status": p.status,
                "start": p.start,
                "end": p.end,
                "contributors": [self.unit(u) for u in p.contributors],
                "community": self.area(p.community.area),
                "need": need,
            }

    def _needs(self) -> Iterator[Row]:
        for n in self.city.needs:
            yield {
                "code": n.code,
                "title": n.title,
                "community": self.area(n.community.area),
                "category": n.category,
                "status": n.status,
                "published": n.published,
            }

    def _resources(self) -> Iterator[Row]:
        for r in self.city.resources:
            yield {
                "code": r.code,
                "title": r.title,
                "org": self.unit(r.unit),
                "category": r.category,
                "published": r.published,
            }

    def _registrations(self) -> Iterator[Row]:
        for r in self.city.registrations:
            yield {
                "community": self.area(r.community.area),
                "date": r.day,
                "person": self.person(r.person) if r.person else None,
                "org": self.unit(r.org) if r.org else None,
                "withdrawn": r.withdrawn,
                "hours": r.hours,
            }


# --- the entry points ---------------------------------------------------------------------


def truth_path(out: Path, fmt: str = "csv") -> Path:
    """Where generate() writes the truth: in the folder, or beside the workbook."""
    out = Path(out)
    return out / TRUTH_FILE if fmt == "csv" else out.with_name(f"{out.stem}.truth.json")


def generate(
    scale: str,
    seed: int,
    out: Path,
    *,
    mess: float = 0.05,
    fmt: str = "csv",
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Write a synthetic city of the given scale as a ledger at ``out`` (a folder of CSV files,
    or an .xlsx workbook) and its truth.json (:func:`truth_path`); return ``out``.

    ``mess``: the share of values written the messy ways real ledgers write them (0: clean).
    ``progress``: called with (done, total) steps.
    """
    if scale not in SCALES:
        raise GongjianError(f"Unknown scale {scale!r}; use one of {', '.join(SCALES)}.")
    if fmt not in FORMATS:
        raise GongjianError(f"Unknown format {fmt!r}; use one of {', '.join(FORMATS)}.")
    if fmt == "xlsx" and scale != "S":
        raise GongjianError(f"Scale {scale} is too large for one workbook; generate it with fmt='csv'.")
    if not 0 <= mess <= 1:
        raise GongjianError(f"mess is a share of values, {mess} is not between 0 and 1; use e.g. 0.05.")
    spec = SCALES[scale]
    out = Path(out)
    total = spec.streets + len(RECORD_TYPES) + 1

    def report(done: int) -> None:
        if progress is not None:
            progress(done, total)

    city = _Builder(spec, random.Random(f"gongjian-{scale}-{seed}")).build(report)
    truth = _truth(city, spec, seed, mess, fmt)
    sink = _CsvSink(out) if fmt == "csv" else _XlsxSink(out)
    writer = _Writer(city, sink, seed, mess, fmt)
    writer.write(lambda i: report(spec.streets + i))
    truth["sizes"] = writer.sizes()
    truth_path(out, fmt).write_text(json.dumps(truth, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    report(total)
    return out


# --- counting relationships ---------------------------------------------------------------

_SEPARATORS = re.compile(r"[、;；\n\r]+")
Tables = Mapping[str, Iterable[Mapping[str, Any]]]


def count_relationships(source: Path | str | Tables) -> dict[str, int]:
    """The relationships (graph edges) a ledger makes, by record type, and their ``total``.

    Every row of a relationship record (post, attendance, registration) is one; every filled
    reference of a node record (a unit's area, an area's parent, a meeting's host…) is one;
    every item of a list reference (an agreement's parties, a project's contributors) is one.
    ``source``: a generated ledger (a folder of CSV files or a workbook), or tables by record
    name (``organization``) or sheet name (``单位``), as rows keyed by field name.
    """
    tables = _read_tables(Path(source)) if isinstance(source, str | Path) else source
    counts: dict[str, int] = {}
    for record in RECORD_TYPES:
        rows = tables.get(record.name, tables.get(record.sheet_zh))
        if rows is None:
            continue
        refs = [c for c in record.columns if c.kind in ("ref", "refs")]
        n = 0
        for row in rows:
            if not record.is_node:
                n += 1
                continue
            for column in refs:
                items = _items(row.get(column.name))
                n += min(items, 1) if column.kind == "ref" else items
        counts[record.name] = n
    counts["total"] = sum(counts.values())
    return counts


def _items(value: Any) -> int:
    if value is None or value != value:  # None or NaN
        return 0
    if isinstance(value, str):
        return len([part for part in _SEPARATORS.split(value) if part.strip()])
    if isinstance(value, list | tuple):
        return len(value)
    return 1


def _read_tables(path: Path) -> dict[str, list[dict[str, str]]]:
    """The rows of a generated ledger as text, keyed by field name; blank rows and the note
    under a table left out."""
    grids: dict[str, list[list[str]]] = {}
    if path.is_dir():
        for record in RECORD_TYPES:
            file = path / f"{record.sheet_zh}.csv"
            if file.exists():
                data = file.read_bytes()
                try:
                    text = data.decode("utf-8-sig")
                except UnicodeDecodeError:
                    text = data.decode("gb18030")
                grids[record.name] = list(csv.reader(io.StringIO(text)))
    else:
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True)
        for record in RECORD_TYPES:
            if record.sheet_zh in book.sheetnames:
                grids[record.name] = [
                    [_text(v) for v in row] for row in book[record.sheet_zh].iter_rows(values_only=True)
                ]
        book.close()
    tables: dict[str, list[dict[str, str]]] = {}
    for name, grid in grids.items():
        headers = {h: c.name for c in RECORDS[name].columns for h in (*c.zh, *c.en)}
        fields = [headers.get(h.strip()) for h in grid[0]]
        rows = []
        for cells in grid[1:]:
            if not any(c.strip() for c in cells):
                continue
            if cells[0].startswith(("注", "说明", "备注")) and not any(c.strip() for c in cells[1:]):
                break
            rows.append({f: c for f, c in zip(fields, cells, strict=False) if f})
        tables[name] = rows
    return tables
