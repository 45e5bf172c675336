"""Human-readable renderings of results: compiler-style flag lines and a word diff."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import click

from mtfix.core import check_disjoint
from mtfix.diff import segments
from mtfix.pipeline import CheckResult, CleanResult, top_proposals


def render_check_text(name: str, result: CheckResult, *, units: bool = False) -> Iterator[str]:
    """``path:line:col: category rule-id: message [-> suggestion]``, one line per flag; with
    ``units`` (a CAT file) ``path:UNIT-ID:col:``, the column counted in the unit's MT. The
    suggestion is the flag's best-ranked proposal where it has one (shown as ``'old' -> 'new'``
    when the proposal rewrites more than the flagged words), else its detector's first."""
    doc = result.document
    top = top_proposals(doc, result.flags, result.proposals)
    for flag in result.flags:
        line, col = doc.line_col(flag.span.start)
        where = f"{line}:{col}"
        if units and (segment := doc.aligned_at(flag.span)) is not None:
            where = f"{segment.id}:{flag.span.start - segment.span.start + 1}"
        hint = ""
        if (edit := top.get(flag)) is not None:
            beside = (
                doc.text[edit.span.start : flag.span.start]
                + doc.text[flag.span.end : edit.span.end]
            )
            # A deletion widened over a blank is still just the flagged words deleted.
            shown = beside.strip() or (beside and edit.replacement)
            old = f" {edit.span.of(doc.text)!r}" if shown else ""
            hint = f"{old} -> {edit.replacement!r}" if edit.replacement else f"{old} -> (delete)"
        elif flag.suggestions:
            hint = f" -> {flag.suggestions[0]!r}" if flag.suggestions[0] else " -> (delete)"
        message = " ".join(flag.message.split())
        yield f"{name}:{where}: {flag.category} {flag.rule}: {message}{hint}"


_STYLES: dict[str, dict[str, Any]] = {
    "-": {"fg": "red", "strikethrough": True},
    "+": {"fg": "green", "underline": True},
}


def render_diff(result: CleanResult, *, color: bool) -> str:
    """The original text with each edit shown inline as ``[-removed-]{+inserted+}``."""
    out: list[str] = []
    for op, piece in segments(result.document.text, check_disjoint(result.edits)):
        if op == "=":
            out.append(piece)
        elif color:
            out.append(click.style(piece, **_STYLES[op]))
        else:
            out.append(f"[-{piece}-]" if op == "-" else f"{{+{piece}+}}")
    return "".join(out)
