"""A parent's children (R17) and a young child's sign-in e-mail (R10)."""

from __future__ import annotations

from fastapi import APIRouter

from parta.actions import families as family_actions
from parta.api.deps import AuthCtx, PathId
from parta.api.responses import errors
from parta.errors import ValidationFailed
from parta.queries import families as q
from parta.schemas.families import ChildrenOut, CodeEmailConfirmIn, CodeEmailIn, CodeEmailOut
from parta.services.phones import mask_email

router = APIRouter(tags=["families"])


@router.get("/me/children", response_model=ChildrenOut, responses=errors(401))
async def my_children(ctx: AuthCtx) -> ChildrenOut:
    """Each confirmed child with the school, the class and the chats about that class."""
    return ChildrenOut(children=await q.children(ctx.db, ctx.settings, ctx.require_actor().user_id))


@router.post("/me/children/{child_id}/code-email", response_model=CodeEmailOut, status_code=202,
             responses=errors(401, 403, 404, 409, 413, 422, 429))
async def request_code_email(child_id: PathId, body: CodeEmailIn, ctx: AuthCtx) -> CodeEmailOut:
    """Send a code to the address; it takes effect when the code comes back (confirm)."""
    if not body.email:
        raise ValidationFailed(fields={"email": "required"})
    child = await family_actions.my_child(ctx, child_id)
    pending = await family_actions.request_code_email(ctx, child.id, body.email)
    return CodeEmailOut(code_email=_masked(child.parent_email), pending=pending)


@router.post("/me/children/{child_id}/code-email/confirm", response_model=CodeEmailOut,
             responses=errors(401, 403, 404, 409, 413, 422, 429))
async def confirm_code_email(child_id: PathId, body: CodeEmailConfirmIn, ctx: AuthCtx) -> CodeEmailOut:
    return CodeEmailOut(code_email=await family_actions.confirm_code_email(ctx, child_id, body.code))


@router.delete("/me/children/{child_id}/code-email", response_model=CodeEmailOut,
               responses=errors(401, 403, 404, 409))
async def clear_code_email(child_id: PathId, ctx: AuthCtx) -> CodeEmailOut:
    await family_actions.clear_code_email(ctx, child_id)
    return CodeEmailOut(code_email=None)


@router.put("/orgs/{org_id}/members/{user_id}/code-email", response_model=CodeEmailOut,
            responses=errors(401, 403, 404, 409, 413, 422))
async def set_code_email(org_id: PathId, user_id: PathId, body: CodeEmailIn,
                         ctx: AuthCtx) -> CodeEmailOut:
    """The administrator, from the school's records: where a primary pupil's codes go."""
    child = await family_actions.set_code_email(ctx, org_id, user_id, body.email)
    return CodeEmailOut(code_email=_masked(child.parent_email))


def _masked(email: str) -> str | None:
    return mask_email(email) if email else None
