/* The bell in the back office's header follows /ws/notifications/: the unread count as the server sends it
   (a number written as text; no HTML is built here). */
(function () {
  "use strict";
  const bell = document.getElementById("notification-bell");
  const count = document.getElementById("notification-count");
  if (!bell || !count || !window.kasseSocket) return;
  window.kasseSocket.open(bell.dataset.ws, {
    stopCodes: [4403],
    onMessage: (data) => {
      if (data && data.type === "count" && Number.isInteger(data.count)) {
        count.textContent = String(data.count);
        bell.dataset.unread = String(data.count);
      }
    },
  });
})();
