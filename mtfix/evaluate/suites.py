"""Evaluation suites (``eval/suites.toml``) and the line-aligned corpora they name.

A suite is what mtfix receives (``source``, the raw MT), one or more references (post-edits),
optionally gold error spans, and how the pipeline must read it (``lines``: each line one segment;
otherwise the whole document is cleaned at once and its output split back into lines). Paths in
the file are relative to the file itself.
"""

from __future__ import annotations

import random
import tomllib
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import accumulate
from pathlib import Path

import mtfix.formats as formats
from mtfix.core import Span
from mtfix.evaluate.flags import GoldSpan, load_gold
from mtfix.io import InputError, decode, read_bytes, read_text
from mtfix.paths import suites_file

# Fixed so that `--sample N` picks the same lines on every run and every machine.
SAMPLE_SEED = 12345


def split_lines(text: str) -> list[str]:
    """Lines as sacrebleu reads a file: split at ``\\n`` only, a final line end is not a line.

    Joining the result with ``\\n`` gives back the text (less a final line end), so character
    offsets into the text map onto (line, column) without drift.
    """
    return text.removesuffix("\n").split("\n")


def read_corpus_lines(path: str | Path) -> list[str]:
    return split_lines(read_text(path))


def read_segments(path: str | Path) -> tuple[list[str], list[str] | None]:
    """A file's lines, or a CAT file's unit targets as lines and their sources: inline tags
    dropped (the metrics score words) and line breaks inside a unit as spaces."""
    data = read_bytes(path)
    cat = formats.read(path, data)
    if cat is None:
        return split_lines(decode(data, str(path))), None

    def line(text: str) -> str:
        return " ".join(text.replace(formats.TAG, "").split("\n"))

    return [line(u.target) for u in cat.units], [line(u.source) for u in cat.units]


def check_aligned(named: Sequence[tuple[str, Sequence[str]]]) -> None:
    """Raise unless every file has the first file's line count; the message names both."""
    first_name, first = named[0]
    for name, lines in named[1:]:
        if len(lines) != len(first):
            raise InputError(
                f"line count mismatch: {name} has {len(lines)} lines, {first_name} has {len(first)}"
            )


def _line_starts(lines: Sequence[str]) -> list[int]:
    return [0, *accumulate(len(line) + 1 for line in lines)][:-1]


def project(spans: Sequence[Span], lines: Sequence[str], keep: Sequence[int]) -> list[Span | None]:
    """Move spans from the text of ``lines`` into the text of the kept lines joined again.

    A span outside the kept lines becomes None; one running past its line's end is cut there.
    """
    old, new = _line_starts(lines), _line_starts([lines[i] for i in keep])
    where = {line: position for position, line in enumerate(keep)}
    out: list[Span | None] = []
    for span in spans:
        line = bisect_right(old, span.start) - 1
        if line not in where:
            out.append(None)
            continue
        column = span.start - old[line]
        start = new[where[line]] + column
        end = start + min(len(span), len(lines[line]) - column)
        out.append(Span(start, end))
    return out


@dataclass(frozen=True)
class Corpus:
    """Line-aligned data: ``source`` (raw MT) and reference streams; gold spans index
    ``"\\n".join(source)``; ``index`` holds each line's 0-based number in the original files."""

    name: str
    source: tuple[str, ...]
    references: tuple[tuple[str, ...], ...]
    lines: bool = True
    gold: tuple[GoldSpan, ...] | None = None
    index: tuple[int, ...] = ()
    # The text the MT translates, line-aligned with ``source`` (None: the suite has none).
    translated: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if not self.index:
            object.__setattr__(self, "index", tuple(range(len(self.source))))

    @property
    def text(self) -> str:
        return "\n".join(self.source)

    def subset(self, keep: Sequence[int]) -> Corpus:
        gold = None
        if self.gold is not None:
            moved = project([g.span for g in self.gold], self.source, keep)
            gold = tuple(replace(g, span=s) for g, s in zip(self.gold, moved, strict=True) if s)
        return replace(
            self,
            source=tuple(self.source[i] for i in keep),
            references=tuple(tuple(r[i] for i in keep) for r in self.references),
            gold=gold,
            index=tuple(self.index[i] for i in keep),
            translated=None if self.translated is None else tuple(self.translated[i] for i in keep),
        )

    def scored(self) -> Corpus:
        """Without the pairs where the source and every reference are blank (paragraph breaks)."""
        keep = [
            i
            for i, line in enumerate(self.source)
            if line.strip() or any(r[i].strip() for r in self.references)
        ]
        return self.subset(keep)

    def sample(self, n: int | None) -> Corpus:
        if n is None or n >= len(self.source):
            return self
        return self.subset(sorted(random.Random(SAMPLE_SEED).sample(range(len(self.source)), n)))


@dataclass(frozen=True)
class Suite:
    name: str
    source: Path
    references: tuple[Path, ...]
    gold: Path | None = None
    lines: bool = True
    description: str = ""
    translated: Path | None = None

    def load(self) -> Corpus:
        source = read_corpus_lines(self.source)
        refs = [read_corpus_lines(r) for r in self.references]
        named = [(str(self.source), source), *zip(map(str, self.references), refs, strict=True)]
        translated = None
        if self.translated is not None:
            translated = read_corpus_lines(self.translated)
            named.append((str(self.translated), translated))
        check_aligned(named)
        gold = None
        if self.gold is not None:
            gold = tuple(load_gold(self.gold, "\n".join(source)))
        return Corpus(
            self.name,
            tuple(source),
            tuple(map(tuple, refs)),
            self.lines,
            gold,
            translated=None if translated is None else tuple(translated),
        )


@dataclass(frozen=True)
class SuiteConfig:
    suites: dict[str, Suite]
    # The `full` system's model directory (PipelineOptions.model).
    model: str | None

    def get(self, name: str) -> Suite:
        if name not in self.suites:
            known = ", ".join(self.suites) or "none"
            raise InputError(f"no suite named {name!r} (known: {known})")
        return self.suites[name]


def load_suites(path: str | Path | None = None) -> SuiteConfig:
    path = Path(path) if path is not None else suites_file()
    try:
        data = tomllib.loads(read_text(path))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: invalid TOML ({exc})") from None
    base = path.parent
    suites: dict[str, Suite] = {}
    for name, entry in data.get("suites", {}).items():
        try:
            suites[name] = Suite(
                name=name,
                source=base / entry["source"],
                references=tuple(base / r for r in entry["references"]),
                gold=base / entry["gold"] if "gold" in entry else None,
                lines=bool(entry.get("lines", True)),
                description=entry.get("description", ""),
                translated=base / entry["translated"] if "translated" in entry else None,
            )
        except (KeyError, TypeError) as exc:
            raise InputError(f"{path}: suite {name!r} lacks or misstates {exc}") from None
    model = data.get("systems", {}).get("full", {}).get("model")
    if model is not None:
        model = str((base / model).resolve())
    return SuiteConfig(suites, model)
