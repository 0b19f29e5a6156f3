"""What an uploaded file really is, and photos made safe to share.

    MediaError (ValueError)
    ├── UnsupportedType      not a kind we accept: executable, script, HTML/SVG, macro
    │   │                    document, unknown bytes (.reason)
    │   └── CorruptFile      claims to be a type we accept but cannot be read
    ├── TooLargeFile         bigger than the limit for its kind (.kind, .limit, .size)
    └── TooLargeImage        too many pixels, or more memory to decode than the budget allows

The type comes from the bytes, never from the name or the browser's Content-Type, and the
canonical extension of :class:`FileType` is the one to put in a download's file name.
Photos are decoded and re-encoded so that nothing of the original file but its pixels
survives: no EXIF (children's photos must not carry a location), XMP, ICC or comments.
Decoding is CPU-bound: call :func:`process_image` through ``asyncio.to_thread``. A small
file may promise a huge picture (a 347 KB PNG of 10,900 × 10,900 pixels needs over a gigabyte
to decode and convert), so the header is read first and the picture is refused when decoding
it would take more memory than ``budget`` bytes — before a single pixel is decoded.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from PIL import Image, ImageCms, ImageOps, ImageSequence

try:  # HEIC (iPhone photos) only where the pillow-heif wheel is installed.
    from pillow_heif import register_heif_opener

    register_heif_opener()
except ImportError:  # pragma: no cover - depends on the installation
    pass

__all__ = [
    "DEFAULT_DECODE_BUDGET",
    "DEFAULT_LIMITS",
    "MAX_PIXELS",
    "THUMBNAIL_MIME",
    "CleanImage",
    "CorruptFile",
    "FileType",
    "Kind",
    "MediaError",
    "TooLargeFile",
    "TooLargeImage",
    "UnsupportedType",
    "check_size",
    "decode_cost",
    "limits_from_settings",
    "max_upload_size",
    "process_image",
    "sniff",
]

MB = 1024 * 1024
MAX_SIDE = 2560  # a shared photo is for looking at, not printing
THUMBNAIL_SIDE = 320
THUMBNAIL_MIME = "image/webp"
MAX_PIXELS = 120_000_000  # a 108-megapixel phone photo still passes (JPEG decodes scaled)
# Bytes a decode may take (see decode_cost): a 48-megapixel HEIC from a phone (186 MB) passes.
DEFAULT_DECODE_BUDGET = 192 * MB
JPEG_QUALITY = 85

# Pillow's own guard agrees with ours: it warns only past our limit and refuses at twice it.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


class Kind(StrEnum):
    photo = "photo"
    audio = "audio"
    video = "video"
    document = "document"


DEFAULT_LIMITS: Mapping[str, int] = {
    Kind.photo: 20 * MB, Kind.audio: 50 * MB, Kind.video: 200 * MB, Kind.document: 50 * MB,
}


class MediaError(ValueError):
    pass


class UnsupportedType(MediaError):
    def __init__(self, message: str, reason: str = "unknown") -> None:
        super().__init__(message)
        self.reason = reason


class CorruptFile(UnsupportedType):
    def __init__(self, message: str) -> None:
        super().__init__(message, "corrupt")


class TooLargeFile(MediaError):
    def __init__(self, kind: Kind | str, limit: int, size: int | None = None) -> None:
        super().__init__(f"{kind} files may be at most {limit} bytes")
        self.kind = Kind(kind)
        self.limit = limit
        self.size = size


class TooLargeImage(MediaError):
    """Decoding would take ``needed`` bytes of ``budget`` (0: unknown, past Pillow's guard)."""

    def __init__(self, width: int, height: int, frames: int, needed: int, budget: int) -> None:
        super().__init__(f"a {width}×{height} image of {frames} frame(s) needs {needed} bytes "
                         f"to decode, more than {budget}")
        self.width, self.height, self.frames = width, height, frames
        self.needed, self.budget = needed, budget

    @property
    def megapixels(self) -> float:
        return round(self.width * self.height * self.frames / 1_000_000, 1)


@dataclass(frozen=True, slots=True)
class FileType:
    kind: Kind
    mime: str
    ext: str


class CleanImage(NamedTuple):
    data: bytes
    mime: str
    width: int
    height: int
    thumbnail: bytes  # THUMBNAIL_MIME


# --- sizes -----------------------------------------------------------------------------------


def check_size(kind: Kind | str, size: int, limits: Mapping[str, int] = DEFAULT_LIMITS) -> None:
    limit = limits.get(Kind(kind), DEFAULT_LIMITS[Kind(kind)])
    if size > limit:
        raise TooLargeFile(kind, limit, size)


def max_upload_size(limits: Mapping[str, int] = DEFAULT_LIMITS) -> int:
    """The most any upload may be before its kind is known: where to cut off a stream."""
    return max(limits.get(kind, DEFAULT_LIMITS[kind]) for kind in Kind)


def limits_from_settings(settings: object) -> dict[str, int]:
    """Bytes per kind from ``attachment_max_<kind>_mb`` settings, defaults where unset."""
    limits = {}
    for kind in Kind:
        mb = getattr(settings, f"attachment_max_{kind}_mb", None)
        limits[kind.value] = int(mb * MB) if mb else DEFAULT_LIMITS[kind]
    return limits


# --- sniffing --------------------------------------------------------------------------------

_EXECUTABLES = (
    (b"\x7fELF", "executable"),
    (b"MZ", "executable"),  # Windows PE, DOS
    (b"\xfe\xed\xfa\xce", "executable"), (b"\xfe\xed\xfa\xcf", "executable"),  # Mach-O
    (b"\xce\xfa\xed\xfe", "executable"), (b"\xcf\xfa\xed\xfe", "executable"),
    (b"\xca\xfe\xba\xbe", "executable"),  # Mach-O universal, Java class
    (b"\x00asm", "executable"),  # WebAssembly
    (b"#!", "script"),
)
_MARKUP = re.compile(rb"<\s*(?:!doctype|html|head|body|script|svg|iframe|object|embed|\?xml)",
                     re.IGNORECASE)
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1",
                b"msf1"}
