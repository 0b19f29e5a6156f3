"""Draw the app's icons: one geometry (a school desk with an open book on it, on the accent
colour) written as SVG and rendered to PNG with Pillow at the sizes the manifest lists.

    python scripts/make_icons.py        # writes parta/web/icons/

Run again after changing the geometry; the PNGs are committed (the server has no build step).
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "parta" / "web" / "icons"
ACCENT = (0x0F, 0x76, 0x6E)  # --accent in css/base.css
WHITE = (255, 255, 255)
GRID = 32  # the shapes below are on a 32-unit grid, like the favicon in index.html

# The desk: its top and two legs; the book: two pages meeting at the spine.
RECTS = [(7, 13, 25, 16), (9, 16, 12, 25), (20, 16, 23, 25)]
BOOK = [[(8.5, 7.5), (15.5, 9), (15.5, 12), (8.5, 11.5)],
        [(16.5, 9), (23.5, 7.5), (23.5, 11.5), (16.5, 12)]]


def svg() -> str:
    shapes = [f'<rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" fill="#fff"/>'
              for x0, y0, x1, y1 in RECTS]
    shapes += ['<polygon points="' + " ".join(f"{x},{y}" for x, y in page) + '" fill="#fff"/>'
               for page in BOOK]
    return ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
            '<rect width="32" height="32" rx="7" fill="#0f766e"/>' + "".join(shapes) + "</svg>\n")


def png(size: int, *, maskable: bool = False, badge: bool = False) -> Image.Image:
    """Drawn 4× larger and scaled down, for smooth edges. A maskable icon fills the square
    and keeps the drawing inside the central 80 % that every mask shows. A badge (the small
    monochrome mark in a phone's status bar) is the drawing alone."""
    big = size * 4
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if badge:
        scale, offset = big / GRID, 0.0
    elif maskable:
        draw.rectangle((0, 0, big, big), fill=ACCENT)
        scale, offset = big * 0.72 / GRID, big * 0.14
    else:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 7 / GRID, fill=ACCENT)
        scale, offset = big / GRID, 0.0

    def at(x: float, y: float) -> tuple[float, float]:
        return offset + x * scale, offset + y * scale

    for x0, y0, x1, y1 in RECTS:
        draw.rectangle((*at(x0, y0), *at(x1, y1)), fill=WHITE)
    for page in BOOK:
        draw.polygon([at(x, y) for x, y in page], fill=WHITE)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "icon.svg").write_text(svg(), encoding="utf-8")
    for size in (192, 512):
        png(size).save(OUT / f"icon-{size}.png", optimize=True)
    png(512, maskable=True).save(OUT / "maskable-512.png", optimize=True)
    png(180, maskable=True).convert("RGB").save(OUT / "apple-touch-icon.png", optimize=True)
    png(96, badge=True).save(OUT / "badge-96.png", optimize=True)


if __name__ == "__main__":
    main()
