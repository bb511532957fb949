(function () {
  "use strict";
  // Lock screen: tap your tile (or type your employee number), then the PIN; Enter submits.
  const input = document.getElementById("pin");
  const number = document.querySelector("[name=employee_number]");
  document.querySelectorAll(".pinpad .key[data-key]").forEach((key) => {
    key.addEventListener("click", () => {
      const value = key.dataset.key;
      if (value === "clear") input.value = "";
      else if (input.value.length < 12) input.value += value;
      input.focus();
    });
  });
  document.querySelectorAll(".staff-tile input").forEach((radio) => {
    // A click on a tile goes straight to the PIN; arrow keys only move between tiles.
    radio.closest(".staff-tile").addEventListener("click", () => {
      if (number) number.value = "";
      input.value = "";
      setTimeout(() => input.focus(), 0);
    });
    // Keyboard: Enter or a digit on the chosen tile goes on to the PIN (a digit is its first one).
    radio.addEventListener("keydown", (event) => {
      if (event.key === "Enter") { event.preventDefault(); radio.checked = true; input.focus(); }
      else if (/^[0-9]$/.test(event.key)) {
        event.preventDefault();
        radio.checked = true;
        if (number) number.value = "";
        input.value = event.key;
        input.focus();
      }
    });
  });
  if (number) {
    number.addEventListener("input", () => {
      if (number.value) document.querySelectorAll(".staff-tile input:checked").forEach((r) => { r.checked = false; });
    });
    number.addEventListener("keydown", (event) => {
      if (event.key === "Enter") { event.preventDefault(); input.focus(); }
    });
  }
  if (!document.querySelector(".staff-tile input:checked")) {
    const first = document.querySelector(".staff-tile input");
    if (first) first.focus();
  }
})();
