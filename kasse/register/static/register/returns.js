/* The returns screen: −/+ next to quantities, and Enter in a field updates instead of confirming. */
(function () {
  "use strict";
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-return-form] [data-step]");
    if (!button) return;
    const input = button.parentElement.querySelector("input");
    const current = Number((input.value || "0").replace(",", ".")) || 0;
    let next = Math.max(0, current + Number(button.dataset.step));
    if (input.dataset.max) next = Math.min(next, Number(input.dataset.max));
    input.value = String(next);
    input.dispatchEvent(new Event("change", { bubbles: true }));
  });
})();
