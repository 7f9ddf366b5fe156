// The operator's dashboard: a search over every order and customer, totals, charts of the
// last 24 hours, and the tables of orders, unpaid attempts, refunds and subscriptions, a
// page at a time.
// The admin token is asked once and kept in sessionStorage (this tab only).
// While the dashboard is shown and its tab visible it reloads itself every 15 s, so an
// operator watching payments sees new ones without pressing Refresh. Loads run one after
// another, never side by side, so an older answer never paints over a newer one.
// A paid order has a refund button: amount and reason, with a refund_id generated once per
// form opening, so a repeated click repeats the same refund instead of making another.

import {
  element,
  formatInr,
  formatTime,
  hide,
  loadConfig,
  requestJson,
  showNotice,
  timeElement,
} from "./common.js";
import { labelledBars, stackedColumns } from "./charts.js";
import {
  attemptStatusInWords,
  methodInWords,
  orderStatusInWords,
  paymentStatusInWords,
  refundHint,
  refundStateInWords,
  refundsInWords,
} from "./words.js";

const TOKEN_KEY = "adminToken";
const CHART_ORDERS = 200;
const PAGE_SIZE = 10;
const HOURS = 24;
const HOUR_MS = 3600000;
const AUTO_REFRESH_MS = 15000;
// A drop-out (the customer closed the payment window) is not a failure: it has its own series.
const OUTCOMES = [
  { key: "SUCCESS", label: "Successful", color: "#15803d" },
  { key: "FAILED", label: "Failed", color: "#b91c1c" },
  { key: "USER_DROPPED", label: "Dropped out", color: "#d97706" },
  { key: "PENDING", label: "Pending", color: "#64748b" },
];
const FAILURE_STATUSES = new Set(["FAILED", "CANCELLED", "VOID"]);

const $ = (id) => document.getElementById(id);
let refunding = null;
let loads = Promise.resolve();
let waitingLoads = 0;
let loadedAt = 0;

/** Run `task` (a load that paints the page) after every load asked for before it. */
function inTurn(task) {
  waitingLoads += 1;
  loads = loads
    .then(task)
    .catch((error) => console.error(error))
    .finally(() => {
      waitingLoads -= 1;
    });
  return loads;
}

function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

async function adminGet(path) {
  return requestJson(path, { headers: { Authorization: `Bearer ${token()}` } });
}

async function adminPost(path, json) {
  return requestJson(path, { json, headers: { Authorization: `Bearer ${token()}` } });
}

function newRefundId() {
  return `rf_${crypto.randomUUID().replaceAll("-", "")}`;
}

function tile(label, value) {
  return element(
    "div",
    { class: "tile" },
    element("div", { class: "label", text: label }),
    element("div", { class: "value", text: value }),
  );
}

function renderTiles(stats) {
  const byStatus = stats.ordersByStatus || {};
  const dropOuts = stats.totalDropOuts ?? 0;
  $("tiles").replaceChildren(
    tile("Orders", String(stats.totalOrders ?? 0)),
    tile("Paid orders", String(byStatus.PAID ?? stats.totalPayments ?? 0)),
    tile("Success rate", `${Number(stats.successRate || 0).toFixed(2)} %`),
    tile("Paid amount", formatInr(stats.totalAmount ?? 0)),
    tile("Failed attempts", String((stats.totalFailures ?? 0) - dropOuts)),
    tile("Drop-outs", String(dropOuts)),
    tile("Credits granted", String(stats.totalCredits ?? 0)),
    tile("Refunded", `${formatInr(stats.refundedAmount ?? 0)} (${stats.refundCount ?? 0})`),
    tile("Net revenue", formatInr(stats.netRevenue ?? 0)),
    tile("Paid after close", String(stats.paidAfterClose ?? 0)),
  );
}

function outcomeKey(status) {
  if (FAILURE_STATUSES.has(status)) {
    return "FAILED";
  }
  return OUTCOMES.some((outcome) => outcome.key === status) ? status : "PENDING";
}

