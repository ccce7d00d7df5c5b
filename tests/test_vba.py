"""The VBA project written from source: MS-OVBA compression, the compound file, and what readers make of it.

Three independent readers check the project: oletools (olevba) extracts the modules, olefile reads the
compound file, and LibreOffice imports the VBA into Basic and binds the workbook's button to its macro.
Only Excel itself can confirm that it compiles and runs the modules; see the module docstring of
``bcf_xl.planbook.vba`` and the report that came with it.
"""

from __future__ import annotations

import io
import random
import re
import struct
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import olefile
import pytest
import xlsxwriter
from hypothesis import given, settings, strategies as st
from oletools.olevba import VBA_Parser, decompress_stream

from bcf_xl.errors import BcfInputError
from bcf_xl.planbook.vba import WORKBOOK_MODULE, compound_file, compress, decompress, vba_project
from tests.libreoffice import convert

MACROS = """Option Explicit

' Each button runs one Sub; the work itself happens in Python, through the xlwings add-in.
Public Sub GenerateSubmission()
    RunBcf "generate_submission"
End Sub

Public Sub CheckPlan()
    RunBcf "check_plan"
End Sub

Private Sub RunBcf(ByVal action As String)
    On Error GoTo NoAddIn
    Application.Run "xlwings.xlam!RunPython", "import bcf_macros; bcf_macros." & action & "()"
    Exit Sub
NoAddIn:
    MsgBox "The xlwings add-in is needed (it costs £0): run 'xlwings addin install'.", vbExclamation
End Sub
"""


def _long_module(lines: int = 900) -> str:
    """A module whose compressed source passes 4096 bytes: several chunks, and a stream outside the mini stream."""
    words = ["plan", "scheme", "uplift", "pool", "DFG", "partner", "metric", "risk", "£", "total", "year", "cell"]
    rng = random.Random(7)
    body = [
        f"' {n:04d} " + " ".join(rng.choice(words) for _ in range(8)) + f" {rng.randrange(10**6)}" for n in range(lines)
    ]
    return "\n".join(["Option Explicit", *body, "Public Sub RollForward()", '    MsgBox "later"', "End Sub", ""])


MODULES = {"BcfMacros": MACROS, "BcfNotes": _long_module()}
SHEETS = ("Sheet1", "Sheet2")
BUTTON_MACRO = "GenerateSubmission"


@pytest.fixture(scope="module")
def project() -> bytes:
    return vba_project(MODULES, sheet_code_names=SHEETS)


