"""Reading a multipart upload as it streams in, to a temporary file, refusing it the moment
it passes the size limit: a 2 GB body costs us 10 MB of reading, not 2 GB of buffering."""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from shomik.errors import Invalid, ShomikError, TooLarge

# Room for the multipart framing and part headers around the file itself.
FRAMING_ALLOWANCE = 16 * 1024
# After a refusal, how much of the rest of a body is read (and discarded) to keep the
# connection, and the client able to read the answer: a server that hangs up on unread data
# resets the connection, and clients that are still sending may never see the answer.
DRAIN_BYTES = 256 * 1024
# A video's poster frame (multipart file `poster`): an image, on top of the file's own limit.
MAX_POSTER_BYTES = 512 * 1024  # the web client sends a JPEG of at most 960 px: ~50-200 KB
# Small text fields sent with a file (a voice message's `durationMs` and `waveform`; `sealed`
# for a secret chat's encrypted file, uploads/service.py).
TEXT_FIELDS = ("durationMs", "waveform", "sealed")
MAX_FIELD_BYTES = 2048


@dataclass
class ReceivedFile:
    path: Path
    filename: str
    declared_type: str
    size: int
    # The text fields of TEXT_FIELDS that came with it, and the poster file if one did.
    fields: dict[str, str] = field(default_factory=dict)
    poster: Path | None = None
    poster_type: str = ""


@dataclass
class _State:
    max_bytes: int
    dest_dir: Path
    header_field: bytes = b""
    header_value: bytes = b""
    headers: dict[bytes, bytes] = field(default_factory=dict)
    writing: IO[bytes] | None = None
    result: ReceivedFile | None = None
    part: str = ""  # the name of the part being read
    poster_size: int = 0
    fields: dict[str, bytearray] = field(default_factory=dict)
    poster: Path | None = None
    poster_type: str = ""
    too_large: bool = False
    ended: bool = False  # the closing boundary was seen

    def on_part_begin(self) -> None:
        self.headers = {}

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        self.headers[self.header_field.lower()] = self.header_value
        self.header_field = b""
        self.header_value = b""

    def on_headers_finished(self) -> None:
        _, params = parse_options_header(self.headers.get(b"content-disposition", b""))
        self.part = params.get(b"name", b"").decode("latin-1")
        declared = self.headers.get(b"content-type", b"application/octet-stream")
        if self.part in TEXT_FIELDS and self.part not in self.fields:
            self.fields[self.part] = bytearray()
            return
        if self.part == "poster" and self.poster is None:
            fd, name = tempfile.mkstemp(dir=self.dest_dir, prefix=".upload-")
            self.writing = os.fdopen(fd, "wb")
            self.poster = Path(name)
            self.poster_type = declared.decode("latin-1").lower()
            return
        if self.part != "file" or self.result is not None:
            self.part = ""
            return  # other fields are ignored; only the first `file` counts
        fd, name = tempfile.mkstemp(dir=self.dest_dir, prefix=".upload-")
        self.writing = os.fdopen(fd, "wb")
        filename = params.get(b"filename", b"file").decode("utf-8", "replace")
        # Browsers send `"`, CR and LF in a file name as %22, %0D, %0A (the HTML form
        # encoding); undo that (the control characters are then dropped with the others).
        for encoded, char in (("%22", '"'), ("%0D", "\r"), ("%0A", "\n")):
            filename = filename.replace(encoded, char)
        self.result = ReceivedFile(Path(name), filename, declared.decode("latin-1").lower(), 0)

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.part in TEXT_FIELDS:
            text = self.fields[self.part]
            text += data[start:end]
            if len(text) > MAX_FIELD_BYTES:
                raise Invalid(f"The field `{self.part}` is too long.")
            return
        if self.part == "poster" and self.writing is not None:
            self.poster_size += end - start
            if self.poster_size > MAX_POSTER_BYTES:
                self.too_large = True
                return
            self.writing.write(data[start:end])
            return
        if self.writing is None or self.result is None:
            return
        self.result.size += end - start
        if self.result.size > self.max_bytes:
            self.too_large = True
            return
        self.writing.write(data[start:end])

    def on_part_end(self) -> None:
        self.part = ""
        if self.writing is not None:
            self.writing.close()
            self.writing = None

    def on_end(self) -> None:
        self.ended = True

    def discard(self) -> None:
        if self.writing is not None:
            self.writing.close()
        for path in (self.result.path if self.result else None, self.poster):
            if path is not None:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()


