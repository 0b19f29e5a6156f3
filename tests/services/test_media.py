"""What an upload really is, and photos of children that keep their pixels and nothing else."""

from __future__ import annotations

import io
import struct
import wave
import zipfile
import zlib
from types import SimpleNamespace

import pytest
from PIL import ExifTags, Image, ImageCms, PngImagePlugin

from parta.services.media import (
    DEFAULT_DECODE_BUDGET,
    DEFAULT_LIMITS,
    MAX_PIXELS,
    MB,
    THUMBNAIL_MIME,
    CorruptFile,
    FileType,
    Kind,
    TooLargeFile,
    TooLargeImage,
    UnsupportedType,
    check_size,
    decode_cost,
    limits_from_settings,
    max_upload_size,
    process_image,
    sniff,
)

RED, BLUE = (220, 20, 20), (20, 20, 220)


def _two_tone(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    """Left half red, right half blue: enough to tell which way a picture was turned."""
    im = Image.new(mode, size, RED)
    im.paste(BLUE, (size[0] // 2, 0, size[0], size[1]))
    return im


def _class_trip_photo() -> bytes:
    """A phone photo from the class trip: GPS position, camera make, orientation 6, ICC, XMP."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SchoolPhone"
    exif[ExifTags.Base.Orientation] = 6  # the camera was held sideways
    exif[ExifTags.Base.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (55.0, 45.0, 21.0),
        ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (37.0, 37.0, 4.0),
    }
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">Lyceum 7, Moscow</x:xmpmeta>'
    out = io.BytesIO()
    _two_tone((120, 80)).save(out, "JPEG", exif=exif, icc_profile=icc, xmp=xmp,
                              comment=b"Lyceum 7 trip")
    return out.getvalue()


def _png_claiming(width: int, height: int) -> bytes:
    """A PNG header that promises a picture of width × height (and holds no pixels)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk
            + struct.pack(">I", zlib.crc32(chunk)) + b"\x00\x00\x00\x00IEND\xaeB`\x82")


def _encode(im: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    im.save(out, fmt, **options)
    return out.getvalue()


# --- photos ----------------------------------------------------------------------------------


def test_a_class_trip_photo_loses_its_location_and_stands_upright() -> None:
    original = _class_trip_photo()
    with Image.open(io.BytesIO(original)) as before:  # the test photo really carries it all
        assert before.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert before.getexif()[ExifTags.Base.Orientation] == 6
        assert "icc_profile" in before.info

    clean = process_image(original)

    assert clean.mime == "image/jpeg"
    assert (clean.width, clean.height) == (80, 120)  # turned upright
    for trace in (b"Exif", b"SchoolPhone", b"xmpmeta", b"Lyceum", b"ICC_PROFILE"):
        assert trace not in clean.data
    with Image.open(io.BytesIO(clean.data)) as after:
        assert after.size == (80, 120)
        assert len(after.getexif()) == 0
        assert not after.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert not {"exif", "icc_profile", "xmp", "comment"} & set(after.info)
        # Orientation 6 means "turn 90° clockwise": the left (red) half is now on top.
        top, bottom = after.convert("RGB").getpixel((40, 15)), after.getpixel((40, 105))
        assert isinstance(top, tuple) and isinstance(bottom, tuple)
        assert top[0] > 150 and top[2] < 100
        assert bottom[2] > 150 and bottom[0] < 100


def test_a_transparent_png_stays_png_without_its_text_chunks() -> None:
    im = _two_tone((64, 64), "RGBA")
    im.paste((0, 0, 0, 0), (0, 0, 16, 16))  # a transparent corner
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "taken at 55.7558 N, 37.6173 E")
    clean = process_image(_encode(im, "PNG", pnginfo=info))

    assert clean.mime == "image/png"
    assert b"55.7558" not in clean.data and b"tEXt" not in clean.data
    with Image.open(io.BytesIO(clean.data)) as after:
        assert after.mode == "RGBA"
        assert after.getpixel((2, 2)) == (0, 0, 0, 0)
        assert after.getpixel((60, 60)) == (*BLUE, 255)


def test_an_opaque_png_screenshot_becomes_a_jpeg() -> None:
    clean = process_image(_encode(_two_tone((50, 30), "RGBA"), "PNG"))
    assert clean.mime == "image/jpeg"


def test_huge_photos_are_shrunk_and_get_a_small_thumbnail() -> None:
    clean = process_image(_encode(_two_tone((5200, 1300)), "JPEG"))
    assert (clean.width, clean.height) == (2560, 640)
    assert THUMBNAIL_MIME == "image/webp"
    with Image.open(io.BytesIO(clean.thumbnail)) as thumb:
        assert thumb.format == "WEBP"
        assert thumb.size == (320, 80)


def test_an_animated_gif_stays_animated() -> None:
    frames = [Image.new("RGB", (40, 30), colour) for colour in (RED, BLUE, RED)]
    data = _encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=80,
                   loop=0, comment=b"made in class 5A")
    clean = process_image(data)
    assert clean.mime == "image/gif"
    assert b"class 5A" not in clean.data
    with Image.open(io.BytesIO(clean.data)) as after:
        assert getattr(after, "n_frames", 1) == 3


def test_a_heic_photo_from_an_iphone_becomes_a_jpeg() -> None:
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    exif = Image.Exif()
    exif[ExifTags.Base.GPSInfo] = {ExifTags.GPS.GPSLatitudeRef: "N",
                                   ExifTags.GPS.GPSLatitude: (55.0, 45.0, 21.0)}
    try:
        data = _encode(_two_tone((64, 48)), "HEIF", exif=exif.tobytes())
    except (OSError, KeyError, ValueError) as exc:  # a libheif built without an encoder
        pytest.skip(f"cannot write HEIC here: {exc}")
    assert sniff(data) == FileType(Kind.photo, "image/heic", "heic")
    clean = process_image(data)
    assert clean.mime == "image/jpeg"
    assert b"Exif" not in clean.data


def test_a_truncated_jpeg_is_refused() -> None:
    whole = _encode(_two_tone((400, 300)), "JPEG")
    half = whole[: len(whole) // 2]
    assert sniff(half).mime == "image/jpeg"  # the magic bytes are fine…
    with pytest.raises(CorruptFile):  # …the picture is not
        process_image(half)


def test_a_decompression_bomb_is_refused_before_decoding() -> None:
    # The header promises the pixels; there are none to decode, so only the header was read.
    with pytest.raises(TooLargeImage):
        process_image(_png_claiming(100_000, 100_000))  # past Pillow's own guard too
    with pytest.raises(TooLargeImage) as refused:
        process_image(_png_claiming(5000, 5000), max_pixels=1_000_000)
    assert (refused.value.width, refused.value.height, refused.value.megapixels) == (5000, 5000, 25)
    assert Image.MAX_IMAGE_PIXELS == MAX_PIXELS  # Pillow warns only past our own limit


def test_a_small_png_promising_a_huge_picture_is_refused_by_the_memory_budget() -> None:
    # The probe's file: 10,900 × 10,900 RGB (118.8 Mpx, under the pixel limit), 4 bytes a
    # pixel once decoded: 475 MB, more than the default budget.
    with pytest.raises(TooLargeImage) as refused:
        process_image(_png_claiming(10_900, 10_900))
    assert refused.value.needed == 4 * 10_900 * 10_900
    assert refused.value.budget == DEFAULT_DECODE_BUDGET < refused.value.needed
    photo = _encode(_two_tone((1000, 500)), "PNG")
    with pytest.raises(TooLargeImage):
        process_image(photo, budget=1999 * 1000)
    assert process_image(photo, budget=2000 * 1000).width == 1000


def test_what_a_decode_costs_depends_on_the_mode() -> None:
    assert decode_cost("L", 100, 10) == 1000  # grey stays grey: a byte a pixel
    assert decode_cost("1", 100, 10) == 1000
    for mode in ("P", "RGB", "RGBA", "CMYK", "I;16", "I", "LA"):  # four bytes in Pillow
        assert decode_cost(mode, 100, 10) == 4000, mode
    assert decode_cost("RGB;16", 100, 10) == 8000  # 16-bit colour HEIC
    assert decode_cost("RGBA", 100, 10, frames=7) == 28000
    grey = _encode(Image.new("L", (1000, 1000), 128), "PNG")
    assert process_image(grey, budget=1_000_000).width == 1000


def test_a_big_jpeg_is_weighed_at_the_scale_it_is_decoded() -> None:
    # 5200 × 1300 would take 27 MB; JPEG decodes at half scale for a 2560 px result: 6.8 MB.
    photo = _encode(_two_tone((5200, 1300)), "JPEG")
    assert process_image(photo, budget=7 * MB).width == 2560
    with pytest.raises(TooLargeImage):
        process_image(photo, budget=6 * MB)


def test_an_animation_is_weighed_with_all_its_frames() -> None:
    frames = [Image.new("RGB", (40, 30), colour) for colour in (RED, BLUE, RED)]
    data = _encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=80)
    with pytest.raises(TooLargeImage) as refused:
        process_image(data, budget=3 * 40 * 30 * 4 - 1)
    assert refused.value.frames == 3
    assert process_image(data, budget=3 * 40 * 30 * 4).mime == "image/gif"


def test_a_heic_photo_is_weighed_before_it_is_decoded() -> None:
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    try:
        data = _encode(_two_tone((64, 48)), "HEIF")
    except (OSError, KeyError, ValueError) as exc:  # a libheif built without an encoder
        pytest.skip(f"cannot write HEIC here: {exc}")
    with pytest.raises(TooLargeImage):
        process_image(data, budget=64 * 48 * 4 - 1)
    assert process_image(data, budget=64 * 48 * 4).mime == "image/jpeg"


def test_a_pdf_is_not_an_image() -> None:
    with pytest.raises(UnsupportedType):
        process_image(b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n")


# --- sniffing --------------------------------------------------------------------------------


def test_a_pdf_named_jpg_is_a_document() -> None:
    name, data = "homework.jpg", b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
    assert name.endswith(".jpg")  # the name never reaches sniff()
    assert sniff(data) == FileType(Kind.document, "application/pdf", "pdf")


@pytest.mark.parametrize(("data", "reason"), [
    (b"\x7fELF\x02\x01\x01\x00" + bytes(56), "executable"),
    (b"MZ\x90\x00\x03\x00\x00\x00" + bytes(56), "executable"),
    (b"\xcf\xfa\xed\xfe" + bytes(28), "executable"),
    (b"#!/bin/sh\nrm -rf ~\n", "script"),
    (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "markup"),
    (b"\xef\xbb\xbf  \n<html><body onload=alert(1)>", "markup"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "markup"),
    (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', "markup"),
    (b"Dear parents,\n<script>steal()</script>", "markup"),
    (b"\x00\x01\x02\x03binary", "unknown"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64), "unknown"),  # legacy .doc with macros?
    (b"", "empty"),
])
def test_dangerous_or_unknown_files_are_refused(data: bytes, reason: str) -> None:
    with pytest.raises(UnsupportedType) as refused:
        sniff(data)
    assert refused.value.reason == reason


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_office_documents_are_told_apart_by_their_members() -> None:
    ct = b"<Types/>"
    assert sniff(_zip({"[Content_Types].xml": ct, "word/document.xml": b"<w/>"})) == FileType(
        Kind.document, DOCX_MIME, "docx")
    assert sniff(_zip({"[Content_Types].xml": ct, "xl/workbook.xml": b"<x/>"})).ext == "xlsx"
    assert sniff(_zip({"[Content_Types].xml": ct, "ppt/presentation.xml": b"<p/>"})).ext == "pptx"
    odt = sniff(_zip({"mimetype": b"application/vnd.oasis.opendocument.text",
                      "content.xml": b"<office/>"}))
    assert odt == FileType(Kind.document, "application/vnd.oasis.opendocument.text", "odt")
    assert sniff(_zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"})).ext == (
        "ods")


@pytest.mark.parametrize(("members", "reason"), [
    ({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>",
      "word/vbaProject.bin": b"macro"}, "macros"),
    ({"mimetype": b"application/vnd.oasis.opendocument.text", "Basic/Standard/Module1.xml":
      b"<macro/>"}, "macros"),
    ({"setup.exe": b"MZ", "readme.txt": b"hi"}, "archive"),
])
def test_archives_and_macro_documents_are_refused(members: dict[str, bytes], reason: str) -> None:
    with pytest.raises(UnsupportedType) as refused:
        sniff(_zip(members))
    assert refused.value.reason == reason


def test_a_broken_archive_is_corrupt() -> None:
    with pytest.raises(CorruptFile):
        sniff(b"PK\x03\x04" + bytes(40))


def _wav() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(bytes(1600))
    return out.getvalue()


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _mp4(major: bytes, handler: bytes) -> bytes:
    ftyp = _box(b"ftyp", major + b"\x00\x00\x02\x00" + major + b"isom")
    hdlr = _box(b"hdlr", bytes(8) + handler + bytes(12) + b"\x00")
    return ftyp + _box(b"moov", _box(b"trak", _box(b"mdia", hdlr)))


def _webm(codec: bytes) -> bytes:
    return (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm\x42\x87\x81\x04"
            + b"\x18\x53\x80\x67" + bytes(20) + b"\x86" + bytes([0x80 | len(codec)]) + codec)


@pytest.mark.parametrize(("data", "expected"), [
    (b"\xff\xd8\xff\xe0" + bytes(20), FileType(Kind.photo, "image/jpeg", "jpg")),
    (_encode(Image.new("RGB", (2, 2)), "PNG"), FileType(Kind.photo, "image/png", "png")),
    (_encode(Image.new("RGB", (2, 2)), "GIF"), FileType(Kind.photo, "image/gif", "gif")),
    (_encode(Image.new("RGB", (2, 2)), "WEBP"), FileType(Kind.photo, "image/webp", "webp")),
    (_wav(), FileType(Kind.audio, "audio/wav", "wav")),
    (b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(20), FileType(Kind.audio, "audio/mpeg", "mp3")),
    (b"\xff\xfb\x90\x64" + bytes(40), FileType(Kind.audio, "audio/mpeg", "mp3")),
    (b"OggS\x00\x02" + bytes(22) + b"OpusHead\x01\x01", FileType(Kind.audio, "audio/ogg", "opus")),
    (b"OggS\x00\x02" + bytes(22) + b"\x01vorbis", FileType(Kind.audio, "audio/ogg", "ogg")),
    (_mp4(b"M4A ", b"soun"), FileType(Kind.audio, "audio/mp4", "m4a")),
    (_mp4(b"isom", b"soun"), FileType(Kind.audio, "audio/mp4", "m4a")),
    (_mp4(b"isom", b"vide"), FileType(Kind.video, "video/mp4", "mp4")),
    (_mp4(b"mp42", b"vide"), FileType(Kind.video, "video/mp4", "mp4")),
    (_mp4(b"qt  ", b"vide"), FileType(Kind.video, "video/quicktime", "mov")),
    (_webm(b"V_VP9"), FileType(Kind.video, "video/webm", "webm")),
    (_webm(b"A_OPUS"), FileType(Kind.audio, "audio/webm", "webm")),  # a browser voice message
    ("Домашнее задание: §12, упр. 3\n".encode(),
     FileType(Kind.document, "text/plain; charset=utf-8", "txt")),
])
def test_real_types_are_recognised(data: bytes, expected: FileType) -> None:
    assert sniff(data) == expected


# --- limits ----------------------------------------------------------------------------------


def test_size_limits_per_kind() -> None:
    limits = {"photo": 10 * MB, "video": 100 * MB}
    check_size(Kind.photo, 10 * MB, limits)  # exactly at the limit is fine
    check_size("video", 99 * MB, limits)
    check_size(Kind.audio, 40 * MB, limits)  # not configured: the default applies
    with pytest.raises(TooLargeFile) as refused:
        check_size(Kind.photo, 10 * MB + 1, limits)
    assert (refused.value.kind, refused.value.limit) == (Kind.photo, 10 * MB)
    assert refused.value.size == 10 * MB + 1
    with pytest.raises(TooLargeFile):
        check_size("document", DEFAULT_LIMITS[Kind.document] + 1)


def test_limits_come_from_the_settings() -> None:
    limits = limits_from_settings(SimpleNamespace(attachment_max_video_mb=500,
                                                  attachment_max_photo_mb=5))
    assert limits["video"] == 500 * MB and limits["photo"] == 5 * MB
    assert limits["audio"] == DEFAULT_LIMITS[Kind.audio]
    assert max_upload_size(limits) == 500 * MB