_AVIF_BRANDS = {b"avif", b"avis"}
_M4A_BRANDS = {b"M4A ", b"M4B ", b"F4A "}
_3GP_BRANDS = {b"3gp4", b"3gp5", b"3gp6", b"3gp7", b"3g2a", b"3g2b", b"3g2c"}
_WEBM_VIDEO = re.compile(rb"V_VP8|V_VP9|V_AV1|V_MPEG4|V_MPEGH|V_THEORA")
_ODF = {"odt": "text", "ods": "spreadsheet", "odp": "presentation"}
_OOXML = {
    "word/": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "xl/": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "ppt/": ("application/vnd.openxmlformats-officedocument.presentationml.presentation",
             "pptx"),
}


def _image_formats() -> list[str]:
    Image.init()
    return [f for f in ("JPEG", "PNG", "GIF", "WEBP", "HEIF", "AVIF") if f in Image.OPEN]


def sniff(data: bytes) -> FileType:
    """The real type of ``data`` (the whole file: office documents are read as archives)."""
    if not data:
        raise UnsupportedType("the file is empty", "empty")
    for magic, reason in _EXECUTABLES:
        if data.startswith(magic):
            raise UnsupportedType(f"{reason} files are not accepted", reason)
    head = data[:16]
    if head.startswith(b"\xff\xd8\xff"):
        return FileType(Kind.photo, "image/jpeg", "jpg")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return FileType(Kind.photo, "image/png", "png")
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return FileType(Kind.photo, "image/gif", "gif")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return FileType(Kind.photo, "image/webp", "webp")
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return FileType(Kind.audio, "audio/wav", "wav")
    if head[4:8] == b"ftyp":
        return _sniff_iso_media(data)
    if head.startswith(b"%PDF-"):
        return FileType(Kind.document, "application/pdf", "pdf")
    if head.startswith(b"PK\x03\x04"):
        return _sniff_zip(data)
    if head.startswith(b"OggS"):
        return _sniff_ogg(data)
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return _sniff_ebml(data)
    if head.startswith(b"fLaC"):
        return FileType(Kind.audio, "audio/flac", "flac")
    if head.startswith(b"ID3") or _is_mp3_frame(head):
        return FileType(Kind.audio, "audio/mpeg", "mp3")
    return _sniff_text(data)


def _is_mp3_frame(head: bytes) -> bool:
    # Frame sync (11 bits), a known MPEG version, layer III.
    return (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0
            and (head[1] >> 3) & 3 != 1 and (head[1] >> 1) & 3 == 1)


def _sniff_iso_media(data: bytes) -> FileType:
    box = int.from_bytes(data[:4], "big")
    major = data[8:12]
    brands = {major} | {data[i:i + 4] for i in range(16, min(box, 256), 4)}
    if major in _AVIF_BRANDS or major in _HEIF_BRANDS:
        avif = major in _AVIF_BRANDS or bool(brands & _AVIF_BRANDS)
        fmt = "AVIF" if avif else "HEIF"
        if fmt not in _image_formats():
            raise UnsupportedType(f"{fmt} photos cannot be read on this server", "heic")
        return (FileType(Kind.photo, "image/avif", "avif") if avif
                else FileType(Kind.photo, "image/heic", "heic"))
    if major in _M4A_BRANDS:
        return FileType(Kind.audio, "audio/mp4", "m4a")
    if major == b"qt  ":
        return FileType(Kind.video, "video/quicktime", "mov")
    if major in _3GP_BRANDS:
        return FileType(Kind.video, "video/3gpp", "3gp")
    # A handler box says what the tracks are: "vide" for pictures, "soun" for sound.
    if re.search(rb"hdlr.{8}vide", data, re.DOTALL) or not re.search(rb"hdlr.{8}soun", data,
                                                                        re.DOTALL):
        return FileType(Kind.video, "video/mp4", "mp4")
    return FileType(Kind.audio, "audio/mp4", "m4a")


