"""Recordings without their metadata: ffmpeg copies the streams into a fresh container of the
same format and leaves behind where and when it was recorded (an MP4's ``©xyz`` location, a
creation time), titles, names, comments, chapters, cover art (a JPEG with its own EXIF) and
data tracks (a camera's GPS telemetry). Nothing is re-encoded.

    MediaError
    └── CannotClean      ffmpeg is missing, failed, ran out of time or left metadata behind

ffmpeg and ffprobe (Debian's ``ffmpeg`` package) run as subprocesses under a deadline and
resource limits, awaited without blocking the event loop; the file goes through a private
temporary directory (an MP4 can only be read and written seekable). What comes out is probed
again: a recording that still carries a tag ffmpeg does not write itself is refused, never
stored.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any

from parta.services.media import FileType, Kind, MediaError

__all__ = ["CannotClean", "available", "strip_metadata"]

log = logging.getLogger("parta.av")

MB = 1024 * 1024
MEMORY_LIMIT = 1024 * MB  # address space of one ffmpeg: a remux needs far less
OPEN_FILES_LIMIT = 64
CPU_SECONDS_MIN = 10

# The canonical extension of a recording's type: (ffmpeg's demuxer, its muxer).
_FORMATS: dict[str, tuple[str, str]] = {
    "mp4": ("mov", "mp4"), "mov": ("mov", "mov"), "3gp": ("mov", "3gp"),
    "m4a": ("mov", "mp4"), "webm": ("matroska", "webm"), "ogv": ("ogg", "ogg"),
    "ogg": ("ogg", "ogg"), "opus": ("ogg", "ogg"), "mp3": ("mp3", "mp3"),
    "flac": ("flac", "flac"), "wav": ("wav", "wav"),
}
_FASTSTART = {"mp4", "mov", "3gp"}  # the index first: a browser plays while it downloads
# Tags the muxers write themselves (brands, track handlers, languages, Matroska durations).
# Anything else in the output came from the recording and was not stripped.
_OWN_TAGS = frozenset({"major_brand", "minor_version", "compatible_brands", "handler_name",
                       "vendor_id", "language", "duration", "encoder"})
_OWN_ENCODER = "Lavf"  # with +bitexact the muxer's name without a version, or nothing


class CannotClean(MediaError):
    """The recording could not be copied without its metadata: it must not be stored."""


def available() -> bool:
    return bool(shutil.which("ffmpeg") and shutil.which("ffprobe"))


async def strip_metadata(data: bytes, ftype: FileType, *, timeout: float) -> bytes:
    """``data`` (audio or video of type ``ftype``, as :func:`media.sniff` found it) copied
    into a new file of the same format with its audio, video and subtitle streams only and no
    metadata. Takes at most ``timeout`` seconds in all."""
    if ftype.kind not in (Kind.audio, Kind.video) or ftype.ext not in _FORMATS:
        raise CannotClean(f"{ftype.mime} is not a recording ffmpeg copies")
    ffmpeg, ffprobe = shutil.which("ffmpeg"), shutil.which("ffprobe")
    if not ffmpeg or not ffprobe:
        log.error("ffmpeg is not installed: audio and video uploads are refused")
        raise CannotClean("ffmpeg is not installed")
    demuxer, muxer = _FORMATS[ftype.ext]
    deadline = asyncio.get_running_loop().time() + timeout
    workdir = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="parta-av-"))
    try:
        source, target = workdir / "in", workdir / f"out.{ftype.ext}"
        await asyncio.to_thread(source.write_bytes, data)
        limits = _limits(len(data), timeout)
        found = await _probe(ffprobe, source, demuxer, limits, deadline)
        keep = [s for s in found.get("streams", []) if _worth_keeping(s)]
        if not any(s.get("codec_type") in ("audio", "video") for s in keep):
            raise CannotClean("no audio or video stream to keep")
        args = [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error",
                "-protocol_whitelist", "file", "-f", demuxer, "-i", str(source)]
        for stream in keep:
            args += ["-map", f"0:{int(stream['index'])}"]
        args += ["-map_metadata", "-1", "-map_chapters", "-1", "-c", "copy",
                 "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact"]
        if muxer in _FASTSTART:
            args += ["-movflags", "+faststart"]
        args += ["-f", muxer, "-y", str(target)]
        await _run(args, limits, deadline)
        _check_clean(await _probe(ffprobe, target, demuxer, limits, deadline), len(keep))
        return await asyncio.to_thread(target.read_bytes)
    finally:
        await asyncio.to_thread(shutil.rmtree, workdir, True)


def _worth_keeping(stream: dict[str, Any]) -> bool:
    """Pictures and sound and their subtitles; not cover art (a picture with its own EXIF),
    data tracks (GPS telemetry, timecodes) or attached files."""
    if stream.get("disposition", {}).get("attached_pic"):
        return False
    return stream.get("codec_type") in ("video", "audio", "subtitle")


def _check_clean(found: dict[str, Any], streams: int) -> None:
    fmt = found.get("format", {})
    if len(found.get("streams", [])) != streams:
        raise CannotClean("the copy lost or gained a stream")
    try:
        duration = float(fmt.get("duration", 0))
    except ValueError:
        duration = 0.0
    if duration <= 0:
        raise CannotClean("the copy has no duration")
    for tags in [fmt.get("tags", {})] + [s.get("tags", {}) for s in found.get("streams", [])]:
        for name, value in tags.items():
            key = name.lower()
            if key not in _OWN_TAGS or key == "encoder" and value != _OWN_ENCODER:
                raise CannotClean(f"the copy still carries the tag {name!r}")


def _limits(size: int, timeout: float) -> list[str]:
    """prlimit's options for one ffmpeg run: memory, processor time, files and file size."""
    cpu = max(int(timeout), CPU_SECONDS_MIN)
    return [f"--as={MEMORY_LIMIT}", f"--cpu={cpu}", f"--nofile={OPEN_FILES_LIMIT}",
            f"--fsize={2 * size + 16 * MB}"]


async def _probe(ffprobe: str, path: Path, demuxer: str, limits: list[str],
                 deadline: float) -> dict[str, Any]:
    out = await _run([ffprobe, "-hide_banner", "-loglevel", "error", "-protocol_whitelist",
                      "file", "-f", demuxer, "-show_format", "-show_streams", "-of", "json",
                      str(path)], limits, deadline)
    try:
        found = json.loads(out)
    except ValueError as exc:
        raise CannotClean("ffprobe said nothing readable") from exc
    if not isinstance(found, dict):
        raise CannotClean("ffprobe said nothing readable")
    return found


async def _run(args: list[str], limits: list[str], deadline: float) -> bytes:
    """Run a command under ``prlimit`` (util-linux) until ``deadline``; its standard output."""
    prlimit = shutil.which("prlimit")
    if prlimit:
        args = [prlimit, *limits, "--", *args]
    proc = await asyncio.create_subprocess_exec(
        *args, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    try:
        remaining = deadline - asyncio.get_running_loop().time()
        out, err = await asyncio.wait_for(proc.communicate(), max(remaining, 0.001))
    except TimeoutError:
        raise CannotClean(f"{Path(args[0]).name} ran out of time") from None
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    if proc.returncode != 0:
        raise CannotClean(f"{Path(args[-1]).name}: {err.decode('utf-8', 'replace')[-500:]}")
    return out
