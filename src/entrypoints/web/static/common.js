// Helpers every page shares: JSON requests, money formatting, page chrome.

/** Fetch JSON; never throws for HTTP errors, only for a network failure. */
export async function requestJson(url, options = {}) {
  const init = { ...options, headers: { Accept: "application/json", ...(options.headers || {}) } };
  if (options.json !== undefined) {
    init.method = init.method || "POST";
    init.body = JSON.stringify(options.json);
    init.headers["Content-Type"] = "application/json";
    delete init.json;
  }
  const response = await fetch(url, init);
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  return { ok: response.ok, status: response.status, body };
}

const INR = new Intl.NumberFormat("en-IN", { style: "currency", currency: "INR" });

/** Amounts arrive as decimal strings; they are only formatted here, never summed as floats. */
export function formatInr(amount) {
  if (amount === null || amount === undefined || amount === "") {
    return "";
  }
  const text = String(amount);
  const match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(text);
  if (!match) {
    return `₹${text}`;
  }
  const whole = INR.format(Number(match[2])).replace(/\.\d+$/, "");
  const paise = (match[3] || "").padEnd(2, "0");
  return `${match[1]}${whole}.${paise}`;
}

const WHEN = new Intl.DateTimeFormat("en-IN", { dateStyle: "medium", timeStyle: "short" });

/** "3 Dec 2026, 7:47 pm": short enough to stay on one line in a table. */
export function formatTime(iso) {
  if (!iso) {
    return "";
  }
  const when = new Date(iso);
  return Number.isNaN(when.getTime()) ? String(iso) : WHEN.format(when);
}

/** A <time> element: machine-readable, and styled never to break inside. */
export function timeElement(iso) {
  return element("time", { datetime: iso || "", text: formatTime(iso) });
}

export function queryParam(name) {
  return new URLSearchParams(window.location.search).get(name);
}

/** The payment session of each order this tab created, so a failed order can be retried. */
export const sessions = {
  remember(orderId, paymentSessionId, amount) {
    sessionStorage.setItem(`order:${orderId}`, JSON.stringify({ paymentSessionId, amount }));
  },
  lookup(orderId) {
    try {
      return JSON.parse(sessionStorage.getItem(`order:${orderId}`) || "null");
    } catch {
      return null;
    }
  },
};

/** Show a notice box: kind is info, ok, bad or warn; content is text or nodes. */
export function showNotice(element, kind, ...content) {
  element.className = `notice ${kind}`;
  element.replaceChildren(...content.map((part) => (typeof part === "string" ? paragraph(part) : part)));
  element.hidden = false;
}

export function hide(element) {
  element.hidden = true;
}

export function paragraph(text) {
  const p = document.createElement("p");
  p.textContent = text;
  return p;
}

export function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") {
      node.textContent = value;
    } else {
      node.setAttribute(name, value);
    }
  }
  node.append(...children);
  return node;
}

export function spinnerText(text) {
  const wrap = document.createElement("p");
  const spin = document.createElement("span");
  spin.className = "spinner";
  spin.setAttribute("aria-hidden", "true");
  wrap.append(spin, text);
  return wrap;
}

/** Fill the environment badge in the header from the public config. */
export async function loadConfig() {
  const { ok, body } = await requestJson("/api/payment/config");
  if (!ok || !body) {
    throw new Error("configuration unavailable");
  }
  const badge = document.getElementById("env-badge");
  if (badge) {
    badge.textContent = body.gateway === "fake" ? "SIMULATOR" : body.environment;
    badge.hidden = body.environment === "PRODUCTION" && body.gateway !== "fake";
  }
  return body;
}

const CUSTOMER_TOKEN_KEY = "customerToken";

/** With AUTH_MODE=jwt the embedding site puts the customer's token in sessionStorage
 * ("customerToken"); customer routes then carry it. Without one, no header is sent. */
export function customerHeaders() {
  const token = sessionStorage.getItem(CUSTOMER_TOKEN_KEY);
  return token ? { Authorization: `Bearer ${token}` } : {};
}
