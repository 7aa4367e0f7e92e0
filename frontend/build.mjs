// Bundles frontend/src into static/js/. Run with `make frontend`; the output is
// committed so that a pip-only install serves the app without Node.
import * as esbuild from "esbuild";

await esbuild.build({
  entryPoints: { app: "src/app.js" },
  bundle: true,
  minify: true,
  sourcemap: false,
  format: "iife",
  target: ["es2020"],
  outdir: "../static/js",
  legalComments: "linked",
  logLevel: "info",
});
