"""LanguageTool's HTTP API, version 2, as its clients use it: the request's parameters, and
LanguageTool's answer with mtfix's flags and proposals added.

The server forwards each check to the LanguageTool server mtfix runs, with the client's own
parameters, so LanguageTool's matches come back exactly as LanguageTool gives them (same offsets,
fields and order of replacements, except that mtfix's preferred fix, when it has one for the
match's words, is put first). mtfix's own flags become matches of the same shape, with
categories of their own (:data:`CATEGORIES`) and the ITS issue type that fits each
(:data:`ISSUE_TYPES`); a flag a proposal rewrites gets the proposal as its first replacement,
over the flag widened to the words the proposal changes. Offsets and lengths are UTF-16 code
units of what the client sent (:mod:`mtfix.serve.text`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from mtfix.core import Document, Edit, Flag, Severity, Span
from mtfix.languagetool import LANGUAGETOOL_VERSION
from mtfix.pipeline import CleanResult, sentence_for, top_proposals
from mtfix.serve.errors import RequestError
from mtfix.serve.text import RequestText
from mtfix.version import __version__

SOFTWARE = "mtfix"
# The context LanguageTool shows around a match: 40 characters each side, "..." where cut.
CONTEXT_CHARS = 40
_ELLIPSIS = "..."

# mtfix's detectors as LanguageTool categories (id, name): what a client shows as the kind of
# problem and what enabledCategories/disabledCategories name.
CATEGORIES: dict[str, tuple[str, str]] = {
    "mt-artifacts": ("MTFIX_MT_ARTIFACTS", "MT artifacts"),
    "entities": ("MTFIX_NAME_CONSISTENCY", "Name consistency"),
    "syntax": ("MTFIX_SYNTAX", "Sentence structure"),
    "qa": ("MTFIX_SOURCE", "Source comparison"),
}

# mtfix's categories (lower case) as ITS 2.0 localization-quality issue types, the vocabulary of
# LanguageTool's rule.issueType (a client colours by it: misspelling, grammar, style...).
ISSUE_TYPES: dict[str, str] = {
    "name-consistency": "inconsistent-entities",
    "orphan-fragment": "omission",
    "stray-first-person": "mistranslation",
    "repeated-sentence": "duplication",
    "doubled-phrase": "duplication",
    "truncated-sentence": "omission",
    "unbalanced-quote": "typographical",
    "stray-glyph": "characters",
    "punctuation": "typographical",
    "grammar": "grammar",
    "number": "numbers",
    "number-format": "locale-violation",
    "untranslated": "untranslated",
    "omission": "omission",
    "url": "mistranslation",
    "markup": "markup",
    "markup-order": "markup",
    "placeholder": "markup",
    "terminology": "terminology",
    "consistency": "inconsistency",
    "whitespace": "whitespace",
    "end-punctuation": "typographical",
}
DEFAULT_ISSUE_TYPE = "uncategorized"
_SPELLING_CATEGORIES = frozenset({"typos", "spelling", "name-consistency"})


def form(body: bytes) -> dict[str, str]:
    """A form-encoded body (or query string) as parameters, the first of each name kept; a body
    that is not UTF-8, raw or percent-encoded, is a 400."""
    try:
        decoded = body.decode("utf-8")
        pairs = parse_qsl(decoded, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise RequestError(400, "The request is not valid UTF-8") from None
    params: dict[str, str] = {}
    for name, value in pairs:
        params.setdefault(name, value)
    return params


def _names(value: str | None) -> frozenset[str]:
    return frozenset(n.strip() for n in (value or "").split(",") if n.strip())


@dataclass(frozen=True)
class CheckParams:
    """A check request: ``form`` goes to LanguageTool as it came; the rest is what mtfix reads."""

    form: Mapping[str, str]
    text: RequestText
    language: str
    # OmegaT's source segment: the check becomes bilingual (the QA checks run).
    srctext: str | None
    enabled_rules: frozenset[str]
    disabled_rules: frozenset[str]
    enabled_categories: frozenset[str]
    disabled_categories: frozenset[str]
    enabled_only: bool

    @classmethod
    def parse(cls, params: Mapping[str, str], max_length: int) -> CheckParams:
        if "text" in params:
            text = RequestText.of_text(params["text"])
        elif "data" in params:
            text = RequestText.of_data(params["data"])
        else:
            raise RequestError(400, "Missing 'text' or 'data' parameter")
        if "language" not in params:
            raise RequestError(400, "Missing 'language' parameter, e.g. 'language=en-US'")
        length = len(text.plain)
        if length > max_length:
            raise RequestError(
                413,
                f"Your text exceeds the limit of {max_length} characters (it's {length} "
                "characters). Please submit a shorter text.",
            )
        return cls(
            form=dict(params),
            text=text,
            language=params["language"],
            srctext=params.get("srctext") or None,
            enabled_rules=_names(params.get("enabledRules")),
            disabled_rules=_names(params.get("disabledRules")),
            enabled_categories=_names(params.get("enabledCategories")),
            disabled_categories=_names(params.get("disabledCategories")),
            enabled_only=params.get("enabledOnly", "").lower() == "true",
        )

    def wants(self, flag: Flag) -> bool:
        """Whether the client's rule and category choices keep this mtfix flag."""
        category = category_of(flag)[0]
        if self.enabled_only:
            return flag.rule in self.enabled_rules or category in self.enabled_categories
        return flag.rule not in self.disabled_rules and category not in self.disabled_categories


