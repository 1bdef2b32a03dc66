"""The demo data set: real Guizhou regions, schools and majors; generated enterprises and postings.

`demo_rows()` gives import rows (organizations first, then postings) for
`transfer.import_rows(rows, is_demo=True)`:

* schools — the 80 real higher-education institutions of Guizhou (config/reference), plus a
  few generated county 中职 / 技工 schools; each offers real majors of the national
  vocational catalog, described by the MOE major profiles (培养目标 and 主要专业课程 only:
  the profiles' 职业面向 is the label source of the relevance set and must stay out);
* enterprises — generated, in every sector of config/taxonomy/sectors.json, placed in the
  counties where that industry really is, with job titles and duties from the national
  occupation classification (大典 2022).

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


# What a school's name says about its majors: (name pattern, preferred families, majors it
# surely has). `narrow` schools (medicine, preschool, sports …) get nothing outside their focus.
@dataclass(frozen=True)
class Focus:
    pattern: str
    families: tuple[str, ...]
    majors: tuple[str, ...] = ()
    narrow: bool = False


SCHOOL_FOCUS: tuple[Focus, ...] = (
    Focus(
        r"医|护理|健康",
        ("5201", "5202", "5203", "5204", "5205", "5206", "5207", "5208", "5209", "4902"),
        ("护理",),
        narrow=True,
    ),
    Focus(
        r"康养", ("5206", "5208", "5903", "5202", "5204"), ("智慧健康养老管理", "智慧健康养老服务与管理"), narrow=True
    ),
    Focus(
        r"幼儿",
        ("5701", "5208", "5502", "5501", "5903", "5703"),
        ("学前教育", "早期教育", "婴幼儿托育服务与管理"),
        narrow=True,
    ),
    Focus(r"师范", ("5701", "5702", "5703", "5501", "5102", "5401")),
    Focus(
        r"农业|农林",
        ("4101", "4102", "4103", "4104", "4901"),
        ("茶叶生产与加工技术", "食用菌生产与加工技术", "畜牧兽医"),
    ),
    Focus(r"轻工", ("4901", "4801", "4702", "4804", "4802"), ("酿酒技术", "食品智能加工技术")),
    Focus(r"食品", ("4901", "4903", "4902", "4101"), ("酿酒技术", "食品智能加工技术", "食品检验检测技术")),
    Focus(r"交通", ("5002", "5001", "5006", "4607", "4403")),
    Focus(r"电子|信息|数据", ("5101", "5102", "5103", "5104", "5307")),
    Focus(r"航天|航空职业技术", ("4606", "4601", "4603", "5004"), ("数控技术", "机械制造及自动化")),
    Focus(r"民用航空", ("5004", "4606"), narrow=True),
    Focus(r"电力|能源|水利", ("4301", "4302", "4303", "4502", "4503", "4205")),
    Focus(r"建设|城市", ("4401", "4403", "4404", "4405", "4406", "4307", "4203")),
    Focus(
        r"装备|机电|工业|理工|工程",
        ("4601", "4602", "4603", "4607", "4702"),
        ("数控技术", "机械制造及自动化", "机电一体化技术"),
    ),
    Focus(r"财经|财|商|经贸|经济", ("5301", "5302", "5303", "5304", "5305", "5306", "5307", "5308")),
    Focus(r"旅游", ("5401", "5402", "5503", "5504"), ("茶艺与茶文化", "旅游管理")),
    Focus(r"体育", ("5703",), narrow=True),
    Focus(r"传媒", ("5602", "5601", "5501"), narrow=True),
    Focus(r"警察", ("5802", "5803", "5804", "5805", "5807"), narrow=True),
    Focus(r"民族(?!医)", ("5503", "5501", "5401")),
)
# Families a comprehensive vocational college commonly runs, for schools without a focus.
GENERAL_FAMILIES = (
    "5102",
    "5307",
    "5303",
    "4603",
    "4601",
    "4403",
    "4405",
    "5401",
    "5202",
    "5208",
    "4101",
    "4103",
    "4901",
    "5002",
    "5308",
    "5501",
    "5903",
)

# Majors no Guizhou school would plausibly run: sea and oil, other regions' ethnic medicine …
UNLIKELY_MAJORS = (
    r"^(蒙|藏|维|傣|哈|朝)(医|药)|海洋|海水|船舶|船体|邮轮|航海|港口|轮机|远洋|冰雪|高尔夫|棉花|热带"
    r"|石油|油气|油田|核|导弹|火炸药|烟花爆竹|殡葬|陵园|兽药"
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
            _certificates(profile.get("certificates") or ""),
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
    """The majors a school offers: those its name implies, its region's, then a weighted mix."""
    rng = random.Random(f"{SEED}:majors:{name}")
    levels = SCHOOL_LEVELS[subtype]
    focus = [f for f in SCHOOL_FOCUS if re.search(f.pattern, name)]
    families = {family for f in focus for family in f.families}
    narrow = any(f.narrow for f in focus)
    low, high = MAJORS_PER_SCHOOL[subtype]
    wanted = rng.randint(low, high)

    chosen: list[Major] = []
    for major_name in (*forced, *(m for f in focus for m in f.majors)):
        major = find_major(major_name, levels)
        if major is not None and major not in chosen:
            chosen.append(major)
    families |= {m.family for m in chosen}
    if subtype in ("高职院校", "职业本科院校"):
        # The region's signature major and one more; a school with a focus takes only those that fit it.
        signature, *others = REGION_MAJORS[prefecture]
        for major_name in (signature, rng.choice(others)):
            major = find_major(major_name, levels)
            if major is not None and major not in chosen and (not focus or major.family in families):
                chosen.append(major)

    # Mostly majors of the focus, the rest (all, for schools without one) from common families.
    remaining = max(0, wanted - len(chosen))
    in_focus = remaining if narrow else round(remaining * 0.75) if families else 0
    chosen += _sample_majors(rng, levels, chosen, families, in_focus)
    chosen += _sample_majors(rng, levels, chosen, set(GENERAL_FAMILIES), wanted - len(chosen))
    return chosen


