// Small helpers: elements, SVG elements, formatting.

const SVG_NS = "http://www.w3.org/2000/svg";

function build(el, attrs, children) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "text") el.textContent = String(v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** An HTML element: h("td", {class: "num"}, "12"). */
export function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

/** An SVG element. */
export function s(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

/** Replaces the children of `el`. */
export function fill(el, ...children) {
  el.replaceChildren();
  return build(el, {}, children);
}

/** A number with thousands separators; "–" for none. */
export function num(v, digits = 0) {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  return Number(v).toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/** Milliseconds, readable. */
export function ms(v) {
  if (v === null || v === undefined) return "–";
  if (v >= 10000) return `${num(v / 1000, 1)} s`;
  return `${num(v, v < 10 ? 2 : 1)} ms`;
}

/** A time of day (local) from Unix ms. */
export function clock(t, seconds = true) {
  const d = new Date(t);
  const p = (n) => String(n).padStart(2, "0");
  return `${p(d.getHours())}:${p(d.getMinutes())}${seconds ? ":" + p(d.getSeconds()) : ""}`;
}

/** A date and time (local) from Unix ms or an ISO string. */
export function when(t) {
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return String(t ?? "–");
  return `${d.toLocaleDateString("en-CA")} ${clock(d.getTime())}`;
}

/** "3 min ago". */
export function ago(t) {
  const d = (Date.now() - new Date(t).getTime()) / 1000;
  if (!(d >= 0)) return when(t);
  if (d < 60) return `${Math.floor(d)} s ago`;
  if (d < 3600) return `${Math.floor(d / 60)} min ago`;
  if (d < 86400) return `${Math.floor(d / 3600)} h ago`;
  return `${Math.floor(d / 86400)} d ago`;
}

/** JSON text, pretty when it parses; the text as it is otherwise. */
export function pretty(text) {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** A small status badge. */
export function badge(text, kind) {
  return h("span", { class: `badge ${kind || String(text).toLowerCase()}` }, text);
}
