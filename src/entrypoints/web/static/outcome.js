// /success and /failure: what happened to the order, read from the server, never the URL.

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
import { latestAttempt } from "./order-watch.js";

const $ = (id) => document.getElementById(id);

function facts(pairs) {
  const list = $("outcome-facts");
  list.replaceChildren(
    ...pairs.filter(([, value]) => value).flatMap(([term, value]) => [
      element("dt", { text: term }),
      element("dd", { text: value }),
    ]),
  );
  list.hidden = false;
}

function actions(...links) {
  $("outcome-actions").replaceChildren(...links);
}

function link(href, text, secondary = false) {
  return element("a", { href, class: secondary ? "button secondary" : "button" }, text);
}

function showPaid(view) {
  const paying = (view.attempts || []).find((attempt) => attempt.status === "SUCCESS");
  document.title = "Payment successful · Cashfree Checkout";
  $("outcome-heading").textContent = "Payment successful";
  showNotice($("outcome"), "ok", paragraph(`Thank you. We received ${formatInr(view.amount)}.`));
  facts([
    ["Order", view.order_id],
    ["Amount", formatInr(view.amount)],
    ["Payment", paying ? paying.payment_id : ""],
    ["Method", paying ? paying.method : ""],
    ["Paid at", paying ? formatTime(paying.at) : ""],
  ]);
  actions(link("/checkout", "Make another payment"));
}

function showUnpaid(view) {
  const ended = view.status === "EXPIRED" || view.status === "TERMINATED";
  const latest = latestAttempt(view);
  const reason = ended
    ? `This order is ${view.status.toLowerCase()} and can no longer be paid.`
    : (latest && latest.message) || "The payment was not completed.";
  document.title = "Payment failed · Cashfree Checkout";
  $("outcome-heading").textContent = ended ? "Order closed" : "Payment not completed";
  showNotice($("outcome"), "bad", element("strong", { text: "Reason: " }), reason);
  facts([
    ["Order", view.order_id],
    ["Amount", formatInr(view.amount)],
    ["Status", view.status],
    ["Last attempt", latest ? formatTime(latest.at) : ""],
  ]);
  const canRetry = !ended && sessions.lookup(view.order_id);
  actions(
    ...(canRetry
      ? [link(`/checkout?order_id=${encodeURIComponent(view.order_id)}`, "Try again")]
      : []),
    link("/checkout", "Start a new payment", Boolean(canRetry)),
  );
}

async function init() {
  loadConfig().catch(() => {});
  const orderId = queryParam("order_id");
  if (!orderId) {
    showNotice($("outcome"), "warn", "No order was given. Start a payment from the checkout page.");
    actions(link("/checkout", "Go to checkout"));
    return;
  }
  let response;
  try {
    response = await requestJson(`/api/payment/status/${encodeURIComponent(orderId)}`);
  } catch {
    showNotice($("outcome"), "bad", "Could not reach the server. Reload the page to try again.");
    return;
  }
  if (!response.ok || !response.body) {
    showNotice($("outcome"), "warn", "We could not find that order.");
    actions(link("/checkout", "Go to checkout"));
    return;
  }
  const view = response.body;
  const wanted = document.body.dataset.page;
  if (view.status === "SUCCESS") {
    showPaid(view);
  } else if (wanted === "success" && view.status === "PENDING") {
    window.location.replace(`/return?order_id=${encodeURIComponent(orderId)}`);
    return;
  } else {
    showUnpaid(view);
  }
  $("outcome-heading").focus();
}

init();
