// /success and /failure: what happened to the order, read from the server, never the URL.
// A paid order gets a receipt; an unpaid one the reason in the customer's words, and the
// page follows the order until it is final, so a late bank answer or an expiry shows itself.

import {
  element,
  formatInr,
  formatTime,
  loadConfig,
  paragraph,
  queryParam,
  requestJson,
  sessions,
  showNotice,
} from "./common.js";
import { OrderWatch, isFinalStatus, latestAttempt } from "./order-watch.js";
import { methodInWords, nothingTaken } from "./words.js";

const $ = (id) => document.getElementById(id);
const SITE = "Cashfree Checkout";
let watch = null;

function headline(text) {
  document.title = `${text} · ${SITE}`;
  $("outcome-heading").textContent = text;
}

function facts(heading, pairs) {
  $("details-heading").textContent = heading;
  const list = $("outcome-facts");
  list.replaceChildren(
    ...pairs.filter(([, value]) => value).flatMap(([term, value]) => [
      element("dt", { text: term }),
      element("dd", {}, value),
    ]),
  );
  $("outcome-details").hidden = false;
}

function code(text) {
  return element("code", { class: "id", text });
}

function actions(...links) {
  $("outcome-actions").replaceChildren(...links);
}

function link(href, text, secondary = false) {
  return element("a", { href, class: secondary ? "button secondary" : "button" }, text);
}

/** What the order bought, in the shop's words: the plan's name, else its credits. */
async function purchased(purchase) {
  if (!purchase) {
    return "";
  }
  const credits = `${purchase.credits} credit${purchase.credits === 1 ? "" : "s"}`;
  if (!purchase.planId) {
    return credits;
  }
  try {
    const { ok, body } = await requestJson("/api/payment/plans");
    const plan = ok && body && (body.data || []).find((known) => known.id === purchase.planId);
    if (plan) {
      return plan.name;
    }
  } catch {
    // the plan's id below still says what was bought
  }
  return purchase.credits ? `${purchase.planId} (${credits})` : purchase.planId;
}

/** The banks' references (ARN) of the returned refunds: what the customer's bank traces them by. */
function refundReferences(view) {
  const references = view.refund_references || [];
  if (!references.length) {
    return "";
  }
  const parts = references.flatMap((reference, index) => (index ? [", ", code(reference)] : [code(reference)]));
  return element("span", {}, ...parts);
}

async function showPaid(view) {
  const paying = (view.attempts || []).find((attempt) => attempt.status === "SUCCESS");
  headline("Payment successful");
  showNotice($("outcome"), "ok", paragraph(`Thank you. Your payment of ${formatInr(view.amount)} is complete.`));
  facts("Receipt", [
    ["Paid for", await purchased(view.purchase)],
    ["Amount paid", formatInr(view.amount)],
    ["Paid by", paying ? methodInWords(paying.method) : ""],
    ["Paid on", paying ? formatTime(paying.at) : ""],
    ["Payment reference", paying ? code(paying.payment_id) : ""],
    ["Bank reference", paying && paying.bank_reference ? code(paying.bank_reference) : ""],
    ["Order number", code(view.order_id)],
    ["Refunded", view.refunded ? formatInr(view.refunded) : ""],
    ["Being refunded", view.refunding ? formatInr(view.refunding) : ""],
    [(view.refund_references || []).length > 1 ? "Refund references" : "Refund reference", refundReferences(view)],
  ]);
  const print = element("button", { type: "button", class: "secondary" }, "Print receipt");
  print.addEventListener("click", () => window.print());
  actions(link("/checkout", "Make another payment"), print);
}

/** The heading and the reason of an unpaid order, in the customer's words. */
function unpaidStory(view) {
  const latest = latestAttempt(view);
  if (view.status === "EXPIRED") {
    return ["Order expired", "This order expired before it was paid, so it can no longer be paid."];
  }
  if (view.status === "TERMINATED") {
    return ["Order cancelled", "This order was cancelled, so it can no longer be paid."];
  }
  if (!latest) {
    return ["Payment not completed", "You have not paid for this order yet."];
  }
  if (latest.status === "PENDING") {
    return ["Waiting for your bank", "Your bank has not confirmed the payment yet. This page updates when it does."];
  }
  if (latest.status === "USER_DROPPED") {
    return ["Payment not completed", "You closed the payment window before paying."];
  }
  const reason = latest.message ? ` Reason given: ${latest.message}` : "";
  return ["Payment failed", `The payment did not go through.${reason}`];
}

function showUnpaid(view) {
  const ended = isFinalStatus(view.status);
  const latest = latestAttempt(view);
  const [title, reason] = unpaidStory(view);
  headline(title);
  const waiting = latest && latest.status === "PENDING";
  showNotice(
    $("outcome"),
    waiting ? "info" : "bad",
    paragraph(reason),
    ...(nothingTaken(view) ? [paragraph("No money was taken from your account.")] : []),
  );
  facts("Order details", [
    ["Order number", code(view.order_id)],
    ["Amount", formatInr(view.amount)],
    ["Last attempt", latest ? formatTime(latest.at) : ""],
  ]);
  const canRetry = !ended && !waiting && sessions.lookup(view.order_id);
  const retry = `/checkout?order_id=${encodeURIComponent(view.order_id)}&retry=1`;
  actions(
    ...(canRetry ? [link(retry, "Try again")] : []),
    link("/checkout", "Start a new payment", Boolean(canRetry)),
  );
}

async function show(view) {
  if (view.status === "SUCCESS") {
    await showPaid(view);
  } else {
    showUnpaid(view);
  }
  document.body.dataset.status = view.status;
}

/** An open order can still change: an expiry, a late success, the bank's answer. */
function follow(orderId, shown) {
  let last = JSON.stringify([shown.status, shown.attempts]);
  watch = new OrderWatch(orderId, (view) => {
    const now = JSON.stringify([view.status, view.attempts]);
    if (now !== last) {
      last = now;
      show(view);
    }
  }).start();
}

async function init() {
  loadConfig().catch(() => {});
  const orderId = queryParam("order_id");
  if (!orderId) {
    headline("No payment to show");
    showNotice($("outcome"), "warn", "No order was given. Start a payment from the checkout page.");
    actions(link("/checkout", "Go to checkout"));
    return;
  }
  let response;
  try {
    response = await requestJson(`/api/payment/status/${encodeURIComponent(orderId)}`);
  } catch {
    headline("Payment status unavailable");
    showNotice($("outcome"), "bad", "Could not reach the server. Reload the page to try again.");
    return;
  }
  if (!response.ok || !response.body) {
    headline("Order not found");
    showNotice($("outcome"), "warn", "We could not find that order. Check the link, or start a new payment.");
    actions(link("/checkout", "Start a new payment"), link("/", "Home", true));
    return;
  }
  const view = response.body;
  if (document.body.dataset.page === "success" && view.status === "PENDING") {
    window.location.replace(`/return?order_id=${encodeURIComponent(orderId)}`);
    return;
  }
  await show(view);
  $("outcome-heading").focus();
  if (!isFinalStatus(view.status)) {
    follow(orderId, view);
  }
}

window.addEventListener("pagehide", () => watch && watch.close());
init();
