"""Human-readable renderings of results: compiler-style flag lines and a word diff."""

from __future__ import annotations

from collections.abc import Iterator

import click

from mtfix.core import check_disjoint
from mtfix.pipeline import CheckResult, CleanResult


def render_check_text(name: str, result: CheckResult, *, units: bool = False) -> Iterator[str]:
    """``path:line:col: category rule-id: message [-> suggestion]``, one line per flag; with
    ``units`` (a CAT file) ``path:UNIT-ID:col:``, the column counted in the unit's MT."""
    doc = result.document
    for flag in result.flags:
        line, col = doc.line_col(flag.span.start)
        where = f"{line}:{col}"
        if units and (segment := doc.aligned_at(flag.span)) is not None:
            where = f"{segment.id}:{flag.span.start - segment.span.start + 1}"
        hint = ""
        if flag.suggestions:
            hint = f" -> {flag.suggestions[0]!r}" if flag.suggestions[0] else " -> (delete)"
        message = " ".join(flag.message.split())
        yield f"{name}:{where}: {flag.category} {flag.rule}: {message}{hint}"


def render_diff(result: CleanResult, *, color: bool) -> str:
    """The original text with each edit shown inline as ``[-removed-]{+inserted+}``."""
    text = result.document.text
    out: list[str] = []
    cursor = 0
    for edit in check_disjoint(result.edits):
        out.append(text[cursor : edit.span.start])
        removed, inserted = edit.span.of(text), edit.replacement
        if color:
            out.append(click.style(removed, fg="red", strikethrough=True) if removed else "")
            out.append(click.style(inserted, fg="green", underline=True) if inserted else "")
        else:
            out.append(f"[-{removed}-]" if removed else "")
            out.append(f"{{+{inserted}+}}" if inserted else "")
        cursor = edit.span.end
    out.append(text[cursor:])
    return "".join(out)
