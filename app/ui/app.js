// Dikta's page: renders what Rust sends and sends the worker's intents back.
// No dictation logic lives here (see app/src). Text from the note is only ever put into
// the page with textContent, never as HTML.
"use strict";

const T = window.__TAURI__;
const invoke = (cmd, args) => T.core.invoke(cmd, args || {});
const listen = (name, fn) => T.event.listen(name, (e) => fn(e.payload));
const $ = (id) => document.getElementById(id);

const state = {
  note: null,
  headings: [],
  settings: null,
  autotexts: { items: [], problems: [], layers: [] },
  recording: { state: "idle" },
  models: null,
  editing: null, // { kind: "sentence"|"field"|"move", id, index }
  pendingFocus: null,
};

// ---------- small helpers ------------------------------------------------------------

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(node.dataset, v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

function toast(kind, text) {
  const box = kind === "error" ? $("toasts-alert") : $("toasts");
  const t = el("div", { class: `toast ${kind}`, text });
  box.append(t);
  while (box.children.length > 3) box.firstChild.remove();
  setTimeout(() => t.remove(), kind === "error" ? 9000 : 4500);
}

function showError(e) {
  const msg = e && e.message ? e.message : String(e);
  const detail = e && e.detail ? ` (${e.detail})` : "";
  toast("error", msg + detail);
}

async function call(cmd, args) {
  try {
    return await invoke(cmd, args);
  } catch (e) {
    showError(e);
    throw e;
  }
}

function quiet(p) { p.catch(() => {}); }

function focusKey(node) {
  const n = node && node.closest ? node.closest("[data-focus]") : null;
  return n ? n.dataset.focus : null;
}

function restoreFocus(key) {
  if (!key) return;
  const n = document.querySelector(`[data-focus="${CSS.escape(key)}"]`);
  if (n) n.focus();
}

// ---------- recording ----------------------------------------------------------------

function renderRecording(r) {
  state.recording = r;
  const btn = $("btn-record");
  const label = $("record-label");
  const status = $("rec-status");
  btn.classList.toggle("busy", r.state === "starting" || r.state === "stopping");
  btn.setAttribute("aria-pressed", r.state === "recording" ? "true" : "false");
  btn.dataset.state = r.state;
  status.classList.remove("error");
  const key = state.settings ? state.settings.shortcut : "";
  switch (r.state) {
    case "starting":
      label.textContent = "Starter…";
      status.textContent = "Åbner mikrofonen og talemodellen…";
      break;
    case "recording":
      label.textContent = "Stop diktering";
      status.textContent = `Lytter${r.device ? " – mikrofon: " + r.device : ""}. Tryk igen for at stoppe.`;
      break;
    case "stopping":
      label.textContent = "Afslutter…";
      status.textContent = "Skriver de sidste ord…";
      break;
    default:
      $("rec-lag").hidden = true;
      label.textContent = "Start diktering";
      if (r.error) {
        status.textContent = r.error;
        status.classList.add("error");
      } else {
        status.textContent = "";
        status.append("Klar. Tryk på knappen", key ? " eller " : ".", key ? el("kbd", { text: key }) : "", key ? "." : "");
      }
      setLevel({ rms_db: -100, peak: 0, speech: false });
  }
}

function setLevel(l) {
  // -60 dBFS .. -10 dBFS mapped to 0..100 %.
  const pct = Math.max(0, Math.min(100, ((l.rms_db + 60) / 50) * 100));
  $("meter-fill").style.width = pct.toFixed(0) + "%";
  $("meter").setAttribute("aria-valuenow", pct.toFixed(0));
  $("meter").classList.toggle("speech", !!l.speech);
}

function renderLive(live) {
  state.live = live;
  const box = $("live-committed");
  const pieces = live.committed || [];
  // Committed text never changes: only new pieces are appended.
  let keep = 0;
  while (keep < box.children.length && keep < pieces.length && box.children[keep].dataset.text === pieces[keep]) keep++;
  while (box.children.length > keep) box.lastChild.remove();
  for (let i = keep; i < pieces.length; i++) {
    box.append(el("span", { class: "piece", dataset: { text: pieces[i] }, text: (i ? " " : "") + pieces[i] }));
  }
  $("live-tentative").textContent = live.tentative ? (pieces.length ? " " : "") + live.tentative : "";
  $("live-empty").hidden = !!(pieces.length || live.tentative);
  $("live").scrollTop = $("live").scrollHeight;
  const h = live.heading || (state.note && state.note.current_heading);
  $("current-heading").hidden = !h;
  $("current-heading-name").textContent = h || "";
}

// ---------- the note -----------------------------------------------------------------

function headingSelect(current, id) {
  const sel = el("select", { id });
  let group = null;
  let og = null;
  for (const h of state.headings) {
    if (h.group !== group) {
      group = h.group;
      og = el("optgroup", { label: group });
      sel.append(og);
    }
    og.append(el("option", { value: h.name, text: h.name, selected: h.name === current }));
  }
  return sel;
}

function renderNote(note) {
  state.note = note;
  const keep = focusKey(document.activeElement);
  // Whatever the worker is typing survives a re-render (dictation may change the note).
  const typed = {};
  for (const i of document.querySelectorAll("#note-sections [data-focus]")) {
    if ("value" in i && (i.tagName === "INPUT" || i.tagName === "TEXTAREA")) {
      typed[i.dataset.focus] = { value: i.value, start: i.selectionStart, end: i.selectionEnd };
    }
  }
  $("note-meta").textContent = `${note.author} · ${note.created}${note.sentence_count ? " · " + note.sentence_count + " sætninger" : ""}`;
  $("btn-redo").disabled = !note.can_redo;
  const box = $("note-sections");
  box.replaceChildren();
  const shown = new Set(note.sections.map((s) => s.heading));
  for (const section of note.sections) box.append(renderSection(section, note));
  if (note.current_heading && !shown.has(note.current_heading)) {
    box.append(
      el("section", { class: "section current empty-current", dataset: { heading: note.current_heading } },
        el("div", { class: "section-head" },
          el("h2", { text: note.current_heading }),
          el("span", { class: "badge", text: "Aktuel" })),
        el("p", { text: "Det du siger nu, kommer her." })));
  }
  $("note-empty").hidden = !note.empty || !!note.current_heading;
  if (state.live) renderLive({ ...state.live, heading: note.current_heading });
  for (const [key, t] of Object.entries(typed)) {
    const i = document.querySelector(`[data-focus="${CSS.escape(key)}"]`);
    if (i) { i.value = t.value; try { i.setSelectionRange(t.start, t.end); } catch (_) { /* not a text input */ } }
  }
  // A focus asked for (e.g. the first field of an inserted autotext) waits for the render
  // that contains its element, for a few seconds at most.
  let focus = keep;
  if (state.pendingFocus) {
    if (document.querySelector(`[data-focus="${CSS.escape(state.pendingFocus)}"]`)) {
      focus = state.pendingFocus;
      state.pendingFocus = null;
      state.pendingSince = null;
    } else {
      state.pendingSince = state.pendingSince || Date.now();
      if (Date.now() - state.pendingSince > 3000) { state.pendingFocus = null; state.pendingSince = null; }
    }
  }
  restoreFocus(focus);
}

function renderSection(section, note) {
  const current = note.current_heading === section.heading;
  const node = el("section", {
    class: "section" + (current ? " current" : ""),
    "aria-label": section.heading,
    dataset: { heading: section.heading },
  });
  node.addEventListener("dragover", (e) => { e.preventDefault(); node.classList.add("drop"); });
  node.addEventListener("dragleave", () => node.classList.remove("drop"));
  node.addEventListener("drop", (e) => {
    e.preventDefault();
    node.classList.remove("drop");
    const id = Number(e.dataTransfer.getData("text/plain"));
    if (id) quiet(call("move_sentence", { id, heading: section.heading }));
  });
  node.append(
    el("div", { class: "section-head" },
      el("h2", { text: section.heading }),
      section.group !== section.heading ? el("span", { class: "group", text: section.group }) : null,
      current ? el("span", { class: "badge", text: "Aktuel" }) : null,
      el("span", { class: "actions" },
        el("button", { type: "button", class: "small", "aria-label": `Kopier ${section.heading} til Cura`,
          onclick: () => copyExport("cura", section.heading) }, "Cura"),
        el("button", { type: "button", class: "small", "aria-label": `Kopier ${section.heading} til Nexus`,
          onclick: () => copyExport("nexus", section.heading) }, "Nexus"))),
    el("ul", { class: "sentences" }, section.sentences.map((s) => renderSentence(s, section, note))));
  return node;
}

function renderSentence(s, section, note) {
  const li = el("li", { class: "sentence", draggable: "true", dataset: { id: String(s.id) } });
  li.addEventListener("dragstart", (e) => {
    e.dataTransfer.setData("text/plain", String(s.id));
    li.classList.add("dragging");
  });
  li.addEventListener("dragend", () => li.classList.remove("dragging"));
  const editing = state.editing;
  if (editing && editing.kind === "sentence" && editing.id === s.id) {
    const ta = el("textarea", { "aria-label": "Ret sætningen", dataset: { focus: `edit-${s.id}` } });
    ta.value = s.text;
    const save = () => { state.editing = null; state.pendingFocus = `text-${s.id}`; quiet(call("edit_sentence", { id: s.id, text: ta.value })); };
    const cancel = () => { state.editing = null; state.pendingFocus = `text-${s.id}`; renderNote(state.note); };
    ta.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); save(); }
      if (e.key === "Escape") { e.preventDefault(); cancel(); }
    });
    li.append(el("div", { class: "editor" }, ta,
      el("div", { class: "row" },
        el("button", { type: "button", class: "primary small", onclick: save }, "Gem"),
        el("button", { type: "button", class: "small", onclick: cancel }, "Annuller"),
        el("span", { class: "hint", text: "Enter gemmer, Esc fortryder. Tom tekst sletter sætningen." }))));
    state.pendingFocus = `edit-${s.id}`;
    return li;
  }
  const text = el("div", { class: "text", tabindex: "0", dataset: { focus: `text-${s.id}` },
    "aria-label": `Sætning under ${section.heading}: ${s.text}. Tryk Enter for at rette.` });
  text.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && e.target === text) { e.preventDefault(); startEdit(s.id); }
  });
  text.addEventListener("dblclick", () => startEdit(s.id));
  for (const part of s.parts) {
    if (part.field === null || part.field === undefined) {
      text.append(part.text);
    } else {
      text.append(renderField(s, part, note));
    }
  }
  const why = el("div", { class: "why" },
    el("span", { class: `chip ${s.reason_kind}`, title: s.reason_detail, "aria-label": s.reason_detail, text: s.reason }),
    s.uncertain ? el("span", { class: "chip warn", text: "Tjek overskriften" }) : null,
    s.unfilled_fields ? el("span", { class: "chip warn", text: `${s.unfilled_fields} felt${s.unfilled_fields === 1 ? "" : "er"} mangler` }) : null,
    s.masked_cpr ? el("span", { class: "chip warn", text: "CPR skjult" }) : null);
  const tools = el("div", { class: "tools" },
    el("button", { type: "button", class: "small", "aria-label": `Flyt sætningen til en anden overskrift`,
      dataset: { focus: `move-${s.id}` }, onclick: () => startMove(s.id) }, "Flyt"),
    el("button", { type: "button", class: "small", "aria-label": "Ret sætningen",
      onclick: () => startEdit(s.id) }, "Ret"),
    el("button", { type: "button", class: "small", "aria-label": "Slet sætningen",
      onclick: () => { state.pendingFocus = null; quiet(call("remove_sentence", { id: s.id })); } }, "Slet"));
  li.append(text, tools, why);
  if (editing && editing.kind === "move" && editing.id === s.id) {
    const sel = headingSelect(section.heading, `move-select-${s.id}`);
    sel.dataset.focus = `move-select-${s.id}`;
    const go = () => {
      state.editing = null;
      state.pendingFocus = `text-${s.id}`;
      quiet(call("move_sentence", { id: s.id, heading: sel.value }));
    };
    const cancel = () => { state.editing = null; state.pendingFocus = `move-${s.id}`; renderNote(state.note); };
    sel.addEventListener("keydown", (e) => {
      if (e.key === "Enter") { e.preventDefault(); go(); }
      if (e.key === "Escape") { e.preventDefault(); cancel(); }
    });
    li.append(el("div", { class: "move-menu" },
      el("label", { for: `move-select-${s.id}`, text: "Flyt til:" }), sel,
      el("button", { type: "button", class: "primary small", dataset: { focus: `move-go-${s.id}` }, onclick: go }, "Flyt"),
      el("button", { type: "button", class: "small", onclick: cancel }, "Annuller")));
    state.pendingFocus = state.pendingFocus || `move-select-${s.id}`;
  }
  return li;
}

