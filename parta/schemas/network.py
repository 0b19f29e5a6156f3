"""A network of schools (R41): requests and answers."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from parta.models import ChatOrgStatus, NetworkKind
from parta.schemas.common import BodyId, LongText, Name, Person, Ref, Strict

__all__ = [
    "AssociationIn",
    "AssociationItem",
    "AssociationsOut",
    "InvitedOut",
    "JointChatIn",
    "JointDecisionIn",
    "JointInvitation",
    "JointInvitationsOut",
    "NetworkMember",
    "NetworkOrg",
    "NetworkOut",
    "OrgIdsIn",
    "PartnersOut",
    "StaffIdsIn",
]

# How many schools one joint chat invites at once (a municipality has tens of schools), and
# how many of its staff a school invites at once.
MAX_ORGS = 50
MAX_STAFF = 200
Subject = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class JointChatIn(Strict):
    """A joint chat of the caller's school, and the schools of its municipality it invites."""

    title: Name
    description: LongText = ""
    rules: LongText = ""
    org_ids: list[BodyId] = Field(default_factory=list, max_length=MAX_ORGS)


class OrgIdsIn(Strict):
    org_ids: list[BodyId] = Field(min_length=1, max_length=MAX_ORGS)


class StaffIdsIn(Strict):
    user_ids: list[BodyId] = Field(min_length=1, max_length=MAX_STAFF)


class InvitedOut(BaseModel):
    invited: list[int]  # those asked now (not those in the chat or invited already)


class JointDecisionIn(Strict):
    accept: bool
    accept_rules: bool = False  # the administrator read the chat's rules (R24) and accepts them


class NetworkOrg(BaseModel):
    id: int
    name: str
    status: ChatOrgStatus
    owner: bool = False


class NetworkMember(BaseModel):
    """A member of a joint chat and the school they take part from (None: a municipal
    administrator, who belongs to no school)."""

    user_id: int
    org_id: int | None


class NetworkOut(BaseModel):
    chat_id: int
    kind: NetworkKind
    subject: str
    owner_org: Ref
    orgs: list[NetworkOrg]
    members: list[NetworkMember]
    can_invite_orgs: bool  # the owner school's moderators invite and remove schools


class JointInvitation(BaseModel):
    """A joint chat that invites the school: its administrator reads the rules and decides."""

    chat_id: int
    title: str
    description: str
    owner_org: Ref
    invited_by: Person | None
    invited_at: dt.datetime
    rules: list[str]
    status: ChatOrgStatus


class JointInvitationsOut(BaseModel):
    invitations: list[JointInvitation]


class PartnersOut(BaseModel):
    """The other organizations of the school's municipality, to invite to a joint chat."""

    organizations: list[Ref]


class AssociationIn(Strict):
    """A methodical association («МО учителей математики») hosted by a school of the
    municipality (its «базовая школа»: the chat's rules and moderation are that school's)."""

    subject: Subject
    title: Name
    host_org_id: BodyId
    description: LongText = ""
    rules: LongText = ""


class AssociationItem(BaseModel):
    chat_id: int
    title: str
    subject: str
    host_org: Ref
    members: int
    joined: bool
    can_join: bool  # the caller teaches the subject in the school (or runs the school)
    rules: list[str]  # the host school's rules, then the association's own (R24)


class AssociationsOut(BaseModel):
    associations: list[AssociationItem]
