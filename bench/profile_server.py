"""``parta serve`` under cProfile (the event loop's thread only), for a bench's server:

    BENCH_PROFILE=/tmp/serve.prof .venv/bin/python bench/load.py ...
    .venv/bin/python -c "import pstats; pstats.Stats('/tmp/serve.prof').sort_stats('tottime').print_stats(30)"
"""

from __future__ import annotations

import cProfile
import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this tree's parta
sys.argv = ["parta", "serve"]

from parta.cli import app

profile = cProfile.Profile(time.process_time)  # CPU time, not time spent waiting


def dump(*_: object) -> None:
    profile.disable()
    profile.dump_stats(os.environ["BENCH_PROFILE"])
    os._exit(0)


# uvicorn shuts down on SIGTERM, then raises it again with the handler it found: this one.
signal.signal(signal.SIGTERM, dump)
profile.enable()
try:
    app()
finally:
    dump()
