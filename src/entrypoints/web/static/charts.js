// Small inline-SVG charts for the admin dashboard: no library, readable at 360 px.

const SVG = "http://www.w3.org/2000/svg";

function svgNode(tag, attributes = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) {
    node.setAttribute(name, String(value));
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

function chart(width, height, label) {
  return svgNode("svg", {
    class: "chart",
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-label": label,
    preserveAspectRatio: "xMidYMid meet",
  });
}

function legend(series) {
  const list = document.createElement("ul");
  list.className = "legend";
  for (const { label, color } of series) {
    const item = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = color;
    item.append(swatch, label);
    list.append(item);
  }
  return list;
}

/**
 * An axis for counts up to `max`: ticks 1, 2 or 5 times a power of ten apart, at most
 * `most` steps, the top a whole tick at or above `max` (28 -> 0, 10, 20, 30).
 */
export function countScale(max, most = 4) {
  const rough = Math.max(1, max) / most;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = Math.max(1, [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough));
  return { top: Math.max(step, Math.ceil(max / step) * step), step };
}

/**
 * Charts are drawn at the width they are shown (one unit per CSS pixel) so their text stays
 * readable on a phone. Stacked columns: `columns` is [{label, values: {key: count}}], `series` is
 * [{key, label, color}]. Returns a fragment with the chart and its legend.
 */
export function stackedColumns(columns, series, summary, width = 640) {
  const height = 240;
  const pad = { left: 34, right: 8, top: 10, bottom: 34 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const totals = columns.map((column) => series.reduce((sum, s) => sum + (column.values[s.key] || 0), 0));
  const { top, step } = countScale(Math.max(...totals, 0));
  const svg = chart(width, height, summary);
  for (let value = 0; value <= top; value += step) {
    const y = pad.top + plotH - (plotH * value) / top;
    svg.append(svgNode("line", { x1: pad.left, x2: width - pad.right, y1: y, y2: y, stroke: "#e2e8f0" }));
    svg.append(svgNode("text", { x: pad.left - 6, y: y + 4, "text-anchor": "end", "font-size": 12, fill: "#475569" }, String(value)));
  }
  const slot = plotW / Math.max(1, columns.length);
  const labelEvery = Math.max(1, Math.ceil(40 / slot));
  const barW = Math.max(2, slot * 0.7);
  columns.forEach((column, index) => {
    const x = pad.left + index * slot + (slot - barW) / 2;
    let y = pad.top + plotH;
    for (const s of series) {
      const count = column.values[s.key] || 0;
      if (!count) {
        continue;
      }
      const h = (plotH * count) / top;
      y -= h;
      const rect = svgNode("rect", { x, y, width: barW, height: h, fill: s.color });
      rect.append(svgNode("title", {}, `${column.label}: ${count} ${s.label.toLowerCase()}`));
      svg.append(rect);
    }
    if (index % labelEvery === 0) {
      svg.append(svgNode("text", { x: x + barW / 2, y: height - 12, "text-anchor": "middle", "font-size": 12, fill: "#475569" }, column.label));
    }
  });
  svg.append(svgNode("line", { x1: pad.left, x2: width - pad.right, y1: pad.top + plotH, y2: pad.top + plotH, stroke: "#64748b" }));
  const fragment = document.createDocumentFragment();
  fragment.append(svg, legend(series));
  return fragment;
}

/** Horizontal bars with their label above and the count at the end: [{label, count}]. */
export function labelledBars(rows, color, summary, width = 640) {
  const rowH = 44;
  const height = Math.max(rowH, rows.length * rowH) + 4;
  const top = Math.max(1, ...rows.map((row) => row.count));
  const svg = chart(width, height, summary);
  rows.forEach((row, index) => {
    const y = index * rowH;
    const room = Math.floor(width / 7.5);
    const label = row.label.length > room ? `${row.label.slice(0, room - 1)}…` : row.label;
    svg.append(svgNode("text", { x: 0, y: y + 14, "font-size": 13, fill: "#0f172a" }, label));
    const barW = Math.max(3, ((width - 60) * row.count) / top);
    const rect = svgNode("rect", { x: 0, y: y + 20, width: barW, height: 16, rx: 3, fill: color });
    rect.append(svgNode("title", {}, `${row.label}: ${row.count}`));
    svg.append(rect);
    svg.append(svgNode("text", { x: barW + 6, y: y + 33, "font-size": 13, fill: "#0f172a" }, String(row.count)));
  });
  return svg;
}
