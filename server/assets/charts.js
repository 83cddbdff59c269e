// Small SVG charts for the dashboard: bars and lines over time, and horizontal bars.
// Each chart is an <svg role="img"> with a text summary, followed by a collapsible
// table of the same numbers, so the data is readable without seeing the drawing.
"use strict";

(function () {
  const { el, replace, clock } = window.Emporium;

  const WIDTH_DEFAULT = 600;
  const WIDTH_MIN = 260;
  const HEIGHT = 190;
  const MARGIN = { left: 60, right: 12, top: 10, bottom: 24 };
  const Y_TICKS = 4;
  /** Room for one time label on the x axis, in pixels. */
  const X_LABEL_PX = 90;

  /** The smallest of 1, 2, 5 × 10^n that is at least `value`. */
  function niceCeil(value) {
    if (!(value > 0)) return 1;
    const power = 10 ** Math.floor(Math.log10(value));
    for (const step of [1, 2, 5, 10]) if (step * power >= value * (1 - 1e-9)) return step * power;
    return 10 * power;
  }

  /**
   * The y axis: a round step (at least `stepMin`) and the top, a whole number of steps
   * at or above `max`, so every tick is a round number.
   */
  function yScale(max, stepMin) {
    const step = Math.max(stepMin || 0, niceCeil(max / Y_TICKS));
    return { step, top: Math.max(step, step * Math.ceil(max / step - 1e-9)) };
  }

  function svg(tag, attributes, ...children) {
    return el("svg:" + tag, attributes, ...children);
  }

  /**
   * A time chart. `options`: `label` (what it shows), `from`/`to` (ms; default the data's
   * span), `bars` [{start, end, value, open}], `series` [{name, points: [{t, value}]}],
   * `barName`, `format` (a value as text), `columns` (the table's header for values),
   * `stepMin` (the smallest y step: 1 for counts). It is drawn at the container's width,
   * so its text stays at its CSS size on a phone and on a wide screen.
   */
  function timeChart(container, options) {
    container.classList.add("chart");
    const bars = options.bars || [];
    const series = (options.series || []).filter((line) => line.points.length);
    const format = options.format || String;
    const times = bars.flatMap((bar) => [bar.start, bar.end]).concat(series.flatMap((line) => line.points.map((p) => p.t)));
    if (!times.length) {
      replace(container, el("p", { class: "unavailable" }, options.empty || "No data yet."));
      return;
    }
    const from = options.from ?? Math.min(...times);
    const to = Math.max(options.to ?? Math.max(...times), from + 1);
    const values = bars.map((bar) => bar.value).concat(series.flatMap((line) => line.points.map((p) => p.value)));
    const WIDTH = Math.max(WIDTH_MIN, Math.round(container.clientWidth || WIDTH_DEFAULT));
    const { step, top } = yScale(Math.max(0, ...values), options.stepMin);
    const xTicks = Math.max(1, Math.min(6, Math.floor((WIDTH - MARGIN.left) / X_LABEL_PX)));
    const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
    const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
    const x = (t) => MARGIN.left + ((t - from) / (to - from)) * plotWidth;
    const y = (v) => MARGIN.top + plotHeight - (Math.max(0, v) / top) * plotHeight;

    const parts = [];
    for (let value = 0; value <= top + step / 2; value += step) {
      parts.push(svg("line", { class: "grid-line", x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(value), y2: y(value) }));
      parts.push(svg("text", { x: MARGIN.left - 6, y: y(value) + 4, "text-anchor": "end" }, format(value)));
    }
    for (let i = 0; i <= xTicks; i++) {
      const t = from + ((to - from) / xTicks) * i;
      const anchor = i === 0 ? "start" : i === xTicks ? "end" : "middle";
      parts.push(svg("text", { x: x(t), y: HEIGHT - 6, "text-anchor": anchor }, clock(new Date(t))));
    }
    parts.push(svg("line", { class: "axis", x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(0), y2: y(0) }));
    for (const bar of bars) {
      if (bar.end <= from || bar.start >= to) continue;
      const left = x(Math.max(bar.start, from));
      const width = Math.max(1, x(Math.min(bar.end, to)) - left - 1);
      parts.push(
        svg(
          "rect",
          { class: bar.open ? "bar bar-open" : "bar", x: left, y: y(bar.value), width, height: Math.max(0, y(0) - y(bar.value)) },
          svg("title", null, clock(new Date(bar.start)) + "–" + clock(new Date(bar.end)) + ": " + format(bar.value) + (bar.open ? " (open)" : "")),
        ),
      );
    }
    series.forEach((line, index) => {
      const points = line.points.filter((p) => p.t >= from && p.t <= to);
      if (!points.length) return;
      const d = points.map((p, i) => (i ? "L" : "M") + x(p.t).toFixed(1) + " " + y(p.value).toFixed(1)).join(" ");
      parts.push(svg("path", { class: "series-" + (line.style ?? index), d }, svg("title", null, line.name)));
      if (points.length === 1) {
        parts.push(svg("circle", { class: "series-" + (line.style ?? index), cx: x(points[0].t), cy: y(points[0].value), r: 3 }));
      }
    });

    const latest = bars.length ? bars[bars.length - 1] : null;
    const summary =
      options.label +
      (latest ? ", latest " + format(latest.value) : "") +
      series.map((line) => (line.points.length ? ", " + line.name + " latest " + format(line.points[line.points.length - 1].value) : "")).join("");
    const legend = el(
      "ul",
      { class: "legend" },
      bars.length ? el("li", null, el("span", { class: "legend-swatch swatch-bar" }), options.barName || "per window") : null,
      series.map((line, index) => el("li", null, el("span", { class: "legend-swatch swatch-" + (line.style ?? index) }), line.name)),
    );
    replace(
      container,
      svg("svg", { viewBox: "0 0 " + WIDTH + " " + HEIGHT, role: "img", "aria-label": summary, preserveAspectRatio: "xMidYMid meet" }, parts),
      legend,
      dataTable(options, bars, series, format),
    );
  }

  function dataTable(options, bars, series, format) {
    const rows = [];
    for (const bar of bars.slice().reverse()) {
      rows.push(
        el(
          "tr",
          { dataset: { start: new Date(bar.start).toISOString(), end: new Date(bar.end).toISOString(), value: String(bar.value) } },
          el("td", null, clock(new Date(bar.start)) + "–" + clock(new Date(bar.end)) + (bar.open ? " (open)" : "")),
          el("td", { class: "number" }, format(bar.value)),
          el("td", null, options.barName || ""),
        ),
      );
    }
    for (const line of series) {
      for (const point of line.points.slice(-12).reverse()) {
        rows.push(el("tr", null, el("td", null, clock(new Date(point.t))), el("td", { class: "number" }, format(point.value)), el("td", null, line.name)));
      }
    }
    return el(
      "details",
      { class: "chart-data" },
      el("summary", null, "Data table"),
      el(
        "div",
        { class: "scroll" },
        el(
          "table",
          null,
          el("thead", null, el("tr", null, el("th", { scope: "col" }, "Time"), el("th", { scope: "col", class: "number" }, options.columns || "Value"), el("th", { scope: "col" }, "Series"))),
          el("tbody", null, rows),
        ),
      ),
    );
  }

  /** Horizontal bars: `items` [{label, value, text}], scaled to the largest value. */
  function hbars(container, items, empty) {
    if (!items.length) {
      replace(container, el("p", { class: "unavailable" }, empty || "Nothing yet."));
      return;
    }
    const top = Math.max(1, ...items.map((item) => item.value));
    replace(
      container,
      items.map((item) => {
        const fill = el("div", { class: "hbar-fill" });
        fill.style.width = ((Math.max(0, item.value) / top) * 100).toFixed(1) + "%";
        return el(
          "div",
          { class: "hbar", dataset: { label: item.label, value: String(item.value) } },
          el("span", { class: "hbar-label" }, item.href ? el("a", { href: item.href }, item.label) : item.label),
          el("div", { class: "hbar-track", "aria-hidden": "true" }, fill),
          el("span", { class: "hbar-value" }, item.text ?? String(item.value)),
        );
      }),
    );
  }

  window.EmporiumCharts = { timeChart, hbars, yScale };
})();
