/* The one WebSocket client of kasse's pages (docs/devices.md): register scanner, sync badge, customer display,
   live sales page. One reconnect rule, the same as the server's (kasse/core/backoff.py): the n-th failed
   connection in a row waits a ceiling of 0.5 s × 2^(n−1), capped at 10 s, less up to half of it at random, so
   that every register of a shop does not knock at the same instant when the node comes back. A socket that
   opened starts the count over. It reconnects at once when the browser comes back online or the page is
   shown again (resume), and says where it stands through `onState`: "connecting", "open", "closed"
   (waiting to reconnect) or "stopped" (the server said not to come back, e.g. 4401 for a revoked device).
   Messages are parsed as JSON; text that is not JSON is ignored. Nothing here touches the page's HTML. */
(function () {
  "use strict";
  if (window.kasseSocket) return;  // included by more than one part of a page

  const rule = { initial: 500, maximum: 10000, factor: 2, jitter: 0.5 };

  function delay(failures, random) {
    if (failures <= 0) return 0;
    const ceiling = Math.min(rule.maximum, rule.initial * Math.pow(rule.factor, Math.min(failures - 1, 64)));
    return ceiling * (1 - rule.jitter * (random || Math.random)());
  }

  /* Open `path` on this host and keep it open. Options: onMessage(data), onOpen(socket), onClose(event),
     onState(state), stopCodes (close codes after which it does not come back), ping ({text, seconds}). */
  function open(path, options) {
    const settings = Object.assign({ stopCodes: [] }, options);
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    let socket = null;
    let failures = 0;
    let timer = null;
    let ping = null;
    let stopped = false;

    const state = (name) => { if (settings.onState) settings.onState(name); };

    function later() {
      failures += 1;
      state("closed");
      timer = setTimeout(connect, delay(failures));
    }

    function connect() {
      clearTimeout(timer);
      timer = null;
      if (stopped) return;
      state("connecting");
      try {
        socket = new WebSocket(`${scheme}://${location.host}${path}`);
      } catch (error) {
        socket = null;
        later();
        return;
      }
      const current = socket;
      current.onopen = () => {
        failures = 0;
        state("open");
        if (settings.ping) {
          ping = setInterval(() => current.send(settings.ping.text), settings.ping.seconds * 1000);
        }
        if (settings.onOpen) settings.onOpen(current);
      };
      current.onmessage = (event) => {
        let data;
        try { data = JSON.parse(event.data); } catch (error) { return; }
        if (settings.onMessage) settings.onMessage(data);
      };
      current.onclose = (event) => {
        clearInterval(ping);
        ping = null;
        if (socket === current) socket = null;
        if (settings.onClose) settings.onClose(event);
        if (stopped) return;
        if (settings.stopCodes.includes(event.code)) {
          stopped = true;
          state("stopped");
          return;
        }
        later();
      };
    }

    // Resume: a browser that is online again, or a page shown again, does not wait out the backoff.
    function resume() {
      if (!stopped && socket === null && timer !== null) connect();
    }
    window.addEventListener("online", resume);
    document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") resume(); });

    connect();
    return {
      send(text) { if (socket && socket.readyState === WebSocket.OPEN) socket.send(text); },
      close() {
        stopped = true;
        clearTimeout(timer);
        if (socket) socket.close();
        state("stopped");
      },
    };
  }

  window.kasseSocket = { open, delay, rule };
})();
