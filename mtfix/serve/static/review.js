// mtfix review page: plain JavaScript, no build step. Offsets from the server are Python str
// indices (code points); the page slices the text by code points, never by UTF-16 units.
"use strict";

const $ = (id) => document.getElementById(id);
const PALETTE = ["#c0392b", "#2756c5", "#8e44ad", "#d35400", "#16a085", "#b7950b", "#2c3e50",
  "#c2185b", "#5d6d7e", "#27ae60", "#6d4c41", "#0097a7"];
const state = { review: null, cps: [], stretches: [], decisions: new Map(), current: 0,
  colors: new Map(), editing: false };

async function api(method, url, body) {
  const options = { method, headers: {} };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(url, options);
  const data = await response.json().catch(() => ({ error: response.statusText }));
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}

function say(text) {
  const box = $("message");
  box.textContent = text;
  box.classList.add("show");
  clearTimeout(say.timer);
  say.timer = setTimeout(() => box.classList.remove("show"), 2500);
}

const slice = (start, end) => state.cps.slice(start, end).join("");
const key = (s) => `${s.start}-${s.end}`;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) node.append(child);
  return node;
}

// -- loading ------------------------------------------------------------------------------

async function init() {
  const doc = await api("GET", "/api/document");
  if (doc.text !== null) {
    $("docname").textContent = doc.name;
    await begin({ opened: true });
  } else {
    $("start").hidden = false;
    $("file").addEventListener("change", async (event) => {
      const file = event.target.files[0];
      if (file) { $("input").value = await file.text(); $("input").dataset.name = file.name; }
    });
    $("go").addEventListener("click", () => {
      const text = $("input").value;
      const source = $("source").value.trim() ? $("source").value : null;
      $("docname").textContent = $("input").dataset.name || "pasted text";
      begin({ text, source, name: $("input").dataset.name || "" }).catch((e) => say(e.message));
    });
  }
}

async function begin(payload) {
  const review = await api("POST", "/api/reviews", payload);
  $("start").hidden = true;
  $("progress").hidden = false;
  await poll(review.id);
}

async function poll(id) {
  for (;;) {
    const review = await api("GET", `/api/reviews/${id}`);
    const fraction = review.total ? review.done / review.total : 0;
    $("bar").style.width = `${Math.round(100 * fraction)}%`;
    $("progress-text").textContent = review.stage === "rewriting"
      ? `proposals for ${review.done} of ${review.total} sentences` : `${review.stage}…`;
    if (review.state === "failed") { $("progress-text").textContent = review.error; return; }
    if (review.state === "done") { setup(review); return; }
    await new Promise((resolve) => setTimeout(resolve, 400));
  }
}

function setup(review) {
  state.review = review;
  const result = review.result;
  state.cps = Array.from(result.original);
  const flags = [...result.flags, ...result.resolved].sort((a, b) => a.start - b.start);
  for (const category of [...new Set(flags.map((f) => f.category))].sort()) {
    state.colors.set(category, PALETTE[state.colors.size % PALETTE.length]);
  }
  state.stretches = result.stretches.map(([start, end]) => ({
    start, end,
    proposals: result.proposals.filter((p) => p.start === start && p.end === end)
      .sort((a, b) => a.rank - b.rank),
    flags: flags.filter((f) => f.start < end && start < f.end
      || (f.start === f.end && start <= f.start && f.start <= end)),
  }));
  applyDecisions(review.decisions);
  $("progress").hidden = true;
  $("review").hidden = false;
  $("download").hidden = false;
  $("download").href = `/api/reviews/${review.id}/text`;
  $("save").hidden = !review.writable;
  renderLegend();
  render();
}

function applyDecisions(decisions) {
  state.decisions = new Map(decisions.map((d) => [key(d), d]));
}

// -- rendering ----------------------------------------------------------------------------

