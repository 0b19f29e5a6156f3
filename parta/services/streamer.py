"""ffmpeg runs that send a school's video file to a Janus Streaming mountpoint, realtime, and
the supervisor that owns them.

One run per broadcast, a child of this server process: it is stopped when the presenter ends
the broadcast (``stop``), when the server stops (``stop_all``, from the app's lifespan), and it
dies with the server even when that is killed (the kernel sends it SIGKILL when its parent
goes: ``PR_SET_PDEATHSIG``). When the file ends or ffmpeg fails by itself, ``on_exit`` is called
once with its exit status and the last lines it wrote, so the broadcast can be closed.

    StreamFailed   ffmpeg could not start sending (no such file, bad input, port refused…)
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import signal
from collections import deque
from collections.abc import Awaitable, Callable

__all__ = ["OnExit", "StreamFailed", "Streamer", "ffmpeg_rtp_args"]

log = logging.getLogger("parta.streamer")

OnExit = Callable[[int, int, str], Awaitable[None]]  # (key, exit status, ffmpeg's last lines)
_PR_SET_PDEATHSIG = 1


class StreamFailed(Exception):
    def __init__(self, status: int | None, output: str) -> None:
        super().__init__(f"ffmpeg failed ({status}): {output[-500:]}")
        self.status, self.output = status, output


def _die_with_parent() -> None:
    """In the child before exec: SIGKILL when the server process goes (Linux)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def ffmpeg_rtp_args(ffmpeg: str, path: str, host: str, video_port: int,
                    audio_port: int | None) -> list[str]:
    """ffmpeg reading ``path`` at its own pace (``-re``) and sending VP8 video (payload type 96)
    and, when ``audio_port``, Opus sound (111) as RTP to ``host``."""
    argv = [ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "warning", "-nostats",
            "-progress", "pipe:1", "-stats_period", "1", "-re", "-i", path,
            "-map", "0:v:0", "-an", "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8",
            "-b:v", "800k", "-g", "50", "-pix_fmt", "yuv420p",
            "-vf", "scale='min(1280,iw)':-2", "-payload_type", "96", "-f", "rtp",
            f"rtp://{host}:{video_port}?pkt_size=1200"]
    if audio_port is not None:
        argv += ["-map", "0:a:0", "-vn", "-c:a", "libopus", "-ar", "48000", "-ac", "2",
                 "-b:a", "96k", "-payload_type", "111", "-f", "rtp",
                 f"rtp://{host}:{audio_port}?pkt_size=1200"]
    return argv


class _Run:
    __slots__ = ("lines", "on_exit", "proc", "stopping", "waiter")

    def __init__(self, proc: asyncio.subprocess.Process, on_exit: OnExit) -> None:
        self.proc, self.on_exit = proc, on_exit
        self.lines: deque[str] = deque(maxlen=20)
        self.stopping = False
        self.waiter: asyncio.Task[None] | None = None


class Streamer:
    """The ffmpeg runs of this process, by key (a broadcast's id)."""

    def __init__(self, *, start_seconds: float = 20.0, stop_seconds: float = 5.0) -> None:
        self.start_seconds = start_seconds  # to send its first progress report, or it failed
        self.stop_seconds = stop_seconds  # SIGTERM, then SIGKILL after this long
        self._runs: dict[int, _Run] = {}

    def running(self, key: int) -> bool:
        return key in self._runs

    def pids(self) -> list[int]:
        return [run.proc.pid for run in self._runs.values()]

    async def start(self, key: int, argv: list[str], on_exit: OnExit) -> int:
        """Start ``argv`` (an ffmpeg with ``-progress pipe:1``) for ``key`` and wait until it
        reports progress — it is sending — and return its pid; ``StreamFailed`` if it ended
        first or said nothing for ``start_seconds`` (nothing is left running).
        Precondition: no run for ``key``."""
        if key in self._runs:
            raise RuntimeError(f"a stream for {key} runs already")
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE, preexec_fn=_die_with_parent)
        except OSError as exc:
            raise StreamFailed(None, str(exc)) from exc
        run = _Run(proc, on_exit)
        self._runs[key] = run
        reading = asyncio.create_task(self._read(run), name=f"parta-stream-log-{key}")
        assert proc.stdout is not None
        try:
            first = await asyncio.wait_for(proc.stdout.readline(), self.start_seconds)
        except TimeoutError:
            first = b""  # silent too long: stopped below
        except BaseException:
            await self._end(run)
            self._runs.pop(key, None)
            reading.cancel()
            raise
        if first:
            run.waiter = asyncio.create_task(self._watch(key, run, reading, on_exit),
                                             name=f"parta-stream-{key}")
            return proc.pid
        await self._end(run)
        with contextlib.suppress(asyncio.CancelledError):
            await reading
        self._runs.pop(key, None)
        raise StreamFailed(proc.returncode, "\n".join(run.lines))

    async def _drain(self, run: _Run) -> None:
        """ffmpeg's progress reports, read and dropped (a full pipe would stop it)."""
        assert run.proc.stdout is not None
        while await run.proc.stdout.read(65536):
            pass

    async def _read(self, run: _Run) -> None:
        assert run.proc.stderr is not None
        async for line in run.proc.stderr:
            run.lines.append(line.decode(errors="replace").rstrip())

    async def _watch(self, key: int, run: _Run, reading: asyncio.Task[None],
                     on_exit: OnExit) -> None:
        await self._drain(run)
        status = await run.proc.wait()
        with contextlib.suppress(Exception):
            await reading
        if self._runs.get(key) is run:
            del self._runs[key]
        if run.stopping:
            return  # stopped on purpose: whoever stopped it cleans up
        log.info("stream %s ended by itself with status %s", key, status)
        try:
            await on_exit(key, status, "\n".join(run.lines))
        except Exception:
            log.exception("closing stream %s after its end failed", key)

    async def _end(self, run: _Run) -> None:
        run.stopping = True
        if run.proc.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            run.proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(asyncio.shield(run.proc.wait()), self.stop_seconds)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                run.proc.kill()
            await run.proc.wait()

    async def stop(self, key: int) -> bool:
        """Stop ``key``'s run (its ``on_exit`` is not called); False when none ran."""
        run = self._runs.pop(key, None)
        if run is None:
            return False
        await self._end(run)
        if run.waiter is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await run.waiter
        return True

    async def stop_all(self) -> None:
        """The server stops: every run is stopped, and its ``on_exit`` told so (status -15)."""

        async def one(key: int, run: _Run) -> None:
            await self.stop(key)
            try:
                await run.on_exit(key, -signal.SIGTERM, "the server stopped")
            except Exception:
                log.exception("closing stream %s as the server stops failed", key)

        await asyncio.gather(*(one(key, run) for key, run in list(self._runs.items())))
