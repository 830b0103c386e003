#include "mgc/serve/page.h"

namespace mgc::serve {
namespace {

// Everything inline: the service works without network access, and the Content-Security-Policy that comes
// with the page forbids loading anything from elsewhere. Data from the server is inserted with textContent only.
constexpr std::string_view kPage = R"mgcpage(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>mgc · music genre classifier</title>
<link rel="icon" href="data:,">
<style>
:root {
  --bg: #f5f6f8; --card: #ffffff; --text: #1d2330; --muted: #5b6475; --line: #dfe3ea;
  --accent: #4e5bd6; --accent-soft: #eceefd; --error-bg: #fdecec; --error: #a4262c; --track: #eef0f4;
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root { --bg: #12151b; --card: #1b1f28; --text: #e7eaf0; --muted: #9aa3b5; --line: #2c3240;
          --accent: #8d96ff; --accent-soft: #252a45; --error-bg: #3a1d20; --error: #ff9aa0; --track: #262b36; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text);
       font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; }
header { max-width: 880px; margin: 0 auto; padding: 28px 20px 8px; display: flex; align-items: baseline;
         gap: 14px; flex-wrap: wrap; }
header h1 { margin: 0; font-size: 1.6rem; letter-spacing: -0.01em; }
header h1 span { color: var(--accent); }
#model { color: var(--muted); font-size: 0.95rem; }
main { max-width: 880px; margin: 0 auto; padding: 8px 20px 40px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 14px; padding: 20px 22px;
        margin-top: 16px; box-shadow: 0 1px 2px rgba(16, 24, 40, 0.04); }
.drop { display: flex; flex-direction: column; align-items: center; gap: 6px; padding: 34px 16px;
        border: 2px dashed var(--line); border-radius: 12px; cursor: pointer; text-align: center;
        transition: border-color .15s, background .15s; }
.drop:hover, .drop.over { border-color: var(--accent); background: var(--accent-soft); }
.drop:focus-within { outline: 3px solid var(--accent); outline-offset: 3px; }
.drop svg { width: 40px; height: 40px; color: var(--accent); }
.drop strong { font-size: 1.08rem; }
.drop .link { color: var(--accent); text-decoration: underline; }
.drop .hint { color: var(--muted); font-size: 0.9rem; }
.vote-note { color: var(--muted); font-size: 0.9rem; margin: 4px 0 10px; }
.busy .drop { opacity: .6; pointer-events: none; }
.visually-hidden { position: absolute !important; width: 1px; height: 1px; padding: 0; margin: -1px;
                   overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
#status { min-height: 1.5em; margin: 12px 2px 0; color: var(--muted); display: flex; align-items: center; gap: 8px; }
#status.error { color: var(--error); background: var(--error-bg); padding: 8px 12px; border-radius: 8px; }
.spinner { width: 16px; height: 16px; border: 2px solid var(--line); border-top-color: var(--accent);
           border-radius: 50%; animation: spin .8s linear infinite; display: none; }
.busy .spinner { display: inline-block; }
@keyframes spin { to { transform: rotate(360deg); } }
h2 { font-size: 1.05rem; margin: 0 0 12px; }
.result-head { display: flex; justify-content: space-between; align-items: baseline; gap: 12px; flex-wrap: wrap; }
.verdict { font-size: 1.35rem; font-weight: 650; margin: 0 0 14px; }
#top-genre { color: var(--accent); text-transform: capitalize; }
#file-name { color: var(--muted); font-size: 0.9rem; overflow-wrap: anywhere; }
#bars { list-style: none; margin: 0; padding: 0; display: grid; gap: 8px; }
.bar { display: grid; grid-template-columns: minmax(80px, 140px) 1fr 64px; align-items: center; gap: 12px; }
.bar .genre { text-transform: capitalize; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.bar .track { display: block; height: 14px; background: var(--track); border-radius: 7px; overflow: hidden; }
.bar .fill { display: block; height: 100%; width: 0; border-radius: 7px; transition: width .5s ease-out; }
.bar .pct { text-align: right; font-variant-numeric: tabular-nums; color: var(--muted); }
.bar:first-child .genre, .bar:first-child .pct { font-weight: 650; color: var(--text); }
figure { margin: 0; }
#spectrogram { display: block; width: 100%; height: 190px; border-radius: 8px; background: #000;
               image-rendering: auto; }
figcaption, .axis, #timing { color: var(--muted); font-size: 0.85rem; }
figcaption { margin-top: 6px; }
#timeline { position: relative; height: 34px; border-radius: 8px; overflow: hidden; background: var(--track); }
.seg { position: absolute; top: 0; bottom: 0; display: flex; align-items: center; justify-content: center;
       color: #fff; font-size: 0.8rem; font-weight: 600; text-shadow: 0 1px 2px rgba(0,0,0,.45);
       border-right: 1px solid rgba(255,255,255,.55); overflow: hidden; white-space: nowrap;
       text-transform: capitalize; }
.axis { display: flex; justify-content: space-between; margin-top: 4px; font-variant-numeric: tabular-nums; }
#legend { display: flex; flex-wrap: wrap; gap: 6px 16px; list-style: none; padding: 0; margin: 10px 0 0;
          font-size: 0.9rem; }
#legend li { display: flex; align-items: center; gap: 6px; text-transform: capitalize; }
#legend .swatch { width: 12px; height: 12px; border-radius: 3px; display: inline-block; }
#timing { margin: 14px 2px 0; font-variant-numeric: tabular-nums; }
footer { color: var(--muted); font-size: 0.85rem; text-align: center; padding: 0 20px 30px; }
footer a { color: var(--accent); }
@media (prefers-reduced-motion: reduce) { .bar .fill, .drop { transition: none; } .spinner { animation: none; } }
</style>
</head>
<body>
<header>
  <h1><span>mgc</span> music genre classifier</h1>
  <div id="model">loading model…</div>
</header>
<main id="app">
  <section class="card" aria-labelledby="upload-title">
    <h2 id="upload-title" class="visually-hidden">Upload</h2>
    <label class="drop" id="drop" for="file">
      <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round"
           stroke-linejoin="round" aria-hidden="true"><path d="M9 18V5l12-2v13"/><circle cx="6" cy="18" r="3"/>
           <circle cx="18" cy="16" r="3"/></svg>
      <strong>Drop an audio file here or <span class="link">choose one</span></strong>
      <span class="hint" id="hint">WAV, FLAC, MP3, OGG and more</span>
      <input type="file" id="file" name="file" accept="audio/*,.wav,.flac,.mp3,.ogg,.opus,.m4a,.aiff,.au"
             class="visually-hidden" aria-describedby="hint">
    </label>
    <p id="status" role="status" aria-live="polite"><span class="spinner" aria-hidden="true"></span>
      <span id="status-text">Nothing leaves this machine: the model runs on the server you started.</span></p>
  </section>

  <div id="results" hidden>
    <section class="card" aria-labelledby="genres-title">
      <div class="result-head">
        <h2 id="genres-title">Genres</h2>
        <span id="file-name"></span>
      </div>
      <p class="verdict">Most likely <span id="top-genre"></span></p>
      <p class="vote-note">Vote of <span id="vote"></span>; the timeline below is the CNN's, window by window.</p>
      <ol id="bars"></ol>
    </section>
    <section class="card" aria-labelledby="spec-title">
      <h2 id="spec-title">Log-mel spectrogram</h2>
      <figure>
        <img id="spectrogram" alt="">
        <figcaption>Time runs left to right; low frequencies at the bottom. Brighter is louder.</figcaption>
      </figure>
      <h2 id="timeline-title" style="margin-top:18px">Timeline</h2>
      <div id="timeline" role="img" aria-labelledby="timeline-title timeline-summary"></div>
      <div class="axis" aria-hidden="true" id="axis"></div>
      <p id="timeline-summary" class="visually-hidden"></p>
      <ul id="legend" aria-label="Genre colours"></ul>
      <p id="timing"></p>
    </section>
  </div>
</main>
<footer>mgc · served locally · <a href="/v1/models">/v1/models</a></footer>
<script>
"use strict";
const PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#59a14f", "#b07aa1", "#edc948", "#76b7b2", "#ff9da7",
                 "#9c755f", "#7f7f7f", "#1b9e77", "#d95f02"];
const $ = (id) => document.getElementById(id);
let classes = [];
let maxBytes = 0;

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}
function colour(genre) {
  const i = classes.indexOf(genre);
  return PALETTE[(i < 0 ? 0 : i) % PALETTE.length];
}
function pct(p) { return (100 * p).toFixed(p >= 0.995 || p < 0.001 ? 0 : 1) + "%"; }
function secs(s) { return s >= 60 ? Math.floor(s / 60) + ":" + String(Math.round(s % 60)).padStart(2, "0") : s.toFixed(1) + " s"; }
function mb(bytes) { return (bytes / 1048576).toFixed(bytes < 10485760 ? 1 : 0) + " MB"; }

function setStatus(text, kind) {
  $("status-text").textContent = text;
  $("status").className = kind === "error" ? "error" : "";
}
function setBusy(busy) {
  $("app").classList.toggle("busy", busy);
  $("app").setAttribute("aria-busy", busy ? "true" : "false");
}

async function loadModel() {
  try {
    const r = await fetch("/v1/models");
    const m = await r.json();
    classes = m.classes;
    maxBytes = (m.limits && m.limits.max_upload_bytes) || 0;
    $("model").textContent = m.model + " · " + classes.length + " genres: " + classes.join(", ");
    if (maxBytes) $("hint").textContent = "WAV, FLAC, MP3, OGG and more · up to " + mb(maxBytes);
  } catch (e) {
    $("model").textContent = "model information unavailable";
  }
}

async function classify(file) {
  if (!file) return;
  if (maxBytes && file.size > maxBytes) {
    setStatus(file.name + " is " + mb(file.size) + "; the server accepts up to " + mb(maxBytes) + ".", "error");
    return;
  }
  setBusy(true);
  setStatus("Classifying " + file.name + "…");
  const form = new FormData();
  form.append("file", file, file.name);
  try {
    const r = await fetch("/v1/classify?top_k=5&spectrogram=1", { method: "POST", body: form });
    let body = null;
    try { body = await r.json(); } catch (e) { body = null; }
    if (!r.ok) {
      let msg = (body && body.error) || ("the server answered HTTP " + r.status);
      if (r.status === 503) msg += " (the server is busy; try again in a moment)";
      throw new Error(msg);
    }
    render(file.name, body);
    setStatus(file.name + ": " + body.top[0].genre + " (" + pct(body.top[0].p) + ")");
  } catch (e) {
    setStatus("Could not classify " + file.name + ": " + e.message, "error");
  } finally {
    setBusy(false);
    $("file").value = "";
  }
}

function renderBars(top) {
  const bars = $("bars");
  bars.replaceChildren();
  const fills = [];
  for (const t of top) {
    const li = el("li", "bar");
    li.setAttribute("aria-label", t.genre + " " + pct(t.p));
    li.append(el("span", "genre", t.genre));
    const track = el("span", "track");
    const fill = el("span", "fill");
    fill.style.background = colour(t.genre);
    track.append(fill);
    li.append(track, el("span", "pct", pct(t.p)));
    bars.append(li);
    fills.push([fill, t.p]);
  }
  requestAnimationFrame(() => requestAnimationFrame(() => {
    for (const [fill, p] of fills) fill.style.width = Math.max(0.5, 100 * p).toFixed(1) + "%";
  }));
}

// Segments overlap (50% by default): each block covers the time nearest its window's centre, and neighbours
// with the same genre merge into one run.
function timelineRuns(timeline, total) {
  const runs = [];
  timeline.forEach((s, i) => {
    const from = i === 0 ? 0 : (s.start + timeline[i - 1].end) / 2;
    const to = i === timeline.length - 1 ? total : (s.end + timeline[i + 1].start) / 2;
    const last = runs[runs.length - 1];
    if (last && last.genre === s.genre) {
      last.to = to; last.ps.push(s.p);
    } else {
      runs.push({ genre: s.genre, from: Math.max(0, from), to: to, ps: [s.p] });
    }
  });
  return runs;
}

function renderTimeline(timeline, total) {
  const box = $("timeline");
  box.replaceChildren();
  total = Math.max(total, timeline.length ? timeline[timeline.length - 1].end : 0, 1e-6);
  const runs = timelineRuns(timeline, total);
  const summary = [];
  for (const r of runs) {
    const mean = r.ps.reduce((a, b) => a + b, 0) / r.ps.length;
    const seg = el("div", "seg");
    const left = 100 * r.from / total, width = 100 * (r.to - r.from) / total;
    seg.style.left = left + "%";
    seg.style.width = width + "%";
    seg.style.background = colour(r.genre);
    seg.title = secs(r.from) + "–" + secs(r.to) + ": " + r.genre + " (" + pct(mean) + ")";
    if (width > 9) seg.textContent = r.genre;
    box.append(seg);
    summary.push(r.genre + " from " + secs(r.from) + " to " + secs(r.to));
  }
  $("timeline-summary").textContent = summary.join("; ") + ".";
  const axis = $("axis");
  axis.replaceChildren();
  for (let i = 0; i <= 4; ++i) axis.append(el("span", "", secs(total * i / 4)));
  const legend = $("legend");
  legend.replaceChildren();
  const seen = [...new Set(runs.map((r) => r.genre))];
  for (const g of seen) {
    const li = el("li");
    const sw = el("span", "swatch");
    sw.style.background = colour(g);
    li.append(sw, document.createTextNode(g));
    legend.append(li);
  }
}

function render(name, r) {
  if (r.classes) classes = r.classes;
  $("results").hidden = false;
  $("file-name").textContent = name + " · " + secs(r.audio_seconds);
  $("top-genre").textContent = r.top[0].genre;
  $("vote").textContent = r.harmony ? "the CNN and the harmony model together" : "the CNN";
  renderBars(r.top);
  const img = $("spectrogram");
  if (r.spectrogram_png) {
    img.src = "data:image/png;base64," + r.spectrogram_png;
    img.alt = "Log-mel spectrogram of " + name;
  }
  renderTimeline(r.timeline, r.audio_seconds);
  const t = r.timing;
  $("timing").textContent = secs(r.audio_seconds) + " of audio · decode " + t.decode_ms.toFixed(0) +
      " ms · features and inference " + t.inference_ms.toFixed(0) + " ms · total " + t.total_ms.toFixed(0) + " ms";
}

$("file").addEventListener("change", (e) => classify(e.target.files[0]));
const drop = $("drop");
["dragenter", "dragover"].forEach((ev) => drop.addEventListener(ev, (e) => {
  e.preventDefault(); drop.classList.add("over");
}));
["dragleave", "drop"].forEach((ev) => drop.addEventListener(ev, () => drop.classList.remove("over")));
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  if (e.dataTransfer && e.dataTransfer.files.length) classify(e.dataTransfer.files[0]);
});
// A file dropped beside the zone must not make the browser navigate away from the page.
["dragover", "drop"].forEach((ev) => window.addEventListener(ev, (e) => e.preventDefault()));
loadModel();
</script>
</body>
</html>
)mgcpage";

}  // namespace

std::string_view index_html() { return kPage; }

}  // namespace mgc::serve
