/*
 * The Cashfree simulator's stand-in for Cashfree JS v3 (sdk.cashfree.com/js/v3/cashfree.js).
 *
 * Same browser API: `Cashfree({mode}).checkout({paymentSessionId, redirectTarget})` returns a
 * Promise. The hosted checkout pages live next to this script, so the simulator's base URL is
 * read from this script's own src: it works mounted under a prefix or served at the root.
 */
(function (global) {
  "use strict";

  var MODES = ["sandbox", "production"];
  var TARGETS = ["_self", "_top", "_blank", "_modal"];
  var RESULT_TYPE = "cashfree-simulator:result";

  function scriptBase() {
    var script = document.currentScript;
    if (!script) {
      var scripts = document.querySelectorAll("script[src]");
      for (var i = scripts.length - 1; i >= 0; i -= 1) {
        if (/\/cashfree\.js(?:[?#]|$)/.test(scripts[i].src)) {
          script = scripts[i];
          break;
        }
      }
    }
    var src = script ? script.src : global.location.href;
    return src.replace(/[?#].*$/, "").replace(/\/[^/]*$/, "");
  }

  var BASE = scriptBase();
  var BASE_ORIGIN = new URL(BASE, global.location.href).origin;

  function error(message, code, type) {
    return { error: { message: message, code: code, type: type } };
  }

  function checkoutUrl(sessionId, flow) {
    var url = BASE + "/checkout/" + encodeURIComponent(sessionId) + "?flow=" + flow;
    if (flow === "modal") {
      url += "&parent_origin=" + encodeURIComponent(global.location.origin);
    }
    return url;
  }

  /* Maps the hosted page's message to the result Cashfree's promise resolves with: a
   * completed payment (SUCCESS, or PENDING at the bank) gives paymentDetails, anything else
   * an error the merchant's page can show. */
  function resultFor(data) {
    if (data.status === "SUCCESS" || data.status === "PENDING") {
      return {
        paymentDetails: {
          paymentMessage: data.message || "Payment " + data.status.toLowerCase(),
          paymentStatus: data.status,
          orderId: data.orderId,
          cfPaymentId: data.cfPaymentId
        }
      };
    }
    if (data.status === "USER_DROPPED") {
      return error(data.message || "The customer dropped the payment", "payment_cancelled",
        "user_action");
    }
    return error(data.message || "The payment failed", "payment_failed", "payment_error");
  }

  var open = null;

  function closeOpenCheckout(result) {
    if (!open) {
      return;
    }
    var current = open;
    open = null;
    global.removeEventListener("message", current.onMessage);
    document.removeEventListener("keydown", current.onKey, true);
    current.container.remove();
    if (current.restoreFocus && typeof current.restoreFocus.focus === "function") {
      current.restoreFocus.focus();
    }
    current.resolve(result);
  }

  function buildFrame(sessionId) {
    var frame = document.createElement("iframe");
    frame.src = checkoutUrl(sessionId, "modal");
    frame.title = "Cashfree checkout";
    frame.setAttribute("data-cashfree-checkout", "frame");
    frame.style.cssText = "border:0;width:100%;height:100%;display:block;background:#fff";
    return frame;
  }

  function buildOverlay(frame, onClose) {
    var overlay = document.createElement("div");
    overlay.setAttribute("data-cashfree-checkout", "overlay");
    overlay.style.cssText = "position:fixed;inset:0;z-index:2147483646;display:flex;" +
      "align-items:center;justify-content:center;background:rgba(15,23,42,.6)";
    var dialog = document.createElement("div");
    dialog.setAttribute("role", "dialog");
    dialog.setAttribute("aria-modal", "true");
    dialog.setAttribute("aria-label", "Cashfree checkout");
    dialog.style.cssText = "position:relative;width:min(480px,100vw);height:min(680px,100vh);" +
      "background:#fff;border-radius:8px;overflow:hidden;box-shadow:0 10px 40px rgba(0,0,0,.4)";
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "\u00d7";
    close.setAttribute("aria-label", "Close checkout");
    close.setAttribute("data-cashfree-checkout", "close");
    close.style.cssText = "position:absolute;top:6px;right:6px;z-index:1;width:40px;" +
      "height:40px;font-size:24px;line-height:1;border:0;border-radius:50%;" +
      "background:#f1f5f9;color:#0f172a;cursor:pointer";
    close.addEventListener("click", onClose);
    dialog.appendChild(close);
    dialog.appendChild(frame);
    overlay.appendChild(dialog);
    return { container: overlay, close: close };
  }

  function embed(sessionId, target) {
    return new Promise(function (resolve) {
      if (open) {
        resolve(error("A checkout is already open", "checkout_already_open",
          "validation_error"));
        return;
      }
      var frame = buildFrame(sessionId);
      var cancel = function () {
        closeOpenCheckout(error("The customer closed the checkout", "payment_cancelled",
          "user_action"));
      };
      var container;
      var focusTarget = frame;
      if (target === "_modal") {
        var overlay = buildOverlay(frame, cancel);
        container = overlay.container;
        focusTarget = overlay.close;
        document.body.appendChild(container);
      } else {
        container = document.createElement("div");
        container.style.cssText = "width:100%;height:100%";
        container.appendChild(frame);
        target.appendChild(container);
      }
      var onMessage = function (event) {
        if (event.origin !== BASE_ORIGIN || event.source !== frame.contentWindow) {
          return;
        }
        var data = event.data;
        if (!data || data.type !== RESULT_TYPE) {
          return;
        }
        closeOpenCheckout(resultFor(data));
      };
      var onKey = function (event) {
        if (event.key === "Escape" && target === "_modal") {
          event.preventDefault();
          cancel();
        }
      };
      open = {
        container: container,
        onMessage: onMessage,
        onKey: onKey,
        resolve: resolve,
        restoreFocus: document.activeElement
      };
      global.addEventListener("message", onMessage);
      document.addEventListener("keydown", onKey, true);
      focusTarget.focus();
    });
  }

  function navigate(sessionId, target) {
    var url = checkoutUrl(sessionId, "redirect");
    if (target === "_blank") {
      var opened = global.open(url, "_blank");
      if (!opened) {
        return Promise.resolve(error("The browser blocked the checkout window",
          "popup_blocked", "action_error"));
      }
      return Promise.resolve({ redirect: true });
    }
    var win = global;
    if (target === "_top") {
      try {
        win = global.top || global;
        void win.location.href;
      } catch (crossOrigin) {
        win = global;
      }
    }
    win.location.assign(url);
    return new Promise(function () {});
  }

  function checkout(options) {
    var opts = options || {};
    var sessionId = opts.paymentSessionId;
    if (typeof sessionId !== "string" || sessionId === "") {
      return Promise.resolve(error("paymentSessionId is required",
        "payment_session_id_invalid", "validation_error"));
    }
    var target = opts.redirectTarget === undefined ? "_self" : opts.redirectTarget;
    if (target && typeof target === "object" && target.nodeType === 1) {
      return embed(sessionId, target);
    }
    if (TARGETS.indexOf(target) < 0) {
      return Promise.resolve(error("redirectTarget must be one of " + TARGETS.join(", "),
        "redirect_target_invalid", "validation_error"));
    }
    if (target === "_modal") {
      return embed(sessionId, target);
    }
    return navigate(sessionId, target);
  }

  function Cashfree(config) {
    var mode = config && config.mode;
    if (MODES.indexOf(mode) < 0) {
      throw new Error("Cashfree: mode must be \"sandbox\" or \"production\"");
    }
    return {
      mode: mode,
      simulator: true,
      checkout: checkout
    };
  }

  global.Cashfree = Cashfree;
})(window);
