// The checkout page: validate, create the order, pay in the Cashfree modal or by redirect,
// and show the outcome of each attempt from whichever source reports it first.

import {
  customerHeaders,
  element,
  formatInr,
  hide,
  loadConfig,
  paragraph,
  queryParam,
  requestJson,
  sessions,
  showNotice,
  spinnerText,
} from "./common.js";
import {
  OrderWatch,
  Settlement,
  attemptIds,
  isFinalStatus,
  latestAttempt,
  outcomeOf,
} from "./order-watch.js";
import { readAmount, validateCheckout } from "./validation.js";

const SITE = "Cashfree Checkout";
const SDK_TIMEOUT_MS = 10000;
const CONFIRMING = "Your bank is confirming the payment. This can take a minute: please do not pay again.";
const FIELDS = ["amount", "customerName", "customerEmail", "customerPhone"];
const LABELS = {
  amount: "Amount",
  customerName: "Full name",
  customerEmail: "E-mail",
  customerPhone: "Mobile number",
  planId: "Plan",
};

const $ = (id) => document.getElementById(id);
const page = {
  config: null,
  cashfree: null,
  order: null,
  watch: null,
  lastView: null,
  lastOutcome: null,
  plans: [],
};
const settlement = new Settlement(showOutcome);

function loadScript(src, timeoutMs) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.async = true;
    const timer = setTimeout(() => fail(new Error("timed out")), timeoutMs);
    function settle() {
      clearTimeout(timer);
      script.onload = null;
      script.onerror = null;
    }
    function fail(error) {
      settle();
      script.remove();
      reject(error);
    }
    script.onload = () => {
      settle();
      resolve();
    };
    script.onerror = () => fail(new Error("could not load"));
    document.head.append(script);
  });
}

/** Load Cashfree JS; on failure say so and offer a retry instead of spinning forever. */
async function loadSdk() {
  const status = $("sdk-status");
  document.body.dataset.sdk = "loading";
  showNotice(status, "info", spinnerText("Loading the payment module…"));
  try {
    page.config = page.config || (await loadConfig());
    if (typeof window.Cashfree !== "function") {
      await loadScript(page.config.sdkUrl, SDK_TIMEOUT_MS);
    }
    if (typeof window.Cashfree !== "function") {
      throw new Error("Cashfree JS did not start");
    }
    page.cashfree = window.Cashfree({ mode: page.config.mode });
    hide(status);
    document.body.dataset.sdk = "ready";
  } catch {
    const retry = element("button", { type: "button", id: "sdk-retry" }, "Retry");
    retry.addEventListener("click", loadSdk);
    showNotice(
      status,
      "bad",
      paragraph("The payment module could not be loaded. Check your connection, then retry."),
      retry,
    );
    document.body.dataset.sdk = "failed";
  }
}

function formValues() {
  return Object.fromEntries(FIELDS.map((field) => [field, $(field).value]));
}

/** The plan picked, or null for a payment of any amount. */
function selectedPlan() {
  const choice = document.querySelector('input[name="plan"]:checked');
  return (choice && page.plans.find((plan) => plan.id === choice.value)) || null;
}

/** With a plan the server sets the price: the amount field is hidden and not sent. */
function onPlanChange() {
  const plan = selectedPlan();
  $("amount-field").hidden = Boolean(plan);
  $("amount").disabled = Boolean(plan);
  document.body.dataset.plan = plan ? plan.id : "";
  $("pay-button").textContent = payLabel();
}

function planChoice(value, title, detail, checked) {
  const input = element("input", { type: "radio", name: "plan", value });
  input.checked = checked;
  input.addEventListener("change", onPlanChange);
  const text = element("span", {}, element("strong", { text: title }));
  if (detail) {
    text.append(element("br"), element("span", { class: "hint", text: detail }));
  }
  return element("label", { class: "choice" }, input, text);
}