/** Attempts of the listed orders, counted per clock hour of the last 24 hours. */
function hourlyColumns(orders, now) {
  const end = new Date(now);
  end.setMinutes(0, 0, 0);
  const start = end.getTime() - (HOURS - 1) * HOUR_MS;
  const columns = Array.from({ length: HOURS }, (_, index) => {
    const hour = new Date(start + index * HOUR_MS);
    return { label: `${String(hour.getHours()).padStart(2, "0")}:00`, values: {} };
  });
  for (const order of orders) {
    for (const attempt of order.attempts || []) {
      const at = new Date(attempt.at).getTime();
      const index = Math.floor((at - start) / HOUR_MS);
      if (index >= 0 && index < HOURS) {
        const key = outcomeKey(attempt.status);
        columns[index].values[key] = (columns[index].values[key] || 0) + 1;
      }
    }
  }
  return columns;
}

/** Reasons of the declines of the last 24 hours; drop-outs are not declines. */
function failureReasons(unpaid, now) {
  const since = now - HOURS * HOUR_MS;
  const counts = new Map();
  for (const payment of unpaid) {
    const at = new Date(payment.failedAt || payment.timestamp).getTime();
    if (!FAILURE_STATUSES.has(payment.status) || !(at >= since)) {
      continue;
    }
    const reason = payment.reason || attemptStatusInWords(payment.status);
    counts.set(reason, (counts.get(reason) || 0) + 1);
  }
  const rows = [...counts.entries()]
    .map(([label, count]) => ({ label, count }))
    .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label));
  if (rows.length <= 6) {
    return rows;
  }
  const other = rows.slice(5).reduce((sum, row) => sum + row.count, 0);
  return [...rows.slice(0, 5), { label: "Other reasons", count: other }];
}

function chartWidth(id) {
  return Math.max(280, Math.round($(id).clientWidth || 640));
}

function renderCharts(orders, unpaid) {
  const now = Date.now();
  const columns = hourlyColumns(orders, now);
  const totals = Object.fromEntries(OUTCOMES.map((o) => [o.key, 0]));
  columns.forEach((column) => {
    for (const [key, count] of Object.entries(column.values)) {
      totals[key] += count;
    }
  });
  const summary = OUTCOMES.map((o) => `${totals[o.key]} ${o.label.toLowerCase()}`).join(", ");
  $("hourly-chart").replaceChildren(
    stackedColumns(
      columns,
      OUTCOMES,
      `Payment attempts per hour, last 24 hours: ${summary}`,
      chartWidth("hourly-chart"),
    ),
  );
  const reasons = failureReasons(unpaid, now);
  $("reasons-chart").replaceChildren(
    reasons.length
      ? labelledBars(
          reasons,
          "#b91c1c",
          `Failure reasons: ${reasons.map((r) => `${r.label} ${r.count}`).join("; ")}`,
          chartWidth("reasons-chart"),
        )
      : element("p", { class: "hint", text: "No failed payments in the last 24 hours." }),
  );
}

function cell(label, text, className) {
  return element("td", { "data-label": label, text, ...(className ? { class: className } : {}) });
}

function codeCell(label, text) {
  return element("td", { "data-label": label, class: "token" }, element("code", { class: "id", text }));
}

function timeCell(label, iso) {
  return element("td", { "data-label": label }, timeElement(iso));
}

/** An order's status for the operator: the payment's, unless the order never opened. */
function orderStatus(order) {
  if (order.status === "CREATED" || order.status === "FAILED_TO_CREATE") {
    return orderStatusInWords(order.status);
  }
  return paymentStatusInWords(order.paymentStatus || order.status);
}

function renderOrders(orders) {
  return orders.map((order) =>
    element(
      "tr",
      { "data-order-id": order.orderId },
      timeCell("Created", order.createdAt),
      codeCell("Order", order.orderId),
      customerCell(order),
      cell("Amount", formatInr(order.amount), "num"),
      statusCell(order),
      cell("Attempts", String((order.attempts || []).length), "num"),
      actionsCell(order),
    ),
  );
}

function customerCell(order) {
  const name = order.customerName || "";
  const who = element("div", {}, order.customerId ? customerLink(order.customerId, name) : name);
  if (order.customerEmail) {
    who.append(element("div", { class: "hint", text: order.customerEmail }));
  }
  return element("td", { "data-label": "Customer" }, who);
}

function statusCell(order) {
  const td = cell("Status", orderStatus(order));
  td.dataset.status = order.paymentStatus || order.status;
  if (order.paidAfterClose) {
    td.append(" ", element("span", { class: "flag", title: "Paid after the order had expired or been cancelled", text: "paid after close" }));
  }
  const refunds = refundHint(order);
  if (refunds) {
    td.append(element("div", { class: "hint", text: refunds }));
  }
  return td;
}

