"""Draw the PWA's icons (kasse/static/kasse/icons/*.png) with Pillow; run again after changing the design.

    .venv/bin/python scripts/make-icons.py

The icons are committed (a few kilobytes); the drawing is a till receipt with a "k" on the accent colour,
with the margins the maskable icon needs (the safe zone is the inner 80 %).
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

ACCENT = (11, 110, 79)  # --accent in backoffice.css
PAPER = (255, 255, 255)
INK = (29, 35, 42)
OUT = Path(__file__).resolve().parent.parent / "kasse" / "static" / "kasse" / "icons"


def draw(size: int, *, maskable: bool, rounded: bool) -> Image.Image:
    scale = 4  # draw large, shrink: smooth edges without anti-aliasing support in ImageDraw
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    if rounded and not maskable:
        pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=big // 5, fill=ACCENT)
    else:
        pen.rectangle((0, 0, big, big), fill=ACCENT)
    inset = 0.26 if maskable else 0.2
    left, top, right, bottom = big * inset, big * (inset - 0.02), big * (1 - inset), big * (1 - inset + 0.04)
    teeth = 6
    width = (right - left) / teeth
    outline = [(left, top), (right, top), (right, bottom)]
    for i in range(teeth):
        x = right - (i + 0.5) * width
        outline += [(x, bottom - width * 0.5), (x - width * 0.5, bottom)]
    outline += [(left, bottom)]
    pen.polygon(outline, fill=PAPER)
    stroke = max(scale, int(big * 0.035))
    for i, fraction in enumerate((0.18, 0.3, 0.42)):
        y = top + (bottom - top) * fraction
        pen.line((left + width * 0.6, y, right - width * (0.6 if i else 1.8), y), fill=INK, width=stroke)
    y = top + (bottom - top) * 0.62
    pen.line((left + width * 0.6, y, right - width * 0.6, y), fill=ACCENT, width=stroke * 2)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    draw(192, maskable=False, rounded=True).save(OUT / "icon-192.png", optimize=True)
    draw(512, maskable=False, rounded=True).save(OUT / "icon-512.png", optimize=True)
    draw(512, maskable=True, rounded=False).save(OUT / "maskable-512.png", optimize=True)
    draw(180, maskable=False, rounded=False).convert("RGB").save(OUT / "apple-touch-icon.png", optimize=True)
    draw(96, maskable=False, rounded=True).save(OUT / "badge-96.png", optimize=True)


if __name__ == "__main__":
    main()
