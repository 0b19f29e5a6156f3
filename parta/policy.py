"""Who may do what — one table, read top to bottom.

Each action names the organization roles that may do it anywhere in that organization, and
whether a teacher may do it for a class they teach (``own_class``) or lead (``class_teacher``).
The operator may do everything that is not marked ``operator=False``; a municipal administrator
only what is marked ``municipal=True`` for organizations of their municipality.

Anyone with no relation to an organization is told it does not exist (``NotFound``), so a user of
school A never learns what school B has; a member without the right gets ``Forbidden``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from parta.errors import Forbidden, NotFound
from parta.models.enums import Role

__all__ = [
    "ARCHIVE_CLOSED",
    "CHAT_AUDIENCE",
    "DIRECT_RULES",
    "RULES",
    "URGENT_CHAT_KINDS",
    "Action",
    "Actor",
    "ChatAction",
    "Kin",
    "OrgRef",
    "PlatformAction",
    "Rule",
    "can",
    "can_change_lesson",
    "can_chat",
    "can_close_poll",
    "can_host_call",
    "can_platform",
    "can_schedule",
    "chat_capabilities",
    "chat_join_refusal",
    "direct_refusal",
    "may_mark_urgent",
    "may_require_ack",
    "may_write_directly",
    "require",
    "require_platform",
    "runs_municipality",
    "sees_attendance",
    "sees_block",
    "sees_contacts",
    "sees_org",
    "sees_poll_voters",
    "sees_read_receipts",
]

A, D, T, S, P = Role.org_admin, Role.administration, Role.teacher, Role.student, Role.parent
EVERYONE = frozenset({A, D, T, S, P})
STAFF = frozenset({A, D, T})
ADMINS = frozenset({A, D})


class Action(StrEnum):
    org_view = "org.view"
    org_edit = "org.edit"
    org_figures = "org.figures"
    group_view = "group.view"
    group_manage = "group.manage"
    group_assign_teachers = "group.assign_teachers"
    member_list = "member.list"
    member_contacts = "member.contacts"
    role_grant = "role.grant"
    verification_request = "verification.request"
    verification_decide = "verification.decide"
    invite_create = "invite.create"
    invite_list = "invite.list"  # staff; a teacher sees only the links they made
    invite_annul = "invite.annul"
    invite_annul_unclaimed = "invite.annul_unclaimed"
    join_request_list = "join_request.list"  # staff; a teacher sees their class's
    join_request_decide = "join_request.decide"
    parent_link_list = "parent_link.list"
    parent_link_decide = "parent_link.decide"
    audit_read = "audit.read"
    support_answer = "support.answer"  # the school line of support (R42): its people's tickets
    attention_view = "attention.view"  # how many requests, parents, teachers and tickets wait
    code_email_set = "code_email.set"  # where a primary pupil's sign-in codes go, from records (R10)
    chat_create = "chat.create"  # group chats (R22): staff only; students and parents may not
    channel_create = "channel.create"
    chat_directory = "chat.directory"  # the school's staff chats, to ask to join (R22)
    roster_import = "roster.import"  # preview and apply a roster file (R8, R9)
    movement_record = "movement.record"  # arrival, departure, transfer, hiring, leaving (R7)
    movement_propose = "movement.propose"  # a class teacher reports it; an administrator confirms
    moderation_settings = "moderation.settings"  # the org's chat rules and conduct-filter modes
    moderation_oversee = "moderation.oversee"  # every chat's reports, held messages; appeals
    reconciliation_view = "reconciliation.view"  # the roster compared with the platform (R8)
    reconciliation_mark = "reconciliation.mark"  # record that the roster was reconciled
    year_rollover = "year.rollover"  # move classes to the next school year; graduate the last
    consent_view = "consent.view"  # the consent ledger and its gaps (152-ФЗ)
    consent_record = "consent.record"  # record a parent's paper consent form
    personal_data_erase = "personal_data.erase"  # ask to delete a student's data (152-ФЗ)
    material_view = "material.view"  # the library (R36): what each may read is the query's
    material_publish = "material.publish"  # school-wide materials: the administration
    material_publish_class = "material.publish_class"  # a class's: its teachers too
    material_verify = "material.verify"  # mark a material «Проверено» (R38's verified content)
    stats_view = "stats.view"  # the school's statistics by week and class (R34, R39, R2)
    # A network of schools (R41): staff start a joint chat with other schools of the
    # municipality; the school's administrators accept or decline an invitation for the school,
    # invite its staff, and take the school out; staff find and join methodical associations.
    network_chat_create = "network.chat_create"
    network_decide = "network.decide"
    association_join = "association.join"
    instruction_ack = "instruction.ack"  # the municipality's instructions to the school (R2)
    calls_oversee = "calls.oversee"  # lessons and meetings running and held, never media (R40)
    broadcast_plan = "broadcast.plan"  # plan, run and cancel the school's broadcasts (R38)
    office_hours_set = "office_hours.set"  # staff set their own weekly office hours (issue 14)


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role]
    class_teacher: bool = False  # the class teacher of the group in question may
    own_class: bool = False  # any teacher of the group (class or subject) may
    operator: bool = True
    municipal: bool = False


RULES: dict[Action, Rule] = {
    Action.org_view:                Rule(EVERYONE, municipal=True),
    Action.org_edit:                Rule(frozenset({A})),
    Action.org_figures:             Rule(ADMINS, municipal=True),
    Action.group_view:              Rule(EVERYONE, municipal=True),
    Action.group_manage:            Rule(frozenset({A})),
    Action.group_assign_teachers:   Rule(frozenset({A})),
    Action.member_list:             Rule(STAFF),
    Action.member_contacts:         Rule(ADMINS),
    Action.role_grant:              Rule(frozenset({A})),
    Action.verification_request:    Rule(frozenset({T}), operator=False),
    Action.verification_decide:     Rule(frozenset({A})),
    Action.invite_create:           Rule(ADMINS, own_class=True),
    Action.invite_list:             Rule(STAFF),
    Action.invite_annul:            Rule(ADMINS, own_class=True),
    Action.invite_annul_unclaimed:  Rule(frozenset({A})),
    Action.join_request_list:       Rule(STAFF),
    Action.join_request_decide:     Rule(ADMINS, class_teacher=True),
    Action.parent_link_list:        Rule(STAFF),
    Action.parent_link_decide:      Rule(ADMINS, class_teacher=True),
    Action.audit_read:              Rule(ADMINS),
    Action.support_answer:          Rule(ADMINS, operator=False),  # the operator: platform line
    Action.attention_view:          Rule(ADMINS, operator=False),
    Action.code_email_set:          Rule(ADMINS, operator=False),
    Action.chat_create:             Rule(STAFF, operator=False),
    Action.channel_create:          Rule(ADMINS, operator=False),
    Action.chat_directory:          Rule(STAFF, operator=False),
    Action.roster_import:           Rule(frozenset({A})),
    Action.movement_record:         Rule(frozenset({A})),
    Action.movement_propose:        Rule(frozenset({A}), class_teacher=True),
    Action.moderation_settings:     Rule(frozenset({A}), operator=False),
    Action.moderation_oversee:      Rule(ADMINS, operator=False),
    Action.reconciliation_view:     Rule(ADMINS),
    Action.reconciliation_mark:     Rule(ADMINS, operator=False),  # the school attests it
    Action.year_rollover:           Rule(frozenset({A})),
    Action.consent_view:            Rule(ADMINS, class_teacher=True),
    Action.consent_record:          Rule(ADMINS, operator=False),  # the school holds the paper
    Action.personal_data_erase:     Rule(ADMINS, operator=False),  # the school, as data operator
    Action.material_view:           Rule(EVERYONE, operator=False),
    Action.material_publish:        Rule(ADMINS, operator=False),  # the school's own voice
    Action.material_publish_class:  Rule(ADMINS, own_class=True, operator=False),
    Action.material_verify:         Rule(ADMINS, operator=False),
    Action.stats_view:              Rule(ADMINS, municipal=True),
    Action.network_chat_create:     Rule(STAFF, operator=False),
    Action.network_decide:          Rule(ADMINS, operator=False),  # the school's own consent
    Action.association_join:        Rule(STAFF, operator=False),
    Action.instruction_ack:         Rule(ADMINS, operator=False),  # the school answers for itself
    Action.calls_oversee:           Rule(ADMINS, operator=False),  # the school's administration
    Action.broadcast_plan:          Rule(ADMINS, operator=False),  # «planned by the organization»
    Action.office_hours_set:        Rule(STAFF, operator=False),  # one's own, in one's school
}


class PlatformAction(StrEnum):
    """Actions above any one organization: the platform operator's alone."""

    region_manage = "region.manage"
    org_register = "org.register"
    municipal_admin_appoint = "municipal_admin.appoint"
    support_answer = "support.answer"  # read every ticket and answer as support
    operator_grant = "operator.grant"  # make someone an operator (the command line)


