"""Write matchmaker/data/crosswalk/: occupations ↔ majors ↔ industries ↔ sectors, from matchmaker/data/reference/.

Usage: python scripts/build_crosswalk.py [--out DIR]

The crosswalk is the knowledge that words alone miss: a talent need that names an
occupation (国家职业分类大典 2022) or a job title reaches the vocational majors that lead
to it. Inputs are the reference files described in matchmaker/data/reference/SOURCES.md and
matchmaker/data/taxonomy/sectors.json. Outputs (deterministic, committed; read by
matchmaker.text.crosswalk):

- occupations.csv      大典 codes at all four levels: name (green/digital marks stripped),
                       parent group, job-title phrases, definition and tasks
- majors.csv           vocational catalog majors (+ the 国控 majors the catalog lacks, and the
                       general undergraduate majors the MOHRSS guide names)
- major_occupation.csv major–occupation edges with their sources: "profile" (the 2022 major
                       profiles' 职业面向) and/or "mohrss" (the 2023 MOHRSS guide)
- major_phrases.csv    job titles and posts (岗位) from 职业面向 that name no 大典 occupation,
                       linked straight to their major (source "profile")
- industries.csv       GB/T 4754-2017 codes and names
- sectors.json         the platform's sectors → industries, major classes, majors and
                       occupation groups (hand-written below; precision over coverage)

Run it again whenever a reference file or the tables below change;
tests/test_crosswalk.py checks that the committed output is current.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "matchmaker" / "data"
REFERENCE = DATA / "reference"
DEFAULT_OUT = DATA / "crosswalk"

# 大典 2022 marks green (L), digital (S) and green-digital (L/S) occupations on the name.
GREEN_DIGITAL_MARK = re.compile(r"(L/S|L|S)$")
# A job-title phrase of two characters must look like a job ("车工", "厨师"), not a topic ("数控").
JOB_SUFFIX = re.compile(r"(工|员|师|长|医|手|匠|生|官|家)$")
# Alias fragments that are not titles on their own: qualifiers and bare fields.
ALIAS_NOISE = re.compile(r"^(其他|[a-z0-9+#./\- ]{1,2}$)", re.IGNORECASE)
# Titles that name no occupation in particular (the alias data gives them to one or several).
GENERIC_TITLES = {
    "技术员",
    "工程师",
    "专员",
    "技师",
    "助理",
    "经理",
    "主管",
    "总监",
    "普工",
    "学徒",
    "工人",
    "操作工",
    "实习生",
    "管培生",
    "文员",
    "职员",
    "顾问",
}

# Job titles that job boards use but the 大典 2022 names and the alias data lack. Mostly
# titles the 2015 edition had and 2022 merged or renamed ("数控车工" became part of 车工).
EXTRA_ALIASES: dict[str, list[str]] = {
    "6-18-01-01": ["数控车工", "车床工", "车床操作工", "数控车床操作工", "普车工"],  # 车工
    "6-18-01-02": ["数控铣工", "铣床工", "铣床操作工", "数控铣床操作工"],  # 铣工
    "6-18-01-04": ["磨床工", "磨床操作工", "数控磨工"],  # 磨工
    "6-18-01-07": [
        "数控机床操作工",
        "加工中心操作工",
        "cnc操机",
        "数控操机",
        "cnc操作工",
        "数控操作工",
        "数控编程员",
    ],  # 多工序数控机床操作调整工
    "6-02-06-11": ["评茶员"],  # 评茶师 (2015: 评茶员)
    "4-10-01-05": ["养老护理"],  # 养老护理员
    "6-18-02-04": ["电焊工", "氩弧焊工", "二保焊工"],  # 焊工
    "2-05-08-00": ["护士"],  # 护理人员 (2022: by specialty)
}

# Renamings between the wording of the 2022 profiles and the 大典 2022 names, for profile
# occupations the reference match left unmatched (applied before falling back to phrases).
PROFILE_RENAMES: dict[str, str] = {
    "评茶员": "评茶师",
    "护士": "护理人员",
}

# Profile posts (岗位) shorter than this are activities, not titles ("调试", "施工"); a post
# shared by more majors than MAX_POST_MAJORS says nothing about which major.
MIN_POST_LENGTH = 4
MAX_POST_LENGTH = 10
MAX_POST_MAJORS = 4

# Sector → what clearly belongs to it. Industry codes are GB/T 4754 codes at any level (a
# division such as "15" covers its classes); major classes are 高职 class codes (4xxx),
# expanded to the 中职 (6xxx/7xxx) and 职教本科 (2xxx/3xxx) classes of the same number;
# major / occupation name patterns pick single majors or occupations where a whole class
# would be too broad (tea is a few majors inside 农业类). Left empty where nothing is clear.
SECTOR_LINKS: dict[str, dict[str, list[str] | str]] = {
    # 十大工业产业
    "basic_energy": {
        "industries": ["06", "0610", "0620", "0690", "1110", "252", "45"],
        "major_classes": ["4205"],
        "occupation_groups": ["6-10-02-00", "6-10-03-00"],
        "major_pattern": "煤",
        "occupation_pattern": "煤",
    },
    "clean_power": {
        "industries": ["441", "4420", "487"],
        "major_classes": ["4301", "4302", "4303"],
        "occupation_groups": ["2-02-12-00", "6-28-01-00", "4-11-01-00"],
    },
    "liquor_tobacco": {
        "industries": ["151", "16", "0134", "5127", "5128", "5226", "5227"],
        "major_pattern": "酿酒|白酒|烟草|卷烟|烟叶",
        "occupation_groups": ["6-03-01-00", "6-03-02-00", "6-03-03-00"],
        "occupation_pattern": "酒|烟叶|卷烟|烟草",
    },
    "building_materials": {
        "industries": ["30"],
        "major_classes": ["4307"],
        "occupation_groups": ["2-02-19-00", "6-15-01-00", "6-15-02-00", "6-15-03-00", "6-15-04-00", "6-15-05-00"],
    },
    "modern_chemicals": {
        "industries": ["26", "28", "251"],
        "major_classes": ["4702"],
        "occupation_groups": [
            "2-02-06-00",
            "6-11-01-00",
            "6-11-02-00",
            "6-11-03-00",
            "6-11-05-00",
            "6-11-08-00",
            "6-11-10-00",
            "6-10-01-00",
        ],
    },
    "advanced_equipment": {
        "industries": ["33", "34", "35", "36", "37", "38", "40", "43"],
        "major_classes": ["4601", "4602", "4603", "4604", "4605", "4606", "4607"],
        "occupation_groups": [
            "2-02-07-00",
            "6-18-01-00",
            "6-18-02-00",
            "6-18-03-00",
            "6-18-04-00",
            "6-20-01-00",
            "6-21-01-00",
            "6-22-01-00",
            "6-22-02-00",
            "6-23-01-00",
            "6-23-03-00",
            "6-31-01-00",
            "6-31-07-00",
        ],
    },
    "basic_materials": {
        "industries": ["31", "32", "08", "09"],
        "major_classes": ["4304", "4305", "4306"],
        "occupation_groups": ["2-02-05-00", "6-17-01-00", "6-17-02-00", "6-17-05-00", "6-17-06-00", "6-17-09-00"],
    },
    "eco_food": {
        "industries": ["13", "14", "152", "1530"],
        "major_classes": ["4901", "4903"],
        "occupation_groups": ["2-02-24-00", "6-01-01-00", "6-01-04-00", "6-02-01-00", "6-02-03-00", "6-02-05-00"],
    },
    "big_data_electronics": {
        "industries": ["39", "63", "64", "65"],
        "major_classes": ["5101", "5102", "5103", "5104"],
        "occupation_groups": [
            "2-02-09-00",
            "2-02-10-00",
            "2-02-38-00",
            "4-04-05-00",
            "6-25-01-00",
            "6-25-02-00",
            "6-25-04-00",
        ],
    },
    "health_medicine": {
        "industries": ["27", "515", "525", "84"],
        "major_classes": ["4902", "5202", "5203", "5204", "5205", "5206", "5207"],
        "occupation_groups": ["2-05-01-00", "2-05-02-00", "2-05-06-00", "2-05-07-00", "2-05-08-00", "6-12-05-00"],
    },
    # 十二个农业特色优势产业: single crops, so majors and occupations by name
    "tea": {"industries": ["0164", "1530", "6231"], "major_pattern": "(?<!油)茶", "occupation_pattern": "(?<!油)茶"},
    "edible_fungi": {"industries": ["0142", "1372"], "major_pattern": "食用菌|菌", "occupation_pattern": "食用菌"},
    "vegetables": {"industries": ["0141", "1371"], "major_pattern": "蔬菜|园艺", "occupation_pattern": "蔬菜"},
    "eco_livestock": {
        "industries": ["03", "053", "1351", "135"],
        "major_classes": ["4103"],
        "occupation_groups": ["2-03-07-00", "5-03-01-00", "5-03-02-00", "6-01-04-00"],
    },
    "dendrobium": {"industries": ["017"], "major_pattern": "石斛", "occupation_pattern": "石斛"},
    "fruit": {"industries": ["015", "1373"], "major_pattern": "果", "occupation_pattern": "果树|水果"},
    "bamboo": {"industries": ["0242", "2041", "2120"], "major_pattern": "竹", "occupation_pattern": "竹"},
    "chinese_herbs": {
        "industries": ["017", "2730", "2740", "5152", "5960"],
        "major_pattern": "中药|中草药|药用植物",
        "occupation_pattern": "中药",
    },
    "roxburgh_rose": {"major_pattern": "刺梨", "occupation_pattern": "刺梨"},
    "eco_fishery": {
        "industries": ["04", "054", "136"],
        "major_classes": ["4104"],
        "occupation_groups": ["2-03-08-00", "5-04-01-00", "5-04-02-00", "6-01-05-00"],
    },
    "camellia_oil": {"industries": ["0162"], "major_pattern": "油茶", "occupation_pattern": "油茶"},
    "chili": {"major_pattern": "辣椒", "occupation_pattern": "辣椒"},
    # 社会服务产业
    "housekeeping": {"industries": ["8010"], "major_pattern": "家政", "occupation_pattern": "家政"},
    "elderly_care": {"industries": ["8514"], "major_pattern": "老年|养老", "occupation_pattern": "老年|养老"},
    "health_services": {
        "industries": ["7244", "849", "8992"],
        "major_classes": ["5208"],
        "occupation_groups": ["4-14-02-00", "4-14-03-00", "4-14-06-00"],
    },
    "tourism": {
        "industries": ["7291", "786", "61"],
        "major_classes": ["5401"],
        "occupation_groups": ["4-07-04-00", "4-03-01-00"],
    },
    "childcare": {"industries": ["8020"], "major_pattern": "婴幼儿|托育|早期教育", "occupation_pattern": "婴幼儿|育婴"},
}

# Profiles with neither a name nor an entry in the MOHRSS guide (named from the catalog).
UNNAMED_PROFILES = {"580606": "戒毒矫治技术"}

# The MOHRSS guide's sheets → the level of its majors.
MOHRSS_LEVELS = {
    "中职-专业职业对照": "中职",
    "高职专业-专业职业对照": "高职专科",
    "职教本科-专业职业对照": "职教本科",
    "普通本科-专业职业对照": "普通本科",
}


# --- reading -------------------------------------------------------------------------------


def read_csv(name: str) -> list[dict[str, str]]:
    with (REFERENCE / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def read_jsonl(name: str) -> list[dict]:
    with (REFERENCE / name).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def clean_name(name: str) -> str:
    return GREEN_DIGITAL_MARK.sub("", name.strip())


def major_code(code: str) -> str:
    """The MOHRSS guide writes 国控 majors as 520101K; the catalog and profiles as 520101."""
    return code.strip().removesuffix("K")


# --- occupations ---------------------------------------------------------------------------


def alias_phrases(alias: str) -> list[str]:
    """Job-title phrases of one alias: "财务主管/总账主管" → both; "(ARM/MCU等)" notes dropped."""
    alias = re.sub(r"[(（][^)）]*[)）]", "", clean_name(alias))
    found = []
    for part in alias.split("/"):
        part = part.strip()
        if len(part) < 2 or ALIAS_NOISE.search(part) or part in GENERIC_TITLES:
            continue
        if len(part) == 2 and not JOB_SUFFIX.search(part):
            continue
        found.append(part)
    return found


def occupation_parent(code: str, groups: set[str]) -> str:
    """6-18-01-01 → 6-18-01-00; a small group's own occupation (2-03-02-00) → its 中类 2-03-00-00."""
    first, second, third, fourth = code.split("-")
    if fourth != "00" and f"{first}-{second}-{third}-00" in groups:
        return f"{first}-{second}-{third}-00"
    if third != "00":
        return f"{first}-{second}-00-00"
    if second != "00":
        return f"{first}-00-00-00"
    return ""