function actionsCell(order) {
  const td = element("td", { "data-label": "Actions" });
  if (order.status === "PAID") {
    const button = element("button", {
      type: "button",
      class: "secondary",
      "aria-label": `Refund order ${order.orderId}`,
      text: "Refund",
    });
    button.addEventListener("click", () => openRefund(order));
    td.append(button);
  }
  return td;
}

function openRefund(order) {
  refunding = { orderId: order.orderId, refundId: newRefundId() };
  $("refund-order").textContent = order.orderId;
  $("refund-remaining").textContent = [`Paid ${formatInr(order.amount)}.`, ...refundsInWords(order)].join(" ");
  $("refund-amount").value = "";
  $("refund-reason").value = "";
  hide($("refund-notice"));
  $("refund-form").hidden = false;
  $("refund-amount").focus();
}

async function submitRefund(event) {
  event.preventDefault();
  if (!refunding) {
    return;
  }
  const amount = $("refund-amount").value.trim();
  const reason = $("refund-reason").value.trim();
  const notice = $("refund-notice");
  if (!/^\d+(\.\d{1,2})?$/.test(amount) || Number(amount) <= 0) {
    showNotice(notice, "bad", "Enter an amount in rupees, at most two decimals.");
    return;
  }
  if (reason.length < 3 || reason.length > 100) {
    showNotice(notice, "bad", "Say why: 3 to 100 characters.");
    return;
  }
  $("refund-submit").disabled = true;
  let answer;
  try {
    answer = await adminPost(`/api/payment/orders/${encodeURIComponent(refunding.orderId)}/refunds`, {
      amount,
      reason,
      refund_id: refunding.refundId,
    });
  } catch {
    showNotice(notice, "bad", "Could not reach the server; submitting again repeats the same refund.");
    return;
  } finally {
    $("refund-submit").disabled = false;
  }
  if (!answer.ok) {
    const body = answer.body || {};
    const error = body.error || `Refused (${answer.status})`;
    const refusal = [error, ...(body.details || [])].join(": ");
    const left =
      typeof body.remaining === "number" ? ` Up to ${formatInr(body.remaining)} can be refunded.` : "";
    showNotice(notice, "bad", refusal + left);
    return;
  }
  const refund = answer.body.data;
  showNotice(
    notice,
    refund.state === "FAILED" ? "bad" : "ok",
    `Refund ${refund.refundId} of ${formatInr(refund.amount)}: ${refundStateInWords(refund.state)}.`,
  );
  refunding = null;
  await refresh();
}

/** Flag each cell whose value is the search's `query` ("" flags none); true when one was. */
function markSearched(query, valuedCells) {
  const matches = valuedCells.filter(([value]) => query && value === query);
  for (const [, matched] of matches) {
    matched.append(" ", element("span", { class: "flag", text: "searched for" }));
  }
  return matches.length > 0;
}

/** Refund rows; with `query` (a search's), the refund it names is marked: in its id's cell
 * when it is our id or Cashfree's, in the bank reference's when it is the ARN. */
function renderRefunds(refunds, query = "") {
  return refunds.map((refund) => {
    const refundCell = codeCell("Refund", refund.refundId);
    const bankCell = refund.arn ? codeCell("Bank reference", refund.arn) : cell("Bank reference", "");
    const searched = markSearched(query, [
      [refund.refundId, refundCell],
      [refund.gatewayRefundId, refundCell],
      [refund.arn, bankCell],
    ]);
    return element(
      "tr",
      {
        "data-refund-id": refund.refundId,
        "data-state": refund.state,
        ...(searched ? { class: "searched" } : {}),
      },
      timeCell("Requested", refund.createdAt),
      refundCell,
      codeCell("Order", refund.orderId),
      cell("Amount", formatInr(refund.amount), "num"),
      cell("State", refundStateInWords(refund.state)),
      bankCell,
      cell("Reason", refund.reason || ""),
    );
  });
}

