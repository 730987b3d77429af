// A YASR result view: a horizontal bar chart, offered when a SELECT result has one numeric
// column and at most 100 rows (counts per city, per theme…). Built with DOM text nodes only.
(function () {
  "use strict";
  const XSD = "http://www.w3.org/2001/XMLSchema#";
  const NUMERIC = new Set(["integer", "decimal", "double", "float", "int", "long", "short",
    "byte", "nonNegativeInteger", "positiveInteger", "unsignedInt", "unsignedLong"]
    .map((name) => XSD + name));
  const MAX_BARS = 100;

  class Chart {
    constructor(yasr) {
      this.yasr = yasr;
      this.label = "Chart";
      this.priority = 5; // below the table, which stays the default view
    }

    series() {
      const results = this.yasr.results;
      if (!results || !results.getVariables || !results.getBindings) return null;
      const variables = results.getVariables() || [];
      const rows = results.getBindings() || [];
      if (rows.length === 0 || rows.length > MAX_BARS) return null;
      const value = variables.find((v) => rows.every((row) => row[v] && NUMERIC.has(row[v].datatype)));
      const label = variables.find((v) => v !== value);
      return value && label ? { value, label, rows } : null;
    }

    canHandleResults() {
      return this.series() !== null;
    }

    shorten(term) {
      if (!term) return "";
      if (term.type !== "uri") return term.value;
      const prefixes = Object.entries(this.yasr.getPrefixes())
        .filter(([, namespace]) => term.value.startsWith(namespace))
        .sort((a, b) => b[1].length - a[1].length);
      return prefixes.length ? `${prefixes[0][0]}:${term.value.slice(prefixes[0][1].length)}` : term.value;
    }

    draw() {
      const { value, label, rows } = this.series();
      const largest = Math.max(...rows.map((row) => Math.abs(Number(row[value].value))), 1);
      const chart = document.createElement("div");
      chart.className = "ic16-chart";
      for (const row of rows) {
        const number = Number(row[value].value);
        const name = document.createElement("span");
        name.className = "ic16-chart-label";
        name.textContent = this.shorten(row[label]);
        const bar = document.createElement("span");
        bar.className = "ic16-chart-bar";
        bar.style.width = `${(100 * Math.abs(number)) / largest}%`;
        const amount = document.createElement("span");
        amount.className = "ic16-chart-value";
        amount.textContent = row[value].value;
        const track = document.createElement("span");
        track.className = "ic16-chart-track";
        track.append(bar, amount);
        chart.append(name, track);
      }
      this.yasr.resultsEl.appendChild(chart);
    }

    getIcon() {
      const icon = document.createElement("span");
      icon.textContent = "▤";
      return icon;
    }
  }

  window.Yasgui && (window.Yasgui.default || window.Yasgui).Yasr.registerPlugin("chart", Chart);
})();