def build_occupations(extra_names: dict[str, str]) -> list[dict[str, str]]:
    rows = read_csv("occupations_csco2022.csv")
    by_code: dict[str, dict[str, str]] = {}
    for row in rows:
        code = row["code"]
        # Four codes appear twice (a small group listed also as its own occupation): keep the
        # deeper level, which has the definition.
        if code in by_code and int(by_code[code]["level"]) >= int(row["level"]):
            continue
        by_code[code] = row
    # Codes the MOHRSS guide uses that the 大典 file lacks (later additions): name only.
    for code, name in extra_names.items():
        if code not in by_code:
            by_code[code] = {"level": "4", "code": code, "name": name, "definition": "", "tasks": "", "alias": ""}
    groups = {code for code, row in by_code.items() if row["level"] in ("1", "2", "3")}
    # Groups that have level-4 children but no row of their own.
    groups |= {
        code[:-2] + "00"
        for code, row in by_code.items()
        if row["level"] == "4" and not code.endswith("-00") and code[:-2] + "00" not in by_code
    }

    unknown = set(EXTRA_ALIASES) - set(by_code)
    if unknown:
        raise SystemExit(f"EXTRA_ALIASES: unknown occupation codes {sorted(unknown)}")
    out = []
    for code in sorted(by_code):
        row = by_code[code]
        name = clean_name(row["name"])
        phrases = []
        if row["level"] in ("3", "4"):  # 大类 and 中类 names ("工程技术人员") are not job titles
            phrases = [] if name.startswith("其他") else [name]
            for alias in (row.get("alias") or "").split(","):
                phrases.extend(alias_phrases(alias))
            phrases.extend(EXTRA_ALIASES.get(code, []))
        out.append(
            {
                "code": code,
                "level": row["level"],
                "name": name,
                "parent": occupation_parent(code, groups) if row["level"] == "4" else parent_of_group(code),
                "phrases": "|".join(dict.fromkeys(p for p in phrases if p)),
                "definition": (row.get("definition") or "").strip(),
                "tasks": (row.get("tasks") or "").strip(),
            }
        )
    return out


