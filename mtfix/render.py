"""Human-readable renderings of results: compiler-style flag lines and a word diff."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import click

from mtfix.core import Document, Edit, Flag, check_disjoint
from mtfix.diff import segments
from mtfix.pipeline import CheckResult, CleanResult, top_proposals

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


def _hint(doc: Document, flag: Flag, proposal: Edit | None) -> str:
    """`` -> fix``: the flag's best-ranked proposal where it has one (``'old' -> new`` when it
    rewrites more than the flagged words), else its detector's first suggestion."""
    if proposal is not None:
        beside = (
            doc.text[proposal.span.start : flag.span.start]
            + doc.text[flag.span.end : proposal.span.end]
        )
        # A deletion widened over a blank is still just the flagged words deleted.
        shown = beside.strip() or (beside and proposal.replacement)
        old = f" '{_quoted(proposal.span.of(doc.text))}'" if shown else ""
        return f"{old} -> {_fix(proposal.replacement)}"
    return f" -> {_fix(flag.suggestions[0])}" if flag.suggestions else ""


def render_flags(
    name: str,
    doc: Document,
    flags: Sequence[Flag],
    *,
    units: bool = False,
    proposals: Mapping[Flag, Edit] | None = None,
) -> Iterator[str]:
    """One line per flag: ``path:line:col: severity category RULE 'flagged text': message
    [-> fix]``; with ``units`` (a CAT file) ``path:UNIT-ID:col:``, the column counted in the
    unit's MT. ``proposals`` gives a flag's best-ranked proposal, shown as its fix."""
    for flag in flags:
        line, col = doc.line_col(flag.span.start)
        where = f"{line}:{col}"
        if units and (segment := doc.aligned_at(flag.span)) is not None:
            where = f"{segment.id}:{flag.span.start - segment.span.start + 1}"
        hint = _hint(doc, flag, (proposals or {}).get(flag))
        message = " ".join(flag.message.split())
        quoted = _quoted(flag.span.of(doc.text))
        yield (
            f"{name}:{where}: {flag.severity.value} {flag.category} {flag.rule} "
            f"'{quoted}': {message}{hint}"
        )


def render_check_text(name: str, result: CheckResult, *, units: bool = False) -> Iterator[str]:
    doc = result.document
    top = top_proposals(doc, result.flags, result.proposals)
    return render_flags(name, doc, result.flags, units=units, proposals=top)


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
