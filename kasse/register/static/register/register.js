/* The selling screen: scans, payment, discounts, overlays, auto-lock. Server renders; this glues. */
(function () {
  "use strict";
  const root = document.getElementById("register");
  const overlay = document.getElementById("overlay");
  const toast = document.getElementById("toast");
  // Texts: gettext() of Django's JavaScript catalog (/jsi18n/<language>.js from djangojs.po, loaded before this file).
  const cents = (value) => Math.round(Number(value) * 100);

  // --- scanning ---------------------------------------------------------------
  function submitCode(code) {
    // A field that takes a scan as it is (a pre-printed gift card's code) gets it without submitting.
    const field = overlay.querySelector("[data-scan-field]");
    if (field) { field.value = code; return; }
    // An open form that takes scans (the returns screen, the pay panel's gift card) gets the code instead of the cart.
    const into = overlay.querySelector("[data-scan-into]");
    if (into) { into.querySelector("[name=code]").value = code; htmx.trigger(into, "submit"); return; }
    // The code goes with this request itself: scans that come while one is answered wait in the form's queue
    // (hx-sync "queue all"), and a queued request reads the form only when it is sent, by then the last code.
    // Target and swap are the form's own, looked up when the request is sent (the cart it replaces is new by then).
    const form = document.getElementById("code-form");
    htmx.ajax("POST", form.getAttribute("hx-post"), { source: form, values: { code } });
  }
  new window.KasseWedgeScanner({
    layout: root.dataset.scannerLayout, prefix: root.dataset.scannerPrefix, suffix: root.dataset.scannerSuffix,
    maxGap: root.dataset.scannerGap, minLength: root.dataset.scannerMin, onScan: submitCode,
  });
  // Scans from scanners on the store node (peripherals/scanner_ws.js) take the same path.
  document.addEventListener("kasse:scan", (event) => submitCode(event.detail.code));
  const search = document.getElementById("product-search");
  search.addEventListener("keydown", (event) => {
    // A code typed by hand (or a scanner too slow to count as a burst) and Enter: scan it.
    if (event.key === "Enter" && /^[0-9A-Za-z.\-]{4,48}$/.test(search.value.trim())) {
      event.preventDefault();
      submitCode(search.value.trim());
      search.value = "";
    }
  });

  // --- messages ---------------------------------------------------------------
  function showToast(text) {
    toast.textContent = text;
    toast.classList.add("show");
    clearTimeout(showToast.timer);
    showToast.timer = setTimeout(() => toast.classList.remove("show"), 4000);
  }
  document.body.addEventListener("kasse:error", (event) => showToast(event.detail.value));
  document.body.addEventListener("htmx:responseError", (event) => {
    if (event.detail.xhr.status >= 500) showToast(gettext("Server error. Please try again."));
  });
  document.body.addEventListener("htmx:sendError", () => showToast(gettext("No connection.")));
  // Error responses still carry the cart; swap them in.
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail.xhr.status === 422) { event.detail.shouldSwap = true; event.detail.isError = false; }
  });

  // --- overlays: every dialog is a server-rendered partial (templates/register/partials/) ----------
  function openOverlay(url, values) {
    return htmx.ajax("GET", url, { target: "#overlay", swap: "innerHTML", values: values || {} });
  }
  function closeOverlay() { overlay.replaceChildren(); overlay.classList.remove("open"); }
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target === overlay && overlay.children.length) {
      overlay.classList.add("open");
      const focus = overlay.querySelector("[autofocus]");
      if (focus) focus.focus();
    }
    if (event.detail.target.id === "grid") markActiveTab();
  });
  // A dialog form that changed the cart closes once the server answered.
  // So does a button that both sends and closes (resume a parked cart, pick a variant): closing it
  // at once would take it out of the page while htmx still sends from it.
  const sends = (el) => el.hasAttribute("hx-post") || el.hasAttribute("hx-get");
  document.body.addEventListener("htmx:afterRequest", (event) => {
    const elt = event.detail.elt;
    if (elt.matches && (elt.matches("form[data-close-after-request]") || (elt.matches("[data-close-overlay]") && sends(elt)))) closeOverlay();
  });
  document.addEventListener("click", (event) => {
    const el = event.target.closest("[data-close-overlay]");
    if (el && !sends(el)) closeOverlay();
  });
  document.addEventListener("keydown", (event) => { if (event.key === "Escape") closeOverlay(); });

  function currentCart() { return document.getElementById("cart"); }
  function refreshCart() { htmx.ajax("GET", root.dataset.cartUrl || "/register/cart/", { target: "#cart", swap: "outerHTML" }); }

  // --- product grid: the tab of what the grid shows is the highlighted one ----------------------
  function markActiveTab() {
    const tiles = document.querySelector("#grid [data-grid-category]");
    const shown = tiles ? tiles.dataset.gridCategory : "";
    document.querySelectorAll("[data-testid=category-tabs] .tab").forEach((tab) => {
      const active = tab.dataset.category === shown;
      tab.classList.toggle("active", active);
      tab.setAttribute("aria-pressed", active ? "true" : "false");
    });
  }

  // --- quantity key: "6" then "*" (or ×) in the search box sets the quantity of the next product ---
  search.addEventListener("keydown", (event) => {
    if ((event.key === "*" || event.key === "×") && /^[0-9]{1,3}$/.test(search.value.trim())) {
      event.preventDefault();
      htmx.ajax("POST", root.dataset.timesUrl, { target: "#cart", swap: "outerHTML", values: { times: search.value.trim() } });
      search.value = "";
    }
  });

  // --- payment: the register keeps the tenders given so far; the server draws the panel ---------
  let tenders = [];
  function due() { return cents(currentCart().dataset.total); }
  function paid() { return tenders.reduce((sum, p) => sum + p.cents, 0); }
  function tendersJson() {
    return JSON.stringify(tenders.map((p) => ({ method: p.method, amount: (p.cents / 100).toFixed(2), reference: p.reference || "" })));
  }
  function renderPay() { return openOverlay(root.dataset.payPanelUrl, { payments: tendersJson() }); }

  function addTender(method, amountCents) {
    if (!(amountCents > 0)) { showToast(gettext("Please enter an amount.")); return; }
    tenders.push({ method, cents: amountCents });
    if (paid() >= due()) finishPayment(); else renderPay();
  }

  // Card payments go through a terminal driver. The default driver is an external (standalone)
  // terminal: the cashier takes the payment there and confirms the result here. A connected
  // terminal (ZVT) replaces window.KasseCardTerminal.charge and reports live status instead.
  let cardAnswer = null;
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-card-result]");
    if (button && cardAnswer) {
      const answer = cardAnswer;
      cardAnswer = null;
      answer({
        approved: button.dataset.cardResult === "approved",
        reference: button.dataset.cardReference || "",
        method: button.dataset.tenderMethod || "card",
      });
    }
  });
  // A connected terminal's final partial carries the approved payment; it continues by itself.
  document.body.addEventListener("htmx:afterSwap", () => {
    const auto = overlay.querySelector("[data-card-auto]");
    if (auto && cardAnswer) auto.click();
  });
  window.KasseCardTerminal = window.KasseCardTerminal || {
    charge(amountCents) {
      return new Promise((resolve) => {
        cardAnswer = resolve;
        openOverlay(root.dataset.cardStepUrl, { amount: (amountCents / 100).toFixed(2) });
      });
    },
  };

  function chargeCard(amountCents) {
    if (!(amountCents > 0)) { showToast(gettext("Please enter an amount.")); return; }
    window.KasseCardTerminal.charge(amountCents).then((result) => {
      if (result.approved) {
        tenders.push({ method: "card", cents: amountCents, reference: result.reference || "" });
        if (paid() >= due()) finishPayment(); else renderPay();
      } else {
        showToast(gettext("Card payment declined."));
        renderPay();
      }
    });
  }

  // A customer's payment code (Bluecode, ...), scanned wherever the focus is: the server recognised it
  // (kasse:payment-code) and the register pays what is still due (or the amount typed) through its provider.
  document.body.addEventListener("kasse:payment-code", (event) => {
    const rest = Math.max(due() - paid(), 0);
    const field = overlay.querySelector("#tender-amount");
    const typed = field && field.value ? cents(field.value.replace(",", ".")) : 0;
    const amount = typed > 0 ? Math.min(typed, rest) : rest;
    if (!(amount > 0)) { showToast(gettext("Nothing is due.")); return; }
    new Promise((resolve) => {
      cardAnswer = resolve;
      htmx.ajax("POST", root.dataset.qrStartUrl, { target: "#overlay", swap: "innerHTML",
        values: { code: event.detail.value, amount: (amount / 100).toFixed(2) } });
    }).then((result) => {
      if (result.approved) {
        tenders.push({ method: result.method, cents: amount, reference: result.reference || "" });
        if (paid() >= due()) finishPayment(); else renderPay();
      } else {
        renderPay();
      }
    });
  });

  let paying = false;
  function finishPayment() {
    if (paying) return;  // a second tap on "pay" does nothing
    paying = true;
    // The cart shown is sent along: a repeated pay of a cart that was paid meanwhile gets that sale's done screen.
    htmx.ajax("POST", "/register/cart/pay/", { target: "#overlay", swap: "innerHTML",
      values: { payments: tendersJson(), cart: currentCart().dataset.cart || "" } })
      .finally(() => { paying = false; });
  }

  document.addEventListener("click", (event) => {
    const el = event.target.closest("[data-pay],[data-cash],[data-tender],[data-next-customer],[data-voucher-tender]");
    if (!el) return;
    if (el.matches("[data-pay]")) { tenders = []; renderPay(); }
    else if (el.matches("[data-voucher-tender]")) {
      // A gift card pays what the server said it can (its balance, at most what is due); checked again at checkout.
      tenders.push({ method: "voucher", cents: Number(el.dataset.voucherCents), reference: el.dataset.voucherCode });
      if (paid() >= due()) finishPayment(); else renderPay();
    }
    else if (el.matches("[data-cash]")) addTender("cash", Number(el.dataset.cash));
    else if (el.matches("[data-tender]")) {
      const typed = document.getElementById("tender-amount").value.replace(",", ".");
      const rest = Math.max(due() - paid(), 0);
      const amount = typed ? cents(typed) : rest;
      if (el.dataset.tender === "card") chargeCard(Math.min(amount, rest));
      else addTender("cash", amount);
    } else if (el.matches("[data-next-customer]")) { tenders = []; closeOverlay(); refreshCart(); search.focus(); }
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.target.id === "tender-amount") {
      event.preventDefault();
      document.querySelector("[data-tender=cash]").click();
    }
  });
  document.body.addEventListener("kasse:error", () => {
    // A refused payment: start the tenders again on the refreshed amount.
    if (overlay.querySelector("[data-testid=pay-panel]")) { tenders = []; renderPay(); }
  });
  document.body.addEventListener("kasse:customer-attached", () => { closeOverlay(); refreshCart(); });
  document.body.addEventListener("kasse:sale-completed", () => { tenders = []; refreshCart(); });

  // Connectivity and sync state: the badge of kasse/sync (sync/register-status.js). Auto-lock: autolock.js.
  document.body.dataset.ready = "1";  // scanner and handlers are live (tests wait for this)
})();
