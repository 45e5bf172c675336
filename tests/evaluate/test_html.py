"""The HTML report renders in headless Chromium with the edits visibly highlighted.

Needs Debian's ``chromium`` (``make system-deps`` installs it); skipped where it is missing.
The screenshot is decoded here (PNG is zlib plus per-row filters) to check that the colours of
the deletion and insertion highlights are on screen, not only in the markup.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from mtfix.cli import main
from mtfix.evaluate.html import highlight

CHROMIUM = shutil.which("chromium")
# The report's <del> and <ins> backgrounds (see mtfix/evaluate/html.py).
DEL_RGB = (0xFF, 0xD0, 0xD0)
INS_RGB = (0xC8, 0xF5, 0xC8)


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def decode_png(data: bytes) -> tuple[int, int, list[bytearray], int]:
    """Width, height, unfiltered rows and bytes per pixel of an 8-bit RGB or RGBA PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        header = body if kind == b"IHDR" else header
        idat += body if kind == b"IDAT" else b""
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in (2, 6)
    bpp = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(idat), width * bpp
    rows: list[bytearray] = []
    prev = bytearray(stride)
    for y in range(height):
        kind, row = (
            raw[y * (stride + 1)],
            bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]),
        )
        for i in range(stride):
            left = row[i - bpp] if i >= bpp else 0
            up, corner = prev[i], prev[i - bpp] if i >= bpp else 0
            predictor = [0, left, up, (left + up) // 2, _paeth(left, up, corner)][kind]
            row[i] = (row[i] + predictor) & 0xFF
        rows.append(row)
        prev = row
    return width, height, rows, bpp


def _count(rows: list[bytearray], bpp: int, rgb: tuple[int, int, int]) -> int:
    target = bytes(rgb)
    return sum(
        1 for row in rows for i in range(0, len(row), bpp) if bytes(row[i : i + 3]) == target
    )


def test_highlight_marks_changed_words_only() -> None:
    old, new = highlight("He go to school.", "He goes to the school.", "del", "ins")
    assert str(old) == "He <del>go</del> to school."
    assert str(new) == "He <ins>goes</ins> to <ins>the</ins> school."
    escaped, _ = highlight("a <b> & c", "a <b> & d", "del", "ins")
    assert str(escaped) == "a &lt;b&gt; &amp; <del>c</del>"


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_html_report_renders_with_visible_highlights(tmp_path: Path) -> None:
    src = ["He go to school every days .", "The cat sat on mat .", "All is well ."]
    hyp = ["He goes to school every days .", "The cat sat on the mat .", "All is is well ."]
    ref = ["He goes to school every day .", "The cat sat on the mat .", "All is well ."]
    paths = {}
    for name, lines in {"src": src, "hyp": hyp, "ref": ref}.items():
        paths[name] = tmp_path / f"{name}.txt"
        paths[name].write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = tmp_path / "report.html"
    args = ["eval", "--src", str(paths["src"]), "--hyp", str(paths["hyp"])]
    args += ["--ref", str(paths["ref"]), "--bootstrap", "0", "--report", str(report)]
    assert CliRunner().invoke(main, args).exit_code == 0
    png = tmp_path / "report.png"
    screenshot(report, png)
    data = png.read_bytes()
    assert len(data) > 20_000
    width, height, rows, bpp = decode_png(data)
    assert (width, height) == (1280, 900)
    assert _count(rows, bpp, DEL_RGB) > 100, "no deletion highlight on screen"
    assert _count(rows, bpp, INS_RGB) > 100, "no insertion highlight on screen"


def screenshot(html: Path, png: Path) -> None:
    assert CHROMIUM is not None
    profile = png.parent / "chromium-profile"
    cmd = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        f"--user-data-dir={profile}", f"--screenshot={png}", "--window-size=1280,900",
        html.resolve().as_uri(),
    ]  # fmt: skip
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    assert png.is_file()


def test_every_reference_is_shown(tmp_path: Path) -> None:
    lines = {
        "src": "He go home .",
        "hyp": "He goes home .",
        "r1": "He goes home .",
        "r2": "He went home .",
    }
    paths = {}
    for name, line in lines.items():
        paths[name] = tmp_path / f"{name}.txt"
        paths[name].write_text(line + "\n", encoding="utf-8")
    report = tmp_path / "r.html"
    args = [
        "eval",
        "--src",
        str(paths["src"]),
        "--hyp",
        str(paths["hyp"]),
        "--ref",
        str(paths["r1"]),
    ]
    args += ["--ref", str(paths["r2"]), "--bootstrap", "0", "--report", str(report)]
    assert CliRunner().invoke(main, args).exit_code == 0
    html = report.read_text(encoding="utf-8")
    assert "He <mark>goes</mark> home .<hr>He <mark>went</mark> home ." in html
