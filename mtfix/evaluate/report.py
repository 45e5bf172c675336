"""Renderings of evaluations: terminal text, Markdown, JSON, JUnit XML (and HTML in
:mod:`mtfix.evaluate.html`). Every one lists the sentences the system made worse, worst first.

The text and Markdown renderings share their tables: each section is a header and rows of
strings, laid out either as aligned columns or as a pipe table.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mtfix.evaluate.edits import BETA
from mtfix.evaluate.gate import Check
from mtfix.evaluate.score import Evaluation, Sentence
from mtfix.evaluate.tables import (
    Table,
    edit_table,
    flag_table,
    machine,
    mqm_table,
    pct,
    proposal_table,
    score_table,
)

FORMATS = ("text", "markdown", "json", "html", "junit")
_BY_SUFFIX = {
    ".txt": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".json": "json",
    ".html": "html",
    ".htm": "html",
    ".xml": "junit",
}
# The terminal shows this many worsened sentences; report files list them all.
TERMINAL_WORSE = 10
FLAG_RULE = (
    "A flag is correct when it overlaps a gold span; a gold span is found when a flag overlaps it."
)
MQM_RULE = (
    "Flags weighed as MQM errors (minor 1, major 5, critical 10 points): those raised on the "
    "source, and those on or left in the system's output."
)


PROPOSAL_RULE = (
    "Each flagged sentence's candidates ranked by the selector's confidence: hit@k is the share "
    "where one of the top k is closer to the reference than the MT (sentence TER), harm@1 where "
    "the top one is further; the curve applies the top candidate only at or above a threshold."
)


def format_for(path: str | Path, explicit: str | None) -> str | None:
    return explicit or _BY_SUFFIX.get(Path(path).suffix.lower())


def summary_table(evaluations: Sequence[Evaluation]) -> Table:
    header = [
        "suite",
        "system",
        "lines",
        "BLEU",
        "chrF",
        "TER",
        "ΔTER",
        "p(TER)",
        f"edit F{BETA:g}",
        "flag F1",
        "worse",
    ]
    rows = []
    for ev in evaluations:
        src, sys_ = ev.scores["source"], ev.scores["system"]
        p = ev.significance.results["ter"].p_value if ev.significance else None
        lines = f"{ev.lines}" + (f" (sample {ev.sample})" if ev.sample else "")
        rows.append(
            [
                ev.name,
                ev.system,
                lines,
                *(f"{src[m]:.2f} → {sys_[m]:.2f}" for m in ("bleu", "chrf", "ter")),
                f"{ev.delta['ter']:+.2f}",
                "—" if p is None else f"{p:.3f}",
                pct(ev.edits.overall.f(BETA)),
                pct(ev.flags.overall.f1) if ev.flags else "—",
                f"{len(ev.worse)}/{len(ev.sentences)}",
            ]
        )
    return header, rows


def _aligned(table: Table) -> list[str]:
    header, rows = table
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return [
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
        for r in [header, *rows]
    ]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _pipe(table: Table) -> list[str]:
    header, rows = table
    lines = ["| " + " | ".join(_cell(c) for c in r) + " |" for r in [header, *rows]]
    return [lines[0], "|" + "---|" * len(header), *lines[1:]]


def _worse_rows(sentences: Sequence[Sentence]) -> Table:
    header = ["line", "ΔchrF", "ΔTER", "source", "system", "reference"]
    rows = [
        [
            str(s.line),
            f"{s.delta_chrf:+.1f}",
            f"{s.delta_ter:+.1f}",
            s.source,
            s.system,
            " ‖ ".join(s.references),
        ]
        for s in sentences
    ]
    return header, rows


def _title(ev: Evaluation) -> str:
    sample = f", sample {ev.sample}" if ev.sample else ""
    return f"{ev.name} · {ev.system} · {ev.lines} lines{sample}"


def _gate_lines(checks: Sequence[Check]) -> list[str]:
    failed = [c for c in checks if not c.ok]
    verdict = f"FAILED ({len(failed)} of {len(checks)} checks)" if failed else "passed"
    return [
        f"Baseline gate: {verdict}",
        *(f"  {'ok  ' if c.ok else 'FAIL'} {c.message}" for c in checks),
    ]


def render_text(evaluations: Sequence[Evaluation], checks: Sequence[Check] = ()) -> str:
    out: list[str] = []
    for ev in evaluations:
        out += [_title(ev), ""]
        out += [*_aligned(score_table(ev)), "(ΔTER negative is better)", ""]
        out += ["Edits (ERRANT: system src→hyp vs reference src→ref)"]
        out += ["  " + line for line in _aligned(edit_table(ev))] + [""]
        if table := flag_table(ev):
            out += ["Flags vs gold spans (true positive = overlap)"]
            out += ["  " + line for line in _aligned(table)] + [""]
        if table := mqm_table(ev):
            out += ["MQM by dimension (flags on the source → on or left in the output)"]
            out += ["  " + line for line in _aligned(table)] + [""]
        if table := proposal_table(ev):
            out += ["Proposals (candidates ranked by confidence; sentence TER vs reference)"]
            out += ["  " + line for line in _aligned(table)] + [""]
        worse = ev.worse
        out.append(
            f"Made worse: {len(worse)} of {len(ev.sentences)} changed sentences "
            "(sentence chrF/TER vs reference), worst first"
        )
        for s in worse[:TERMINAL_WORSE]:
            out += [
                f"  line {s.line}: ΔchrF {s.delta_chrf:+.1f}  ΔTER {s.delta_ter:+.1f}",
                f"    src: {s.source}",
                f"    sys: {s.system}",
                *(f"    ref: {r}" for r in s.references),
            ]
        if len(worse) > TERMINAL_WORSE:
            out.append(f"  … {len(worse) - TERMINAL_WORSE} more in --report")
        out += ["", "Signatures:", *(f"  {k}: {v}" for k, v in ev.signatures.items())]
        if ev.significance:
            out.append(f"  paired-bs: {ev.significance.signatures['ter']}")
        out.append("")
    if checks:
        out += _gate_lines(checks)
    return "\n".join(out).rstrip() + "\n"


def render_summary(evaluations: Sequence[Evaluation]) -> str:
    """The README table: one row per suite and system, with the machine and date."""
    m = machine()
    head = f"mtfix {m['mtfix']} eval, {m['date']}, {m['machine']}, {m['cores']} cores"
    return "\n".join([head, "", *_pipe(summary_table(evaluations))]) + "\n"


def render_markdown(evaluations: Sequence[Evaluation], checks: Sequence[Check] = ()) -> str:
    out = ["# mtfix evaluation", "", render_summary(evaluations)]
    for ev in evaluations:
        out += [f"## {_title(ev)}", "", *_pipe(score_table(ev)), "", "ΔTER negative is better.", ""]
        out += ["### Edits (ERRANT)", "", *_pipe(edit_table(ev)), ""]
        if table := flag_table(ev):
            out += ["### Flags vs gold spans", "", FLAG_RULE, "", *_pipe(table), ""]
        if table := mqm_table(ev):
            out += ["### MQM by dimension", "", MQM_RULE, "", *_pipe(table), ""]
        if table := proposal_table(ev):
            out += ["### Proposals", "", PROPOSAL_RULE, "", *_pipe(table), ""]
        out += [f"### Sentences made worse ({len(ev.worse)} of {len(ev.sentences)} changed)", ""]
        out += [*_pipe(_worse_rows(ev.worse)), ""] if ev.worse else ["None.", ""]
        out += ["### Signatures", "", *(f"- {k}: `{v}`" for k, v in ev.signatures.items()), ""]
    if checks:
        out += ["## Baseline gate", "", "```", *_gate_lines(checks), "```", ""]
    return "\n".join(out)


def render_json(evaluations: Sequence[Evaluation], checks: Sequence[Check] = ()) -> str:
    gate = [c.__dict__ for c in checks] if checks else None
    if len(evaluations) == 1:
        data: dict[str, Any] = evaluations[0].to_dict()
    else:
        data = {**machine(), "evaluations": [ev.to_dict() for ev in evaluations]}
    if gate is not None:
        data["gate"] = gate
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def render_junit(evaluations: Sequence[Evaluation], checks: Sequence[Check] = ()) -> str:
    """One test suite per evaluation: "not worse than the source" on chrF and TER, and each
    baseline check; the worsened sentences go to the suite's system-out."""
    root = ET.Element("testsuites", name="mtfix eval")
    for ev in evaluations:
        suite = ET.SubElement(root, "testsuite", name=ev.key)
        cases: list[tuple[str, str | None]] = [
            (
                "chrf not worse than source",
                None if ev.delta["chrf"] >= 0 else f"chrF {ev.delta['chrf']:+.2f}",
            ),
            (
                "ter not worse than source",
                None if ev.delta["ter"] <= 0 else f"TER {ev.delta['ter']:+.2f}",
            ),
        ]
        cases += [
            (f"baseline {c.figure}", None if c.ok else c.message) for c in checks if c.key == ev.key
        ]
        for name, failure in cases:
            case = ET.SubElement(suite, "testcase", classname=ev.key, name=name)
            if failure:
                ET.SubElement(case, "failure", message=failure).text = failure
        suite.set("tests", str(len(cases)))
        suite.set("failures", str(sum(f is not None for _, f in cases)))
        worse = [
            f"line {s.line}: ΔchrF {s.delta_chrf:+.1f} ΔTER {s.delta_ter:+.1f}\n"
            f"  src: {s.source}\n  sys: {s.system}"
            for s in ev.worse
        ]
        ET.SubElement(suite, "system-out").text = "\n".join(worse) or "no sentence made worse"
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def render(fmt: str, evaluations: Sequence[Evaluation], checks: Sequence[Check] = ()) -> str:
    if fmt == "html":
        from mtfix.evaluate.html import render_html

        return render_html(evaluations, checks)
    renderers = {
        "text": render_text,
        "markdown": render_markdown,
        "json": render_json,
        "junit": render_junit,
    }
    return renderers[fmt](evaluations, checks)
