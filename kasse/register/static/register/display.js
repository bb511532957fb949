/* The customer display: follows the register over a WebSocket, reconnecting with backoff. */
(function () {
  "use strict";
  const root = document.getElementById("display");
  const idleTemplate = document.getElementById("idle-template");
  const showIdle = () => root.replaceChildren(idleTemplate.content.cloneNode(true));
  const idleAfter = Number(root.dataset.idleAfter) || 8000;
  let idleTimer = null;
  let delay = 500;

  function show(html) {
    // The server rendered (and escaped) this partial; htmx swaps it in like any other.
    htmx.swap(root, html, { swapStyle: "innerHTML" });
    clearTimeout(idleTimer);
    if (root.querySelector("[data-testid=display-done]")) {
      idleTimer = setTimeout(showIdle, idleAfter);
    } else if (!root.querySelector(".line")) {
      showIdle();
    }
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}${root.dataset.ws}`);
    let ping = null;
    socket.onopen = () => {
      delay = 500;
      document.body.classList.remove("offline");
      ping = setInterval(() => socket.send("ping"), Number(root.dataset.pingSeconds || 120) * 1000);
    };
    socket.onmessage = (event) => show(JSON.parse(event.data).html);
    socket.onclose = () => {
      clearInterval(ping);
      document.body.classList.add("offline");
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10000);
    };
  }
  connect();
})();