@pytest.fixture(scope="module")
def xlsm(project: bytes, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An .xlsm made by XlsxWriter, as the planning workbook builder makes it: two sheets and a button."""
    path = tmp_path_factory.mktemp("vba") / "planbook.xlsm"
    book = xlsxwriter.Workbook(str(path))
    cover = book.add_worksheet("Cover")
    book.add_worksheet("Schemes")
    cover.write("A1", "Planning workbook")
    book.add_vba_project(io.BytesIO(project), is_stream=True)
    cover.insert_button("B3", {"macro": BUTTON_MACRO, "caption": "Generate submission"})
    book.close()
    return path


def _extracted(source: str | Path, data: bytes | None = None) -> dict[str, str]:
    """Module name -> source text, as olevba extracts them."""
    parser = VBA_Parser(str(source), data=data)
    try:
        assert parser.detect_vba_macros()
        return {name.rsplit(".", 1)[0]: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


def _extracted_files(data: bytes) -> list[str]:
    """The file names olevba gives the modules: ``.bas`` for a standard module, ``.cls`` for a document module."""
    parser = VBA_Parser("vbaProject.bin", data=data)
    try:
        return sorted(name for _, _, name, _ in parser.extract_macros())
    finally:
        parser.close()


def _code_lines(code: str) -> list[str]:
    return [line for line in code.splitlines() if not line.startswith("Attribute VB_")]


def _subs(code: str) -> set[str]:
    return set(re.findall(r"^\s*(?:Public\s+|Private\s+)?Sub\s+(\w+)\s*\(", code, re.MULTILINE | re.IGNORECASE))


# --- 1. oletools finds every module and its exact source -----------------------------------------------------


def test_olevba_extracts_every_module_exactly(project: bytes) -> None:
    """olevba finds each standard module in the bare vbaProject.bin and extracts its source line for line."""
    extracted = _extracted("vbaProject.bin", project)
    for name, source in MODULES.items():
        assert _code_lines(extracted[name]) == source.splitlines(), name


def test_olevba_extracts_every_module_from_the_xlsm(xlsm: Path) -> None:
    """olevba finds the same modules, line for line, inside the .xlsm XlsxWriter made with the project."""
    extracted = _extracted(xlsm)
    assert set(extracted) == {*MODULES, WORKBOOK_MODULE, *SHEETS}
    for name, source in MODULES.items():
        assert _code_lines(extracted[name]) == source.splitlines(), name


def test_document_modules_are_typed_as_documents(project: bytes) -> None:
    """ThisWorkbook and each sheet module are document modules (.cls); the macro modules are standard (.bas)."""
    assert _extracted_files(project) == sorted(
        [*(f"{name}.bas" for name in MODULES), f"{WORKBOOK_MODULE}.cls", *(f"{name}.cls" for name in SHEETS)]
    )


def test_document_modules_extend_excel_workbook_and_worksheet(project: bytes) -> None:
    """A document module declares the Excel object it belongs to, as Excel writes it (VB_Base class ID)."""
    extracted = _extracted("vbaProject.bin", project)
    assert 'Attribute VB_Base = "0{00020819-0000-0000-C000-000000000046}"' in extracted[WORKBOOK_MODULE]
    for sheet in SHEETS:
        assert 'Attribute VB_Base = "0{00020820-0000-0000-C000-000000000046}"' in extracted[sheet]
        assert "Attribute VB_PredeclaredId = True" in extracted[sheet]


def test_document_modules_match_the_code_names_xlsxwriter_writes(xlsm: Path) -> None:
    """Excel binds document modules by codeName: XlsxWriter's workbook and sheet code names each have a module."""
    with zipfile.ZipFile(xlsm) as package:
        workbook = package.read("xl/workbook.xml").decode()
        sheets = [package.read(f"xl/worksheets/sheet{n}.xml").decode() for n in (1, 2)]
    assert f'codeName="{WORKBOOK_MODULE}"' in workbook
    assert [re.search(r'codeName="(\w+)"', sheet).group(1) for sheet in sheets] == list(SHEETS)  # type: ignore[union-attr]


# --- 2. MS-OVBA compression ------------------------------------------------------------------------------------


def _final_raw_padding(container: bytes, length: int) -> bytes:
    """The zeros a short final chunk stored raw carries (MS-OVBA 2.4.1.3.10): 4096 bytes, however few are data."""
    position, header = 1, 0
    while position < len(container):
        (header,) = struct.unpack_from("<H", container, position)
        position += 2 + (header & 0x0FFF) + 1 if header & 0x8000 else 2 + 4096
    stored_raw = length > 0 and not header & 0x8000
    return bytes(-length % 4096) if stored_raw else b""


ROUND_TRIP_CASES = {
    "empty": b"",
    "short": b"Sub A()\r\nEnd Sub\r\n",
    "one byte": b"x",
    "exactly one chunk": (b"Dim x As Long\r\n" * 300)[:4096],
    "longer than a chunk": MACROS.encode("cp1252") * 12,
    "highly repetitive": b"a" * 20_000,
    "repeated pattern": b"abc" * 7_000,
    "long module": MODULES["BcfNotes"].encode("cp1252"),
}


@pytest.mark.parametrize("data", ROUND_TRIP_CASES.values(), ids=ROUND_TRIP_CASES.keys())
def test_compression_round_trips(data: bytes) -> None:
    """Decompressing what compress made gives the input back, by our decompressor and by oletools'."""
    container = compress(data)
    assert decompress(container) == data
    assert decompress_stream(bytearray(container)) == data


def test_compression_shrinks_source_text() -> None:
    """VBA source compresses (copy tokens are used), so every chunk is stored compressed, none raw."""
    data = MODULES["BcfNotes"].encode("cp1252")
    container = compress(data)
    assert len(container) < len(data) / 2
    assert _final_raw_padding(container, len(data)) == b""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            b"abcdefghijklmnopqrstuv.",
            "01 19 B0 00 61 62 63 64 65 66 67 68 00 69 6A 6B 6C 6D 6E 6F 70 00 71 72 73 74 75 76 2E",
        ),
        (
            b"#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa",
            "01 2F B0 00 23 61 61 61 62 63 64 65 82 66 00 70 61 67 68 69 6A 01 38 08 61 6B 6C 00 20 6D 6E 6F 70 06 71"
            " 02 70 04 00 72 73 74 75 76 10 77 78 79 7A 00 2C",
        ),
    ],
    ids=["3.2.1 no compression", "3.2.2 normal compression"],
)
def test_compression_matches_the_specification_examples(text: bytes, expected: str) -> None:
    """compress and decompress reproduce the byte arrays of the MS-OVBA 3.2 examples exactly."""
    assert compress(text) == bytes.fromhex(expected)
    assert decompress(bytes.fromhex(expected)) == text


