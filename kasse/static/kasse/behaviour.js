/* Small behaviours that templates ask for with data attributes, so no page needs inline script or style
   (the Content-Security-Policy allows neither):
   data-print           a button that opens the browser's print dialog
   data-confirm="…"     a form (on submit) or button (on click) that asks first
   data-submit-on-change a select that submits its form when changed
   data-select-on-click an input whose text is selected when clicked
   data-color="#rrggbb" an element whose background (or, with data-color-property, another colour) it takes */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    const printer = target.closest("[data-print]");
    if (printer) { event.preventDefault(); window.print(); return; }
    const asking = target.closest("button[data-confirm], a[data-confirm]");
    if (asking && !window.confirm(asking.dataset.confirm)) { event.preventDefault(); event.stopImmediatePropagation(); return; }
    const selecting = target.closest("[data-select-on-click]");
    if (selecting && typeof selecting.select === "function") selecting.select();
  }, true);
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  document.addEventListener("change", function (event) {
    const select = event.target;
    if (select instanceof HTMLSelectElement && select.hasAttribute("data-submit-on-change") && select.form) {
      select.form.submit();
    }
  });
  const COLOR = /^#[0-9a-fA-F]{3,8}$/;
  function paint(root) {
    root.querySelectorAll("[data-color]").forEach(function (element) {
      const color = element.dataset.color;
      if (!COLOR.test(color)) return;
      const property = element.dataset.colorProperty || "backgroundColor";
      element.style[property] = color;  // set through the DOM, which the policy allows
    });
  }
  document.addEventListener("DOMContentLoaded", function () { paint(document); });
  // Swapped content (outerHTML swaps replace the event's target, so paint the whole page; it is cheap).
  document.addEventListener("htmx:afterSettle", function () { paint(document); });
})();