function renderField(s, part, note) {
  const key = `field-${s.id}-${part.field}`;
  const editing = state.editing;
  if (editing && editing.kind === "field" && editing.id === s.id && editing.index === part.field) {
    const listId = `opts-${s.id}-${part.field}`;
    const input = el("input", { "aria-label": `Værdi for felt ${part.field + 1}`, list: listId,
      dataset: { focus: `fieldinput-${s.id}-${part.field}` } });
    input.value = part.filled ? part.text : (part.options[0] || "");
    const datalist = el("datalist", { id: listId }, part.options.map((o) => el("option", { value: o })));
    const commit = (next) => {
      state.editing = null;
      const nextKey = next ? nextFieldKey(s, part.field) : key;
      state.pendingFocus = nextKey || key;
      quiet(call("fill_field", { id: s.id, index: part.field, value: input.value }));
    };
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") { e.preventDefault(); commit(true); }
      if (e.key === "Tab" && !e.shiftKey) { e.preventDefault(); commit(true); }
      if (e.key === "Escape") { e.preventDefault(); state.editing = null; state.pendingFocus = key; renderNote(state.note); }
    });
    state.pendingFocus = `fieldinput-${s.id}-${part.field}`;
    return el("span", { class: "field-editor" }, input, datalist,
      part.options.length ? el("span", { class: "hint", text: part.options.join(" / ") }) : null);
  }
  const focused = note.focused_field && note.focused_field.sentence === s.id && note.focused_field.index === part.field;
  const label = part.filled ? `Felt ${part.field + 1}: ${part.text}` :
    part.options.length ? `Tomt valgfelt ${part.field + 1}: ${part.options.join(" eller ")}` : `Tomt felt ${part.field + 1}`;
  const btn = el("button", {
    type: "button",
    class: "field" + (part.filled ? " filled" : "") + (focused ? " focused" : ""),
    "aria-label": label + ". Enter for at udfylde.",
    dataset: { focus: key, sentence: String(s.id), index: String(part.field) },
    text: part.text,
  });
  btn.addEventListener("click", () => { state.editing = { kind: "field", id: s.id, index: part.field }; renderNote(state.note); });
  btn.addEventListener("focus", () => {
    // Dictation fills the field that has keyboard focus.
    const f = state.note.focused_field;
    if (!(f && f.sentence === s.id && f.index === part.field)) {
      quiet(invoke("focus_field", { id: s.id, index: part.field }));
    }
  });
  return btn;
}

