"""The supervisor of broadcast ffmpeg runs: a run that cannot start is refused at once and
leaves nothing; one that reaches its end says so once; one stopped says nothing and is gone;
the server's stop ends every run and says so; and a run dies with its server even when the
server is killed outright."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from parta.services.streamer import Streamer, StreamFailed

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg not installed")


def pattern(seconds: float) -> list[str]:
    """ffmpeg playing a test pattern for ``seconds`` at its own pace, to nowhere."""
    return ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "warning", "-nostats",
            "-progress", "pipe:1", "-re", "-f", "lavfi",
            "-i", f"testsrc=duration={seconds}:size=64x64:rate=10", "-f", "null", "-"]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split()[2] != "Z"


class Ends:
    def __init__(self) -> None:
        self.calls: list[tuple[int, int, str]] = []
        self.seen = asyncio.Event()

    async def __call__(self, key: int, status: int, output: str) -> None:
        self.calls.append((key, status, output))
        self.seen.set()


async def test_a_file_ffmpeg_cannot_read_is_refused_at_once() -> None:
    streamer, ends = Streamer(start_seconds=20), Ends()
    with pytest.raises(StreamFailed) as failed:
        await streamer.start(7, ["ffmpeg", "-nostdin", "-i", "/nonexistent/линейка.mp4",
                                 "-f", "null", "-"], ends)
    assert failed.value.status not in (None, 0) and "No such file" in failed.value.output
    assert not streamer.running(7) and streamer.pids() == [] and ends.calls == []


async def test_the_end_of_the_file_is_told_once_and_leaves_no_process() -> None:
    streamer, ends = Streamer(), Ends()
    pid = await streamer.start(1, pattern(1.5), ends)
    assert streamer.running(1) and alive(pid)
    await asyncio.wait_for(ends.seen.wait(), 20)
    assert ends.calls == [(1, 0, "")]
    assert not streamer.running(1) and not alive(pid)


async def test_a_stopped_run_is_gone_and_tells_nothing() -> None:
    streamer, ends = Streamer(), Ends()
    pid = await streamer.start(2, pattern(60), ends)
    with pytest.raises(RuntimeError):
        await streamer.start(2, pattern(60), ends)  # one run per broadcast
    assert await streamer.stop(2) is True
    assert not alive(pid) and not streamer.running(2)
    assert await streamer.stop(2) is False
    await asyncio.sleep(0.2)
    assert ends.calls == []


async def test_the_servers_stop_ends_every_run_and_says_so() -> None:
    streamer, ends = Streamer(), Ends()
    pids = [await streamer.start(key, pattern(60), ends) for key in (3, 4)]
    await streamer.stop_all()
    assert not any(alive(pid) for pid in pids) and streamer.pids() == []
    assert sorted((key, status) for key, status, _ in ends.calls) == [
        (3, -signal.SIGTERM), (4, -signal.SIGTERM)]


def test_a_run_dies_with_a_killed_server() -> None:
    """A server killed with SIGKILL runs no clean-up: the kernel ends its ffmpeg."""
    script = textwrap.dedent(f"""
        import asyncio, sys
        from parta.services.streamer import Streamer
        async def main():
            s = Streamer()
            async def ended(*a): pass
            pid = await s.start(1, {pattern(60)!r}, ended)
            print(pid, flush=True)
            await asyncio.sleep(120)
        asyncio.run(main())
    """)
    server = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": os.getcwd()})
    try:
        assert server.stdout is not None
        pid = int(server.stdout.readline())
        assert alive(pid)
        server.kill()
        server.wait(10)
        deadline = time.monotonic() + 10
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(pid)
    finally:
        if server.poll() is None:
            server.kill()
