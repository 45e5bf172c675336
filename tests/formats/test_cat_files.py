"""CAT formats: reading units, writing back only changed targets, and one-line errors."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from lxml import etree

from mtfix import formats
from mtfix.formats import TAG, Change, Format
from mtfix.formats.inline import placeholders, protected_spans
from mtfix.io import InputError
from mtfix.pipeline import check

DATA = Path(__file__).parent.parent / "data" / "cat"


@pytest.fixture(scope="module")
def po2xliff_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """app.po through translate-toolkit's own converter (the `po2xliff` command's function)."""
    from translate.convert.po2xliff import convertpo

    out = io.BytesIO()
    with (DATA / "app.po").open("rb") as source:
        convertpo(source, out, None)
    path = tmp_path_factory.mktemp("po2xliff") / "app.xlf"
    path.write_bytes(out.getvalue())
    return path


def _files(po2xliff: Path) -> dict[str, Path]:
    return {
        "po2xliff": po2xliff,
        "xliff2": DATA / "article.xlf",
        "tmx": DATA / "memory.tmx",
        "po": DATA / "app.po",
        "trados": DATA / "trados.sdlxliff",
    }


CASES = ["po2xliff", "xliff2", "tmx", "po", "trados"]
FORMATS = {
    "po2xliff": Format.XLIFF1,
    "xliff2": Format.XLIFF2,
    "tmx": Format.TMX,
    "po": Format.PO,
    "trados": Format.XLIFF1,
}
# What each file's units are: (id, target) of the first two, and every unit's tags.
EXPECTED_UNITS = {
    "po2xliff": [("3", "Hello, %s."), ("4[0]", "Deleted {count} file.")],
    "xliff2": [
        ("headline", f"{TAG}Breaking{TAG}: Summit, 30,000 people protest"),
        ("body::s1", f"The talks were held on March 5, 2024.{TAG}"),
    ],
    "tmx": [
        ("sales-1", f"Sales were {TAG}30,000 yen{TAG}."),
        ("#2", f"Contact info@example.com.{TAG}"),
    ],
    "po": [
        ("こんにちは、%sさん。", "Hello, %s."),
        ("{count}件のファイルを削除しました。[0]", "Deleted {count} file."),
    ],
    "trados": [
        ("a1b2c3::1", "The summit began on Tuesday."),
        ("a1b2c3::2", f"{TAG}Both leaders{TAG} shook hands."),
    ],
}
SHARES_NOTE_WITH_UNIT_1 = {"po": {2}, "po2xliff": {2}, "xliff2": {2}, "trados": {0}}
REVIEW_STATE = {
    Format.XLIFF1: "needs-review-translation",
    Format.XLIFF2: "translated",
    Format.PO: "fuzzy",
    Format.TMX: "",
}


@pytest.mark.parametrize("case", CASES)
def test_units_ids_targets_and_tags(case: str, po2xliff_file: Path) -> None:
    cat = formats.read(_files(po2xliff_file)[case])
    assert cat is not None and cat.format is FORMATS[case]
    assert [(u.id, u.target) for u in cat.units[:2]] == EXPECTED_UNITS[case]
    for unit in cat.units:
        assert unit.target.count(TAG) == len(unit.target_tags)
        assert unit.source.count(TAG) == len(unit.source_tags)
        assert unit.source and unit.source != unit.target


def test_tag_labels_name_the_elements() -> None:
    xliff2 = formats.read(DATA / "article.xlf")
    trados = formats.read(DATA / "trados.sdlxliff")
    assert xliff2 is not None and trados is not None
    assert xliff2.units[0].target_tags == ("pc#1", "/pc#1")
    assert xliff2.units[1].target_tags == ("ph#2",)
    assert trados.units[1].source_tags == ("g#1", "/g#1")
    assert trados.units[2].target_tags == ("x#2",)
    # A Trados segment's source is its own <seg-source> mrk, not the whole trans-unit.
    assert trados.units[1].source == f"{TAG}両首脳{TAG}は握手した。"


@pytest.mark.parametrize("case", CASES)
def test_nothing_to_fix_comes_back_byte_for_byte(case: str, po2xliff_file: Path) -> None:
    path = _files(po2xliff_file)[case]
    cat = formats.read(path)
    assert cat is not None
    assert cat.render({}) == path.read_bytes()


def _edited(target: str) -> str:
    """A change between the tags: each text chunk gets a word, no TAG moves."""
    return TAG.join(chunk + " NEW" if chunk.strip() else chunk for chunk in target.split(TAG))


def _xml_without_changes(data: bytes) -> bytes:
    """The XML with what a write may change masked: target text (the test compares targets unit
    by unit), review attributes and mtfix's notes."""
    root = etree.fromstring(data)
    for element in list(root.iter()):
        if not isinstance(element.tag, str):
            continue
        name = etree.QName(element).localname
        for attribute in ("state", "approved", "conf"):
            element.attrib.pop(attribute, None)
        if name == "note" and (
            element.get("from") == "mtfix"
            or element.get("category") == "mtfix"
            or (element.text or "").startswith("mtfix:")
        ):
            parent = element.getparent()
            parent.remove(element)
            if etree.QName(parent).localname == "notes" and len(parent) == 0:
                parent.getparent().remove(parent)
    for element in root.iter():
        if isinstance(element.tag, str) and etree.QName(element).localname in {"target", "seg"}:
            for node in element.iter():
                node.text = None
                if node is not element:
                    node.tail = None
    for element in root.iter():
        # Layout whitespace around an inserted or removed note is not content.
        if isinstance(element.tag, str) and element.tail is not None and not element.tail.strip():
            element.tail = None
        if isinstance(element.tag, str) and element.text is not None and not element.text.strip():
            element.text = None
    return etree.tostring(root, method="c14n")