function nextFieldKey(s, index) {
  const fields = s.parts.filter((p) => p.field !== null && p.field !== undefined).map((p) => p.field);
  const next = fields.find((f) => f > index);
  return next === undefined ? `text-${s.id}` : `field-${s.id}-${next}`;
}

function startEdit(id) { state.editing = { kind: "sentence", id }; renderNote(state.note); }
function startMove(id) { state.editing = { kind: "move", id }; state.pendingFocus = `move-select-${id}`; renderNote(state.note); }

// ---------- autotexts ----------------------------------------------------------------

function renderAutotextList(items) {
  const ul = $("autotext-list");
  ul.replaceChildren();
  if (!items.length) {
    ul.append(el("li", { class: "hint", text: "Ingen autotekster passer." }));
  }
  for (const a of items) {
    const tip = a.text + (a.aliases.length ? `\nSig også: ${a.aliases.join(", ")}` : "") + `\n${a.source}`;
    ul.append(el("li", {},
      el("button", { type: "button", title: tip, dataset: { autotext: a.name },
        "aria-label": `Indsæt autotekst ${a.name}${a.description ? ": " + a.description : ""}`,
        onclick: () => insertAutotext(a.name) },
        el("span", { class: "layer", text: a.layer }),
        el("span", { class: "name", text: a.name }),
        a.fields ? ` · ${a.fields} felt${a.fields === 1 ? "" : "er"}` : "",
        a.description ? el("span", { class: "desc", text: a.description }) : null)));
  }
}

