"""Files for the upload tests, made on the spot: real images from Pillow, hand-built ones where
Pillow refuses to write what an attacker would (bombs, truncations)."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from PIL import ExifTags, Image

GPS_LATITUDE = (52.0, 31.0, 12.345)  # somewhere in Berlin
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description>secret-xmp</rdf:Description>'
COMMENT = b"secret-comment"


def image(fmt: str, size: tuple[int, int] = (64, 48), mode: str = "RGB", **save: object) -> bytes:
    img = Image.new(mode, size)
    if mode in ("RGB", "RGBA"):
        img.paste(
            (200, 30, 30) if mode == "RGB" else (200, 30, 30, 128), (0, 0, size[0] // 2, size[1])
        )
    out = io.BytesIO()
    img.save(out, format=fmt, **save)
    return out.getvalue()


def exif(orientation: int | None = None) -> Image.Exif:
    data = Image.Exif()
    data[ExifTags.Base.Make] = "SecretCam"
    data[ExifTags.Base.Model] = "Model 7"
    if orientation is not None:
        data[ExifTags.Base.Orientation] = orientation
    data[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: GPS_LATITUDE,
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (13.0, 24.0, 36.0),
    }
    return data


def jpeg_with_metadata(size: tuple[int, int] = (64, 48), orientation: int | None = None) -> bytes:
    return image("JPEG", size, exif=exif(orientation), comment=COMMENT, xmp=XMP)


def png_with_metadata() -> bytes:
    from PIL.PngImagePlugin import PngInfo

    text = PngInfo()
    text.add_text("Comment", COMMENT.decode())
    text.add_itxt("XML:com.adobe.xmp", XMP.decode())
    return image("PNG", exif=exif(), pnginfo=text)


def webp_with_metadata() -> bytes:
    return image("WEBP", exif=exif(), xmp=XMP)


def animated(fmt: str, durations: tuple[int, ...] = (100, 250, 400)) -> bytes:
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0)]
    frames = [Image.new("RGB", (40, 30), colours[i % 4]) for i in range(len(durations))]
    out = io.BytesIO()
    extra: dict[str, object] = {"comment": COMMENT} if fmt == "GIF" else {}
    frames[0].save(
        out,
        format=fmt,
        save_all=True,
        append_images=frames[1:],
        duration=list(durations),
        loop=0,
        **extra,
    )
    return out.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int, rows: int = 1) -> bytes:
    """A 1-bit greyscale PNG header of any size, with `rows` rows of real pixel data: a few
    kilobytes that would decode to gigabytes."""
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    raw = (b"\x00" + b"\x00" * ((width + 7) // 8)) * rows
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", zlib.compress(raw, 9))
        + _png_chunk(b"IEND", b"")
    )


def gif_with_frames(canvas: tuple[int, int], frames: int) -> bytes:
    """A big logical screen with many 1x1 frames: tiny on disk, every frame decoded whole."""
    one = io.BytesIO()
    Image.new("P", (1, 1)).save(one, format="GIF")
    data = one.getvalue()
    start = data.index(b"\x2c")  # the image descriptor
    frame = data[start:-1]  # up to the trailer
    header = bytearray(data[:start])
    header[6:10] = struct.pack("<HH", *canvas)
    netscape = b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"
    delay = b"\x21\xf9\x04\x00\x0a\x00\x00\x00"
    return bytes(header) + netscape + (delay + frame) * frames + b"\x3b"


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def noisy(fmt: str, size: tuple[int, int] = (200, 150)) -> bytes:
    """Pixels that do not compress, so that half the file is half the image data."""
    img = Image.frombytes(
        "RGB", size, bytes((i * 7919) % 251 for i in range(size[0] * size[1] * 3))
    )
    out = io.BytesIO()
    img.save(out, format=fmt)
    return out.getvalue()


PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        z.writestr("word/document.xml", "<w:document><w:body>hello</w:body></w:document>")
    return out.getvalue()


def zip_archive() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("payload.exe", b"MZ" + b"\x00" * 100)
    return out.getvalue()


OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def doc() -> bytes:
    """Word 97: the OLE2 container with the Word header (FIB magic) in its first sector."""
    return OLE2 + b"\x00" * 504 + b"\xec\xa5\xc1\x00" + b"\x00" * 1532


def doc_by_stream_name() -> bytes:
    """Word 97 whose WordDocument stream is not first: known by its directory entry."""
    return OLE2 + b"\x00" * 1016 + "WordDocument".encode("utf-16-le") + b"\x00" * 1000


def bare_ole2() -> bytes:
    """The container alone: XLS, PPT and MSI installers look like this too."""
    return OLE2 + b"\x00" * 2040


EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 120 + b"PE\x00\x00" + b"\x00" * 200
HTML = b"<!DOCTYPE html>\n<html><body><script>alert(document.cookie)</script></body></html>\n"
SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(1)</script></svg>\n"
)
XML_SVG = b'<?xml version="1.0"?>\n' + SVG
TEXT = "Привет, দুনিয়া! plain text\nline 2\n".encode()