/** The plans on sale, from the server (which also sets their prices); none: any amount. */
async function loadPlans() {
  let plans = [];
  try {
    const { ok, body } = await requestJson("/api/payment/plans");
    plans = ok && body && Array.isArray(body.data) ? body.data : [];
  } catch {
    plans = [];
  }
  page.plans = plans;
  if (!plans.length) {
    return;
  }
  const options = plans.map((plan) =>
    planChoice(plan.id, `${plan.name} · ${formatInr(plan.price)}`, plan.description, false),
  );
  $("plan-options").replaceChildren(
    ...options,
    planChoice("", "Any amount", "Pay the amount you enter below.", true),
  );
  $("plan-choice").hidden = false;
  document.body.dataset.plans = "ready";
}

function selectedFlow() {
  const choice = document.querySelector('input[name="flow"]:checked');
  return choice ? choice.value : "modal";
}

/** Mark every invalid field and list them all in one summary that links to each. */
function showFieldErrors(errors, headline) {
  const summary = $("form-errors");
  for (const field of FIELDS) {
    $(field).removeAttribute("aria-invalid");
    $(`${field}-error`).textContent = "";
  }
  if (!errors.length && !headline) {
    hide(summary);
    return;
  }
  const items = errors.map((error) => {
    const known = FIELDS.includes(error.field);
    if (known) {
      $(error.field).setAttribute("aria-invalid", "true");
      $(`${error.field}-error`).textContent = error.message;
    }
    const label = LABELS[error.field] || error.field;
    const text = label ? `${label}: ${error.message}` : error.message;
    return element("li", {}, known ? element("a", { href: `#${error.field}` }, text) : text);
  });
  const title = headline || "Please correct the following:";
  showNotice(summary, "bad", element("strong", { text: title }), element("ul", {}, ...items));
  summary.focus();
}

/** The server's verdict in the same shape: `fields` ({field, message}), else `details`. */
function serverFieldErrors(body) {
  if (Array.isArray(body.fields)) {
    return body.fields;
  }
  return (Array.isArray(body.details) ? body.details : []).map((detail) =>
    typeof detail === "string" ? { field: "", message: detail } : detail,
  );
}

function setBusy(busy) {
  const button = $("pay-button");
  button.disabled = busy;
  button.textContent = busy ? "Creating your order…" : payLabel();
}

function payLabel() {
  const plan = selectedPlan();
  if (plan) {
    return `Pay ${formatInr(plan.price)}`;
  }
  const { amount } = readAmount($("amount").value);
  return amount ? `Pay ${formatInr(amount)}` : "Pay";
}

async function onSubmit(event) {
  event.preventDefault();
  const plan = selectedPlan();
  const entered = formValues();
  const { errors, values } = validateCheckout(plan ? { ...entered, amount: "1" } : entered);
  showFieldErrors(errors);
  if (errors.length) {
    return;
  }
  if (!page.cashfree) {
    showNotice($("form-errors"), "bad", "The payment module is not loaded yet. Use Retry above, then pay.");
    return;
  }
  setBusy(true);
  let response;
  try {
    const customer = {
      customerName: values.customerName,
      customerEmail: values.customerEmail,
      customerPhone: values.customerPhone,
    };
    response = await requestJson("/api/payment/create-order", {
      json: plan ? { planId: plan.id, ...customer } : { amount: values.amount, ...customer },
      headers: customerHeaders(),
    });
  } catch {
    setBusy(false);
    showNotice($("form-errors"), "bad", "Could not reach the server. Check your connection and try again.");
    return;
  }
  setBusy(false);
  const body = response.body || {};
  if (!response.ok || !body.success) {
    const fieldErrors = serverFieldErrors(body);
    const known = fieldErrors.some((error) => FIELDS.includes(error.field));
    showFieldErrors(fieldErrors, known ? "" : body.error || "The order could not be created. Please try again.");
    return;
  }
  page.order = { orderId: body.order_id, sessionId: body.payment_session_id, amount: body.amount };
  sessions.remember(body.order_id, body.payment_session_id, body.amount);
  await startPayment([], selectedFlow());
}

function setStatus(...content) {
  $("payment-status").replaceChildren(...content);
}

function setTitle(text) {
  document.title = `${text} · ${SITE}`;
}

