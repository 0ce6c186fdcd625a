// Weekly trend charts of the dashboard (uPlot, vendored: see `make uplot`). The numbers come
// from the page itself (json_script), the table under the charts holds the same values.
(function () {
  "use strict";
  function draw() {
    if (!window.uPlot) return;
    var weeks = JSON.parse(document.getElementById("trend-weeks").textContent);
    var charts = JSON.parse(document.getElementById("trend-series").textContent);
    var xs = weeks.map(function (w) { return Date.parse(w + "T00:00:00+08:00") / 1000; });
    charts.forEach(function (c) {
      var el = document.querySelector('.chart[data-series="' + c.key + '"]');
      if (!el || el.dataset.drawn) return;
      el.dataset.drawn = "1";
      var width = Math.max(el.clientWidth || 260, 200);
      new window.uPlot({
        width: width,
        height: 140,
        legend: { show: false },
        cursor: { show: true },
        scales: { x: { time: true } },
        axes: [{ size: 28 }, { size: 44 }],
        series: [{}, { label: c.title, stroke: "#1a5fb4", width: 2, spanGaps: true,
                       points: { show: xs.length < 30 } }],
      }, [xs, c.values], el);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