def parent_of_group(code: str) -> str:
    first, second, third, _ = code.split("-")
    if third != "00":
        return f"{first}-{second}-00-00"
    if second != "00":
        return f"{first}-00-00-00"
    return ""


# --- majors --------------------------------------------------------------------------------


def build_majors(profiles: list[dict], mohrss: list[dict[str, str]]) -> list[dict[str, str]]:
    majors: dict[str, dict[str, str]] = {}
    for row in read_csv("vocational_catalog_2021_with_additions.csv"):
        majors[row["major_code"]] = {
            "code": row["major_code"],
            "name": row["major_name"],
            "level": row["level"],
            "class_code": row["class_code"],
            "class_name": row["class_name"],
            "category_code": row["category_code"],
            "category_name": row["category_name"],
            "origin": "catalog",
        }
    category_names = {m["category_code"]: m["category_name"] for m in majors.values()}
    # Profiles whose code was inferred from catalog order have no name; the guide names them.
    guide_names = {major_code(row["major_code"]): row["major_name"].strip() for row in mohrss}
    guide_names.update(UNNAMED_PROFILES)
    for profile in profiles:  # 国控 majors (临床医学, 中医学…): the catalog file lacks them
        code = profile["major_code"]
        if code not in majors:
            # Their profiles lack the class fields; the source file is named after the class.
            class_code, class_name = re.match(r"(\d{4})(.+)\.md$", profile["source_file"]).groups()
            majors[code] = {
                "code": code,
                "name": profile.get("major_name") or profile.get("major_name_in_profile") or guide_names[code],
                "level": profile.get("level") or level_of_code(code),
                "class_code": class_code,
                "class_name": class_name,
                "category_code": code[:2],
                "category_name": category_names.get(code[:2], ""),
                "origin": "profile",
            }
    for row in mohrss:  # general undergraduate majors, named only by the guide
        code = major_code(row["major_code"])
        if code not in majors:
            majors[code] = {
                "code": code,
                "name": row["major_name"].strip(),
                "level": MOHRSS_LEVELS[row["sheet"]],
                "class_code": code[:4],
                "class_name": "",
                "category_code": code[:2],
                "category_name": "",
                "origin": "mohrss",
            }
    return [majors[code] for code in sorted(majors)]


