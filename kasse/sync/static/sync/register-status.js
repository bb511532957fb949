/* The register's sync badge: online/offline, records waiting, last sync — pushed over /ws/register/status/.
   A status that says master data changed (a new price) refreshes the product grid and the cart. */
(function () {
  "use strict";
  const badge = document.getElementById("sync-status");
  if (!badge) return;
  const texts = JSON.parse(document.getElementById("sync-status-texts").textContent);
  const lang = document.documentElement.lang || "de";
  const when = new Intl.DateTimeFormat(lang, {
    timeZone: badge.dataset.tz || undefined, day: "2-digit", month: "2-digit", year: "numeric",
    hour: "2-digit", minute: "2-digit", second: "2-digit",
  });
  const plural = (forms, n) => (n === 1 ? forms.one : forms.other).replace("{n}", new Intl.NumberFormat(lang).format(n));
  let gridUrl = badge.dataset.productsUrl;
  let delay = 500;

  function show(state, text, title) {
    badge.dataset.state = state;
    badge.textContent = text;
    badge.title = title || "";
    badge.classList.toggle("offline", !["synced", "online", "direct"].includes(state));
  }

  function render(status) {
    if (status.direct) { show("direct", texts.direct, texts.direct_title); return; }
    if (!status.paired) { show("unpaired", texts.unpaired); return; }
    const backlog = Number(status.backlog || 0);
    const lines = [status.last_sync ? texts.last_sync.replace("{time}", when.format(new Date(status.last_sync))) : texts.never];
    if (status.rejected) lines.push(plural(texts.rejected, Number(status.rejected)));
    if (status.last_error) lines.push(status.last_error);
    badge.dataset.backlog = String(backlog);
    if (status.revoked) show("revoked", texts.revoked, lines.join("\n"));
    else if (!status.online) show("offline", plural(texts.offline, backlog), [texts.offline_hint, ...lines].join("\n"));
    else if (backlog > 0) show("online", plural(texts.waiting_online, backlog), lines.join("\n"));
    else show("synced", texts.synced, lines.join("\n"));
  }

  // The grid shows what was last asked for (favourites, a category, a search): ask for it again.
  document.body.addEventListener("htmx:afterRequest", (event) => {
    const target = event.detail.target;
    const path = event.detail.pathInfo && event.detail.pathInfo.finalRequestPath;
    if (target && target.id === "grid" && path && event.detail.successful) gridUrl = path;
  });
  document.body.addEventListener("kasse:catalog-changed", () => {
    if (document.getElementById("grid")) htmx.ajax("GET", gridUrl, { target: "#grid", swap: "innerHTML" });
    if (document.getElementById("cart")) htmx.ajax("GET", badge.dataset.cartUrl, { target: "#cart", swap: "outerHTML" });
  });

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    let socket;
    try {
      socket = new WebSocket(`${scheme}://${location.host}${badge.dataset.ws}`);
    } catch (error) {
      show("disconnected", texts.disconnected);
      setTimeout(connect, delay);
      return;
    }
    socket.onopen = () => { delay = 500; };
    socket.onmessage = (event) => {
      const data = JSON.parse(event.data);
      if (data.type !== "status") return;
      render(data.status);
      if (data.status.catalog_changed) htmx.trigger(document.body, "kasse:catalog-changed");
    };
    socket.onclose = (event) => {
      show("disconnected", texts.disconnected);
      if (event.code === 4401) return;  // the device is no longer paired; the page itself will say so
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10000);
    };
  }
  connect();
})();
