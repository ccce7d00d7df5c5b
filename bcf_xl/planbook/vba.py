"""The planning workbook's VBA project, written from VBA source text: a ``vbaProject.bin`` in pure Python.

Excel keeps a workbook's macros in ``xl/vbaProject.bin``, a compound file ([MS-CFB]) laid out as [MS-OVBA]
describes::

    PROJECT            text: the project's ID, name, modules and (obfuscated) protection state   MS-OVBA 2.3.1
    PROJECTwm          the module names again, in MBCS and UTF-16                                MS-OVBA 2.3.3
    VBA/_VBA_PROJECT   7 bytes: version 0xFFFF and no performance cache                          MS-OVBA 2.3.4.1
    VBA/dir            compressed records: project information, references, modules            MS-OVBA 2.3.4.2
    VBA/<module>       each module's compressed source text, at offset 0                        MS-OVBA 2.3.4.3

:func:`vba_project` builds that file from module source text alone. It writes no compiled code
("p-code") and no performance cache: MS-OVBA 2.3.4.1 says the ``_VBA_PROJECT`` version MUST be 0xFFFF on
write and the cache MUST NOT be present, and that a reader ignores the cache, so Excel compiles every module
from its source the first time the workbook is opened. LibreOffice's VBA export and the NetOffice ``vbamc``
compiler write projects the same way.

Decisions, each checked against the specification and against a project Excel wrote (the one in xlwings'
``quickstart.xlsm``):

- Document modules. MS-OVBA requires none, and projects of standard modules alone (as the ``vbamc`` compiler
  writes them) open in Excel, which adds the document modules it lacks. But Excel binds a document module to
  the workbook or a sheet by the ``codeName`` that XlsxWriter writes (``ThisWorkbook``, ``Sheet1``,
  ``Sheet2``... once a VBA project is added), and XlsxWriter users report extra ``ThisWorkbook1``-style modules
  when names and modules disagree. So the project always holds an empty ``ThisWorkbook`` module, and one empty
  module per worksheet code name the caller passes, with the attributes Excel gives such modules.
- References: only stdole ("OLE Automation"), which the VBA editor gives every new project. The macros here
  do not need it (the quickstart project has none), but it keeps the project like one made in Excel. There is
  no reference to the xlwings add-in: a reference that does not resolve stops the whole project compiling,
  so macros reach the add-in with ``Application.Run "xlwings.xlam!RunPython", "import ..."``, which needs none.
- Protection: none. The ``CMG``, ``DPB`` and ``GC`` lines are required by the PROJECT stream's grammar
  (MS-OVBA 2.3.1.15-17) and are obfuscated as MS-OVBA 2.4.3.2 says, with a seed taken from the project ID so
  that the same input always gives the same bytes.
- Compression never stores a chunk uncompressed inside the project. A stored ("raw") chunk is valid
  (MS-OVBA 2.4.1.3.10) but Excel itself never writes one, and one public project reports that Excel drops a
  module that contains one; real VBA source always compresses, so :func:`vba_project` refuses the
  (theoretical) source that would need one.
- The compound file is written here (:func:`compound_file`, MS-CFB version 3) rather than with a library:
  on PyPI ``olefile`` and ``cfb`` only read, ``cfbwrite`` is AGPL-licensed and writes only to a path, and
  ``ms-cfb``/``ms-ovba`` are 0.0.x releases that their author reports as still buggy.
"""

from __future__ import annotations

import re
import struct
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bcf_xl.errors import BcfInputError, Location

__all__ = ["WORKBOOK_MODULE", "compound_file", "compress", "decompress", "vba_project"]

WORKBOOK_MODULE = "ThisWorkbook"
"""The workbook's document module; XlsxWriter gives the workbook this code name once a VBA project is added."""

# --- MS-OVBA 2.4.1: compression -------------------------------------------------------------------------------

_CHUNK_SIZE = 4096  # a DecompressedChunk holds 4096 bytes, the last one fewer (MS-OVBA 2.4.1.1.3)
_CONTAINER_SIGNATURE = 0x01  # MS-OVBA 2.4.1.1.1
_COMPRESSED_HEADER = 0xB000  # CompressedChunkFlag 1, CompressedChunkSignature 0b011 (MS-OVBA 2.4.1.1.5)
_RAW_HEADER = 0x3FFF  # flag 0, signature 0b011, size field 4095: 4096 bytes follow uncompressed
_MAX_CHUNK_DATA = 4096  # CompressedChunkSize is 12 bits of (size - 3): a chunk is at most 2 + 4096 bytes
# Matches are sought among the latest 256 earlier places a 3-byte prefix occurs: plenty for source text. Any match
# is a valid one, so the cap only bounds the time a pathological chunk can take.
_MATCH_CANDIDATES = 256