function renderAutotexts(view) {
  state.autotexts = view;
  $("autotext-layers").textContent = view.layers.length ? `Biblioteker: ${view.layers.join(", ")} (personlig vinder over team, team over fælles).` : "";
  const probs = $("autotext-problems");
  probs.hidden = !view.problems.length;
  $("autotext-problem-list").replaceChildren(...view.problems.map((p) =>
    el("li", {}, el("strong", { text: p.at }), ": ", p.message)));
  runSearch();
}

let searchSeq = 0;
async function runSearch() {
  const q = $("autotext-search").value;
  const seq = ++searchSeq;
  if (!q.trim()) { renderAutotextList(state.autotexts.items); return; }
  try {
    const items = await invoke("search_autotexts", { query: q });
    if (seq === searchSeq) renderAutotextList(items);
  } catch (e) { showError(e); }
}

async function insertAutotext(name) {
  const id = await call("insert_autotext", { name });
  // Keyboard users land on the first field of what was inserted; dictation fills it.
  if (id !== null && id !== undefined) {
    const info = state.autotexts.items.find((a) => a.name === name);
    const key = info && info.fields === 0 ? `text-${id}` : `field-${id}-0`;
    // The note may not have been rendered yet: the next render focuses it.
    state.pendingFocus = key;
    state.pendingSince = null;
    if (document.querySelector(`[data-focus="${CSS.escape(key)}"]`)) renderNote(state.note);
  }
}