def can_platform(actor: Actor, action: PlatformAction) -> bool:
    return actor.is_operator


def require_platform(actor: Actor, action: PlatformAction) -> None:
    if not can_platform(actor, action):
        raise Forbidden()


class OrgRef(Protocol):
    id: int
    municipality_id: int


@dataclass(frozen=True)
class Actor:
    """The caller, with every relation the policy needs, loaded once per request."""

    user_id: int
    is_operator: bool = False
    roles: dict[int, frozenset[Role]] = field(default_factory=dict)  # org id → roles
    leads: frozenset[int] = frozenset()  # group ids where the caller is the class teacher
    teaches: frozenset[int] = frozenset()  # group ids the caller leads or teaches a subject in
    municipalities: frozenset[int] = frozenset()

    def roles_in(self, org_id: int) -> frozenset[Role]:
        return self.roles.get(org_id, frozenset())


def runs_municipality(actor: Actor, municipality_id: int) -> bool:
    """A municipal administrator's own work (R2): instructions to the municipality's schools,
    its methodical associations. Not the operator's: the platform does not run a municipality."""
    return municipality_id in actor.municipalities


def sees_org(actor: Actor, org: OrgRef) -> bool:
    return (
        actor.is_operator
        or bool(actor.roles_in(org.id))
        or org.municipality_id in actor.municipalities
    )


