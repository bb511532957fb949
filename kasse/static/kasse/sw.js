/* kasse's service worker (served at /sw.js so that it controls the whole site):
   - makes the back office installable and answers a page opened without a network with /offline/;
   - shows Web Push notifications (payload JSON: title, body, url, tag, icon) and opens their page on a tap.
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