@settings(deadline=None)
@given(
    st.binary(max_size=10_000)
    | st.text(st.characters(codec="cp1252"), max_size=9_000).map(lambda t: t.encode("cp1252"))
)
def test_compression_round_trips_any_bytes(data: bytes) -> None:
    """Any bytes round-trip through compress and either decompressor, but for the spec's zero padding of a raw end."""
    container = compress(data)
    expected = data + _final_raw_padding(container, len(data))
    assert decompress(container) == expected
    assert decompress_stream(bytearray(container)) == expected


@settings(deadline=None)
@given(st.lists(st.sampled_from(["Dim x As Long", "If a Then", "End If", "  ' £ note", ""]), max_size=2_000))
def test_compression_round_trips_source_like_text_exactly(lines: list[str]) -> None:
    """Source-like text round-trips exactly: it always compresses, so no chunk is ever stored raw."""
    data = "\r\n".join(lines).encode("cp1252")
    container = compress(data)
    assert _final_raw_padding(container, len(data)) == b""
    assert decompress(container) == data
    assert decompress_stream(bytearray(container)) == data


@pytest.mark.parametrize(
    ("container", "rule"),
    [
        (b"", "signature byte"),
        (b"\x02\x00\xb0", "signature byte"),
        (b"\x01\x00\xa0a", "chunk signature"),
        (b"\x01\x10\xb0\x00abc", "runs past the end"),
        (b"\x01\xff\x3f" + b"a" * 10, "must hold 4096 bytes"),
        (b"\x01\x02\xb0\x01\x00\x00", "points before its chunk"),
    ],
)
def test_decompress_refuses_a_malformed_container(container: bytes, rule: str) -> None:
    """A malformed compressed container is refused with a message that says what is wrong."""
    with pytest.raises(BcfInputError, match=rule):
        decompress(container)


# --- 3. The button's macro exists in the project -----------------------------------------------------------------


def test_button_macro_names_a_sub_in_the_project(xlsm: Path) -> None:
    """Every button XlsxWriter wrote names a Sub that the extracted VBA source defines."""
    with zipfile.ZipFile(xlsm) as package:
        drawing = package.read("xl/drawings/vmlDrawing1.vml").decode()
    macros = [m.split("!")[-1] for m in re.findall(r"<x:FmlaMacro>(.*?)</x:FmlaMacro>", drawing)]
    assert macros == [BUTTON_MACRO]
    defined = set().union(*(_subs(code) for code in _extracted(xlsm).values()))
    assert set(macros) <= defined
    assert {"GenerateSubmission", "CheckPlan", "RollForward"} <= defined


