/* The owner's live feed: sales arrive over /ws/live/ and are put on top of the list. */
const body = document.getElementById("live-sales");
const empty = document.getElementById("live-empty");
const state = document.getElementById("live-state");
const directory = JSON.parse(document.getElementById("live-directory").textContent);
const lang = document.documentElement.lang || "de";
const limit = Number(body.dataset.limit) || 20;
const money = new Intl.NumberFormat(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2, useGrouping: false });
const timeFormats = {};

function formatTime(iso, zone) {
  if (!timeFormats[zone]) {
    timeFormats[zone] = new Intl.DateTimeFormat(lang, {
      timeZone: zone, day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit",
    });
  }
  return timeFormats[zone].format(new Date(iso));
}

function cell(text, testid, className) {
  const td = document.createElement("td");
  if (text instanceof Node) td.append(text); else td.textContent = text;
  if (testid) td.dataset.testid = testid;
  if (className) td.className = className;
  return td;
}

function timeElement(iso, zone) {
  const el = document.createElement("time");
  el.dateTime = iso;
  el.dataset.tz = zone;
  el.textContent = formatTime(iso, zone);
  return el;
}

function row(sale) {
  const store = directory.stores[sale.store_id] || { name: "–", tz: "Europe/Berlin" };
  const tr = document.createElement("tr");
  tr.dataset.testid = "live-sale";
  tr.dataset.id = sale.id;
  tr.className = "arrived";
  const receipt = document.createElement("span");
  receipt.textContent = String(sale.receipt_number);
  if (sale.kind === "refund") {
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = body.dataset.refundLabel;
    receipt.append(" ", badge);
  }
  tr.append(
    cell(timeElement(sale.completed_at, store.tz)),
    cell(store.name),
    cell(directory.registers[sale.register_id] || "–"),
    cell(receipt, "live-receipt"),
    cell(sale.employee || ""),
    cell(money.format(Number(sale.total)) + " €", "live-total", "num"),
  );
  return tr;
}

function add(sale) {
  if (body.querySelector(`[data-id="${CSS.escape(sale.id)}"]`)) return;  // a resend
  body.prepend(row(sale));
  while (body.children.length > limit) body.lastElementChild.remove();
  empty.hidden = true;
}

// Rows rendered by the server get the same time format as the ones that arrive later.
body.querySelectorAll("time[data-tz]").forEach((el) => { el.textContent = formatTime(el.dateTime, el.dataset.tz); });

window.kasseSocket.open(body.dataset.ws, {
  onState: (socketState) => {
    if (socketState === "open") {
      state.textContent = state.dataset.online;
      state.classList.add("on");
      document.body.dataset.live = "1";
    } else if (socketState === "closed" || socketState === "stopped") {
      state.textContent = state.dataset.offline;
      state.classList.remove("on");
      delete document.body.dataset.live;
    }
  },
  onMessage: (data) => { if (data.type === "sale") add(data.sale); },
});
document.body.dataset.ready = "1";
