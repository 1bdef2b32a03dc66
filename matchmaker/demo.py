"""The demo data set: real Guizhou regions, schools and majors; generated enterprises and postings.

`demo_rows()` gives import rows (organizations first, then postings) for
`transfer.import_rows(rows, is_demo=True)`:

* schools — the 80 real higher-education institutions of Guizhou (config/reference), plus a
  few generated county 中职 / 技工 schools; each offers real majors of the national
  vocational catalog that fit the kind of school it is (data/demo/schools.json: a medical
  college runs medical majors, a 幼儿师范 college preschool and primary teaching …), described
  by the MOE major profiles (培养目标 and 主要专业课程 only: the profiles' 职业面向 is the label
  source of the relevance set and must stay out);
* enterprises — generated, in every sector of config/taxonomy/sectors.json, placed in the
  counties where that industry really is, with job titles and duties from the national
  occupation classification (大典 2022);
* postings — worded from the phrase banks of data/demo/phrases.json (several titles and
  layouts per category and side, short and long), filled with each sector's business,
  workplaces, technical problems, services, labs, equipment and past projects
  (data/demo/industries.json) and each major's courses and certificates.

Everything comes from the reference files and `random.Random` generators seeded by stable
strings, so the rows and their refs are identical on every run: loading twice updates.
"""

from __future__ import annotations

import csv
import functools
import json
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from matchmaker.data import data_dir

SEED = "matchmaker-demo-v1"
Row = dict[str, Any]  # one import row
REFERENCE = data_dir("reference")
TAXONOMY = data_dir("taxonomy")

# --- data tables -------------------------------------------------------------------------

# Majors → sectors. Keyword rules on the major's name win; otherwise the default of its class
# ("family": the 高职 class code; 职教本科 and 中职 classes are mapped onto it). Many majors
# (finance, languages, law …) belong to no sector of the taxonomy: an empty list is fine.
MAJOR_KEYWORD_SECTORS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"茶艺", ("tea", "tourism")),
    (r"茶叶", ("tea",)),
    (r"食用菌", ("edible_fungi",)),
    (r"中草药|中药材", ("chinese_herbs", "dendrobium")),
    (r"中药", ("health_medicine",)),
    (r"中医|针灸|推拿", ("health_services",)),
    (r"酿酒|葡萄酒|烟草", ("liquor_tobacco",)),
    (r"竹", ("bamboo",)),
    (r"经济林", ("camellia_oil", "fruit")),
    (r"园艺", ("vegetables", "fruit")),
    (r"设施农业|现代农业技术|作物生产", ("vegetables",)),
    (r"植物保护|植保", ("vegetables", "fruit")),
    (r"畜禽|畜牧|饲草|饲料", ("eco_livestock",)),
    (r"水产|渔|淡水养殖|水生动物", ("eco_fishery",)),
    (r"食品|农产品加工|农产品贮藏|粮油", ("eco_food",)),
    (r"婴幼儿|早期教育|学前教育|幼儿保育|母婴", ("childcare",)),
    (r"家政", ("housekeeping",)),
    (r"养老|老年|医养", ("elderly_care", "health_services")),
    (r"康复", ("health_services",)),
    (r"旅游|导游|酒店|民宿|景区|研学|会展|饭店|休闲农业", ("tourism",)),
    (r"民族传统技艺|民族表演|民族美术|民族服装|民族工艺|民族纺染|民间传统工艺", ("tourism",)),
    (r"煤", ("basic_energy",)),
    (r"水电|发电|电力|供用电|输配电|光伏|风力|储能", ("clean_power",)),
    (r"建筑材料|建材|装配式|混凝土", ("building_materials",)),
    (r"化工|磷", ("modern_chemicals",)),
    (r"冶金|冶炼", ("basic_materials",)),
    (r"数控|机电|机械|工业机器人|焊接|模具|智能制造", ("advanced_equipment",)),
    (r"物联网|云计算|人工智能|软件|集成电路|电子信息", ("big_data_electronics",)),
)
FAMILY_SECTORS: dict[str, tuple[str, ...]] = {
    "4103": ("eco_livestock",),
    "4104": ("eco_fishery",),
    "4204": ("basic_energy",),
    "4205": ("basic_energy",),
    "4206": ("basic_materials",),
    "4301": ("clean_power",),
    "4302": ("clean_power",),
    "4303": ("clean_power",),
    "4304": ("basic_materials",),
    "4305": ("basic_materials",),
    "4306": ("basic_materials",),
    "4307": ("building_materials",),
    **{f"460{n}": ("advanced_equipment",) for n in range(1, 8)},
    "4702": ("modern_chemicals",),
    "4901": ("eco_food",),
    "4902": ("health_medicine",),
    "4903": ("eco_food",),
    **{f"510{n}": ("big_data_electronics",) for n in range(1, 5)},
    "5201": ("health_services",),
    "5202": ("health_services",),
    "5203": ("health_medicine",),
    "5204": ("health_medicine",),
    "5205": ("health_services",),
    "5206": ("health_services",),
    "5207": ("health_services",),
    "5208": ("health_services",),
    "5209": ("health_services",),
    "5401": ("tourism",),
    "5402": ("tourism",),
}


# What a school teaches: data/demo/schools.json gives every demo school its types (medical,
# normal, preschool, agriculture …: each a pool of majors) and the majors it is known for.
# A school offers only majors of those pools, so a 幼儿师范 college runs no 软件技术.
@dataclass(frozen=True)
class SchoolType:
    families: frozenset[str]  # 高职 class codes
    majors: frozenset[str]  # single majors outside those families (niche ones too)
    core: tuple[str, ...] = ()  # majors such a school nearly always has
    exclude: str = ""  # majors of the families it does not run

    def admits(self, major: Major) -> bool:
        if major.name in self.majors:
            return True
        return (
            major.family in self.families
            and not (self.exclude and re.search(self.exclude, major.name))
            and not re.search(NICHE_MAJORS, major.name)
        )


@dataclass(frozen=True)
class SchoolProfile:
    types: tuple[SchoolType, ...]  # the first is the school's main type
    majors: tuple[str, ...] = ()  # what it is known for, taken first

    def admits(self, major: Major) -> bool:
        return any(kind.admits(major) for kind in self.types)


@functools.cache
def _school_data() -> dict[str, Any]:
    return json.loads((data_dir("demo") / "schools.json").read_text(encoding="utf-8"))


@functools.cache
def school_types() -> dict[str, SchoolType]:
    return {
        code: SchoolType(frozenset(t["families"]), frozenset(t["majors"]), tuple(t["core"]), t.get("exclude", ""))
        for code, t in _school_data()["types"].items()
    }


# Types read from the name of a school that data/demo/schools.json does not list.
NAME_TYPES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"幼儿", ("preschool",)),
    (r"中医", ("tcm", "nursing")),
    (r"医|卫生", ("medical",)),
    (r"护理", ("nursing", "medical")),
    (r"康养", ("health_care", "nursing")),
    (r"师范", ("normal",)),
    (r"农业|农林", ("agriculture", "food")),
    (r"食品|轻工", ("food",)),
    (r"电力|能源", ("power",)),
    (r"水利", ("water", "power")),
    (r"建设|城市|建筑", ("construction",)),
    (r"交通", ("transport",)),
    (r"电子|信息|数据", ("it",)),
    (r"航空|航天", ("aerospace",)),
    (r"财经|商|经贸|经济", ("business",)),
    (r"旅游", ("tourism",)),
    (r"体育", ("sports",)),
    (r"传媒", ("media",)),
    (r"警察|司法", ("police",)),
    (r"装备|机电|工业|理工|工程|技工", ("engineering",)),
)