def test_each_planning_button_macro_calls_an_entry_point_that_exists() -> None:
    """The planning workbook's own project (buttons.button_macros) holds a Sub for every button, the two return
    buttons among them, and each Sub hands over to a bcf_macros function that exists."""
    import bcf_macros
    from bcf_xl.planbook import layout as L  # noqa: N812
    from bcf_xl.planbook.buttons import ENTRY_POINTS, button_macros

    source = "\n".join(_extracted("vbaProject.bin", button_macros()).values())
    assert {"GenerateQuarterlyReturn", "GenerateYearEndReturn"} <= set(L.BUTTON_CELLS) <= _subs(source)
    for macro in L.BUTTON_CELLS:
        body = re.search(rf"Sub {macro}\(\)(.*?)End Sub", source, re.S)
        assert body is not None, macro
        called = re.search(r"bcf_macros\.(\w+)\(\)", body.group(1))
        assert called is not None and called.group(1) == ENTRY_POINTS[macro]
        assert callable(getattr(bcf_macros, called.group(1)))
    assert ENTRY_POINTS["GenerateQuarterlyReturn"] == "generate_quarterly_return"
    assert ENTRY_POINTS["GenerateYearEndReturn"] == "generate_year_end_return"


# --- 4. LibreOffice imports the project ---------------------------------------------------------------------------


@pytest.mark.libreoffice
def test_libreoffice_imports_the_modules_and_binds_the_button(xlsm: Path, tmp_path: Path) -> None:
    """LibreOffice opens the .xlsm, imports each module's source as Basic and binds the button to its Sub."""
    ods = convert(xlsm, tmp_path, "ods")
    with zipfile.ZipFile(ods) as package:
        names = set(package.namelist())
        modules = {
            name: ElementTree.fromstring(package.read(f"Basic/BCFPlanning/{name}.xml"))
            for name in [*MODULES, WORKBOOK_MODULE, *SHEETS]
            if f"Basic/BCFPlanning/{name}.xml" in names
        }
        content = package.read("content.xml").decode()
    assert set(modules) == {*MODULES, WORKBOOK_MODULE, *SHEETS}
    kind = "{http://openoffice.org/2000/script}moduleType"
    for name, source in MODULES.items():
        assert modules[name].get(kind) == "normal"
        imported = (modules[name].text or "").rstrip("\n").splitlines()
        assert imported[-len(source.splitlines()) :] == source.splitlines(), name
    assert {modules[name].get(kind) for name in [WORKBOOK_MODULE, *SHEETS]} == {"document"}
    # LibreOffice only writes a listener when it found the macro in the imported modules.
    assert f"vnd.sun.star.script:BCFPlanning.BcfMacros.{BUTTON_MACRO}?language=Basic" in content


# --- The project's streams, as MS-OVBA specifies them ---------------------------------------------------------


def _streams(project: bytes) -> dict[str, bytes]:
    with olefile.OleFileIO(project) as ole:
        return {"/".join(path): ole.openstream(path).read() for path in ole.listdir()}


def _dir_records(project: bytes) -> list[tuple[int, bytes]]:
    """The dir stream's records (MS-OVBA 2.3.4.2) as (id, data); PROJECTVERSION's odd size field is honoured."""
    data = decompress(_streams(project)["VBA/dir"])
    records, position = [], 0
    while position < len(data):
        record_id, size = struct.unpack_from("<HI", data, position)
        size = 6 if record_id == 0x0009 else size
        records.append((record_id, data[position + 6 : position + 6 + size]))
        position += 6 + size
    return records


def test_project_has_the_streams_ms_ovba_requires(project: bytes) -> None:
    """The file holds PROJECT, PROJECTwm, VBA/_VBA_PROJECT, VBA/dir and one stream per module, nothing else."""
    modules = [*MODULES, WORKBOOK_MODULE, *SHEETS]
    expected = {"PROJECT", "PROJECTwm", "VBA/_VBA_PROJECT", "VBA/dir", *(f"VBA/{name}" for name in modules)}
    assert set(_streams(project)) == expected


def test_vba_project_stream_asks_for_compilation_from_source(project: bytes) -> None:
    """_VBA_PROJECT is 7 bytes with Version 0xFFFF and no performance cache (MS-OVBA 2.3.4.1)."""
    assert _streams(project)["VBA/_VBA_PROJECT"] == bytes.fromhex("CC61 FFFF 00 0100")


