"""The HTML report: scores, then source / system / reference side by side for every changed
sentence, worst first, with the words the system removed and inserted highlighted (and, in the
reference, the words the post-editor changed), so a reader sees at a glance what each fix did.
"""

from __future__ import annotations

from collections.abc import Sequence
from difflib import SequenceMatcher

from jinja2 import Environment
from markupsafe import Markup, escape

from mtfix.diff import tokens
from mtfix.evaluate.gate import Check
from mtfix.evaluate.score import Evaluation
from mtfix.evaluate.tables import edit_table, flag_table, machine, mqm_table, score_table


def _mark(text: str, spans: Sequence[tuple[int, int]], tag: str) -> Markup:
    out, cursor = [], 0
    for start, end in spans:
        out += [escape(text[cursor:start]), Markup(f"<{tag}>{escape(text[start:end])}</{tag}>")]
        cursor = end
    out.append(escape(text[cursor:]))
    return Markup("").join(out)


def highlight(old: str, new: str, old_tag: str, new_tag: str) -> tuple[Markup, Markup]:
    """``old`` with the words that differ from ``new`` wrapped in ``old_tag``, and vice versa."""
    a, b = tokens(old), tokens(new)
    matcher = SequenceMatcher(None, [t.text for t in a], [t.text for t in b], autojunk=False)
    ops = [op for op in matcher.get_opcodes() if op[0] != "equal"]
    old_spans = [(a[i1].start, a[i2 - 1].end) for _, i1, i2, _, _ in ops if i2 > i1]
    new_spans = [(b[j1].start, b[j2 - 1].end) for _, _, _, j1, j2 in ops if j2 > j1]
    return _mark(old, old_spans, old_tag), _mark(new, new_spans, new_tag)


TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mtfix evaluation</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.5em; }
h2 { font-size: 1.25em; margin-top: 1.6em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: .5em 0 1em; }
td, th { border: 1px solid #ddd; padding: .25em .5em; vertical-align: top; text-align: left; }
th { background: #f4f4f4; }
table.num td:not(:first-child) { text-align: right; font-variant-numeric: tabular-nums; }
table.sent td.text { width: 30%; }
tr.worse td.delta { color: #b00020; font-weight: bold; }
tr.better td.delta { color: #0a7a2f; }
del { background: #ffd0d0; color: #8b0000; text-decoration: line-through; }
ins { background: #c8f5c8; color: #064d06; text-decoration: none; font-weight: 600; }
mark { background: #dbe8ff; }
.legend span { margin-right: 1.2em; }
.fail { color: #b00020; font-weight: bold; }
code { font-size: 12px; }
</style></head><body>
{% macro numbers(title, table) %}<h3>{{ title }}</h3><table class="num">
<tr>{% for h in table[0] %}<th>{{ h }}</th>{% endfor %}</tr>
{% for row in table[1] %}<tr>{% for c in row %}<td>{{ c }}</td>{% endfor %}</tr>{% endfor %}
</table>{% endmacro %}
<h1>mtfix evaluation</h1>
<p>mtfix {{ m.mtfix }} · {{ m.date }} · {{ m.machine }}, {{ m.cores }} cores</p>
{% if checks %}<h2>Baseline gate</h2><ul>
{% for c in checks %}
<li class="{{ '' if c.ok else 'fail' }}">{{ 'ok' if c.ok else 'FAIL' }}: {{ c.message }}</li>
{% endfor %}</ul>{% endif %}
{% for s in sections %}{% set ev = s.ev %}
<h2>{{ ev.name }} · {{ ev.system }} · {{ ev.lines }} lines
{%- if ev.sample %} (sample {{ ev.sample }}){% endif %}</h2>
{{ numbers(*s.scores) }}
<h3>Changed sentences, worst first
({{ ev.worse|length }} of {{ ev.sentences|length }} made worse)</h3>
<p class="legend"><span><del>removed by the system</del></span>
<span><ins>inserted by the system</ins></span>
<span><mark>changed by the post-editor</mark></span></p>
<table class="sent"><tr><th>line</th><th>ΔchrF</th><th>ΔTER</th>
<th>source (raw MT)</th><th>system</th><th>reference</th></tr>
{% for row in s.rows %}<tr class="{{ row.kind }}"><td>{{ row.s.line }}</td>
<td class="delta">{{ '%+.1f' % row.s.delta_chrf }}</td>
<td class="delta">{{ '%+.1f' % row.s.delta_ter }}</td>
<td class="text">{{ row.source }}</td><td class="text">{{ row.system }}</td>
<td class="text">{{ row.reference }}</td></tr>
{% endfor %}</table>
{% for title, table in s.tables %}{{ numbers(title, table) }}{% endfor %}
<h3>Signatures</h3><ul>{% for k, v in ev.signatures.items() %}
<li>{{ k }}: <code>{{ v }}</code></li>{% endfor %}</ul>
{% endfor %}
</body></html>
"""


def render_html(evaluations: Sequence[Evaluation], checks: Sequence[Check] = ()) -> str:
    sections = []
    for ev in evaluations:
        scores = ("Corpus scores (ΔTER negative is better)", score_table(ev))
        tables = [("Edits (ERRANT)", edit_table(ev))]
        if flags := flag_table(ev):
            tables.append(("Flags vs gold spans (true positive = overlap)", flags))
        if by_dimension := mqm_table(ev):
            tables.append(("MQM by dimension (source → output)", by_dimension))
        rows = []
        for s in ev.sentences:
            source, system = highlight(s.source, s.system, "del", "ins")
            marked = [highlight(s.source, ref, "span", "mark")[1] for ref in s.references]
            reference = Markup("<hr>").join(marked)
            kind = "worse" if s.worse else "better" if s.harm < 0 else "same"
            rows.append(
                {"s": s, "kind": kind, "source": source, "system": system, "reference": reference}
            )
        sections.append({"ev": ev, "scores": scores, "tables": tables, "rows": rows})
    env = Environment(autoescape=True)
    return env.from_string(TEMPLATE).render(m=machine(), sections=sections, checks=checks)
