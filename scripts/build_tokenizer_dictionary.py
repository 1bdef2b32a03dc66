"""Write matchmaker/data/tokenizer/userdict.txt: domain terms jieba must keep whole.

Usage: python scripts/build_tokenizer_dictionary.py

Terms come from the product's own data in matchmaker/data/: sector names and aliases, vocational
major names, occupation names and their job-title aliases. Run it again whenever those
files change; the output is committed so every install tokenizes alike.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "matchmaker" / "data"
# High enough that jieba prefers the whole term over splitting it.
FREQUENCY = 5000
MAX_LENGTH = 16
# Occupation names that are sentences rather than terms ("…人员", lists with 、) are left out.
# 大典 2022 marks green (L) and digital (S) occupations with a suffix on the name.
GREEN_DIGITAL_MARK = re.compile(r"(L/S|L|S)$")
NOT_A_TERM = re.compile(r"[、，,（）()及和与其他]|人员$")


def terms() -> set[str]:
    found: set[str] = set()
    sectors = json.loads((DATA / "taxonomy" / "sectors.json").read_text(encoding="utf-8"))
    for group in sectors["groups"]:
        for sector in group["sectors"]:
            found.update([sector["name"], *sector.get("aliases", [])])
    with (DATA / "reference" / "vocational_catalog_2021_with_additions.csv").open(encoding="utf-8") as fh:
        found.update(row["major_name"] for row in csv.DictReader(fh))
    with (DATA / "reference" / "occupations_csco2022.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["level"] != "4":
                continue
            names = [GREEN_DIGITAL_MARK.sub("", row["name"]), *re.split(r"[,，、;；/]", row.get("alias") or "")]
            found.update(name for name in names if not NOT_A_TERM.search(name))
    return {t.strip() for t in found if 2 <= len(t.strip()) <= MAX_LENGTH and " " not in t.strip()}


def main() -> None:
    out = DATA / "tokenizer" / "userdict.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(f"{term} {FREQUENCY}\n" for term in sorted(terms())), encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
