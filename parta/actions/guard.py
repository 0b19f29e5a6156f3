"""A block's answer body. The block-state reads moved to ``parta.queries.blocks`` and the
gate to ``parta.queries.scope``; this serializer moves to ``parta.schemas`` with the others
(issue 11 §1), and then this module goes."""

from __future__ import annotations

from typing import Any

from parta.models import ChatBlock

__all__ = ["block_payload"]


def block_payload(b: ChatBlock) -> dict[str, Any]:
    return {
        "id": b.id, "chat_id": b.chat_id, "user_id": b.user_id, "rule_number": b.rule_number,
        "rule_text": b.rule_text, "reason": b.reason, "starts_at": b.starts_at.isoformat(),
        "ends_at": b.ends_at.isoformat(), "violations": len(b.violation_ids),
        "apology": b.apology, "apologized_at": b.apologized_at.isoformat() if b.apologized_at else None,
        "unblock_status": b.unblock_status.value,
        "objection_deadline": b.objection_deadline.isoformat() if b.objection_deadline else None,
    }