def limit_text(max_bytes: int) -> str:
    for unit, size in (("MB", 1 << 20), ("KB", 1 << 10)):
        if max_bytes >= size:
            return f"{max_bytes / size:g} {unit}"
    return f"{max_bytes} bytes"


class Refused(Exception):
    """A refusal before the body was read to its end. `reusable`: what was left of it was
    small enough to read and discard, so the connection may serve another request; if not,
    the server hangs up rather than read (and throw away) what may be gigabytes."""

    def __init__(self, error: ShomikError, reusable: bool) -> None:
        super().__init__(error.message)
        self.error = error
        self.reusable = reusable


async def drain(chunks: AsyncIterator[bytes]) -> bool:
    """Read and discard the rest of a body of at most DRAIN_BYTES; False if it is longer."""
    read = 0
    try:
        async for chunk in chunks:
            read += len(chunk)
            if read > DRAIN_BYTES:
                return False
    except Exception:  # the client went away
        return False
    return True


async def receive_file(request: Request, dest_dir: Path, max_bytes: int) -> ReceivedFile:
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        error = Invalid("Send the file as multipart/form-data in a field named `file`.")
        raise Refused(error, await drain(request.stream()))
    limit = max_bytes + FRAMING_ALLOWANCE + MAX_POSTER_BYTES
    declared_length = request.headers.get("content-length")
    too_large = f"Files are limited to {limit_text(max_bytes)}."
    if declared_length and declared_length.isdigit() and int(declared_length) > limit:
        raise Refused(TooLarge(too_large), reusable=False)  # before reading any of it
    await asyncio.to_thread(dest_dir.mkdir, parents=True, exist_ok=True)
    state = _State(max_bytes=max_bytes, dest_dir=dest_dir)
    callbacks = {
        name: getattr(state, name)
        for name in (
            "on_part_begin",
            "on_header_field",
            "on_header_value",
            "on_header_end",
            "on_headers_finished",
            "on_part_data",
            "on_part_end",
            "on_end",
        )
    }
    parser = MultipartParser(boundary, callbacks)  # type: ignore[arg-type]  # TypedDict
    received = 0
    body = request.stream()
    try:
        async for chunk in body:
            received += len(chunk)
            if received > limit:
                state.too_large = True
            else:
                parser.write(chunk)
            if state.too_large:
                raise TooLarge(too_large)
        parser.finalize()
    except TooLarge as exc:
        state.discard()
        raise Refused(exc, await drain(body)) from exc
    except Invalid as exc:  # a text field over its size
        state.discard()
        raise Refused(exc, await drain(body)) from exc
    except Exception as exc:  # a malformed body, or the client went away
        state.discard()
        error = Invalid("The multipart body could not be read.")
        raise Refused(error, await drain(body)) from exc
    except BaseException:  # cancelled: still no temporary file left behind
        state.discard()
        raise
    if not state.ended:  # the body stopped before its closing boundary
        state.discard()
        raise Invalid("The multipart body ended early.")
    if state.result is None:
        state.discard()
        raise Invalid("No file: send it in a multipart field named `file`.")
    state.result.fields = {k: v.decode("utf-8", "replace") for k, v in state.fields.items()}
    state.result.poster = state.poster
    state.result.poster_type = state.poster_type
    return state.result