def level_of_code(code: str) -> str:
    """Vocational major codes: 2x/3x 职教本科, 4x/5x 高职专科, 6x/7x 中职."""
    return {"2": "职教本科", "3": "职教本科", "4": "高职专科", "5": "高职专科", "6": "中职", "7": "中职"}.get(
        code[:1], ""
    )


# --- major ↔ occupation edges ----------------------------------------------------------------


def occupation_lookup(occupations: list[dict[str, str]]) -> dict[str, list[str]]:
    """Phrase → codes, to re-match profile wording that the reference match left unmatched."""
    lookup: dict[str, list[str]] = defaultdict(list)
    for occ in occupations:
        if occ["level"] in ("3", "4"):
            for phrase in [occ["name"], *occ["phrases"].split("|")]:
                if phrase and occ["code"] not in lookup[phrase]:
                    lookup[phrase].append(occ["code"])
    return lookup


def rematch(text: str, lookup: dict[str, list[str]]) -> str | None:
    text = PROFILE_RENAMES.get(text, text)
    # The reference split "机械冷加工人员（数控车工、数控铣工）" at 、, leaving half-open brackets.
    outside = re.sub(r"[（(][^）)]*([）)]|$)|^[^（(]*[）)]", "", text)
    candidates = [
        text,
        outside,
        text.replace("工程技术员", "工程技术人员"),
        text[:-1] + "师" if text.endswith("员") else text[:-1] + "员" if text.endswith("师") else text,
    ]
    for candidate in candidates:
        codes = lookup.get(candidate, [])
        if len(codes) == 1:
            return codes[0]
    return None


