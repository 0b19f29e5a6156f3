"""The policy as a matrix: every role × every action × own / other organization.

The expected table is written out here by hand, independently of ``parta.policy.RULES``,
so a change to the policy must be made twice — once on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from parta.errors import Forbidden, NotFound
from parta.models import Role
from parta.policy import (
    RULES,
    Action,
    Actor,
    Kin,
    PlatformAction,
    can,
    can_change_lesson,
    can_host_call,
    can_platform,
    can_schedule,
    chat_join_refusal,
    direct_refusal,
    require,
    sees_attendance,
    sees_block,
    sees_contacts,
    sees_read_receipts,
)


@dataclass
class Org:
    id: int
    municipality_id: int


OWN = Org(id=1, municipality_id=10)
OTHER = Org(id=2, municipality_id=20)
CLASS_5A = 100  # a group of OWN

ACTORS: dict[str, Actor] = {
    "operator": Actor(user_id=1, is_operator=True),
    "municipal_admin": Actor(user_id=2, municipalities=frozenset({10})),
    "org_admin": Actor(user_id=3, roles={1: frozenset({Role.org_admin})}),
    "administration": Actor(user_id=4, roles={1: frozenset({Role.administration})}),
    "teacher": Actor(user_id=5, roles={1: frozenset({Role.teacher})}),
    "class_teacher": Actor(user_id=6, roles={1: frozenset({Role.teacher})},
                           leads=frozenset({CLASS_5A}), teaches=frozenset({CLASS_5A})),
    "subject_teacher": Actor(user_id=7, roles={1: frozenset({Role.teacher})},
                             teaches=frozenset({CLASS_5A})),
    "student": Actor(user_id=8, roles={1: frozenset({Role.student})}),
    "parent": Actor(user_id=9, roles={1: frozenset({Role.parent})}),
    "outsider": Actor(user_id=10),
}

STAFF = {"org_admin", "administration", "teacher", "class_teacher", "subject_teacher"}
EVERYONE = STAFF | {"student", "parent"}

# Who may, in their own organization, with no group in question (org-wide).
EXPECTED_OWN: dict[Action, set[str]] = {
    Action.org_view: EVERYONE | {"operator", "municipal_admin"},
    Action.org_edit: {"org_admin", "operator"},
    Action.org_figures: {"org_admin", "administration", "operator", "municipal_admin"},
    Action.stats_view: {"org_admin", "administration", "operator", "municipal_admin"},
    Action.group_view: EVERYONE | {"operator", "municipal_admin"},
    Action.group_manage: {"org_admin", "operator"},
    Action.group_assign_teachers: {"org_admin", "operator"},
    Action.member_list: STAFF | {"operator"},
    Action.member_contacts: {"org_admin", "administration", "operator"},
    Action.role_grant: {"org_admin", "operator"},
    Action.verification_request: {"teacher", "class_teacher", "subject_teacher"},
    Action.verification_decide: {"org_admin", "operator"},
    Action.invite_create: {"org_admin", "administration", "operator"},
    Action.invite_list: STAFF | {"operator"},
    Action.invite_annul: {"org_admin", "administration", "operator"},
    Action.invite_annul_unclaimed: {"org_admin", "operator"},
    Action.join_request_list: STAFF | {"operator"},
    Action.join_request_decide: {"org_admin", "administration", "operator"},
    Action.parent_link_list: STAFF | {"operator"},
    Action.parent_link_decide: {"org_admin", "administration", "operator"},
    Action.audit_read: {"org_admin", "administration", "operator"},
    Action.chat_create: STAFF,
    Action.chat_directory: STAFF,
    Action.channel_create: {"org_admin", "administration"},
    Action.roster_import: {"org_admin", "operator"},
    Action.movement_record: {"org_admin", "operator"},
    Action.movement_propose: {"org_admin", "operator"},
    Action.moderation_settings: {"org_admin"},
    Action.moderation_oversee: {"org_admin", "administration"},
    Action.reconciliation_view: {"org_admin", "administration", "operator"},
    Action.reconciliation_mark: {"org_admin", "administration"},
    Action.year_rollover: {"org_admin", "operator"},
    Action.consent_view: {"org_admin", "administration", "operator"},
    Action.consent_record: {"org_admin", "administration"},
    Action.personal_data_erase: {"org_admin", "administration"},
    Action.calls_oversee: {"org_admin", "administration"},
    Action.broadcast_plan: {"org_admin", "administration"},
    Action.support_answer: {"org_admin", "administration"},
    Action.attention_view: {"org_admin", "administration"},
    Action.code_email_set: {"org_admin", "administration"},
    Action.material_view: EVERYONE,
    Action.material_publish: {"org_admin", "administration"},
    Action.material_publish_class: {"org_admin", "administration"},
    Action.material_verify: {"org_admin", "administration"},
    Action.network_chat_create: STAFF,
    Action.network_decide: {"org_admin", "administration"},
    Action.association_join: STAFF,
    Action.instruction_ack: {"org_admin", "administration"},
    Action.office_hours_set: STAFF,  # one's own office hours (issue 14)
}

# Who may for class 5А specifically: the org-wide people plus the class's own teachers.
EXTRA_FOR_5A: dict[Action, set[str]] = {
    Action.invite_create: {"class_teacher", "subject_teacher"},
    Action.invite_annul: {"class_teacher", "subject_teacher"},
    Action.join_request_decide: {"class_teacher"},
    Action.parent_link_decide: {"class_teacher"},
    Action.movement_propose: {"class_teacher"},
    Action.consent_view: {"class_teacher"},
    Action.material_publish_class: {"class_teacher", "subject_teacher"},
}

# In another organization (another municipality): only the operator, where the rule allows.
EXPECTED_OTHER = {a: ({"operator"} if "operator" in EXPECTED_OWN[a] else set()) for a in Action}


def test_the_table_covers_every_action() -> None:
    assert set(RULES) == set(Action) == set(EXPECTED_OWN)


@pytest.mark.parametrize("action", list(Action), ids=lambda a: a.value)
@pytest.mark.parametrize("who", list(ACTORS))
def test_matrix(action: Action, who: str) -> None:
    actor = ACTORS[who]
    assert can(actor, action, OWN) == (who in EXPECTED_OWN[action]), "own org"
    assert can(actor, action, OWN, CLASS_5A) == (
        who in EXPECTED_OWN[action] | EXTRA_FOR_5A.get(action, set())), "own org, class 5А"
    assert can(actor, action, OTHER) == (who in EXPECTED_OTHER[action]), "other org"
    assert can(actor, action, OTHER, CLASS_5A) == (who in EXPECTED_OTHER[action]), "other org, 5А"


@pytest.mark.parametrize("who", list(ACTORS))
def test_outsiders_are_told_nothing_exists(who: str) -> None:
    """Refusal in another organization is «not found», never «forbidden» (tenancy)."""
    actor = ACTORS[who]
    # The operator serves every organization, so to them a refusal is an honest «forbidden».
    expected = Forbidden if who == "operator" else NotFound
    for action in Action:
        if can(actor, action, OTHER):
            continue
        with pytest.raises(expected) as caught:
            require(actor, action, OTHER)
        assert type(caught.value) is expected


def test_members_without_the_right_are_forbidden() -> None:
    with pytest.raises(Forbidden):
        require(ACTORS["student"], Action.invite_create, OWN)
    with pytest.raises(Forbidden):
        require(ACTORS["municipal_admin"], Action.org_edit, OWN)


@pytest.mark.parametrize("action", list(PlatformAction), ids=lambda a: a.value)
@pytest.mark.parametrize("who", list(ACTORS))
def test_platform_actions_are_the_operators_alone(action: PlatformAction, who: str) -> None:
    assert can_platform(ACTORS[who], action) == (who == "operator")


# One-to-one chats (safe mode): caller × target × how they are related → the policy's answer.
# Written out by hand, like the table above; the same matrix runs through the API in
# tests/api/test_safe_mode.py with the demo school's people.
_T, _S, _P = frozenset({Role.teacher}), frozenset({Role.student}), frozenset({Role.parent})
_ADMIN, _DEPUTY = frozenset({Role.org_admin}), frozenset({Role.administration})
_NONE: frozenset[Kin] = frozenset()

DIRECT_EXPECTED: list[tuple[str, frozenset[Role], frozenset[Role], frozenset[Kin], str | None]] = [
    ("teacher of the student's class", _T, _S, frozenset({Kin.teaches_them}), None),
    ("teacher of another class", _T, _S, _NONE, "not_your_student"),
    ("org admin, any student", _ADMIN, _S, _NONE, None),
    ("deputy, any student", _DEPUTY, _S, _NONE, None),
    ("parent, own child", _P, _S, frozenset({Kin.parent_of}), None),
    ("parent, another's child", _P, _S, _NONE, "not_your_student"),
    ("parent who shares the class, another's child", _P, _S,
     frozenset({Kin.teaches_my_child}), "not_your_student"),
    ("teacher-parent, own child in a class they do not teach", _T | _P, _S,
     frozenset({Kin.parent_of}), None),
    ("student, classmate", _S, _S, frozenset({Kin.classmates}), None),
    ("student, another class", _S, _S, _NONE, "direct_not_allowed"),
    ("student, own teacher", _S, _T, frozenset({Kin.taught_by_them}), None),
    ("student, another class's teacher", _S, _T, _NONE, "direct_not_allowed"),
    ("student, the administration", _S, _DEPUTY, _NONE, None),
    ("student, own parent", _S, _P, frozenset({Kin.child_of}), None),
    ("student, another's parent", _S, _P, _NONE, "direct_not_allowed"),
    ("teacher, any colleague", _T, _T, _NONE, None),
    ("teacher, any parent", _T, _P, _NONE, None),
    ("parent, the administration", _P, _ADMIN, _NONE, None),
    ("parent, the child's teacher", _P, _T, frozenset({Kin.teaches_my_child}), None),
    ("parent, another teacher", _P, _T, _NONE, "direct_not_allowed"),
    ("parent, another parent", _P, _P, _NONE, "direct_not_allowed"),
    ("a teacher who is a student elsewhere is reached as a student", _T, _S | _T, _NONE,
     "not_your_student"),
    ("no role in the school", frozenset(), _S, _NONE, "direct_not_allowed"),
]


@pytest.mark.parametrize(("case", "mine", "theirs", "kin", "expected"), DIRECT_EXPECTED,
                         ids=[c[0] for c in DIRECT_EXPECTED])
def test_direct_chat_matrix(case: str, mine: frozenset[Role], theirs: frozenset[Role],
                            kin: frozenset[Kin], expected: str | None) -> None:
    assert direct_refusal(mine, theirs, kin) == expected


# What a reader sees (rules the routers used to hold) --------------------------------------------

@pytest.mark.parametrize("who", sorted(ACTORS))
def test_who_exactly_read_a_message_is_for_the_staff(who: str) -> None:
    actor = ACTORS[who]
    assert sees_read_receipts(actor, OWN) is (who in STAFF | {"operator"})
    assert sees_read_receipts(actor, OTHER) is (who == "operator")


@pytest.mark.parametrize("who", sorted(ACTORS))
def test_phone_numbers_and_emails_are_for_the_administrators(who: str) -> None:
    actor = ACTORS[who]
    assert sees_contacts(actor, OWN) is (who in {"org_admin", "administration", "operator"})
    assert sees_contacts(actor, OTHER) is (who == "operator")


def test_a_member_sees_only_the_blocks_open_to_objection() -> None:
    for status in ("none", "proposed", "objected", "granted"):
        assert sees_block(True, status)  # the chat's moderators see every block in force
    assert sees_block(False, "proposed")  # an early unblock a member may object to (R30)
    for status in ("none", "objected", "granted"):
        assert not sees_block(False, status)


@pytest.mark.parametrize(("chat_role", "started_it", "hosts"), [
    ("owner", False, True), ("moderator", False, True), ("member", True, True),
    ("member", False, False), (None, True, False), (None, False, False),
])
def test_who_hosts_a_call(chat_role: str | None, started_it: bool, hosts: bool) -> None:
    """Whoever started the call, and the chat's owner and moderators; nobody outside the chat."""
    assert can_host_call(chat_role, started_it) is hosts


