(function () {
  "use strict";
  const input = document.getElementById("pin");
  document.querySelectorAll(".pinpad .key[data-key]").forEach((key) => {
    key.addEventListener("click", () => {
      const value = key.dataset.key;
      if (value === "clear") input.value = "";
      else if (input.value.length < 8) input.value += value;
      input.focus();
    });
  });
})();
