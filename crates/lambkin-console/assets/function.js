// A function's page: plots over a chosen window, recent invocations, a live log tail, environments, the async
// queue and dead letters, versions and aliases, and an invoke form.

import { h, fill, num, ms, clock, when, ago, pretty, badge } from "./dom.js";
import { get, invoke, fnPath } from "./api.js";
import { chart, shortMs } from "./charts.js";

const WINDOWS = ["1h", "3h", "12h", "24h"];

const count = (key) => (p) => (p ? p[key] || 0 : 0);
const maybe = (key) => (p) => (p && p[key] != null && p[key] !== 0 ? p[key] : null);

/** The plots: metric, title, unit, series (key, label, value of a point), formatting. */
const PLOTS = [
  { metric: "invocations", title: "Invocations", unit: "per minute", area: true, series: [["invocations", "invocations", count("invocations")]] },
  { metric: "errors", title: "Errors", unit: "per minute", series: [["errors", "errors", count("errors")]] },
  { metric: "throttles", title: "Throttles", unit: "per minute", series: [["throttles", "throttles", count("throttles")]] },
  {
    metric: "duration",
    title: "Duration",
    unit: "ms",
    time: true,
    series: [
      ["p50", "p50", maybe("durationP50Ms")],
      ["p99", "p99", maybe("durationP99Ms")],
    ],
  },
  { metric: "coldStarts", title: "Cold starts", unit: "per minute", series: [["coldStarts", "cold starts", count("coldStarts")]] },
  { metric: "initDuration", title: "Init duration", unit: "ms, average", time: true, series: [["initDuration", "init", maybe("initDurationAvgMs")]] },
  { metric: "concurrency", title: "Concurrency", unit: "max per minute", peak: true, series: [["concurrency", "concurrent", count("concurrencyMax")]] },
  { metric: "memory", title: "Max memory used", unit: "MB", peak: true, series: [["memory", "max used", maybe("maxMemoryUsedMb")]] },
];

function section(id, title, ...rest) {
  return h("section", { class: "card", id }, h("div", { class: "card-head" }, h("h2", {}, title), h("div", { class: "head-extra" })), ...rest);
}

function table(headers, rows, empty) {
  return h(
    "table",
    { class: "list" },
    h("thead", {}, h("tr", {}, headers.map((t) => h("th", {}, t)))),
    h("tbody", {}, rows.length ? rows : h("tr", {}, h("td", { colspan: headers.length, class: "empty" }, empty))),
  );
}

function payloadCell(text) {
  const shown = pretty(text);
  if (shown.length <= 80 && !shown.includes("\n")) return h("td", {}, h("code", { class: "payload" }, shown));
  return h("td", {}, h("details", {}, h("summary", {}, h("code", {}, shown.replace(/\s+/g, " ").slice(0, 60) + "…")), h("pre", { class: "payload" }, shown)));
}

function shortId(id) {
  return h("code", { title: id }, String(id).slice(0, 8));
}

function head(cfg, env) {
  const facts = [
    ["Runtime", cfg.Runtime || (cfg.PackageType === "Image" ? "container image" : "–")],
    ["Handler", cfg.Handler || "–"],
    ["Memory", `${num(cfg.MemorySize)} MB`],
    ["Timeout", `${num(cfg.Timeout)} s`],
    ["Architecture", (cfg.Architectures || []).join(", ") || "–"],
    ["Last modified", when(cfg.LastModified)],
    ["Reserved concurrency", env.reservedConcurrency ?? "none"],
  ];
  return [
    h(
      "div",
      { class: "card-head" },
      h("h2", {}, cfg.FunctionName, " ", badge(cfg.State || "–")),
      h("code", { class: "muted small arn" }, cfg.FunctionArn),
    ),
    cfg.Description ? h("p", { class: "muted" }, cfg.Description) : null,
    cfg.StateReason ? h("p", { class: "note" }, cfg.StateReason) : null,
    h("dl", { class: "facts" }, facts.map(([k, v]) => h("div", {}, h("dt", {}, k), h("dd", {}, v)))),
  ];
}

function environments(list) {
  const by = {};
  for (const e of list) by[e.status] = (by[e.status] || 0) + 1;
  const mem = list.reduce((a, e) => a + e.memoryMb, 0);
  const sum = Object.entries(by).map(([k, v]) => `${v} ${k}`).join(", ");
  return [
    h("p", { class: "muted small", "data-count": list.length }, list.length ? `${list.length} on this host (${sum}), ${num(mem)} MB` : "None on this host: the next invoke starts one (a cold start)."),
    list.length
      ? table(
          ["Environment", "Version", "Status", "Memory", "Kind"],
          list.map((e) =>
            h(
              "tr",
              { "data-status": e.status },
              h("td", {}, shortId(e.id)),
              h("td", {}, e.version),
              h("td", {}, badge(e.status)),
              h("td", { class: "num" }, `${num(e.memoryMb)} MB`),
              h("td", {}, e.provisioned ? "provisioned" : "on demand"),
            ),
          ),
          "",
        )
      : null,
  ];
}