def test_module_records_point_at_source_at_offset_zero(project: bytes) -> None:
    """Every module's MODULEOFFSET is 0 (source only, no p-code) and its MODULETYPE says standard or document."""
    records = _dir_records(project)
    offsets = [struct.unpack("<I", data)[0] for record_id, data in records if record_id == 0x0031]
    types = [record_id for record_id, _ in records if record_id in (0x0021, 0x0022)]
    names = [data.decode("cp1252") for record_id, data in records if record_id == 0x0019]
    assert names == [*MODULES, WORKBOOK_MODULE, *SHEETS]
    assert offsets == [0] * len(names)
    assert types == [0x0021] * len(MODULES) + [0x0022] * (1 + len(SHEETS))
    assert (0x000F, struct.pack("<H", len(names))) in records
    assert records[-1] == (0x0010, b"")


def test_dir_stream_references_stdole(project: bytes) -> None:
    """The project carries the stdole (OLE Automation) reference the VBA editor gives every project."""
    records = dict(_dir_records(project))
    assert records[0x0016] == b"stdole"
    assert b"{00020430-0000-0000-C000-000000000046}#2.0#0#" in records[0x000D]


def _decrypt(hex_text: str, project_id: str) -> bytes:
    """Data Decryption (MS-OVBA 2.4.3.3); checks the version and the project key against the project ID."""
    data = bytes.fromhex(hex_text)
    seed, version_enc, key_enc = data[:3]
    assert seed ^ version_enc == 2
    assert seed ^ key_enc == sum(project_id.encode("ascii")) & 0xFF
    unencrypted_1, encrypted_1, encrypted_2 = seed ^ key_enc, key_enc, version_enc
    plain = bytearray()
    for byte_enc in data[3:]:
        byte = byte_enc ^ ((encrypted_2 + unencrypted_1) & 0xFF)
        plain.append(byte)
        encrypted_2, encrypted_1, unencrypted_1 = encrypted_1, byte_enc, byte
    ignored = (seed & 6) // 2
    (length,) = struct.unpack_from("<I", plain, ignored)
    assert len(plain) == ignored + 4 + length
    return bytes(plain[ignored + 4 :])


def test_decryption_reads_the_specification_example() -> None:
    """The test's decryption reads the PROJECT stream example of MS-OVBA 3.1.6 (a check of the checker)."""
    project_id = "{917DED54-440B-4FD1-A5C1-74ACF261E600}"
    assert _decrypt("0705D8E3D8EDDBF1DBF1DBF1DBF1", project_id) == bytes(4)
    assert _decrypt("0E0CD1ECDFF4E7F5E7F5E7", project_id) == b"\x00"
    assert _decrypt("1517CAF1D6F9D7F9D706", project_id) == b"\xff"


def test_project_stream_declares_an_unprotected_visible_project(project: bytes) -> None:
    """PROJECT follows the grammar of MS-OVBA 2.3.1; CMG, DPB and GC decrypt to unprotected, no password, visible."""
    lines = _streams(project)["PROJECT"].decode("cp1252").split("\r\n")
    project_id = re.fullmatch(r'ID="(\{[0-9A-F-]{36}\})"', lines[0]).group(1)  # type: ignore[union-attr]
    modules = [f"Module={name}" for name in MODULES]
    documents = [f"Document={name}/&H00000000" for name in [WORKBOOK_MODULE, *SHEETS]]
    assert lines[1 : 1 + len(modules) + len(documents)] == modules + documents
    rest = dict(line.split("=", 1) for line in lines[1 + len(modules) + len(documents) : -4])
    assert rest["Name"] == '"BCFPlanning"'
    assert rest["HelpContextID"] == '"0"'
    assert _decrypt(rest["CMG"].strip('"'), project_id) == bytes(4)
    assert _decrypt(rest["DPB"].strip('"'), project_id) == b"\x00"
    assert _decrypt(rest["GC"].strip('"'), project_id) == b"\xff"
    assert lines[-4:] == [
        "",
        "[Host Extender Info]",
        "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000",
        "",
    ]


