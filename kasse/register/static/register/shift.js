/* Shift screens: counting notes and coins with −/+ and a running total; forms that submit once; auto-lock. */
(function () {
  "use strict";
  const lang = document.documentElement.lang || "de";
  const money = new Intl.NumberFormat(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const euros = (cents) => money.format(cents / 100) + " €";
  const centsOf = (value) => Math.round(Number(value) * 100);

  function pieces(input) {
    const value = input.value.trim();
    return /^[0-9]{1,6}$/.test(value) ? Number(value) : (value === "" ? 0 : NaN);
  }

  function recount(table) {
    let total = 0;
    let valid = true;
    table.querySelectorAll(".count-row").forEach((row) => {
      const n = pieces(row.querySelector("input"));
      const cell = row.querySelector("[data-subtotal]");
      if (Number.isNaN(n)) { valid = false; cell.textContent = "?"; row.classList.add("invalid"); return; }
      row.classList.remove("invalid");
      const amount = n * centsOf(row.dataset.value);
      cell.textContent = n ? euros(amount) : "";
      total += amount;
    });
    const form = table.closest("form") || document;
    form.querySelectorAll("[data-count-total]").forEach((el) => { el.textContent = valid ? euros(total) : "?"; });
  }

  function step(input, by) {
    const n = pieces(input);
    input.value = String(Math.max((Number.isNaN(n) ? 0 : n) + by, 0));
    input.dispatchEvent(new Event("input", { bubbles: true }));
  }

  document.querySelectorAll("table.drawer-count").forEach((table) => {
    recount(table);
    table.addEventListener("input", () => recount(table));
    table.addEventListener("click", (event) => {
      const button = event.target.closest("[data-step]");
      if (!button) return;
      const input = button.closest(".count-row").querySelector("input");
      step(input, Number(button.dataset.step));
    });
    table.addEventListener("keydown", (event) => {
      // Arrow keys count up and down, Enter moves to the next row, like a tally.
      const input = event.target.closest("input.pieces");
      if (!input) return;
      if (event.key === "ArrowUp" || event.key === "ArrowDown") {
        event.preventDefault();
        step(input, event.key === "ArrowUp" ? 1 : -1);
      } else if (event.key === "Enter") {
        const inputs = Array.from(table.querySelectorAll("input.pieces"));
        const next = inputs[inputs.indexOf(input) + 1];
        if (next) { event.preventDefault(); next.focus(); next.select(); }
      }
    });
    const first = table.querySelector("input.pieces");
    if (first && !document.querySelector("[role=alert]")) first.focus();
  });

  // A second tap on "open" or "close" must not send the form twice.
  document.querySelectorAll("form[data-once]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
      setTimeout(() => form.querySelectorAll("button").forEach((b) => { b.disabled = true; }), 0);
    });
  });

  document.body.dataset.ready = "1";
})();