/** A reconciled item's state ("ACTIVE/PENDING", "PAID (after close)") in words. */
function reconciledState(kind, state) {
  if (kind === "refund") {
    return refundStateInWords(state);
  }
  const late = state.endsWith(" (after close)");
  const [status, detail] = state.replace(" (after close)", "").split("/");
  const words = [orderStatusInWords(status) + (late ? " after close" : "")];
  if (detail) {
    const payment = status === "ACTIVE" ? paymentStatusInWords(detail) : attemptStatusInWords(detail);
    words.push(payment.toLowerCase());
  }
  return words.join(", ");
}

function renderReconciliation(data) {
  const run = data && data.lastRun;
  const body = $("reconcile-table").querySelector("tbody");
  if (!run) {
    $("reconcile-summary").textContent = "No reconciliation run yet.";
    body.replaceChildren(emptyRow(4, "Nothing changed yet."));
    return;
  }
  $("reconcile-summary").textContent =
    `Last run ${formatTime(run.finishedAt)}: ${run.checked} checked, ` +
    `${run.changes.length} changed, ${run.failed} failed.`;
  const rows = run.changes.map((change) =>
    element(
      "tr",
      {},
      cell("Kind", change.kind === "refund" ? "Refund" : "Order"),
      codeCell("Id", change.id),
      cell("Before", reconciledState(change.kind, change.before)),
      cell("After", reconciledState(change.kind, change.after)),
    ),
  );
  body.replaceChildren(...(rows.length ? rows : [emptyRow(4, "The last run changed nothing.")]));
}

function renderUnpaid(unpaid) {
  return unpaid.map((payment) =>
    element(
      "tr",
      { "data-status": payment.status },
      timeCell("When", payment.failedAt || payment.timestamp),
      codeCell("Order", payment.orderId),
      cell("Amount", formatInr(payment.amount), "num"),
      cell("Outcome", attemptStatusInWords(payment.status)),
      cell("Reason", payment.reason || ""),
    ),
  );
}

/** The link to a customer's page (balance, ledger, subscriptions, orders): their name, or
 * their id in the monospace of ids. */
function customerLink(customerId, text) {
  const href = `/admin/customer?id=${encodeURIComponent(customerId)}`;
  return element("a", text ? { href } : { href, class: "mono id" }, text || customerId);
}

function plural(count, one, many) {
  return `${count} ${count === 1 ? one : many}`;
}

/** Every attempt of the orders found, newest first; the one whose payment id or bank
 * reference was searched for is marked there. */
function renderAttempts(orders, query) {
  const attempts = orders.flatMap((order) =>
    (order.attempts || []).map((attempt, position) => ({ order, attempt, position })),
  );
  // Times come to the second: attempts of one second keep the order's own order, newest first.
  attempts.sort(
    (a, b) => Date.parse(b.attempt.at) - Date.parse(a.attempt.at) || b.position - a.position,
  );
  return attempts.map(({ order, attempt }) => {
    const paymentCell = codeCell("Payment id", attempt.payment_id);
    const bankCell = attempt.bank_reference
      ? codeCell("Bank reference", attempt.bank_reference)
      : cell("Bank reference", "");
    const searched = markSearched(query, [
      [attempt.payment_id, paymentCell],
      [attempt.bank_reference, bankCell],
    ]);
    return element(
      "tr",
      {
        "data-payment-id": attempt.payment_id,
        ...(searched ? { class: "searched" } : {}),
      },
      timeCell("When", attempt.at),
      codeCell("Order", order.orderId),
      paymentCell,
      bankCell,
      cell("Outcome", attemptStatusInWords(attempt.status)),
      cell("Method", methodInWords(attempt.method)),
      cell("Amount", formatInr(attempt.amount), "num"),
      cell("Reason", attempt.status === "SUCCESS" ? "" : attempt.message || ""),
    );
  });
}

function renderFound(found) {
  const { orders, customers, query } = found;
  $("search-customers").replaceChildren(
    ...customers.map((customer) =>
      element(
        "li",
        { "data-customer-id": customer.customerId },
        customerLink(customer.customerId, customer.name),
        element("span", { class: "hint", text: ` ${customer.email} · ${customer.phone}` }),
        ...(customer.earlierContact
          ? [element("span", { class: "hint", text: ` · an earlier order was paid with “${query}”` })]
          : []),
      ),
    ),
  );
  $("search-orders").querySelector("tbody").replaceChildren(...renderOrders(orders));
  $("search-orders-wrap").hidden = !orders.length;
  const attempts = renderAttempts(orders, query);
  $("search-attempts").querySelector("tbody").replaceChildren(...attempts);
  $("search-attempts-wrap").hidden = !attempts.length;
  const refunds = renderRefunds(found.refunds || [], query);
  $("search-refunds").querySelector("tbody").replaceChildren(...refunds);
  $("search-refunds-wrap").hidden = !refunds.length;
  const counts = [
    customers.length ? plural(customers.length, "customer", "customers") : "",
    orders.length ? plural(orders.length, "order", "orders") : "",
  ].filter(Boolean);
  $("search-summary").textContent = counts.length
    ? `Found ${counts.join(" and ")} for “${query}”.`
    : `Nothing found for “${query}”. Check the id or reference, or try the customer's e-mail or phone.`;
  $("search-results").hidden = false;
}

