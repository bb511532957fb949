/* The customer display: follows the register over a WebSocket (kasse/socket.js reconnects with backoff). */
(function () {
  "use strict";
  const root = document.getElementById("display");
  const idleTemplate = document.getElementById("idle-template");
  const showIdle = () => root.replaceChildren(idleTemplate.content.cloneNode(true));
  const idleAfter = Number(root.dataset.idleAfter) || 8000;
  // The digital receipt's QR code stays until the next customer's first item (or a minute): the
  // customer needs time to take out a phone.
  const receiptIdleAfter = 60000;
  let idleTimer = null;

  function show(html) {
    // The server rendered (and escaped) this partial; htmx swaps it in like any other.
    htmx.swap(root, html, { swapStyle: "innerHTML" });
    clearTimeout(idleTimer);
    if (root.querySelector("[data-testid=display-receipt]")) {
      idleTimer = setTimeout(showIdle, receiptIdleAfter);
    } else if (root.querySelector("[data-testid=display-done]")) {
      idleTimer = setTimeout(showIdle, idleAfter);
    } else if (!root.querySelector(".line, .display-card")) {
      // An empty cart: the idle screen. What the card terminal or a payment app asks of the customer, and a
      // register closing, stay until the register says more (kasse/payments, docs/payments.md).
      showIdle();
    }
  }

  window.kasseSocket.open(root.dataset.ws, {
    ping: { text: "ping", seconds: Number(root.dataset.pingSeconds || 120) },
    onState: (state) => {
      if (state === "open") document.body.classList.remove("offline");
      else if (state === "closed" || state === "stopped") document.body.classList.add("offline");
    },
    onMessage: (data) => (data.reload ? window.location.reload() : show(data.html)),
  });
})();
