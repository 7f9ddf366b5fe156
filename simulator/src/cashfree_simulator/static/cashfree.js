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
  var CLOSE_TYPE = "cashfree-simulator:close";
  var HEADER_PX = 52;

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
    current.inerted.forEach(function (node) {
      node.inert = false;
    });
    if (current.restoreFocus && current.restoreFocus.isConnected &&
        typeof current.restoreFocus.focus === "function") {
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

  /* While the modal is open nothing behind it can be focused or read: every other child of
   * <body> is made inert (and given back on close). Returns the nodes changed. */
  function inertBehind(container) {
    var changed = [];
    var children = document.body.children;
    for (var i = 0; i < children.length; i += 1) {
      var node = children[i];
      if (node !== container && !node.inert && node.tagName !== "SCRIPT") {
        node.inert = true;
        changed.push(node);
      }
    }
    return changed;
  }

  /* A focusable guard at each end of the dialog sends Tab round: past the checkout back to
   * the close button, and Shift+Tab from the close button into the checkout. */
  function focusGuard(onFocus) {
    var guard = document.createElement("span");
    guard.tabIndex = 0;
    guard.setAttribute("data-cashfree-checkout", "focus-guard");
    guard.addEventListener("focus", onFocus);
    return guard;
  }

  /* Shift+Tab from the close button wraps to the checkout's last control when the frame is
   * readable (same origin), else to the frame itself. */
  function focusLastIn(frame) {
    try {
      var controls = frame.contentDocument.querySelectorAll(
        "button:not([disabled]), select:not([disabled]), input:not([disabled]), a[href]");
      if (controls.length) {
        controls[controls.length - 1].focus();
        return;
      }
    } catch (crossOrigin) {
      /* another origin's page: focus the frame, its own Tab order takes over */
    }
    frame.focus();
  }

  /* The dialog: a bar with the close button above the checkout frame, so the button never
   * covers the page and both fit a 360 px screen. */
  function buildOverlay(frame, onClose) {
    var overlay = document.createElement("div");
    overlay.setAttribute("data-cashfree-checkout", "overlay");
    overlay.style.cssText = "position:fixed;inset:0;z-index:2147483646;display:flex;" +
      "align-items:center;justify-content:center;background:rgba(15,23,42,.6)";
    var dialog = document.createElement("div");
    dialog.setAttribute("role", "dialog");
    dialog.setAttribute("aria-modal", "true");
    dialog.setAttribute("aria-label", "Cashfree checkout");
    dialog.setAttribute("data-cashfree-checkout", "dialog");
    dialog.style.cssText = "display:flex;flex-direction:column;width:min(480px,100%);" +
      "height:min(720px,100%);background:#fff;border-radius:8px;overflow:hidden;" +
      "box-shadow:0 10px 40px rgba(0,0,0,.4)";
    var bar = document.createElement("div");
    bar.style.cssText = "flex:0 0 " + HEADER_PX + "px;display:flex;align-items:center;" +
      "justify-content:space-between;gap:8px;padding:0 4px 0 16px;" +
      "border-bottom:1px solid #e2e8f0;font:600 15px/1.2 system-ui,sans-serif;color:#0f172a";
    var title = document.createElement("span");
    title.textContent = "Secure checkout";
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "\u00d7";
    close.setAttribute("aria-label", "Close checkout");
    close.setAttribute("data-cashfree-checkout", "close");
    close.style.cssText = "flex:0 0 44px;width:44px;height:44px;font-size:26px;line-height:1;" +
      "border:0;border-radius:50%;background:#f1f5f9;color:#0f172a;cursor:pointer";
    close.addEventListener("click", onClose);
    bar.appendChild(title);
    bar.appendChild(close);
    frame.style.flex = "1 1 0";
    frame.style.minHeight = "0";
    dialog.appendChild(focusGuard(function () {
      focusLastIn(frame);
    }));
    dialog.appendChild(bar);
    dialog.appendChild(frame);
    dialog.appendChild(focusGuard(function () {
      close.focus();
    }));
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
        if (data && data.type === CLOSE_TYPE && target === "_modal") {
          cancel();
        } else if (data && data.type === RESULT_TYPE) {
          closeOpenCheckout(resultFor(data));
        }
      };
      var onKey = function (event) {
        if (event.key === "Escape" && target === "_modal") {
          event.preventDefault();
          cancel();
        }
      };
      open = {
        container: container,
        inerted: target === "_modal" ? inertBehind(container) : [],
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