// ---------- export -------------------------------------------------------------------

async function copyExport(target, heading) {
  const r = await call("copy_export", { target, heading: heading || null });
  $("export-done-title").textContent = target === "cura" ? "Kopieret til Cura" : "Kopieret til Nexus";
  $("export-done-text").textContent = r.message;
  $("export-preview").textContent = r.text;
  $("dlg-export").showModal();
  $("export-finish").focus();
}

async function pasteExport() {
  const target = $("paste-format").value;
  const r = await call("paste_export", { target, heading: null });
  toast("success", r.message);
}

async function saveExport(format) {
  const r = await call("save_export", { format, path: null });
  if (r) toast("success", r.message);
}

function confirmDialog(text, yesLabel) {
  return new Promise((resolve) => {
    const dlg = $("dlg-confirm");
    $("confirm-text").textContent = text;
    $("confirm-yes").textContent = yesLabel || "Ja";
    const done = (v) => { dlg.close(); resolve(v); };
    $("confirm-yes").onclick = () => done(true);
    $("confirm-no").onclick = () => done(false);
    dlg.oncancel = () => resolve(false);
    dlg.showModal();
    $("confirm-no").focus();
  });
}

// ---------- settings, models, first start ---------------------------------------------

function applySettings(s) {
  state.settings = s;
  document.documentElement.classList.toggle("large", !!s.large_text);
  $("btn-large").setAttribute("aria-pressed", s.large_text ? "true" : "false");
  $("first-shortcut").textContent = s.shortcut || "–";
  renderRecording(state.recording);
}

async function fillDevices(select, current) {
  try {
    const devices = await invoke("devices");
    select.replaceChildren(el("option", { value: "", text: "Systemets standard" }));
    for (const d of devices) {
      select.append(el("option", { value: d.name, selected: d.name === current,
        text: `${d.name}${d.is_default ? " (standard)" : ""}` }));
    }
  } catch (e) {
    showError(e);
  }
}

function renderModels(m) {
  state.models = m;
  const sel = $("set-model");
  sel.replaceChildren();
  for (const x of m.installed) {
    sel.append(el("option", { value: x.name, selected: x.selected, text: `${x.name} (${x.size_mb} MB${x.is_default ? ", standard" : ""})` }));
  }
  if (!m.installed.length) sel.append(el("option", { value: "", text: "Ingen model installeret" }));
  $("set-model-dir").textContent = m.error ? `Fejl: ${m.error}` : `Modelmappe: ${m.dir}`;
  const status = $("first-model-status");
  status.textContent = m.installed.length
    ? `Klar: ${m.installed.find((x) => x.selected)?.name || m.installed[0].name} er installeret.`
    : "Ingen model endnu. Installer standardmodellen (kræver internet én gang), eller vælg en ggml-fil.";
}

