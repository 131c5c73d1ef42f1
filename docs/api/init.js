// Starts Swagger UI on the openapi.yaml that the page carries (the "openapi-yaml" element, a
// JSON string of the file's text): nothing is fetched. Swagger UI parses the YAML itself.
(function () {
  "use strict";
  var yaml = JSON.parse(document.getElementById("openapi-yaml").textContent);

  // Opened from `serve` (http(s)://host:port/docs), "Try it out" should call that same server:
  // it is offered first in the servers list (serve has no CORS, so another origin would fail).
  // The static page (make docs) is left with the document's own servers.
  var here = /^https?:$/.test(location.protocol) && /\/docs$/.test(location.pathname) ? location.origin : null;
  function ThisServer() {
    return {
      statePlugins: {
        spec: {
          wrapActions: {
            updateJsonSpec: function (original) {
              return function (spec) {
                if (here && spec && typeof spec === "object") {
                  var servers = Array.isArray(spec.servers) ? spec.servers : [];
                  if (!servers.some(function (server) { return server && server.url === here; })) {
                    var first = { url: here, description: "this server (the one that served this page)" };
                    spec = Object.assign({}, spec, { servers: [first].concat(servers) });
                  }
                }
                return original(spec);
              };
            }
          }
        }
      }
    };
  }

  window.ui = SwaggerUIBundle({
    dom_id: "#swagger-ui",
    presets: [SwaggerUIBundle.presets.apis],
    plugins: [ThisServer],
    layout: "BaseLayout",
    // No online validator badge (it would send the spec's address to validator.swagger.io),
    // no configuration from the query string.
    validatorUrl: null,
    queryConfigEnabled: false,
    deepLinking: true,
    docExpansion: "list",
    defaultModelsExpandDepth: 0,
    displayRequestDuration: true,
    persistAuthorization: false,
    filter: true
  });
  window.ui.specActions.updateSpec(yaml);
})();
