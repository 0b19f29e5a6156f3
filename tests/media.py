"""Janus and coturn for the tests that need them: started by scripts/media-services.sh (as
`make test` does), and Parta's settings pointed at them through the environment."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "media-services.sh"


@pytest.fixture(scope="session")
def media_services() -> Iterator[dict[str, str]]:
    """The PARTA_* settings of the running Janus and coturn (started here if they are not)."""
    if shutil.which("janus") is None or shutil.which("turnserver") is None:
        pytest.skip("janus / coturn are not installed here (scripts/system-deps.sh installs them)")
    subprocess.run(["bash", str(SCRIPT), "start"], check=True, capture_output=True, text=True)
    out = subprocess.run(["bash", str(SCRIPT), "env"], check=True, capture_output=True,
                         text=True).stdout
    env = {}
    for line in out.splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        env[name] = value
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    yield env
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
