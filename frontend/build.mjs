// Bundles frontend/src into static/js/. Run with `make frontend`; the output is
// committed so that a pip-only install serves the app without Node. editor.js
// (CodeMirror + Yjs) loads only on the business plan page, charts.js
// (Chart.js) only on the staff dashboards. BUNDLE_OUTDIR writes elsewhere:
// `make check-bundle` builds into a temporary folder and compares the result
// with the committed files byte for byte (the build is reproducible).
import * as esbuild from "esbuild";

await esbuild.build({
  entryPoints: { app: "src/app.js", editor: "src/editor.js", charts: "src/charts.js" },
  bundle: true,
  minify: true,
  sourcemap: false,
  format: "iife",
  target: ["es2020"],
  outdir: process.env.BUNDLE_OUTDIR || "../static/js",
  legalComments: "linked",
  logLevel: process.env.BUNDLE_OUTDIR ? "warning" : "info",
});