STAFF_ROLES = frozenset({Role.teacher})
STUDENT_ROLES = frozenset({Role.student})


@pytest.mark.parametrize(("chat_role", "org_roles", "schedules"), [
    ("owner", STAFF_ROLES, True), ("moderator", STAFF_ROLES, True),
    ("moderator", frozenset({Role.administration}), True),
    ("member", STAFF_ROLES, False),  # a teacher who only reads the chat
    ("moderator", STUDENT_ROLES, False),  # a student the class made a moderator
    ("owner", frozenset({Role.parent}), False),
    (None, STAFF_ROLES, False),  # not in the chat
])
def test_who_schedules_lessons_in_a_chat(chat_role: str | None, org_roles: frozenset[Role],
                                         schedules: bool) -> None:
    assert can_schedule(chat_role, org_roles) is schedules
    # The author changes their own lesson while in the chat; a scheduler changes anyone's.
    assert can_change_lesson(chat_role, org_roles, authored=False) is schedules
    assert can_change_lesson(chat_role, org_roles, authored=True) is (chat_role is not None)


@pytest.mark.parametrize(("chat_role", "hosted", "oversees_org", "sees"), [
    ("member", True, False, True), ("owner", False, False, True),
    ("moderator", False, False, True), ("member", False, False, False),
    (None, True, False, False),  # hosted, then left the chat
    (None, False, True, True),  # the school's administration (R40)
])
def test_who_sees_a_calls_attendance(chat_role: str | None, hosted: bool, oversees_org: bool,
                                     sees: bool) -> None:
    assert sees_attendance(chat_role, hosted, oversees_org) is sees