@functools.cache
def school_profile(name: str) -> SchoolProfile:
    """The school's entry in data/demo/schools.json, else types read from its name."""
    types = school_types()
    entry = _school_data()["schools"].get(name)
    if entry is not None:
        return SchoolProfile(tuple(types[t] for t in entry["types"]), tuple(entry.get("majors", ())))
    codes = [code for pattern, found in NAME_TYPES if re.search(pattern, name) for code in found]
    return SchoolProfile(tuple(types[c] for c in dict.fromkeys([*codes, "comprehensive_vocational"])))


# Majors no Guizhou school would plausibly run: sea and oil, other regions' ethnic medicine …
UNLIKELY_MAJORS = (
    r"^(蒙|藏|维|傣|哈|朝)(医|药)|海洋|海水|船舶|船体|邮轮|航海|港口|轮机|远洋|冰雪|高尔夫|棉花|热带"
    r"|石油|油气|油田|核|导弹|火炸药|烟花爆竹|殡葬|陵园|兽药"
)
# Niche majors a school runs only when its type names them (data/demo/schools.json `majors`).
NICHE_MAJORS = (
    r"首饰|玉器|皮具|美容美体|人物形象|雕刻|服装陈列|乐器|钢琴|魔术|曲艺|音乐剧|国际标准舞|内燃机|电线电缆|丝绸"
    r"|鞋类|皮革|香料香精|化妆品|烟草|蚕桑|宠物|电子竞技|密码|直升机|定翼机|航空油料|管道|邮政|婚庆"
)

# Each prefecture's industries: majors its vocational colleges are likely to run (the first surely).
REGION_MAJORS: dict[str, tuple[str, ...]] = {
    "520100": ("大数据技术", "软件技术", "数控技术", "工业机器人技术"),
    "520200": ("煤矿智能开采技术", "矿山机电与智能装备", "通风技术与安全管理", "光伏工程技术"),
    "520300": ("茶叶生产与加工技术", "茶艺与茶文化", "酿酒技术", "数控技术"),
    "520400": ("飞行器数字化制造技术", "数控技术", "旅游管理", "食品智能加工技术"),
    "520500": ("煤矿智能开采技术", "设施农业与装备", "畜牧兽医", "中草药栽培与加工技术"),
    "520600": ("茶叶生产与加工技术", "食用菌生产与加工技术", "智慧景区开发与管理", "有色金属智能冶金技术"),
    "522300": ("旅游管理", "园艺技术", "水产养殖技术", "民族传统技艺"),
    "522600": ("民族传统技艺", "旅游管理", "林业技术", "经济林培育与利用", "中草药栽培与加工技术"),
    "522700": ("茶叶生产与加工技术", "茶艺与茶文化", "应用化工技术", "旅游管理"),
}

# Generated county schools (no public list of Guizhou 中职 / 技工 schools was found):
# name, county, subtype, majors (中职 catalog names).
GENERATED_SCHOOLS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    (
        "湄潭县中等职业学校",
        "520328",
        "中职学校",
        ("茶叶生产与加工", "茶艺与茶营销", "农产品贮藏与加工", "电子商务", "旅游服务与管理"),
    ),
    (
        "仁怀市中等职业学校",
        "520382",
        "中职学校",
        ("酿酒工艺与技术", "食品安全与检测技术", "市场营销", "物流服务与管理", "汽车运用与维修"),
    ),
    (
        "都匀市中等职业学校",
        "522701",
        "中职学校",
        ("茶叶生产与加工", "茶艺与茶营销", "旅游服务与管理", "幼儿保育", "计算机应用"),
    ),
    (
        "盘州市中等职业学校",
        "520281",
        "中职学校",
        ("采矿技术", "矿山机电", "矿井通风与安全", "机电技术应用", "电子商务"),
    ),
    (
        "威宁自治县中等职业学校",
        "520526",
        "中职学校",
        ("畜禽生产技术", "设施农业生产技术", "农机设备应用与维修", "护理", "电子商务"),
    ),
    ("石阡县中等职业学校", "520623", "中职学校", ("茶叶生产与加工", "中餐烹饪", "汽车运用与维修", "农产品营销与储运")),
    (
        "雷山县中等职业学校",
        "522634",
        "中职学校",
        ("民族纺染织绣技艺", "民族工艺品设计与制作", "旅游服务与管理", "导游服务", "茶艺与茶营销"),
    ),
    ("开阳县中等职业学校", "520121", "中职学校", ("化学工艺", "分析检验技术", "机电技术应用", "电子商务")),
    (
        "汇川区技工学校",
        "520303",
        "技工院校",
        ("数控技术应用", "机械加工技术", "焊接技术应用", "工业机器人技术应用", "机电技术应用"),
    ),
    (
        "清镇市技工学校",
        "520181",
        "技工院校",
        ("有色金属冶炼技术", "数控技术应用", "电气设备运行与控制", "汽车运用与维修"),
    ),
)

# How many programs a school posts, by subtype.
MAJORS_PER_SCHOOL = {
    "高职院校": (8, 13),
    "职业本科院校": (10, 15),
    "普通高校": (4, 8),
    "中职学校": (5, 7),
    "技工院校": (5, 7),
}
SCHOOL_LEVELS = {
    "高职院校": ("高职专科",),
    "职业本科院校": ("职教本科", "高职专科"),
    "普通高校": ("职教本科", "高职专科"),
    "中职学校": ("中职",),
    "技工院校": ("中职",),
}


@dataclass(frozen=True)
class Industry:
    """How to generate the enterprises of one sector."""

    words: tuple[str, ...]  # industry words in company names: 茶业, 精密机械 …
    counties: tuple[str, ...]  # where they are (repeat a code to weight it)
    count: int  # how many enterprises
    business: tuple[str, ...]  # 主要从事 …
    jobs: tuple[tuple[str, ...], ...]  # (occupation code, extra job titles …)
    skills: tuple[str, ...]  # requirements for talent needs
    majors: tuple[str, ...]  # related majors (高职 names)
    field: str  # what mentors and teacher practice are about
    areas: tuple[str, ...]  # workplaces for interns and training bases
    tech: tuple[tuple[str, str], ...]  # (technical problem, details)
    training: tuple[str, ...]  # staff training topics
    extra: tuple[str, float] | None = None  # a second sector and its probability
    large_share: float = 0.3  # share of 规上企业
    education: tuple[str, ...] = ("中职（技工）及以上学历", "高中或中职及以上学历", "大专及以上学历")
    # What schools' teams offer this sector (technology, training and training-base offers):
    services: tuple[str, ...] = ()  # concrete services: tests, process improvement, retrofits, software
    labs: tuple[str, ...] = ()  # school labs and training centres
    equipment: tuple[str, ...] = ()
    projects: tuple[str, ...] = ()  # past projects; {place} is a county near the school
    modules: tuple[str, ...] = ()  # course modules of staff training
    companies: str = "相关企业"  # how to name the sector's organizations: 茶企, 养老机构 …


@functools.cache
def industries() -> dict[str, Industry]:
    """How each sector's enterprises are generated, from data/demo/industries.json (one entry per sector)."""

    def tuples(value: Any) -> Any:
        return tuple(tuples(item) for item in value) if isinstance(value, list) else value

    data = json.loads((data_dir("demo") / "industries.json").read_text(encoding="utf-8"))
    return {code: Industry(**{name: tuples(value) for name, value in fields.items()}) for code, fields in data.items()}