function versions(vs, aliases) {
  const weights = (a) => {
    const extra = a.RoutingConfig?.AdditionalVersionWeights || {};
    const rest = Object.values(extra).reduce((x, y) => x + y, 0);
    const parts = [`${a.FunctionVersion}: ${num((1 - rest) * 100, 1)}%`];
    for (const [v, w] of Object.entries(extra)) parts.push(`${v}: ${num(w * 100, 1)}%`);
    return parts.join(" · ");
  };
  return [
    h("h3", {}, "Aliases"),
    table(
      ["Alias", "Version", "Weights", "Description"],
      aliases.map((a) => h("tr", { "data-alias": a.Name }, h("td", {}, a.Name), h("td", {}, a.FunctionVersion), h("td", {}, weights(a)), h("td", { class: "muted" }, a.Description || ""))),
      "No aliases.",
    ),
    h("h3", {}, "Versions"),
    table(
      ["Version", "Last modified", "Code SHA-256", "Description"],
      vs.map((v) =>
        h("tr", { "data-version": v.Version }, h("td", {}, v.Version), h("td", { title: v.LastModified }, ago(v.LastModified)), h("td", {}, h("code", { title: v.CodeSha256 }, String(v.CodeSha256 || "").slice(0, 12))), h("td", { class: "muted" }, v.Description || "")),
      ),
      "",
    ),
  ];
}

function queue(events) {
  return table(
    ["Request", "Qualifier", "Accepted", "Due", "Attempts", "Payload"],
    events.map((e) =>
      h(
        "tr",
        { "data-request-id": e.requestId },
        h("td", {}, shortId(e.requestId)),
        h("td", {}, e.qualifier || "$LATEST"),
        h("td", {}, ago(e.enqueuedMs)),
        h("td", {}, e.dueMs > Date.now() ? `at ${clock(e.dueMs)}` : "now"),
        h("td", { class: "num" }, `${e.attempts}${e.deferrals ? ` (+${e.deferrals} deferred)` : ""}`),
        payloadCell(e.payload),
      ),
    ),
    "No events waiting.",
  );
}

function deadLetters(letters) {
  return table(
    ["When", "Request", "Condition", "Attempts", "Payload", "Response"],
    letters
      .slice()
      .reverse()
      .map((d) => {
        const c = d.requestContext || {};
        return h(
          "tr",
          { "data-request-id": c.requestId },
          h("td", { title: d.timestamp }, ago(d.timestamp)),
          h("td", {}, shortId(c.requestId || "")),
          h("td", {}, c.condition || ""),
          h("td", { class: "num" }, c.approximateInvokeCount ?? ""),
          payloadCell(JSON.stringify(d.requestPayload ?? null)),
          d.responsePayload === undefined ? h("td", { class: "muted" }, "–") : payloadCell(JSON.stringify(d.responsePayload)),
        );
      }),
    "No dead letters.",
  );
}

function recent(list) {
  return table(
    ["Time", "Request", "Version", "Trigger", "Duration", "Billed", "Memory", "Max used", "Init", "Error"],
    list.map((r) =>
      h(
        "tr",
        { "data-request-id": r.requestId, class: r.errorType ? "failed" : null },
        h("td", { title: when(r.timestampMs) }, clock(r.timestampMs)),
        h("td", {}, shortId(r.requestId)),
        h("td", {}, r.version),
        h("td", {}, r.trigger),
        h("td", { class: "num" }, ms(r.durationMs)),
        h("td", { class: "num" }, ms(r.billedDurationMs)),
        h("td", { class: "num" }, `${num(r.memorySizeMb)} MB`),
        h("td", { class: "num" }, `${num(r.maxMemoryUsedMb)} MB`),
        h("td", { class: "num" }, r.initDurationMs == null ? "–" : ms(r.initDurationMs)),
        h("td", {}, r.errorType ? badge(r.errorType, "failed") : ""),
      ),
    ),
    "No invocations yet.",
  );
}