class _RawChunkError(Exception):
    """A chunk that does not compress into 4096 bytes (only stored raw would it fit)."""

    def __init__(self, offset: int) -> None:
        super().__init__(offset)
        self.offset = offset


def compress(data: bytes) -> bytes:
    """Compress bytes into an MS-OVBA CompressedContainer (MS-OVBA 2.4.1.3.6).

    The data is cut into 4096-byte chunks, each written as a sequence of literal bytes and copy tokens
    (an LZ77 back-reference into the same chunk, MS-OVBA 2.4.1.3.7-9). A chunk that does not compress to
    fit is stored raw (MS-OVBA 2.4.1.3.10); the specification pads a short final raw chunk with zero bytes,
    so such a container decompresses to the data followed by those zeros.

    Args:
        data: the bytes to compress, of any length (an empty input gives the one signature byte).

    Returns:
        The compressed container: the signature byte 0x01, then the compressed chunks.
    """
    return _compress(data, allow_raw=True)


def _compress(data: bytes, *, allow_raw: bool) -> bytes:
    out = bytearray([_CONTAINER_SIGNATURE])
    for start in range(0, len(data), _CHUNK_SIZE):
        chunk = data[start : start + _CHUNK_SIZE]
        tokens = _compress_chunk(chunk)
        if len(tokens) <= _MAX_CHUNK_DATA:
            # CompressedChunkSize counts the 2-byte header; the header stores that size minus 3.
            out += struct.pack("<H", _COMPRESSED_HEADER | (len(tokens) + 2 - 3))
            out += tokens
        elif allow_raw:
            out += struct.pack("<H", _RAW_HEADER)
            out += chunk.ljust(_CHUNK_SIZE, b"\x00")
        else:
            raise _RawChunkError(start)
    return bytes(out)


def _copy_token_bits(position: int) -> int:
    """The number of offset bits in a copy token at ``position`` within its chunk (MS-OVBA 2.4.1.3.19.1)."""
    return max((position - 1).bit_length(), 4)


def _compress_chunk(chunk: bytes) -> bytes:
    """One chunk as TokenSequences: a flag byte, then up to eight tokens (MS-OVBA 2.4.1.3.7-8)."""
    out = bytearray()
    starts: dict[bytes, list[int]] = {}  # each 3-byte prefix -> the positions where it starts, ascending
    indexed = 0
    position = 0
    while position < len(chunk):
        flag_at = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if position >= len(chunk):
                break
            while indexed < position:
                starts.setdefault(chunk[indexed : indexed + 3], []).append(indexed)
                indexed += 1
            offset, length = _longest_match(chunk, position, starts)
            if length:
                bits = _copy_token_bits(position)
                out += struct.pack("<H", ((offset - 1) << (16 - bits)) | (length - 3))
                flags |= 1 << bit
                position += length
            else:
                out.append(chunk[position])
                position += 1
        out[flag_at] = flags
    return bytes(out)


def _longest_match(chunk: bytes, position: int, starts: dict[bytes, list[int]]) -> tuple[int, int]:
    """The (offset, length) of the longest earlier match for the bytes at ``position`` (MS-OVBA 2.4.1.3.19.4).

    Returns (0, 0) when no match of at least 3 bytes exists. The nearest of equally long matches wins, as in
    the specification; a match may run on into the bytes it copies (the decompressor copies byte by byte).
    """
    limit = min((0xFFFF >> _copy_token_bits(position)) + 3, len(chunk) - position)
    if limit < 3:
        return 0, 0
    best_length, best_start = 0, 0
    for candidate in reversed(starts.get(chunk[position : position + 3], [])[-_MATCH_CANDIDATES:]):
        length = 3
        while length < limit and chunk[candidate + length] == chunk[position + length]:
            length += 1
        if length > best_length:
            best_length, best_start = length, candidate
            if length == limit:
                break
    return (position - best_start, best_length) if best_length else (0, 0)