# A few industry associations (subtype 行业组织): sector, county, name.
ASSOCIATIONS = (
    ("tea", "520328", "湄潭县茶产业协会"),
    ("liquor_tobacco", "520382", "仁怀市白酒产业协会"),
    ("chili", "520323", "绥阳县辣椒产业协会"),
    ("eco_livestock", "520424", "关岭自治县肉牛产业协会"),
    ("elderly_care", "520102", "贵阳市南明区养老服务协会"),
)

# Brand words for company names: generic, not the names of real famous firms.
BRANDS = (
    "兴旺",
    "黔丰",
    "山韵",
    "鑫源",
    "宏达",
    "恒信",
    "瑞丰",
    "绿源",
    "众鑫",
    "黔润",
    "嘉禾",
    "德隆",
    "凯瑞",
    "汇通",
    "益康",
    "和盛",
    "康源",
    "博远",
    "天禾",
    "聚福",
    "金穗",
    "鼎新",
    "华驰",
    "立信",
    "黔韵",
    "苗岭",
    "高原",
    "翠峰",
    "盛源",
    "远航",
    "恒达",
    "宏远",
    "新宇",
    "润禾",
    "乾丰",
    "丰源",
    "沃土",
    "青山",
    "绿野",
    "惠民",
    "金桥",
    "春晖",
    "锦绣",
    "致远",
    "方圆",
    "晟达",
    "鸿泰",
    "泓源",
    "鑫盛",
    "利民",
    "永兴",
    "隆昌",
    "永盛",
    "百川",
    "正和",
    "嘉瑞",
    "众诚",
    "安泰",
    "云岭",
    "黔诚",
    "德丰",
    "源升",
    "华晟",
    "同心",
    "思远",
    "明辉",
    "信达",
    "佳禾",
    "福源",
    "祥和",
)
PREFECTURE_SHORT = {
    "520100": "贵阳",
    "520200": "六盘水",
    "520300": "遵义",
    "520400": "安顺",
    "520500": "毕节",
    "520600": "铜仁",
    "522300": "黔西南",
    "522600": "黔东南",
    "522700": "黔南",
}
BENEFITS = (
    "缴纳五险一金",
    "提供食宿",
    "提供员工宿舍和工作餐",
    "按国家规定缴纳社会保险",
    "年终奖金",
    "带薪年假",
    "节日福利",
    "定期技能培训和晋升通道",
)
ALIAS_SUFFIXES = (
    "工",
    "员",
    "师",
    "工程师",
    "技术员",
    "经理",
    "主管",
    "专员",
    "顾问",
    "管家",
    "月嫂",
    "保姆",
    "导游",
    "护工",
    "老师",
    "店长",
    "代表",
    "社工",
    "护士",
    "厨师",
)
# Job-board aliases in occupations_csco2022.csv that belong to other trades or read oddly here.
ODD_ALIASES = frozenset(
    (
        "汽车电工",
        "水电工",
        "弱电工程师",
        "有线传输工程师",
        "电分操作员",
        "汽车服务顾问",
        "招生顾问",
        "招生老师",
        "用户研究员",
        "情报信息分析人员",
        "课程顾问",
        "促销经理",
        "营销主管",
        "销售主管",
        "材料员",
        "仓库文员",
        "涂料研发工程师",
        "游戏客户端开发工程师",
        "游戏服务端开发工程师",
        "语音识别工程师",
        "推荐算法工程师",
        "爬虫工程师",
        "数标员",
        "测试经理",
        "采耳师",
        "产后康复师",
        "留学顾问",
        "熟食加工",
        "托管老师",
        "保洁经理",
        "清洁服务人员",
        "宾客服务经理",
        "酒店经理",
        "网店店铺管理员",
        "IT咨询顾问",
        "配置管理工程师",
    )
)
# The key demo scenario: an equipment maker's CNC lathe operator need.
CNC_TITLE = "招聘数控车床操作工，熟悉FANUC系统"


# --- reference data (read lazily, once per process) ---------------------------------------


@dataclass(frozen=True)
class Major:
    code: str
    name: str
    level: str  # 中职 | 高职专科 | 职教本科
    category: str  # 大类
    class_code: str
    class_name: str
    training_goal: str
    courses: str
    certificates: tuple[str, ...]

    @property
    def family(self) -> str:
        """The class code on the 高职 scale (职教本科 classes are 20 lower, 中职 20 higher)."""
        head = int(self.class_code[:2])
        head = head + 20 if head < 40 else head - 20 if head >= 60 else head
        return f"{head}{self.class_code[2:]}"


@dataclass(frozen=True)
class Occupation:
    code: str
    name: str
    aliases: tuple[str, ...]
    tasks: tuple[str, ...]


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _level_of(code: str) -> str:
    return {"2": "职教本科", "3": "职教本科", "4": "高职专科", "5": "高职专科"}.get(code[0], "中职")


