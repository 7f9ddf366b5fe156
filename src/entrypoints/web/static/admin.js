// The operator's dashboard: totals, charts of the last 24 hours, recent and failed orders.
// The admin token is asked once and kept in sessionStorage (this tab only).
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
} from "./common.js";
import { labelledBars, stackedColumns } from "./charts.js";

const TOKEN_KEY = "adminToken";
const ORDERS_LIMIT = 200;
const HOURS = 24;
const OUTCOMES = [
  { key: "SUCCESS", label: "Successful", color: "#15803d" },
  { key: "FAILED", label: "Failed", color: "#b91c1c" },
  { key: "USER_DROPPED", label: "Dropped", color: "#d97706" },
  { key: "PENDING", label: "Pending", color: "#64748b" },
];
const FAILURE_STATUSES = new Set(["FAILED", "CANCELLED", "VOID"]);

const REFUND_STATES = { PENDING: "Pending", SUCCESS: "Done", FAILED: "Failed", CANCELLED: "Cancelled" };

const $ = (id) => document.getElementById(id);
let refunding = null;

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
  $("tiles").replaceChildren(
    tile("Orders", String(stats.totalOrders ?? 0)),
    tile("Paid orders", String(byStatus.PAID ?? stats.totalPayments ?? 0)),
    tile("Success rate", `${Number(stats.successRate || 0).toFixed(2)} %`),
    tile("Paid amount", formatInr(stats.totalAmount ?? 0)),
    tile("Failed attempts", String(stats.totalFailures ?? 0)),
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
  const start = end.getTime() - (HOURS - 1) * 3600000;
  const columns = Array.from({ length: HOURS }, (_, index) => {
    const hour = new Date(start + index * 3600000);
    return { label: `${String(hour.getHours()).padStart(2, "0")}:00`, values: {} };
  });
  for (const order of orders) {
    for (const attempt of order.attempts || []) {
      const at = new Date(attempt.at).getTime();
      const index = Math.floor((at - start) / 3600000);
      if (index >= 0 && index < HOURS) {
        const key = outcomeKey(attempt.status);
        columns[index].values[key] = (columns[index].values[key] || 0) + 1;
      }
    }
  }
  return columns;
}

function failureReasons(failed) {
  const counts = new Map();
  for (const payment of failed) {
    const reason = payment.reason || payment.status || "Unknown";
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

function renderCharts(orders, failed) {
  const columns = hourlyColumns(orders, Date.now());
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
  const reasons = failureReasons(failed);
  $("reasons-chart").replaceChildren(
    reasons.length
      ? labelledBars(
          reasons,
          "#b91c1c",
          `Failure reasons: ${reasons.map((r) => `${r.label} ${r.count}`).join("; ")}`,
          chartWidth("reasons-chart"),
        )
      : element("p", { class: "hint", text: "No failed payments." }),
  );
}

function cell(label, text, className) {
  return element("td", { "data-label": label, text, ...(className ? { class: className } : {}) });
}

function codeCell(label, text) {
  return element("td", { "data-label": label }, element("code", { text }));
}

function renderOrders(orders) {
  const body = $("orders-table").querySelector("tbody");
  const rows = orders.map((order) =>
    element(
      "tr",
      { "data-order-id": order.orderId },
      cell("Created", formatTime(order.createdAt)),
      codeCell("Order", order.orderId),
      cell("Customer", [order.customerName, order.customerEmail].filter(Boolean).join(", ")),
      cell("Amount", formatInr(order.amount), "num"),
      statusCell(order),
      cell("Attempts", String((order.attempts || []).length), "num"),
      actionsCell(order),
    ),
  );
  body.replaceChildren(...(rows.length ? rows : [emptyRow(7, "No orders yet.")]));
}

function statusCell(order) {
  const td = cell("Status", order.paymentStatus || order.status);
  if (order.paidAfterClose) {
    td.append(" ", element("span", { class: "flag", title: "Paid after the order had expired or been cancelled", text: "paid after close" }));
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
  $("refund-remaining").textContent = `Paid ${formatInr(order.amount)}.`;
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
    const error = (answer.body && answer.body.error) || `Refused (${answer.status})`;
    const details = (answer.body && answer.body.details) || [];
    showNotice(notice, "bad", [error, ...details].join(": "));
    return;
  }
  const refund = answer.body.data;
  showNotice(
    notice,
    refund.state === "FAILED" ? "bad" : "ok",
    `Refund ${refund.refundId} of ${formatInr(refund.amount)}: ${REFUND_STATES[refund.state] || refund.state}.`,
  );
  refunding = null;
  await refresh();
}

function renderRefunds(refunds) {
  const body = $("refunds-table").querySelector("tbody");
  const rows = refunds.map((refund) =>
    element(
      "tr",
      { "data-refund-id": refund.refundId, "data-state": refund.state },
      cell("Requested", formatTime(refund.createdAt)),
      codeCell("Refund", refund.refundId),
      codeCell("Order", refund.orderId),
      cell("Amount", formatInr(refund.amount), "num"),
      cell("State", REFUND_STATES[refund.state] || refund.state),
      cell("Reason", refund.reason || ""),
    ),
  );
  body.replaceChildren(...(rows.length ? rows : [emptyRow(6, "No refunds.")]));
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
      cell("Kind", change.kind),
      codeCell("Id", change.id),
      cell("Before", change.before),
      cell("After", change.after),
    ),
  );
  body.replaceChildren(...(rows.length ? rows : [emptyRow(4, "The last run changed nothing.")]));
}

