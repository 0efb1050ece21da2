from __future__ import annotations

from shomik.messages.schemas import AttachmentOut


class UploadOut(AttachmentOut):
    """The stored file; send its id in `attachmentIds`."""
