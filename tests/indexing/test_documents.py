"""What the search index stores of a posting: `build_document`, pinned field by field.

Every backend stores these documents and ranks from them, so a change to any field (a new
one, another tokenisation, other crosswalk tags, a longer embedded text) must show up here
and be deliberate. The expected values are written out by hand.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import timedelta

from matchmaker.extensions import db
from matchmaker.indexing.base import IndexDocument
from matchmaker.indexing.documents import build_document, embedding_text
from matchmaker.models import Posting, local_today


def stored(app, posting: Posting) -> tuple[IndexDocument, str, Posting]:
    """The document and embedding text built from the posting as the database holds it, and that row."""
    with app.app_context():
        row = db.session.get(Posting, posting.id)
        document, text = build_document(row), embedding_text(row)
        db.session.expunge(row)
    return document, text, row


def published_at(row: Posting) -> str:
    """The row's publication time as the document carries it: ISO 8601, in UTC."""
    assert row.published_at is not None and row.published_at.utcoffset() == timedelta(0)
    return row.published_at.isoformat()


def test_the_document_has_exactly_these_fields():
    assert [f.name for f in fields(IndexDocument)] == [
        "id",
        "ref",
        "direction",
        "category",
        "kind",
        "organization_id",
        "organization_name",
        "title",
        "description",
        "sectors",
        "region_code",
        "prefecture_code",
        "valid_until",
        "published_at",
        "title_tokens",
        "body_tokens",
        "tags",
        "embedding_text",
        "organization_subtype",
    ]


def test_a_program_offer_with_the_crosswalks_tags(app, make_org, make_posting):
    school = make_org(kind="school", subtype="高职院校", name="贵州装备职业学院", region="520115")
    valid_until = local_today() + timedelta(days=30)
    posting = make_posting(
        school,
        ref="ZB-2025-01",
        direction="offer",
        category="program",
        title="数控技术专业",
        description="培养数控编程与加工人才，开设数控车床实训。",
        sectors=["advanced_equipment", "basic_materials"],
        valid_until=valid_until,
    )

    document, text, row = stored(app, posting)

    assert asdict(document) == {
        "id": posting.id,
        "ref": "ZB-2025-01",
        "direction": "offer",
        "category": "program",
        "kind": "school",
        "organization_id": school.id,
        "organization_name": "贵州装备职业学院",
        "title": "数控技术专业",
        "description": "培养数控编程与加工人才，开设数控车床实训。",
        "sectors": ("advanced_equipment", "basic_materials"),  # in the order given
        "region_code": "520115",  # the organization's county (观山湖区): the posting names none
        "prefecture_code": "520100",  # 贵阳市
        "valid_until": valid_until,
        "published_at": published_at(row),
        # jieba's search mode: a domain term whole, and its parts
        "title_tokens": ("数控", "技术", "数控技术", "专业"),
        "body_tokens": ("培养", "数控", "编程", "数控编程", "加工", "人才", "开设", "数控", "车床", "数控车床", "实训"),
        # no tags confirmed: the crosswalk's, the majors named 数控技术 (职教本科 260103, 高职专科 460103)
        "tags": ("major:260103", "major:460103"),
        "embedding_text": "数控技术专业\n培养数控编程与加工人才，开设数控车床实训。",
        "organization_subtype": "高职院校",
    }
    assert text == "数控技术专业\n培养数控编程与加工人才，开设数控车床实训。"
    assert isinstance(document.sectors, tuple) and isinstance(document.title_tokens, tuple)


def test_a_talent_need_with_its_own_region_and_confirmed_tags(app, make_org, make_posting):
    factory = make_org(kind="enterprise", name="贵阳精工机床有限公司", region="520102")
    valid_until = local_today() + timedelta(days=60)
    posting = make_posting(
        factory,
        direction="need",
        category="talent",
        title="招聘数控车床操作工",
        description="熟悉数控编程。",
        region="520328",
        tags=["major:460103"],  # the poster confirmed the major, not the occupation the title names (车工)
        valid_until=valid_until,
    )

    document, text, row = stored(app, posting)

    assert asdict(document) == {
        "id": posting.id,
        "ref": None,
        "direction": "need",
        "category": "talent",
        "kind": "enterprise",
        "organization_id": factory.id,
        "organization_name": "贵阳精工机床有限公司",
        "title": "招聘数控车床操作工",
        "description": "熟悉数控编程。",
        "sectors": (),
        "region_code": "520328",  # the posting's own county (湄潭县), not the organization's
        "prefecture_code": "520300",  # 遵义市
        "valid_until": valid_until,
        "published_at": published_at(row),
        "title_tokens": ("数控", "车床", "数控车床", "操作", "作工", "操作工"),  # 招聘 is a stopword
        "body_tokens": ("数控", "编程", "数控编程"),  # 熟悉 is a stopword
        "tags": ("major:460103",),  # what the poster confirmed, not the crosswalk's suggestions
        "embedding_text": "招聘数控车床操作工\n熟悉数控编程。",
        "organization_subtype": None,  # none given
    }
    assert text == "招聘数控车床操作工\n熟悉数控编程。"


def test_a_prefecture_or_the_province_as_the_region(app, make_org, make_posting):
    org = make_org(region="520102")

    in_prefecture, _, _ = stored(app, make_posting(org, region="520100"))
    in_province, _, _ = stored(app, make_posting(org, region="520000"))

    assert (in_prefecture.region_code, in_prefecture.prefecture_code) == ("520100", "520100")
    assert (in_province.region_code, in_province.prefecture_code) == ("520000", None)


def test_the_embedded_text_is_the_title_and_the_first_200_characters(app, make_org, make_posting):
    org = make_org()
    description = "培养茶叶加工人才。" * 30  # 270 characters
    long, long_text, _ = stored(app, make_posting(org, title="茶叶生产与加工技术专业", description=description))
    bare, bare_text, _ = stored(app, make_posting(org, title="茶艺与茶营销专业", description=""))

    assert len(description) == 270
    assert long_text == long.embedding_text == "茶叶生产与加工技术专业\n" + "培养茶叶加工人才。" * 22 + "培养"
    assert long.description == description  # the index keeps the whole text for the lexical channel
    assert bare_text == bare.embedding_text == "茶艺与茶营销专业"  # no trailing line break
    assert bare.body_tokens == ()


def test_a_draft_has_no_publication_time(app, make_org, make_posting):
    document, _, _ = stored(app, make_posting(make_org(), status="draft"))

    assert document.published_at is None and document.valid_until is None
