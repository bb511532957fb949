/* The selling screen: scans, payment, discounts, overlays, auto-lock. Server renders; this glues. */
(function () {
  "use strict";
  const root = document.getElementById("register");
  const overlay = document.getElementById("overlay");
  const toast = document.getElementById("toast");
  const lang = document.documentElement.lang || "de";
  const t = (de, en) => (lang.startsWith("de") ? de : en);
  const money = new Intl.NumberFormat(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const cents = (value) => Math.round(Number(value) * 100);
  const euros = (c) => money.format(c / 100) + " €";

  // --- scanning ---------------------------------------------------------------
  function submitCode(code) {
    // An open form that takes scans (the returns screen) gets the code instead of the cart.
    const into = overlay.querySelector("[data-scan-into]");
    if (into) { into.querySelector("[name=code]").value = code; htmx.trigger(into, "submit"); return; }
    document.getElementById("code-input").value = code;
    htmx.trigger(document.getElementById("code-form"), "submit");
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
    if (event.detail.xhr.status >= 500) showToast(t("Fehler am Server. Bitte erneut versuchen.", "Server error. Please try again."));
  });
  document.body.addEventListener("htmx:sendError", () => showToast(t("Keine Verbindung.", "No connection.")));
  // Error responses still carry the cart; swap them in.
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail.xhr.status === 422) { event.detail.shouldSwap = true; event.detail.isError = false; }
  });

  // --- overlays ---------------------------------------------------------------
  function openOverlay(html) { overlay.innerHTML = html; overlay.classList.add("open"); htmx.process(overlay); }
  function closeOverlay() { overlay.innerHTML = ""; overlay.classList.remove("open"); }
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target === overlay && overlay.innerHTML.trim()) overlay.classList.add("open");
  });
  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-close-overlay]")) closeOverlay();
  });
  document.addEventListener("keydown", (event) => { if (event.key === "Escape") closeOverlay(); });

  function currentCart() { return document.getElementById("cart"); }
  function refreshCart() { htmx.ajax("GET", root.dataset.cartUrl || "/register/cart/", { target: "#cart", swap: "outerHTML" }); }

  // --- payment ----------------------------------------------------------------
  let tenders = [];
  function due() { return cents(currentCart().dataset.total); }
  function paid() { return tenders.reduce((sum, p) => sum + p.cents, 0); }

  function quickAmounts(total) {
    const notes = [500, 1000, 2000, 5000, 10000, 20000];
    const amounts = [total];
    for (const note of notes) {
      const rounded = Math.ceil(total / note) * note;
      if (rounded > total && !amounts.includes(rounded)) amounts.push(rounded);
      if (amounts.length >= 5) break;
    }
    return amounts;
  }

  function renderPay() {
    const rest = Math.max(due() - paid(), 0);
    const buttons = quickAmounts(rest).map((c, i) =>
      `<button class="big cash" data-cash="${c}" data-testid="cash-${i === 0 ? "exact" : c}">${euros(c)}</button>`).join("");
    const list = tenders.map((p) => `<li>${p.method === "cash" ? t("Bar", "Cash") : t("Karte", "Card")} ${euros(p.cents)}</li>`).join("");
    openOverlay(`<div class="modal pay" data-testid="pay-panel">
      <h2>${t("Zu zahlen", "Amount due")} <span data-testid="pay-due">${euros(rest)}</span></h2>
      <ul class="plain tenders" data-testid="tenders">${list}</ul>
      <div class="quick">${buttons}</div>
      <label>${t("Betrag", "Amount")} <input id="tender-amount" inputmode="decimal" data-testid="tender-amount"></label>
      <div class="actions">
        <button class="big" data-tender="cash" data-testid="tender-cash">${t("Bar", "Cash")}</button>
        <button class="big" data-tender="card" data-testid="tender-card">${t("Karte", "Card")}</button>
        <button class="tool" data-close-overlay data-testid="pay-cancel">${t("Zurück", "Back")}</button>
      </div></div>`);
    const amount = document.getElementById("tender-amount");
    amount.focus();
  }

  function addTender(method, amountCents) {
    if (!(amountCents > 0)) { showToast(t("Bitte einen Betrag eingeben.", "Please enter an amount.")); return; }
    tenders.push({ method, cents: amountCents });
    if (paid() >= due()) finishPayment(); else renderPay();
  }

  // Card payments go through a terminal driver. The default driver is an external (standalone)
  // terminal: the cashier takes the payment there and confirms the result here. A connected
  // terminal (ZVT) replaces window.KasseCardTerminal.charge and reports live status instead.
  window.KasseCardTerminal = window.KasseCardTerminal || {
    charge(amountCents) {
      return new Promise((resolve) => {
        openOverlay(`<div class="modal card-step" data-testid="card-step">
          <h2>${t("Kartenzahlung", "Card payment")} ${euros(amountCents)}</h2>
          <p>${t("Bitte den Betrag am Kartenterminal kassieren und das Ergebnis bestätigen.",
                 "Please take the amount on the card terminal and confirm the result.")}</p>
          <div class="actions">
            <button class="big primary" data-card-result="approved" data-testid="card-approved">${t("Genehmigt", "Approved")}</button>
            <button class="big danger" data-card-result="declined" data-testid="card-declined">${t("Abgelehnt", "Declined")}</button>
          </div></div>`);
        overlay.querySelectorAll("[data-card-result]").forEach((button) => button.addEventListener("click", () =>
          resolve({ approved: button.dataset.cardResult === "approved", reference: "" })));
      });
    },
  };

  function chargeCard(amountCents) {
    if (!(amountCents > 0)) { showToast(t("Bitte einen Betrag eingeben.", "Please enter an amount.")); return; }
    window.KasseCardTerminal.charge(amountCents).then((result) => {
      if (result.approved) {
        tenders.push({ method: "card", cents: amountCents, reference: result.reference || "" });
        if (paid() >= due()) finishPayment(); else renderPay();
      } else {
        showToast(t("Kartenzahlung abgelehnt.", "Card payment declined."));
        renderPay();
      }
    });
  }

  let paying = false;
  function finishPayment() {
    if (paying) return;  // a second tap on "pay" does nothing
    paying = true;
    const payments = tenders.map((p) => ({ method: p.method, amount: (p.cents / 100).toFixed(2), reference: p.reference || "" }));
    htmx.ajax("POST", "/register/cart/pay/", { target: "#overlay", swap: "innerHTML", values: { payments: JSON.stringify(payments) } })
      .finally(() => { paying = false; });
  }

  document.addEventListener("click", (event) => {
    const el = event.target.closest("[data-pay],[data-cash],[data-tender],[data-next-customer],[data-line-menu],[data-order-discount]");
    if (!el) return;
    if (el.matches("[data-pay]")) { tenders = []; renderPay(); }
    else if (el.matches("[data-cash]")) addTender("cash", Number(el.dataset.cash));
    else if (el.matches("[data-tender]")) {
      const typed = document.getElementById("tender-amount").value.replace(",", ".");
      const rest = Math.max(due() - paid(), 0);
      const amount = typed ? cents(typed) : rest;
      if (el.dataset.tender === "card") chargeCard(Math.min(amount, rest));
      else addTender("cash", amount);
    } else if (el.matches("[data-next-customer]")) { tenders = []; closeOverlay(); refreshCart(); search.focus(); }
    else if (el.matches("[data-line-menu]")) discountForm(`/register/cart/line/${el.dataset.lineMenu}/`, el.dataset.name, true);
    else if (el.matches("[data-order-discount]")) discountForm("/register/cart/", t("Ganzer Einkauf", "Whole sale"), false);
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
  document.addEventListener("click", (event) => {
    const el = event.target.closest("[data-note-form]");
    if (!el) return;
    openOverlay(`<form class="modal" hx-post="${el.dataset.noteForm}" hx-target="#cart" hx-swap="outerHTML" data-testid="note-form">
      <h2>${t("Notiz", "Note")}</h2>
      <input name="note" maxlength="200" data-testid="note-input">
      <div class="actions"><button class="big primary" data-testid="note-save">${t("Speichern", "Save")}</button>
      <button type="button" class="tool" data-close-overlay>${t("Abbrechen", "Cancel")}</button></div></form>`);
    const form = overlay.querySelector("form");
    form.querySelector("input").value = el.dataset.current || "";
    form.querySelector("input").focus();
    form.addEventListener("htmx:afterRequest", () => closeOverlay());
  });
  document.body.addEventListener("kasse:customer-attached", () => { closeOverlay(); refreshCart(); });
  document.body.addEventListener("kasse:sale-completed", () => { tenders = []; refreshCart(); });

  // --- discounts and price override -------------------------------------------
  function discountForm(baseUrl, name, isLine) {
    const action = isLine ? `${baseUrl}discount/` : `${baseUrl}discount/`;
    openOverlay(`<form class="modal" data-testid="discount-form" hx-post="${action}" hx-target="#cart" hx-swap="outerHTML">
      <h2>${name}</h2>
      <label>${t("Rabatt in %", "Discount in %")} <input name="percent" inputmode="decimal" data-testid="discount-percent"></label>
      <label>${t("oder Rabatt in €", "or discount in €")} <input name="amount" inputmode="decimal" data-testid="discount-amount"></label>
      ${isLine ? `<button type="button" class="tool" data-price-instead>${t("Preis ändern", "Change price")}</button>` : ""}
      <label>${t("Manager-PIN (wenn nötig)", "Manager PIN (if needed)")} <input name="manager_pin" type="password" inputmode="numeric" data-testid="manager-pin"></label>
      <div class="actions"><button class="big primary" data-close-overlay-after data-testid="discount-apply">${t("Übernehmen", "Apply")}</button>
      <button type="button" class="tool" data-close-overlay>${t("Abbrechen", "Cancel")}</button></div></form>`);
    const form = overlay.querySelector("form");
    form.addEventListener("htmx:afterRequest", () => closeOverlay());
    const priceButton = form.querySelector("[data-price-instead]");
    if (priceButton) priceButton.addEventListener("click", () => {
      form.setAttribute("hx-post", `${baseUrl}price/`);
      form.querySelector("[name=percent]").parentElement.innerHTML =
        `${t("Neuer Preis in €", "New price in €")} <input name="price" inputmode="decimal" data-testid="price-input">`;
      form.querySelector("[name=amount]").parentElement.remove();
      priceButton.remove();
      htmx.process(form);
    });
  }

  // Connectivity and sync state: the badge of kasse/sync (sync/register-status.js). Auto-lock: autolock.js.
  document.body.dataset.ready = "1";  // scanner and handlers are live (tests wait for this)
})();