# Who comes into a group chat by its link or a request (R22, R23): the people its kind is for.
JOIN_EXPECTED: list[tuple[str, bool, frozenset[Role], str | None]] = [
    ("class", False, _S, None), ("class", False, _P, "chat_not_for_role"), ("class", False, _T, None),
    ("subject", False, _S, None), ("subject", False, _P, "chat_not_for_role"),
    ("parents", False, _P, None), ("parents", False, _S, "chat_not_for_role"),
    ("parents", False, _ADMIN, None),
    ("management_parents_council", False, _P, None),
    ("management_student_council", False, _S, None),
    ("management_student_council", False, _P, "chat_not_for_role"),
    ("class_teachers", False, _T, None), ("class_teachers", False, _P, "chat_not_for_role"),
    ("management_deputies", False, _DEPUTY, None), ("management_deputies", False, _S, "chat_not_for_role"),
    ("management_staff", False, _T, None), ("management_staff", False, _P, "chat_not_for_role"),
    ("custom", False, _P, None), ("custom", False, _S, None),
    ("custom", True, _T, None), ("custom", True, _P, "chat_not_for_role"),
    ("custom", True, _S, "chat_not_for_role"),
    ("channel", False, _P, None),
    ("direct", False, _T, "chat_not_for_role"), ("staff_channel", False, _T, "chat_not_for_role"),
    ("custom", False, frozenset(), "not_in_school"), ("class", False, frozenset(), "not_in_school"),
]


@pytest.mark.parametrize(("kind", "staff_room", "roles", "expected"), JOIN_EXPECTED,
                         ids=[f"{k}{'-staff-room' if r else ''}-{'+'.join(sorted(x.value for x in roles)) or 'none'}"
                              for k, r, roles, _ in JOIN_EXPECTED])
def test_who_joins_a_chat_by_its_link(kind: str, staff_room: bool, roles: frozenset[Role],
                                      expected: str | None) -> None:
    assert chat_join_refusal(kind, roles, staff_room=staff_room) == expected
