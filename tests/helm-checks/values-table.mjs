// Prints the Markdown table of the chart's values (helm/mtaeda/README.md, "Values") from values.yaml: one row per value
// (a scalar, a list, an empty or free-form map), with its default and the "# --" comment above it.
//   node tests/helm-checks/values-table.mjs helm/mtaeda/values.yaml
import { readFileSync } from "node:fs";
import { parseDocument, isMap, isSeq, isScalar } from "yaml";

const doc = parseDocument(readFileSync(process.argv[2], "utf8"));
const rows = [];
walk(doc.contents, []);
console.log("| Value | Default | What |");
console.log("|---|---|---|");
for (const [path, value, comment] of rows) console.log(`| \`${path}\` | ${value} | ${comment} |`);

function comment(pair, fallback) {
  const text = pair.key?.commentBefore ?? pair.commentBefore ?? fallback ?? "";
  const i = text.lastIndexOf("-- ");
  return (i < 0 ? text : text.slice(i + 3)).replace(/\s*\n\s*/g, " ").replace(/\|/g, "\\|").trim();
}

function walk(node, path, pairComment) {
  const freeForm = isMap(node) && node.items.some(p => String(p.key.value).includes("/"));
  if (isMap(node) && node.items.length > 0 && !freeForm) {
    // The comment above a map's first key belongs to the map in the parsed document (or to the document itself).
    node.items.forEach((pair, i) => walk(pair.value, [...path, String(pair.key.value)], comment(pair, i === 0 ? (node.commentBefore ?? (path.length === 0 ? doc.commentBefore : undefined)) : undefined)));
    return;
  }
  const js = isScalar(node) ? node.value : node?.toJSON();
  const shown = js === "" ? '`""`' : `\`${JSON.stringify(js)}\``;
  rows.push([path.join("."), shown.replace(/\|/g, "\\|"), pairComment ?? ""]);
}