def build_edges(occupations, majors, mohrss):
    """major_occupation rows and major_phrases rows."""
    known_majors = {m["code"] for m in majors}
    known_occupations = {o["code"] for o in occupations}
    lookup = occupation_lookup(occupations)
    sources: dict[tuple[str, str], set[str]] = defaultdict(set)
    ranks: dict[tuple[str, str], int] = {}
    phrases: dict[tuple[str, str], str] = {}

    position: dict[str, int] = defaultdict(int)
    for row in read_csv("major_to_occupation_from_profiles.csv"):
        major, text = row["major_code"], row["occupation_text"].strip()
        position[major] += 1
        code = row["occupation_code"] or rematch(text, lookup)
        if code and code in known_occupations:
            key = (major, code)
            sources[key].add("profile")
            ranks.setdefault(key, position[major])
        elif usable_phrase(text):
            phrases.setdefault((major, text), "职业")

    for row in mohrss:
        key = (major_code(row["major_code"]), row["occupation_code"].strip())
        if key[0] in known_majors and key[1] in known_occupations:
            sources[key].add("mohrss")

    for major, phrase, kind in profile_phrases(read_jsonl("moe_major_profiles_2022.jsonl")):
        phrases.setdefault((major, phrase), kind)

    # Posts shared by many majors ("质量管理") point nowhere in particular.
    majors_per_post: dict[str, set[str]] = defaultdict(set)
    for (major, phrase), kind in phrases.items():
        if kind == "岗位":
            majors_per_post[phrase].add(major)
    edge_rows = [
        {
            "major_code": m,
            "occupation_code": o,
            "sources": "|".join(sorted(s)),
            "profile_rank": str(ranks.get((m, o), "")),
        }
        for (m, o), s in sorted(sources.items())
        if m in known_majors
    ]
    phrase_rows = [
        {"major_code": m, "phrase": p, "kind": k, "source": "profile"}
        for (m, p), k in sorted(phrases.items())
        if m in known_majors and (k != "岗位" or len(majors_per_post[p]) <= MAX_POST_MAJORS)
    ]
    return edge_rows, phrase_rows


def usable_phrase(text: str) -> bool:
    return 2 <= len(text) <= 12 and not re.search(r"[（）()、和及]", text) and not text.startswith("其他")


def profile_phrases(profiles: list[dict]):
    """(major, phrase, kind) from 职业面向 text: job titles in parentheses and the posts (岗位)."""
    for profile in profiles:
        text = re.sub(r"^本专业", "", profile["occupation_facing"].strip())
        occupations_end = re.search(r"职业[，,]", text)
        occupation_part = text[: occupations_end.start()] if occupations_end else ""
        for inner in re.findall(r"（([^）]*)）", occupation_part):  # 机械冷加工人员（数控车工、数控铣工）
            for title in re.split(r"[、/]", inner):
                if len(title) >= 3 and JOB_SUFFIX.search(title):
                    yield profile["major_code"], title, "职业"
        start = occupations_end.end() if occupations_end else text.find("面向") + 2 if "面向" in text else 0
        end = re.search(r"等?(岗位|技术领域|工作)", text[start:])
        if not end:
            continue
        for post in re.split(r"[、，,；;]", text[start : start + end.start()]):
            post = post.strip()
            if MIN_POST_LENGTH <= len(post) <= MAX_POST_LENGTH and not re.search(r"[（）()]", post):
                yield profile["major_code"], post, "岗位"


