"""Chat rules (R24, R28, R31): the organization's rules, then the chat's own, numbered as one list.

Every violation, block and removal names a rule by its number in this list; the number and the
text are copied when they are recorded, so editing the rules later changes no one's record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["DEFAULT_RULES", "MAX_RULES_LENGTH", "VIOLATIONS_BEFORE_BLOCK", "RuleItem", "effective_rules",
           "rule_items"]

MAX_RULES_LENGTH = 10_000
VIOLATIONS_BEFORE_BLOCK = 3  # a block needs *more than* this many (R29)

# Shipped with Parta; an organization edits its own copy (R24). Written for a school: short,
# concrete, the same for children and adults.
DEFAULT_RULES = """\
Общаемся вежливо и уважительно: без грубости, оскорблений, насмешек и ненормативной лексики.
Пишем по теме чата; объявления, вопросы об учёбе и жизни класса — здесь, личное — в личных сообщениях.
Не публикуем чужие персональные данные (телефоны, адреса, фотографии детей) без согласия их владельцев или родителей.
Не пересылаем материалы чата за его пределы без согласия участников.
Не рассылаем рекламу, спам, «цепочки» и одинаковые сообщения подряд.
Не публикуем материалы, запрещённые законом, и ничего, что может навредить детям.
Пишем в чат в разумное время: с 8:00 до 21:00, кроме срочных случаев.
Решения модератора выполняем; несогласие с ними обсуждаем с модератором лично или с администрацией школы.
"""

_NUMBERING = re.compile(r"^\s*(?:\d{1,3}[.)]|[-•*–—])\s*")


@dataclass(frozen=True)
class RuleItem:
    number: int
    text: str
    source: str  # "org" | "chat"


def rule_items(text: str) -> list[str]:
    """One rule per non-empty line; a leading «1.», «2)» or «–» is numbering, not text."""
    items = []
    for line in text.replace("\r\n", "\n").split("\n"):
        item = _NUMBERING.sub("", line).strip()
        if item:
            items.append(item)
    return items


def effective_rules(org_rules: str | None, chat_rules: str) -> list[RuleItem]:
    """The organization's rules (or the default), then the chat's own, numbered from 1."""
    org = rule_items(DEFAULT_RULES if org_rules is None else org_rules)
    own = rule_items(chat_rules)
    return ([RuleItem(n, t, "org") for n, t in enumerate(org, 1)]
            + [RuleItem(n, t, "chat") for n, t in enumerate(own, len(org) + 1)])
