/* "Push on this device" on the notification settings page: asks the browser's permission, subscribes with the
   server's VAPID public key and hands the subscription to the server. Every text comes translated from the
   page's data attributes and is written as text (no HTML is built here). */
(function () {
  "use strict";
  const box = document.querySelector("[data-push]");
  if (!box) return;
  const status = box.querySelector("[data-push-status]");
  const enable = box.querySelector("[data-push-enable]");
  const say = function (text) { status.textContent = text; };
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    say(box.dataset.unsupported);
    enable.hidden = true;
    return;
  }
  function bytes(base64url) {
    const text = atob(base64url.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((base64url.length + 3) % 4));
    return Uint8Array.from(text, function (c) { return c.charCodeAt(0); });
  }
  function sameKey(buffer, wanted) {
    if (!buffer) return false;
    const have = new Uint8Array(buffer);
    return have.length === wanted.length && have.every(function (b, i) { return b === wanted[i]; });
  }
  async function post(url, body) {
    const answer = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": box.dataset.csrf },
      body: JSON.stringify(body),
    });
    if (!answer.ok) {
      let reason = String(answer.status);
      try { reason = (await answer.json()).error || reason; } catch (error) { /* keep the status */ }
      throw new Error(reason);
    }
    return answer.json();
  }
  enable.addEventListener("click", async function () {
    enable.disabled = true;
    try {
      const permission = await Notification.requestPermission();
      if (permission !== "granted") { say(box.dataset.denied); return; }
      const key = bytes(box.dataset.vapidKey);
      const registration = await navigator.serviceWorker.register("/sw.js", { scope: "/" });
      await navigator.serviceWorker.ready;
      let subscription = await registration.pushManager.getSubscription();
      if (subscription && !sameKey(subscription.options.applicationServerKey, key)) {
        await subscription.unsubscribe(); // made with a key this server no longer has
        subscription = null;
      }
      if (!subscription) {
        subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
      }
      await post(box.dataset.subscribeUrl, subscription.toJSON());
      say(box.dataset.done);
      window.location.reload();
    } catch (error) {
      say(box.dataset.failed + " " + error.message);
    } finally {
      enable.disabled = false;
    }
  });
})();
