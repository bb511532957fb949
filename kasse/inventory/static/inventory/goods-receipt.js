/* Goods receipt entry: a scan (a keyboard-wedge scanner types the code and Enter into the focused field) or a
   typed search adds the product without reloading the page. Requests go one at a time in the order they were
   made, and each is built from the lines as they stand when it is sent, so fast scans in a row all count.
   Booking is an ordinary form submit once nothing is waiting. Without this script the form works by reloading.
   Texts: gettext() of Django's JavaScript catalog (/jsi18n/<language>.js, loaded by the back office's base). */
(function () {
  "use strict";
  const form = document.querySelector("form[data-goods-receipt]");
  if (!form) return;
  const code = form.querySelector("input[name=code]");
  const lines = document.getElementById("receipt-lines");
  const queue = [];
  let busy = false;
  let bookWhenDone = false;

  async function send(item) {
    const data = new FormData(form);
    data.set("code", item.code);
    if (item.name) data.set(item.name, item.value);
    // form.action would be the buttons named "action"; the attribute is the URL (none: this page).
    const response = await fetch(form.getAttribute("action") || window.location.href, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "HX-Request": "true", "X-CSRFToken": data.get("csrfmiddlewaretoken") },
    });
    // The server rendered (and escaped) the lines; htmx swaps them in like any other partial.
    htmx.swap(lines, await response.text(), { swapStyle: "innerHTML" });
  }

  async function drain() {
    if (busy) return;
    busy = true;
    form.setAttribute("aria-busy", "true");
    try {
      while (queue.length) {
        try {
          await send(queue.shift());
        } catch (error) {
          const alert = document.createElement("div");
          alert.className = "errors";
          alert.setAttribute("role", "alert");
          alert.dataset.testid = "form-errors";
          alert.textContent = gettext("The scan could not be sent. Please check the connection and scan again.");
          lines.prepend(alert);
        }
      }
    } finally {
      busy = false;
      form.removeAttribute("aria-busy");
    }
    if (bookWhenDone) book();
  }

  function book() {
    bookWhenDone = false;
    const action = document.createElement("input");
    action.type = "hidden";
    action.name = "action";
    action.value = "book";
    form.appendChild(action);
    form.submit();
  }

  form.addEventListener("submit", (event) => {
    const submitter = event.submitter;
    if (submitter && submitter.name === "action" && submitter.value === "book") {
      event.preventDefault();
      if (busy || queue.length) bookWhenDone = true; else book();
      return;
    }
    event.preventDefault();
    const adding = !submitter || submitter.name === "action";
    const item = adding ? { code: code.value, name: "action", value: "add" }
      : { code: "", name: submitter.name, value: submitter.value }; // remove a line, or pick one of several
    if (adding) code.value = "";
    code.focus();
    if (adding && !item.code.trim()) return; // Enter in an empty field or in a quantity: nothing to add
    queue.push(item);
    drain();
  });
})();
