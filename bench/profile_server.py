"""``parta serve`` under cProfile (the event loop's thread only), for a bench's server:

    BENCH_PROFILE=/tmp/serve.prof .venv/bin/python bench/load.py ...
    .venv/bin/python -c "import pstats; pstats.Stats('/tmp/serve.prof').sort_stats('tottime').print_stats(30)"

BENCH_PROFILE_CLOCK=wall counts wall time instead (where the loop waits: ``select`` is idle,
an ``asyncio.sleep`` inside a request shows under its caller's cumulative time).

BENCH_PROFILE_WINDOW=1 profiles only from SIGUSR1 on (a bench sends it when its measured part
begins: the start, the imports and the clients' connecting stay out of the figures).
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

clock = time.perf_counter if os.environ.get("BENCH_PROFILE_CLOCK") == "wall" else time.process_time
profile = cProfile.Profile(clock)  # CPU time by default, not time spent waiting


def dump(*_: object) -> None:
    profile.disable()
    profile.dump_stats(os.environ["BENCH_PROFILE"])
    os._exit(0)


# uvicorn shuts down on SIGTERM, then raises it again with the handler it found: this one.
signal.signal(signal.SIGTERM, dump)
if os.environ.get("BENCH_PROFILE_WINDOW"):
    signal.signal(signal.SIGUSR1, lambda *_: profile.enable())
else:
    profile.enable()
try:
    app()
finally:
    dump()