function flagged(start, end, flags) {
  // The text [start, end) with each flag underlined in its category's colour.
  const cuts = new Set([start, end]);
  for (const f of flags) { cuts.add(Math.max(start, f.start)); cuts.add(Math.min(end, f.end)); }
  const points = [...cuts].filter((c) => c >= start && c <= end).sort((a, b) => a - b);
  const out = document.createDocumentFragment();
  for (let i = 0; i + 1 < points.length; i++) {
    const [a, b] = [points[i], points[i + 1]];
    const over = flags.filter((f) => f.start <= a && b <= f.end && f.start < f.end);
    if (!over.length) { out.append(slice(a, b)); continue; }
    const span = el("span", { class: "flag", title: over.map((f) => `${f.category} ${f.rule}: ${f.message}`).join("\n") }, slice(a, b));
    span.style.textDecorationColor = state.colors.get(over[0].category);
    out.append(span);
  }
  return out;
}

function render() {
  const article = $("article");
  article.replaceChildren();
  let cursor = 0;
  state.stretches.forEach((s, i) => {
    article.append(slice(cursor, s.start));
    const decision = state.decisions.get(key(s));
    const node = el("span", { class: `stretch${decision ? " " + decision.action : ""}${i === state.current ? " current" : ""}`, "data-i": i });
    node.append(decision ? decision.final : flagged(s.start, s.end, s.flags));
    node.addEventListener("click", () => { state.current = i; render(); });
    article.append(node);
    cursor = s.end;
  });
  article.append(slice(cursor, state.cps.length));
  const done = state.stretches.filter((s) => state.decisions.has(key(s))).length;
  $("counts").textContent = `${done} of ${state.stretches.length} flagged sentences decided`;
  renderPanel();
  const current = article.querySelector(".stretch.current");
  if (current) current.scrollIntoView({ block: "nearest" });
}

function renderLegend() {
  const legend = $("legend");
  legend.replaceChildren();
  for (const [category, color] of state.colors) {
    const chip = el("span", { class: "chip", text: category });
    chip.style.background = color;
    legend.append(chip);
  }
}

function renderPanel() {
  const s = state.stretches[state.current];
  if (!s) { $("where").textContent = "Nothing flagged."; return; }
  $("where").textContent = `Flagged sentence ${state.current + 1} of ${state.stretches.length}`;
  const flags = $("flags");
  flags.replaceChildren();
  const alike = new Map();  // one line per rule and message, however often it fires here
  for (const f of s.flags) {
    const line = `${f.rule}: ${f.message}`;
    if (alike.has(line)) { alike.get(line).n += 1; continue; }
    alike.set(line, { flag: f, n: 1 });
  }
  for (const [line, { flag, n }] of alike) {
    const chip = el("span", { class: "chip", text: flag.category });
    chip.style.background = state.colors.get(flag.category);
    const item = el("div", { class: "flagitem" }, chip, el("span", { text: line }));
    if (n > 1) item.append(el("span", { class: "times", text: `×${n}` }));
    flags.append(item);
  }
  $("mt").replaceChildren(flagged(s.start, s.end, s.flags));
  const decision = state.decisions.get(key(s));
  const cards = $("candidates");
  cards.replaceChildren();
  if (!s.proposals.length) cards.append(el("p", { text: "No candidate: keep the MT (r) or edit it (e)." }));
  for (const p of s.proposals) {
    const head = el("div", { class: "head" }, el("span", { class: "key", text: String(p.rank) }),
      el("span", { text: `${p.origin} · ${Math.round(100 * p.confidence)}%` }));
    if (p.applied) head.append(el("span", { class: "preferred", text: "★ mtfix's fix", title: "what mtfix clean applies" }));
    if (p.rejected_by) head.append(el("span", { class: "rejected", text: `held back: ${p.rejected_by}`, title: p.reason }));
    if (p.licensed_by.length) head.append(el("span", { text: p.licensed_by.join(", ") }));
    const body = el("div", { class: "diff" });
    for (const [op, text] of p.diff) body.append(op === "=" ? text : el(op === "+" ? "ins" : "del", { text }));
    const card = el("div", { class: `candidate${decision && decision.chosen === p.rank ? " chosen" : ""}`, "data-rank": p.rank }, head, body);
    card.addEventListener("click", () => decide("accept", p.rank));
    cards.append(card);
  }
  $("decision").textContent = decision
    ? (decision.action === "accept" ? `Accepted candidate ${decision.chosen}.`
      : decision.action === "reject" ? "Kept the MT." : "Edited by hand.")
    : "Not decided yet: it stays as the MT.";
  $("editor").hidden = !state.editing;
}