function plots(data) {
  const minutes = [];
  for (let m = data.fromMinute; m <= data.toMinute; m++) minutes.push(m);
  const at = new Map(data.points.map((p) => [p.minute, p]));
  return PLOTS.map((p) =>
    chart({
      metric: p.metric,
      title: p.title,
      unit: p.unit,
      area: p.area,
      minutes,
      format: p.time ? ms : (v) => num(v, 1),
      axis: p.time ? shortMs : undefined,
      legend: p.time
        ? (ser, s) => (s.max == null ? "" : `max ${ms(s.max)}`)
        : p.peak
          ? (ser, s) => (s.max == null ? "" : `max ${num(s.max)}`)
          : (ser, s) => num(s.total),
      series: p.series.map(([key, label, f]) => ({ key, label, values: minutes.map((m) => f(at.get(m))) })),
    }),
  );
}

function invokeForm(name, page) {
  const select = h("select", { id: "qualifier", name: "qualifier" }, h("option", { value: "" }, "$LATEST"));
  const area = h("textarea", { id: "payload", rows: 8, spellcheck: "false", "aria-label": "Payload (JSON)" });
  area.value = '{\n  "hello": "world"\n}';
  const state = h("span", { class: "small", id: "json-state" });
  const go = h("button", { type: "submit", id: "invoke", class: "primary" }, "Invoke");
  const result = h("div", { id: "invoke-result", class: "result" });
  const check = () => {
    const text = area.value;
    let problem = null;
    if (text.trim()) {
      try {
        JSON.parse(text);
      } catch (e) {
        problem = e.message;
      }
    }
    area.classList.toggle("invalid", !!problem);
    state.textContent = problem ? `Not JSON: ${problem}` : "valid JSON";
    state.className = `small ${problem ? "bad" : "muted"}`;
    go.disabled = !!problem;
    return !problem;
  };
  area.addEventListener("input", check);
  area.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  const format = h("button", { type: "button", id: "format" }, "Format");
  format.addEventListener("click", () => {
    if (check() && area.value.trim()) area.value = JSON.stringify(JSON.parse(area.value), null, 2);
  });
  const form = h(
    "form",
    { id: "invoke-form" },
    h("div", { class: "row" }, h("label", {}, "Qualifier ", select), format, state),
    area,
    h("div", { class: "row" }, go, h("span", { class: "muted small" }, "Ctrl+Enter")),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!check()) return;
    go.disabled = true;
    fill(result, h("p", { class: "muted" }, "Invoking…"));
    delete result.dataset.status;
    try {
      const r = await invoke(name, select.value, area.value);
      if (!page.live) return;
      result.dataset.status = String(r.status);
      result.dataset.functionError = r.functionError || "";
      const ok = r.status < 300 && !r.functionError;
      fill(
        result,
        h(
          "p",
          {},
          badge(ok ? "Succeeded" : r.functionError ? `Function error: ${r.functionError}` : `Failed: ${r.errorType || r.status}`, ok ? "active" : "failed"),
          " ",
          h("span", { class: "muted small" }, `status ${r.status}`, r.executedVersion ? ` · version ${r.executedVersion}` : "", r.requestId ? ` · ${r.requestId}` : ""),
        ),
        h("h3", {}, "Response"),
        h("pre", { class: "response" }, pretty(r.body) || "(empty)"),
        r.log ? [h("h3", {}, "Log tail"), h("pre", { class: "logtail" }, r.log)] : null,
      );
    } catch (err) {
      fill(result, h("p", { class: "bad" }, `The invoke failed: ${err.message}`));
    } finally {
      go.disabled = false;
      check();
    }
  });
  check();
  return { form, result, select };
}

