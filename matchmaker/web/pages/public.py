"""Public pages: home with search, search results, postings, organization profiles.

The search page takes the same query parameters as `GET /api/v1/search` and validates them
with the same schema, so a bad parameter reads the same in both. Without a query it lists
the newest public postings under the chosen filters instead (the home page's sector links).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import Blueprint, render_template, request, url_for

from matchmaker import matching, postings
from matchmaker.contacts import can_see_contact
from matchmaker.errors import InvalidInput
from matchmaker.indexing import get_search_index
from matchmaker.models import Organization
from matchmaker.models.base import LOCAL_TZ
from matchmaker.organizations import get_visible_organization
from matchmaker.schemas.search import SearchArgsSchema
from matchmaker.taxonomy import get_taxonomy
from matchmaker.text.crosswalk import describe_tag
from matchmaker.web.pages import FieldErrors, field_errors, load_form, viewer

bp = Blueprint("public", __name__)

SEARCH_ARGS = SearchArgsSchema(partial=("q",))  # an empty query shows the form, not an error
DEFAULT_LIMIT = SEARCH_ARGS.fields["limit"].load_default
FILTERS = ("direction", "category", "sector", "region", "kind")
KEPT_FILTERS = ("category", "sector", "region", "kind")  # carried as hidden inputs when the query changes
LISTS = ("category", "sector")  # repeatable: a facet link adds a value
DIRECTIONS = {"need": "需求", "offer": "供给"}
ARG_LABELS = {
    "q": "搜索内容",
    "direction": "类型",
    "category": "类别",
    "sector": "产业",
    "region": "地区",
    "kind": "机构类型",
    "limit": "每页条数",
    "offset": "起始位置",
    "sort": "排序",
    "county": "区县",
}
BROWSE_SORTS = ("newest", "closing")  # without a query there is no relevance to sort by
PAGE_NUMBERS = 2  # page links shown on each side of the current page
LATEST = 10
MATCHES = 5


# --- views ---------------------------------------------------------------------------------


@bp.get("/")
def home():
    latest = postings.listed_postings(limit=LATEST)
    counts = postings.public_counts()
    return render_template(
        "public/home.html",
        counts=counts.by_direction,
        latest=latest,
        sector_groups=_sector_groups(counts.by_sector),
        org_count=counts.organizations,
    )


@bp.get("/search")
def search():
    try:
        args = _search_args()
    except InvalidInput as error:
        return _search_page(errors=field_errors(error)), error.status
    if not args.get("q"):
        if args["sort"] not in BROWSE_SORTS:
            args["sort"] = "newest"
        page = postings.list_postings(
            {**args, "page": args["offset"] // args["limit"] + 1, "page_size": args["limit"]}, None
        )
        return _search_page(args, browse=page, counts=postings.facet_counts(args))
    try:
        found = matching.search_postings(
            get_search_index(),
            args["q"],
            matching.filters_from(args),
            seeker_side=matching.seeker_side(args.get("seeker"), viewer()),
            limit=args["limit"],
            offset=args["offset"],
            sort=args["sort"],
        )
    except InvalidInput as error:
        return _search_page(args, errors=field_errors(error)), error.status
    except matching.SearchUnavailable as error:
        return _search_page(args, unavailable=error), error.status, {"Retry-After": "60"}
    return _search_page(args, found=found)


@bp.get("/postings/<int:posting_id>")
def posting(posting_id: int):
    item = postings.get_visible_posting(viewer(), posting_id)
    try:
        matches, unavailable = matching.match_posting(item, get_search_index(), limit=MATCHES), None
    except matching.SearchUnavailable as error:
        matches, unavailable = None, error
    return render_template(
        "public/posting.html",
        posting=item,
        matches=matches,
        unavailable=unavailable,
        category=get_taxonomy().categories[item.category],
        tags=[t for t in map(describe_tag, item.tags or ()) if t],
        can_contact=_can_contact(item.organization),
    )


@bp.get("/organizations/<int:organization_id>")
def organization(organization_id: int):
    org = get_visible_organization(viewer(), id=organization_id)
    open_postings = postings.listed_postings(organization=org)
    return render_template(
        "public/organization.html",
        org=org,
        postings=open_postings,
        show_contact=can_see_contact(viewer(), org),
        can_contact=_can_contact(org),
    )


# --- search page model ---------------------------------------------------------------------


def _search_args() -> dict[str, Any]:
    """The validated query parameters; a blank query is no query (the page lists the newest postings)."""
    raw = request.args.copy()
    if not raw.get("q", "").strip():
        raw.pop("q", None)
    return load_form(SEARCH_ARGS, raw)


@dataclass
class Link:
    label: str
    url: str
    count: int | None = None
    active: bool = False


@dataclass
class Facet:
    name: str
    title: str
    values: list[Link]


def _search_page(
    args: dict[str, Any] | None = None,
    *,
    errors: FieldErrors | None = None,
    found: matching.SearchResults | None = None,
    browse: Any = None,
    counts: dict[str, dict[str, int]] | None = None,
    unavailable: matching.SearchUnavailable | None = None,
) -> str:
    """The search page for parsed arguments, or (args None) for raw ones that did not validate."""
    errors = errors or {}
    if args is None:  # keep what the visitor typed, minus the filters that were wrong
        values = {name: request.args.get(name, "") for name in ("q", "direction", "seeker")}
        hidden = [
            (name, value)
            for name in (*KEPT_FILTERS, "limit")
            if name not in errors
            for value in request.args.getlist(name)
            if value.strip()
        ]
    else:
        values = {"q": args.get("q", ""), "direction": args.get("direction", ""), "seeker": args.get("seeker") or ""}
        hidden = [(name, value) for name in KEPT_FILTERS for value in _as_list(args.get(name))]
        if args["limit"] != DEFAULT_LIMIT:
            hidden.append(("limit", str(args["limit"])))
        if args["sort"] not in ("relevance", "newest"):
            hidden.append(("sort", args["sort"]))
    total = found.total if found is not None else browse.total if browse is not None else 0
    return render_template(
        "public/search.html",
        values=values,
        hidden=hidden,
        errors=errors,
        error_list=_error_list(errors),
        found=found,
        browse=browse,
        unavailable=unavailable,
        total=total,
        active=_active_filters(args) if args else [],
        facets=_facets(args, found.facets if found else counts or {}) if args else [],
        sorts=_sort_links(args, browse=found is None) if args and (found or browse) else [],
        pages=_page_links(args, total) if args else None,
    )


def _search_url(args: dict[str, Any], **changes: Any) -> str:
    """This search with some parameters changed (None removes one); back to the first page."""
    params = {name: args.get(name) for name in ("q", *FILTERS)}
    if args.get("limit", DEFAULT_LIMIT) != DEFAULT_LIMIT:
        params["limit"] = args["limit"]
    if args.get("sort") not in (None, "relevance", "newest"):
        params["sort"] = args["sort"]
    params.update(changes)
    return url_for("public.search", **{k: v for k, v in params.items() if v not in (None, "", [], 0)})


def _toggle(args: dict[str, Any], name: str, value: str) -> str:
    """Link that adds a filter value (to a list, or in place of a single one), or removes it if set."""
    if name in LISTS:
        current = list(args.get(name) or ())
        return _search_url(
            args, **{name: [v for v in current if v != value] if value in current else current + [value]}
        )
    return _search_url(args, **{name: None if args.get(name) == value else value})


def _label(name: str, code: str) -> str:
    taxonomy = get_taxonomy()
    if name == "sector":
        return taxonomy.sectors[code].name if code in taxonomy.sectors else code
    if name == "region":
        return taxonomy.region_label(code) or code
    if name == "category":
        return taxonomy.categories[code].name if code in taxonomy.categories else code
    if name == "kind":
        return taxonomy.kinds[code].name if code in taxonomy.kinds else code
    return DIRECTIONS.get(code, code)


def _facets(args: dict[str, Any], counts: dict[str, dict[str, int]]) -> list[Facet]:
    """Sidebar groups: every value with its count and a link that adds (or removes) it.

    Counties show once a region is chosen: those of its prefecture; choosing one narrows the
    region to it, choosing it again goes back to the prefecture.
    """
    facets = []
    for name in ("sector", "region", "county", "category", "kind"):
        if name == "county":
            facets.append(_county_facet(args, counts.get("county", {})))
            continue
        active = set(_as_list(args.get(name)))
        values = sorted(counts.get(name, {}).items(), key=lambda item: (-item[1], item[0]))
        facets.append(
            Facet(
                name,
                ARG_LABELS[name],
                [Link(_label(name, code), _toggle(args, name, code), count, code in active) for code, count in values],
            )
        )
    return [facet for facet in facets if facet.values]


def _county_facet(args: dict[str, Any], counts: dict[str, int]) -> Facet:
    chosen = args.get("region")
    regions = get_taxonomy().regions
    prefecture = regions[chosen].prefecture if chosen in regions else None
    values = [
        Link(
            regions[code].name,
            _search_url(args, region=prefecture if code == chosen else code),
            count,
            code == chosen,
        )
        for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        if prefecture and regions[code].parent == prefecture
    ]
    return Facet("county", ARG_LABELS["county"], values)


def _sort_links(args: dict[str, Any], *, browse: bool) -> list[Link]:
    """The orders a visitor may choose, the current one marked."""
    choices = BROWSE_SORTS if browse else tuple(matching.SORTS)
    return [
        Link(
            matching.SORTS[code],
            _search_url(args, sort=None if code in ("relevance", "newest") else code, offset=None),
            None,
            args["sort"] == code,
        )
        for code in choices
    ]


def _active_filters(args: dict[str, Any]) -> list[Link]:
    """The filters in force, each with a link that removes it."""
    return [
        Link(f"{ARG_LABELS[name]}：{_label(name, value)}", _toggle(args, name, value))
        for name in FILTERS
        for value in _as_list(args.get(name))
    ]


def _page_links(args: dict[str, Any], total: int) -> dict[str, Any]:
    limit, offset = args["limit"], args["offset"]

    def at(start: int) -> str:
        return _search_url(args, offset=start)

    max_offset = SEARCH_ARGS.fields["offset"].maximum
    current, last_page = offset // limit + 1, max(1, min(-(-total // limit), max_offset // limit + 1))
    shown = sorted({1, last_page, *range(max(1, current - PAGE_NUMBERS), min(last_page, current + PAGE_NUMBERS) + 1)})
    numbers: list[Link | None] = []  # None marks a gap (…)
    for number in shown:
        if numbers and numbers[-1] is not None and int(numbers[-1].label) < number - 1:
            numbers.append(None)
        numbers.append(Link(str(number), at((number - 1) * limit), None, number == current))
    return {
        "first": offset + 1 if total else 0,
        "last": min(offset + limit, total),
        "start": at(0),
        "previous": at(max(0, offset - limit)) if offset > 0 else None,
        "next": at(offset + limit) if offset + limit < total else None,
        "numbers": numbers if last_page > 1 else [],
    }


def _error_list(errors: FieldErrors) -> list[str]:
    return [f"{ARG_LABELS.get(name, name)}：{message.zh}" for name, messages in errors.items() for message in messages]


def _as_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


# --- home page figures ---------------------------------------------------------------------


def _sector_groups(counts: dict[str, int]) -> list[tuple[str, list[Link]]]:
    """(group name, sector links with public posting counts) in the taxonomy's order."""
    groups = itertools.groupby(get_taxonomy().sectors.values(), key=lambda sector: sector.group_name)
    return [
        (
            name.split("（")[0],
            [Link(s.name, url_for("public.search", sector=s.code), counts.get(s.code, 0)) for s in sectors],
        )
        for name, sectors in groups
    ]


