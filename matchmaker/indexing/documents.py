"""From a posting in the database to the document the search index stores."""

from __future__ import annotations

from matchmaker.indexing.base import IndexDocument
from matchmaker.models import Posting
from matchmaker.taxonomy import get_taxonomy
from matchmaker.text import crosswalk
from matchmaker.text.tokenizer import tokenize

# How much of the description is embedded. On the relevance set, title + 200 characters at
# 128 tokens ranks as well as title + 400 characters at 256 tokens and embeds about four
# times faster (docs/BENCHMARKS.md).
EMBEDDED_DESCRIPTION_CHARS = 200


def embedding_text(posting: Posting) -> str:
    return f"{posting.title}\n{posting.description[:EMBEDDED_DESCRIPTION_CHARS]}".strip()


def build_document(posting: Posting) -> IndexDocument:
    org = posting.organization
    region = get_taxonomy().regions.get(posting.region_code or org.region_code)
    return IndexDocument(
        id=posting.id,
        ref=posting.ref,
        direction=posting.direction,
        category=posting.category,
        kind=org.kind,
        organization_id=org.id,
        organization_name=org.name,
        title=posting.title,
        description=posting.description,
        sectors=tuple(posting.sectors),
        region_code=region.code if region else None,
        prefecture_code=region.prefecture if region else None,
        valid_until=posting.valid_until,
        published_at=posting.published_at.isoformat() if posting.published_at else None,
        title_tokens=tuple(tokenize(posting.title)),
        body_tokens=tuple(tokenize(posting.description)),
        tags=tuple(
            posting.tags
            if posting.tags is not None
            else crosswalk.document_tags(posting.direction, posting.category, posting.title, posting.description)
        ),
        embedding_text=embedding_text(posting),
        organization_subtype=org.subtype,
    )
