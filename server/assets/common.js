// Shared by the storefront and the dashboard: API calls, money and time formatting,
// and a small element builder. Everything is built with DOM calls and text nodes, never
// by assigning HTML strings, so nothing a shopper or merchant typed can run as markup.
"use strict";

(function () {
  /** An API reply that was not 2xx, with the API's error object when there is one. */
  class ApiError extends Error {
    constructor(status, body) {
      const error = (body && body.error) || {};
      super(error.message || "the server answered " + status);
      this.status = status;
      this.type = error.type || null;
      this.code = error.code || null;
      this.param = error.param || null;
    }
  }

  /**
   * Calls the API. `options.token` is sent as `Authorization: Bearer`, `options.body` as
   * JSON, `options.ifMatch` as `If-Match` and `options.idempotencyKey` as
   * `Idempotency-Key`, `options.sessionId` as `X-Session-Id` (analytics counts searches
   * per visitor session). Resolves to `{data, status, serverOffsetMs}` where `serverOffsetMs` is the
   * server clock minus ours (from `Date`), so countdowns survive a wrong local clock.
   */
  async function api(method, path, options) {
    const opts = options || {};
    const headers = { Accept: "application/json" };
    if (opts.token) headers.Authorization = "Bearer " + opts.token;
    if (opts.idempotencyKey) headers["Idempotency-Key"] = opts.idempotencyKey;
    if (opts.ifMatch !== undefined && opts.ifMatch !== null) headers["If-Match"] = String(opts.ifMatch);
    if (opts.sessionId) headers["X-Session-Id"] = opts.sessionId;
    let body;
    if (opts.body !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(opts.body);
    }
    let response;
    try {
      response = await fetch(path, { method, headers, body, signal: opts.signal, cache: "no-store" });
    } catch (error) {
      if (error.name === "AbortError") throw error;
      throw new ApiError(0, { error: { message: "The server cannot be reached. Check the connection and try again." } });
    }
    const serverDate = Date.parse(response.headers.get("Date") || "");
    const serverOffsetMs = Number.isNaN(serverDate) ? 0 : serverDate - Date.now();
    const text = await response.text();
    let data = null;
    if (text && (response.headers.get("Content-Type") || "").includes("json")) {
      try {
        data = JSON.parse(text);
      } catch (_) {
        data = null;
      }
    } else if (text) {
      data = text;
    }
    if (!response.ok) throw new ApiError(response.status, data);
    return { data, status: response.status, serverOffsetMs };
  }

  /** Decimal places of `currency` (2 for USD, 0 for JPY), as the browser knows them. */
  function currencyDigits(currency) {
    try {
      return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits;
    } catch (_) {
      return 2;
    }
  }

  /**
   * `{amount, currency}` (integer minor units) as text, e.g. `$1,234.50`. The amount is
   * turned into a decimal string by string operations, so no float ever holds money.
   */
  function money(value) {
    if (!value || typeof value.amount !== "number") return "—";
    const digits = currencyDigits(value.currency);
    const negative = value.amount < 0;
    let text = String(Math.abs(value.amount));
    if (digits > 0) {
      text = text.padStart(digits + 1, "0");
      text = text.slice(0, -digits) + "." + text.slice(-digits);
    }
    try {
      const format = new Intl.NumberFormat("en-US", { style: "currency", currency: value.currency });
      return (negative ? "-" : "") + format.format(text);
    } catch (_) {
      return (negative ? "-" : "") + text + " " + value.currency;
    }
  }

  /**
   * Parses what a person typed as a price ("12", "12.5", "12.50") into minor units of a
   * currency with `digits` decimals, or null when it is not a price.
   */
  function parsePrice(text, digits) {
    const match = /^\s*(\d{1,12})(?:[.,](\d*))?\s*$/.exec(text || "");
    if (!match) return null;
    const fraction = match[2] || "";
    if (fraction.length > digits) return null;
    return Number(match[1]) * 10 ** digits + Number(fraction.padEnd(digits, "0") || "0");
  }

  /** An RFC 3339 time as local date and time. */
  function dateTime(text) {
    const date = new Date(text);
    if (Number.isNaN(date.getTime())) return text || "";
    return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
  }

  /** An RFC 3339 time as a local clock time (HH:MM). */
  function clock(text) {
    const date = text instanceof Date ? text : new Date(text);
    if (Number.isNaN(date.getTime())) return "";
    return date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
  }

  /** `m:ss` (or `h:mm:ss`) for a duration in milliseconds. */
  function countdown(ms) {
    const seconds = Math.max(0, Math.floor(ms / 1000));
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = String(seconds % 60).padStart(2, "0");
    return h > 0 ? h + ":" + String(m).padStart(2, "0") + ":" + s : m + ":" + s;
  }

  /**
   * Builds an element: `el("a", {href: "#/", class: "x", onclick: fn}, "text", child)`.
   * Attributes starting with `on` are listeners; `dataset` is an object; children may be
   * strings (text nodes), nodes, arrays, or null/false (skipped).
   */
  function el(tag, attributes, ...children) {
    const node = tag.startsWith("svg:")
      ? document.createElementNS("http://www.w3.org/2000/svg", tag.slice(4))
      : document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name.startsWith("on") && typeof value === "function") {
        node.addEventListener(name.slice(2), value);
      } else if (name === "dataset") {
        Object.assign(node.dataset, value);
      } else if (value === true) {
        node.setAttribute(name, "");
      } else {
        node.setAttribute(name, String(value));
      }
    }
    append(node, children);
    return node;
  }

  function append(node, children) {
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      if (Array.isArray(child)) append(node, child);
      else node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }

  /** Replaces the children of `node`. */
  function replace(node, ...children) {
    node.replaceChildren();
    append(node, children);
    return node;
  }

  /**
   * Text with the search engine's `<mark>` highlights as elements. The engine escapes
   * everything else, so the text is split on the two tags and the five escapes decoded;
   * the result is text nodes, never parsed HTML.
   */
  function highlighted(html) {
    const decode = (text) =>
      text.replace(/&(amp|lt|gt|quot|#39);/g, (_, name) => ({ amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'" })[name]);
    const parts = [];
    const pattern = /<mark>(.*?)<\/mark>/gs;
    let last = 0;
    for (const match of html.matchAll(pattern)) {
      parts.push(decode(html.slice(last, match.index)));
      parts.push(el("mark", null, decode(match[1])));
      last = match.index + match[0].length;
    }
    parts.push(decode(html.slice(last)));
    return parts;
  }

  /** A random id for sessions and idempotency keys. */
  function randomId() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  /** Storage that keeps working (in memory) when the browser refuses web storage. */
  function storage(kind) {
    const memory = new Map();
    let store = null;
    try {
      store = kind === "session" ? window.sessionStorage : window.localStorage;
      store.setItem("emporium.probe", "1");
      store.removeItem("emporium.probe");
    } catch (_) {
      store = null;
    }
    return {
      get: (key) => (store ? store.getItem(key) : memory.has(key) ? memory.get(key) : null),
      set: (key, value) => (store ? store.setItem(key, value) : memory.set(key, value)),
      remove: (key) => (store ? store.removeItem(key) : memory.delete(key)),
    };
  }

  window.Emporium = {
    ApiError,
    api,
    money,
    currencyDigits,
    parsePrice,
    dateTime,
    clock,
    countdown,
    el,
    replace,
    highlighted,
    randomId,
    storage,
  };
})();
