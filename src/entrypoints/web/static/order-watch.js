// Follow one order's status: the server's event stream first, polling with backoff if the
// stream fails. Several sources report the same attempt (stream, poll, the Cashfree modal's
// own callback); `Settlement` lets the first report of each attempt win.

import { requestJson } from "./common.js";

const FINAL = new Set(["SUCCESS", "EXPIRED", "TERMINATED"]);
const FAILURES = new Set(["FAILED", "USER_DROPPED", "CANCELLED", "VOID"]);
const POLL_FIRST_MS = 1000;
const POLL_FACTOR = 1.5;
const POLL_MAX_MS = 10000;

export function isFinalStatus(status) {
  return FINAL.has(status);
}

/** The newest attempt in a status view, by time, the later listed on a tie. */
export function latestAttempt(view) {
  let latest = null;
  for (const attempt of (view && view.attempts) || []) {
    if (!latest || String(attempt.at || "") >= String(latest.at || "")) {
      latest = attempt;
    }
  }
  return latest;
}

export function attemptIds(view) {
  return ((view && view.attempts) || []).map((attempt) => attempt.payment_id);
}

/**
 * What a status view means for the attempt in progress, or null while it is undecided.
 * `known` holds payment ids of attempts already reported, so an old failure is not news.
 */
export function outcomeOf(view, known) {
  if (!view) {
    return null;
  }
  if (view.status === "SUCCESS") {
    return { kind: "success", view };
  }
  if (view.status === "EXPIRED" || view.status === "TERMINATED") {
    return { kind: "ended", view, message: `This order is ${view.status.toLowerCase()}.` };
  }
  const latest = latestAttempt(view);
  if (FAILURES.has(view.status) && latest && !known.has(latest.payment_id)) {
    return {
      kind: view.status === "USER_DROPPED" ? "dropped" : "failed",
      view,
      message: latest.message || "",
    };
  }
  return null;
}

/**
 * First result per attempt wins. The end of the order (paid, expired, cancelled) is always
 * delivered, once: it changes what the customer can do even after an attempt was settled.
 */
export class Settlement {
  constructor(onOutcome) {
    this.onOutcome = onOutcome;
    this.settled = true;
    this.final = false;
    this.known = new Set();
  }

  /** A new attempt starts: attempts in `known` are history, not its result. */
  arm(known) {
    this.known = new Set(known);
    this.settled = false;
  }

  offer(outcome, source) {
    if (!outcome || this.final) {
      return false;
    }
    if (outcome.kind === "success" || outcome.kind === "ended") {
      this.final = true;
    } else if (this.settled) {
      return false;
    }
    this.settled = true;
    this.onOutcome({ ...outcome, source });
    return true;
  }
}

/**
 * Report every status view of `orderId` to `onView` until the order is final or `close()`.
 * `onTransport` hears "stream" or "polling" so the page (and tests) can show which is used.
 */
export class OrderWatch {
  constructor(orderId, onView, onTransport = () => {}) {
    this.orderId = orderId;
    this.onView = onView;
    this.onTransport = onTransport;
    this.closed = false;
    this.source = null;
    this.timer = null;
    this.delay = POLL_FIRST_MS;
    this.lastView = null;
  }

  start() {
    if (typeof EventSource !== "function") {
      this.poll();
      return this;
    }
    const url = `/api/payment/events/${encodeURIComponent(this.orderId)}`;
    const source = new EventSource(url);
    this.source = source;
    this.onTransport("stream");
    const handle = (event) => {
      let view;
      try {
        view = JSON.parse(event.data);
      } catch {
        return;
      }
      this.report(view);
      if (event.type === "final") {
        this.close();
      }
    };
    source.addEventListener("status", handle);
    source.addEventListener("final", handle);
    source.onerror = () => {
      if (this.closed) {
        return;
      }
      source.close();
      this.source = null;
      this.poll();
    };
    return this;
  }

  report(view) {
    if (this.closed) {
      return;
    }
    this.lastView = view;
    this.onView(view);
    if (isFinalStatus(view.status)) {
      this.close();
    }
  }

  poll() {
    if (this.closed) {
      return;
    }
    this.onTransport("polling");
    const tick = async () => {
      this.timer = null;
      try {
        const url = `/api/payment/status/${encodeURIComponent(this.orderId)}`;
        const { ok, body } = await requestJson(url);
        if (ok && body) {
          this.report(body);
        }
      } catch {
        // offline for a moment: the next tick tries again, later
      }
      if (!this.closed) {
        this.timer = setTimeout(tick, this.delay);
        this.delay = Math.min(this.delay * POLL_FACTOR, POLL_MAX_MS);
      }
    };
    this.timer = setTimeout(tick, 0);
  }

  close() {
    this.closed = true;
    if (this.source) {
      this.source.close();
      this.source = null;
    }
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }
}
