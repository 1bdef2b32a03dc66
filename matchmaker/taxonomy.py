"""Sectors, regions, categories, organization kinds and cooperation types, read from the data files in config/.

The taxonomy is static reference data: it is loaded once per process on first use
(`get_taxonomy()`), never at import time. Inputs may name a sector or a region by its
code or by its Chinese name; `resolve_sector` / `resolve_region` return the code.
"""

from __future__ import annotations

import csv
import functools
import json
import unicodedata
from dataclasses import dataclass, field
from importlib.resources.abc import Traversable
from pathlib import Path

from matchmaker.data import data_dir

DIRECTIONS = ("need", "offer")
STATUSES = ("draft", "published", "closed")


@dataclass(frozen=True)
class Sector:
    code: str
    name: str
    group: str
    group_name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Region:
    code: str  # 6-digit official administrative code (统计用区划代码)
    name: str
    level: str  # province | prefecture | county
    parent: str | None

    @property
    def prefecture(self) -> str | None:
        """The 6-digit code of the prefecture this region is in (or is)."""
        if self.level == "county":
            return self.parent
        return self.code if self.level == "prefecture" else None


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    need: str
    offer: str
    answers: tuple[str, ...]  # offer categories that answer a need of this category, strongest first
    strengths: dict[str, float] = field(default_factory=dict)  # offer category → 1 (answers it) … less (a lead)


@dataclass(frozen=True)
class OrganizationKind:
    code: str
    name: str
    subtypes: tuple[str, ...]


@dataclass(frozen=True)
class Term:
    """A coded entry of a short list: a cooperation type, a partner role, a library criterion."""

    code: str
    name: str
    hint: str = ""


class UnknownTerm(LookupError):
    """A sector, region, category or kind that the taxonomy does not know."""


def normalize_term(text: str) -> str:
    """Fold full-width forms and surrounding space so '５２０１０２ ' matches '520102'."""
    return unicodedata.normalize("NFKC", text).strip()


@dataclass
class Taxonomy:
    sectors: dict[str, Sector]
    regions: dict[str, Region]
    categories: dict[str, Category]
    kinds: dict[str, OrganizationKind]
    serve_both_sides: frozenset[str] = frozenset()  # subtypes that are a counterpart to both sides
    # cooperation_types.json: project types, partner roles, demonstration library criteria
    cooperation_types: dict[str, Term] = field(default_factory=dict)
    partner_roles: dict[str, Term] = field(default_factory=dict)
    library_criteria: dict[str, Term] = field(default_factory=dict)
    _sector_names: dict[str, str] = field(default_factory=dict, repr=False)
    _region_names: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for sector in self.sectors.values():
            for name in (sector.name, *sector.aliases):
                self._sector_names[name] = sector.code
        for region in self.regions.values():
            for name in _region_names(region, self.regions):
                self._region_names.setdefault(name, region.code)

    # --- lookups -------------------------------------------------------------------------
    def resolve_sector(self, value: str) -> str:
        """Return the sector code for a code or Chinese name; raise UnknownTerm otherwise."""
        term = normalize_term(value)
        if term in self.sectors:
            return term
        if term.lower() in self.sectors:
            return term.lower()
        try:
            return self._sector_names[term]
        except KeyError:
            raise UnknownTerm(value) from None

    def resolve_region(self, value: str) -> str:
        """Return the 6-digit region code for a code (2, 4 or 6 digits) or a Chinese name."""
        term = normalize_term(value)
        if term.isdigit() and len(term) in (2, 4, 6):
            code = term.ljust(6, "0")
            if code in self.regions:
                return code
            raise UnknownTerm(value)
        try:
            return self._region_names[term]
        except KeyError:
            raise UnknownTerm(value) from None

    def resolve_category(self, value: str) -> str:
        term = normalize_term(value).lower()
        if term in self.categories:
            return term
        for category in self.categories.values():
            if category.name == normalize_term(value):
                return category.code
        raise UnknownTerm(value)

    def region_and_descendants(self, code: str) -> set[str]:
        """A region's code with the codes inside it (a prefecture includes its counties)."""
        region = self.regions[code]
        if region.level == "province":
            return set(self.regions)
        if region.level == "prefecture":
            return {code} | {r.code for r in self.regions.values() if r.parent == code}
        return {code}

    def region_label(self, code: str | None) -> str | None:
        """'贵阳市南明区' for a county, the plain name for a prefecture or the province."""
        if not code or code not in self.regions:
            return None
        region = self.regions[code]
        if region.level == "county" and region.parent in self.regions:
            return self.regions[region.parent].name + region.name
        return region.name

    def offer_categories_for(self, need_category: str) -> tuple[str, ...]:
        """Offer categories that can answer a need of this category (the complementarity rule)."""
        return self.categories[need_category].answers

    def need_categories_for(self, offer_category: str) -> tuple[str, ...]:
        """Need categories that an offer of this category can answer."""
        return tuple(c.code for c in self.categories.values() if offer_category in c.answers)

    def sectors_in(self, text: str) -> tuple[str, ...]:
        """Sectors a text names (by name or alias of two characters or more), in the order of the taxonomy."""
        normalized = normalize_term(text)
        found = {code for name, code in self._sector_names.items() if len(name) >= 2 and name in normalized}
        return tuple(code for code in self.sectors if code in found)

    def answer_strength(self, need_category: str, offer_category: str) -> float:
        """How well an offer of one category answers a need of another: 1 directly, less as a lead, 0 not."""
        category = self.categories.get(need_category)
        return category.strengths.get(offer_category, 0.0) if category else 0.0

    def is_counterpart(self, seeker_side: str, kind: str, subtype: str | None) -> bool:
        """Whether an organization answers a seeker of this side: the other side, or one that serves both."""
        return kind != seeker_side or subtype in self.serve_both_sides


