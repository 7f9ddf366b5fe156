/*
 * The hosted checkout page: posts the chosen outcome to the simulator, then either tells the
 * merchant's page (modal flow, via postMessage) or returns the customer to the order's
 * return_url (redirect flow).
 */
(function () {
  "use strict";

  var RESULT_TYPE = "cashfree-simulator:result";
  var CLOSE_TYPE = "cashfree-simulator:close";
  var root = document.getElementById("checkout");
  var statusLine = document.getElementById("status");
  var buttons = root.querySelectorAll("button[data-outcome]");
  var failureMessage = document.getElementById("failure-message");
  var pendingMs = parseInt(root.dataset.pendingMs, 10) || 0;

  function say(text, tone) {
    statusLine.textContent = text;
    statusLine.className = tone || "";
  }

  function setBusy(busy) {
    root.setAttribute("aria-busy", busy ? "true" : "false");
    for (var i = 0; i < buttons.length; i += 1) {
      buttons[i].disabled = busy;
    }
  }

  function pay(body) {
    return fetch(root.dataset.payUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) {
          throw new Error(data.message || "The simulator refused the payment");
        }
        return data;
      });
    });
  }

  function tellParent(message) {
    var parentOrigin = root.dataset.parentOrigin;
    if (root.dataset.flow === "modal" && window.parent !== window && parentOrigin) {
      window.parent.postMessage(message, parentOrigin);
    }
  }

  function finish(answer) {
    var payment = answer.payment;
    var status = payment.payment_status;
    var message = payment.payment_message || status;
    if (status === "SUCCESS") {
      say("Payment successful: " + message, "success");
    } else if (status === "PENDING") {
      say("Payment pending: " + message);
    } else if (status === "USER_DROPPED") {
      say("You left without paying.", "failure");
    } else {
      say("Payment failed: " + message, "failure");
    }
    if (root.dataset.flow === "modal") {
      tellParent({
        type: RESULT_TYPE,
        status: status,
        message: message,
        orderId: payment.order_id,
        cfPaymentId: payment.cf_payment_id
      });
      return;
    }
    if (answer.redirect_url) {
      window.location.replace(answer.redirect_url);
    } else {
      setBusy(false);
    }
  }

  function settlePending(payment, method) {
    say("Waiting for your bank to confirm the payment\u2026");
    window.setTimeout(function () {
      pay({ outcome: "SUCCESS", method: method, cf_payment_id: String(payment.cf_payment_id) })
        .then(finish)
        .catch(fail);
    }, pendingMs);
  }

  function fail(err) {
    say(err.message, "failure");
    setBusy(false);
  }

  function choose(button) {
    var outcome = button.dataset.outcome;
    var method = button.dataset.method;
    var body = { outcome: outcome, method: method };
    if (outcome === "FAILED") {
      body.message = failureMessage.value;
    }
    setBusy(true);
    say("Processing\u2026");
    pay(body).then(function (answer) {
      if (answer.payment.payment_status === "PENDING" && outcome === "PENDING") {
        settlePending(answer.payment, method);
        return;
      }
      finish(answer);
    }).catch(fail);
  }

  /* In the modal, Escape closes the window even while focus is inside this page. */
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      tellParent({ type: CLOSE_TYPE });
    }
  });

  for (var i = 0; i < buttons.length; i += 1) {
    buttons[i].addEventListener("click", function (event) {
      choose(event.currentTarget);
    });
  }
  /* The buttons show before this script runs; tests and embedders wait for this mark. */
  root.dataset.ready = "true";
})();
