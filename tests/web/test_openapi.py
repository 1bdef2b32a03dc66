"""The OpenAPI document and its interactive page, served without any CDN."""

from __future__ import annotations

import re


def test_openapi_document_describes_the_api(client):
    spec = client.get("/api/openapi.json").json

    assert spec["openapi"].startswith("3.")
    assert {"/api/v1/postings", "/api/v1/postings/{posting_id}", "/api/v1/organizations", "/api/v1/taxonomy"} <= set(
        spec["paths"]
    )
    post = spec["paths"]["/api/v1/postings"]["post"]
    assert post["security"] == [{"bearerAuth": []}]
    body = spec["components"]["schemas"]["PostingIn"]
    assert body["properties"]["title"]["maxLength"] == 120
    assert set(body["required"]) >= {"direction", "category", "title"}
    assert "422" in post["responses"]
    assert "PostingInUpdate" in spec["components"]["schemas"] or "PostingUpdateUpdate" in spec["components"]["schemas"]


def test_interactive_page_loads_its_assets_from_this_server(client):
    page = client.get("/api/docs")
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.get_data(as_text=True))

    assert page.status_code == 200
    assert assets and all(a.startswith("/api/swagger-ui/") for a in assets)
    for asset in assets:
        response = client.get(asset)
        response.close()  # file responses stream from disk
        assert response.status_code == 200


def test_taxonomy_endpoint_lists_what_inputs_accept(client):
    body = client.get("/api/v1/taxonomy").json

    assert len([s for s in body["sectors"] if s["group"] in ("industrial", "agricultural")]) == 22
    assert {"code": "520328", "name": "湄潭县", "level": "county", "parent": "520300"} in body["regions"]
    talent = next(c for c in body["categories"] if c["code"] == "talent")
    assert "program" in talent["answers"]
