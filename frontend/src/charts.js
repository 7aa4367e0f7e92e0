// Draws every dashboard chart: <figure class="chart" data-chart="ID"> holds a
// <canvas> and reads its figures from the JSON block <script id="ID"
// type="application/json"> (Django's json_script, never executed, so the strict
// CSP holds). The same figures are in the table under each chart.
import {
  ArcElement,
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  DoughnutController,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  PointElement,
  Tooltip,
} from "chart.js";

Chart.register(
  ArcElement,
  BarController,
  BarElement,
  CategoryScale,
  DoughnutController,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  PointElement,
  Tooltip,
);

// Each colour has at least 4.5:1 contrast on white; a pattern, a point style
// and a dash per series tell them apart without colour.
const COLOURS = ["#1d4e89", "#a1480b", "#0f6b4f", "#6b2fa0", "#b0123b", "#3f4752", "#0b6478", "#7a5300"];
const POINTS = ["circle", "rect", "triangle", "rectRot", "star", "crossRot", "rectRounded", "cross"];
const DASHES = [[], [6, 4], [2, 3], [10, 3, 2, 3], [1, 2], [8, 8], [4, 1], [12, 4]];

function pattern(index, colour) {
  const size = 10;
  const tile = document.createElement("canvas");
  tile.width = size;
  tile.height = size;
  const ctx = tile.getContext("2d");
  ctx.fillStyle = colour;
  ctx.fillRect(0, 0, size, size);
  ctx.strokeStyle = "rgba(255, 255, 255, 0.8)";
  ctx.fillStyle = "rgba(255, 255, 255, 0.8)";
  ctx.lineWidth = 2;
  const shape = index % COLOURS.length;
  ctx.beginPath();
  if (shape === 1) { ctx.moveTo(0, size); ctx.lineTo(size, 0); }
  else if (shape === 2) { ctx.arc(size / 2, size / 2, 1.8, 0, 2 * Math.PI); ctx.fill(); }
  else if (shape === 3) { ctx.moveTo(0, size / 2); ctx.lineTo(size, size / 2); }
  else if (shape === 4) { ctx.moveTo(size / 2, 0); ctx.lineTo(size / 2, size); }
  else if (shape === 5) { ctx.moveTo(0, 0); ctx.lineTo(size, size); ctx.moveTo(0, size); ctx.lineTo(size, 0); }
  else if (shape === 6) { ctx.moveTo(0, 0); ctx.lineTo(size, size); }
  else if (shape === 7) { ctx.rect(2, 2, size - 4, size - 4); }
  ctx.stroke();
  return ctx.createPattern(tile, "repeat");
}

function colour(index) {
  return COLOURS[index % COLOURS.length];
}

function config(data, reduceMotion) {
  const kind = data.kind;
  const type = kind === "stacked-bar" ? "bar" : kind;
  const many = data.series.length > 1;
  const datasets = data.series.map((series, i) => {
    const base = { label: series.label, data: series.values };
    if (kind === "line") {
      return {
        ...base,
        borderColor: colour(i),
        backgroundColor: colour(i),
        borderDash: DASHES[i % DASHES.length],
        pointStyle: POINTS[i % POINTS.length],
        pointRadius: 4,
        tension: 0,
      };
    }
    if (kind === "doughnut") {
      return {
        ...base,
        backgroundColor: series.values.map((_, j) => pattern(j, colour(j))),
        borderColor: "#ffffff",
        borderWidth: 2,
      };
    }
    return {
      ...base,
      backgroundColor: many ? pattern(i, colour(i)) : colour(0),
      borderColor: colour(i),
      borderWidth: 1,
    };
  });
  const options = {
    responsive: true,
    maintainAspectRatio: false,
    animation: reduceMotion ? false : { duration: 400 },
    plugins: {
      legend: { display: many || kind === "doughnut", labels: { usePointStyle: kind === "line" } },
      tooltip: { enabled: true },
    },
  };
  if (kind !== "doughnut") {
    const stacked = kind === "stacked-bar";
    options.scales = {
      x: { stacked, title: { display: Boolean(data.xLabel), text: data.xLabel } },
      y: {
        stacked,
        beginAtZero: true,
        title: { display: Boolean(data.yLabel), text: data.yLabel },
      },
    };
  }
  return { type, data: { labels: data.labels, datasets }, options };
}

export function drawCharts(root = document) {
  const reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  root.querySelectorAll("figure.chart[data-chart]").forEach((figure) => {
    const canvas = figure.querySelector("canvas");
    const source = document.getElementById(figure.dataset.chart);
    if (!canvas || !source || Chart.getChart(canvas)) return;
    const data = JSON.parse(source.textContent);
    new Chart(canvas, config(data, reduceMotion));
    figure.dataset.chartDrawn = "true";
  });
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", () => drawCharts());
} else {
  drawCharts();
}
