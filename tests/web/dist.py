"""A stand-in for the Vite build in `web/dist`: the same layout, a few small files."""

from __future__ import annotations

from pathlib import Path

INDEX = "<!doctype html><html><head><title>Shomik</title></head><body>fake index</body></html>\n"
# Over the 1 KiB gzip threshold and very compressible, as real bundles are.
BUNDLE = "export const greeting = 'hello';\n" * 400
SW = "self.addEventListener('install', () => self.skipWaiting());\n"
MANIFEST = '{"name": "Shomik", "start_url": "/"}\n'
ICON_SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>\n'
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)

FILES: dict[str, str | bytes] = {
    "index.html": INDEX,
    "assets/app-abc123.js": BUNDLE,
    "sw.js": SW,
    "manifest.webmanifest": MANIFEST,
    "favicon.svg": ICON_SVG,
    "icons/icon-192.png": PNG,
}


def write_dist(root: Path, files: dict[str, str | bytes] | None = None) -> Path:
    """Writes `files` (path inside the build: content) under `root`; returns `root`."""
    for name, content in (FILES if files is None else files).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return root
