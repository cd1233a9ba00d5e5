#include "core/status_page.hpp"

namespace cohort {

namespace {

// Everything but the state; the state goes between the two halves, as JSON in a script element
// the page's own script reads (its text is never parsed as HTML).
constexpr const char* before_state = R"html(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cohort master</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #1d2228; background: #fafbfc; }
h1 { font-size: 1.3em; margin: 0 0 .2em; }
h2 { font-size: 1.05em; margin: 1.4em 0 .4em; }
#summary { color: #555; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: .25em .6em; border-bottom: 1px solid #e3e6ea; white-space: nowrap; }
th { font-weight: 600; color: #444; background: #f0f2f5; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.bar { width: 12em; height: .8em; background: #e3e6ea; border-radius: .4em; overflow: hidden; }
.bar > div { height: 100%; background: #2f81f7; }
.ok { color: #1a7f37; } .failed { color: #cf222e; } .waiting { color: #9a6700; }
.empty { color: #888; font-style: italic; }
#events li { font-family: ui-monospace, monospace; font-size: 12px; }
#stale { color: #cf222e; }
</style>
</head>
<body>
<h1>cohort master</h1>
<div id="summary"></div><div id="stale"></div>
<h2>Jobs</h2>
<table><thead><tr><th>id</th><th>name</th><th>kind</th><th>status</th><th>progress</th>
<th>done / total</th><th>rate</th><th>ETA</th><th>retries</th><th>reassigned</th>
<th>speculative</th></tr></thead><tbody id="jobs"></tbody></table>
<h2>Workers</h2>
<table><thead><tr><th>id</th><th>host</th><th>tags</th><th>slots</th><th>in flight</th>
<th>tasks done</th><th>rate</th><th>last heard</th></tr></thead><tbody id="workers"></tbody></table>
<h2>Recent events</h2>
<ul id="events"></ul>
<script type="application/json" id="state">)html";

constexpr const char* after_state = R"html(</script>
<script>
"use strict";
const token = new URLSearchParams(location.search).get("token");
function cell(row, text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  row.appendChild(td);
  return td;
}
function num(x, digits) { return x === null || x === undefined ? "-" : x.toFixed(digits); }
function secs(x) {
  if (x === null || x === undefined) return "-";
  if (x < 60) return x.toFixed(0) + " s";
  if (x < 3600) return Math.floor(x / 60) + " min " + Math.round(x % 60) + " s";
  return Math.floor(x / 3600) + " h " + Math.round((x % 3600) / 60) + " min";
}
function fill(id, rows, empty, columns) {
  const body = document.getElementById(id);
  body.replaceChildren();
  if (rows.length === 0) {
    const tr = body.insertRow();
    const td = cell(tr, empty, "empty");
    td.colSpan = columns;
  }
  return body;
}
function render(s) {
  document.getElementById("summary").textContent =
    s.workers.length + (s.workers.length === 1 ? " worker actor" : " worker actors") + ", " +
    s.jobs.length + (s.jobs.length === 1 ? " job" : " jobs") + ", up " + secs(s.uptime_s);
  const jobs = fill("jobs", s.jobs, "no job runs", 11);
  for (const j of s.jobs) {
    const tr = jobs.insertRow();
    cell(tr, j.id, "n");
    cell(tr, j.name || "");
    cell(tr, j.job);
    cell(tr, j.waiting ? "waiting: " + j.waiting : j.status, j.waiting ? "waiting" : "");
    const bar = document.createElement("div");
    bar.className = "bar";
    const fillPart = document.createElement("div");
    fillPart.style.width = (j.total ? 100 * j.done / j.total : 0).toFixed(1) + "%";
    bar.appendChild(fillPart);
    const td = cell(tr, "");
    td.appendChild(bar);
    td.title = (j.total ? (100 * j.done / j.total).toFixed(1) : "0") + "%";
    cell(tr, j.done + " / " + j.total, "n");
    cell(tr, j.rate === null ? "-" : num(j.rate, 1) + "/s", "n");
    cell(tr, secs(j.eta_s), "n");
    cell(tr, j.retries, "n");
    cell(tr, j.reassigned, "n");
    cell(tr, j.speculative, "n");
  }
  const workers = fill("workers", s.workers, "no worker joined", 8);
  for (const w of s.workers) {
    const tr = workers.insertRow();
    cell(tr, w.id + (w.draining ? " (leaving)" : ""));
    cell(tr, w.host);
    cell(tr, w.tags.join(", "));
    cell(tr, w.slots, "n");
    cell(tr, w.in_flight, "n");
    cell(tr, w.tasks, "n");
    cell(tr, w.rate === null ? "-" : num(w.rate, 1) + "/s", "n");
    cell(tr, num(w.last_heard_s, 1) + " s ago", "n");
  }
  const events = document.getElementById("events");
  events.replaceChildren();
  for (const e of s.events.slice().reverse()) {
    const li = document.createElement("li");
    li.textContent = new Date(e.at * 1000).toISOString().replace("T", " ").slice(0, 19) + "  " +
      e.text;
    events.appendChild(li);
  }
}
render(JSON.parse(document.getElementById("state").textContent));
async function refresh() {
  try {
    const r = await fetch("api/status", token ? {headers: {Authorization: "Bearer " + token}} : {});
    if (!r.ok) throw new Error("HTTP " + r.status);
    render(await r.json());
    document.getElementById("stale").textContent = "";
  } catch (e) {
    document.getElementById("stale").textContent = "cannot reach the master: " + e.message;
  }
}
setInterval(refresh, 1000);
</script>
</body>
</html>
)html";

} // namespace

std::string status_page(const status_view& v) {
  std::string state = status_json(v);
  // "</" would end the script element early: JSON allows "<\/" for it.
  std::string safe;
  safe.reserve(state.size());
  for (std::size_t i = 0; i < state.size(); ++i) {
    safe += state[i];
    if (state[i] == '<' && i + 1 < state.size() && state[i + 1] == '/') {
      safe += '\\';
    }
  }
  return before_state + safe + after_state;
}

} // namespace cohort