# --- industries and sectors --------------------------------------------------------------------


def build_industries() -> list[dict[str, str]]:
    out = []
    for row in read_csv("gbt4754_2017.csv"):
        parent = {"1": "", "2": row["section"], "3": row["division"], "4": row["group"]}[row["level"]]
        out.append({"code": row["code"], "level": row["level"], "name": row["name"], "parent": parent})
    return out


def expand_major_classes(classes: list[str]) -> list[str]:
    """A 高职 class 4601 → 2601 (职教本科), 4601, 6601 (中职)."""
    out = []
    for cls in classes:
        number = int(cls[:2])
        out += [f"{number - 20}{cls[2:]}", cls, f"{number + 20}{cls[2:]}"]
    return out


def build_sectors(industries, majors, occupations) -> dict:
    taxonomy = json.loads((DATA / "taxonomy" / "sectors.json").read_text(encoding="utf-8"))
    industry_codes = {i["code"] for i in industries}
    occupation_codes = {o["code"] for o in occupations}
    sectors = {}
    for group in taxonomy["groups"]:
        for sector in group["sectors"]:
            links = SECTOR_LINKS.get(sector["code"], {})
            classes = expand_major_classes(list(links.get("major_classes", [])))
            major_pattern = re.compile(links["major_pattern"]) if links.get("major_pattern") else None
            occupation_pattern = re.compile(links["occupation_pattern"]) if links.get("occupation_pattern") else None
            for code in [*links.get("industries", []), *links.get("occupation_groups", [])]:
                if code not in industry_codes | occupation_codes:
                    raise SystemExit(f"sector {sector['code']}: unknown code {code}")
            sectors[sector["code"]] = {
                "name": sector["name"],
                "industries": list(links.get("industries", [])),
                "major_classes": [c for c in classes if any(m["class_code"] == c for m in majors)],
                "majors": sorted(
                    m["code"]
                    for m in majors
                    if major_pattern and major_pattern.search(m["name"]) and m["class_code"] not in classes
                ),
                "occupation_groups": list(links.get("occupation_groups", [])),
                "occupations": sorted(
                    o["code"]
                    for o in occupations
                    if o["level"] == "4" and occupation_pattern and occupation_pattern.search(o["name"])
                ),
            }
    return sectors


# --- writing -----------------------------------------------------------------------------------


def csv_text(rows: list[dict[str, str]], fields: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def build() -> dict[str, str]:
    """File name → content of every crosswalk file."""
    profiles = read_jsonl("moe_major_profiles_2022.jsonl")
    mohrss = read_csv("mohrss_occupation_major_guide_2023.csv")
    extra_names = {row["occupation_code"].strip(): clean_name(row["occupation_name"]) for row in mohrss}
    occupations = build_occupations(extra_names)
    majors = build_majors(profiles, mohrss)
    edges, phrases = build_edges(occupations, majors, mohrss)
    industries = build_industries()
    sectors = build_sectors(industries, majors, occupations)
    return {
        "occupations.csv": csv_text(occupations, ["code", "level", "name", "parent", "phrases", "definition", "tasks"]),
        "majors.csv": csv_text(
            majors, ["code", "name", "level", "class_code", "class_name", "category_code", "category_name", "origin"]
        ),
        "major_occupation.csv": csv_text(edges, ["major_code", "occupation_code", "sources", "profile_rank"]),
        "major_phrases.csv": csv_text(phrases, ["major_code", "phrase", "kind", "source"]),
        "industries.csv": csv_text(industries, ["code", "level", "name", "parent"]),
        "sectors.json": json.dumps(sectors, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="output folder (default matchmaker/data/crosswalk)"
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name, content in build().items():
        (args.out / name).write_text(content, encoding="utf-8")
        print(f"wrote {args.out / name} ({len(content.encode()) // 1024} KiB, {content.count(chr(10)) - 1} rows)")


if __name__ == "__main__":
    main()
