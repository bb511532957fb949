/* The report's chart: Chart.js draws the series the server put into #report-chart-data (json_script).
   No markup is built here; labels and numbers are data. Amounts are formatted in the page's language. */
(function () {
  "use strict";

  function draw() {
    var source = document.getElementById("report-chart-data");
    var canvas = document.getElementById("report-canvas");
    if (!source || !canvas || typeof window.Chart === "undefined") return;
    var spec = JSON.parse(source.textContent);
    var lang = document.documentElement.lang || "de";
    var money = new Intl.NumberFormat(lang, { style: "currency", currency: "EUR" });
    var palette = ["#1a56a8", "#9aa7b8", "#d97706", "#059669", "#7c3aed", "#db2777", "#0891b2", "#65a30d"];
    var horizontal = spec.type === "hbar";
    var round = spec.type === "doughnut";
    var type = horizontal || spec.type === "stacked" ? "bar" : spec.type;
    var datasets = spec.series.map(function (s, i) {
      return {
        label: s.label,
        data: s.data,
        backgroundColor: round ? palette : palette[i % palette.length],
        borderColor: round ? "#fff" : palette[i % palette.length],
        fill: false,
        tension: 0.2,
      };
    });
    var format = function (v) { return spec.money ? money.format(v) : String(v); };
    var scales = round ? {} : {
      x: { stacked: spec.type === "stacked", ticks: horizontal ? { callback: format } : {} },
      y: { stacked: spec.type === "stacked", ticks: horizontal ? {} : { callback: format } },
    };
    canvas.chart = new window.Chart(canvas, {
      type: type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        indexAxis: horizontal ? "y" : "x",
        maintainAspectRatio: false,
        animation: false,
        scales: scales,
        plugins: {
          tooltip: {
            callbacks: {
              label: function (ctx) {
                var value = ctx.parsed && typeof ctx.parsed === "object" ? (horizontal ? ctx.parsed.x : ctx.parsed.y) : ctx.parsed;
                return ctx.dataset.label + ": " + format(value);
              },
            },
          },
        },
      },
    });
    canvas.dataset.ready = "1";
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