@pytest.mark.parametrize("case", CASES)
def test_a_fix_changes_only_that_target_its_state_and_notes(
    case: str, po2xliff_file: Path, tmp_path: Path
) -> None:
    path = _files(po2xliff_file)[case]
    before = formats.read(path)
    assert before is not None
    index = 1
    new_target = _edited(before.units[index].target)
    out = tmp_path / f"out{path.suffix}"
    before.write(out, {index: Change(new_target, "'x' -> 'y' (rules)")})

    after = formats.read(out)
    assert after is not None and after.format is before.format
    assert [u.id for u in after.units] == [u.id for u in before.units]
    for i, (old, new) in enumerate(zip(before.units, after.units, strict=True)):
        assert new.source == old.source and new.source_tags == old.source_tags
        assert new.target_tags == old.target_tags  # inline tags intact
        if i == index:
            assert new.target == new_target
            assert "'x' -> 'y' (rules)" in new.notes
            if REVIEW_STATE[after.format]:
                assert new.state == REVIEW_STATE[after.format]
        elif i in SHARES_NOTE_WITH_UNIT_1.get(case, ()):
            # The other plural form of a PO entry, the other segment of an XLIFF 2.0 unit or a
            # Trados trans-unit (XLIFF 1.2 keeps state on the whole <target>): its
            # target is untouched, the note (and for PO the fuzzy flag) is the entry's.
            assert new.target == old.target
        else:
            assert (new.target, new.state, new.notes) == (old.target, old.state, old.notes)
    if after.format is not Format.PO:
        assert _xml_without_changes(out.read_bytes()) == _xml_without_changes(path.read_bytes())


def test_trados_segment_gets_drafted_in_its_own_confirmation_level(tmp_path: Path) -> None:
    cat = formats.read(DATA / "trados.sdlxliff")
    assert cat is not None
    out = tmp_path / "out.sdlxliff"
    cat.write(out, {1: Change(_edited(cat.units[1].target), "edit")})
    root = etree.fromstring(out.read_bytes())
    ns = {"sdl": "http://sdl.com/FileTypes/SdlXliff/1.0"}
    levels = {s.get("id"): s.get("conf") for s in root.iterfind(".//sdl:seg", ns)}
    assert levels == {"1": "Translated", "2": "Draft", "3": "Translated"}
    # The space between the two segments of the target is kept.
    assert b"</mrk> <mrk" in out.read_bytes()


def test_a_fix_that_moves_a_tag_is_refused() -> None:
    cat = formats.read(DATA / "article.xlf")
    assert cat is not None
    target = cat.units[0].target
    with pytest.raises(ValueError, match="inline tags changed"):
        cat.render({0: Change(target.replace(TAG, "", 1), "edit")})


def test_a_written_file_is_atomic_and_refuses_a_second_render(tmp_path: Path) -> None:
    cat = formats.read(DATA / "memory.tmx")
    assert cat is not None
    out = tmp_path / "out.tmx"
    cat.write(out, {0: Change(_edited(cat.units[0].target), "edit")})
    assert [p.name for p in tmp_path.iterdir()] == ["out.tmx"]
    with pytest.raises(RuntimeError, match="rendered once"):
        cat.render({0: Change("x", "edit")})


