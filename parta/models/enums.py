"""Enumerations shared by the models, policy and schemas, named in the school's words."""

from enum import StrEnum

__all__ = [
    "ADMIN_ROLES",
    "STAFF_ROLES",
    "GroupKind",
    "JoinRequestStatus",
    "OfferStatus",
    "OrgKind",
    "ParentLinkStatus",
    "Role",
    "SessionKind",
    "VerificationStatus",
]


class Role(StrEnum):
    operator = "operator"
    municipal_admin = "municipal_admin"
    org_admin = "org_admin"
    administration = "administration"
    teacher = "teacher"
    student = "student"
    parent = "parent"


# Roles held inside an organization (operator and municipal_admin are held above it).
STAFF_ROLES = frozenset({Role.org_admin, Role.administration, Role.teacher})
ADMIN_ROLES = frozenset({Role.org_admin, Role.administration})
ORG_ROLES = frozenset({Role.org_admin, Role.administration, Role.teacher, Role.student, Role.parent})


class OrgKind(StrEnum):
    school = "school"
    college = "college"
    kindergarten = "kindergarten"
    supplementary = "supplementary"


class GroupKind(StrEnum):
    class_ = "class"  # a school class or a college study group
    staff_room = "staff_room"  # «Учительская»: every staff member joins


class VerificationStatus(StrEnum):
    none = "none"
    requested = "requested"
    verified = "verified"
    refused = "refused"


class JoinRequestStatus(StrEnum):
    pending = "pending"
    accepted = "accepted"
    refused = "refused"


class OfferStatus(StrEnum):
    pending = "pending"
    accepted = "accepted"
    declined = "declined"
    withdrawn = "withdrawn"  # the school offered again, or the person joined another way


class ParentLinkStatus(StrEnum):
    pending = "pending"
    confirmed = "confirmed"
    refused = "refused"


class SessionKind(StrEnum):
    cookie = "cookie"
    bearer = "bearer"
