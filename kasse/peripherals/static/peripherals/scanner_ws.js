/* Scans from the store node's scanners (serial, USB HID, virtual) bound to this register.
   They arrive over /ws/register/scanner/ and are handed to the register as a `kasse:scan` event,
   the same path a keyboard-wedge burst takes (POST to the scan endpoint, cart swapped in).
   The socket reconnects by the one rule of kasse/socket.js when the node restarts. */
(function () {
  "use strict";
  const root = document.getElementById("register");
  if (!root) return;
  window.kasseSocket.open("/ws/register/scanner/", {
    onState: (state) => {
      if (state === "open") root.dataset.scannerSocket = "open";
      else if (state === "closed" || state === "stopped") root.dataset.scannerSocket = "closed";
    },
    onMessage: (message) => {
      if (message.type === "scan" && message.code) {
        document.dispatchEvent(new CustomEvent("kasse:scan", { detail: { code: message.code, source: "node" } }));
      } else if (message.type === "card") {
        // the card terminal said something: the open card step reloads its (server-rendered) status
        document.body.dispatchEvent(new CustomEvent("kasse:card-status"));
      }
    },
  });
})();