def category_of(flag: Flag) -> tuple[str, str]:
    if flag.detector in CATEGORIES:
        return CATEGORIES[flag.detector]
    return ("MTFIX_" + flag.detector.upper().replace("-", "_"), flag.detector)


def software(languagetool: Mapping[str, Any]) -> dict[str, Any]:
    """LanguageTool's ``software`` block with mtfix's name and version (and LanguageTool's
    version beside them); no advertisement for LanguageTool's premium service."""
    out = dict(languagetool)
    out.update(name=SOFTWARE, version=__version__, languageTool=LANGUAGETOOL_VERSION)
    if "premiumHint" in out:
        out["premiumHint"] = ""
    return out


@dataclass(frozen=True)
class Answer:
    """What mtfix adds to LanguageTool's answer: the cleaned result (None when mtfix did not
    check, e.g. a language other than English) and whether the model's proposals are all in."""

    result: CleanResult | None
    complete: bool = True


def response(
    languagetool: Mapping[str, Any], params: CheckParams, answer: Answer
) -> dict[str, Any]:
    """LanguageTool's JSON for the request, with mtfix's matches merged in by offset."""
    out = dict(languagetool)
    out["software"] = software(languagetool.get("software", {}))
    warnings = dict(languagetool.get("warnings", {}))
    warnings["incompleteResults"] = bool(warnings.get("incompleteResults")) or not answer.complete
    out["warnings"] = warnings
    matches = [dict(m) for m in languagetool.get("matches", [])]
    if answer.result is not None:
        doc, text = answer.result.document, params.text
        flags = [*answer.result.flags, *answer.result.resolved]
        best = top_proposals(doc, flags, answer.result.proposals)
        lt_fixes = {f.span: e for f, e in best.items() if f.detector == "languagetool"}
        for match in matches:
            _prefer(match, text, lt_fixes)
        matches += [
            _match(doc, text, flag, best.get(flag))
            for flag in sorted(flags, key=lambda f: f.span)
            if flag.detector != "languagetool"
        ]
        matches.sort(key=lambda m: (m["offset"], m["length"]))
    out["matches"] = matches
    return out


def _prefer(match: dict[str, Any], text: RequestText, fixes: Mapping[Span, Edit]) -> None:
    """Put mtfix's preferred fix first among a LanguageTool match's replacements, when mtfix has
    one for exactly the match's words."""
    span = text.plain_span(match["offset"], match["length"])
    edit = fixes.get(span) if span is not None else None
    if edit is None or edit.span != span:
        return
    rest = [r for r in match.get("replacements", []) if r.get("value") != edit.replacement]
    match["replacements"] = [{"value": edit.replacement}, *rest]


