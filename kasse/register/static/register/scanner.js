/* Keyboard-wedge scanner detection for the register.
 *
 * A scanner "types" a code much faster than a person: keys arrive less than
 * `maxGap` ms apart and end with a suffix (Enter by default). We collect such
 * bursts wherever the focus is, keep them out of the focused field, and emit
 * a `kasse:scan` event with the code.
 *
 * Layout: a scanner programmed for a US keyboard sends US key positions. On a
 * German QWERTZ device the browser would report `event.key` "y" for the US "z"
 * position. With layout "us" we read the physical `event.code` and map it
 * back to the US character, so Y and Z are never swapped.
 */
(function () {
  "use strict";

  const US_SHIFTED = { Digit1: "!", Digit2: "@", Digit3: "#", Digit4: "$", Digit5: "%", Digit6: "^",
    Digit7: "&", Digit8: "*", Digit9: "(", Digit0: ")", Minus: "_", Equal: "+", Period: ">",
    Comma: "<", Slash: "?", Semicolon: ":", Quote: '"', BracketLeft: "{", BracketRight: "}",
    Backslash: "|", Backquote: "~" };
  const US_PLAIN = { Minus: "-", Equal: "=", Period: ".", Comma: ",", Slash: "/", Semicolon: ";",
    Quote: "'", BracketLeft: "[", BracketRight: "]", Backslash: "\\", Backquote: "`", Space: " " };

  function usChar(event) {
    const code = event.code || "";
    if (code.startsWith("Key") && code.length === 4) {
      const letter = code.slice(3);
      return event.shiftKey ? letter : letter.toLowerCase();
    }
    if (code.startsWith("Digit")) return event.shiftKey ? US_SHIFTED[code] : code.slice(5);
    if (code.startsWith("Numpad") && /^Numpad\d$/.test(code)) return code.slice(6);
    if (event.shiftKey && US_SHIFTED[code]) return US_SHIFTED[code];
    if (US_PLAIN[code]) return US_PLAIN[code];
    return null;
  }

  class WedgeScanner {
    constructor(options) {
      this.layout = options.layout || "us";
      this.prefix = options.prefix || "";
      this.suffix = options.suffix || "Enter";
      this.maxGap = Number(options.maxGap) || 35;
      this.minLength = Number(options.minLength) || 4;
      this.onScan = options.onScan;
      this.reset();
      this.handler = (event) => this.onKey(event);
      document.addEventListener("keydown", this.handler, true);
    }

    reset() {
      this.buffer = "";
      this.last = 0;
      this.burst = false;
      this.target = null;
      this.snapshot = null;
      this.prefixSeen = false;
    }

    charOf(event) {
      if (this.layout === "us") return usChar(event);
      return event.key && event.key.length === 1 ? event.key : null;
    }

    isSuffix(event) {
      return event.key === this.suffix || event.code === this.suffix || (this.suffix === "Enter" && event.key === "Enter")
        || (this.suffix === "Tab" && event.key === "Tab");
    }

    onKey(event) {
      if (event.ctrlKey || event.altKey || event.metaKey) return;
      // The event's own time stamp is when the key arrived, even if the page was busy meanwhile.
      const now = event.timeStamp || performance.now();
      const gap = now - this.last;
      if (this.prefix && !this.prefixSeen && (event.key === this.prefix || event.code === this.prefix)) {
        this.reset();
        this.prefixSeen = true;
        this.burst = true;
        this.last = now;
        event.preventDefault();
        return;
      }
      if (this.buffer && gap > this.maxGap && !this.prefixSeen) this.reset();
      if (this.isSuffix(event)) {
        if ((this.burst || this.prefixSeen) && this.buffer.length >= this.minLength) {
          event.preventDefault();
          event.stopPropagation();
          this.restoreTarget();
          const code = this.buffer;
          this.reset();
          this.onScan(code);
        } else {
          this.reset();
        }
        return;
      }
      const ch = this.charOf(event);
      if (ch === null) {
        if (!["Shift", "CapsLock"].includes(event.key)) this.reset();
        return;
      }
      if (!this.buffer) {
        this.target = document.activeElement;
        this.snapshot = this.target && "value" in this.target ? this.target.value : null;
      } else if (gap <= this.maxGap) {
        this.burst = true;
      }
      if (this.burst || this.prefixSeen) event.preventDefault();
      this.buffer += ch;
      this.last = now;
    }

    restoreTarget() {
      // The first character of a burst reached the focused field before we knew it was a scan.
      if (this.target && this.snapshot !== null && "value" in this.target && this.target.value !== this.snapshot) {
        this.target.value = this.snapshot;
        // Let listeners (the search-as-you-type box) see the field as it was before the scan.
        this.target.dispatchEvent(new Event("input", { bubbles: true }));
      }
    }
  }

  window.KasseWedgeScanner = WedgeScanner;
})();