def _sample_majors(
    rng: random.Random, levels: tuple[str, ...], chosen: list[Major], families: set[str], k: int
) -> list[Major]:
    """k plausible majors of these families, preferring the school's first level."""
    pool = [
        m
        for m in majors().values()
        if m.level in levels and m.family in families and m not in chosen and not re.search(UNLIKELY_MAJORS, m.name)
    ]
    weights = [1.0 if m.level == levels[0] else 0.35 for m in pool]
    return weighted_sample(rng, pool, weights, k) if k > 0 else []


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
            org.description = enterprise_description(org, rng.choice(industry.business))
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
        "ref": f"DEMO-P-{org.ref.removeprefix('DEMO-')}-{n:02d}",
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


def talent_need(
    rng: random.Random, org: Org, industry: Industry, n: int, job: tuple[str, ...], title: str | None = None
) -> Row:
    occupation = occupations()[job[0]]
    name = job_title(rng, occupation, job[1:])
    title = title or rng.choice(("招聘{}", "诚聘{}", "{}招聘", "急聘{}")).format(name)
    headcount = rng.choice((1, 2, 2, 3, 3, 5, 5, 8, 10, 15, 20))
    duties = "；".join(occupation.tasks[:4]) or f"负责{industry.field}相关工作"
    education = "大专及以上学历" if "工程师" in name or name.endswith("技术员") else rng.choice(industry.education)
    majors_text = "、".join(rng.sample(industry.majors, min(3, len(industry.majors))))
    requirements = [
        f"{education}，{majors_text}等相关专业优先" if rng.random() < 0.7 else education,
        *rng.sample(industry.skills, min(2, len(industry.skills))),
    ]
    certificates = certificates_for(industry)
    if certificates and rng.random() < 0.6:
        requirements.append(f"持有{rng.choice(certificates)}相关证书者优先")
    reason = rng.choice(("因生产经营需要", "因业务发展需要", "因规模扩大"))
    description = (
        f"{reason}，招聘{name}{headcount}名，工作地点{region_label(org.region)}。\n"
        f"岗位职责：{duties}。\n"
        f"任职要求：{'；'.join(requirements)}。\n"
        f"待遇：{'，'.join(rng.sample(BENEFITS, 3))}，薪资面议。"
    )
    return posting(org, n, "need", "talent", title, description, org.sectors, headcount)


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
    title, detail = rng.choice(industry.tech)
    description = (
        f"{detail}\n合作方式：横向课题、联合攻关或技术咨询均可，可提供现场试验条件和生产数据；"
        "希望合作团队具有相关研究或工程经验。"
    )
    return posting(org, n, "need", "technology", f"{title}技术合作需求", description, org.sectors)


