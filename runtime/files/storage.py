"""Content-addressed local blob storage under `settings.files_dir`. Shell."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

HEAD_BYTES = 512  # kept from the start of every upload for content sniffing
TEMP_DIR = "tmp"
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class Blob:
    """A stored blob: its digest, size and path on disk."""

    sha256: str
    size: int
    path: Path


def blob_path(root: Path, sha256: str) -> Path:
    """Where the blob with this digest lives: `<root>/<sha256[:2]>/<sha256>`."""
    # The path is built from the digest only (never a client name), and the digest is checked.
    if not _SHA256.fullmatch(sha256):
        raise ValueError("not a sha256 hex digest")
    return root / sha256[:2] / sha256


def blob_paths(root: Path) -> Iterator[Path]:
    """Every stored blob under `root` (not the uploads still being written)."""
    if not root.is_dir():
        return
    for folder in root.iterdir():
        if not (folder.is_dir() and len(folder.name) == 2):
            continue  # the uploads in progress live in TEMP_DIR
        for path in folder.iterdir():
            if path.is_file() and _SHA256.fullmatch(path.name) and path.name[:2] == folder.name:
                yield path


def has_blob(root: Path, sha256: str) -> bool:
    return blob_path(root, sha256).is_file()


class BlobWriter:
    """One upload: written to a temp file while hashing; `finish` moves it into place.

    Use as a context manager: leaving the block without `finish` (an error, a refusal)
    deletes the temp file, so no partial upload is ever left behind.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        temp_dir = root / TEMP_DIR
        temp_dir.mkdir(parents=True, exist_ok=True)
        # Same file system as the blobs, so the final rename is atomic.
        fd, name = tempfile.mkstemp(dir=temp_dir, prefix="upload-", suffix=".part")
        self.temp_path = Path(name)
        self._file = os.fdopen(fd, "wb")
        self._hash = hashlib.sha256()
        self._done = False
        self.size = 0
        self.head = b""

    def write(self, chunk: bytes) -> None:
        if self._done:
            raise RuntimeError("the upload is already finished")
        if len(self.head) < HEAD_BYTES:
            self.head += chunk[: HEAD_BYTES - len(self.head)]
        self._file.write(chunk)
        self._hash.update(chunk)
        self.size += len(chunk)

    def finish(self) -> Blob:
        """Flush, then rename into `<sha256[:2]>/<sha256>`; identical content is stored once."""
        if self._done:
            raise RuntimeError("the upload is already finished")
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        self._done = True
        sha256 = self._hash.hexdigest()
        target = blob_path(self.root, sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_file():
            self.temp_path.unlink(missing_ok=True)  # same bytes already stored
        else:
            os.replace(self.temp_path, target)
        return Blob(sha256=sha256, size=self.size, path=target)

    def discard(self) -> None:
        """Forget the upload: close and delete the temp file (safe to call twice)."""
        if not self._file.closed:
            self._file.close()
        self._done = True
        self.temp_path.unlink(missing_ok=True)

    def __enter__(self) -> BlobWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # A finished blob stays (content-addressed, maybe shared); only a temp file goes.
        if not self._done:
            self.discard()
