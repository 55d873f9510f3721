"""The documents folder: check an uploaded PDF, add, replace or remove one without losing any.

A new file is written next to its destination under a name the index builder ignores (not
`.pdf`), checked with pypdf, then linked or renamed into place: the folder never holds a
half-written PDF. Replaced and removed files are moved to an archive folder, not deleted.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from werkzeug.utils import secure_filename

TEXT_PAGES = 20  # pages looked at for text: a scanned PDF has none on any of them
CHUNK = 1024 * 1024


def human_size(size: float) -> str:
    """1536 -> '1.5 KB', 52428800 -> '50 MB'."""
    for unit in ("bytes", "KB", "MB"):
        if size < 1024 or unit == "MB":
            return f"{size:.0f} {unit}" if unit == "bytes" or size >= 10 else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


class UploadRefused(ValueError):
    """The reason an upload or a change was refused, in words for the page."""


@dataclass(frozen=True)
class StoredFile:
    filename: str
    size: int
    modified: datetime


def safe_name(filename: str) -> str:
    """A plain file name ending in .pdf (werkzeug's secure_filename), or refused."""
    if not filename.lower().endswith(".pdf"):
        raise UploadRefused("Only PDF files can be added (the name must end in .pdf).")
    name = secure_filename(filename)
    stem = name[:-4] if name.lower().endswith(".pdf") else ""
    if not stem.strip("._-"):
        name = f"document-{datetime.now(UTC):%Y%m%d-%H%M%S}.pdf"
    return name[:-4] + ".pdf"


def check_pdf(path: Path) -> None:
    """Raise UploadRefused when the file is not a PDF the index can read text from.

    pypdf is imported here, on the first upload, not by every serving worker at start-up."""
    import pypdf
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    size = path.stat().st_size
    if size == 0:
        raise UploadRefused("The file is empty (0 bytes).")
    with path.open("rb") as fh:
        if b"%PDF-" not in fh.read(1024):
            raise UploadRefused("This is not a PDF file (it has no PDF header).")
    try:
        reader = pypdf.PdfReader(path)
        if reader.is_encrypted:
            # an empty user password only stops editing or printing; text can still be read
            try:
                readable = bool(reader.decrypt(""))
            except (PdfReadError, NotImplementedError):
                readable = False
            if not readable:
                raise UploadRefused(
                    "The PDF is protected with a password: save a copy without one and upload that."
                )
        pages = len(reader.pages)
        if pages == 0:
            raise UploadRefused("The PDF has no pages.")
        for page in reader.pages[:TEXT_PAGES]:
            if _shows_text(page):
                return
    except UploadRefused:
        raise
    except Exception as exc:  # pypdf raises many kinds of error on a damaged file
        raise UploadRefused(f"The PDF cannot be read ({type(exc).__name__}: {exc}).") from exc
    raise UploadRefused(
        f"No text was found on the first {min(pages, TEXT_PAGES)} pages: it may be a scan "
        "(images of pages). Upload a PDF with selectable text."
    )


# a string (literal, hex or array) followed by a text-showing operator, in a content stream
_TEXT_OPERATOR = re.compile(rb"[)>\]]\s*(?:Tj|TJ|'|\")")


def _shows_text(page, depth: int = 0) -> bool:
    """Whether the page draws any text: a font and a text-showing operator in its content or
    in a form it draws. Much cheaper than extracting the text (which decodes every font, and
    can take seconds a page); the build reports a page whose text cannot be read after all."""
    resources = page.get("/Resources")
    resources = resources.get_object() if resources is not None else {}
    contents = page.get_contents() if depth == 0 else page
    data = contents.get_data() if contents is not None else b""
    if resources.get("/Font") and _TEXT_OPERATOR.search(data):
        return True
    xobjects = resources.get("/XObject")
    if depth < 2 and xobjects is not None:
        for ref in xobjects.get_object().values():
            form = ref.get_object()
            if form.get("/Subtype") == "/Form" and _shows_text(form, depth + 1):
                return True
    return False


class DocumentFolder:
    def __init__(self, folder: Path, archive: Path, max_bytes: int) -> None:
        self.folder = Path(folder)
        self.archive = Path(archive)
        self.max_bytes = max_bytes

    def files(self) -> dict[str, StoredFile]:
        out = {}
        if not self.folder.is_dir():
            return out
        for p in sorted(self.folder.iterdir()):
            if p.is_file() and p.suffix.lower() == ".pdf":
                st = p.stat()
                out[p.name] = StoredFile(
                    p.name, st.st_size, datetime.fromtimestamp(st.st_mtime, UTC)
                )
        return out

    def existing(self, filename: str) -> Path:
        """The path of a PDF in the folder named exactly `filename`, or refused."""
        if filename not in self.files():
            raise UploadRefused(f"There is no document named {filename!r}.")
        return self.folder / filename

    def _receive(self, stream: BinaryIO) -> Path:
        """Copy the upload to a temporary file in the folder, refusing it when too large."""
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / f".upload-{secrets.token_hex(8)}.part"
        size = 0
        try:
            with tmp.open("wb") as out:
                while block := stream.read(CHUNK):
                    size += len(block)
                    if size > self.max_bytes:
                        limit = human_size(self.max_bytes)
                        raise UploadRefused(f"The file is larger than the {limit} limit.")
                    out.write(block)
            check_pdf(tmp)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return tmp

    def add(self, filename: str, stream: BinaryIO) -> str:
        """Add a new PDF; refused when one of that name exists (use replace)."""
        name = safe_name(filename)
        if (self.folder / name).exists():
            raise UploadRefused(
                f"A document named {name} already exists: use Replace to upload a new version."
            )
        tmp = self._receive(stream)
        try:
            os.link(tmp, self.folder / name)  # fails if the name was taken meanwhile
        except FileExistsError:
            raise UploadRefused(f"A document named {name} was added meanwhile.") from None
        finally:
            tmp.unlink(missing_ok=True)
        return name

    def replace(self, filename: str, stream: BinaryIO) -> str:
        """A new version of an existing PDF, under the same name; the old one is archived."""
        target = self.existing(filename)
        tmp = self._receive(stream)
        self._archive(target, copy=True)
        os.replace(tmp, target)
        return filename

    def remove(self, filename: str) -> Path:
        target = self.existing(filename)
        if len(self.files()) <= 1:
            raise UploadRefused("This is the only document: add another before removing it.")
        return self._archive(target, copy=False)

    def _archive(self, path: Path, copy: bool) -> Path:
        self.archive.mkdir(parents=True, exist_ok=True)
        dest = self.archive / f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{path.name}"
        (shutil.copy2 if copy else shutil.move)(path, dest)
        return dest