/** The panel of one order; a previous attempt's reason stays on screen while paying again. */
function showPanel() {
  $("checkout-form").hidden = true;
  hide($("form-errors"));
  $("payment-panel").hidden = false;
  $("payment-order").textContent = page.order.orderId;
  $("payment-amount").textContent = formatInr(page.order.amount);
  showActions(false);
  const result = $("payment-result");
  if (!page.lastOutcome) {
    hide(result);
    return;
  }
  showNotice(
    result,
    "warn",
    element("strong", { text: "Your last attempt did not go through" }),
    paragraph(reasonOf(page.lastOutcome)),
  );
  result.dataset.outcome = "previous";
}

/** Try again and Start a new payment: only once an attempt has ended, never while paying. */
function showActions(visible) {
  $("payment-actions").hidden = !visible;
}

/** What the customer reads about an attempt that did not pay: their words, not the gateway's. */
function reasonOf(outcome) {
  if (outcome.kind === "dropped") {
    return "You closed the payment window before paying.";
  }
  return outcome.message
    ? `The payment did not go through. Reason given: ${outcome.message}`
    : "The payment did not go through.";
}

function watchOrder() {
  if (page.watch && !page.watch.closed) {
    return;
  }
  page.watch = new OrderWatch(
    page.order.orderId,
    (view) => {
      page.lastView = view;
      settlement.offer(outcomeOf(view, settlement.known), "server");
    },
    (transport) => {
      document.body.dataset.watch = transport;
    },
  ).start();
}

/** One attempt: `known` lists attempts made before it, whose outcomes are old news. */
async function startPayment(known, flow) {
  showPanel();
  if (flow === "redirect") {
    setStatus(spinnerText("Taking you to the payment page…"));
    const result = await page.cashfree.checkout({
      paymentSessionId: page.order.sessionId,
      redirectTarget: "_self",
    });
    if (result && result.error) {
      settlement.arm(known);
      settlement.offer({ kind: "failed", message: result.error.message || "" }, "sdk");
    }
    return;
  }
  settlement.arm(known);
  setTitle("Complete your payment");
  setStatus(spinnerText("Complete the payment in the Cashfree window…"));
  watchOrder();
  let result;
  try {
    result = await page.cashfree.checkout({
      paymentSessionId: page.order.sessionId,
      redirectTarget: "_modal",
    });
  } catch (error) {
    result = { error: { message: String(error && error.message ? error.message : error) } };
  }
  await reportModalResult(result);
  // The server may have told the outcome while the window was open and the page behind it
  // could not take focus: the outcome gets it now.
  const shown = $("payment-result");
  if (settlement.settled && !$("payment-actions").hidden && document.activeElement !== shown) {
    shown.focus();
  }
}

/** The modal's own callback counts too; a claimed success is verified by the server. */
async function reportModalResult(result) {
  if (result && result.paymentDetails) {
    if (!settlement.settled) {
      setStatus(spinnerText("Confirming your payment…"));
    }
    try {
      const { ok, body } = await requestJson("/api/payment/verify", {
        json: { order_id: page.order.orderId },
        headers: customerHeaders(),
      });
      if (ok && body && !settlement.offer(outcomeOf(body, settlement.known), "modal")) {
        if (!settlement.settled) {
          setTitle("Confirming your payment");
          setStatus(spinnerText(CONFIRMING));
        }
      }
    } catch {
      // the stream or the polling fallback still reports the outcome
    }
    return;
  }
  const error = (result && result.error) || {};
  const dropped = error.type === "user_action" || error.code === "payment_cancelled";
  settlement.offer({ kind: dropped ? "dropped" : "failed", message: error.message || "" }, "modal");
}

function showOutcome(outcome) {
  const orderId = encodeURIComponent(page.order.orderId);
  if (outcome.kind === "success" || outcome.kind === "ended") {
    if (page.watch) {
      page.watch.close();
    }
    window.location.assign(`/${outcome.kind === "success" ? "success" : "failure"}?order_id=${orderId}`);
    return;
  }
  const heading = outcome.kind === "dropped" ? "Payment not completed" : "Payment failed";
  page.lastOutcome = outcome;
  const result = $("payment-result");
  showNotice(
    result,
    "bad",
    element("strong", { text: heading }),
    paragraph(reasonOf(outcome)),
    paragraph("No money was taken from your account. Your order is still open: you can try again."),
  );
  setTitle(heading);
  result.dataset.outcome = outcome.kind;
  result.dataset.source = outcome.source;
  result.dataset.shownAt = String(Date.now());
  setStatus();
  showActions(true);
  result.focus();
}

