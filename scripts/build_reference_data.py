"""Copy and reshape the shared reference data into matchmaker/data/ (run by developers, not at run time).

Usage: python scripts/build_reference_data.py [SHARED_DATA_DIR]

Writes matchmaker/data/taxonomy/sectors.json and matchmaker/data/taxonomy/regions.csv from the shared
taxonomy files, and copies the reference catalogs (schools, majors, occupations,
industries) into matchmaker/data/reference/ unchanged, so the product never reads ../shared.
"""

from __future__ import annotations

import csv
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_FILES = [
    "SOURCES.md",
    "guizhou_higher_education_2025.csv",
    "vocational_catalog_2021_with_additions.csv",
    "moe_major_profiles_2022.jsonl",
    "major_to_occupation_from_profiles.csv",
    "mohrss_occupation_major_guide_2023.csv",
    "occupations_csco2022.csv",
    "gbt4754_2017.csv",
]
# Common short or older names people type for a sector.
SECTOR_ALIASES = {
    "bamboo": ["竹子", "竹产业"],
    "liquor_tobacco": ["烟酒", "白酒"],
    "big_data_electronics": ["大数据", "电子信息"],
    "health_medicine": ["医药"],
    "eco_livestock": ["畜牧"],
    "eco_fishery": ["渔业"],
    "roxburgh_rose": ["刺梨产业"],
    "advanced_equipment": ["装备制造"],
    "modern_chemicals": ["化工"],
}


def build_sectors(src: Path, dst: Path) -> None:
    data = json.loads(src.read_text(encoding="utf-8"))
    groups = []
    for group in data["groups"]:
        sectors = [
            {"code": s["code"], "name": s["name"], "aliases": SECTOR_ALIASES.get(s["code"], [])}
            for s in group["sectors"]
        ]
        groups.append({"code": group["code"], "name": group["name"], "sectors": sectors})
    out = {"_note": data["_note"] + " Aliases are extra names accepted on input.", "groups": groups}
    dst.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def build_regions(src: Path, dst: Path) -> None:
    """Province, prefectures and counties with 6-digit official codes (townships left out)."""
    rows = []
    with src.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["level"] == "province":
                rows.append({"code": row["code"].ljust(6, "0"), "name": row["name"], "level": "province", "parent": ""})
            elif row["level"] == "city":
                rows.append(
                    {"code": row["code"].ljust(6, "0"), "name": row["name"], "level": "prefecture", "parent": "520000"}
                )
            elif row["level"] == "county":
                rows.append(
                    {
                        "code": row["code"],
                        "name": row["name"],
                        "level": "county",
                        "parent": row["city_code"].ljust(6, "0"),
                    }
                )
    with dst.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["code", "name", "level", "parent"])
        writer.writeheader()
        writer.writerows(rows)


def main(shared: Path) -> None:
    taxonomy, reference = ROOT / "matchmaker" / "data" / "taxonomy", ROOT / "matchmaker" / "data" / "reference"
    taxonomy.mkdir(parents=True, exist_ok=True)
    reference.mkdir(parents=True, exist_ok=True)
    build_sectors(shared / "sectors.json", taxonomy / "sectors.json")
    build_regions(shared / "guizhou_divisions.csv", taxonomy / "regions.csv")
    for name in REFERENCE_FILES:
        shutil.copyfile(shared / name, reference / name)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data")
