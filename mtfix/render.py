"""Human-readable renderings of results: compiler-style flag lines and a word diff."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import click

from mtfix.core import Document, Flag, check_disjoint
from mtfix.pipeline import CheckResult, CleanResult

# The flagged text a line quotes is cut to this many characters.
MAX_QUOTED = 40


def _quoted(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_QUOTED else text[: MAX_QUOTED - 1] + "…"


def _fix(suggestion: str) -> str:
    if not suggestion:
        return "(delete)"
    # Spaces a fix adds or keeps are shown, so "，" -> ', ' reads as a comma and a space.
    return suggestion if suggestion == suggestion.strip() else repr(suggestion)


def render_flags(
    name: str, doc: Document, flags: Sequence[Flag], *, units: bool = False
) -> Iterator[str]:
    """One line per flag: ``path:line:col: severity category RULE 'flagged text': message
    [-> fix]``; with ``units`` (a CAT file) ``path:UNIT-ID:col:``, the column counted in the
    unit's MT."""
    for flag in flags:
        line, col = doc.line_col(flag.span.start)
        where = f"{line}:{col}"
        if units and (segment := doc.aligned_at(flag.span)) is not None:
            where = f"{segment.id}:{flag.span.start - segment.span.start + 1}"
        hint = f" -> {_fix(flag.suggestions[0])}" if flag.suggestions else ""
        message = " ".join(flag.message.split())
        quoted = _quoted(flag.span.of(doc.text))
        yield (
            f"{name}:{where}: {flag.severity.value} {flag.category} {flag.rule} "
            f"'{quoted}': {message}{hint}"
        )


def render_check_text(name: str, result: CheckResult, *, units: bool = False) -> Iterator[str]:
    return render_flags(name, result.document, result.flags, units=units)


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
