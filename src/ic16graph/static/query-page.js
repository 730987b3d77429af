// The query page: YASGUI on our endpoint, our prefixes preloaded, the named queries as tabs,
// and the current query kept in the page URL (#query=…) so that the address bar is a share link.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("ic16-config").textContent);
  const Yasgui = window.Yasgui.default || window.Yasgui;
  const prefixes = Object.entries(config.prefixes)
    .map(([prefix, namespace]) => `PREFIX ${prefix}: <${namespace}>`)
    .join("\n");
  const starter = `${prefixes}

# The cities of the programme, with their Finnish names.
SELECT ?city ?name WHERE {
  ?city a ic16:City ;
        skos:prefLabel ?name .
  FILTER(lang(?name) = "fi")
}
ORDER BY ?name
LIMIT 100
`;
  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    persistenceId: null, // a fresh page shows the examples; the URL carries the query instead
    requestConfig: { endpoint: config.endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: { getData: () => [{ endpoint: config.endpoint }] },
    yasqe: { value: starter, collapsePrefixesOnLoad: true },
    yasr: { prefixes: config.prefixes },
  });

  const tabs = new Map();
  for (const example of config.examples) {
    const tab = yasgui.addTab(false, {
      name: example.title,
      yasqe: { value: example.text },
      requestConfig: { endpoint: config.endpoint },
    });
    tabs.set(example.name, tab);
  }
  for (const button of document.querySelectorAll("button.example")) {
    button.addEventListener("click", () => {
      const tab = tabs.get(button.dataset.name);
      yasgui.selectTabId(tab.getId());
      tab.query().catch(() => {});
    });
  }

  function keepQueryInUrl(_, tab) {
    const page = window.location.href.split("#")[0];
    history.replaceState(null, "", Yasgui.linkUtils.createShareLink(page, tab || yasgui.getTab()));
  }
  yasgui.on("query", keepQueryInUrl);
  yasgui.on("tabSelect", (_, tabId) => keepQueryInUrl(_, yasgui.getTab(tabId)));
})();