def _region_names(region: Region, regions: dict[str, Region]) -> list[str]:
    names = [region.name]
    if region.name.endswith("自治州"):
        # People write 黔东南州 for 黔东南苗族侗族自治州.
        for marker in ("布依族", "苗族"):
            if marker in region.name:
                names.append(region.name.split(marker)[0] + "州")
                break
    if region.level == "county" and region.parent in regions:
        names.append(regions[region.parent].name + region.name)
    return names


def load_taxonomy(directory: Path | Traversable) -> Taxonomy:
    """Read the taxonomy data files from a folder (the package's data/taxonomy)."""
    sector_data = json.loads((directory / "sectors.json").read_text(encoding="utf-8"))
    sectors = {
        s["code"]: Sector(s["code"], s["name"], g["code"], g["name"], tuple(s.get("aliases", ())))
        for g in sector_data["groups"]
        for s in g["sectors"]
    }
    with (directory / "regions.csv").open(encoding="utf-8") as fh:
        regions = {r["code"]: Region(r["code"], r["name"], r["level"], r["parent"] or None) for r in csv.DictReader(fh)}
    category_data = json.loads((directory / "categories.json").read_text(encoding="utf-8"))
    categories = {
        c["code"]: Category(
            c["code"],
            c["name"],
            c["need"],
            c["offer"],
            tuple(sorted(c["answers"], key=lambda offer: -c["answers"][offer])),
            {offer: float(strength) for offer, strength in c["answers"].items()},
        )
        for c in category_data["categories"]
    }
    unknown = {a for c in categories.values() for a in c.answers} - set(categories)
    if unknown:
        raise ValueError(f"categories.json: answers name unknown categories {sorted(unknown)}")
    kind_data = json.loads((directory / "organization_types.json").read_text(encoding="utf-8"))
    kinds = {k["code"]: OrganizationKind(k["code"], k["name"], tuple(k["subtypes"])) for k in kind_data["kinds"]}
    both = frozenset(kind_data.get("serve_both_sides", ()))
    if both - {s for k in kinds.values() for s in k.subtypes}:
        raise ValueError(f"organization_types.json: serve_both_sides names unknown subtypes {sorted(both)}")
    cooperation = json.loads((directory / "cooperation_types.json").read_text(encoding="utf-8"))

    def terms(key: str) -> dict[str, Term]:
        return {t["code"]: Term(t["code"], t["name"], t.get("hint", "")) for t in cooperation[key]}

    return Taxonomy(
        sectors=sectors,
        regions=regions,
        categories=categories,
        kinds=kinds,
        serve_both_sides=both,
        cooperation_types=terms("types"),
        partner_roles=terms("partner_roles"),
        library_criteria=terms("library_criteria"),
    )


@functools.cache
def get_taxonomy() -> Taxonomy:
    """The product's taxonomy from its data files, loaded once per process."""
    return load_taxonomy(data_dir("taxonomy"))
