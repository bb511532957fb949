/* kasse's service worker (served at /sw.js so that it controls the whole site):
   - makes the back office installable and answers a page opened without a network with /offline/;
   - shows Web Push notifications (payload JSON: title, body, url, tag, icon) and opens their page on a tap;
   - when the push service renews or drops the subscription (pushsubscriptionchange), subscribes again with
     the server's VAPID key and tells the server, which puts the new subscription in the old one's place.
   It caches nothing else: every page and figure comes from the server, fresh. */
"use strict";

const CACHE = "kasse-offline-v1";
const OFFLINE_URL = "/offline/";

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.add(new Request(OFFLINE_URL, { cache: "reload" }))).then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  if (event.request.mode !== "navigate") return; // everything else goes to the network as without us
  event.respondWith(
    fetch(event.request).catch(() => caches.open(CACHE).then((cache) => cache.match(OFFLINE_URL)))
  );
});

self.addEventListener("push", (event) => {
  let data = {};
  if (event.data) {
    try { data = event.data.json(); } catch (error) { data = { body: event.data.text() }; }
  }
  const options = {
    body: typeof data.body === "string" ? data.body : "",
    data: { url: typeof data.url === "string" ? data.url : "/notifications/" },
  };
  if (typeof data.tag === "string") options.tag = data.tag;
  if (typeof data.icon === "string") options.icon = data.icon;
  if (typeof data.badge === "string") options.badge = data.badge;
  event.waitUntil(self.registration.showNotification(typeof data.title === "string" ? data.title : "kasse", options));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const wanted = new URL((event.notification.data && event.notification.data.url) || "/notifications/", self.location.origin);
  if (wanted.origin !== self.location.origin) return; // only our own pages
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      for (const client of windows) {
        if (client.url === wanted.href && "focus" in client) return client.focus();
      }
      return self.clients.openWindow(wanted.href);
    })
  );
});

function applicationServerKey(base64url) {
  const text = atob(base64url.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((base64url.length + 3) % 4));
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

// Also called by the browser test (Chromium does not fire pushsubscriptionchange on its own).
async function resubscribe(oldSubscription, newSubscription) {
  // The key and a CSRF token for this session; signed out, the answer is a redirect to the login page and
  // nothing is sent: the old subscription then runs out (410) and the server marks it expired.
  const answer = await fetch("/notifications/push/key/", {
    credentials: "same-origin",
    redirect: "manual",
    headers: { Accept: "application/json" },
  });
  if (!answer.ok) return "signed out";
  const { key, csrf } = await answer.json();
  let subscription = newSubscription || (await self.registration.pushManager.getSubscription());
  if (!subscription) {
    subscription = await self.registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: applicationServerKey(key),
    });
  }
  const told = await fetch("/notifications/push/resubscribe/", {
    method: "POST",
    credentials: "same-origin",
    redirect: "manual",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
    body: JSON.stringify({
      old_endpoint: oldSubscription ? oldSubscription.endpoint : null,
      subscription: subscription.toJSON(),
    }),
  });
  if (!told.ok) throw new Error("the server refused the renewed subscription: " + told.status);
  return "replaced";
}

self.addEventListener("pushsubscriptionchange", (event) => {
  event.waitUntil(resubscribe(event.oldSubscription || null, event.newSubscription || null));
});