async function search(event) {
  event.preventDefault();
  const text = $("search-text").value.trim();
  const summary = $("search-summary");
  if (!text) {
    $("search-results").hidden = false;
    $("search-customers").replaceChildren();
    $("search-orders-wrap").hidden = true;
    $("search-attempts-wrap").hidden = true;
    $("search-refunds-wrap").hidden = true;
    summary.textContent = "Enter an order id, payment id, customer id, e-mail or phone number.";
    $("search-text").focus();
    return;
  }
  let answer;
  try {
    answer = await adminGet(`/api/payment/search?q=${encodeURIComponent(text)}`);
  } catch {
    showNotice($("admin-notice"), "bad", "Could not reach the server. Try again.");
    return;
  }
  if (answer.status === 401 || answer.status === 403) {
    askForToken("That admin token was not accepted.");
    return;
  }
  if (!answer.ok || !answer.body) {
    $("search-results").hidden = false;
    $("search-orders-wrap").hidden = true;
    $("search-attempts-wrap").hidden = true;
    $("search-refunds-wrap").hidden = true;
    $("search-customers").replaceChildren();
    summary.textContent = answer.body?.error || "The search failed. Try again.";
    return;
  }
  renderFound(answer.body.data);
}

function renderSubscriptions(subscriptions) {
  return subscriptions.map((subscription) =>
    element(
      "tr",
      { "data-customer-id": subscription.customerId, "data-kind": subscription.kind },
      element("td", { "data-label": "Customer", class: "token" }, customerLink(subscription.customerId)),
      cell("Kind", subscription.kind),
      timeCell("Since", subscription.startsAt),
      timeCell("Ends", subscription.endsAt),
    ),
  );
}

function emptyRow(span, text) {
  return element("tr", {}, element("td", { colspan: String(span), class: "hint", text }));
}

// Each table shows PAGE_SIZE rows and asks for one more, to know whether an older page exists.
const TABLES = {
  orders: {
    path: (limit, offset) => `/api/payment/credits?limit=${limit}&offset=${offset}`,
    rows: (body) => body.data.orders,
    render: renderOrders,
    empty: "No orders yet.",
  },
  unpaid: {
    path: (limit, offset) => `/api/payment/failed-payments?limit=${limit}&offset=${offset}`,
    rows: (body) => body.data,
    render: renderUnpaid,
    empty: "No attempts that did not pay.",
  },
  refunds: {
    path: (limit, offset) => `/api/payment/refunds?limit=${limit}&offset=${offset}`,
    rows: (body) => body.data,
    render: renderRefunds,
    empty: "No refunds.",
  },
  subscriptions: {
    path: (limit, offset) => `/api/payment/subscriptions?active=1&limit=${limit}&offset=${offset}`,
    rows: (body) => body.data,
    render: renderSubscriptions,
    empty: "No active subscriptions.",
  },
};
const offsets = Object.fromEntries(Object.keys(TABLES).map((name) => [name, 0]));

function pagerOf(name) {
  return document.querySelector(`[data-pager="${name}"]`);
}

async function loadTable(name) {
  const table = TABLES[name];
  const answer = await adminGet(table.path(PAGE_SIZE + 1, offsets[name]));
  if (!answer.ok || !answer.body) {
    return answer;
  }
  const rows = table.rows(answer.body) || [];
  if (!rows.length && offsets[name] > 0) {
    offsets[name] = 0;
    return loadTable(name);
  }
  const body = document.querySelector(`[data-table="${name}"] tbody`);
  const shown = table.render(rows.slice(0, PAGE_SIZE));
  const span = body.closest("table").querySelectorAll("thead th").length;
  body.replaceChildren(...(shown.length ? shown : [emptyRow(span, table.empty)]));
  const pager = pagerOf(name);
  const first = offsets[name] + 1;
  pager.hidden = offsets[name] === 0 && rows.length <= PAGE_SIZE;
  pager.querySelector("[data-page='newer']").disabled = offsets[name] === 0;
  pager.querySelector("[data-page='older']").disabled = rows.length <= PAGE_SIZE;
  pager.querySelector("[data-page-position]").textContent =
    `${first}–${offsets[name] + shown.length}`;
  return answer;
}

