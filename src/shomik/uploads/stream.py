"""Reading a multipart upload as it streams in, to a temporary file, refusing it the moment
it passes the size limit: a 2 GB body costs us 10 MB of reading, not 2 GB of buffering."""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from shomik.errors import Invalid, TooLarge

# Room for the multipart framing and part headers around the file itself.
FRAMING_ALLOWANCE = 16 * 1024


@dataclass
class ReceivedFile:
    path: Path
    filename: str
    declared_type: str
    size: int


@dataclass
class _State:
    max_bytes: int
    dest_dir: Path
    header_field: bytes = b""
    header_value: bytes = b""
    headers: dict[bytes, bytes] = field(default_factory=dict)
    writing: IO[bytes] | None = None
    result: ReceivedFile | None = None
    too_large: bool = False

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
        if params.get(b"name") != b"file" or self.result is not None:
            return  # other fields are ignored; only the first `file` counts
        fd, name = tempfile.mkstemp(dir=self.dest_dir, prefix=".upload-")
        self.writing = os.fdopen(fd, "wb")
        filename = params.get(b"filename", b"file").decode("utf-8", "replace")
        declared = self.headers.get(b"content-type", b"application/octet-stream")
        self.result = ReceivedFile(Path(name), filename, declared.decode("latin-1").lower(), 0)

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.writing is None or self.result is None:
            return
        self.result.size += end - start
        if self.result.size > self.max_bytes:
            self.too_large = True
            return
        self.writing.write(data[start:end])

    def on_part_end(self) -> None:
        if self.writing is not None:
            self.writing.close()
            self.writing = None

    def discard(self) -> None:
        if self.writing is not None:
            self.writing.close()
        if self.result is not None:
            with contextlib.suppress(FileNotFoundError):
                self.result.path.unlink()


async def receive_file(request: Request, dest_dir: Path, max_bytes: int) -> ReceivedFile:
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise Invalid("Send the file as multipart/form-data in a field named `file`.")
    limit = max_bytes + FRAMING_ALLOWANCE
    declared_length = request.headers.get("content-length")
    if declared_length and declared_length.isdigit() and int(declared_length) > limit:
        raise TooLarge(f"Files are limited to {max_bytes // (1024 * 1024)} MB.")
    dest_dir.mkdir(parents=True, exist_ok=True)
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
        )
    }
    parser = MultipartParser(boundary, callbacks)  # type: ignore[arg-type]  # TypedDict
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit:
                state.too_large = True
            else:
                parser.write(chunk)
            if state.too_large:
                raise TooLarge(f"Files are limited to {max_bytes // (1024 * 1024)} MB.")
        parser.finalize()
    except TooLarge:
        state.discard()
        raise
    except Exception as exc:
        state.discard()
        raise Invalid("The multipart body could not be read.") from exc
    if state.result is None:
        raise Invalid("No file: send it in a multipart field named `file`.")
    if state.writing is not None:  # body ended inside the part
        state.discard()
        raise Invalid("The multipart body ended early.")
    return state.result