function onProgress(p) {
  for (const prefix of ["first", "set"]) {
    const bar = $(`${prefix}-progress`);
    const step = $(`${prefix}-progress-step`);
    bar.hidden = p.finished && !p.error ? false : false;
    if (p.fraction === null || p.fraction === undefined) bar.removeAttribute("value");
    else bar.value = p.fraction;
    step.textContent = p.error ? p.error : p.step + (p.fraction != null ? ` – ${Math.round(p.fraction * 100)} %` : "");
    step.classList.toggle("error", !!p.error);
  }
}

async function installModel() {
  for (const id of ["first-install", "set-install"]) $(id).disabled = true;
  try {
    const m = await call("install_model");
    renderModels(m);
    toast("success", "Talemodellen er installeret.");
  } catch (_) { /* shown */ } finally {
    for (const id of ["first-install", "set-install"]) $(id).disabled = false;
  }
}

async function importModel() {
  try {
    const m = await call("import_model", { path: null });
    if (m) { renderModels(m); toast("success", "Modellen er klar til brug."); }
  } catch (_) { /* shown */ }
}

async function openSettings() {
  const s = state.settings;
  $("set-author").value = s.author;
  $("set-shortcut").value = s.shortcut;
  for (const r of document.querySelectorAll('input[name="set-mode"]')) r.checked = r.value === s.shortcut_mode;
  $("set-large").checked = s.large_text;
  renderModels(await invoke("models"));
  $("dlg-settings").showModal();
  quiet(fillDevices($("set-device"), s.device));
}

async function saveSettings() {
  const mode = document.querySelector('input[name="set-mode"]:checked');
  const patch = {
    author: $("set-author").value,
    device: $("set-device").value,
    model: $("set-model").value,
    shortcut: $("set-shortcut").value,
    shortcut_mode: mode ? mode.value : "toggle",
    large_text: $("set-large").checked,
  };
  applySettings(await call("update_settings", { patch }));
  toast("success", "Indstillingerne er gemt.");
}

async function firstRun(snapshot) {
  const dlg = $("dlg-first");
  $("first-author").value = snapshot.settings.author;
  renderModels(snapshot.models);
  dlg.showModal();
  $("first-author").focus();
  quiet(fillDevices($("first-device"), snapshot.settings.device));
}

// ---------- wiring -------------------------------------------------------------------