// -- decisions ----------------------------------------------------------------------------

async function decide(action, chosen, text) {
  const s = state.stretches[state.current];
  if (!s) return;
  if (action === "accept" && !s.proposals.some((p) => p.rank === chosen)) return;
  try {
    const answer = await api("POST", `/api/reviews/${state.review.id}/decisions`,
      { start: s.start, end: s.end, action, chosen: chosen ?? null, text: text ?? null });
    applyDecisions(answer.decisions);
    const next = state.stretches.findIndex((t, i) => i > state.current && !state.decisions.has(key(t)));
    if (next >= 0) state.current = next;
    render();
  } catch (error) { say(error.message); }
}

async function undo() {
  try {
    const answer = await api("POST", `/api/reviews/${state.review.id}/undo`, {});
    applyDecisions(answer.decisions);
    const record = answer.record;
    state.current = Math.max(0, state.stretches.findIndex((s) => s.start === record.sentence.start && s.end === record.sentence.end));
    render();
    say("Undone.");
  } catch (error) { say(error.message); }
}

function edit() {
  const s = state.stretches[state.current];
  if (!s) return;
  const decision = state.decisions.get(key(s));
  state.editing = true;
  renderPanel();
  const box = $("edit-text");
  box.value = decision ? decision.final : slice(s.start, s.end);
  box.focus();
}

function finishEdit(save) {
  state.editing = false;
  $("editor").hidden = true;
  if (save) decide("edit", null, $("edit-text").value);
}

async function saveFile() {
  if (!state.review || !state.review.writable) return;
  try {
    const answer = await api("POST", `/api/reviews/${state.review.id}/save`, {});
    say(`Saved ${answer.saved}.`);
  } catch (error) { say(error.message); }
}

function move(step) {
  const n = state.stretches.length;
  if (!n) return;
  state.current = Math.min(n - 1, Math.max(0, state.current + step));
  state.editing = false;
  render();
}

document.addEventListener("keydown", (event) => {
  if (state.editing) {
    if (event.key === "Escape") { event.preventDefault(); finishEdit(false); }
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); finishEdit(true); }
    return;
  }
  if (event.target.tagName === "TEXTAREA" || event.target.tagName === "INPUT" || !state.review) return;
  if (event.key === "z" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); undo(); return; }
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const actions = {
    j: () => move(1), ArrowDown: () => move(1), n: () => move(1),
    k: () => move(-1), ArrowUp: () => move(-1), p: () => move(-1),
    r: () => decide("reject"), 0: () => decide("reject"),
    e: edit, u: undo, s: saveFile, d: () => $("download").click(),
    "?": () => { $("help").hidden = !$("help").hidden; },
  };
  if (/^[1-9]$/.test(event.key)) { event.preventDefault(); decide("accept", Number(event.key)); return; }
  if (actions[event.key]) { event.preventDefault(); actions[event.key](); }
});

$("edit-save").addEventListener("click", () => finishEdit(true));
$("edit-cancel").addEventListener("click", () => finishEdit(false));
$("save").addEventListener("click", saveFile);
$("help-button").addEventListener("click", () => { $("help").hidden = !$("help").hidden; });
init().catch((error) => say(error.message));
