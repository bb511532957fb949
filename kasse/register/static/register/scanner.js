/* Keyboard-wedge scanner detection for the register.
 *
 * A scanner "types" a code much faster than a person and releases each key at
 * once. Every printable key aimed at a text field (or at no field) is held
 * back first and decided afterwards:
 *
 * - A key still down when the next key arrives, or held down longer than
 *   `maxGap` ms, was pressed by a person (scanners release a key before
 *   sending the next one).
 * - The other keys form bursts: keys at most `maxGap` ms apart. Bursts at
 *   most `pause` ms apart form one chain (Bluetooth and radio scanners send a
 *   code in packets with short pauses between them). A chain that has a burst
 *   of at least `minLength` keys is a scan, and so is a chain of `minLength`
 *   keys that ends with the terminator.
 * - A scan ends with the terminator (the suffix, Enter by default) or, in
 *   timeout mode, when `pause` ms pass without a key. A terminator up to
 *   `late` ms after the last key of a scan taken by timeout is swallowed, so
 *   it never reaches the page (a focused button, the search box).
 * - Keys that turn out to be a person's are put into the field they were
 *   typed in, in the order they were typed (an `input` event lets the
 *   search-as-you-type box see them), as soon as they are decided: at the key-up
 *   or the next key, at most `pause` ms late.
 *
 * Scanner characters therefore never reach a text field, and a scan is
 * never cut in two by a packet pause or a late Enter. A refused scan (the
 * server's `kasse:scan-rejected` trigger) beeps through the Web Audio API
 * when the register's settings ask for it; the message in the cart goes away
 * with the next key or tap.
 *
 * Layout: a scanner programmed for a US keyboard sends US key positions. On a
 * German QWERTZ device the browser would report `event.key` "y" for the US "z"
 * position. With layout "us" we read the physical `event.code` and map it
 * back to the US character, so Y and Z are never swapped. A person's keys are
 * put into the field as the layout of the device gives them (`event.key`).
 */
