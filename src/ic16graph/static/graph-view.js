// The pictures (lead-project network, theme hierarchy): cytoscape draws the nodes and edges that
// the page carries as JSON in <script type="application/json" id="…">, named by the container's
// data-graph attribute. A node's page opens on click or tap. No inline script: CSP-friendly.
(function () {
  "use strict";
  const COLOURS = {
    project: "#0b3d6b",
    region: "#2e8b57",
    scheme: "#0b3d6b",
    agreement: "#6b3fa0",
    theme: "#2e8b57",
  };
  const ROW = 44; // vertical distance between nodes of the two-column picture

  // Lead projects on the left, city regions on the right, each region at the mean height of the
  // projects involving it (few crossings), in a fixed, repeatable arrangement.
  function twoColumns(graph) {
    const left = graph.nodes.filter((node) => node.kind === "project");
    const row = new Map(left.map((node, index) => [node.id, index]));
    const links = new Map();
    graph.edges.forEach((edge) => {
      if (!links.has(edge.target)) links.set(edge.target, []);
      links.get(edge.target).push(row.get(edge.source));
    });
    const mean = (id) => {
      const rows = links.get(id) || [0];
      return rows.reduce((sum, r) => sum + r, 0) / rows.length;
    };
    const right = graph.nodes.filter((node) => node.kind !== "project")
      .sort((a, b) => mean(a.id) - mean(b.id) || a.label.localeCompare(b.label));
    const height = Math.max(left.length, right.length) * ROW;
    const positions = {};
    left.forEach((node, index) => {
      positions[node.id] = { x: 0, y: ((index + 0.5) * height) / left.length };
    });
    right.forEach((node, index) => {
      positions[node.id] = { x: 420, y: ((index + 0.5) * height) / right.length };
    });
    return { name: "preset", positions: positions, padding: 16 };
  }

  const LAYOUTS = {
    network: twoColumns,
    // Force-directed: each scheme and agreement gathers its themes around it.
    tree: () => ({ name: "cose", animate: false, randomize: false, padding: 16, numIter: 2500,
      gravity: 0.4, nestingFactor: 1.2,
      nodeRepulsion: (node) => (node.data("kind") === "theme" ? 8000 : 600000),
      idealEdgeLength: (edge) => (edge.source().data("kind") === "scheme" ? 220 : 40) }),
  };

  function elements(graph) {
    const nodes = graph.nodes.map((node) => ({ data: node, classes: node.kind }));
    const edges = graph.edges.map((edge, index) => ({
      data: { id: "e" + index, source: edge.source, target: edge.target }, classes: edge.kind,
    }));
    return nodes.concat(edges);
  }

  function draw(container) {
    const source = document.getElementById(container.dataset.graph);
    if (!source || !window.cytoscape) return;
    const graph = JSON.parse(source.textContent);
    const layout = (LAYOUTS[container.dataset.layout] || LAYOUTS.network)(graph);
    const view = window.cytoscape({
      container: container,
      elements: elements(graph),
      layout: layout,
      style: [
        { selector: "node", style: {
          label: "data(label)", "font-size": 11, "text-wrap": "wrap", "text-max-width": 140,
          "text-valign": "bottom", "text-margin-y": 4, color: "#1d2430", width: 18, height: 18,
          "background-color": (node) => COLOURS[node.data("kind")] || "#4a5463",
          "text-background-color": "#ffffff", "text-background-opacity": 0.8,
          "text-background-padding": 1 } },
        { selector: "node.project", style: { width: 24, height: 24, "font-weight": "bold",
          "text-valign": "center", "text-halign": "left", "text-margin-x": -8, "text-margin-y": 0,
          "text-max-width": 260 } },
        { selector: "node.region", style: { "text-valign": "center", "text-halign": "right",
          "text-margin-x": 8, "text-margin-y": 0 } },
        { selector: "node.scheme", style: { width: 30, height: 30, "font-size": 14, "font-weight": "bold" } },
        { selector: "node.theme", style: { width: 12, height: 12, "font-size": 8, "min-zoomed-font-size": 9 } },
        { selector: "node.region, node.theme", style: { shape: "round-rectangle" } },
        { selector: "node.agreement", style: { shape: "diamond", width: 22, height: 22 } },
        { selector: "edge", style: { width: 1.5, "line-color": "#9aa8b8", "curve-style": "bezier" } },
        { selector: "edge.lead", style: { width: 4, "line-color": "#c2410c" } },
        { selector: "node:active, node.hover", style: { "overlay-opacity": 0.15 } },
      ],
    });
    view.on("tap", "node", (event) => {
      const href = event.target.data("href");
      if (href) window.location.assign(href);
    });
    view.on("mouseover", "node", (event) => {
      event.target.addClass("hover");
      container.style.cursor = "pointer";
    });
    view.on("mouseout", "node", (event) => {
      event.target.removeClass("hover");
      container.style.cursor = "";
    });
  }

  document.querySelectorAll("[data-graph]").forEach(draw);
})();