def can(actor: Actor, action: Action, org: OrgRef, group_id: int | None = None) -> bool:
    rule = RULES[action]
    if actor.is_operator and rule.operator:
        return True
    if rule.municipal and org.municipality_id in actor.municipalities:
        return True
    roles = actor.roles_in(org.id)
    if roles & rule.roles:
        return True
    if group_id is not None and Role.teacher in roles:
        if rule.class_teacher and group_id in actor.leads:
            return True
        if rule.own_class and group_id in actor.teaches:
            return True
    return False


def require(actor: Actor, action: Action, org: OrgRef, group_id: int | None = None) -> None:
    """Raise ``NotFound`` to outsiders and ``Forbidden`` to members without the right."""
    if can(actor, action, org, group_id):
        return
    if not sees_org(actor, org):
        raise NotFound()
    raise Forbidden()


# What a reader sees (the queries ask; the routers never decide) --------------------------------

def sees_read_receipts(actor: Actor, org: OrgRef) -> bool:
    """Who exactly read a message is for the staff who list members; everyone sees how many
    (issue 3)."""
    return can(actor, Action.member_list, org)


def sees_contacts(actor: Actor, org: OrgRef) -> bool:
    """Phone numbers and e-mails are for the administrators who need them (house rule 7)."""
    return can(actor, Action.member_contacts, org)


def sees_block(moderates: bool, unblock_status: str) -> bool:
    """A chat's moderators see every block in force; a member sees only the blocks open to
    their objection — an early unblock proposed (R30) — and nothing more."""
    return moderates or unblock_status == "proposed"


# Inside a chat --------------------------------------------------------------------------------

class ChatAction(StrEnum):
    read = "chat.read"
    post = "chat.post"
    react = "chat.react"
    moderate = "chat.moderate"  # delete others' messages, pin, remove a member (R27)
    manage = "chat.manage"  # title, rules, who may post, slow mode, appoint moderators
    invite = "chat.invite"
    # Schedule a lesson or meeting in the chat (R37), change or cancel anyone's there.
    schedule = "chat.schedule"
    # Answer a post (a reply to it) where only the moderators post and the members answer.
    reply = "chat.reply"


MODERATORS = frozenset({"owner", "moderator"})


def can_chat(chat_role: str | None, action: ChatAction, *, moderators_only_post: bool = False,
             members_invite: bool = False, members_reply: bool = False) -> bool:
    """What a person with ``chat_role`` (None: not a member) may do in one chat.
    ``members_reply``: where only the moderators post, the members still answer a post.

    Nobody outside a chat reads it — not even the organization's administrators.
    """
    if chat_role is None:
        return False
    moderator = chat_role in MODERATORS
    match action:
        case ChatAction.read | ChatAction.react:
            return True
        case ChatAction.post:
            return moderator or not moderators_only_post
        case ChatAction.reply:
            return moderator or not moderators_only_post or members_reply
        case ChatAction.moderate | ChatAction.manage | ChatAction.schedule:
            return moderator
        case ChatAction.invite:
            return moderator or members_invite
    return False


# Last year's chats stay readable and moderators may still remove what breaks the rules; no one
# posts, reacts, edits, invites or changes settings there any more.
ARCHIVE_CLOSED = frozenset({ChatAction.post, ChatAction.react, ChatAction.manage, ChatAction.invite,
                            ChatAction.schedule, ChatAction.reply})