def training_need(rng: random.Random, org: Org, industry: Industry, n: int) -> Row:
    topic = rng.choice(industry.training)
    trainees = rng.choice((10, 15, 20, 30, 40, 50))
    description = (
        f"计划组织一线员工和班组长参加{topic}，约{trainees}人。"
        "希望院校或培训机构提供理论与实操相结合的课程，可送教上门，也可在院校实训基地集中开展；培训后能参加相应的职业技能等级认定者优先。"
    )
    return posting(org, n, "need", "training", f"{topic}需求", description, org.sectors, trainees)


def apprenticeship_need(rng: random.Random, org: Org, industry: Industry, n: int, major: str | None = None) -> Row:
    major = major or rng.choice(industry.majors)
    places = rng.choice((10, 15, 20, 30))
    description = (
        f"希望与院校合作开展{major}方向的现代学徒制（企业新型学徒制）培养，"
        f"企业选派师傅带徒并提供{industry.field}岗位实践，学校负责理论教学和学历教育。计划招收学徒约{places}人，学徒期满考核合格者可优先录用。"
    )
    return posting(org, n, "need", "apprenticeship", f"{major}现代学徒制合作需求", description, org.sectors, places)


def program_need(rng: random.Random, org: Org, industry: Industry, n: int) -> Row:
    major = rng.choice(industry.majors)
    description = (
        f"希望与开设{major}专业的院校共建订单班或定制课程，课程内容对接企业{industry.field}岗位要求，"
        "企业可参与人才培养方案制定、提供兼职教师和实习岗位。"
    )
    return posting(org, n, "need", "program", f"定制{major}方向订单培养需求", description, org.sectors)


def internship_offer(rng: random.Random, org: Org, industry: Industry, n: int) -> Row:
    area = rng.choice(industry.areas)
    places = rng.choice((5, 8, 10, 15, 20, 30))
    majors_text = "、".join(rng.sample(industry.majors, min(3, len(industry.majors))))
    description = (
        f"面向{majors_text}等专业学生提供{area}岗位实习，实习期3至6个月，安排师傅带教，"
        f"提供实习补贴，{rng.choice(('提供住宿', '协助解决住宿', '提供工作餐'))}，表现优秀者毕业后可留用。"
    )
    return posting(org, n, "offer", "internship", f"{area}岗位实习", description, org.sectors, places)


def apprenticeship_offer(rng: random.Random, org: Org, industry: Industry, n: int) -> Row:
    major = rng.choice(industry.majors)
    places = rng.choice((10, 15, 20, 30, 40))
    description = (
        f"可与院校合作开设{major}方向订单班或学徒制班，企业提供学徒岗位和带徒师傅，参与课程设计和技能考核，"
        "学徒在岗期间享受学徒津贴，培养合格后签订劳动合同。"
    )
    return posting(org, n, "offer", "apprenticeship", f"{major}订单班与学徒岗位", description, org.sectors, places)