def test_project_wm_lists_every_module(project: bytes) -> None:
    """PROJECTwm holds each module name in cp1252 then UTF-16, each NUL-terminated, then a 2-byte terminator."""
    expected = b"".join(
        name.encode() + b"\0" + name.encode("utf-16-le") + b"\0\0" for name in [*MODULES, WORKBOOK_MODULE, *SHEETS]
    )
    assert _streams(project)["PROJECTwm"] == expected + b"\0\0"


def test_same_input_gives_the_same_bytes() -> None:
    """The project is reproducible: equal arguments give byte-identical files."""
    assert vba_project(MODULES, sheet_code_names=SHEETS) == vba_project(MODULES, sheet_code_names=SHEETS)


def test_line_ends_are_normalised_to_crlf() -> None:
    """Source with LF, CR or CRLF line ends is stored with CRLF, as the VBA editor keeps it."""
    for source in ("Sub A()\nEnd Sub\n", "Sub A()\r\nEnd Sub", "Sub A()\rEnd Sub\r"):
        extracted = _extracted("vbaProject.bin", vba_project({"M": source}))["M"]
        assert extracted == 'Attribute VB_Name = "M"\r\nSub A()\r\nEnd Sub\r\n'


def test_a_project_without_sheet_modules_holds_this_workbook() -> None:
    """With no sheet code names the project still has the ThisWorkbook document module beside the macros."""
    assert set(_extracted("vbaProject.bin", vba_project({"BcfMacros": MACROS}))) == {"BcfMacros", WORKBOOK_MODULE}


# --- Bad input --------------------------------------------------------------------------------------------------

BAD_INPUT = {
    "name not an identifier": ({"1Macros": ""}, {}, "VBA identifier"),
    "name with a space": ({"My Macros": ""}, {}, "VBA identifier"),
    "name with an accent": ({"Módulo": ""}, {}, "VBA identifier"),
    "name too long": ({"M" * 32: ""}, {}, "at most 31"),
    "name a keyword": ({"Sub": ""}, {}, "keyword"),
    "names equal but for case": ({"Macros": "", "MACROS": ""}, {}, "must differ"),
    "name taken by ThisWorkbook": ({"thisworkbook": ""}, {}, "must differ"),
    "name taken by the project": ({"BCFPlanning": ""}, {}, "must differ"),
    "name taken by a sheet": ({"Sheet1": ""}, {"sheet_code_names": ["Sheet1"]}, "must differ"),
    "bad sheet code name": ({"M": ""}, {"sheet_code_names": ["Sheet 1"]}, "VBA identifier"),
    "bad project name": ({"M": ""}, {"project_name": "BCF Planning"}, "VBA identifier"),
    "source not text": ({"M": b"Sub A()"}, {}, "must be text"),
    "source not cp1252": ({"M": 'MsgBox "→"'}, {}, "Windows-1252"),
    "source with NUL": ({"M": "Sub A()\0"}, {}, "NUL"),
    "line too long": ({"M": "' " + "x" * 1022}, {}, "at most 1023"),
    "own VB_Name line": ({"M": 'Attribute VB_Name = "M"\nSub A()\nEnd Sub'}, {}, "leave out Attribute VB_Name"),
}