def decompress(data: bytes) -> bytes:
    """Decompress an MS-OVBA CompressedContainer (MS-OVBA 2.4.1.3.1-5).

    Args:
        data: a compressed container, as :func:`compress` or Excel writes it.

    Returns:
        The decompressed bytes.

    Raises:
        BcfInputError: when the container is malformed (no signature, a bad chunk header, a copy token that
            points before the start of its chunk, or a truncated chunk).
    """
    where = Location(field="compressed VBA container")
    if not data or data[0] != _CONTAINER_SIGNATURE:
        raise BcfInputError(where, "must start with the signature byte 0x01", data[:1].hex() or None)
    out = bytearray()
    position = 1
    while position < len(data):
        if position + 2 > len(data):
            raise BcfInputError(where, f"chunk header cut short at byte {position}", show_got=False)
        (header,) = struct.unpack_from("<H", data, position)
        if (header >> 12) & 0b111 != 0b011:
            raise BcfInputError(where, f"chunk signature must be 0b011 at byte {position}", f"{header:#06x}")
        chunk_end = position + (header & 0x0FFF) + 3
        body = position + 2
        if header & 0x8000 == 0:
            raw = data[body : body + _CHUNK_SIZE]
            if len(raw) != _CHUNK_SIZE:
                raise BcfInputError(where, f"raw chunk at byte {position} must hold 4096 bytes", len(raw))
            out += raw
            position = body + _CHUNK_SIZE
            continue
        if chunk_end > len(data):
            raise BcfInputError(where, f"chunk at byte {position} runs past the end", show_got=False)
        _decompress_chunk(data, body, chunk_end, out)
        position = chunk_end
    return bytes(out)


def _decompress_chunk(data: bytes, position: int, end: int, out: bytearray) -> None:
    """Append one compressed chunk's bytes (``data[position:end]``) to ``out`` (MS-OVBA 2.4.1.3.2-5)."""
    chunk_start = len(out)
    while position < end:
        flags = data[position]
        position += 1
        for bit in range(8):
            if position >= end:
                break
            if not flags >> bit & 1:
                out.append(data[position])
                position += 1
                continue
            if position + 2 > end:
                raise BcfInputError(Location(field="compressed VBA container"), "copy token cut short")
            (token,) = struct.unpack_from("<H", data, position)
            position += 2
            bits = _copy_token_bits(len(out) - chunk_start)
            length = (token & (0xFFFF >> bits)) + 3
            offset = (token >> (16 - bits)) + 1
            source = len(out) - offset
            if source < chunk_start:
                raise BcfInputError(
                    Location(field="compressed VBA container"), "copy token points before its chunk", offset
                )
            for index in range(source, source + length):  # byte by byte: a copy may overlap what it writes
                out.append(out[index])


# --- MS-CFB: the compound file ---------------------------------------------------------------------------------

_SECTOR = 512  # version 3: sector shift 9 (MS-CFB 2.2)
_MINI_SECTOR = 64  # mini sector shift 6
_MINI_STREAM_CUTOFF = 4096  # smaller streams live in the mini stream
_ENTRY_SIZE = 128
_IDS_PER_SECTOR = _SECTOR // 4
_HEADER_DIFAT_SLOTS = 109  # FAT sector locations the header can hold without DIFAT sectors
_FATSECT = 0xFFFFFFFD
_ENDOFCHAIN = 0xFFFFFFFE
_FREESECT = 0xFFFFFFFF
_NOSTREAM = 0xFFFFFFFF
_STORAGE, _STREAM, _ROOT = 1, 2, 5  # MS-CFB 2.6.1 object types
_BLACK = 1
_FORBIDDEN_NAME_CHARACTERS = frozenset("/\\:!")  # MS-CFB 2.6.1


@dataclass(eq=False)
class _Entry:
    """One directory entry while the compound file is laid out: a storage (``data`` None) or a stream."""

    name: str
    data: bytes | None
    children: list[_Entry] = field(default_factory=list)
    sid: int = 0
    left: int = _NOSTREAM
    right: int = _NOSTREAM
    child: int = _NOSTREAM
    start: int = _ENDOFCHAIN


def _cfb_order(entry: _Entry) -> tuple[int, str]:
    """Sibling order (MS-CFB 2.6.4): shorter names first, then code point by code point, upper-cased."""
    return len(entry.name.encode("utf-16-le")), entry.name.upper()


