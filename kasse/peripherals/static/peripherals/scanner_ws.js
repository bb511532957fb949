/* Scans from the store node's scanners (serial, USB HID, virtual) bound to this register.
   They arrive over /ws/register/scanner/ and are handed to the register as a `kasse:scan` event,
   the same path a keyboard-wedge burst takes (POST to the scan endpoint, cart swapped in).
   The socket reconnects with backoff (0.5 s doubling to 10 s) when the node restarts. */
(function () {
  "use strict";
  const root = document.getElementById("register");
  if (!root) return;
  const path = "/ws/register/scanner/";
  let delay = 500;

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    let socket;
    try {
      socket = new WebSocket(`${scheme}://${location.host}${path}`);
    } catch (error) {
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10000);
      return;
    }
    socket.onopen = () => { delay = 500; root.dataset.scannerSocket = "open"; };
    socket.onmessage = (event) => {
      let message;
      try { message = JSON.parse(event.data); } catch (error) { return; }
      if (message.type === "scan" && message.code) {
        document.dispatchEvent(new CustomEvent("kasse:scan", { detail: { code: message.code, source: "node" } }));
      }
    };
    socket.onclose = () => {
      root.dataset.scannerSocket = "closed";
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10000);
    };
  }
  connect();
})();
