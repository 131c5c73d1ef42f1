#!/usr/bin/env node
// Builds docs/api/reference.html, the API reference page without its spec: Swagger UI from
// the pinned swagger-ui-dist (package-lock.json; `npm ci` first), template.html, page.css and
// init.js, all inlined into one HTML file that loads nothing from the network. `serve` compiles
// the file in and puts openapi.yaml into it (/docs, `serve docs`), so editing openapi.yaml
// needs no rebuild here; changing the renderer, its version or the template does.
//
//   node build.mjs           write reference.html
//   node build.mjs --check   exit 1 if reference.html is not what this build writes
//
// The page's Content-Security-Policy names each inline script and style by its SHA-256: no
// other script runs, and nothing may be fetched but from the page's own origin (and, for
// "Try it out", local servers).

import { createHash } from "node:crypto";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "reference.html");
const dist = join(here, "node_modules", "swagger-ui-dist");
const SPEC_MARKER = "__OPENAPI_YAML__";

function fail(message) {
  console.error(`build.mjs: ${message}`);
  process.exit(1);
}

const read = (path) => readFileSync(path, "utf8");

const pinned = JSON.parse(read(join(here, "package.json"))).dependencies["swagger-ui-dist"];
if (!existsSync(join(dist, "package.json"))) fail("no node_modules/swagger-ui-dist: run `npm ci` in docs/api");
const installed = JSON.parse(read(join(dist, "package.json")));
if (installed.version !== pinned) {
  fail(`node_modules has swagger-ui-dist ${installed.version}, package.json pins ${pinned}: run \`npm ci\` in docs/api`);
}

// Inside <script>, HTML reads `</script` (ending the element) and `<!--`, `<script` (which can
// stop a later `</script>` from ending it). Each `<` that starts one of them becomes `\x3C`,
// which reads as `<` in the string, regular expression or comment it sits in (the bundle has
// them only there; the Chromium test would fail on anything else).
function inlineScript(js) {
  js = js.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, "\n");
  return js.replace(/<(?=\/script[\s/>]|!--|script[\s/>])/gi, "\\x3C");
}

function inlineStyle(css) {
  css = css.replace(/\/\*# sourceMappingURL=[^*]*\*\/\s*$/, "");
  if (/<\/style/i.test(css)) fail("a stylesheet contains </style");
  return css;
}

const sha256 = (text) => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;

const swaggerJs = inlineScript(read(join(dist, "swagger-ui-bundle.js")));
const initJs = inlineScript(read(join(here, "init.js")));
const swaggerCss = inlineStyle(read(join(dist, "swagger-ui.css")));
const pageCss = inlineStyle(read(join(here, "page.css")));
const favicon = `data:image/png;base64,${readFileSync(join(dist, "favicon-32x32.png")).toString("base64")}`;


// `connect-src`: the page's own origin, and local servers (openapi.yaml's servers are
// localhost; the gateway has no CORS, so no other origin could answer "Try it out" anyway).
const csp = [
  "default-src 'none'",
  `script-src ${sha256(swaggerJs)} ${sha256(initJs)}`,
  `style-src ${sha256(swaggerCss)} ${sha256(pageCss)}`,
  "img-src data:",
  "connect-src 'self' http://localhost:* http://127.0.0.1:*",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");

// Apache-2.0 (swagger-ui) asks that its licence and NOTICE travel with it; the bundle's own
// list of the licences of what it bundles comes along too.
let notice = [
  `Swagger UI ${installed.version} (npm swagger-ui-dist), ${installed.license}.`,
  read(join(dist, "NOTICE")).trim(),
  "",
  "Licences of the libraries inside swagger-ui-bundle.js (its swagger-ui-bundle.js.LICENSE.txt):",
  read(join(dist, "swagger-ui-bundle.js.LICENSE.txt")).trim(),
  "",
  "swagger-ui's LICENSE:",
  read(join(dist, "LICENSE")).trim(),
].join("\n");
if (/--!?>/.test(notice)) fail("the licence text would end the HTML comment it goes in");
notice = notice.replace(/\r\n/g, "\n");

const parts = {
  NOTICE: notice,
  CSP: csp,
  FAVICON: favicon,
  SWAGGER_CSS: swaggerCss,
  PAGE_CSS: pageCss,
  SWAGGER_JS: swaggerJs,
  INIT_JS: initJs,
};
const template = read(join(here, "template.html"));
if (template.split(SPEC_MARKER).length !== 2) fail(`template.html must hold ${SPEC_MARKER} exactly once`);
// One pass over the template, so that nothing inserted is read as a placeholder.
const page = template.replace(/\{\{([A-Z_]+)\}\}/g, (whole, name) => {
  if (!(name in parts)) fail(`template.html has an unknown placeholder ${whole}`);
  return parts[name];
});
if (page.split(SPEC_MARKER).length !== 2) fail(`the page must hold ${SPEC_MARKER} exactly once`);

if (process.argv.includes("--check")) {
  const committed = existsSync(out) ? read(out) : "";
  if (committed !== page) {
    fail(`docs/api/reference.html is not what the pinned renderer and the template make: run \`make docs\` and commit it`);
  }
  console.log(`build.mjs: docs/api/reference.html is current (swagger-ui-dist ${installed.version}, ${Buffer.byteLength(page)} bytes)`);
} else {
  writeFileSync(out, page);
  console.log(`build.mjs: wrote docs/api/reference.html (swagger-ui-dist ${installed.version}, ${Buffer.byteLength(page)} bytes)`);
}
