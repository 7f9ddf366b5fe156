// /return: where the redirect flow lands. It asks the server to verify with Cashfree, then
// follows the order's event stream while the bank is still deciding.

import {
  customerHeaders,
  element,
  loadConfig,
  paragraph,
  queryParam,
  requestJson,
  showNotice,
  spinnerText,
} from "./common.js";
import { OrderWatch, isFinalStatus } from "./order-watch.js";

const STILL_WAITING_MS = 20000;
const $ = (id) => document.getElementById(id);
let watch = null;

function go(view) {
  const target = view.status === "SUCCESS" ? "success" : "failure";
  window.location.replace(`/${target}?order_id=${encodeURIComponent(view.order_id)}`);
}

function decided(view) {
  return view && (isFinalStatus(view.status) || view.status !== "PENDING");
}

function retryButton() {
  const button = element("button", { type: "button" }, "Check again");
  button.addEventListener("click", verify);
  return button;
}

async function verify() {
  const orderId = queryParam("order_id");
  const status = $("return-status");
  $("return-actions").replaceChildren();
  if (watch) {
    watch.close();
  }
  if (!orderId) {
    document.title = "No payment to confirm · Cashfree Checkout";
    $("return-heading").textContent = "No payment to confirm";
    showNotice(status, "warn", "No order was given.");
    $("return-actions").replaceChildren(element("a", { href: "/checkout", class: "button" }, "Go to checkout"));
    return;
  }
  showNotice(status, "info", spinnerText("Checking with Cashfree…"));
  let response;
  try {
    response = await requestJson("/api/payment/verify", {
      json: { order_id: orderId },
      headers: customerHeaders(),
    });
  } catch {
    response = null;
  }
  if (!response || (!response.ok && response.status !== 404)) {
    const message = response && response.body && response.body.error;
    showNotice(status, "bad", message || "We could not confirm your payment just now.");
    $("return-actions").replaceChildren(retryButton());
    return;
  }
  if (response.status === 404 || !response.body) {
    document.title = "Order not found · Cashfree Checkout";
    $("return-heading").textContent = "Order not found";
    showNotice(status, "warn", "We could not find that order. Check the link, or start a new payment.");
    $("return-actions").replaceChildren(
      element("a", { href: "/checkout", class: "button" }, "Start a new payment"),
      element("a", { href: "/", class: "button secondary" }, "Home"),
    );
    return;
  }
  if (decided(response.body)) {
    go(response.body);
    return;
  }
  showNotice(status, "info", spinnerText("Your bank is still confirming the payment…"));
  const slow = setTimeout(() => {
    showNotice(
      status,
      "warn",
      paragraph("Your bank has not confirmed the payment yet."),
      paragraph("You can leave this page: a confirmed payment is credited to your order automatically."),
    );
    $("return-actions").replaceChildren(retryButton());
  }, STILL_WAITING_MS);
  watch = new OrderWatch(orderId, (view) => {
    if (decided(view)) {
      clearTimeout(slow);
      go(view);
    }
  }).start();
}

loadConfig().catch(() => {});
verify();
