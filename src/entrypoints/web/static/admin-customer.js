// One customer for the operator: profile, balance, subscriptions with their end dates,
// the credit ledger (newest first, LEDGER_PAGE entries a page) and the orders. Uses the
// admin token the dashboard kept in this tab.

import { element, formatInr, loadConfig, queryParam, requestJson, showNotice, timeElement } from "./common.js";
import { orderStatusInWords, paymentStatusInWords, refundHint } from "./words.js";

const LEDGER_KINDS = { grant: "Grant", reversal: "Reversal", adjustment: "Adjustment" };

const TOKEN_KEY = "adminToken";
const LEDGER_PAGE = 20;
let ledgerOffset = 0;
const $ = (id) => document.getElementById(id);

function cell(label, text, className) {
  return element("td", { "data-label": label, text, ...(className ? { class: className } : {}) });
}

function timeCell(label, iso) {
  return element("td", { "data-label": label }, timeElement(iso));
}

function rowsOrEmpty(rows, span, text) {
  return rows.length ? rows : [element("tr", {}, element("td", { colspan: String(span), class: "hint", text }))];
}

function fact(term, value) {
  return [element("dt", { text: term }), element("dd", { text: value || "—" })];
}

function renderProfile(data) {
  const earlier = (data.contacts || []).filter((contact) => contact !== data.email && contact !== data.phone);
  $("profile-facts").replaceChildren(
    ...fact("Customer id", data.customerId),
    ...fact("Name", data.name),
    ...fact("E-mail", data.email),
    ...fact("Phone", data.phone),
    ...(earlier.length ? fact("Earlier orders paid with", earlier.join(", ")) : []),
    ...fact("Referral agent", data.referralAgent),
    ...fact("Credit balance", String(data.balance ?? 0)),
  );
}

function renderSubscriptions(subscriptions) {
  const rows = subscriptions.map((subscription) =>
    element(
      "tr",
      { "data-kind": subscription.kind },
      cell("Kind", subscription.kind),
      cell("Plan", subscription.planId || ""),
      timeCell("Since", subscription.startsAt),
      timeCell("Ends", subscription.endsAt),
      cell("State", subscription.active ? "Active" : "Ended"),
    ),
  );
  $("customer-subscriptions").querySelector("tbody").replaceChildren(...rowsOrEmpty(rows, 5, "No subscriptions."));
}

function cause(line) {
  if (line.kind === "grant") {
    return `Order ${line.orderId}`;
  }
  if (line.kind === "reversal") {
    return `Refund ${line.refundId || ""} of order ${line.orderId || ""}`.trim();
  }
  return line.note ? `Operator: ${line.note}` : "Operator";
}

function renderLedger(lines) {
  const rows = lines.map((line) =>
    element(
      "tr",
      { "data-entry-id": line.entryId },
      timeCell("When", line.at),
      cell("Kind", LEDGER_KINDS[line.kind] || line.kind),
      cell("Credits", line.credits > 0 ? `+${line.credits}` : String(line.credits), "num"),
      cell("Cause", cause(line)),
    ),
  );
  $("customer-ledger").querySelector("tbody").replaceChildren(...rowsOrEmpty(rows, 4, "No ledger entries."));
}

function renderLedgerPager(shown, more) {
  const pager = $("ledger-pager");
  pager.hidden = ledgerOffset === 0 && !more;
  pager.querySelector("[data-page='newer']").disabled = ledgerOffset === 0;
  pager.querySelector("[data-page='older']").disabled = !more;
  pager.querySelector("[data-page-position]").textContent = `${ledgerOffset + 1}–${ledgerOffset + shown}`;
}

function turnLedgerPage(direction) {
  ledgerOffset = Math.max(0, ledgerOffset + direction * LEDGER_PAGE);
  load();
}

function statusCell(order) {
  const td = cell("Status", order.paymentStatus ? paymentStatusInWords(order.paymentStatus) : orderStatusInWords(order.status));
  const refunds = refundHint(order);
  if (refunds) {
    td.append(element("div", { class: "hint", text: refunds }));
  }
  return td;
}

function renderOrders(orders) {
  const rows = orders.map((order) =>
    element(
      "tr",
      { "data-order-id": order.orderId },
      timeCell("Created", order.createdAt),
      element("td", { "data-label": "Order", class: "token" }, element("code", { class: "id", text: order.orderId })),
      cell("Plan", (order.purchase && order.purchase.planId) || "Any amount"),
      cell("Amount", formatInr(order.amount), "num"),
      statusCell(order),
    ),
  );
  $("customer-orders").querySelector("tbody").replaceChildren(...rowsOrEmpty(rows, 5, "No orders."));
}

function signInLink(message) {
  showNotice(
    $("customer-notice"),
    "bad",
    element("p", { text: message }),
    element("p", {}, element("a", { href: "/admin", text: "Sign in on the payments dashboard" })),
  );
}

async function load() {
  const customerId = queryParam("id");
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!customerId) {
    showNotice($("customer-notice"), "bad", "No customer given: open a customer from the dashboard.");
    return;
  }
  if (!token) {
    signInLink("Sign in first: the admin token is asked once on the dashboard.");
    return;
  }
  let response;
  try {
    const page = `ledgerLimit=${LEDGER_PAGE}&ledgerOffset=${ledgerOffset}`;
    response = await requestJson(`/api/payment/customers/${encodeURIComponent(customerId)}?${page}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
  } catch {
    showNotice($("customer-notice"), "bad", "Could not reach the server. Reload the page to retry.");
    return;
  }
  if (response.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    signInLink("That admin token was not accepted.");
    return;
  }
  if (!response.ok || !response.body) {
    const error = (response.body && response.body.error) || "The customer could not be loaded.";
    showNotice($("customer-notice"), "bad", error);
    return;
  }
  const data = response.body.data || {};
  document.title = `${data.name || data.customerId} · Admin · Cashfree Checkout`;
  renderProfile(data);
  renderSubscriptions(data.subscriptions || []);
  renderLedger(data.ledger || []);
  renderLedgerPager((data.ledger || []).length, Boolean(data.ledgerMore));
  renderOrders(data.orders || []);
  $("customer").hidden = false;
  document.body.dataset.loaded = "true";
}

loadConfig().catch(() => {});
$("ledger-pager").querySelector("[data-page='newer']").addEventListener("click", () => turnLedgerPage(-1));
$("ledger-pager").querySelector("[data-page='older']").addEventListener("click", () => turnLedgerPage(1));
load();
