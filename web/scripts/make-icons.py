"""Draws the app icons (192, 512, maskable 512) and the favicon: our own artwork, no
downloads. Run with the project's venv: `.venv/bin/python web/scripts/make-icons.py`."""

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "public"
TOP, BOTTOM = (94, 181, 247), (43, 82, 120)


def draw(size: int, maskable: bool) -> Image.Image:
    scale = 4  # draw large, downsample: smooth edges without an antialiasing API
    s = size * scale
    img = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    grad = Image.new("RGBA", (s, s))
    px = grad.load()
    assert px is not None
    for y in range(s):
        t = y / (s - 1)
        c = tuple(round(a + (b - a) * t) for a, b in zip(TOP, BOTTOM, strict=True))
        for x in range(s):
            px[x, y] = (*c, 255)
    mask = Image.new("L", (s, s), 0)
    md = ImageDraw.Draw(mask)
    if maskable:
        md.rectangle((0, 0, s, s), fill=255)  # the platform cuts its own shape
    else:
        md.rounded_rectangle((0, 0, s - 1, s - 1), radius=s // 5, fill=255)
    img.paste(grad, (0, 0), mask)
    d = ImageDraw.Draw(img)
    # A speech bubble: inside the maskable safe zone (80 %) either way.
    pad = s * (0.27 if maskable else 0.2)
    box = (pad, pad, s - pad, s - pad * 1.25)
    d.rounded_rectangle(box, radius=(box[3] - box[1]) / 2.2, fill=(255, 255, 255, 255))
    tail_x = box[0] + (box[2] - box[0]) * 0.22
    d.polygon(
        [(tail_x, box[3] - s * 0.05), (tail_x - s * 0.06, box[3] + s * 0.1), (tail_x + s * 0.14, box[3] - s * 0.02)],
        fill=(255, 255, 255, 255),
    )
    # Three dots: someone is typing.
    cy = (box[1] + box[3]) / 2
    r = s * 0.035
    for i in (-1, 0, 1):
        cx = s / 2 + i * s * 0.12
        d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(*BOTTOM, 255))
    return img.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    (OUT / "icons").mkdir(parents=True, exist_ok=True)
    draw(192, False).save(OUT / "icons" / "icon-192.png", optimize=True)
    draw(512, False).save(OUT / "icons" / "icon-512.png", optimize=True)
    draw(512, True).save(OUT / "icons" / "icon-maskable-512.png", optimize=True)
    (OUT / "favicon.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">'
        '<defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1">'
        '<stop offset="0" stop-color="#5eb5f7"/><stop offset="1" stop-color="#2b5278"/>'
        "</linearGradient></defs>"
        '<rect width="64" height="64" rx="13" fill="url(#g)"/>'
        '<rect x="13" y="13" width="38" height="30" rx="14" fill="#fff"/>'
        '<path d="M20 41 L16 51 L28 43 Z" fill="#fff"/>'
        '<circle cx="24" cy="28" r="2.6" fill="#2b5278"/><circle cx="32" cy="28" r="2.6" fill="#2b5278"/>'
        '<circle cx="40" cy="28" r="2.6" fill="#2b5278"/></svg>\n'
    )


if __name__ == "__main__":
    main()
