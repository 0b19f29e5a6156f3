"""Carrying out a deletion of a person's data (152-ФЗ).

What goes: the name (it becomes «удалённый пользователь»), phone and e-mails, sessions and
sign-in codes, memberships with their roles, classes and subjects, parent links, join requests,
the roster's record of them, support tickets, chat places and invitations, reactions and views,
messages held for a moderator, data exports, and every file they uploaded — with any forwarded
copy, since a copy is the same photo of the same child.

What stays: their messages, so each chat's record stays whole, shown as written by
«удалённый пользователь»; the consent ledger (the school's proof of what parents agreed to,
holding ids rather than data); the audit log and moderation records, which name only the
tombstone's id.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import delete, or_, select, update

from parta.actions.base import Ctx
from parta.i18n import t
from parta.models import (
    Attachment,
    AuthSession,
    ChatInvitation,
    ChatMember,
    ChatMute,
    CodeEmailConfirmation,
    DataExport,
    EmailConfirmation,
    EmailDigest,
    Group,
    GroupMember,
    GroupTeacher,
    HeldMessage,
    HeldStatus,
    JoinRequest,
    LoginCode,
    Membership,
    MembershipRole,
    MessageView,
    MunicipalAdmin,
    NotificationSettings,
    ParentLink,
    PushSubscription,
    Reaction,
    RosterPerson,
    SupportTicket,
    User,
)
from parta.realtime.events import SessionEnded

__all__ = ["erase_person"]

log = logging.getLogger("parta.privacy")


async def erase_person(ctx: Ctx, user: User, now: datetime) -> list[str]:
    """Delete ``user``'s personal data in ``ctx``'s transaction. Returns the storage keys to
    delete once it commits (files are deleted only after the rows are gone for good)."""
    uid = user.id
    db = ctx.db
    phone = user.phone
    sessions = list((await db.execute(select(AuthSession.id).where(
        AuthSession.user_id == uid, AuthSession.ended_at.is_(None)))).scalars())
    for sid in sessions:  # open sockets close on this
        ctx.emit(SessionEnded(session_id=sid), {uid})
    await db.execute(delete(AuthSession).where(AuthSession.user_id == uid))
    if phone:
        await db.execute(delete(LoginCode).where(LoginCode.phone == phone))

    memberships = select(Membership.id).where(Membership.user_id == uid)
    await db.execute(delete(MembershipRole).where(MembershipRole.membership_id.in_(memberships)))
    await db.execute(delete(Membership).where(Membership.user_id == uid))
    await db.execute(delete(MunicipalAdmin).where(MunicipalAdmin.user_id == uid))
    await db.execute(delete(GroupMember).where(GroupMember.user_id == uid))
    await db.execute(delete(GroupTeacher).where(GroupTeacher.user_id == uid))
    await db.execute(update(Group).where(Group.class_teacher_id == uid).values(class_teacher_id=None))
    await db.execute(delete(ParentLink).where(or_(ParentLink.parent_id == uid,
                                                  ParentLink.child_id == uid)))
    await db.execute(delete(JoinRequest).where(JoinRequest.user_id == uid))
    await db.execute(delete(CodeEmailConfirmation).where(or_(
        CodeEmailConfirmation.parent_id == uid, CodeEmailConfirmation.child_id == uid)))
    # The e-mail digest's and Web Push's rows: an address, browsers' endpoints, settings.
    for table in (EmailConfirmation, EmailDigest, NotificationSettings, PushSubscription,
                  ChatMute):
        await db.execute(delete(table).where(table.user_id == uid))
    await db.execute(delete(RosterPerson).where(RosterPerson.user_id == uid))
    await db.execute(delete(SupportTicket).where(SupportTicket.user_id == uid))
    await db.execute(update(ChatMember).where(ChatMember.user_id == uid, ChatMember.left_at.is_(None))
                     .values(left_at=now))
    await db.execute(delete(ChatInvitation).where(ChatInvitation.user_id == uid))
    await db.execute(delete(Reaction).where(Reaction.user_id == uid))
    await db.execute(delete(MessageView).where(MessageView.user_id == uid))
    await db.execute(delete(HeldMessage).where(HeldMessage.author_id == uid,
                                               HeldMessage.status == HeldStatus.pending))

    keys: set[str] = set()
    for key, thumb in (await db.execute(select(Attachment.storage_key, Attachment.thumb_key)
                                        .where(Attachment.uploader_id == uid))).all():
        keys.add(key)
        if thumb:
            keys.add(thumb)
    if keys:  # the uploads and any copy of them forwarded elsewhere
        await db.execute(delete(Attachment).where(or_(Attachment.uploader_id == uid,
                                                      Attachment.storage_key.in_(keys))))
    for archive in (await db.execute(select(DataExport.storage_key).where(
            DataExport.user_id == uid, DataExport.storage_key.is_not(None)))).scalars():
        if archive:
            keys.add(archive)
    await db.execute(delete(DataExport).where(DataExport.user_id == uid))

    user.name = t("ru", "deleted_user.name")
    user.phone = None  # NULL: the unique index allows any number of them
    user.email = ""
    user.email_confirmed_at = None
    user.parent_email = ""
    user.is_operator = False
    user.deleted_at = now
    return sorted(keys)