def chat_capabilities(chat_role: str | None, *, direct: bool, group: bool, archived: bool,
                      blocked: bool, moderators_only_post: bool = False,
                      members_invite: bool = False, members_reply: bool = False
                      ) -> dict[str, bool]:
    """What the person may do in one chat, as the server will decide each request: the table
    above, closed by the archive, and a block (which stops posting and reacting). A one-to-one
    chat has no settings and no invitations; either of the two pins there. A moderator reminds
    the rules in a live group chat (not a channel)."""
    def allowed(action: ChatAction) -> bool:
        if archived and action in ARCHIVE_CLOSED:
            return False
        return can_chat(chat_role, action, moderators_only_post=moderators_only_post,
                        members_invite=members_invite, members_reply=members_reply)

    moderate = allowed(ChatAction.moderate)
    return {
        "can_post": allowed(ChatAction.post) and not blocked,
        "can_reply": allowed(ChatAction.reply) and not blocked,
        "can_react": allowed(ChatAction.react) and not blocked,
        "can_moderate": moderate,
        "can_pin": moderate or (direct and chat_role is not None),
        "can_manage": allowed(ChatAction.manage) and not direct,
        "can_invite": allowed(ChatAction.invite) and not direct,
        "can_remind_rules": moderate and group and not archived,
    }


def appoints_moderators(chat_role: str | None, *, direct: bool, archived: bool, joint: bool,
                        owner_school_staff: bool) -> bool:
    """Who makes a chat's members moderators and takes it back: those who manage the chat; in
    a joint chat of schools (R41) only those of the owner school — a guest school's moderator
    moderates their own school's people and appoints nobody."""
    if direct or archived or not can_chat(chat_role, ChatAction.manage):
        return False
    return owner_school_staff or not joint


# Who a group chat is for, when someone comes by its link or asks to join (R22, R23): the people
# its kind names, and the staff. A custom chat of the staff room is the staff's alone; a
# one-to-one chat or a system channel is never joined this way.
CHAT_AUDIENCE: dict[str, frozenset[Role]] = {
    "class": STAFF | {S},
    "subject": STAFF | {S},
    "management_student_council": STAFF | {S},
    "parents": STAFF | {P},
    "management_parents_council": STAFF | {P},
    "class_teachers": STAFF,
    "management_deputies": STAFF,
    "management_staff": STAFF,
    "custom": EVERYONE,
    "channel": EVERYONE,
}


def chat_join_refusal(kind: str, roles: frozenset[Role], *, staff_room: bool = False) -> str | None:
    """None when someone holding ``roles`` in a chat's organization may join it by a link or a
    request; else why not: ``not_in_school`` (no place in that school: told nothing more) or
    ``chat_not_for_role`` (the chat is for other people of the school)."""
    if not roles:
        return "not_in_school"
    audience = STAFF if staff_room else CHAT_AUDIENCE.get(kind, frozenset())
    return None if roles & audience else "chat_not_for_role"


def can_host_call(chat_role: str | None, started_it: bool) -> bool:
    """The host of a call in a chat — ends it for everyone, mutes, removes: whoever started it,
    and the chat's owner and moderators (a teacher's call in her class is hers to run)."""
    return chat_role is not None and (started_it or chat_role in MODERATORS)


def can_schedule(chat_role: str | None, org_roles: frozenset[Role]) -> bool:
    """Who schedules lessons and meetings in a chat (R37): its owner and moderators who are
    staff of the school — a student a class appointed moderator runs no lessons."""
    return can_chat(chat_role, ChatAction.schedule) and bool(org_roles & STAFF)


def may_require_ack(org_roles: frozenset[Role]) -> bool:
    """Who marks their own post «Требует подтверждения» (issue 15): staff of the school who may
    post in the chat (a parent in a parents' chat does not ask the other families)."""
    return bool(org_roles & STAFF)


# The ordinary chats where the administration may mark a post urgent: the group chats of a class
# or a school, and a channel staff made (not one-to-one, not the system channels).
URGENT_CHAT_KINDS = frozenset({"class", "parents", "class_teachers", "subject", "custom", "channel",
                               "management_deputies", "management_staff",
                               "management_parents_council", "management_student_council"})


def may_mark_urgent(org_roles: frozenset[Role], chat_kind: str, chat_role: str | None, *,
                    archived: bool, blocked: bool, moderators_only_post: bool = False) -> bool:
    """Who marks their own post urgent in an ordinary group chat (issue 14): the school's
    administration, where they may post. It wakes people in quiet hours and costs SMS, so a
    teacher does not; a one-to-one chat and the system channels are not «ordinary chats» (the
    school channel's administrators' posts are urgent already)."""
    if chat_kind not in URGENT_CHAT_KINDS or archived or blocked:
        return False
    return bool(org_roles & ADMINS) and can_chat(chat_role, ChatAction.post,
                                                 moderators_only_post=moderators_only_post)


