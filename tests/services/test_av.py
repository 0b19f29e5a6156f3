"""Recordings copied by ffmpeg into a fresh file of the same format, without their metadata."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import pytest

from parta.services import av
from parta.services.media import FileType, Kind, sniff

SECRET = "Лицей 7, Маша"


def recording(suffix: str, *args: str) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"out{suffix}"
        subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", *args,
                        "-metadata", f"title={SECRET}", "-metadata", f"artist={SECRET}",
                        str(out)], check=True, timeout=120)
        return out.read_bytes()


TONE = ("-f", "lavfi", "-i", "sine=frequency=440:duration=1")
PICTURE = ("-f", "lavfi", "-i", "testsrc=duration=1:size=64x64:rate=10")


@pytest.mark.parametrize(("suffix", "args", "mime"), [
    (".wav", (*TONE,), "audio/wav"),
    (".flac", (*TONE,), "audio/flac"),
    (".ogg", (*TONE, "-c:a", "libvorbis"), "audio/ogg"),
    (".opus", (*TONE, "-c:a", "libopus"), "audio/ogg"),
    (".webm", (*PICTURE, "-c:v", "libvpx"), "video/webm"),
    (".mov", (*PICTURE, "-c:v", "libx264"), "video/quicktime"),
])
async def test_every_kind_of_recording_comes_out_clean_and_the_same_kind(
        suffix: str, args: tuple[str, ...], mime: str) -> None:
    data = recording(suffix, *args)
    assert SECRET.encode() in data
    ftype = sniff(data)
    assert ftype.mime == mime
    clean = await av.strip_metadata(data, ftype, timeout=60)
    assert SECRET.encode() not in clean
    assert sniff(clean) == ftype


async def test_without_ffmpeg_a_recording_is_refused_not_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    data = recording(".wav", *TONE)
    monkeypatch.setattr(av.shutil, "which", lambda name: None)
    with pytest.raises(av.CannotClean):
        await av.strip_metadata(data, sniff(data), timeout=60)


async def test_only_recordings_are_remuxed() -> None:
    with pytest.raises(av.CannotClean):
        await av.strip_metadata(b"%PDF-1.4", FileType(Kind.document, "application/pdf", "pdf"),
                                timeout=60)


def test_a_copy_that_kept_a_tag_is_refused() -> None:
    ffmpegs_own = {"format": {"duration": "1.0", "tags": {"major_brand": "isom", "encoder": "Lavf"}},
                   "streams": [{"tags": {"handler_name": "VideoHandler", "language": "und"}}]}
    av._check_clean(ffmpegs_own, 1)
    for leftover in ({"location": "+55.7558+037.6173/"}, {"encoder": "Lavf59.27.100"},
                     {"creation_time": "2026-09-01T08:30:00.000000Z"}):
        with pytest.raises(av.CannotClean):
            av._check_clean({"format": {"duration": "1.0", "tags": leftover},
                             "streams": [{}]}, 1)
    with pytest.raises(av.CannotClean):  # a stream went missing
        av._check_clean(ffmpegs_own, 2)
    with pytest.raises(av.CannotClean):  # nothing to play
        av._check_clean({"format": {"duration": "0"}, "streams": [{}]}, 1)