def mentor_offer(rng: random.Random, org: Org, industry: Industry, n: int) -> Row:
    mentors = rng.choice((1, 2, 2, 3, 4))
    description = (
        f"公司{industry.field}岗位的技术骨干和技能能手具有多年一线经验，可担任院校产业导师或兼职教师，"
        "承担实训课程教学、技能竞赛指导和毕业设计指导，也可参与专业人才培养方案修订。"
    )
    return posting(
        org, n, "offer", "mentor", f"{industry.field}产业导师（兼职教师）", description, org.sectors, mentors
    )


def teacher_practice_offer(rng: random.Random, org: Org, industry: Industry, n: int) -> Row:
    area = rng.choice(industry.areas)
    places = rng.choice((1, 2, 3, 4, 5))
    description = (
        f"接收院校专业教师到公司{area}开展1至3个月企业实践，参与生产、工艺改进和技术服务，"
        "了解行业新技术、新工艺和岗位要求，公司安排专人指导。"
    )
    return posting(org, n, "offer", "teacher_practice", f"{area}教师企业实践岗位", description, org.sectors, places)


def training_base_offer(rng: random.Random, org: Org, industry: Industry, n: int) -> Row:
    area = rng.choice(industry.areas)
    description = (
        f"公司{area}可作为院校校外生产性实训基地，承接学生跟岗实训、教师培训和技能鉴定，"
        "也欢迎院校在公司共建产教融合实训中心。"
    )
    return posting(org, n, "offer", "training_base", f"{area}校外实训基地共建", description, org.sectors)


def association_postings(rng: random.Random, org: Org, industry: Industry) -> list[Row]:
    sector = sector_names()[org.industry]
    topic = rng.choice(industry.training)
    return [
        posting(
            org,
            1,
            "offer",
            "training",
            f"{sector}行业{topic}",
            f"协会可组织会员企业员工和从业者开展{topic}，邀请行业专家和院校教师授课，欢迎院校联合开发课程和教材。",
            org.sectors,
        ),
        posting(
            org,
            2,
            "offer",
            "mentor",
            f"{sector}行业专家库推荐产业导师",
            f"协会可从会员企业中推荐{industry.field}方面的技术能手担任院校产业导师或兼职教师。",
            org.sectors,
            rng.choice((3, 5, 8)),
        ),
        posting(
            org,
            3,
            "need",
            "talent",
            f"会员企业{sector}技术技能人才联合招聘",
            f"协会汇总会员企业{industry.field}岗位用人需求，希望与院校合作举办专场招聘会，"
            f"{'、'.join(industry.majors[:3])}等专业毕业生优先。",
            org.sectors,
            rng.choice((30, 50, 80)),
        ),
    ]


def program_offer(org: Org, major: Major, n: int) -> Row:
    courses = re.sub(r"\s*(专业核心课程|实习实训)：", r"\n\1：", major.courses)
    parts = [
        f"{org.name}开设{major.name}专业（{major.level}，{major.category}·{major.class_name}），"
        "欢迎企业参与订单培养、现代学徒制、共建实训基地和岗位实习。"
    ]
    if major.training_goal:
        parts.append(f"培养目标：{major.training_goal}")
    if courses:
        parts.append(f"主要专业课程：\n{courses}")
    return posting(
        org,
        n,
        "offer",
        "program",
        f"{major.name}专业（{major.level}）招生与订单培养合作",
        "\n".join(parts),
        major_sectors(major),
    )


def school_postings(org: Org) -> list[Row]:
    rows = [program_offer(org, major, n) for n, major in enumerate(org.majors, start=1)]
    rng = random.Random(f"{SEED}:postings:{org.ref}")
    options = [
        school_talent_offer,
        school_training_offer,
        school_technology_offer,
        school_training_base_offer,
        school_internship_need,
        school_mentor_need,
        school_teacher_practice_need,
    ]
    offers, needs = options[:4], options[4:]
    chosen = [rng.choice(offers), rng.choice(needs)]
    chosen += rng.sample([o for o in options if o not in chosen], rng.randint(1, 3))
    # Prefer majors that serve an industry of the taxonomy: they are what enterprises look for.
    industrial = [m for m in org.majors if major_sectors(m)] or org.majors
    for make in chosen:
        rows.append(make(rng, org, rng.choice(industrial), len(rows) + 1))
    return rows


