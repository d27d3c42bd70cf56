// The console's JSON API (`/console/api/…`) and the invoke call.

const BASE = "/console/api";

/** An answer other than 2xx, in Lambda's error shape when the server gave one. */
export class ApiError extends Error {
  constructor(status, type, message) {
    super(message || `HTTP ${status}`);
    this.status = status;
    this.type = type;
  }
}

async function read(r) {
  const text = await r.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!r.ok) {
    throw new ApiError(r.status, r.headers.get("x-amzn-ErrorType") || body?.Type, body?.message || body?.Message || text);
  }
  return body;
}

/** GET `/console/api` + `path`, as JSON. */
export async function get(path, signal) {
  return read(await fetch(BASE + path, { headers: { Accept: "application/json" }, signal }));
}

/** `fn/NAME`: the path of a function. */
export function fnPath(name) {
  return `/functions/${encodeURIComponent(name)}`;
}

function decodeBase64Utf8(b64) {
  if (!b64) return "";
  try {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    return new TextDecoder().decode(bytes);
  } catch {
    return "";
  }
}

/**
 * Invokes `name` (synchronously, through the server's own Invoke) with `payload` (JSON text).
 * The answer: HTTP status, function error, executed version, the response body and the log tail.
 */
export async function invoke(name, qualifier, payload) {
  const q = qualifier ? `?qualifier=${encodeURIComponent(qualifier)}` : "";
  const r = await fetch(`${BASE}${fnPath(name)}/invoke${q}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Lambkin-Console": "1" },
    body: payload,
  });
  const body = await r.text();
  return {
    status: r.status,
    requestId: r.headers.get("x-amzn-RequestId"),
    functionError: r.headers.get("X-Amz-Function-Error"),
    executedVersion: r.headers.get("X-Amz-Executed-Version"),
    errorType: r.headers.get("x-amzn-ErrorType"),
    log: decodeBase64Utf8(r.headers.get("X-Amz-Log-Result")),
    body,
  };
}
