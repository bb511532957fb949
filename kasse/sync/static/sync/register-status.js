/* The register's sync badge: online/offline, records waiting, last sync — pushed over /ws/register/status/.
   Sync that stopped (an error), records or feed changes set aside, and a newer cloud ("update kasse") are
   shown too, never hidden behind "online".
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
    const setAside = Number(status.set_aside || 0);
    const feedSetAside = Number(status.feed_set_aside || 0);
    const at = (iso) => when.format(new Date(iso));
    const lines = [status.last_sync ? texts.last_sync.replace("{time}", at(status.last_sync)) : texts.never];
    if (status.last_push) lines.push(texts.last_push.replace("{time}", at(status.last_push)));
    if (status.last_pull) lines.push(texts.last_pull.replace("{time}", at(status.last_pull)));
    if (status.oldest_waiting) lines.push(texts.oldest_waiting.replace("{time}", at(status.oldest_waiting)));
    if (setAside) lines.push(plural(texts.set_aside, setAside));
    if (feedSetAside) lines.push(plural(texts.feed_set_aside, feedSetAside));
    if (status.update_needed) lines.push(texts.update.replace("{version}", status.cloud_version));
    if (status.last_error) {
      lines.push(status.error_since
        ? texts.error_since.replace("{time}", at(status.error_since)).replace("{error}", status.last_error)
        : status.last_error);
    }
    badge.dataset.backlog = String(backlog);
    badge.dataset.setAside = String(setAside + feedSetAside);
    if (status.revoked) show("revoked", texts.revoked, lines.join("\n"));
    else if (status.stopped) show("stopped", texts.stopped.replace("{error}", status.last_error || ""), lines.join("\n"));
    else if (!status.online) show("offline", plural(texts.offline, backlog), [texts.offline_hint, ...lines].join("\n"));
    else if (setAside) show("attention", plural(texts.set_aside, setAside), lines.join("\n"));
    else if (feedSetAside) show("attention", plural(texts.feed_set_aside, feedSetAside), lines.join("\n"));
    else if (status.update_needed) show("attention", texts.update.replace("{version}", status.cloud_version), lines.join("\n"));
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

  window.kasseSocket.open(badge.dataset.ws, {
    stopCodes: [4401],  // the device is no longer paired; the page itself will say so
    onState: (state) => { if (state === "closed" || state === "stopped") show("disconnected", texts.disconnected); },
    onMessage: (data) => {
      if (data.type !== "status") return;
      render(data.status);
      if (data.status.catalog_changed) htmx.trigger(document.body, "kasse:catalog-changed");
    },
  });
})();