function renderFailed(failed) {
  const body = $("failed-table").querySelector("tbody");
  const rows = failed.map((payment) =>
    element(
      "tr",
      {},
      cell("When", formatTime(payment.failedAt || payment.timestamp)),
      codeCell("Order", payment.orderId),
      cell("Amount", formatInr(payment.amount), "num"),
      cell("Outcome", payment.status),
      cell("Reason", payment.reason || ""),
    ),
  );
  body.replaceChildren(...(rows.length ? rows : [emptyRow(5, "No failed payments.")]));
}

/** The link to a customer's page (balance, ledger, subscriptions, orders). */
function customerLink(customerId, text) {
  const href = `/admin/customer?id=${encodeURIComponent(customerId)}`;
  return element("a", { href, class: "mono" }, text || customerId);
}

function renderSubscriptions(subscriptions) {
  const body = $("subscriptions-table").querySelector("tbody");
  const rows = subscriptions.map((subscription) =>
    element(
      "tr",
      { "data-customer-id": subscription.customerId, "data-kind": subscription.kind },
      element("td", { "data-label": "Customer" }, customerLink(subscription.customerId)),
      cell("Kind", subscription.kind),
      cell("Since", formatTime(subscription.startsAt)),
      cell("Ends", formatTime(subscription.endsAt)),
    ),
  );
  body.replaceChildren(...(rows.length ? rows : [emptyRow(4, "No active subscriptions.")]));
}

function emptyRow(span, text) {
  return element("tr", {}, element("td", { colspan: String(span), class: "hint", text }));
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

async function refresh() {
  const notice = $("admin-notice");
  let stats;
  let credits;
  let subscriptions;
  let refunds;
  let reconciliation;
  try {
    [stats, credits, subscriptions, refunds, reconciliation] = await Promise.all([
      adminGet("/api/payment/stats"),
      adminGet(`/api/payment/credits?limit=${ORDERS_LIMIT}`),
      adminGet(`/api/payment/subscriptions?active=1&limit=${ORDERS_LIMIT}`),
      adminGet(`/api/payment/refunds?limit=${ORDERS_LIMIT}`),
      adminGet("/api/payment/reconciliation"),
    ]);
  } catch {
    showNotice(notice, "bad", "Could not reach the server. Try Refresh.");
    return;
  }
  if (stats.status === 401 || credits.status === 401 || stats.status === 403) {
    askForToken("That admin token was not accepted.");
    return;
  }
  if (!stats.ok || !credits.ok) {
    showNotice(notice, "bad", "The dashboard data could not be loaded. Try Refresh.");
    return;
  }
  hide(notice);
  $("token-form").hidden = true;
  $("dashboard").hidden = false;
  const data = credits.body.data || {};
  renderTiles(stats.body.data || {});
  renderCharts(data.orders || [], data.failedPayments || []);
  renderOrders(data.orders || []);
  renderFailed(data.failedPayments || []);
  renderSubscriptions((subscriptions.ok && subscriptions.body.data) || []);
  renderRefunds((refunds.ok && refunds.body.data) || []);
  renderReconciliation(reconciliation.ok ? reconciliation.body.data : null);
  $("updated-at").textContent = `Updated ${new Date().toLocaleTimeString("en-IN")}`;
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
  $("refresh-button").addEventListener("click", refresh);
  $("refund-form").addEventListener("submit", submitRefund);
  $("refund-cancel").addEventListener("click", () => {
    refunding = null;
    $("refund-form").hidden = true;
  });
  $("sign-out-button").addEventListener("click", () => {
    hide($("admin-notice"));
    askForToken();
  });
  if (token()) {
    refresh();
  } else {
    askForToken();
  }
}

init();