def _sniff_zip(data: bytes) -> FileType:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
        if "mimetype" in names:  # OpenDocument
            with archive.open("mimetype") as f:
                mime = f.read(100).strip().decode("ascii", "replace")
            for ext, flavour in _ODF.items():
                if mime == f"application/vnd.oasis.opendocument.{flavour}":
                    if any(n.startswith(("Basic/", "Scripts/")) for n in names):
                        raise UnsupportedType("documents with macros are not accepted", "macros")
                    return FileType(Kind.document, mime, ext)
        if "[Content_Types].xml" in names:
            if any(n.lower().endswith("vbaproject.bin") for n in names):
                raise UnsupportedType("documents with macros are not accepted", "macros")
            for prefix, (mime, ext) in _OOXML.items():
                if any(n.startswith(prefix) for n in names):
                    return FileType(Kind.document, mime, ext)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, KeyError) as exc:
        raise CorruptFile(f"the archive cannot be read: {exc}") from exc
    raise UnsupportedType("archives are not accepted", "archive")


def _sniff_ogg(data: bytes) -> FileType:
    codec = data[28:36]
    if codec.startswith(b"\x80theora"):
        return FileType(Kind.video, "video/ogg", "ogv")
    if codec.startswith(b"OpusHead"):
        return FileType(Kind.audio, "audio/ogg", "opus")
    if codec.startswith((b"\x01vorbis", b"\x7fFLAC", b"Speex")):
        return FileType(Kind.audio, "audio/ogg", "ogg")
    raise UnsupportedType("unknown Ogg stream", "unknown")


def _sniff_ebml(data: bytes) -> FileType:
    if b"webm" not in data[:64]:
        raise UnsupportedType("only the WebM flavour of Matroska is accepted", "unknown")
    # Browsers record voice messages as audio-only WebM: look for a video codec.
    if _WEBM_VIDEO.search(data[: 1 * MB]):
        return FileType(Kind.video, "video/webm", "webm")
    return FileType(Kind.audio, "audio/webm", "webm")


def _sniff_text(data: bytes) -> FileType:
    if b"\x00" in data:
        raise UnsupportedType("unknown binary file", "unknown")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnsupportedType("unknown binary file", "unknown") from None
    # HTML and SVG can carry script; a browser may sniff a leading tag even in "text".
    if text.lstrip().startswith("<") or _MARKUP.search(data[:4096]):
        raise UnsupportedType("HTML, SVG and XML files are not accepted", "markup")
    return FileType(Kind.document, "text/plain; charset=utf-8", "txt")


# --- photos ----------------------------------------------------------------------------------


def decode_cost(mode: str, width: int, height: int, frames: int = 1) -> int:
    """Bytes the pixels take while a picture is decoded and worked on. Pillow keeps grey
    pictures in a byte per pixel and everything else (RGB too) in four; palette and 16-bit
    grey pictures are turned into RGB or 32-bit grey on the way, and 16-bit colour (some HEIC)
    takes eight. Each frame of an animation is kept."""
    if mode in ("1", "L"):
        per_pixel = 1
    elif mode.endswith(";16") and mode[:1] in ("R", "B"):  # RGB;16, RGBA;16, BGR;16 …
        per_pixel = 8
    else:
        per_pixel = 4
    return per_pixel * width * height * max(frames, 1)


