"""The ORM, one module per aggregate. Importing this package registers every table."""

from parta.models.audit import AuditEntry
from parta.models.auth import AuthSession, LoginCode
from parta.models.chat import (
    GROUP_CHAT_KINDS,
    Attachment,
    Chat,
    ChatInvitation,
    ChatKind,
    ChatMember,
    ChatRole,
    Message,
    MessageView,
    Pin,
    PostPolicy,
    Reaction,
)
from parta.models.enums import (
    ADMIN_ROLES,
    STAFF_ROLES,
    GroupKind,
    JoinRequestStatus,
    OrgKind,
    ParentLinkStatus,
    Role,
    SessionKind,
    VerificationStatus,
)
from parta.models.events import EventStreamState, UserEvent
from parta.models.invite import Invite, JoinRequest
from parta.models.org import Group, GroupMember, GroupTeacher, Municipality, Organization, Region
from parta.models.people import Membership, MembershipRole, MunicipalAdmin, ParentLink, User
from parta.models.support import SupportReply, SupportTicket

__all__ = [
    "ADMIN_ROLES",
    "GROUP_CHAT_KINDS",
    "STAFF_ROLES",
    "Attachment",
    "AuditEntry",
    "AuthSession",
    "Chat",
    "ChatInvitation",
    "ChatKind",
    "ChatMember",
    "ChatRole",
    "EventStreamState",
    "Group",
    "GroupKind",
    "GroupMember",
    "GroupTeacher",
    "Invite",
    "JoinRequest",
    "JoinRequestStatus",
    "LoginCode",
    "Membership",
    "MembershipRole",
    "Message",
    "MessageView",
    "MunicipalAdmin",
    "Municipality",
    "OrgKind",
    "Organization",
    "ParentLink",
    "ParentLinkStatus",
    "Pin",
    "PostPolicy",
    "Reaction",
    "Region",
    "Role",
    "SessionKind",
    "SupportReply",
    "SupportTicket",
    "User",
    "UserEvent",
    "VerificationStatus",
]