async function retry() {
  const known = new Set(attemptIds(page.lastView));
  try {
    const { ok, body } = await requestJson(`/api/payment/status/${encodeURIComponent(page.order.orderId)}`);
    if (ok && body) {
      page.lastView = body;
      attemptIds(body).forEach((id) => known.add(id));
    }
  } catch {
    // the ids already seen are enough to tell a new attempt from an old one
  }
  if (!page.cashfree) {
    showNotice($("payment-result"), "bad", "The payment module is not loaded. Use Retry above first.");
    return;
  }
  await startPayment([...known], selectedFlow());
}

/** The latest attempt of a status view as an outcome, if it ended without paying. */
function previousOutcome(view) {
  const latest = latestAttempt(view);
  if (!latest || !["FAILED", "USER_DROPPED", "CANCELLED", "VOID"].includes(latest.status)) {
    return null;
  }
  return { kind: latest.status === "USER_DROPPED" ? "dropped" : "failed", message: latest.message || "" };
}

function newOrder() {
  if (page.watch) {
    page.watch.close();
  }
  page.order = null;
  page.lastView = null;
  page.lastOutcome = null;
  setTitle("Checkout");
  $("payment-panel").hidden = true;
  $("checkout-form").hidden = false;
  if (queryParam("order_id")) {
    window.history.replaceState(null, "", "/checkout");
  }
  $("amount").focus();
}

/**
 * `/checkout?order_id=…` reopens an unpaid order this tab created, e.g. from /failure;
 * with `&retry=1` it goes straight back to paying, the last attempt's reason on screen.
 */
async function resume(orderId, payNow, sdkReady) {
  const saved = sessions.lookup(orderId);
  let view = null;
  try {
    const response = await requestJson(`/api/payment/status/${encodeURIComponent(orderId)}`);
    view = response.ok ? response.body : null;
  } catch {
    view = null;
  }
  if (!saved || !view) {
    showNotice($("form-errors"), "warn", "That order cannot be resumed here. Please start a new payment.");
    return;
  }
  if (isFinalStatus(view.status)) {
    const target = view.status === "SUCCESS" ? "success" : "failure";
    window.location.replace(`/${target}?order_id=${encodeURIComponent(orderId)}`);
    return;
  }
  const known = attemptIds(view);
  page.order = { orderId, sessionId: saved.paymentSessionId, amount: view.amount || saved.amount };
  page.lastView = view;
  page.lastOutcome = previousOutcome(view);
  const latest = latestAttempt(view);
  const confirming = Boolean(latest && latest.status === "PENDING");
  if (payNow) {
    // A reload must not open the payment window again by itself.
    window.history.replaceState(null, "", `/checkout?order_id=${encodeURIComponent(orderId)}`);
  }
  if (payNow && !confirming) {
    await sdkReady;
    if (page.cashfree) {
      await startPayment(known, "modal");
      return;
    }
  }
  showPanel();
  settlement.arm(known);
  watchOrder();
  if (confirming) {
    setTitle("Confirming your payment");
    setStatus(spinnerText(CONFIRMING));
    return;
  }
  setStatus(paragraph("This order is not paid yet."));
  showActions(true);
}

function init() {
  $("checkout-form").addEventListener("submit", onSubmit);
  $("amount").addEventListener("input", () => {
    $("pay-button").textContent = payLabel();
  });
  $("retry-button").addEventListener("click", retry);
  $("new-order-button").addEventListener("click", newOrder);
  loadPlans();
  const sdkReady = loadSdk();
  const orderId = queryParam("order_id");
  if (orderId) {
    resume(orderId, queryParam("retry") === "1", sdkReady);
  }
}

init();
