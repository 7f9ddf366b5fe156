// Words for the gateway's codes: no raw code (FAILED, USER_DROPPED, upi, credit_card)
// reaches a page. Customers and operators read the same words for the same thing.

import { formatInr } from "./common.js";

const METHODS = {
  upi: "UPI",
  card: "Card",
  credit_card: "Credit card",
  debit_card: "Debit card",
  prepaid_card: "Prepaid card",
  net_banking: "Net banking",
  netbanking: "Net banking",
  wallet: "Wallet",
  app: "Wallet",
  emi: "EMI",
  credit_card_emi: "Credit card EMI",
  debit_card_emi: "Debit card EMI",
  cardless_emi: "Cardless EMI",
  pay_later: "Pay later",
  paylater: "Pay later",
  bank_transfer: "Bank transfer",
  banktransfer: "Bank transfer",
};

// An order's payment status, as the status view and the operator's order list give it.
const PAYMENT_STATUSES = {
  SUCCESS: "Paid",
  PENDING: "Awaiting payment",
  FAILED: "Declined",
  USER_DROPPED: "Dropped out",
  CANCELLED: "Cancelled",
  VOID: "Voided",
  EXPIRED: "Expired",
  TERMINATED: "Cancelled by the shop",
};

// One payment attempt's status.
const ATTEMPT_STATUSES = {
  ...PAYMENT_STATUSES,
  PENDING: "Pending at the bank",
  NOT_ATTEMPTED: "Not attempted",
};

const ORDER_STATUSES = {
  CREATED: "Being created",
  ACTIVE: "Open",
  PAID: "Paid",
  EXPIRED: "Expired",
  TERMINATED: "Cancelled",
  FAILED_TO_CREATE: "Not created",
};

const REFUND_STATES = {
  PENDING: "Pending",
  SUCCESS: "Done",
  FAILED: "Failed",
  CANCELLED: "Cancelled",
};

// Attempt statuses after which the gateway holds no money of the customer's.
const NOTHING_TAKEN = new Set(["FAILED", "USER_DROPPED", "CANCELLED", "VOID", "NOT_ATTEMPTED"]);

/** "SOME_CODE" or "some_code" -> "Some code": for a code no table knows yet. */
function sentence(code) {
  const text = String(code).replaceAll("_", " ").toLowerCase();
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function lookup(table, code) {
  return code ? table[code] || sentence(code) : "";
}

export function methodInWords(code) {
  return code ? METHODS[String(code).toLowerCase()] || sentence(code) : "";
}

export const paymentStatusInWords = (code) => lookup(PAYMENT_STATUSES, code);
export const attemptStatusInWords = (code) => lookup(ATTEMPT_STATUSES, code);
export const orderStatusInWords = (code) => lookup(ORDER_STATUSES, code);
export const refundStateInWords = (code) => lookup(REFUND_STATES, code);

/** True when the gateway reports every attempt of an unpaid order as ended without payment. */
export function nothingTaken(view) {
  return (
    Boolean(view) &&
    view.status !== "SUCCESS" &&
    (view.attempts || []).every((attempt) => NOTHING_TAKEN.has(attempt.status))
  );
}

/** What an order's refunds returned or are returning (`refunded`, `refunding` of its view):
 * an order stays paid when refunded, so wherever it shows, this says so. */
export function refundsInWords(order) {
  return [
    order.refunded ? `Refunded ${formatInr(order.refunded)}.` : "",
    order.refunding ? `${formatInr(order.refunding)} being refunded.` : "",
  ].filter(Boolean);
}

/** An order row's line on its refunds: what they returned and are returning, and the
 * banks' references (ARN) a customer's bank traces the returned ones by; "" for none. */
export function refundHint(order) {
  const references = order.refundReferences || [];
  const named = references.length
    ? `Bank reference${references.length > 1 ? "s" : ""} ${references.join(", ")}.`
    : "";
  return [...refundsInWords(order), named].filter(Boolean).join(" ");
}