function logTail(name, page) {
  const list = h("ol", { class: "log", id: "log" });
  const follow = h("input", { type: "checkbox", checked: true });
  const clear = h("button", { type: "button", class: "small" }, "Clear");
  clear.addEventListener("click", () => list.replaceChildren());
  let cursor = "";
  const since = Date.now() - 30 * 60 * 1000;
  const poll = async (signal) => {
    for (let pages = 0; pages < 5; pages++) {
      const q = `?since=${since}&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const data = await get(`${fnPath(name)}/logs${q}`, signal);
      if (!page.live) return;
      cursor = data.nextCursor || cursor;
      const atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 4;
      for (const e of data.events) {
        list.append(h("li", {}, h("time", { title: when(e.timestamp) }, clock(e.timestamp)), h("span", { class: "msg" }, e.message.replace(/\n$/, ""))));
      }
      while (list.childElementCount > 2000) list.firstElementChild.remove();
      if (data.events.length && follow.checked && atBottom) list.scrollTop = list.scrollHeight;
      if (data.events.length < 500) break;
    }
  };
  const extra = h("label", { class: "small" }, follow, " follow ", clear);
  return { list, extra, poll };
}

/** Renders the page of function `name` into `ui.main` and polls its data while `page` lives. */
export function functionPage(page, ui, name) {
  document.title = `${name} · lambkin`;
  fill(ui.crumbs, h("a", { href: "/console/", "data-link": true }, "Functions"), h("span", { class: "sep" }, "/"), h("span", {}, name));
  const params = new URLSearchParams(location.search);
  let windowName = WINDOWS.includes(params.get("window")) ? params.get("window") : "1h";

  const headCard = h("section", { class: "card", id: "function-head" }, h("p", { class: "muted" }, "Loading…"));
  const buttons = WINDOWS.map((w) => h("button", { type: "button", "data-window": w, class: w === windowName ? "on" : null }, w));
  const plotGrid = h("div", { class: "plots", id: "plots" });
  const recentBox = section("recent", "Recent invocations");
  const inv = invokeForm(name, page);
  const invokeBox = section("invoke-panel", "Invoke", inv.form, inv.result);
  const tail = logTail(name, page);
  const logBox = section("logs", "Log tail", tail.list);
  logBox.querySelector(".head-extra").append(tail.extra);
  const envBox = section("environments", "Environments");
  const versionBox = section("versions-aliases", "Versions and aliases");
  const queueBox = section("queue", "Async queue");
  const deadBox = section("dead-letters", "Dead letters");
  fill(
    ui.main,
    headCard,
    h("div", { class: "toolbar" }, h("span", { class: "muted small" }, "Window"), h("div", { class: "seg", role: "group" }, buttons), h("span", { class: "muted small" }, "one-minute points")),
    plotGrid,
    h("div", { class: "two" }, invokeBox, logBox),
    recentBox,
    h("div", { class: "two" }, envBox, versionBox),
    h("div", { class: "two" }, queueBox, deadBox),
  );
  // A section's content, replaced; payloads a reader opened stay open.
  const body = (box, ...content) => {
    const where = (d) => `${d.closest("tr")?.dataset.requestId}:${d.closest("td")?.cellIndex}`;
    const open = new Set([...box.querySelectorAll("details[open]")].map(where));
    box.querySelectorAll(":scope > :not(.card-head)").forEach((n) => n.remove());
    box.append(...content.flat().filter(Boolean));
    box.querySelectorAll("details").forEach((d) => {
      if (open.has(where(d))) d.open = true;
    });
  };
  // Whether `data` differs from what `key` showed last (plots are redrawn only then: a hover survives).
  const shown = new Map();
  const changed = (key, data) => {
    const text = JSON.stringify(data);
    if (shown.get(key) === text) return false;
    shown.set(key, text);
    return true;
  };

  let loadedQualifiers = "";
  const details = async (signal) => {
    const d = await get(fnPath(name), signal);
    if (!page.live) return;
    fill(headCard, ...head(d.configuration, d));
    body(envBox, environments(d.environments));
    body(versionBox, versions(d.versions, d.aliases));
    body(queueBox, queue(d.queue));
    deadBox.querySelector(".head-extra").textContent = d.deadLetters.length ? `${d.deadLetters.length}` : "";
    body(deadBox, deadLetters(d.deadLetters));
    const quals = [...d.versions.map((v) => v.Version).filter((v) => v !== "$LATEST"), ...d.aliases.map((a) => a.Name)];
    if (quals.join() !== loadedQualifiers) {
      loadedQualifiers = quals.join();
      const chosen = inv.select.value;
      fill(inv.select, h("option", { value: "" }, "$LATEST"), quals.map((q) => h("option", { value: q }, q)));
      inv.select.value = quals.includes(chosen) ? chosen : "";
    }
    ui.main.dataset.details = String(Date.now());
  };
  const metrics = async (signal) => {
    const asked = windowName;
    const m = await get(`${fnPath(name)}/metrics?window=${asked}`, signal);
    // An answer for a window no longer chosen (a click meanwhile) is dropped.
    if (!page.live || asked !== windowName) return;
    if (changed("plots", [m.fromMinute, m.toMinute, m.points])) fill(plotGrid, plots(m));
    plotGrid.dataset.window = asked;
    if (changed("recent", m.recent)) body(recentBox, recent(m.recent));
    ui.main.dataset.loaded = String(Date.now());
  };
  for (const b of buttons) {
    b.addEventListener("click", () => {
      windowName = b.dataset.window;
      buttons.forEach((x) => x.classList.toggle("on", x === b));
      const url = new URL(location.href);
      url.searchParams.set("window", windowName);
      history.replaceState(null, "", url);
      metrics(page.ctrl.signal).catch((e) => {
        if (e.name !== "AbortError") fill(plotGrid, h("p", { class: "bad" }, e.message));
      });
    });
  }
  page.every(5000, details);
  page.every(5000, metrics);
  page.every(2000, tail.poll);
}
