/* Auto-lock: after the store's inactivity time the register posts to the lock URL.
   Any page with an element carrying data-autolock (seconds) and data-lock-url uses it. */
(function () {
  "use strict";
  const el = document.querySelector("[data-autolock][data-lock-url]");
  if (!el) return;
  const lockAfter = (Number(el.dataset.autolock) || 120) * 1000;
  let timer;
  function arm() {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const form = document.createElement("form");
      form.method = "post";
      form.action = el.dataset.lockUrl;
      const token = JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
      const field = document.createElement("input");
      field.type = "hidden";
      field.name = "csrfmiddlewaretoken";
      field.value = token;
      form.appendChild(field);
      document.body.appendChild(form);
      form.submit();
    }, lockAfter);
  }
  ["pointerdown", "keydown"].forEach((name) => document.addEventListener(name, arm, true));
  arm();
})();
