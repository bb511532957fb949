/* Printing at the register: a printed/queued answer shows as a toast and closes a print form. */
(function () {
  "use strict";
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail.target && event.detail.target.id === "print-answer") event.detail.shouldSwap = true;
  });
  document.body.addEventListener("kasse:printed", (event) => {
    const toast = document.getElementById("toast");
    if (toast) {
      toast.textContent = event.detail.value;
      toast.classList.add("show");
      clearTimeout(toast.printTimer);
      toast.printTimer = setTimeout(() => toast.classList.remove("show"), 4000);
    }
    const overlay = document.getElementById("overlay");
    if (overlay && overlay.querySelector("[data-print-form]")) {
      overlay.replaceChildren();
      overlay.classList.remove("open");
    }
  });
})();
