/* The Übersicht follows /ws/live/: when a sale of a store this user may see arrives, htmx asks the server
   for the figures again and swaps in the fragment it renders (no HTML is built here). */
(function () {
  "use strict";
  const panel = document.getElementById("overview-figures");
  const state = document.getElementById("overview-live");
  if (!panel || !window.kasseSocket || !window.htmx) return;
  window.kasseSocket.open(panel.dataset.ws, {
    stopCodes: [4403],
    onState: (socketState) => {
      if (socketState === "open") {
        state.textContent = state.dataset.online;
        state.classList.add("on");
        document.body.dataset.live = "1";
      } else if (socketState === "closed" || socketState === "stopped") {
        state.textContent = state.dataset.offline;
        state.classList.remove("on");
        delete document.body.dataset.live;
      }
    },
    onMessage: (data) => { if (data && data.type === "sale") window.htmx.trigger(panel, "kasse-sale"); },
  });
})();