@pytest.mark.parametrize(("modules", "options", "rule"), BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_input_is_refused_with_the_rule(modules: dict[str, object], options: dict[str, object], rule: str) -> None:
    """A bad module or project name, or source VBA cannot hold, raises BcfInputError naming the rule."""
    with pytest.raises(BcfInputError, match=rule):
        vba_project(modules, **options)  # type: ignore[arg-type]


def test_incompressible_source_is_refused() -> None:
    """Text that only a raw chunk could hold is refused: Excel reportedly drops modules stored that way."""
    rng = random.Random(3)
    alphabet = [chr(c) for c in range(0x21, 0x7F)] + [chr(c) for c in range(0xC0, 0x100)]
    noise = ["' " + "".join(rng.choice(alphabet) for _ in range(80)) for _ in range(60)]
    with pytest.raises(BcfInputError, match="must compress"):
        vba_project({"Noise": "\n".join(noise)})


# --- The compound file (MS-CFB) ---------------------------------------------------------------------------------


BLACK = 1  # a directory entry's colour flag (MS-CFB 2.6.1)


def _sibling_names(ole: olefile.OleFileIO, sid: int) -> list[str]:
    """The names in one storage's sibling tree, in order (left subtree, node, right subtree)."""
    if sid == olefile.NOSTREAM:
        return []
    entry = ole.direntries[sid]
    assert entry.color == BLACK
    return [*_sibling_names(ole, entry.sid_left), entry.name, *_sibling_names(ole, entry.sid_right)]


def _cfb_key(name: str) -> tuple[int, str]:
    return len(name), name.upper()


def test_compound_file_sibling_trees_are_ordered_and_black(project: bytes) -> None:
    """Each storage's children form a search tree in MS-CFB 2.6.4 order (shorter names first), all nodes black."""
    with olefile.OleFileIO(project) as ole:
        storages = [
            e for e in ole.direntries if e is not None and e.entry_type in (olefile.STGTY_ROOT, olefile.STGTY_STORAGE)
        ]
        for storage in storages:
            names = _sibling_names(ole, storage.sid_child)
            assert names == sorted(names, key=_cfb_key)
            assert names
        assert ole.get_type("VBA") == olefile.STGTY_STORAGE


def test_compound_file_header_is_version_3(project: bytes) -> None:
    """The header declares a version 3 file: 512-byte sectors, 64-byte mini sectors, a 4096-byte cutoff."""
    minor, major, order, shift, mini_shift = struct.unpack_from("<HHHHH", project, 24)
    assert project[:8] == bytes.fromhex("D0CF11E0A1B11AE1")
    assert (minor, major, order, shift, mini_shift) == (0x3E, 3, 0xFFFE, 9, 6)
    assert struct.unpack_from("<I", project, 56)[0] == 4096
    assert len(project) % 512 == 0


stream_names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_ ]{0,30}", fullmatch=True)


def _streams_strategy(max_size: int, max_count: int) -> st.SearchStrategy[dict[str, bytes]]:
    """Streams with names unique regardless of case, as a storage's children must be."""
    pairs = st.lists(
        st.tuples(stream_names, st.binary(max_size=max_size)), max_size=max_count, unique_by=lambda p: p[0].upper()
    )
    return pairs.map(dict)


@settings(deadline=None, max_examples=60)
@given(_streams_strategy(9_000, 12), _streams_strategy(5_000, 6))
def test_compound_file_streams_read_back(top: dict[str, bytes], nested: dict[str, bytes]) -> None:
    """olefile reads back every stream written, in the root and in a storage, whatever its size."""
    streams = {name: data for name, data in top.items() if name.upper() != "STORE"}
    streams |= {f"Store/{name}": data for name, data in nested.items()}
    with olefile.OleFileIO(compound_file(streams)) as ole:
        for path, data in streams.items():
            assert ole.openstream(path).read() == data, path


def test_compound_file_holds_streams_needing_several_fat_sectors() -> None:
    """A file over 64 KB, whose FAT spans more than one sector, still reads back stream by stream."""
    streams = {"big": bytes(range(256)) * 400, "small": b"tiny", "VBA/mid": b"m" * 5000}
    data = compound_file(streams)
    assert struct.unpack_from("<I", data, 44)[0] > 1  # number of FAT sectors
    with olefile.OleFileIO(data) as ole:
        for path, content in streams.items():
            assert ole.openstream(path).read() == content


@pytest.mark.parametrize("path", ["", "a/", "x" * 32, "a:b", "bad!name"])
def test_compound_file_refuses_bad_names(path: str) -> None:
    """A stream name must be 1-31 characters without / \\ : or ! (MS-CFB 2.6.1)."""
    with pytest.raises(BcfInputError, match="1-31 characters"):
        compound_file({path: b"x"})


def test_compound_file_refuses_a_stream_used_as_a_storage() -> None:
    """A path cannot be a stream and a storage at once."""
    with pytest.raises(BcfInputError, match="cannot also be a storage"):
        compound_file({"a": b"x", "a/b": b"y"})