def school_talent_offer(rng: random.Random, org: Org, major: Major, n: int) -> Row:
    others = [m.name for m in org.majors if m != major][:2]
    names = "、".join([major.name, *others])
    description = (
        f"{org.name}{names}等专业学生即将毕业，可向企业推荐应届毕业生，"
        "欢迎企业来校举办专场招聘会、参加双选会或提供顶岗就业岗位。"
    )
    return posting(org, n, "offer", "talent", f"{major.name}等专业应届毕业生推荐", description, major_sectors(major))


def school_training_offer(rng: random.Random, org: Org, major: Major, n: int) -> Row:
    if major.certificates:
        certificate = rng.choice(major.certificates)
        title = f"{certificate}职业技能培训与认定"
        body = f"依托{major.name}专业师资和实训条件，面向企业员工开展{certificate}职业技能培训，可组织相应等级认定。"
    else:
        title = f"{major.name}方向企业员工技能提升培训"
        body = f"依托{major.name}专业师资和实训条件，面向企业员工开展岗位技能提升培训。"
    return posting(
        org,
        n,
        "offer",
        "training",
        title,
        body + "课程可按企业需求定制，支持送教上门或来校集中培训。",
        major_sectors(major),
    )


def school_technology_offer(rng: random.Random, org: Org, major: Major, n: int) -> Row:
    description = (
        f"{org.name}{major.name}专业教学团队可为企业提供工艺改进、设备调试、产品检测和技术咨询等服务，"
        "承接横向课题，参与企业技术攻关和成果转化。"
    )
    return posting(
        org, n, "offer", "technology", f"{major.name}方向技术服务与横向课题合作", description, major_sectors(major)
    )


def school_training_base_offer(rng: random.Random, org: Org, major: Major, n: int) -> Row:
    description = (
        f"{org.name}{major.name}实训室（实训中心）可面向企业员工培训、技能竞赛和职业技能等级认定共享使用，"
        "也可承接中小企业的小批量试制和检测。"
    )
    return posting(
        org, n, "offer", "training_base", f"{major.name}实训基地对外开放共享", description, major_sectors(major)
    )


def school_internship_need(rng: random.Random, org: Org, major: Major, n: int) -> Row:
    students = rng.choice((10, 20, 30, 40, 60))
    description = (
        f"{org.name}{major.name}专业学生需要岗位实习，约{students}人，实习期3至6个月。"
        "希望对口企业提供实习岗位并安排带教师傅，学校派驻指导教师共同管理。"
    )
    return posting(
        org, n, "need", "internship", f"{major.name}专业学生岗位实习需求", description, major_sectors(major), students
    )


def school_mentor_need(rng: random.Random, org: Org, major: Major, n: int) -> Row:
    mentors = rng.choice((1, 2, 3, 4))
    description = (
        f"{org.name}{major.name}专业拟聘请企业技术骨干担任产业导师（兼职教师），承担实训课程、"
        "技能竞赛指导或专题讲座，课时和报酬按学校规定执行。"
    )
    return posting(
        org, n, "need", "mentor", f"聘请{major.name}方向产业导师", description, major_sectors(major), mentors
    )


def school_teacher_practice_need(rng: random.Random, org: Org, major: Major, n: int) -> Row:
    teachers = rng.choice((2, 3, 4, 5, 6))
    description = (
        f"{org.name}计划选派{major.name}专业教师{teachers}人到企业实践1至3个月，"
        "希望参与一线生产和技术工作，了解新技术、新工艺和岗位要求。"
    )
    return posting(
        org,
        n,
        "need",
        "teacher_practice",
        f"{major.name}专业教师企业实践岗位需求",
        description,
        major_sectors(major),
        teachers,
    )


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