async function turnPage(name, direction) {
  offsets[name] = Math.max(0, offsets[name] + direction * PAGE_SIZE);
  await inTurn(async () => {
    try {
      await loadTable(name);
    } catch {
      showNotice($("admin-notice"), "bad", "Could not reach the server. Try Refresh.");
    }
  });
}

function askForToken(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  $("dashboard").hidden = true;
  $("token-form").hidden = false;
  if (message) {
    showNotice($("admin-notice"), "bad", message);
  }
  $("admin-token").focus();
}

/** Reload the whole dashboard after any load under way; `announce`: say so to a screen
reader (not for the reloads it does on its own). */
function refresh(announce = true) {
  return inTurn(async () => {
    try {
      await load(announce);
    } finally {
      loadedAt = Date.now();
    }
  });
}

function refreshIfDue() {
  const shown = !$("dashboard").hidden && document.visibilityState === "visible";
  if (shown && waitingLoads === 0 && Date.now() - loadedAt >= AUTO_REFRESH_MS) {
    refresh(false);
  }
}

async function load(announce) {
  const notice = $("admin-notice");
  let stats;
  let recent;
  let reconciliation;
  try {
    [stats, recent, reconciliation] = await Promise.all([
      adminGet("/api/payment/stats"),
      adminGet(`/api/payment/credits?limit=${CHART_ORDERS}`),
      adminGet("/api/payment/reconciliation"),
    ]);
  } catch {
    showNotice(notice, "bad", "Could not reach the server. Try Refresh.");
    return;
  }
  if (stats.status === 401 || stats.status === 403) {
    askForToken("That admin token was not accepted.");
    return;
  }
  if (!stats.ok || !recent.ok) {
    showNotice(notice, "bad", "The dashboard data could not be loaded. Try Refresh.");
    return;
  }
  hide(notice);
  $("token-form").hidden = true;
  $("dashboard").hidden = false;
  const data = recent.body.data || {};
  renderTiles(stats.body.data || {});
  renderCharts(data.orders || [], data.failedPayments || []);
  renderReconciliation(reconciliation.ok ? reconciliation.body.data : null);
  try {
    await Promise.all(Object.keys(TABLES).map(loadTable));
  } catch {
    showNotice(notice, "bad", "Could not reach the server. Try Refresh.");
    return;
  }
  const updated = $("updated-at");
  updated.setAttribute("aria-live", announce ? "polite" : "off");
  updated.textContent =
    `Updated ${new Date().toLocaleTimeString("en-IN")}; again every ${AUTO_REFRESH_MS / 1000} s`;
  document.body.dataset.loaded = "true";
}

function init() {
  loadConfig().catch(() => {});
  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const value = $("admin-token").value.trim();
    if (!value) {
      showNotice($("admin-notice"), "bad", "Enter the admin token.");
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, value);
    $("admin-token").value = "";
    refresh();
  });
  $("refresh-button").addEventListener("click", () => refresh());
  $("refund-form").addEventListener("submit", submitRefund);
  $("search-form").addEventListener("submit", search);
  $("refund-cancel").addEventListener("click", () => {
    refunding = null;
    $("refund-form").hidden = true;
  });
  $("sign-out-button").addEventListener("click", () => {
    hide($("admin-notice"));
    askForToken();
  });
  for (const name of Object.keys(TABLES)) {
    const pager = pagerOf(name);
    pager.querySelector("[data-page='newer']").addEventListener("click", () => turnPage(name, -1));
    pager.querySelector("[data-page='older']").addEventListener("click", () => turnPage(name, 1));
  }
  setInterval(refreshIfDue, 1000);
  document.addEventListener("visibilitychange", refreshIfDue);
  if (token()) {
    refresh();
  } else {
    askForToken();
  }
}

init();
