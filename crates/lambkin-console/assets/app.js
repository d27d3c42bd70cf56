// The console's router and its functions page. Pages: `/console/` (every function) and `/console/fn/NAME`.

import { h, fill, num, ago, badge } from "./dom.js";
import { get } from "./api.js";
import { sparkline } from "./charts.js";
import { functionPage } from "./function.js";

const main = document.getElementById("main");
const crumbs = document.getElementById("crumbs");
const statusLine = document.getElementById("status");

/** What a page polls; all of it ends when the page is left. */
export class Page {
  constructor() {
    this.live = true;
    this.timers = [];
    this.ctrl = new AbortController();
  }

  /** Runs `f` now and then every `msec` after it ends, while the page lives; failures show in the status line. */
  every(msec, f) {
    const run = async () => {
      if (!this.live) return;
      try {
        await f(this.ctrl.signal);
        if (this.live) setStatus("");
      } catch (e) {
        if (this.live && e.name !== "AbortError") setStatus(`⚠ ${e.message}`, true);
      }
      if (this.live) this.timers.push(setTimeout(run, msec));
    };
    return run();
  }

  stop() {
    this.live = false;
    this.ctrl.abort();
    this.timers.forEach(clearTimeout);
  }
}

/** The status line in the header (errors of the last poll). */
export function setStatus(text, bad = false) {
  statusLine.textContent = text;
  statusLine.classList.toggle("bad", bad);
}

function functionRow(f) {
  const href = `/console/fn/${encodeURIComponent(f.name)}`;
  return h(
    "tr",
    { "data-function": f.name },
    h("td", {}, h("a", { href, "data-link": true }, f.name), f.description ? h("div", { class: "muted small" }, f.description) : null),
    h("td", {}, badge(f.state || "–"), f.stateReason ? h("div", { class: "muted small" }, f.stateReason) : null),
    h("td", {}, f.runtime || (f.packageType === "Image" ? "container image" : "–")),
    h("td", { class: "num" }, `${num(f.memorySize)} MB`),
    h("td", { title: f.lastModified }, ago(f.lastModified)),
    h(
      "td",
      {},
      h(
        "div",
        { class: "spark-cell" },
        sparkline(f.invocations, `invocations of ${f.name}, last hour`),
        h("span", { class: "num", "data-invocations": f.invocationsTotal }, num(f.invocationsTotal)),
      ),
    ),
  );
}

function listPage(page) {
  document.title = "Functions · lambkin";
  fill(crumbs, h("span", {}, "Functions"));
  const summary = h("div", { class: "summary muted small" });
  const body = h("tbody", {}, h("tr", {}, h("td", { colspan: 6, class: "empty" }, "Loading…")));
  fill(
    main,
    h(
      "section",
      { class: "card" },
      h("div", { class: "card-head" }, h("h2", {}, "Functions"), summary),
      h(
        "table",
        { class: "list", id: "functions" },
        h("thead", {}, h("tr", {}, ["Name", "State", "Runtime", "Memory", "Last modified", "Invocations, last hour"].map((t) => h("th", {}, t)))),
        body,
      ),
    ),
  );
  return page.every(5000, async (signal) => {
    const data = await get("/functions", signal);
    const e = data.engine || {};
    fill(
      summary,
      `${data.functions.length} function${data.functions.length === 1 ? "" : "s"} in ${data.region} · `,
      `${num(e.environments)} environment${e.environments === 1 ? "" : "s"} (${num(e.idle)} idle) · ${num(e.memoryMb)} MB of ${num(e.memoryBudgetMb)} MB`,
    );
    fill(
      body,
      data.functions.length
        ? data.functions.map(functionRow)
        : h("tr", {}, h("td", { colspan: 6, class: "empty" }, "No functions yet: lambkin deploy, or aws lambda create-function.")),
    );
    main.dataset.loaded = String(Date.now());
  });
}

let current = null;

function route() {
  current?.stop();
  current = new Page();
  setStatus("");
  delete main.dataset.loaded;
  const path = location.pathname.replace(/\/+$/, "");
  const m = path.match(/^\/console\/fn\/([^/]+)$/);
  if (m) functionPage(current, { main, crumbs }, decodeURIComponent(m[1]));
  else listPage(current);
}

document.addEventListener("click", (e) => {
  const a = e.target.closest("a[data-link]");
  if (!a || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  if (a.href !== location.href) history.pushState(null, "", a.href);
  route();
});
window.addEventListener("popstate", route);
route();
