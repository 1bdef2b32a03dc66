"""/api/v1/organizations"""

from __future__ import annotations

from matchmaker import matching, organizations
from matchmaker.indexing import get_search_index
from matchmaker.schemas.common import page_schema
from matchmaker.schemas.organizations import (
    OrganizationContactSchema,
    OrganizationInSchema,
    OrganizationListArgsSchema,
    OrganizationOutSchema,
)
from matchmaker.schemas.search import OrganizationMatchesSchema
from matchmaker.web.api.blueprint import Blueprint
from matchmaker.web.auth import api_user, require_api_user

URL = "/organizations"
blp = Blueprint("organizations", __name__, description="Enterprises and schools.")
AUTH = [{"bearerAuth": []}]


@blp.get("")
@blp.arguments(OrganizationListArgsSchema, location="query")
@blp.response(200, page_schema(OrganizationOutSchema, "OrganizationPage"))
def list_organizations(args):
    """List organizations (verified ones; your own and all for coordinators)."""
    return organizations.list_organizations(args, api_user())


@blp.post("")
@blp.arguments(OrganizationInSchema)
@blp.response(201, OrganizationOutSchema)
@blp.doc(security=AUTH)
def create_organization(data):
    """Create an organization (coordinators)."""
    return organizations.create_organization(data, require_api_user())


@blp.get("/<int:org_id>")
@blp.response(200, OrganizationOutSchema)
def get_organization(org_id):
    """Read an organization by id."""
    return organizations.get_visible_organization(api_user(), id=org_id)


@blp.get("/by-ref/<ref>")
@blp.response(200, OrganizationOutSchema)
def get_organization_by_ref(ref):
    """Read an organization by its external ref."""
    return organizations.get_visible_organization(api_user(), ref=ref)


@blp.patch("/<int:org_id>")
@blp.arguments(OrganizationInSchema(partial=True))
@blp.response(200, OrganizationOutSchema)
@blp.doc(security=AUTH)
def update_organization(data, org_id):
    """Change an organization (its members and coordinators)."""
    return organizations.update_organization(organizations.find_organization(id=org_id), data, require_api_user())


@blp.get("/<int:org_id>/contact")
@blp.response(200, OrganizationContactSchema)
@blp.doc(security=AUTH)
def get_contact(org_id):
    """Read an organization's contact details (its members and coordinators)."""
    org = organizations.find_organization(id=org_id)
    organizations.require_manager(org, require_api_user())
    return org


@blp.post("/<int:org_id>/verify")
@blp.response(200, OrganizationOutSchema)
@blp.doc(security=AUTH)
def verify_organization(org_id):
    """Verify an organization so its published postings become public (coordinators)."""
    return organizations.verify_organization(organizations.find_organization(id=org_id), require_api_user())


@blp.post("/<int:org_id>/close")
@blp.response(200, OrganizationOutSchema)
@blp.doc(security=AUTH)
def close_organization(org_id):
    """Close an organization; it and its postings leave public view."""
    return organizations.close_organization(organizations.find_organization(id=org_id), require_api_user())


@blp.get("/<int:org_id>/matches")
@blp.response(200, OrganizationMatchesSchema)
def organization_matches(org_id):
    """An organization's open postings, each with its five best counterparts."""
    org = organizations.get_visible_organization(api_user(), id=org_id)
    return {"postings": matching.match_organization(org, get_search_index())}