(function () {
  "use strict";

  const US_SHIFTED = { Digit1: "!", Digit2: "@", Digit3: "#", Digit4: "$", Digit5: "%", Digit6: "^",
    Digit7: "&", Digit8: "*", Digit9: "(", Digit0: ")", Minus: "_", Equal: "+", Period: ">",
    Comma: "<", Slash: "?", Semicolon: ":", Quote: '"', BracketLeft: "{", BracketRight: "}",
    Backslash: "|", Backquote: "~" };
  const US_PLAIN = { Minus: "-", Equal: "=", Period: ".", Comma: ",", Slash: "/", Semicolon: ";",
    Quote: "'", BracketLeft: "[", BracketRight: "]", Backslash: "\\", Backquote: "`", Space: " " };
  const IGNORED_KEYS = ["Shift", "CapsLock", "Control", "Alt", "AltGraph", "Meta", "NumLock", "Dead", "Unidentified"];
  const TEXT_TYPES = ["text", "search", "tel", "url", "email", "password", "number"];

  function usChar(event) {
    const code = event.code || "";
    if (code.startsWith("Key") && code.length === 4) {
      const letter = code.slice(3);
      return event.shiftKey ? letter : letter.toLowerCase();
    }
    if (code.startsWith("Digit")) return event.shiftKey ? US_SHIFTED[code] : code.slice(5);
    if (/^Numpad\d$/.test(code)) return code.slice(6);
    if (event.shiftKey && US_SHIFTED[code]) return US_SHIFTED[code];
    if (US_PLAIN[code]) return US_PLAIN[code];
    return null;
  }

  function isTextField(el) {
    if (!el || el.disabled || el.readOnly) return false;
    if (el.tagName === "TEXTAREA") return true;
    return el.tagName === "INPUT" && TEXT_TYPES.includes((el.getAttribute("type") || "text").toLowerCase());
  }

  function takesKeys(el) {
    // Keys aimed at a button, link or select keep their meaning; a scanner's still count.
    return !el || el === document.body || isTextField(el) || !el.matches("button, a, select, input, [contenteditable]");
  }

  function insertText(el, text) {
    if (!el.isConnected || !isTextField(el)) return;
    if (el.maxLength > 0 && el.value.length >= el.maxLength) return;
    try {
      el.setRangeText(text, el.selectionStart, el.selectionEnd, "end");
    } catch (error) {
      el.value += text;  // number and e-mail fields have no selection
    }
    el.dispatchEvent(new InputEvent("input", { bubbles: true, inputType: "insertText", data: text }));
  }

  class Beeper {
    constructor(volume) {
      this.volume = Math.max(0, Math.min(100, Number(volume) || 0));
      // Made at the first beep: browsers allow audio once the page has had a key or a tap (a scan's
      // keys count), and nothing heavy runs while keys arrive.
      this.context = null;
    }

    ready() {
      if (!this.volume || !(window.AudioContext || window.webkitAudioContext)) return null;
      if (!this.context) this.context = new (window.AudioContext || window.webkitAudioContext)();
      if (this.context.state === "suspended") this.context.resume();
      return this.context;
    }

    beep() {
      const context = this.ready();
      if (!context) return;
      const start = context.currentTime + 0.01;
      const gain = context.createGain();
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(0.5 * this.volume / 100, start + 0.01);
      gain.gain.setValueAtTime(0.5 * this.volume / 100, start + 0.14);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.18);
      gain.connect(context.destination);
      const tone = context.createOscillator();
      tone.type = "square";
      tone.frequency.setValueAtTime(880, start);
      tone.connect(gain);
      tone.start(start);
      tone.stop(start + 0.2);
      document.body.dataset.scanBeeps = String(Number(document.body.dataset.scanBeeps || 0) + 1);
    }
  }

  class WedgeScanner {
    constructor(options) {
      // Settings the register page carries but the caller did not pass (register.js passes the older ones).
      const data = (document.getElementById("register") || { dataset: {} }).dataset;
      options = Object.assign({ pause: data.scannerPause, late: data.scannerLate, beepVolume: data.scanBeep }, options);
      this.layout = options.layout || "us";
      this.prefix = options.prefix || "";
      this.suffix = options.suffix || "Enter";
      this.maxGap = Number(options.maxGap) || 60;
      this.minLength = Number(options.minLength) || 4;
      this.pause = Math.max(Number(options.pause) || 160, this.maxGap);
      this.late = Number(options.late) >= 0 && options.late !== "" ? Number(options.late) : 300;
      this.onScan = options.onScan;
      this.keys = [];  // held keys, oldest first: {ch, text, t, up, el, held, human}
      this.lastScan = null;  // {last, terminated}: a scan taken by timeout may still see its terminator
      this.prefixAt = null;
      this.timer = null;
      this.beeper = new Beeper(options.beepVolume);
      document.addEventListener("keydown", (event) => this.onKeyDown(event), true);
      document.addEventListener("keyup", (event) => this.onKeyUp(event), true);
      document.addEventListener("kasse:scan-rejected", () => this.beeper.beep());
      // The message about a refused scan goes away with the next action.
      const dismiss = (event) => {
        if (event.type === "keydown" && IGNORED_KEYS.includes(event.key)) return;
        document.querySelectorAll("[data-scan-message]").forEach((el) => el.remove());
      };
      document.addEventListener("keydown", dismiss, true);
      document.addEventListener("pointerdown", dismiss, true);
    }

    charOf(event) {
      if (this.layout === "us") return usChar(event);
      return event.key && event.key.length === 1 ? event.key : null;
    }

    isSuffix(event) {
      return event.key === this.suffix || event.code === this.suffix || event.key === "Enter"
        || (this.suffix === "Tab" && event.key === "Tab");
    }

    onKeyDown(event) {
      if (event.ctrlKey || event.altKey || event.metaKey || event.isComposing || event.key === "Process") return;
      if (IGNORED_KEYS.includes(event.key)) return;
      const now = event.timeStamp || performance.now();
      // A scanner releases each key before it sends the next: a key still down now was a person's.
      for (const key of this.keys) if (key.up === null) key.human = true;
      if (this.prefix && (event.key === this.prefix || event.code === this.prefix)) {
        this.settle(now);
        this.prefixAt = now;
        event.preventDefault();
        event.stopPropagation();
        return;
      }
      if (this.isSuffix(event)) {
        if (this.terminate(now)) {
          event.preventDefault();
          event.stopPropagation();
        }
        return;
      }
      const text = event.key && event.key.length === 1 ? event.key : null;
      if (text === null || event.repeat) {
        // Backspace, arrows, a held key: whatever a person typed before lands first.
        this.settle(now, true);
        return;
      }
      const el = document.activeElement;
      const held = takesKeys(el);
      const ch = this.charOf(event);
      const key = { ch, text, code: event.code, t: now, up: null, el, held, human: ch === null, taken: false };
      if (held) {
        event.preventDefault();
        // A handler after this one that takes the key itself (the quantity key's "*" in the search box)
        // calls preventDefault too: then the key is a person's and is not put into the field again.
        const prevent = event.preventDefault.bind(event);
        event.preventDefault = () => { key.taken = true; key.human = true; prevent(); };
      }
      this.keys.push(key);
      this.settle(now);
    }

    onKeyUp(event) {
      const now = event.timeStamp || performance.now();
      const key = this.keys.find((candidate) => candidate.up === null && candidate.code === event.code);
      if (!key) return;
      key.up = now;
      this.settle(now);
    }

    /* Chains of bursts of the keys that may be a scanner's, as seen at `now`. */
    chains(now) {
      const chains = [];
      let chain = null;
      let burst = 0;
      let previous = null;
      for (const key of this.keys) {
        // Held down longer than a scanner ever does. Only a key-up says so: the clock alone could
        // run ahead of key-ups still queued on a busy page.
        if (key.up !== null && key.up - key.t > this.maxGap) key.human = true;
        if (key.human) continue;
        if (!chain || key.t - previous.t > this.pause) {
          chain = { keys: [], last: 0, scan: false };
          chains.push(chain);
          burst = 0;
        } else if (key.t - previous.t > this.maxGap) {
          burst = 0;
        }
        burst += 1;
        chain.keys.push(key);
        chain.last = key.t;
        if (burst >= this.minLength) chain.scan = true;
        if (this.prefixAt !== null && chain.keys[0].t >= this.prefixAt) chain.scan = true;
        previous = key;
      }
      return chains;
    }

    /* Take scans that have ended, decide a person's keys and put them into their field.
     * With `force` (a person's Enter, Backspace, arrow…) keys not part of a scan count as typed. */
    settle(now, force = false) {
      const undecided = new Set();
      for (const chain of this.chains(now)) {
        const closed = now - chain.last > this.pause;
        if (chain.scan) {
          if (closed) this.take(chain, false);
        } else if (closed || force) {
          chain.keys.forEach((key) => { key.human = true; });
        } else {
          chain.keys.forEach((key) => undecided.add(key));
        }
      }
      this.release(undecided);
      this.schedule();
    }

    /* A terminator at `now`: true if it ended (or belonged to) a scan and must not reach the page. */
    terminate(now) {
      const chains = this.chains(now);
      const open = chains.length ? chains[chains.length - 1] : null;
      if (open && open.scan && now - open.last <= Math.max(this.pause, this.late)) {
        for (const chain of chains.slice(0, -1)) {
          if (chain.scan) this.take(chain, false);
          else chain.keys.forEach((key) => { key.human = true; });
        }
        this.take(open, true);
        this.release(new Set());
        this.schedule();
        return true;
      }
      this.settle(now, true);
      if (this.lastScan && !this.lastScan.terminated && now - this.lastScan.last <= this.late) {
        this.lastScan.terminated = true;  // the late terminator of a scan taken by timeout
        return true;
      }
      return false;
    }

    take(chain, terminated) {
      const code = chain.keys.map((key) => key.ch).join("");
      this.keys = this.keys.filter((key) => !chain.keys.includes(key));
      this.lastScan = { last: chain.last, terminated };
      this.prefixAt = null;
      this.onScan(code);
    }

    /* Put a person's keys into their fields in the order typed; a key not yet decided holds back later ones.
     * Keys of a scan in progress stay (they hold nothing back). */
    release(undecided) {
      const remaining = [];
      let blocked = false;
      for (const key of this.keys) {
        if (undecided.has(key)) {
          blocked = true;
          remaining.push(key);
        } else if (key.human && !blocked) {
          if (key.held && !key.taken) insertText(key.el, key.text);
        } else {
          remaining.push(key);
        }
      }
      this.keys = remaining;
    }

    schedule() {
      clearTimeout(this.timer);
      this.timer = null;
      if (!this.keys.length) return;
      const now = performance.now();
      let next = Infinity;
      for (const key of this.keys) next = Math.min(next, key.t + this.pause + 1);
      this.timer = setTimeout(() => this.settle(performance.now()), Math.max(5, next - now));
    }
  }

  window.KasseWedgeScanner = WedgeScanner;
})();
