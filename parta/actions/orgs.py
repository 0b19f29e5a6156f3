"""Regions, municipalities and organizations: registration by the operator (R1, R2), profile (R3)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from parta.actions.base import Ctx
from parta.actions.members import add_member
from parta.actions.roles import org_admin_ids
from parta.errors import Conflict, NotFound, ValidationFailed
from parta.i18n import t
from parta.models import (
    Group,
    GroupKind,
    MunicipalAdmin,
    Municipality,
    Organization,
    OrgKind,
    Region,
    Role,
    User,
)
from parta.policy import Action, PlatformAction, require_platform
from parta.queries.scope import org_for
from parta.realtime.events import OrgChanged
from parta.services.phones import normalize_phone

__all__ = [
    "PROFILE_FIELDS",
    "appoint_municipal_admin",
    "create_municipality",
    "create_region",
    "edit_organization",
    "grant_operator",
    "place",
    "register_organization",
]


def _require(ctx: Ctx, action: PlatformAction) -> None:
    require_platform(ctx.require_actor(), action)


async def create_region(ctx: Ctx, name: str) -> Region:
    _require(ctx, PlatformAction.region_manage)
    if (await ctx.db.execute(select(Region.id).where(Region.name == name))).first():
        raise Conflict("region_exists", fields={"name": "region_exists"})
    region = Region(name=name)
    ctx.db.add(region)
    await ctx.db.flush()
    ctx.audit("region.created", None, "region", region.id, name=name)
    return region


async def create_municipality(ctx: Ctx, region_id: int, name: str) -> Municipality:
    _require(ctx, PlatformAction.region_manage)
    if await ctx.db.get(Region, region_id) is None:
        raise ValidationFailed(fields={"region_id": "invalid"})
    dup = await ctx.db.execute(select(Municipality.id).where(
        Municipality.region_id == region_id, Municipality.name == name))
    if dup.first():
        raise Conflict("municipality_exists", fields={"name": "municipality_exists"})
    muni = Municipality(region_id=region_id, name=name)
    ctx.db.add(muni)
    await ctx.db.flush()
    ctx.audit("municipality.created", None, "municipality", muni.id, name=name)
    return muni


async def place(ctx: Ctx, region: str, municipality: str) -> Municipality:
    """The municipality of this name in the region of this name, each made (and audited)
    where it is not there yet: registering from the command line names them in words."""
    _require(ctx, PlatformAction.region_manage)
    reg = (await ctx.db.execute(select(Region).where(Region.name == region))).scalar_one_or_none()
    if reg is None:
        reg = await create_region(ctx, region)
    muni = (await ctx.db.execute(select(Municipality).where(
        Municipality.region_id == reg.id, Municipality.name == municipality))).scalar_one_or_none()
    return muni if muni is not None else await create_municipality(ctx, reg.id, municipality)


async def grant_operator(ctx: Ctx, raw_phone: str, name: str = "") -> User:
    """Make the person with this phone a platform operator, creating them if new."""
    _require(ctx, PlatformAction.operator_grant)
    phone = normalize_phone(raw_phone, ctx.settings.default_phone_region)
    user = (await ctx.db.execute(select(User).where(User.phone == phone))).scalar_one_or_none()
    if user is None:
        user = User(phone=phone, name=name)
        ctx.db.add(user)
    user.is_operator = True
    await ctx.db.flush()
    ctx.audit("user.operator_granted", None, "user", user.id)
    return user


async def register_organization(
    ctx: Ctx, *, name: str, kind: OrgKind, municipality_id: int, admin_name: str,
    admin_email: str, admin_phone: str, application_ref: str = "",
) -> Organization:
    """Register from the application (R1): the appointed administrator then signs in by phone."""
    _require(ctx, PlatformAction.org_register)
    phone = normalize_phone(admin_phone, ctx.settings.default_phone_region)
    if await ctx.db.get(Municipality, municipality_id) is None:
        raise ValidationFailed(fields={"municipality_id": "invalid"})
    org = Organization(name=name, kind=kind, municipality_id=municipality_id,
                       application_ref=application_ref, email="")
    ctx.db.add(org)
    await ctx.db.flush()
    ctx.db.add(Group(org_id=org.id, kind=GroupKind.staff_room, name=t("ru", "staff_room.name")))
    admin = (await ctx.db.execute(select(User).where(User.phone == phone))).scalar_one_or_none()
    if admin is None:
        admin = User(phone=phone, name=admin_name, email=admin_email)
        ctx.db.add(admin)
        await ctx.db.flush()
    else:  # an existing person keeps their own name; the e-mail is filled in only if missing
        admin.email = admin.email or admin_email
    await add_member(ctx, org, admin, {Role.org_admin})
    ctx.audit("org.registered", org.id, "organization", org.id, name=name, kind=kind.value,
              admin_user_id=admin.id, application_ref=application_ref)
    return org


async def appoint_municipal_admin(ctx: Ctx, municipality_id: int, phone: str,
                                  name: str) -> User:
    """The operator names who oversees a municipality's organizations (R2)."""
    _require(ctx, PlatformAction.municipal_admin_appoint)
    if await ctx.db.get(Municipality, municipality_id) is None:
        raise NotFound()
    e164 = normalize_phone(phone, ctx.settings.default_phone_region)
    user = (await ctx.db.execute(select(User).where(User.phone == e164))).scalar_one_or_none()
    if user is None:
        user = User(phone=e164, name=name)
        ctx.db.add(user)
        await ctx.db.flush()
    exists = await ctx.db.execute(select(MunicipalAdmin.id).where(
        MunicipalAdmin.municipality_id == municipality_id, MunicipalAdmin.user_id == user.id))
    if exists.first():
        raise Conflict("already_member")
    ctx.db.add(MunicipalAdmin(municipality_id=municipality_id, user_id=user.id))
    ctx.audit("municipality.admin_appointed", None, "municipality", municipality_id,
              user_id=user.id)
    return user


PROFILE_FIELDS = ("name", "short_name", "address", "phone", "email", "website", "gradebook_url",
                  "description")


async def edit_organization(ctx: Ctx, org_id: int, changes: dict[str, Any]) -> Organization:
    actor = ctx.require_actor()
    allowed = await org_for(ctx.db, actor, org_id, Action.org_edit)
    org = allowed.org
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationFailed(fields={k: "invalid" for k in unknown})
    # Every profile field is a string; an explicit null would break NOT NULL, not clear it.
    nulls = sorted(k for k, v in changes.items() if v is None)
    if nulls:
        raise ValidationFailed(fields={k: "required" for k in nulls})
    changed = {k: v for k, v in changes.items() if getattr(org, k) != v}
    for k, v in changed.items():
        setattr(org, k, v)
    if changed:
        ctx.audit("org.edited", org.id, "organization", org.id, fields=sorted(changed))
        ctx.emit(OrgChanged(org_id=org.id), await org_admin_ids(ctx, org.id))
    return org


