// Draws the outcome dashboard's charts from the data the page embeds with json_script (no inline script: CSP).
// No text here: labels and series names come translated in that data; a chart without a published value has no canvas.
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("insights-charts");
    if (!source || typeof window.Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var common = { animation: false, responsive: true, plugins: { legend: { display: false } } };
    var meetings = document.getElementById("chart-meetings");
    if (meetings) {
      new window.Chart(meetings, {
        type: "bar",
        data: { labels: data.meetings.labels, datasets: [{ label: data.meetings.series, data: data.meetings.values, backgroundColor: "#2b59c3" }] },
        options: common,
      });
    }
    var health = document.getElementById("chart-health");
    if (health) {
      new window.Chart(health, {
        type: "bar",
        // Hidden counts are null: Chart.js leaves a gap, the table beside the chart shows the dash.
        data: { labels: data.health.labels, datasets: [{ label: data.health.series, data: data.health.values, backgroundColor: ["#2e7d32", "#f9a825", "#c62828"] }] },
        options: common,
      });
    }
    var pulses = document.getElementById("chart-pulses");
    if (pulses) {
      var colours = ["#2b59c3", "#8e44ad"];
      new window.Chart(pulses, {
        type: "bar",
        data: {
          labels: data.pulses.labels,
          datasets: data.pulses.series.map(function (series, index) {
            return { label: series.label, data: series.values, backgroundColor: colours[index % colours.length] };
          }),
        },
        options: { animation: false, responsive: true, plugins: { legend: { display: true } } },
      });
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