def compound_file(streams: Mapping[str, bytes]) -> bytes:
    """Write a version 3 compound file (MS-CFB) holding the given streams.

    Storages are implied by the paths: ``{"VBA/dir": ...}`` makes a storage ``VBA`` holding a stream ``dir``.
    Streams under 4096 bytes go into the mini stream (MS-CFB 2.5); each storage's children form a balanced
    binary search tree in MS-CFB 2.6.4 order with every node black, which meets the red-black rules of
    MS-CFB 2.6.4 (no two red nodes in a row). Timestamps and CLSIDs are zero, so equal input gives equal bytes.

    Args:
        streams: stream path ("/"-separated, each name 1-31 characters) -> stream content.

    Returns:
        The compound file's bytes.

    Raises:
        BcfInputError: a bad name, a path used both as a stream and a storage, or a file past 6.8 MB (the
            size a header without DIFAT sectors can address).
    """
    root = _Entry("Root Entry", None)
    for path, data in streams.items():
        _place(root, path, data)
    entries = _number_entries(root)
    for entry in entries:
        _link_siblings(entry)

    stored = [(e, e.data) for e in entries if e.data]  # an empty stream has no sectors: it starts at ENDOFCHAIN
    big_entries = [(e, data) for e, data in stored if len(data) >= _MINI_STREAM_CUTOFF]

    mini_stream = bytearray()
    mini_fat: list[int] = []
    for entry, data in stored:
        if len(data) < _MINI_STREAM_CUTOFF:
            entry.start = len(mini_stream) // _MINI_SECTOR
            count = -(-len(data) // _MINI_SECTOR)
            mini_fat += [*range(entry.start + 1, entry.start + count), _ENDOFCHAIN]
            mini_stream += data.ljust(count * _MINI_SECTOR, b"\x00")

    dir_sectors = -(-len(entries) * _ENTRY_SIZE // _SECTOR)
    mini_fat_sectors = -(-len(mini_fat) // _IDS_PER_SECTOR)
    mini_stream_sectors = -(-len(mini_stream) // _SECTOR)
    big_sectors = [-(-len(data) // _SECTOR) for _, data in big_entries]
    other_sectors = dir_sectors + mini_fat_sectors + mini_stream_sectors + sum(big_sectors)
    fat_sectors = 1
    while fat_sectors * _IDS_PER_SECTOR < fat_sectors + other_sectors:
        fat_sectors += 1
    if fat_sectors > _HEADER_DIFAT_SLOTS:
        raise BcfInputError(Location(field="VBA project"), "must fit in 6.8 MB", f"{other_sectors * _SECTOR} bytes")

    fat = [_FATSECT] * fat_sectors

    def chain(count: int) -> int:
        """Allocate ``count`` consecutive sectors as one chain; return its first sector (or ENDOFCHAIN)."""
        if count == 0:
            return _ENDOFCHAIN
        first = len(fat)
        fat.extend([*range(first + 1, first + count), _ENDOFCHAIN])
        return first

    dir_start = chain(dir_sectors)
    mini_fat_start = chain(mini_fat_sectors)
    root.start = chain(mini_stream_sectors)
    for (entry, _), count in zip(big_entries, big_sectors, strict=True):
        entry.start = chain(count)
    fat += [_FREESECT] * (fat_sectors * _IDS_PER_SECTOR - len(fat))

    directory = b"".join(_directory_entry(entry, root, len(mini_stream)) for entry in entries)
    directory += _FREE_ENTRY * (dir_sectors * _SECTOR // _ENTRY_SIZE - len(entries))
    body = [
        struct.pack(f"<{len(fat)}I", *fat),
        _padded(directory, dir_sectors),
        _padded(struct.pack(f"<{len(mini_fat)}I", *mini_fat), mini_fat_sectors, filler=b"\xff"),
        _padded(bytes(mini_stream), mini_stream_sectors),
        *(_padded(data, count) for (_, data), count in zip(big_entries, big_sectors, strict=True)),
    ]
    header = _header(fat_sectors, dir_start, mini_fat_start, mini_fat_sectors)
    return header + b"".join(body)


def _place(root: _Entry, path: str, data: bytes) -> None:
    """Put a stream at ``path`` under ``root``, making the storages on the way."""
    *storages, name = path.split("/")
    parent = root
    for part in storages:
        _check_cfb_name(part, path)
        found = next((c for c in parent.children if c.name.upper() == part.upper()), None)
        if found is None:
            found = _Entry(part, None)
            parent.children.append(found)
        elif found.data is not None:
            raise BcfInputError(Location(field="compound file"), "a stream cannot also be a storage", path)
        parent = found
    _check_cfb_name(name, path)
    if any(c.name.upper() == name.upper() for c in parent.children):
        raise BcfInputError(Location(field="compound file"), "each name may appear once in a storage", path)
    parent.children.append(_Entry(name, bytes(data)))


def _check_cfb_name(name: str, path: str) -> None:
    if not 1 <= len(name) <= 31 or _FORBIDDEN_NAME_CHARACTERS & set(name):
        raise BcfInputError(
            Location(field="compound file"), "each name must be 1-31 characters without / \\ : or !", path
        )


def _number_entries(root: _Entry) -> list[_Entry]:
    """All entries in breadth-first order, each given its directory index (the root is 0)."""
    entries = [root]
    for entry in entries:  # grows while it is walked: breadth first
        entry.children.sort(key=_cfb_order)
        entries.extend(entry.children)
    for sid, entry in enumerate(entries):
        entry.sid = sid
    return entries


def _link_siblings(parent: _Entry) -> None:
    """Make ``parent``'s children a balanced search tree: the middle child on top, each half below it."""

    def subtree(children: list[_Entry]) -> int:
        if not children:
            return _NOSTREAM
        middle = len(children) // 2
        top = children[middle]
        top.left = subtree(children[:middle])
        top.right = subtree(children[middle + 1 :])
        return top.sid

    parent.child = subtree(parent.children)


def _directory_entry(entry: _Entry, root: _Entry, mini_stream_size: int) -> bytes:
    """One 128-byte directory entry (MS-CFB 2.6.1)."""
    name = entry.name.encode("utf-16-le") + b"\x00\x00"
    if entry is root:
        kind, start, size = _ROOT, entry.start, mini_stream_size
    elif entry.data is None:
        kind, start, size = _STORAGE, 0, 0
    else:
        kind, start, size = _STREAM, entry.start, len(entry.data)
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        name,
        len(name),
        kind,
        _BLACK,
        entry.left,
        entry.right,
        entry.child,
        bytes(16),  # CLSID
        0,  # state bits
        0,  # creation time
        0,  # modified time
        start,
        size,
    )


def _padded(data: bytes, sectors: int, filler: bytes = b"\x00") -> bytes:
    """``data`` filled out to ``sectors`` whole sectors."""
    return data + filler * (sectors * _SECTOR - len(data))


# A free directory entry: all zero but for the three links, which MUST be NOSTREAM (MS-CFB 2.6.1).
_FREE_ENTRY = struct.pack("<64sHBBIII16sIQQIQ", b"", 0, 0, 0, _NOSTREAM, _NOSTREAM, _NOSTREAM, bytes(16), 0, 0, 0, 0, 0)


def _header(fat_sectors: int, dir_start: int, mini_fat_start: int, mini_fat_sectors: int) -> bytes:
    """The 512-byte header of a version 3 compound file (MS-CFB 2.2)."""
    difat = list(range(fat_sectors)) + [_FREESECT] * (_HEADER_DIFAT_SLOTS - fat_sectors)
    return struct.pack(
        "<8s16sHHHHH6sIIIIIIIII109I",
        bytes.fromhex("D0CF11E0A1B11AE1"),
        bytes(16),  # CLSID
        0x003E,  # minor version
        0x0003,  # major version 3: 512-byte sectors
        0xFFFE,  # byte order: little-endian
        9,  # sector shift
        6,  # mini sector shift
        bytes(6),
        0,  # number of directory sectors: MUST be 0 in version 3
        fat_sectors,
        dir_start,
        0,  # transaction signature
        _MINI_STREAM_CUTOFF,
        mini_fat_start,
        mini_fat_sectors,
        _ENDOFCHAIN,  # first DIFAT sector: none
        0,
        *difat,
    )


# --- MS-OVBA: the VBA project -----------------------------------------------------------------------------------

_CODE_PAGE = 1252  # PROJECTCODEPAGE: every MBCS string in the project is Windows-1252 (MS-OVBA 2.3.4.2.1.5)
_ENCODING = "cp1252"
_LCID = 0x0409  # PROJECTLCID and PROJECTLCIDINVOKE MUST be 0x0409 (MS-OVBA 2.3.4.2.1.3-4)
_SYSKIND_WIN32 = 0x00000001  # as LibreOffice and vbamc write; with no compiled code nothing depends on bitness
_STDOLE_LIBID = "*\\G{00020430-0000-0000-C000-000000000046}#2.0#0#C:\\Windows\\System32\\stdole2.tlb#OLE Automation"
_HOST_EXTENDER = "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000"  # MS-OVBA 2.3.1.18
_PROJECT_ID_NAMESPACE = uuid.UUID("6f1d0c2e-3b7a-5c4e-9a51-2b8c7e4d9f10")  # ours: project IDs derive from names
_MODULE_NAME_LIMIT = 31  # the VBA editor's limit, and a compound-file stream name's
_PROJECT_NAME_LIMIT = 128  # PROJECTNAME: 1 to 128 bytes (MS-OVBA 2.3.4.2.1.6)
_LINE_LIMIT = 1023  # the longest physical line the VBA editor accepts
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_NAME_ATTRIBUTE = re.compile(r"\s*Attribute\s+VB_Name\b", re.IGNORECASE)
_KEYWORD_TEXT = (
    "And As Boolean ByRef Byte ByVal Call Case Const Currency Date Declare Dim Do Double Each Else ElseIf "
    "Empty End Enum Eqv Erase Event Exit False For Friend Function Get Global GoSub GoTo If Imp Implements In "
    "Integer Is Let Like Long LongLong LongPtr Loop LSet Me Mod New Next Not Nothing Null Object On Option "
    "Optional Or ParamArray Preserve Private Property Public RaiseEvent ReDim Rem Resume RSet Select Set "
    "Single Static Step Stop String Sub Then To True Type TypeOf Until Variant Wend While With WithEvents Xor"
)
_KEYWORDS = frozenset(word.upper() for word in _KEYWORD_TEXT.split())
# Excel's class IDs for a workbook and a worksheet object: a document module's VB_Base names what it extends.
_WORKBOOK_BASE = "0{00020819-0000-0000-C000-000000000046}"
_WORKSHEET_BASE = "0{00020820-0000-0000-C000-000000000046}"


@dataclass(frozen=True, slots=True)
class _Module:
    """One module of the project: its name (also its stream's name), whether it is a document module, its text."""

    name: str
    document: bool
    text: str  # the whole stored source: Attribute lines first, CRLF line ends


def vba_project(
    modules: Mapping[str, str],
    project_name: str = "BCFPlanning",
    *,
    sheet_code_names: Sequence[str] = (),
) -> bytes:
    """Build a ``vbaProject.bin`` holding standard modules written from source, for Excel to compile on open.

    Besides the standard modules the project holds an empty ``ThisWorkbook`` document module and one empty
    document module per worksheet code name given, so that Excel binds them to the workbook and sheets whose
    ``codeName`` XlsxWriter writes (see the module docstring). There is no compiled code and no performance
    cache (MS-OVBA 2.3.4.1): Excel compiles the modules from their source when the workbook is first opened.

    Use it with XlsxWriter as ``workbook.add_vba_project(io.BytesIO(data), is_stream=True)``; a button's macro
    (``worksheet.insert_button(cell, {"macro": "GenerateSubmission", ...})``) names a ``Public Sub`` of one of
    the modules.

    Args:
        modules: module name -> VBA source; the project lists them in this order. Names are VBA
            identifiers of at most 31 characters; the source is Windows-1252 text with any line ends, without
            the ``Attribute VB_Name`` line (it is added).
        project_name: the VBA project's name, a VBA identifier.
        sheet_code_names: the worksheets' code names, in sheet order: XlsxWriter's are ``Sheet1``,
            ``Sheet2``... unless ``worksheet.set_vba_name`` chose others. Empty leaves Excel to make them.

    Returns:
        The bytes of the ``vbaProject.bin`` compound file. The same arguments always give the same bytes.

    Raises:
        BcfInputError: a name that is not a valid, unique VBA identifier, or source that is not
            Windows-1252 text, holds its own ``Attribute VB_Name`` line or a line over 1023 characters.
    """
    _check_name(project_name, "VBA project name", _PROJECT_NAME_LIMIT)
    parts = [_standard_module(name, source) for name, source in modules.items()]
    parts.append(_document_module(WORKBOOK_MODULE, _WORKBOOK_BASE))
    parts += [_document_module(name, _WORKSHEET_BASE) for name in sheet_code_names]
    _check_unique([project_name] + [part.name for part in parts])

    project_id = "{" + str(uuid.uuid5(_PROJECT_ID_NAMESPACE, project_name)).upper() + "}"
    streams = {
        "PROJECT": _project_stream(project_id, project_name, parts),
        "PROJECTwm": _project_wm_stream(parts),
        "VBA/_VBA_PROJECT": _VBA_PROJECT_STREAM,
        "VBA/dir": compress(_dir_stream(project_name, parts)),
    }
    for part in parts:
        try:
            streams[f"VBA/{part.name}"] = _compress(part.text.encode(_ENCODING), allow_raw=False)
        except _RawChunkError as problem:
            raise BcfInputError(
                Location(field=f"VBA module {part.name}"),
                f"source must compress, as all VBA does (bytes {problem.offset}-{problem.offset + 4095} do not)",
                show_got=False,
            ) from None
    return compound_file(streams)


def _check_name(name: object, what: str, limit: int) -> None:
    """A VBA identifier: a letter, then letters, digits or underscores, not a keyword, at most ``limit`` long."""
    where = Location(field=what)
    if not isinstance(name, str) or not _IDENTIFIER.fullmatch(name):
        raise BcfInputError(where, "must be a VBA identifier: a letter, then letters, digits or _", name)
    if len(name) > limit:
        raise BcfInputError(where, f"must be at most {limit} characters", name)
    if name.upper() in _KEYWORDS:
        raise BcfInputError(where, "must not be a VBA keyword", name)


def _check_unique(names: Sequence[str]) -> None:
    """VBA names are case-insensitive: the project and its modules need distinct names."""
    seen: set[str] = set()
    for name in names:
        if name.upper() in seen:
            raise BcfInputError(
                Location(field="VBA module name"), "must differ from the project's and the other modules' names", name
            )
        seen.add(name.upper())


def _standard_module(name: str, source: object) -> _Module:
    """A standard module: the ``Attribute VB_Name`` line, then the source with CRLF line ends."""
    _check_name(name, "VBA module name", _MODULE_NAME_LIMIT)
    where = Location(field=f"VBA module {name}")
    if not isinstance(source, str):
        raise BcfInputError(where, "source must be text", source)
    lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines[-1] == "":
        lines.pop()  # a final line end ends the last line; it does not start another
    for number, line in enumerate(lines, start=1):
        if "\x00" in line:
            raise BcfInputError(where, f"line {number} must not hold a NUL character", show_got=False)
        try:
            line.encode(_ENCODING)
        except UnicodeEncodeError as problem:
            raise BcfInputError(
                where, f"line {number} must be Windows-1252 text", line[problem.start : problem.end]
            ) from None
        if len(line) > _LINE_LIMIT:
            raise BcfInputError(where, f"line {number} must be at most {_LINE_LIMIT} characters", len(line))
        if _NAME_ATTRIBUTE.match(line):
            raise BcfInputError(where, f"line {number}: leave out Attribute VB_Name, it is added", line)
    return _Module(name, False, "".join(f"{line}\r\n" for line in [f'Attribute VB_Name = "{name}"', *lines]))


def _document_module(name: str, base: str) -> _Module:
    """An empty document module for the workbook or a sheet, with the attributes Excel gives one."""
    _check_name(name, "sheet code name", _MODULE_NAME_LIMIT)
    attributes = [
        f'VB_Name = "{name}"',
        f'VB_Base = "{base}"',
        "VB_GlobalNameSpace = False",
        "VB_Creatable = False",
        "VB_PredeclaredId = True",
        "VB_Exposed = True",
        "VB_TemplateDerived = False",
        "VB_Customizable = True",
    ]
    return _Module(name, True, "".join(f"Attribute {attribute}\r\n" for attribute in attributes))


# MS-OVBA 2.3.4.1: Reserved1 0x61CC, Version 0xFFFF (so any performance cache is ignored), Reserved2 0x00,
# Reserved3 (undefined: 0x0001 as in the specification's example, 3.1.1), and no PerformanceCache.
_VBA_PROJECT_STREAM = struct.pack("<HHBH", 0x61CC, 0xFFFF, 0x00, 0x0001)


def _project_stream(project_id: str, project_name: str, parts: Sequence[_Module]) -> bytes:
    """The PROJECT stream (MS-OVBA 2.3.1): the project's properties as text, then the host extender."""
    seeds = uuid.UUID(project_id).bytes  # fixed per project so that output is reproducible (see _encrypt)
    lines = [f'ID="{project_id}"']  # 2.3.1.2
    lines += [f"Document={p.name}/&H00000000" if p.document else f"Module={p.name}" for p in parts]  # 2.3.1.3-4
    lines += [
        f'Name="{project_name}"',  # 2.3.1.11
        'HelpContextID="0"',  # 2.3.1.12
        'VersionCompatible32="393222000"',  # 2.3.1.14
        f'CMG="{_encrypt(bytes(4), project_id, seeds[0])}"',  # 2.3.1.15: no protection
        f'DPB="{_encrypt(bytes(1), project_id, seeds[1])}"',  # 2.3.1.16: no password is one byte 0x00
        f'GC="{_encrypt(bytes([0xFF]), project_id, seeds[2])}"',  # 2.3.1.17: 0xFF, visible
        "",
        "[Host Extender Info]",  # 2.3.1.18
        _HOST_EXTENDER,
    ]
    return "".join(f"{line}\r\n" for line in lines).encode(_ENCODING)


def _encrypt(data: bytes, project_id: str, seed: int) -> str:
    """Data Encryption (MS-OVBA 2.4.3.2) of a PROJECT stream value, as upper-case hex.

    The seed and the ignored bytes only obfuscate; the specification leaves their values open, so they are
    fixed here (the seed from the project ID, the ignored bytes zero) to make the output reproducible.
    """
    project_key = sum(project_id.encode("ascii")) & 0xFF
    version_enc = seed ^ 2  # Version MUST be 2
    project_key_enc = seed ^ project_key
    out = bytearray([seed, version_enc, project_key_enc])
    unencrypted_1, encrypted_1, encrypted_2 = project_key, project_key_enc, version_enc
    ignored = bytes((seed & 6) // 2)
    for byte in ignored + struct.pack("<I", len(data)) + data:
        byte_enc = byte ^ ((encrypted_2 + unencrypted_1) & 0xFF)
        out.append(byte_enc)
        encrypted_2, encrypted_1, unencrypted_1 = encrypted_1, byte_enc, byte
    return out.hex().upper()


def _project_wm_stream(parts: Sequence[_Module]) -> bytes:
    """The PROJECTwm stream (MS-OVBA 2.3.3): each module name in MBCS and in UTF-16, each NUL-terminated."""
    names = b"".join(p.name.encode(_ENCODING) + b"\x00" + p.name.encode("utf-16-le") + b"\x00\x00" for p in parts)
    return names + b"\x00\x00"


def _record(record_id: int, data: bytes) -> bytes:
    """A dir stream record: Id (2 bytes), Size (4 bytes), then Size bytes."""
    return struct.pack("<HI", record_id, len(data)) + data


def _text_records(record_id: int, text: str, unicode_id: int) -> bytes:
    """A record holding MBCS text followed by its Unicode twin, as several dir records do."""
    return _record(record_id, text.encode(_ENCODING)) + _record(unicode_id, text.encode("utf-16-le"))


def _dir_stream(project_name: str, parts: Sequence[_Module]) -> bytes:
    """The uncompressed dir stream (MS-OVBA 2.3.4.2): project information, references, modules, terminator."""
    information = b"".join(
        [
            _record(0x0001, struct.pack("<I", _SYSKIND_WIN32)),  # 2.3.4.2.1.1 PROJECTSYSKIND
            _record(0x0002, struct.pack("<I", _LCID)),  # 2.3.4.2.1.3 PROJECTLCID
            _record(0x0014, struct.pack("<I", _LCID)),  # 2.3.4.2.1.4 PROJECTLCIDINVOKE
            _record(0x0003, struct.pack("<H", _CODE_PAGE)),  # 2.3.4.2.1.5 PROJECTCODEPAGE
            _record(0x0004, project_name.encode(_ENCODING)),  # 2.3.4.2.1.6 PROJECTNAME
            _text_records(0x0005, "", 0x0040),  # 2.3.4.2.1.7 PROJECTDOCSTRING
            _text_records(0x0006, "", 0x003D),  # 2.3.4.2.1.8 PROJECTHELPFILEPATH (both paths empty)
            _record(0x0007, struct.pack("<I", 0)),  # 2.3.4.2.1.9 PROJECTHELPCONTEXT
            _record(0x0008, struct.pack("<I", 0)),  # 2.3.4.2.1.10 PROJECTLIBFLAGS: MUST be 0
            # 2.3.4.2.1.11 PROJECTVERSION: its Reserved field (4) stands where a size would; 6 bytes follow it.
            struct.pack("<HIIH", 0x0009, 4, 1, 0),
            _text_records(0x000C, "", 0x003C),  # 2.3.4.2.1.12 PROJECTCONSTANTS
        ]
    )
    references = _text_records(0x0016, "stdole", 0x003E) + _record(  # 2.3.4.2.2.2 REFERENCENAME
        0x000D,  # 2.3.4.2.2.5 REFERENCEREGISTERED: libid, then 6 reserved zero bytes
        struct.pack("<I", len(_STDOLE_LIBID)) + _STDOLE_LIBID.encode(_ENCODING) + bytes(6),
    )
    modules = _record(0x000F, struct.pack("<H", len(parts)))  # 2.3.4.2.3 PROJECTMODULES: the count
    modules += _record(0x0013, struct.pack("<H", 0xFFFF))  # 2.3.4.2.3.1 PROJECTCOOKIE
    for part in parts:  # 2.3.4.2.3.2 MODULE
        modules += b"".join(
            [
                _record(0x0019, part.name.encode(_ENCODING)),  # MODULENAME
                _record(0x0047, part.name.encode("utf-16-le")),  # MODULENAMEUNICODE
                _text_records(0x001A, part.name, 0x0032),  # MODULESTREAMNAME: the stream is named as the module
                _text_records(0x001C, "", 0x0048),  # MODULEDOCSTRING
                _record(0x0031, struct.pack("<I", 0)),  # MODULEOFFSET: the source starts at 0, no p-code before
                _record(0x001E, struct.pack("<I", 0)),  # MODULEHELPCONTEXT
                _record(0x002C, struct.pack("<H", 0xFFFF)),  # MODULECOOKIE
                _record(0x0022 if part.document else 0x0021, b""),  # MODULETYPE: document (or class) / procedural
                _record(0x002B, b""),  # terminator
            ]
        )
    return information + references + modules + _record(0x0010, b"")  # the dir stream's terminator