def _match(doc: Document, text: RequestText, flag: Flag, fix: Edit | None) -> dict[str, Any]:
    span = fix.span if fix is not None else flag.span
    values = _replacements(doc.text, flag, span, fix)
    offset, length = text.client_span(span)
    category_id, category_name = category_of(flag)
    category = flag.category.lower()
    return {
        "message": flag.message,
        "shortMessage": _label(flag.category),
        "replacements": [{"value": v} for v in values],
        "offset": offset,
        "length": length,
        "context": _context(text, span),
        "sentence": sentence_for(doc, flag.span).of(doc.text) if doc.sentences else doc.text,
        "type": {"typeName": _type_name(flag)},
        "rule": {
            "id": flag.rule,
            "description": f"{_label(flag.rule)} (mtfix {flag.detector})",
            "issueType": ISSUE_TYPES.get(category, DEFAULT_ISSUE_TYPE),
            "category": {"id": category_id, "name": category_name},
        },
        "ignoreForIncompleteSentence": False,
        "contextForSureMatch": 0,
    }


def _replacements(text: str, flag: Flag, span: Span, fix: Edit | None) -> list[str]:
    """The proposal's fix first, then the detector's suggestions widened to the same span (but
    not the one the fix already makes, widened over a blank: a deletion is the same deletion)."""
    before, after = text[span.start : flag.span.start], text[flag.span.end : span.end]
    values = [fix.replacement] if fix is not None else []
    for suggestion in flag.suggestions:
        widened = before + suggestion + after
        if fix is None or widened.strip() != fix.replacement.strip():
            values.append(widened)
    return list(dict.fromkeys(values))


def _context(text: RequestText, span: Span) -> dict[str, int | str]:
    original = text.original_span(span)
    whole = text.original
    left = max(0, original.start - CONTEXT_CHARS)
    right = min(len(whole), original.end + CONTEXT_CHARS)
    prefix = (_ELLIPSIS if left > 0 else "") + whole[left : original.start]
    body = whole[original.start : original.end]
    suffix = whole[original.end : right] + (_ELLIPSIS if right < len(whole) else "")
    shown = (prefix + body + suffix).replace("\n", " ").replace("\r", " ")
    return {"text": shown, "offset": _utf16_len(prefix), "length": _utf16_len(body)}


def _utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def _type_name(flag: Flag) -> str:
    if flag.category.lower() in _SPELLING_CATEGORIES:
        return "UnknownWord"
    return "Hint" if flag.severity is Severity.HINT else "Other"


def _label(name: str) -> str:
    words = name.replace("_", " ").replace("-", " ").lower()
    return words[:1].upper() + words[1:]


def english(language: str, languagetool: Mapping[str, Any]) -> bool:
    """Whether mtfix checks this request: English asked for, or detected under ``auto``."""
    code = str(languagetool.get("language", {}).get("code", ""))
    asked = language.lower()
    return (asked == "en" or asked.startswith("en-")) or (asked == "auto" and code.startswith("en"))


def lt_matches(text: RequestText, matches: Iterable[Mapping[str, Any]]) -> list[_Match]:
    """LanguageTool's JSON matches as the detector reads them, in plain-text Python offsets;
    a match with an edge in markup is left to the client alone."""
    out = []
    for m in matches:
        span = text.plain_span(int(m["offset"]), int(m["length"]))
        if span is None:
            continue
        rule = m.get("rule", {})
        out.append(
            _Match(
                offset=span.start,
                error_length=len(span),
                rule_id=str(rule.get("id", "")),
                category=str(rule.get("category", {}).get("id", "")),
                message=str(m.get("message", "")),
                rule_issue_type=str(rule.get("issueType", "")),
                replacements=[str(r.get("value", "")) for r in m.get("replacements", [])],
            )
        )
    return out


@dataclass(frozen=True)
class _Match:
    offset: int
    error_length: int
    rule_id: str
    category: str
    message: str
    rule_issue_type: str
    replacements: Sequence[str]