function wire() {
  $("btn-record").addEventListener("click", () => {
    const s = state.recording.state;
    if (s === "recording") quiet(call("stop_recording"));
    else if (s === "idle") quiet(call("start_recording"));
  });
  $("btn-undo").addEventListener("click", () => quiet(call("undo")));
  $("btn-redo").addEventListener("click", () => quiet(call("redo")));
  $("btn-new").addEventListener("click", async () => {
    if (state.note && !state.note.empty) {
      const ok = await confirmDialog("Den nuværende note slettes fra Dikta. Er den overført til journalen?", "Ja, ny note");
      if (!ok) return;
    }
    quiet(call("new_note"));
  });
  $("btn-large").addEventListener("click", async () => {
    applySettings(await call("update_settings", { patch: { large_text: !state.settings.large_text } }));
  });
  $("btn-settings").addEventListener("click", () => quiet(openSettings()));
  $("btn-copy-cura").addEventListener("click", () => quiet(copyExport("cura")));
  $("btn-copy-nexus").addEventListener("click", () => quiet(copyExport("nexus")));
  $("btn-paste").addEventListener("click", () => quiet(pasteExport()));
  $("btn-save-json").addEventListener("click", () => quiet(saveExport("json")));
  $("btn-save-fhir").addEventListener("click", () => quiet(saveExport("fhir")));
  $("btn-reload-autotexts").addEventListener("click", async () => renderAutotexts(await call("reload_autotexts")));
  $("autotext-search").addEventListener("input", runSearch);
  $("autotext-search").addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      const first = $("autotext-list").querySelector("button");
      if (first) { e.preventDefault(); first.click(); }
    }
    if (e.key === "ArrowDown") {
      const first = $("autotext-list").querySelector("button");
      if (first) { e.preventDefault(); first.focus(); }
    }
  });
  $("autotext-list").addEventListener("keydown", (e) => {
    if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
    const items = [...$("autotext-list").querySelectorAll("button")];
    const i = items.indexOf(document.activeElement);
    const next = items[i + (e.key === "ArrowDown" ? 1 : -1)];
    if (next) { e.preventDefault(); next.focus(); }
  });

  $("export-finish").addEventListener("click", async () => {
    $("dlg-export").close();
    await call("new_note");
    toast("success", "Noten er afsluttet, og kladden er slettet.");
  });
  $("export-keep").addEventListener("click", () => $("dlg-export").close());

  $("draft-recover").addEventListener("click", async () => { $("dlg-draft").close(); quiet(call("recover_draft")); });
  $("draft-discard").addEventListener("click", async () => { $("dlg-draft").close(); quiet(call("discard_draft")); });
  $("dlg-draft").addEventListener("cancel", (e) => e.preventDefault());

  $("first-install").addEventListener("click", installModel);
  $("first-import").addEventListener("click", importModel);
  $("set-install").addEventListener("click", installModel);
  $("set-import").addEventListener("click", importModel);
  $("set-refresh-devices").addEventListener("click", () => quiet(fillDevices($("set-device"), state.settings.device)));
  $("first-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const author = $("first-author").value.trim();
    if (!author) { toast("warning", "Skriv dit navn – det skal stå på noten."); $("first-author").focus(); return; }
    applySettings(await call("update_settings", { patch: { author, device: $("first-device").value, first_run_done: true } }));
    $("dlg-first").close();
    $("btn-record").focus();
  });
  $("settings-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    try { await saveSettings(); $("dlg-settings").close(); } catch (_) { /* shown */ }
  });
  $("set-cancel").addEventListener("click", () => $("dlg-settings").close());

  document.addEventListener("keydown", (e) => {
    const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName);
    if (typing || document.querySelector("dialog[open]")) return;
    if (e.ctrlKey && !e.shiftKey && e.key.toLowerCase() === "z") { e.preventDefault(); quiet(call("undo")); }
    if (e.ctrlKey && (e.key.toLowerCase() === "y" || (e.shiftKey && e.key.toLowerCase() === "z"))) { e.preventDefault(); quiet(call("redo")); }
  });
}

async function start() {
  wire();
  await listen("dikta://note", renderNote);
  await listen("dikta://live", renderLive);
  await listen("dikta://level", setLevel);
  await listen("dikta://recording", (r) => { renderRecording(r); if (r.error) toast("error", r.error); });
  await listen("dikta://notice", (n) => toast(n.kind, n.text));
  await listen("dikta://lag", (l) => {
    const lag = $("rec-lag");
    lag.hidden = !(l.behind_s >= 2 && state.recording.state !== "idle");
    lag.textContent = `Teksten er ${Math.round(l.behind_s)} sekunder bagud – den kommer.`;
  });
  await listen("dikta://model-progress", onProgress);
  await listen("dikta://models", renderModels);
  const snap = await invoke("app_state");
  state.headings = snap.headings;
  $("set-privacy").textContent = snap.drafts_info;
  for (const n of snap.notices) toast(n.kind, n.text);
  applySettings(snap.settings);
  renderRecording(snap.recording);
  renderModels(snap.models);
  renderNote(snap.note);
  renderLive(snap.live);
  renderAutotexts(snap.autotexts);
  if (snap.draft) {
    const d = snap.draft;
    $("draft-text").textContent =
      `Dikta blev lukket, før noten fra ${d.created} (${d.author}) var færdig. Den har ${d.sentences} sætning${d.sentences === 1 ? "" : "er"}` +
      (d.headings.length ? ` under ${d.headings.join(", ")}.` : ".") + " Vil du fortsætte med den?";
    $("dlg-draft").showModal();
    $("draft-recover").focus();
  } else if (snap.first_run) {
    await firstRun(snap);
  }
  document.body.dataset.ready = "true";
}

start().catch(showError);