@functools.cache
def majors() -> dict[str, Major]:
    """Catalog majors that have an MOE profile (the description needs one), by code.

    The catalog lacks the state-controlled (国控) majors such as 临床医学 and 学前教育; their
    profiles are there, so they are added from the profile with the level read from the code.
    """
    profiles = {}
    with (REFERENCE / "moe_major_profiles_2022.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            profile = json.loads(line)
            profiles[profile["major_code"]] = profile
    catalog = {row["major_code"]: row for row in _read_csv(REFERENCE / "vocational_catalog_2021_with_additions.csv")}
    categories = {row["category_code"]: row["category_name"] for row in catalog.values()}
    result = {}
    for code, profile in profiles.items():
        row = catalog.get(code)
        if row is None:
            name = profile.get("major_name") or profile.get("major_name_in_profile")
            class_code, class_name = profile["source_file"][:4], profile["source_file"][4:].removesuffix(".md")
            row = {
                "major_name": name,
                "level": _level_of(code),
                "class_code": class_code,
                "class_name": class_name,
                "category_name": categories.get(code[:2], ""),
            }
        goal, courses = (profile.get("training_goal") or "").strip(), (profile.get("courses") or "").strip()
        # Some profiles' course lists run on into their certificates (职业类证书举例 …) and 接续专业.
        courses, _, tail = courses.partition("职业类证书举例")
        courses, tail = courses.strip(), tail.partition("接续专业举例")[0]
        if not row["major_name"] or not (goal or courses):
            continue
        result[code] = Major(
            code,
            row["major_name"],
            row["level"],
            row["category_name"],
            row["class_code"],
            row["class_name"],
            goal,
            courses,
            _certificates(profile.get("certificates") or tail),
        )
    return result


def _certificates(text: str) -> tuple[str, ...]:
    """'职业技能等级证书：数控车铣加工、多轴数控加工' → ('数控车铣加工', '多轴数控加工')."""
    items = []
    for part in re.findall(r"证书：(\S+)", text):
        items += [item.strip("；;。 ") for item in part.split("、") if item.strip("；;。 ")]
    return tuple(items)


@functools.cache
def majors_by_name() -> dict[tuple[str, str], Major]:
    return {(m.name, m.level): m for m in majors().values()}


@functools.cache
def catalog_names() -> frozenset[str]:
    """Every major name of the catalog, with or without a profile (for checking the tables)."""
    return frozenset(row["major_name"] for row in _read_csv(REFERENCE / "vocational_catalog_2021_with_additions.csv"))


@functools.cache
def occupations() -> dict[str, Occupation]:
    result = {}
    for row in _read_csv(REFERENCE / "occupations_csco2022.csv"):
        if row["level"] != "4":
            continue
        tasks = tuple(t.strip(" 。；;，,") for t in re.split(r"\d+\.", row["tasks"]) if t.strip(" 。；;，,"))
        aliases = tuple(a.strip() for a in row["alias"].split(",") if a.strip())
        result[row["code"]] = Occupation(row["code"], row["name"], aliases, tasks)
    return result


@functools.cache
def regions() -> dict[str, dict[str, str]]:
    return {row["code"]: row for row in _read_csv(TAXONOMY / "regions.csv")}


@functools.cache
def sector_names() -> dict[str, str]:
    data = json.loads((TAXONOMY / "sectors.json").read_text(encoding="utf-8"))
    return {s["code"]: s["name"] for group in data["groups"] for s in group["sectors"]}


@functools.cache
def real_schools() -> list[dict[str, str]]:
    return _read_csv(REFERENCE / "guizhou_higher_education_2025.csv")


def region_label(code: str) -> str:
    """'遵义市湄潭县' for a county, the plain name for a prefecture."""
    region = regions()[code]
    parent = regions().get(region["parent"] or "")
    return parent["name"] + region["name"] if region["level"] == "county" and parent else region["name"]


def prefecture_of(code: str) -> str:
    region = regions()[code]
    return region["parent"] if region["level"] == "county" else code


def short_place(code: str) -> str:
    """'湄潭' for 湄潭县, '玉屏' for 玉屏侗族自治县, '观山湖' for 观山湖区."""
    name = regions()[code]["name"]
    if name.endswith("自治县"):
        return name[:2]  # every autonomous county of Guizhou has a two-character place name
    return re.sub(r"(特区|县|市|区)$", "", name)


# --- majors and sectors ------------------------------------------------------------------


def major_sectors(major: Major) -> list[str]:
    """Sector codes of a major: keyword rules on its name, else its class's default."""
    found: list[str] = []
    for pattern, codes in MAJOR_KEYWORD_SECTORS:
        if re.search(pattern, major.name):
            found += [c for c in codes if c not in found]
    return found or list(FAMILY_SECTORS.get(major.family, ()))


def find_major(name: str, levels: tuple[str, ...]) -> Major | None:
    for level in levels:
        major = majors_by_name().get((name, level))
        if major is not None:
            return major
    return None


def weighted_sample(rng: random.Random, items: list[Any], weights: list[float], k: int) -> list[Any]:
    """k distinct items, heavier ones more likely (Efraimidis–Spirakis keys)."""
    keyed = [(rng.random() ** (1.0 / w), i) for i, w in enumerate(weights) if w > 0]
    keyed.sort(reverse=True)
    return [items[i] for _, i in keyed[:k]]


def choose_majors(name: str, subtype: str, prefecture: str, forced: tuple[str, ...] = ()) -> list[Major]:
    """The majors a school offers: forced ones, those it is known for, its main type's core and its
    region's (when its types run them), then a mix drawn from its types' pools."""
    rng = random.Random(f"{SEED}:majors:{name}")
    levels = SCHOOL_LEVELS[subtype]
    profile = school_profile(name)
    low, high = MAJORS_PER_SCHOOL[subtype]
    wanted = rng.randint(low, high)

    chosen: list[Major] = []
    for major_name in forced:
        major = find_major(major_name, levels)
        if major is not None and major not in chosen:
            chosen.append(major)
    main = profile.types[0]
    candidates = [*profile.majors, *main.core[:1], *rng.sample(main.core[1:], min(1, len(main.core[1:])))]
    if subtype in ("高职院校", "职业本科院校"):
        signature, *others = REGION_MAJORS[prefecture]
        candidates += [signature, rng.choice(others)]
    for major_name in candidates:
        major = find_major(major_name, levels)
        if len(chosen) < wanted and major is not None and major not in chosen and profile.admits(major):
            chosen.append(major)
    chosen += _sample_majors(rng, levels, chosen, profile, wanted - len(chosen))
    return chosen


def _sample_majors(
    rng: random.Random, levels: tuple[str, ...], chosen: list[Major], profile: SchoolProfile, k: int
) -> list[Major]:
    """k majors of the profile's pools: each type gets a share (the main one most), the first level preferred."""
    if k <= 0:
        return []
    pool = [
        m
        for m in majors().values()
        if m.level in levels and m not in chosen and profile.admits(m) and not re.search(UNLIKELY_MAJORS, m.name)
    ]
    shares = [1.0 if i == 0 else 0.6 for i in range(len(profile.types))]
    sizes = [sum(kind.admits(m) for m in pool) or 1 for kind in profile.types]
    weights = [
        sum(share / size for kind, share, size in zip(profile.types, shares, sizes, strict=True) if kind.admits(m))
        * (1.0 if m.level == levels[0] else 0.35)
        for m in pool
    ]
    return weighted_sample(rng, pool, weights, k)


def top_sectors(majors_: list[Major], limit: int = 4) -> list[str]:
    counts = Counter(code for m in majors_ for code in major_sectors(m))
    order = list(sector_names())
    return sorted(counts, key=lambda c: (-counts[c], order.index(c)))[:limit]


# --- organizations -----------------------------------------------------------------------


@dataclass
class Org:
    ref: str
    name: str
    kind: str
    subtype: str
    region: str
    sectors: list[str]
    description: str = ""
    majors: list[Major] = field(default_factory=list)  # schools
    industry: str | None = None  # enterprises: their main sector
    business: str = ""  # enterprises: what they mainly do

    def row(self) -> Row:
        return {
            "type": "organization",
            "ref": self.ref,
            "name": self.name,
            "kind": self.kind,
            "subtype": self.subtype,
            "region": self.region,
            "sectors": self.sectors,
            "description": self.description,
        }


def school_subtype(row: dict[str, str]) -> str:
    if row["level"] == "专科":
        return "高职院校"
    return "职业本科院校" if re.search(r"职业技术大学|职业大学", row["name"]) else "普通高校"


SCHOOL_KIND_WORDS = {
    "普通高校": "本科高校",
    "职业本科院校": "职业本科院校",
    "高职院校": "高等职业院校",
    "中职学校": "中等职业学校",
    "技工院校": "技工院校",
}


def school_description(org: Org, place: str, ownership: str = "") -> str:
    names = "、".join(m.name for m in org.majors[:4])
    sectors = "、".join(sector_names()[c] for c in org.sectors[:3])
    serves = f"主要面向{sectors}等产业培养技术技能人才" if sectors else "面向区域经济社会发展培养人才"
    return (
        f"{org.name}是位于{place}的{ownership}{SCHOOL_KIND_WORDS[org.subtype]}，开设{names}等专业，{serves}。"
        "欢迎企业洽谈订单培养、现代学徒制、岗位实习、教师企业实践和员工培训等合作。"
    )


def build_schools() -> list[Org]:
    schools = []
    for row in real_schools():
        subtype = school_subtype(row)
        region = row["city_code"] + "00"
        chosen = choose_majors(row["name"], subtype, region)
        org = Org(
            f"DEMO-SCH-{row['moe_code']}", row["name"], "school", subtype, region, top_sectors(chosen), majors=chosen
        )
        org.description = school_description(org, row["city"], row["ownership"])
        schools.append(org)
    for number, (name, county, subtype, major_names) in enumerate(GENERATED_SCHOOLS, start=1):
        chosen = choose_majors(name, subtype, prefecture_of(county), forced=major_names)
        org = Org(f"DEMO-SCH-G{number:02d}", name, "school", subtype, county, top_sectors(chosen), majors=chosen)
        org.description = school_description(org, region_label(county))
        schools.append(org)
    return schools


def build_enterprises(taken_names: set[str]) -> list[Org]:
    enterprises: list[Org] = []
    for sector, industry in industries().items():
        for index in range(industry.count):
            ref = f"DEMO-ENT-{len(enterprises) + 1:04d}"
            rng = random.Random(f"{SEED}:{ref}")
            county = industry.counties[index % len(industry.counties)]
            subtype = "规上企业" if rng.random() < industry.large_share else "中小微企业"
            name = company_name(rng, county, industry, subtype, taken_names)
            sectors = [sector]
            if industry.extra and rng.random() < industry.extra[1]:
                sectors.append(industry.extra[0])
            org = Org(ref, name, "enterprise", subtype, county, sectors, industry=sector)
            org.business = rng.choice(industry.business)
            org.description = enterprise_description(org, org.business)
            enterprises.append(org)
    for sector, county, name in ASSOCIATIONS:
        ref = f"DEMO-ENT-{len(enterprises) + 1:04d}"
        taken_names.add(name)
        org = Org(ref, name, "enterprise", "行业组织", county, [sector], industry=sector)
        org.description = (
            f"{name}是{region_label(county)}{sector_names()[sector]}行业的企业、合作社和从业者自愿组成的"
            "行业组织，开展行业培训、技术交流和产销对接，可协助会员企业与院校开展人才培养和技术合作。"
        )
        enterprises.append(org)
    return enterprises


def company_name(rng: random.Random, county: str, industry: Industry, subtype: str, taken: set[str]) -> str:
    """'贵州湄潭兴旺茶业有限公司' style: place + brand + industry word + company form."""
    urban = regions()[county]["name"].endswith("区")
    while True:
        brand, word = rng.choice(BRANDS), rng.choice(industry.words)
        form = "股份有限公司" if subtype == "规上企业" and rng.random() < 0.4 else "有限公司"
        if urban:
            place = rng.choice(("贵州", PREFECTURE_SHORT[prefecture_of(county)]))
        else:
            place = rng.choice((f"贵州{short_place(county)}", regions()[county]["name"], short_place(county)))
        name = f"{place}{brand}{word}{form}"
        if name not in taken:
            taken.add(name)
            return name


def enterprise_description(org: Org, business: str) -> str:
    scale = "为当地规模以上企业" if org.subtype == "规上企业" else "为成长中的中小企业"
    return (
        f"{org.name}位于{region_label(org.region)}，主要从事{business}，{scale}。"
        "公司重视技术技能人才队伍建设，希望与院校在人才培养、技术攻关和员工培训等方面开展长期合作。"
    )


# --- postings ----------------------------------------------------------------------------
#
# Every posting's wording comes from the phrase banks of data/demo/phrases.json, filled with
# what the generator knows (the enterprise's business and workplaces, the major's courses,
# the labs and past projects of data/demo/industries.json …). The structure (which postings an
# organization has, quantities, the technical problem) comes from the organization's generator;
# the wording from a generator seeded by the posting's ref, so editing a phrase bank changes
# words only.


def posting_ref(org: Org, n: int) -> str:
    return f"DEMO-P-{org.ref.removeprefix('DEMO-')}-{n:02d}"


def posting(
    org: Org,
    n: int,
    direction: str,
    category: str,
    title: str,
    description: str,
    sectors: list[str],
    quantity: int | None = None,
) -> Row:
    row = {
        "type": "posting",
        "ref": posting_ref(org, n),
        "org": org.ref,
        "direction": direction,
        "category": category,
        "title": title,
        "description": description[:5000],
        "sectors": sectors,
        "region": org.region,
        "status": "published",
    }
    if quantity is not None:
        row["quantity"] = quantity
    return row


@functools.cache
def phrases() -> dict[str, Any]:
    return json.loads((data_dir("demo") / "phrases.json").read_text(encoding="utf-8"))


PLACEHOLDER = re.compile(r"\{(\w+)\}")


class Writer:
    """Fills phrase-bank lines: {name} is one of `values`, else a random line of the bank `name`.

    Banks are looked up in `sections` in order, then in phrases()["common"]. A line that needs a
    value the posting lacks (None or "") is never chosen; a layout piece starting with ? is kept
    half the time. A bank named twice gives the same line both times (title and text agree).
    """

    def __init__(self, rng: random.Random, values: dict[str, Any], *sections: dict[str, Any]) -> None:
        self.rng, self.values = rng, values
        self.sections = (*sections, phrases()["common"])
        self.picked: dict[str, str] = {}

    def bank(self, name: str) -> list[Any] | None:
        return next((section[name] for section in self.sections if name in section), None)

    def ready(self, line: str) -> bool:
        for name in PLACEHOLDER.findall(line):
            if name in self.values:
                if self.values[name] is None or self.values[name] == "":
                    return False
            elif not any(self.ready(option) for option in self.bank(name) or ()):
                return False
        return True

    def fill(self, line: str) -> str:
        return PLACEHOLDER.sub(lambda m: self.value(m.group(1)), line)

    def value(self, name: str) -> str:
        if name in self.values:
            return str(self.values[name])
        if name not in self.picked:
            self.picked[name] = self.pick(name)
        return self.picked[name]

    def pick(self, bank: str) -> str:
        options = [line for line in self.bank(bank) or () if self.ready(line)]
        if not options:
            raise KeyError(f"no line of {bank!r} can be filled")
        return self.fill(self.rng.choice(options))

    def layouts(self, bank: str = "layouts") -> list[list[str]]:
        """The layouts of `bank` whose pieces can be filled (optional ones aside)."""
        return [pieces for pieces in self.bank(bank) or () if all(map(self.ready, (p for p in pieces if p[0] != "?")))]

    def layout(self, bank: str = "layouts") -> str:
        options = self.layouts(bank)
        if not options:
            raise KeyError(f"no layout of {bank!r} can be filled")
        text = []
        for piece in self.rng.choice(options):
            if piece.startswith("?"):
                piece = piece[1:]
                if self.rng.random() < 0.5 or not self.ready(piece):
                    continue
            text.append(self.fill(piece))
        return tidy("".join(text))


def tidy(text: str) -> str:
    """Punctuation where pieces meet: a sentence cut after its comma ends with 。, never 。。."""
    text = re.sub(r"[，；、]+(?=。|$)", "。", text.strip())
    return re.sub(r"。{2,}", "。", text)


def compose(kind: str, rng: random.Random, values: dict[str, Any]) -> tuple[str, str]:
    """(title, description) of a posting from the phrase banks of `kind`; when it has forms (订单班,
    冠名班 …), from one of those the values can fill, drawn by weight."""
    section = phrases()[kind]
    writers = [Writer(rng, values, section)]
    if "forms" in section:
        writers = [Writer(rng, values, form, section) for form in section["forms"].values()]
        writers = [w for w in writers if any(map(w.ready, w.bank("titles"))) and w.layouts()]
        weights = [w.sections[0].get("weight", 1) for w in writers]
        writers = rng.choices(writers, weights)
    writer = writers[0]
    return writer.pick("titles"), writer.layout()


def wording(org: Org, n: int) -> random.Random:
    """The generator of a posting's words: seeded by its ref, apart from the organization's generator."""
    return random.Random(f"{SEED}:text:{posting_ref(org, n)}")


def join(items: Any, sep: str = "、") -> str:
    return sep.join(items)


def job_title(rng: random.Random, occupation: Occupation, extras: tuple[str, ...]) -> str:
    """A real-sounding job title: one of ours, a job-board alias of the occupation, or its name."""
    official = re.sub(r"(L/S|L|S)$", "", occupation.name)
    official = re.sub(r"工程技术人员$", "工程师", official)
    official = re.sub(r"技术人员$", "技术员", official)
    aliases = [
        a
        for a in occupation.aliases
        if 2 <= len(a) <= 12
        and a.endswith(ALIAS_SUFFIXES)
        and not re.search(r"[/（(]|总监|主任|其他", a)
        and a != occupation.name
        and a not in ODD_ALIASES
    ]
    if extras and rng.random() < 0.5:
        return rng.choice(extras)
    return rng.choice([*aliases, official, *extras])


def certificates_for(industry: Industry) -> list[str]:
    """Certificates of the industry's main major (those of the others fit its jobs less often)."""
    major = find_major(industry.majors[0], ("高职专科", "职教本科"))
    return [item for item in major.certificates if item != "暂无"] if major else []


def brand_of(org: Org) -> str | None:
    """The brand word of a generated company name: '兴旺' in 贵州湄潭兴旺茶业有限公司."""
    return next((brand for brand in BRANDS if brand in org.name), None)


def enterprise_values(rng: random.Random, org: Org, industry: Industry) -> dict[str, Any]:
    """What every enterprise posting may say: the company, its place, business and workplaces."""
    areas = rng.sample(industry.areas, min(2, len(industry.areas)))
    related = rng.sample(industry.majors, min(3, len(industry.majors)))
    return {
        "org": org.name,
        "place": region_label(org.region),
        "place_short": short_place(org.region),
        "brand": brand_of(org),
        "business": org.business or industry.business[0],
        "field": industry.field,
        "sector": sector_names()[org.industry or org.sectors[0]],
        "companies": industry.companies,
        "area": areas[0],
        "area2": areas[1] if len(areas) > 1 else None,
        "major": related[0],
        "majors": join(related),
        "modules": join(rng.sample(industry.modules, min(3, len(industry.modules)))) if industry.modules else None,
        "module": rng.choice(industry.modules) if industry.modules else None,
        "equipment": join(rng.sample(industry.equipment, min(2, len(industry.equipment)))) or None,
    }


def some_job(rng: random.Random, industry: Industry, *, avoid: str = "") -> str:
    """A job title of the industry, different from `avoid` when the industry has others."""
    for _ in range(8):
        job = rng.choice(industry.jobs)
        name = job_title(rng, occupations()[job[0]], job[1:])
        if name != avoid:
            return name
    return name


def talent_need(
    rng: random.Random, org: Org, industry: Industry, n: int, job: tuple[str, ...], title: str | None = None
) -> Row:
    occupation = occupations()[job[0]]
    name = job_title(rng, occupation, job[1:])
    headcount = rng.choice((1, 2, 2, 3, 3, 5, 5, 8, 10, 15, 20))
    duties = "；".join(occupation.tasks[:4]) or f"负责{industry.field}相关工作"
    education = "大专及以上学历" if "工程师" in name or name.endswith("技术员") else rng.choice(industry.education)
    majors_text = join(rng.sample(industry.majors, min(3, len(industry.majors))))
    skills = rng.sample(industry.skills, min(2, len(industry.skills)))
    requirements = [f"{education}，{majors_text}等相关专业优先" if rng.random() < 0.7 else education, *skills]
    certificates = certificates_for(industry)
    if certificates and rng.random() < 0.6:
        requirements.append(f"持有{rng.choice(certificates)}相关证书者优先")
    text = wording(org, n)
    low = text.choice((3000, 3500, 4000, 4500, 5000, 6000))
    values = {
        **enterprise_values(text, org, industry),
        "name": name,
        "n": headcount,
        "duties": duties,
        "duty": occupation.tasks[0] if occupation.tasks else f"{industry.field}相关工作",
        "education": education,
        "skill": skills[0].removesuffix("者优先") if skills else "",
        "requirements": "；".join(requirements),
        "benefits": "，".join(text.sample(BENEFITS, 3)),
        "a": low,
        "b": low + text.choice((1000, 1500, 2000, 3000)),
    }
    made_title, description = compose("talent_need", text, values)
    return posting(org, n, "need", "talent", title or made_title, description, org.sectors, headcount)


def cnc_need(org: Org, n: int) -> Row:
    description = (
        f"因订单增加，招聘数控车床操作工6名，工作地点{region_label(org.region)}。\n"
        "岗位职责：按图纸和工艺文件操作数控车床完成轴类、盘类零件加工；装夹工件、对刀和设置刀补；"
        "进行首件自检和过程检验；做好机床日常保养。\n"
        "任职要求：中职（技工）及以上学历，数控技术、机械制造及自动化等相关专业优先；熟悉FANUC 0i系统，"
        "能手工编写G代码程序；会使用游标卡尺、千分尺等量具；持有数控车铣加工职业技能等级证书或车工证者优先。\n"
        "待遇：缴纳五险一金，提供员工宿舍和工作餐，计件与技能等级工资相结合，薪资面议。"
    )
    return posting(org, n, "need", "talent", CNC_TITLE, description, org.sectors, 6)


def enterprise_postings(org: Org) -> list[Row]:
    rng = random.Random(f"{SEED}:postings:{org.ref}")
    industry = industries()[org.industry]
    if org.subtype == "行业组织":
        return association_postings(rng, org, industry)
    jobs = rng.sample(industry.jobs, len(industry.jobs))
    first_of_sector = org.ref == first_enterprise_ref(org.industry)
    rows: list[Row] = []

    def add(make) -> None:
        rows.append(make(len(rows) + 1))

    # Every enterprise needs people; the first of 先进装备制造 and of 茶叶 carry the demo scenarios.
    if first_of_sector and org.industry == "advanced_equipment":
        add(lambda n: cnc_need(org, n))
    else:
        add(lambda n: talent_need(rng, org, industry, n, jobs[0]))
    if first_of_sector and org.industry == "tea":
        add(lambda n: talent_need(rng, org, industry, n, ("6-02-06-10", "茶叶加工工")))
        add(lambda n: apprenticeship_need(rng, org, industry, n, "茶叶生产与加工技术"))

    options = [
        (0.45, lambda n: talent_need(rng, org, industry, n, jobs[1])),
        (0.65, lambda n: technology_need(rng, org, industry, n)),
        (0.45, lambda n: training_need(rng, org, industry, n)),
        (0.25, lambda n: apprenticeship_need(rng, org, industry, n)),
        (0.15, lambda n: program_need(rng, org, industry, n)),
        (0.55, lambda n: internship_offer(rng, org, industry, n)),
        (0.3, lambda n: apprenticeship_offer(rng, org, industry, n)),
        (0.3, lambda n: mentor_offer(rng, org, industry, n)),
        (0.3, lambda n: teacher_practice_offer(rng, org, industry, n)),
        (0.5 if org.subtype == "规上企业" else 0.0, lambda n: training_base_offer(rng, org, industry, n)),
    ]
    picked = [make for chance, make in options if rng.random() < chance]
    wanted = rng.randint(3, 6)
    for make in picked[: max(0, wanted - len(rows))]:
        add(make)
    fillers = [make for _, make in options[5:9] if make not in picked]
    while len(rows) < 3:
        add(fillers.pop(0))
    return rows


@functools.cache
def first_enterprise_ref(sector: str) -> str:
    number = 1
    for code, industry in industries().items():
        if code == sector:
            return f"DEMO-ENT-{number:04d}"
        number += industry.count
    raise KeyError(sector)


def technology_need(rng: random.Random, org: Org, industry: Industry, n: int) -> Row:
    problem, detail = rng.choice(industry.tech)
    text = wording(org, n)
    values = {
        **enterprise_values(text, org, industry),
        "problem": problem,
        "detail": detail,
        "k": text.choice((5, 8, 10, 15, 20, 30)),
    }
    title, description = compose("technology_need", text, values)
    return posting(org, n, "need", "technology", title, description, org.sectors)


def training_need(rng: random.Random, org: Org, industry: Industry, n: int) -> Row:
    topic = rng.choice(industry.training)
    trainees = rng.choice((10, 15, 20, 30, 40, 50))
    text = wording(org, n)
    values = {**enterprise_values(text, org, industry), "topic": topic, "n": trainees}
    title, description = compose("training_need", text, values)
    return posting(org, n, "need", "training", title, description, org.sectors, trainees)


def apprenticeship_need(rng: random.Random, org: Org, industry: Industry, n: int, major: str | None = None) -> Row:
    major = major or rng.choice(industry.majors)
    places = rng.choice((10, 15, 20, 30))
    text = wording(org, n)
    values = {
        **enterprise_values(text, org, industry),
        "major": major,
        "n": places,
        "job": some_job(text, industry),
        "k": text.choice((2, 3, 4)),
        "scholarship": text.choice((2000, 3000, 5000)),
    }
    # The forms (phrases.json) are how enterprises say it: 现代学徒制, 订单班, 冠名班, 企业新型学徒制, 定向培养 …
    title, description = compose("apprenticeship_need", text, values)
    return posting(org, n, "need", "apprenticeship", title, description, org.sectors, places)


def program_need(rng: random.Random, org: Org, industry: Industry, n: int) -> Row:
    major = rng.choice(industry.majors)
    text = wording(org, n)
    values = {**enterprise_values(text, org, industry), "major": major}
    title, description = compose("program_need", text, values)
    return posting(org, n, "need", "program", title, description, org.sectors)


def internship_offer(rng: random.Random, org: Org, industry: Industry, n: int) -> Row:
    places = rng.choice((5, 8, 10, 15, 20, 30))
    text = wording(org, n)
    low = text.choice((1500, 1800, 2000, 2500))
    job = some_job(text, industry)
    values = {
        **enterprise_values(text, org, industry),
        "n": places,
        "job": job,
        "job2": some_job(text, industry, avoid=job),
        "a": low,
        "b": low + text.choice((500, 1000, 1500)),
    }
    title, description = compose("internship_offer", text, values)
    return posting(org, n, "offer", "internship", title, description, org.sectors, places)


def apprenticeship_offer(rng: random.Random, org: Org, industry: Industry, n: int) -> Row:
    places = rng.choice((10, 15, 20, 30, 40))
    text = wording(org, n)
    values = {
        **enterprise_values(text, org, industry),
        "n": places,
        "job": some_job(text, industry),
        "k": text.choice((2, 3)),
        "allowance": text.choice((1500, 1800, 2000, 2500, 3000)),
    }
    title, description = compose("apprenticeship_offer", text, values)
    return posting(org, n, "offer", "apprenticeship", title, description, org.sectors, places)


def mentor_offer(rng: random.Random, org: Org, industry: Industry, n: int) -> Row:
    mentors = rng.choice((1, 2, 2, 3, 4))
    text = wording(org, n)
    task, task2 = text.sample(phrases()["mentor_offer"]["tasks"], 2)
    values = {
        **enterprise_values(text, org, industry),
        "k": mentors,
        "job": some_job(text, industry),
        "years": text.choice((5, 8, 10)),
        "task": task,
        "task2": task2,
    }
    title, description = compose("mentor_offer", text, values)
    return posting(org, n, "offer", "mentor", title, description, org.sectors, mentors)


def teacher_practice_offer(rng: random.Random, org: Org, industry: Industry, n: int) -> Row:
    places = rng.choice((1, 2, 3, 4, 5))
    text = wording(org, n)
    values = {**enterprise_values(text, org, industry), "n": places}
    title, description = compose("teacher_practice_offer", text, values)
    return posting(org, n, "offer", "teacher_practice", title, description, org.sectors, places)


def training_base_offer(rng: random.Random, org: Org, industry: Industry, n: int) -> Row:
    text = wording(org, n)
    values = {
        **enterprise_values(text, org, industry),
        "m2": text.choice((300, 500, 800, 1200, 2000, 3000)),
        "k": text.choice((20, 30, 40, 50, 60)),
    }
    title, description = compose("training_base_offer", text, values)
    return posting(org, n, "offer", "training_base", title, description, org.sectors)


def association_postings(rng: random.Random, org: Org, industry: Industry) -> list[Row]:
    topic = rng.choice(industry.training)
    values = {
        "org": org.name,
        "sector": sector_names()[org.industry],
        "field": industry.field,
        "topic": topic,
        "majors": join(industry.majors[:3]),
    }
    rows = []
    for n, (kind, category, direction, quantity) in enumerate(
        (
            ("training", "training", "offer", None),
            ("mentor", "mentor", "offer", rng.choice((3, 5, 8))),
            ("talent", "talent", "need", rng.choice((30, 50, 80))),
        ),
        start=1,
    ):
        text = wording(org, n)
        writer = Writer(text, {**values, "n": quantity, "k": text.choice((2, 3, 4))}, phrases()["association"])
        title, description = writer.pick(f"{kind}_titles"), writer.layout(f"{kind}_layouts")
        rows.append(posting(org, n, direction, category, title, description, org.sectors, quantity))
    return rows


# --- school postings ---------------------------------------------------------------------


def major_courses(major: Major) -> list[str]:
    """The core courses of a major's MOE profile (专业核心课程), else its basic ones."""
    for heading in ("专业核心课程", "专业基础课程"):
        found = re.search(heading + r"：(.+?)(?:。|专业核心课程|实习实训|$)", major.courses)
        if found:
            items = [re.sub(r"\s+", "", item).strip("等") for item in re.split(r"[、，,；;]", found.group(1))]
            items = [item for item in items if 2 <= len(item) <= 20]
            if items:
                return items
    return []


def major_field(major: Major) -> dict[str, Any]:
    """The technical-service banks for a major: its first sector's (industries.json), else its 大类's.

    The sector's workplaces (`areas`) come along only when the sector names the major among its own.
    """
    sectors = major_sectors(major)
    if sectors:
        industry = industries()[sectors[0]]
        return {
            "companies": industry.companies,
            "services": industry.services,
            "labs": industry.labs,
            "equipment": industry.equipment,
            "projects": industry.projects,
            "modules": industry.modules,
            "areas": industry.areas if major.name in industry.majors else (),
        }
    return {"areas": (), **phrases()["fields"][major.category]}


def nearby_place(rng: random.Random, org: Org, major: Major) -> str:
    """Where a school's past project was, short ('湄潭'): a county of the major's industry near the
    school if there is one, else anywhere in Guizhou, else a county of the school's prefecture."""
    prefecture = prefecture_of(org.region)
    sectors = major_sectors(major)
    counties = list(industries()[sectors[0]].counties) if sectors else []
    near = [code for code in counties if prefecture_of(code) == prefecture]
    counties = near or counties
    if not counties:
        counties = [code for code, r in regions().items() if r["level"] == "county" and r["parent"] == prefecture]
    return short_place(rng.choice(counties)) if counties else regions()[org.region]["name"]


def school_values(rng: random.Random, org: Org, major: Major) -> dict[str, Any]:
    """What every school posting may say: the school, the major, its courses, labs and the companies it serves."""
    fields = major_field(major)
    courses = major_courses(major)
    picked = rng.sample(courses, min(4, len(courses)))
    certificates = [c for c in major.certificates if c != "暂无" and not c.endswith("资格")]
    certificate = rng.choice(certificates) if certificates else None
    place = nearby_place(rng, org, major)
    projects = [p.replace("{place}", place) for p in rng.sample(fields["projects"], min(2, len(fields["projects"])))]
    others = [m.name for m in org.majors if m != major]
    return {
        "org": org.name,
        "major": major.name,
        "major2": others[0] if others else None,
        "majors": join([major.name, *others[:2]]),
        "level": major.level,
        "companies": fields["companies"],
        "lab": rng.choice(fields["labs"]),
        "equipment": join(rng.sample(fields["equipment"], min(3, len(fields["equipment"])))),
        "equipment1": rng.choice(fields["equipment"]),
        "project": projects[0] if projects else None,
        "project2": projects[1] if len(projects) > 1 else None,
        "post": rng.choice(fields["areas"]) if fields["areas"] else None,
        "courses": join(picked) or join(fields["modules"][:3]),
        "course": picked[0] if picked else None,
        "course2": picked[1] if len(picked) > 1 else None,
        "skills": join(picked[:3]) or None,
        "students": rng.choice((120, 150, 200, 300, 400)),
        "cert": certificate,
        "cert_sentence": f"学员培训合格可参加{certificate}职业技能等级认定。" if certificate else None,
        "grad_cert": f"不少学生已取得{certificate}职业技能等级证书。" if certificate else None,
        "certificate": f"{certificate}职业技能等级证书" if certificate else "培训合格证明",
    }


def school_postings(org: Org) -> list[Row]:
    rows = [program_offer(org, major, n) for n, major in enumerate(org.majors, start=1)]
    rng = random.Random(f"{SEED}:postings:{org.ref}")
    offers = [school_talent_offer, school_training_offer, school_technology_offer, school_training_base_offer]
    needs = [school_internship_need, school_mentor_need, school_teacher_practice_need, school_training_base_need]
    options = offers + needs
    chosen = [rng.choice(offers), rng.choice(needs)]
    chosen += rng.sample([o for o in options if o not in chosen], rng.randint(1, 3))
    # Prefer majors that serve an industry of the taxonomy: they are what enterprises look for.
    industrial = [m for m in org.majors if major_sectors(m)] or org.majors
    for make in chosen:
        rows.append(make(rng, org, rng.choice(industrial), len(rows) + 1))
    return rows


def program_offer(org: Org, major: Major, n: int) -> Row:
    text = wording(org, n)
    values = {
        "org": org.name,
        "major": major.name,
        "level": major.level,
        "category": major.category,
        "class_name": major.class_name,
        "n": text.choice((40, 50, 60, 80, 100, 120, 150)),
        "students": text.choice((120, 150, 200, 300, 400, 500)),
        "years": 4 if major.level == "职教本科" else 3,
    }
    writer = Writer(text, values, phrases()["program_offer"])
    courses = re.sub(r"\s*(专业核心课程|实习实训)：", r"\n\1：", major.courses)
    parts = [writer.pick("openings")]
    if major.training_goal:
        parts.append(f"培养目标：{major.training_goal}")
    if courses:
        parts.append(f"主要专业课程：\n{courses}")
    return posting(org, n, "offer", "program", writer.pick("titles"), "\n".join(parts), major_sectors(major))


def school_posting(
    kind: str,
    org: Org,
    major: Major,
    n: int,
    direction: str,
    category: str,
    quantity: int | None = None,
    **values: Any,
) -> Row:
    text = wording(org, n)
    title, description = compose(kind, text, {**school_values(text, org, major), **values, "n": quantity})
    return posting(org, n, direction, category, title, description, major_sectors(major), quantity)


def school_talent_offer(rng: random.Random, org: Org, major: Major, n: int) -> Row:
    graduates = rng.choice((30, 40, 50, 60, 80, 100, 150))
    return school_posting("talent_offer", org, major, n, "offer", "talent", graduates)


def school_training_offer(rng: random.Random, org: Org, major: Major, n: int) -> Row:
    hours = rng.choice((16, 24, 32, 40, 48, 64))
    theory = max(4, round(hours / rng.choice((3, 4)) / 2) * 2)
    return school_posting(
        "training_offer",
        org,
        major,
        n,
        "offer",
        "training",
        hours=hours,
        theory=theory,
        practice=hours - theory,
        people=rng.choice((20, 30, 40, 50)),
    )


def school_technology_offer(rng: random.Random, org: Org, major: Major, n: int) -> Row:
    services = rng.sample(major_field(major)["services"], min(3, len(major_field(major)["services"])))
    return school_posting(
        "technology_offer",
        org,
        major,
        n,
        "offer",
        "technology",
        service=services[0],
        service2=services[1] if len(services) > 1 else None,
        services=join(services),
        services_numbered="\n".join(f"{i}. {s}；" for i, s in enumerate(services, start=1)).rstrip("；") + "。",
        k=rng.choice((8, 10, 12, 15, 18, 20, 25)),
        h=rng.choice((3, 4, 5, 6, 8)),
        d=rng.choice((1, 2, 3, 4)),
        m=rng.choice((3, 4, 5, 6)),
    )


def school_training_base_offer(rng: random.Random, org: Org, major: Major, n: int) -> Row:
    return school_posting(
        "training_base_offer_school",
        org,
        major,
        n,
        "offer",
        "training_base",
        m2=rng.choice((200, 300, 400, 600, 800, 1200, 2000)),
        stations=rng.choice((20, 30, 40, 50, 60)),
    )


def school_internship_need(rng: random.Random, org: Org, major: Major, n: int) -> Row:
    students = rng.choice((10, 20, 30, 40, 60))
    return school_posting(
        "internship_need",
        org,
        major,
        n,
        "need",
        "internship",
        students,
        weeks=rng.choice((2, 4, 6, 8)),
        groups=rng.choice((2, 3, 4)),
    )


def school_mentor_need(rng: random.Random, org: Org, major: Major, n: int) -> Row:
    mentors = rng.choice((1, 2, 3, 4))
    return school_posting(
        "mentor_need",
        org,
        major,
        n,
        "need",
        "mentor",
        mentors,
        weeks=rng.choice((4, 6, 8)),
        a=rng.choice((100, 120, 150, 200)),
    )


def school_teacher_practice_need(rng: random.Random, org: Org, major: Major, n: int) -> Row:
    teachers = rng.choice((2, 3, 4, 5, 6))
    return school_posting("teacher_practice_need", org, major, n, "need", "teacher_practice", teachers)


def school_training_base_need(rng: random.Random, org: Org, major: Major, n: int) -> Row:
    students = rng.choice((10, 15, 20, 30, 40))
    return school_posting("training_base_need", org, major, n, "need", "training_base", students)


# --- the data set ------------------------------------------------------------------------


def demo_organizations() -> list[Org]:
    schools = build_schools()
    return schools + build_enterprises({school.name for school in schools})


def demo_rows() -> list[tuple[int, Row]]:
    """(line number, import row) pairs: every organization, then every posting."""
    orgs = demo_organizations()
    rows = [org.row() for org in orgs]
    for org in orgs:
        rows += school_postings(org) if org.kind == "school" else enterprise_postings(org)
    return list(enumerate(rows, start=1))


DEMO_EMBEDDINGS = data_dir("demo") / "embeddings.npz"


def seed_demo_embeddings(embedder: Any) -> int:
    """Put the shipped vectors of the demo postings in the embedding cache (same model only)."""
    from matchmaker.indexing.embedder import seed_cache

    cache = getattr(embedder, "cache", None)
    return seed_cache(cache, DEMO_EMBEDDINGS, embedder.model_id) if cache is not None else 0