@pytest.mark.parametrize(
    ("name", "content", "family"),
    [
        ("doc.xlf", b"<xliff/>", "xliff"),
        ("doc.sdlxliff", b"<xliff/>", "xliff"),
        ("doc.tmx", b"<tmx/>", "tmx"),
        ("doc.pot", b'msgid ""\n', "po"),
        ("doc.txt", b'<?xml version="1.0"?><xliff/>', None),
        ("-", b'<?xml version="1.0"?>\n<!-- x --><xliff version="1.2"/>', "xliff"),
        ("export.dat", b"\xef\xbb\xbf<tmx version='1.4'/>", "tmx"),
        ("messages", b'# comment\nmsgid "a"\nmsgstr "b"\n', "po"),
        ("notes", b"An article about msgid handling.\n", None),
        ("page.xml", b"<html><body/></html>", None),
    ],
)
def test_format_by_extension_then_by_content(name: str, content: bytes, family: str | None) -> None:
    assert formats.sniff(name, content) == family


def test_plain_text_is_not_a_cat_file(tmp_path: Path) -> None:
    path = tmp_path / "article.txt"
    path.write_text("Just text.\n", encoding="utf-8")
    assert formats.read(path) is None


MINIMAL_XLIFF = (
    '<?xml version="1.0"?>\n<xliff xmlns="urn:oasis:names:tc:xliff:document:1.2" '
    'version="{version}">\n<file original="a" source-language="ja" datatype="plaintext">'
    "<body>\n{units}\n</body></file></xliff>\n"
)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "broken.xlf",
            MINIMAL_XLIFF.format(version="1.2", units="<trans-unit id='1'><source>a</target>"),
            r"^.*broken\.xlf:4:\d+: malformed XML: Opening and ending tag mismatch",
        ),
        (
            "future.xlf",
            MINIMAL_XLIFF.format(version="3.0", units=""),
            r"future\.xlf: unsupported XLIFF version '3\.0'",
        ),
        (
            "old.tmx",
            '<tmx version="2.0"><header srclang="ja"/><body/></tmx>',
            r"old\.tmx: unsupported TMX version '2\.0'",
        ),
        (
            "untranslated.xlf",
            MINIMAL_XLIFF.format(
                version="1.2", units="<trans-unit id='u7'><source>a</source></trans-unit>"
            ),
            r"untranslated\.xlf:4: unit 'u7' has no target",
        ),
        (
            "single.tmx",
            '<tmx version="1.4"><header srclang="ja"/><body>\n<tu tuid="t1">'
            '<tuv xml:lang="ja"><seg>a</seg></tuv></tu></body></tmx>',
            r"single\.tmx:2: unit 't1' has no target",
        ),
        ("bad.po", 'msgid "a"\nmsgstr "b\n', r"bad\.po: malformed PO"),
        ("empty.xlf", "", r"empty\.xlf: file is empty"),
        ("none.xlf", MINIMAL_XLIFF.format(version="1.2", units=""), r"no translatable units"),
    ],
)
def test_bad_input_is_a_one_line_error(
    name: str, content: str, message: str, tmp_path: Path
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message) as raised:
        formats.read(path)
    assert "\n" not in str(raised.value)
    assert str(path) in str(raised.value)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Hello, %s.", ["%s"]),
        ("%1$s paid %2$d yen.", ["%1$s", "%2$d"]),
        ("Deleted {count} files of {{total}}", ["{count}", "{{total}}"]),
        ("A 50% discount and 100%で", []),
        ("Progress: %(done)d%%", ["%(done)d", "%%"]),
    ],
)
def test_code_placeholders(text: str, found: list[str]) -> None:
    assert [value for _, value in placeholders(text)] == found


def test_protected_spans_cover_tags_and_placeholders() -> None:
    text = f"{TAG}Hello{TAG}, %s."
    assert [s.of(text) for s in protected_spans(text)] == [TAG, TAG, "%s"]


@pytest.mark.languagetool
def test_detectors_see_a_tag_as_a_neutral_symbol() -> None:
    # What makes U+FFFC a safe stand-in: LanguageTool still checks the words beside it, flags
    # nothing on the tag itself, and the sentence splitter does not break at it.
    text = f"Please {TAG}recieve{TAG} the file to {TAG}continue{TAG}.{TAG} He go home."
    result = check(text, detectors=["languagetool", "mt-artifacts"])
    flagged = {f.span.of(text) for f in result.flags}
    assert {"recieve", "go"} <= flagged
    assert not any(TAG in word for word in flagged)
    assert len(result.document.sentences) == 2
