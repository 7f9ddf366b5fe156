// The checkout form's rules, mirroring the server's (domain Money and Customer), applied to
// what Indian customers type: "₹1,000", "1,00,000.50", "+91 98765 43210", "09876543210".
// The form sends the plain forms ("1000.00", "9876543210"); the server stays the authority,
// and its limits are these (domain/customer.py: names 3 to 100 characters, e-mail up to 100).

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
// Western (1,000,000) or Indian (10,00,000) digit grouping, or none.
const GROUPED = /^(\d{1,3}(?:,\d{3})+|\d{1,2}(?:,\d{2})*,\d{3}|\d+)(?:\.(\d*))?$/;
const CURRENCY = /^(?:₹|rs\.?|inr)\s*|\s*(?:₹|rs\.?|inr|\/-)$/gi;
const PHONE_SEPARATORS = /[\s().-]/g;
// An optional country code (+91, 0091, 91) or trunk prefix (0), then the 10-digit number.
const PHONE = /^(?:\+91|0091|91|0)?([6-9]\d{9})$/;
const MIN_PAISE = 100;
const MAX_PAISE = 50000000;
const NAME_MIN = 3;
const NAME_MAX = 100;
const EMAIL_MAX = 100;

// Each message says what to do, starts with a capital and never repeats its field's label:
// the form shows it under the label, and the summary puts the label before it.
export const MESSAGES = {
  amountRequired: "Enter how much to pay in rupees, for example 499.50.",
  amountFormat: "Use digits only, for example 1,000 or 499.50.",
  amountDecimals: "Use at most 2 digits after the decimal point, for example 499.50.",
  amountRange: "Enter a sum from ₹1.00 to ₹5,00,000.00.",
  name: `Enter your name as your bank knows it, ${NAME_MIN} to ${NAME_MAX} characters.`,
  email: "Enter an address like name@example.com.",
  phone: "Enter 10 digits starting with 6, 7, 8 or 9, for example 98765 43210.",
};

/** Read an amount as typed: `{amount: "1000.00"}` in rupees and paise, or `{error}`. */
export function readAmount(raw) {
  const text = String(raw || "").trim().replace(CURRENCY, "").trim();
  if (text === "") {
    return { error: MESSAGES.amountRequired };
  }
  const match = GROUPED.exec(text);
  if (!match) {
    return { error: MESSAGES.amountFormat };
  }
  const fraction = match[2] || "";
  if (fraction.length > 2) {
    return { error: MESSAGES.amountDecimals };
  }
  const whole = match[1].replaceAll(",", "").replace(/^0+(?=\d)/, "");
  if (whole.length > 6) {
    return { error: MESSAGES.amountRange };
  }
  const paise = Number(whole) * 100 + Number(fraction.padEnd(2, "0"));
  if (paise < MIN_PAISE || paise > MAX_PAISE) {
    return { error: MESSAGES.amountRange };
  }
  return { amount: `${whole}.${fraction.padEnd(2, "0")}` };
}

/** The 10-digit mobile number in what was typed, or null. */
export function normalizePhone(raw) {
  const match = PHONE.exec(String(raw || "").trim().replace(PHONE_SEPARATORS, ""));
  return match ? match[1] : null;
}

export function normalizeName(raw) {
  return String(raw || "").trim().split(/\s+/).filter(Boolean).join(" ");
}

/**
 * Every invalid field at once, as the server reports them: `errors` is [{field, message}];
 * `values` holds what the form sends when there is none.
 */
export function validateCheckout(values) {
  const errors = [];
  const amount = readAmount(values.amount);
  if (amount.error) {
    errors.push({ field: "amount", message: amount.error });
  }
  const name = normalizeName(values.customerName);
  if (name.length < NAME_MIN || name.length > NAME_MAX) {
    errors.push({ field: "customerName", message: MESSAGES.name });
  }
  const email = String(values.customerEmail || "").trim();
  if (email.length > EMAIL_MAX || !EMAIL.test(email)) {
    errors.push({ field: "customerEmail", message: MESSAGES.email });
  }
  const phone = normalizePhone(values.customerPhone);
  if (!phone) {
    errors.push({ field: "customerPhone", message: MESSAGES.phone });
  }
  return {
    errors,
    values: { amount: amount.amount, customerName: name, customerEmail: email, customerPhone: phone },
  };
}
