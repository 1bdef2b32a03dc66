"""SQLAlchemy tables, one module per aggregate."""

from matchmaker.models.base import local_today, utcnow
from matchmaker.models.indexing import IndexOperation
from matchmaker.models.organizations import Organization, OrganizationSector
from matchmaker.models.postings import Posting, PostingSector
from matchmaker.models.users import ApiToken, User

__all__ = ["ApiToken", "IndexOperation", "Organization", "OrganizationSector", "Posting", "PostingSector", "User",
           "local_today", "utcnow"]