def can_change_lesson(chat_role: str | None, org_roles: frozenset[Role], authored: bool) -> bool:
    """A scheduled lesson is changed or cancelled by its author (while still in the chat) and
    by whoever may schedule there."""
    return chat_role is not None and (authored or can_schedule(chat_role, org_roles))


def sees_attendance(chat_role: str | None, hosted: bool, oversees_org: bool) -> bool:
    """Who was at a call, and for how long: for its host, the chat's owner and moderators,
    and the school's administrators (who oversee its lessons, R40) — nobody else."""
    return oversees_org or (chat_role is not None and (hosted or chat_role in MODERATORS))


def can_close_poll(chat_role: str | None, authored: bool) -> bool:
    """A poll is closed early by its author (while still in the chat) or the chat's
    moderators (R26, R27)."""
    return chat_role is not None and (authored or chat_role in MODERATORS)


def sees_poll_voters(chat_role: str | None, org_roles: frozenset[Role], authored: bool) -> bool:
    """A named poll's answers by name, who has not answered yet, the reminder and the export
    by name: for its author and the chat's moderators, when they are staff of the school — a
    student who asked the class sees the counts like everyone else. An anonymous poll has no
    names for anyone (the caller checks that first)."""
    return (chat_role is not None and (authored or chat_role in MODERATORS)
            and bool(org_roles & STAFF))


# One-to-one chats (safe mode for minors) -----------------------------------------------------

class Kin(StrEnum):
    """How the caller stands to the person they want to write to, inside one organization."""

    teaches_them = "teaches_them"  # I lead or teach a subject in a class they are a student of
    taught_by_them = "taught_by_them"  # they lead or teach a subject in my class
    classmates = "classmates"  # we are students of one class
    parent_of = "parent_of"  # they are my child (a confirmed link)
    child_of = "child_of"  # they are my parent
    teaches_my_child = "teaches_my_child"  # they lead or teach in my child's class


STUDENT = "student"  # a target who is a student of the organization
ADULT = "adult"  # a target who is not

# Who may start a one-to-one chat with whom (R19, R21, safe mode). Read a row as: a caller
# holding one of ``callers`` may write to a ``target`` holding one of ``their`` roles when
# ``needs`` holds between them (None: always). A student target is matched by the STUDENT rows
# alone, whatever else they are: no adult reaches a child through another role of the child's.
DIRECT_RULES: tuple[tuple[frozenset[Role], str, frozenset[Role], Kin | None], ...] = (
    # callers     target   their roles         needs
    (ADMINS,      STUDENT, frozenset({S}),     None),                   # the administration
    (frozenset({T}), STUDENT, frozenset({S}),  Kin.teaches_them),       # their own teachers
    (frozenset({P}), STUDENT, frozenset({S}),  Kin.parent_of),          # their own parent
    (frozenset({S}), STUDENT, frozenset({S}),  Kin.classmates),         # classmates
    (STAFF,       ADULT,   EVERYONE,           None),                   # staff to any adult
    (frozenset({S}), ADULT, ADMINS,            None),                   # a student: the
    (frozenset({S}), ADULT, frozenset({T}),    Kin.taught_by_them),     # administration, own
    (frozenset({S}), ADULT, frozenset({P}),    Kin.child_of),           # teachers, own parent
    (frozenset({P}), ADULT, ADMINS,            None),                   # a parent: the
    (frozenset({P}), ADULT, frozenset({T}),    Kin.teaches_my_child),   # administration and
)                                                                       # their child's teachers


def direct_refusal(my_roles: frozenset[Role], their_roles: frozenset[Role],
                   kin: frozenset[Kin]) -> str | None:
    """None when the caller may start a one-to-one chat with the person, else the refusal's
    code: ``not_your_student`` when an adult reaches for a child they neither teach, run the
    school for, nor are the parent of; ``direct_not_allowed`` otherwise."""
    target = STUDENT if S in their_roles else ADULT
    for callers, kind, theirs, needs in DIRECT_RULES:
        if kind == target and my_roles & callers and their_roles & theirs and (
                needs is None or needs in kin):
            return None
    if target == STUDENT and my_roles & (STAFF | {P}):
        return "not_your_student"
    return "direct_not_allowed"


def may_write_directly(my_roles: frozenset[Role], their_roles: frozenset[Role],
                       kin: frozenset[Kin]) -> bool:
    return direct_refusal(my_roles, their_roles, kin) is None
