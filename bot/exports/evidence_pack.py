"""The evidence pack: ZIP archives of the files the units attached to their score lines.

One folder per unit ("03 THPT Châu Văn Liêm"), its files named by criterion code and a counter
("1.2_01_anh.jpg", "1.2_02_Báo cáo tổng kết.pdf"), and a "muc-luc.csv" that lists every item:
the files, the links and notes, and the files that could not be fetched, with the reason.

Names open fine on Windows: NFC (Explorer and 7-Zip read the zip's UTF-8 flag, which zipfile
sets for any non-ASCII name), none of the characters Windows forbids, no reserved device names
(CON, NUL, COM1…), no trailing dot or space, and short enough that a folder and a file fit well
inside Windows' 260-character path limit wherever the clerk unpacks them.

An archive never grows past `limit` bytes (a bot may upload at most 50 MB per file): an entry
that would not fit starts the next part. The decision uses an upper bound of the entry's size
(its header, its data stored or the deflate worst case, its central-directory record), which
depends on the data only, so the same data splits the same way. Entry times are the moment each
item was attached (data, not the clock); permissions and the creating system are pinned, so the
same data gives the same bytes.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath

from bot.exports.common import ZIP_EPOCH, short_unit_name
from models.text import nfc

ZIP_MIME = "application/zip"
PART_LIMIT = 45 * 1024 * 1024  # a bot uploads at most 50 MB per file; leave room
INDEX_NAME = "muc-luc.csv"
INDEX_HEADER: tuple[str, ...] = (
    "Đơn vị",
    "Mã tiêu chí",
    "Tiêu chí",
    "Loại",
    "Tệp trong gói / Liên kết / Ghi chú",
    "Ghi chú",
)
KIND_WORDS = {"photo": "Ảnh", "document": "Tệp", "link": "Liên kết", "note": "Ghi chú"}
FOLDER_CHARS = 48
FILE_CHARS = 80
# Formats that are compressed already: deflating them again costs CPU and saves nothing.
STORED_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic", ".zip", ".rar", ".7z", ".docx", ".xlsx", ".pptx"}
    | {".odt", ".ods", ".odp", ".mp4", ".mov"}
)

_FORBIDDEN = re.compile(r'[<>:"/\\|?*]')
_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"} | {f"COM{i}" for i in range(10)} | {f"LPT{i}" for i in range(10)}
)
_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,8}$")
# The fixed parts of a zip entry: local header (30) + central record (46) + the name twice.
_ENTRY_OVERHEAD = 30 + 46
_END_RECORD = 22


def safe_name(text: str, limit: int) -> str:
    """A file or folder name Windows, macOS and Linux all accept, Vietnamese kept (NFC)."""
    kept = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch
        for ch in unicodedata.normalize("NFC", text)
    )
    name = nfc(_FORBIDDEN.sub("-", kept))
    name = name[:limit].strip(" .")
    if not name:
        return "_"
    if name.split(".")[0].strip().upper() in _RESERVED:
        name = f"_{name}"[:limit]
    return name


def unit_folder(position: int, width: int, unit_name: str) -> str:
    """ "03 THPT Châu Văn Liêm": the roster position keeps the folders in the index's order and
    apart even when two units shorten to the same name."""
    return f"{position:0{width}d} {safe_name(short_unit_name(unit_name), FOLDER_CHARS)}"


def sniff_suffix(data: bytes) -> str | None:
    """The extension an image's first bytes announce (a photo has no file name of its own)."""
    if data.startswith(b"\xff\xd8\xff"):
        return ".jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return ".png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return ".gif"
    if data.startswith(b"%PDF"):
        return ".pdf"
    return None


def evidence_file_name(code: str, counter: int, kind: str, original: str | None, data: bytes) -> str:
    """ "1.2_01_anh.jpg" for a photo, "1.2_02_Báo cáo tổng kết.pdf" for a document: the criterion,
    the counter, and the original name and extension where there is one."""
    # A slash is not a folder here: safe_name turns it into "-" like every forbidden character.
    path = original or ""
    suffix = PurePosixPath(path.replace("\\", "/")).suffix
    if not _SUFFIX.match(suffix):
        suffix = ""
    stem = path[: -len(suffix)] if suffix else path
    if kind == "photo" or not stem.strip():
        stem = "anh" if kind == "photo" else "tep"
    suffix = (suffix or sniff_suffix(data) or (".jpg" if kind == "photo" else ".bin")).lower()
    head = f"{safe_name(code, 16)}_{counter:02d}_"
    return head + safe_name(stem, FILE_CHARS - len(head) - len(suffix)) + suffix


def compression_for(name: str) -> int:
    return (
        zipfile.ZIP_STORED if PurePosixPath(name).suffix.lower() in STORED_SUFFIXES else zipfile.ZIP_DEFLATED
    )


def entry_bound(name: str, size: int) -> int:
    """The most bytes an entry can add to an archive: headers, and the data stored, or deflated
    at worst (zlib's deflateBound for a raw stream, plus a margin)."""
    data = size
    if compression_for(name) == zipfile.ZIP_DEFLATED:
        data = size + (size >> 12) + (size >> 14) + (size >> 25) + 64
    return _ENTRY_OVERHEAD + 2 * len(name.encode("utf-8")) + data


def zip_time(moment: datetime | None) -> tuple[int, int, int, int, int, int]:
    """A moment as a zip entry's local time (already in the bot's zone); zip cannot go before 1980."""
    if moment is None or moment.year < 1980:
        return ZIP_EPOCH
    return (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)


@dataclass(frozen=True)
class Part:
    number: int  # 1, 2, …
    data: bytes


class PackWriter:
    """Writes entries into numbered archives of at most `limit` bytes each.

    Not thread-safe: the service calls it from one worker thread at a time (off the event loop,
    since deflating is CPU work), awaiting each call before the next."""

    def __init__(self, limit: int = PART_LIMIT) -> None:
        self.limit = limit
        self.number = 0
        self._open()

    def _open(self) -> None:
        self.number += 1
        self._buffer = io.BytesIO()
        self._zip = zipfile.ZipFile(self._buffer, "w")
        self._central = 0
        self.entries = 0

    def _size_with(self, name: str, size: int) -> int:
        return self._buffer.tell() + self._central + _END_RECORD + entry_bound(name, size)

    def fits_alone(self, name: str, size: int) -> bool:
        """Whether this entry fits in an archive of its own (else it cannot be packed at all)."""
        return _END_RECORD + entry_bound(name, size) <= self.limit

    def fits(self, name: str, size: int) -> bool:
        """Whether this entry still fits in the archive being written."""
        return self._size_with(name, size) <= self.limit

    def add(self, name: str, data: bytes, moment: datetime | None) -> Part | None:
        """Add an entry; when it did not fit, the archive so far is finished and returned, and
        the entry opens the next one."""
        finished = None
        if self.entries and not self.fits(name, len(data)):
            finished = self._close()
            self._open()
        info = zipfile.ZipInfo(name, date_time=zip_time(moment))
        info.compress_type = compression_for(name)
        info.create_system = 3  # the same bytes whatever system builds the pack
        info.external_attr = 0o644 << 16
        self._zip.writestr(info, data)
        self._central += 46 + len(info.filename.encode("utf-8"))
        self.entries += 1
        return finished

    def _close(self) -> Part:
        self._zip.close()
        return Part(self.number, self._buffer.getvalue())

    def finish(self) -> Part:
        """The last archive (possibly the only one)."""
        return self._close()
