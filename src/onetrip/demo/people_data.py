"""The sample district's people: staff per role, applicants, companies and agencies.

Identity numbers are generated with real check digits (python-stdnum), so they pass the same
validation as real ones; they belong to nobody. All demo accounts share DEMO_PASSWORD.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from onetrip.roles import Role

DEMO_PASSWORD = "onetrip-demo"
#: The demo's managers and administrators are pre-enrolled for the TOTP second factor with this
#: key (base32 JBSWY3DPEHPK3PXP…, shown by `onetrip demo` and, in demo mode only, on the code
#: page with the current code). Hex, as django-otp stores it.
DEMO_TOTP_KEY = "48656c6c6f21deadbeef48656c6c6f21deadbeef"

_ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def ric_make(*, region: str, birth: str, seq: int, female: bool) -> str:
    """A resident ID number (GB 11643) with a valid check digit; the sequence's parity is the sex."""
    from stdnum.cn import ric

    seq = seq % 500 * 2 + (0 if female else 1)
    body = f"{region}{birth}{seq:03d}"
    return ric.validate(body + ric.calc_check_digit(body + "0"))


def uscc_make(*, seq: int, region: str = "330102") -> str:
    """A unified social credit code (GB 32100) for a company registered in ``region``.

    Characters 9–17 are an organisation code ("MA" + 6 characters) whose own GB 11714 check
    character is computed too, and the last character is the GB 32100 check character.
    """
    from stdnum.cn import uscc

    org = f"MA2{seq:05d}"
    total = sum(_ORG_ALPHABET.index(c) * w for c, w in zip(org, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    org += {10: "X", 11: "0"}.get(check, str(check))
    body = f"91{region}{org}"
    return uscc.validate(body + uscc.calc_check_digit(body))


@dataclass(frozen=True)
class StaffSpec:
    username: str
    display_name: str
    roles: tuple[str, ...]
    point: str  # service point code
    department: str = ""  # department code
    superuser: bool = False
    try_this: str = ""


@dataclass(frozen=True)
class PersonSpec:
    name: str
    region: str
    birth: str
    seq: int
    female: bool
    phone: str
    address: str
    username: str = ""


@dataclass(frozen=True)
class OrgSpec:
    """A company or an agency, registered by its credit code (made from ``seq``); ``contact``
    is a company's legal representative, an agency's contact person."""

    name: str
    seq: int
    contact: str
    phone: str
    address: str


@dataclass(frozen=True)
class CompanySpec(OrgSpec):
    username: str = ""


@dataclass(frozen=True)
class AgencySpec(OrgSpec):
    agent_username: str
    agent_name: str
    clients: tuple[str, ...] = field(default_factory=tuple)


STREETS = [
    ("hubin", "湖滨", "dongpo"),
    ("qingbo", "清波", "qingbojie"),
    ("xiaoying", "小营", "xiaoyingxiang"),
    ("ziyang", "紫阳", "shangyangshijie"),
    ("wangjiang", "望江", "jinjiangdongyuan"),
    ("nanxing", "南星", "mantoushan"),
]

#: department code -> reviewer display name
REVIEWERS = {
    "scjg": "王晓杭",
    "mz": "李民安",
    "rlsb": "张社保",
    "wjw": "赵卫康",
    "wgly": "钱文演",
    "gaj": "孙户政",
    "zjj": "周建安",
    "sw": "吴税收",
    "yb": "郑医保",
    "cl": "冯助残",
    "jy": "陈育才",
    "cg": "褚城管",
    "tyjr": "卫拥军",
    "sfj": "蒋法援",
    "zrzy": "沈不动",
}

STAFF: list[StaffSpec] = [
    StaffSpec(
        "admin",
        "系统管理员",
        (Role.ADMIN,),
        "sc",
        superuser=True,
        try_this="/admin/ 管理事项清单、用户、工作日历",
    ),
    StaffSpec(
        "guide",
        "0号窗口导办员",
        (Role.GUIDE,),
        "sc",
        try_this="0号窗口：预审材料、一次性告知、取号",
    ),
    StaffSpec(
        "clerk1", "窗口受理员一", (Role.CLERK,), "sc", try_this="叫号、一窗受理（区行政服务中心）"
    ),
    StaffSpec("clerk2", "窗口受理员二", (Role.CLERK,), "sc", try_this="企业自办专窗"),
    StaffSpec("clerk3", "窗口受理员三", (Role.CLERK,), "sc", try_this="中介代办专窗"),
    *[
        StaffSpec(
            f"clerk-{code}",
            f"{name}街道便民服务中心受理员",
            (Role.CLERK,),
            f"sc-{code}",
            try_this="街道层面就近办",
        )
        for code, name, _c in STREETS
    ],
    *[
        StaffSpec(
            f"reviewer-{dept}",
            person,
            (Role.REVIEWER,),
            "sc",
            department=dept,
            try_this="后台审批、要求补正、作出决定",
        )
        for dept, person in REVIEWERS.items()
    ],
    *[
        StaffSpec(
            f"social-{code}",
            f"{name}街道全能社工",
            (Role.SOCIAL_WORKER,),
            f"sc-{code}-{community}",
            try_this="社区“一岗受理”、上门办理老年人优待证",
        )
        for code, name, community in STREETS
    ],
    StaffSpec(
        "specialist", "企业服务专员", (Role.SPECIALIST,), "sc", try_this="“一对一”上门服务企业"
    ),
    StaffSpec(
        "grid",
        "东坡路社区网格员",
        (Role.GRID_WORKER,),
        "sc-hubin-dongpo",
        try_this="上报隐患、纠纷",
    ),
    StaffSpec(
        "volunteer",
        "平安志愿者（信息员）",
        (Role.APPLICANT,),
        "sc-hubin-dongpo",
        try_this="手机随手报纠纷、隐患；我的志愿服务记录",
    ),
    StaffSpec(
        "mediator",
        "平安志愿者（调解员）",
        (Role.APPLICANT,),
        "sc-hubin-dongpo",
        try_this="签收分派的纠纷、记录调解协议、办结",
    ),
    StaffSpec(
        "operator",
        "平安365指挥中心值班员",
        (Role.OPERATOR,),
        "sc",
        try_this="分拨、跟踪事件办结",
    ),
    StaffSpec(
        "manager",
        "区审管办负责人",
        (Role.MANAGER,),
        "sc",
        try_this="改革指标：等候、一次通过率、零跑动",
    ),
]

#: Born 1984 or later for region 330102 (stdnum knows that code from 1983 on); older residents
#: carry the code of the county where their number was first issued.
PEOPLE: list[PersonSpec] = [
    PersonSpec(
        "陈晓雯", "330102", "19900315", 12, True, "13857100001", "杭州市上城区东坡路1号", "citizen"
    ),
    PersonSpec(
        "王德明", "330122", "19560708", 21, False, "13857100002", "杭州市上城区清波街18号", "senior"
    ),
    PersonSpec("李秀英", "330122", "19520211", 33, True, "13857100003", "杭州市上城区小营巷5号"),
    PersonSpec("赵敏", "330102", "19870923", 45, True, "13857100004", "杭州市上城区望江路66号"),
    PersonSpec("周杰", "330102", "19920101", 56, False, "13857100005", "杭州市上城区复兴街9号"),
    PersonSpec("孙丽", "330102", "19851130", 67, True, "13857100006", "杭州市上城区中河中路20号"),
    PersonSpec("吴婷", "330102", "19950618", 78, True, "13857100007", "杭州市上城区上羊市街3号"),
    PersonSpec("郑浩", "330102", "19880404", 89, False, "13857100008", "杭州市上城区近江东园2幢"),
    PersonSpec("钱芳", "330127", "19480520", 91, True, "13857100009", "杭州市上城区馒头山路12号"),
    PersonSpec(
        "蔡一鸣", "310101", "19930812", 14, False, "13857100010", "上海市黄浦区（演出人员）"
    ),
]

#: The first is the demo company account; the rest are agencies' clients (by name below).
COMPANIES: list[CompanySpec] = [
    CompanySpec(
        "杭州湖滨数字科技有限公司",
        1,
        "陈晓雯",
        "13857100101",
        "杭州市上城区解放路100号",
        "company",
    ),
    CompanySpec("杭州清波茶文化有限公司", 2, "林清", "13857100102", "杭州市上城区清波街25号"),
    CompanySpec("杭州小营餐饮管理有限公司", 3, "黄营", "13857100103", "杭州市上城区建国中路8号"),
    CompanySpec("杭州紫阳文化传媒有限公司", 4, "许阳", "13857100104", "杭州市上城区紫阳街9号"),
    CompanySpec(
        "杭州望江建筑装饰工程有限公司", 5, "何江", "13857100105", "杭州市上城区望江路200号"
    ),
    CompanySpec("杭州南星物流有限公司", 6, "吕星", "13857100106", "杭州市上城区复兴街50号"),
    CompanySpec("杭州钱塘演艺经纪有限公司", 7, "施演", "13857100107", "杭州市上城区南山路150号"),
    CompanySpec("杭州吴山健康咨询有限公司", 8, "张吴", "13857100108", "杭州市上城区河坊街30号"),
    CompanySpec("杭州河坊老字号食品有限公司", 9, "孔坊", "13857100109", "杭州市上城区河坊街88号"),
    CompanySpec("杭州凤凰山旅游开发有限公司", 10, "曹凤", "13857100110", "杭州市上城区凤山路6号"),
    CompanySpec("杭州江城信息技术有限公司", 11, "严城", "13857100111", "杭州市上城区江城路70号"),
    CompanySpec("杭州鼓楼大药房有限公司", 12, "华楼", "13857100112", "杭州市上城区中山南路1号"),
    CompanySpec("杭州近江服饰有限公司", 13, "金近", "13857100113", "杭州市上城区秋涛路120号"),
    CompanySpec("杭州中河广告有限公司", 14, "魏河", "13857100114", "杭州市上城区中河中路99号"),
    CompanySpec(
        "杭州复兴人力资源服务有限公司", 15, "陶兴", "13857100115", "杭州市上城区复兴路10号"
    ),
    CompanySpec("杭州城站电子商务有限公司", 16, "姜站", "13857100116", "杭州市上城区环城东路5号"),
    CompanySpec("杭州南宋御街餐饮有限公司", 17, "戚御", "13857100117", "杭州市上城区中山中路60号"),
    CompanySpec("杭州湖滨游泳健身有限公司", 18, "谢湖", "13857100118", "杭州市上城区湖滨路15号"),
]

AGENCIES: list[AgencySpec] = [
    AgencySpec(
        "杭州上城恒信企业登记代理有限公司",
        101,
        "邹恒",
        "13857100201",
        "杭州市上城区庆春路10号",
        "agent1",
        "邹代办",
        ("杭州清波茶文化有限公司", "杭州小营餐饮管理有限公司", "杭州紫阳文化传媒有限公司"),
    ),
    AgencySpec(
        "杭州湖滨财税咨询有限公司",
        102,
        "喻湖",
        "13857100202",
        "杭州市上城区平海路20号",
        "agent2",
        "喻代办",
        ("杭州望江建筑装饰工程有限公司", "杭州南星物流有限公司", "杭州钱塘演艺经纪有限公司"),
    ),
    AgencySpec(
        "杭州钱江工商代理事务所有限公司",
        103,
        "柏钱",
        "13857100203",
        "杭州市上城区秋涛路30号",
        "agent3",
        "柏代办",
        ("杭州吴山健康咨询有限公司", "杭州河坊老字号食品有限公司", "杭州凤凰山旅游开发有限公司"),
    ),
    AgencySpec(
        "杭州南宋御街企业服务有限公司",
        104,
        "水御",
        "13857100204",
        "杭州市上城区中山中路40号",
        "agent4",
        "水代办",
        ("杭州江城信息技术有限公司", "杭州鼓楼大药房有限公司", "杭州近江服饰有限公司"),
    ),
    AgencySpec(
        "杭州望江会计服务有限公司",
        105,
        "窦望",
        "13857100205",
        "杭州市上城区望江东路8号",
        "agent5",
        "窦代办",
        ("杭州中河广告有限公司", "杭州复兴人力资源服务有限公司", "杭州城站电子商务有限公司"),
    ),
    AgencySpec(
        "杭州小营知识产权代理有限公司",
        106,
        "章营",
        "13857100206",
        "杭州市上城区小营巷20号",
        "agent6",
        "章代办",
        ("杭州南宋御街餐饮有限公司", "杭州湖滨游泳健身有限公司", "杭州清波茶文化有限公司"),
    ),
]