def process_image(
    data: bytes,
    *,
    max_side: int = MAX_SIDE,
    thumbnail_side: int = THUMBNAIL_SIDE,
    max_pixels: int = MAX_PIXELS,
    budget: int = DEFAULT_DECODE_BUDGET,
) -> CleanImage:
    """Decode, turn upright, drop all metadata, shrink to ``max_side`` and re-encode: JPEG,
    or PNG where transparency is used; animated GIF/WebP stay animated in their format.
    Raises :class:`TooLargeImage` from the header alone when the picture has more than
    ``max_pixels`` or would take more than ``budget`` bytes to decode (:func:`decode_cost`)."""
    try:
        # Opening reads the header only: the size, mode and format are known, no pixels yet.
        im = Image.open(io.BytesIO(data), formats=_image_formats())
        width, height = im.size
        if width * height > max_pixels:
            raise TooLargeImage(width, height, 1, decode_cost(im.mode, width, height), budget)
        frames = getattr(im, "n_frames", 1) if im.format in ("GIF", "WEBP") else 1
        if frames > 1:
            needed = decode_cost("RGBA", width, height, frames)  # every frame, as RGBA
            if needed > budget:
                raise TooLargeImage(width, height, frames, needed, budget)
            return _animation(im, max_side, thumbnail_side)
        if im.format == "JPEG" and max(width, height) > max_side:
            # Decode at 1/2, 1/4 or 1/8 scale, as long as the result still fills max_side.
            scale = max_side / max(width, height)
            im.draft("RGB", (math.ceil(width * scale), math.ceil(height * scale)))
        needed = decode_cost(im.mode, im.width, im.height)
        if needed > budget:
            raise TooLargeImage(width, height, 1, needed, budget)
        im.load()
        return _still(im, max_side, thumbnail_side)
    except MediaError:
        raise
    except Image.DecompressionBombError as exc:  # Pillow's guard, at twice MAX_PIXELS
        raise TooLargeImage(0, 0, 1, 0, budget) from exc
    except Image.UnidentifiedImageError as exc:
        raise UnsupportedType("not an image we can read", "unknown") from exc
    except MemoryError as exc:
        raise TooLargeImage(0, 0, 1, 0, budget) from exc
    except Exception as exc:  # hostile input: any decoder failure means "cannot be read"
        raise CorruptFile(f"the image cannot be read: {exc}") from exc


def _still(im: Image.Image, max_side: int, thumbnail_side: int) -> CleanImage:
    icc = im.info.get("icc_profile")
    im = ImageOps.exif_transpose(im)
    if icc:
        im = _to_srgb(im, icc)
    if im.mode == "I" or im.mode.startswith("I;16"):  # 16-bit grey: scale, don't clip
        im = im.convert("I").point(lambda v: v / 256).convert("L")
    has_alpha = im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info
    if has_alpha:
        im = im.convert("RGBA")
        alpha_low = im.getchannel("A").getextrema()[0]  # opaque RGBA is common: drop it
        has_alpha = isinstance(alpha_low, int | float) and alpha_low < 255
    im = im.convert(("RGBA" if has_alpha else "RGB") if im.mode not in ("L", "1")
                    else "L")
    if max(im.size) > max_side:
        im.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    im.info = {}  # nothing of the original file's metadata may reach the encoder
    out = io.BytesIO()
    if has_alpha:
        im.save(out, "PNG")
        mime = "image/png"
    else:
        im.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
        mime = "image/jpeg"
    return CleanImage(out.getvalue(), mime, im.width, im.height, _thumbnail(im, thumbnail_side))


def _to_srgb(im: Image.Image, icc: bytes) -> Image.Image:
    # Phones shoot in wide-gamut profiles (Display P3); without the profile colours would fade,
    # so the pixels are converted to sRGB before the profile is dropped.
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(im, source, ImageCms.createProfile("sRGB"),
                                              outputMode="RGBA" if im.mode == "RGBA" else "RGB")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return im
    return converted if converted is not None else im


def _thumbnail(im: Image.Image, side: int) -> bytes:
    thumb = im.copy()
    thumb.thumbnail((side, side), Image.Resampling.LANCZOS)
    thumb.info = {}
    out = io.BytesIO()
    thumb.save(out, "WEBP", quality=75, method=4)
    return out.getvalue()


def _animation(im: Image.Image, max_side: int, thumbnail_side: int) -> CleanImage:
    fmt = im.format or "GIF"
    loop = im.info.get("loop", 0)
    frames: list[Image.Image] = []
    durations: list[int] = []
    scale = min(1.0, max_side / max(im.size))
    size = (max(1, round(im.width * scale)), max(1, round(im.height * scale)))
    for frame in ImageSequence.Iterator(im):
        durations.append(int(frame.info.get("duration", 100)))
        rgba = frame.convert("RGBA")
        if scale < 1:
            rgba = rgba.resize(size, Image.Resampling.LANCZOS)
        rgba.info = {}  # GIF comments and XMP would otherwise be written back
        frames.append(rgba)
    out = io.BytesIO()
    options: dict[str, object] = {"save_all": True, "append_images": frames[1:],
                                  "duration": durations, "loop": loop}
    if fmt == "GIF":
        options["disposal"] = 2
    else:
        options["quality"] = 80
    frames[0].save(out, fmt, **options)
    mime = "image/gif" if fmt == "GIF" else "image/webp"
    return CleanImage(out.getvalue(), mime, size[0], size[1],
                      _thumbnail(frames[0], thumbnail_side))
