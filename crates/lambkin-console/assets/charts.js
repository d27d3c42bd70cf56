// SVG charts of one-minute points, drawn here (no library). Every chart carries its numbers for machines too:
// `data-summary` on the figure (per series: total, max, points) and a hidden table of every minute.

import { h, s, num, clock } from "./dom.js";

const W = 420;
const H = 150;
const PAD = { l: 60, r: 8, t: 8, b: 20 };

/** The smallest 1, 2, 2.5 or 5 × 10ⁿ at or above `v` (1 for nothing). */
export function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v - 1e-9) return m * p;
  return 10 * p;
}

function summary(series) {
  const out = {};
  for (const ser of series) {
    const vals = ser.values.filter((v) => v !== null && v !== undefined);
    out[ser.key] = {
      total: Math.round(vals.reduce((a, b) => a + b, 0) * 1000) / 1000,
      max: vals.length ? Math.max(...vals) : null,
      points: vals.length,
    };
  }
  return out;
}

/** A number for an axis: 0, 2.5, 750, 1.5k, 2M. */
export function short(v) {
  if (v >= 1e6) return `${num(v / 1e6, 1)}M`;
  if (v >= 1e3) return `${num(v / 1e3, 1)}k`;
  return num(v, 2);
}

/** Milliseconds for an axis: 0, 250 ms, 1.5 s. */
export function shortMs(v) {
  return v >= 1000 ? `${num(v / 1000, 2)} s` : `${num(v, 1)} ms`;
}

/**
 * A line chart.
 * spec: {metric, title, unit, minutes: [Unix minutes], series: [{key, label, values: [number|null]}], format(v)}
 */
export function chart(spec) {
  const { minutes, series } = spec;
  const fmt = spec.format || ((v) => num(v, 1));
  const axis = spec.axis || short;
  const n = minutes.length;
  const values = series.flatMap((x) => x.values).filter((v) => v !== null && v !== undefined);
  const max = niceMax(Math.max(0, ...values));
  const x = (i) => PAD.l + (n <= 1 ? 0 : (i * (W - PAD.l - PAD.r)) / (n - 1));
  const y = (v) => PAD.t + (H - PAD.t - PAD.b) * (1 - v / max);

  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-label": spec.title });
  for (const f of [0, 0.5, 1]) {
    const v = max * f;
    svg.append(
      s("line", { x1: PAD.l, x2: W - PAD.r, y1: y(v), y2: y(v), class: f === 0 ? "base" : "grid" }),
      s("text", { x: PAD.l - 5, y: y(v) + 3.5, class: "axis", "text-anchor": "end" }, axis(v)),
    );
  }
  const ticks = Math.min(4, Math.max(1, n - 1));
  for (let k = 0; k <= ticks && n > 0; k++) {
    const i = Math.round((k * (n - 1)) / ticks);
    const anchor = k === 0 ? "start" : k === ticks ? "end" : "middle";
    svg.append(s("text", { x: x(i), y: H - 5, class: "axis", "text-anchor": anchor }, clock(minutes[i] * 60000, false)));
  }
  series.forEach((ser, si) => {
    let d = "";
    let pen = false;
    const dots = [];
    ser.values.forEach((v, i) => {
      if (v === null || v === undefined) {
        pen = false;
        return;
      }
      const alone = (i === 0 || ser.values[i - 1] == null) && (i === n - 1 || ser.values[i + 1] == null);
      if (alone) dots.push(s("circle", { cx: x(i).toFixed(1), cy: y(v).toFixed(1), r: 2.5, class: `dot s${si}` }));
      d += `${pen ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    });
    if (si === 0 && spec.area && d) {
      svg.append(s("path", { d: `${d}L${x(n - 1).toFixed(1)},${y(0)}L${x(0)},${y(0)}Z`, class: `area s${si}` }));
    }
    svg.append(s("path", { d, class: `line s${si}`, "data-series": ser.key }), ...dots);
  });

  // Hover: the minute under the pointer, every series' value.
  const cursor = s("line", { y1: PAD.t, y2: H - PAD.b, class: "cursor", visibility: "hidden" });
  const hit = s("rect", { x: PAD.l, y: PAD.t, width: W - PAD.l - PAD.r, height: H - PAD.t - PAD.b, class: "hit" });
  svg.append(cursor, hit);
  const tip = h("div", { class: "tip", hidden: true });
  const sum = summary(series);
  const legend = h(
    "div",
    { class: "legend" },
    series.map((ser, si) =>
      h("span", { class: "key" }, h("i", { class: `sw s${si}` }), ser.label, " ", h("b", {}, spec.legend ? spec.legend(ser, sum[ser.key]) : "")),
    ),
  );
  hit.addEventListener("mousemove", (e) => {
    const box = svg.getBoundingClientRect();
    const px = ((e.clientX - box.left) / box.width) * W;
    const i = Math.max(0, Math.min(n - 1, Math.round(((px - PAD.l) / (W - PAD.l - PAD.r)) * (n - 1))));
    cursor.setAttribute("x1", x(i));
    cursor.setAttribute("x2", x(i));
    cursor.setAttribute("visibility", "visible");
    tip.replaceChildren(
      h("div", { class: "muted" }, clock(minutes[i] * 60000, false)),
      ...series.map((ser, si) => h("div", {}, h("i", { class: `sw s${si}` }), `${ser.label}: `, h("b", {}, ser.values[i] == null ? "–" : fmt(ser.values[i])))),
    );
    tip.hidden = false;
    const left = (x(i) / W) * box.width;
    tip.style.left = `${Math.min(left + 12, box.width - 150)}px`;
  });
  hit.addEventListener("mouseleave", () => {
    cursor.setAttribute("visibility", "hidden");
    tip.hidden = true;
  });

  const table = h(
    "table",
    { class: "chart-data", hidden: true },
    h("tr", {}, h("th", {}, "minute"), series.map((ser) => h("th", {}, ser.key))),
    minutes.map((m, i) =>
      h("tr", {}, h("td", {}, m), series.map((ser) => h("td", {}, ser.values[i] == null ? "" : ser.values[i]))),
    ),
  );
  return h(
    "figure",
    { class: "card plot", "data-metric": spec.metric, "data-summary": JSON.stringify(sum) },
    h("figcaption", {}, h("span", { class: "title" }, spec.title), spec.unit ? h("span", { class: "muted small" }, spec.unit) : null),
    legend,
    h("div", { class: "plotbox" }, svg, tip),
    table,
  );
}

/** A sparkline of counts (oldest first), with its total. */
export function sparkline(values, label) {
  const w = 120;
  const hh = 26;
  const max = Math.max(1, ...values);
  const n = values.length;
  const x = (i) => (n <= 1 ? 0 : (i * (w - 2)) / (n - 1)) + 1;
  const y = (v) => hh - 2 - ((hh - 4) * v) / max;
  const d = values.map((v, i) => `${i ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join("");
  const total = values.reduce((a, b) => a + b, 0);
  return s(
    "svg",
    { viewBox: `0 0 ${w} ${hh}`, class: "spark", role: "img", "aria-label": label, "data-total": total, "data-values": values.join(",") },
    s("path", { d: `${d}L${x(n - 1)},${hh - 2}L${x(0)},${hh - 2}Z`, class: "area s0" }),
    s("path", { d, class: "line s0" }),
  );
}
