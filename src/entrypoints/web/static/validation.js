// The checkout form's rules, mirroring the server's (domain Money and Customer).
// The server stays the authority: its `details` are shown the same way.

const AMOUNT = /^\d+(?:\.\d{1,2})?$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^[6-9]\d{9}$/;
const MIN_PAISE = 100;
const MAX_PAISE = 50000000;
const NAME_MIN = 2;
const NAME_MAX = 100;
const EMAIL_MAX = 254;

export const MESSAGES = {
  amountRequired: "amount is required and must be a number",
  amountDecimals: "amount must have at most 2 decimal places",
  amountRange: "amount must be between 1.00 and 500000.00 INR",
  name: `name must be ${NAME_MIN} to ${NAME_MAX} characters`,
  email: "a valid e-mail address is required",
  phone: "a valid 10-digit Indian mobile number is required",
};

function amountError(raw) {
  const text = raw.trim();
  if (text === "") {
    return MESSAGES.amountRequired;
  }
  if (/^\d+\.\d{3,}$/.test(text)) {
    return MESSAGES.amountDecimals;
  }
  if (!AMOUNT.test(text)) {
    return MESSAGES.amountRequired;
  }
  const [whole, fraction = ""] = text.split(".");
  const digits = whole.replace(/^0+(?=\d)/, "");
  if (digits.length > 6) {
    return MESSAGES.amountRange;
  }
  const paise = Number(digits) * 100 + Number(fraction.padEnd(2, "0"));
  return paise < MIN_PAISE || paise > MAX_PAISE ? MESSAGES.amountRange : null;
}

/** Every invalid field at once, as the server reports them: [{field, message}]. */
export function validateCheckout(values) {
  const errors = [];
  const amount = amountError(values.amount || "");
  if (amount) {
    errors.push({ field: "amount", message: amount });
  }
  const name = (values.customerName || "").trim().split(/\s+/).filter(Boolean).join(" ");
  if (name.length < NAME_MIN || name.length > NAME_MAX) {
    errors.push({ field: "customerName", message: MESSAGES.name });
  }
  const email = (values.customerEmail || "").trim().toLowerCase();
  if (email.length > EMAIL_MAX || !EMAIL.test(email)) {
    errors.push({ field: "customerEmail", message: MESSAGES.email });
  }
  if (!PHONE.test((values.customerPhone || "").trim())) {
    errors.push({ field: "customerPhone", message: MESSAGES.phone });
  }
  return errors;
}
