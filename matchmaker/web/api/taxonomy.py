"""/api/v1/taxonomy: the sectors, regions, categories and organization kinds inputs accept."""

from __future__ import annotations

from dataclasses import asdict

from marshmallow import Schema, fields

from matchmaker.taxonomy import get_taxonomy
from matchmaker.web.api.blueprint import Blueprint

URL = "/taxonomy"
blp = Blueprint("taxonomy", __name__, description="Reference lists.")


class TaxonomySchema(Schema):
    sectors = fields.List(fields.Dict(), metadata={"description": "code, name, group, group_name, aliases"})
    regions = fields.List(fields.Dict(), metadata={"description": "code, name, level, parent"})
    categories = fields.List(
        fields.Dict(),
        metadata={
            "description": "code, name, need, offer, answers (offer categories that answer a need of this category)"
        },
    )
    kinds = fields.List(fields.Dict(), metadata={"description": "code, name, subtypes"})


@blp.get("")
@blp.response(200, TaxonomySchema)
def get_taxonomy_lists():
    """All reference lists at once."""
    taxonomy = get_taxonomy()
    return {
        name: [asdict(item) for item in getattr(taxonomy, name).values()]
        for name in ("sectors", "regions", "categories", "kinds")
    }
