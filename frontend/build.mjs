// Copies the installed front-end packages into turnabout/static/dist/ (git-ignored),
// so pages load them from our own origin: no CDN at run time, nothing hand-copied.
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "..", "turnabout", "static", "dist");
const assets = {
  "htmx.min.js": "node_modules/htmx.org/dist/htmx.min.js",
  "chart.umd.js": "node_modules/chart.js/dist/chart.umd.js",
  // chart.umd.js ends with a sourceMappingURL comment: collectstatic's manifest storage
  // rewrites that reference and fails when the map is missing.
  "chart.umd.js.map": "node_modules/chart.js/dist/chart.umd.js.map",
};

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
for (const [target, source] of Object.entries(assets)) {
  copyFileSync(join(here, source), join(dist, target));
  console.log(`dist/${target} <- ${source}`);
}
