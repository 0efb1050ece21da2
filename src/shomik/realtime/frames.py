"""A text frame built once for every socket it goes to.

An event's frame is the same bytes for every socket that compresses nothing: built here
once per event, it is written to each of them as it is (`LeanDeflateProtocol.write_frame`),
as gorilla/websocket's PreparedMessage and uWebSockets' publish do. The usual way (ASGI
`websocket.send`, through Starlette and uvicorn to websockets) built and framed it again
for every socket: about half of what a delivery cost (docs/benchmarks.md, "Fourteenth
session").
"""

from __future__ import annotations

from websockets.frames import Frame, Opcode


def text_frame(text: str) -> bytes:
    """A final, unmasked text frame holding `text` (RFC 6455 §5.2: a server never masks)."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False, extensions=[])
