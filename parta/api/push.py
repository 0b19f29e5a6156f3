"""Web Push: the key to subscribe with, one's own subscriptions, notification settings, muted chats."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from parta.actions import digest as digest_actions
from parta.actions import push as push_actions
from parta.api.deps import AnyCtx, AuthCtx, AuthReadingCtx, PathId, services_of
from parta.api.responses import errors
from parta.policy import Action
from parta.queries import push as q
from parta.queries.quiet import chat_quiet
from parta.queries.scope import chat_for, org_for
from parta.schemas.common import Ok
from parta.schemas.push import (
    ChatQuietOut,
    MuteOut,
    NotificationSettingsIn,
    NotificationSettingsOut,
    OrgQuietHoursIn,
    OrgQuietHoursOut,
    PushKeyOut,
    SubscriptionIn,
    SubscriptionOut,
    SubscriptionsOut,
)
from parta.services.push import public_key_of

router = APIRouter(tags=["push"])



@router.get("/push/key", response_model=PushKeyOut, responses=errors(401))
async def push_key(request: Request, ctx: AuthReadingCtx) -> PushKeyOut:
    return PushKeyOut(public_key=public_key_of(
        await push_actions.installation_key(services_of(request))))


@router.get("/push/subscriptions", response_model=SubscriptionsOut, responses=errors(401))
async def my_subscriptions(ctx: AuthReadingCtx) -> SubscriptionsOut:
    return SubscriptionsOut(subscriptions=await q.subscriptions_of(
        ctx.db, ctx.require_actor().user_id))


@router.post("/push/subscriptions", response_model=SubscriptionOut, status_code=201, responses=errors(401, 403, 409, 413, 422))  # 409 push_too_many; 422 push_endpoint_invalid, push_keys_invalid
async def subscribe(body: SubscriptionIn, ctx: AuthCtx) -> SubscriptionOut:
    sub = await push_actions.subscribe(ctx, body)
    return SubscriptionOut(id=sub.id, label=sub.label, created_at=sub.created_at,
                           last_success_at=sub.last_success_at)


@router.delete("/push/subscriptions/{subscription_id}", status_code=204,
               responses=errors(401, 403, 404))
async def unsubscribe(subscription_id: PathId, ctx: AuthCtx) -> Response:
    await push_actions.unsubscribe(ctx, subscription_id)
    return Response(status_code=204)


@router.get("/notifications/settings", response_model=NotificationSettingsOut,
            responses=errors(401))
async def notification_settings(ctx: AuthReadingCtx) -> NotificationSettingsOut:
    found = await push_actions.settings_of(ctx, ctx.require_actor().user_id)
    return await q.settings_out(ctx.db, found.settings, found.quiet_source,
                                ctx.settings.digest_delay_minutes)


@router.put("/notifications/settings", response_model=NotificationSettingsOut,
            responses=errors(401, 403, 413, 422))
async def update_notification_settings(body: NotificationSettingsIn,
                                       ctx: AuthCtx) -> NotificationSettingsOut:
    found = await push_actions.update_settings(ctx, body)
    return await q.settings_out(ctx.db, found.settings, found.quiet_source,
                                ctx.settings.digest_delay_minutes)


@router.post("/notifications/digest/unsubscribe", response_model=Ok, responses=errors(404, 422))
async def digest_unsubscribe(ctx: AnyCtx,
                             user: Annotated[int, Query(ge=1, le=2**31 - 1)],
                             token: Annotated[str, Query(min_length=1, max_length=128)]) -> Ok:
    """The e-mail digest's one-click unsubscribe (RFC 8058), from the letter's link: no sign-in,
    the link's token is the proof. A mail client posts ``List-Unsubscribe=One-Click``."""
    await digest_actions.turn_off_by_link(ctx, user, token)
    return Ok()


@router.get("/orgs/{org_id}/quiet-hours", response_model=OrgQuietHoursOut,
            responses=errors(401, 404))
async def school_quiet_hours(org_id: PathId, ctx: AuthReadingCtx) -> OrgQuietHoursOut:
    """The school's quiet hours for its students and parents (anyone in the school sees them)."""
    return q.org_quiet_hours(await org_for(ctx.db, ctx.require_actor(), org_id, Action.org_view))


@router.put("/orgs/{org_id}/quiet-hours", response_model=OrgQuietHoursOut,
            responses=errors(401, 403, 404, 413, 422))
async def set_school_quiet_hours(org_id: PathId, body: OrgQuietHoursIn,
                                 ctx: AuthCtx) -> OrgQuietHoursOut:
    return q.org_quiet_hours(await push_actions.set_org_quiet_hours(ctx, org_id, body))


@router.get("/chats/{chat_id}/quiet", response_model=ChatQuietOut, responses=errors(401, 404))
async def chat_quiet_now(chat_id: PathId, ctx: AuthReadingCtx) -> ChatQuietOut:
    """How many of the chat's other members are in their quiet hours now, and when they will
    hear of a message written now (counts and times, never names)."""
    return await chat_quiet(ctx.db, await chat_for(ctx.db, ctx.require_actor(), chat_id))


@router.get("/chats/{chat_id}/mute", response_model=MuteOut, responses=errors(401, 404))
async def mute_state(chat_id: PathId, ctx: AuthReadingCtx) -> MuteOut:
    return await q.mute_of(ctx.db, await chat_for(ctx.db, ctx.require_actor(), chat_id))


@router.put("/chats/{chat_id}/mute", response_model=MuteOut, responses=errors(401, 403, 404))
async def mute(chat_id: PathId, ctx: AuthCtx) -> MuteOut:
    return MuteOut(chat_id=chat_id, muted=await push_actions.mute_chat(ctx, chat_id, True))


@router.delete("/chats/{chat_id}/mute", response_model=MuteOut, responses=errors(401, 403, 404))
async def unmute(chat_id: PathId, ctx: AuthCtx) -> MuteOut:
    return MuteOut(chat_id=chat_id, muted=await push_actions.mute_chat(ctx, chat_id, False))