def _can_contact(org: Organization) -> bool:
    """Members of another organization may ask this one for contact."""
    user = viewer()
    return user is not None and user.organization_id is not None and user.organization_id != org.id


# --- template helpers ----------------------------------------------------------------------


@bp.app_template_filter("sector_name")
def sector_name(code: str) -> str:
    return _label("sector", code)


@bp.app_template_filter("region_name")
def region_name(code: str | None) -> str:
    return _label("region", code) if code else "—"


@bp.app_template_filter("category_name")
def category_name(code: str) -> str:
    return _label("category", code)


@bp.app_template_filter("kind_name")
def kind_name(code: str) -> str:
    return _label("kind", code)


@bp.app_template_filter("direction_name")
def direction_name(code: str) -> str:
    return DIRECTIONS.get(code, code)


@bp.app_template_filter("local_date")
def local_date(value: date | datetime | None) -> str:
    """A date, or a UTC time as the calendar day in Guizhou."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = value.astimezone(LOCAL_TZ).date()
    return f"{value.year}年{value.month}月{value.day}日"


@bp.app_template_filter("web_link")
def web_link(url: str | None) -> str | None:
    """The address if it is safe to link to (http or https), else None: no javascript: links."""
    text = (url or "").strip()
    return text if text.lower().startswith(("http://", "https://")) else None
