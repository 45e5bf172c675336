"""One flag per problem: LanguageTool's flags that report what one of mtfix's own flags reports.

LanguageTool and mtfix's detectors overlap on a few problems: an unclosed quotation
(EN_UNPAIRED_QUOTES and UNBALANCED_QUOTE), *a*/*an* (EN_A_VS_AN and ARTICLE_SOUND), a sentence
ending on "the" (THE_SENT_END and TRUNCATED_SENTENCE). A post-editor should see each problem
once, so the LanguageTool flag is folded into mtfix's, which is kept: its message is about the MT
error, and its fix is the one the rules rewriter applies. The LanguageTool rule id is recorded on
the kept flag (``Flag.merged``), so nothing LanguageTool said is lost.

Two flags are one problem when they cover the same span, or when LanguageTool's rule is known to
report what mtfix's rule does (:data:`SAME_PROBLEM`) and the spans overlap. A quotation's problem
shows at either of its ends (LanguageTool flags the opening quote whose partner is detached,
mtfix the detached closing one), so quote rules match within one paragraph.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from mtfix.core import Document, Flag

LANGUAGETOOL = "languagetool"
# LanguageTool rule id -> mtfix rules that report the same problem.
SAME_PROBLEM: dict[str, frozenset[str]] = {
    "EN_A_VS_AN": frozenset({"ARTICLE_SOUND"}),
    "A_NNS": frozenset({"ARTICLE_BEFORE_PLURAL"}),
    "EN_UNPAIRED_QUOTES": frozenset({"UNBALANCED_QUOTE", "MISPLACED_QUOTE", "JAPANESE_QUOTE"}),
    "THE_SENT_END": frozenset({"TRUNCATED_SENTENCE"}),
    "ENGLISH_WORD_REPEAT_RULE": frozenset({"DOUBLED_PHRASE", "REPEATED_CLAUSE"}),
    "PHRASE_REPETITION": frozenset({"DOUBLED_PHRASE", "REPEATED_CLAUSE", "REPEATED_NOUN_PHRASE"}),
}
# Rules whose two flags on one problem may sit at the two ends of a paragraph's quotation.
PARAGRAPH_WIDE = frozenset({"EN_UNPAIRED_QUOTES"})


def _same_problem(doc: Document, theirs: Flag, ours: Flag) -> bool:
    if theirs.span == ours.span:
        return True
    if ours.rule not in SAME_PROBLEM.get(theirs.rule, ()):
        return False
    if theirs.rule in PARAGRAPH_WIDE:
        paragraph = doc.paragraph_of(ours.span)
        return paragraph is not None and paragraph.contains(theirs.span)
    return theirs.span.overlaps(ours.span) or ours.span.overlaps(theirs.span)


def one_per_problem(doc: Document, flags: Sequence[Flag]) -> list[Flag]:
    """``flags`` with each LanguageTool flag that repeats an mtfix flag folded into it, in the
    same order."""
    kept = list(flags)
    index = {id(f): i for i, f in enumerate(kept)}
    dropped: set[int] = set()
    for theirs in flags:
        if theirs.detector != LANGUAGETOOL:
            continue
        for ours in flags:
            if ours.detector == LANGUAGETOOL or not _same_problem(doc, theirs, ours):
                continue
            i = index[id(ours)]
            note = f"{LANGUAGETOOL}:{theirs.rule}"
            if note not in kept[i].merged:
                kept[i] = replace(kept[i], merged=(*kept[i].merged, note))
            dropped.add(index[id(theirs)])
            break
    return [f for i, f in enumerate(kept) if i not in dropped]
