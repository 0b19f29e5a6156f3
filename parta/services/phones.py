"""Phone numbers: parsed with ``phonenumbers`` and kept in E.164 form."""

from __future__ import annotations

import phonenumbers

from parta.errors import ValidationFailed

__all__ = ["mask_email", "mask_phone", "normalize_phone"]


def normalize_phone(raw: str, region: str = "RU") -> str:
    """E.164 form of a mobile number, or ``ValidationFailed(invalid_phone)``."""
    text = (raw or "").strip()
    if text.startswith("8") and region == "RU" and len("".join(c for c in text if c.isdigit())) == 11:
        text = "+7" + "".join(c for c in text if c.isdigit())[1:]  # the Russian trunk prefix
    try:
        num = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise ValidationFailed("invalid_phone", fields={"phone": "invalid_phone"}) from None
    ok_types = {phonenumbers.PhoneNumberType.MOBILE,
                phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
    if not phonenumbers.is_valid_number(num) or phonenumbers.number_type(num) not in ok_types:
        raise ValidationFailed("invalid_phone", fields={"phone": "invalid_phone"})
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(e164: str) -> str:
    """«+7 ••• ••• 45 67»: enough to recognise one's own number, not to learn someone else's."""
    return f"{e164[:-10] if len(e164) > 10 else e164[:2]} ••• ••• {e164[-4:-2]} {e164[-2:]}"


def mask_email(email: str) -> str:
    """«m•••@school.ru»: the first letter and the domain."""
    name, _, domain = email.partition("@")
    return f"{name[:1]}•••@{domain}" if domain else "•••"
