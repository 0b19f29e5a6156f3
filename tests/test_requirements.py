"""The pinned requirements install together on a fresh machine.

A fresh venv installs requirements.txt and requirements-dev.txt in one resolver run
(scripts/venv.sh). Two pins of one package that disagree make that run fail before any test,
which is how a stop once failed CI while every local run (with an existing venv) passed.
"""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==(\S+)")


def pins(name: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        m = PIN.match(line)
        assert m, f"{name}: not an exact pin: {line!r}"
        key = re.sub(r"[-_.]+", "-", m.group(1)).lower()
        assert key not in found, f"{name}: {key} pinned twice"
        found[key] = m.group(3)
    return found


def disagreements(a: dict[str, str], b: dict[str, str]) -> list[str]:
    return sorted(f"{k}: {a[k]} against {b[k]}" for k in a.keys() & b.keys() if a[k] != b[k])


def test_the_app_and_dev_pins_agree():
    assert disagreements(pins("requirements.txt"), pins("requirements-dev.txt")) == []


def test_a_disagreement_is_seen():
    assert disagreements({"cryptography": "51.0.1", "httpx": "0.28.1"},
                         {"cryptography": "50.0.2", "httpx": "0.28.1"}) == [
        "cryptography: 51.0.1 against 50.0.2"]

