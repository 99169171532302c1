// Writes the chart's values.schema.json from values.yaml: Helm checks every install, upgrade, lint and template against
// it, so a misspelt value or a broker that does not exist is refused with its name instead of being ignored.
// Types come from the defaults, the allowed words from the table below, descriptions from the "# --" comments; maps
// are closed (additionalProperties: false) except the free-form ones (environment, annotations, selectors, resources).
//   node tests/helm-checks/values-schema.mjs helm/mtaeda/values.yaml > helm/mtaeda/values.schema.json
import { readFileSync } from "node:fs";
import { parseDocument, isMap, isSeq, isScalar } from "yaml";

const enums = [
  [/^broker$/, ["kafka", "redis"]],
  [/^stateStore$/, ["redis", "postgresql", "cosmosdb"]],
  [/^kafka\.authType$/, ["none", "password"]],
  [/^kafka\.saslMechanism$/, ["PLAIN", "SHA-256", "SHA-512"]],
  [/^kafka\.initialOffset$/, ["oldest", "newest"]],
  [/^dapr\.logLevel$/, ["debug", "info", "warn", "error"]],
  [/^dapr\.tracing\.otlpProtocol$/, ["grpc", "http"]],
  [/^image\.pullPolicy$/, ["Always", "IfNotPresent", "Never"]],
  [/^gateway\.deviceService\.type$/, ["LoadBalancer", "NodePort", "ClusterIP"]],
  [/^gateway\.deviceService\.externalTrafficPolicy$/, ["Local", "Cluster"]],
  [/^apps\.[^.]+\.appProtocol$/, ["h2c", "http"]],
  [/^apps\.[^.]+\.autoscaling\.kind$/, ["hpa", "keda", "none"]],
];
const freeForm = /(^|\.)(env|extraEnv|annotations|[A-Za-z]*Selector|resources)$/;

const doc = parseDocument(readFileSync(process.argv[2], "utf8"));
const schema = { $schema: "http://json-schema.org/draft-07/schema#", title: "MTAEDA chart values", ...node(doc.contents, [], doc.commentBefore) };
process.stdout.write(JSON.stringify(schema, null, 2) + "\n");

function describe(text) {
  if (!text) return {};
  const i = text.lastIndexOf("-- ");
  return i < 0 ? {} : { description: text.slice(i + 3).replace(/\s*\n\s*/g, " ").trim() };
}

function node(n, path, comment) {
  const name = path.join(".");
  if (isMap(n) && freeForm.test(name)) return { type: "object", ...describe(comment) };
  if (isMap(n)) {
    const properties = {};
    n.items.forEach((pair, i) => {
      properties[String(pair.key.value)] = node(pair.value, [...path, String(pair.key.value)],
        pair.key?.commentBefore ?? pair.commentBefore ?? (i === 0 ? n.commentBefore : undefined));
    });
    return { type: "object", additionalProperties: false, properties, ...describe(comment) };
  }
  if (isSeq(n)) return { type: "array", items: { type: "string" }, ...describe(comment) };
  const value = isScalar(n) ? n.value : null;
  const allowed = enums.find(([re]) => re.test(name))?.[1];
  let type;
  if (typeof value === "boolean") type = "boolean";
  else if (Number.isInteger(value)) type = "integer";
  else if (typeof value === "number") type = "number";
  else if (typeof value === "string" && value !== "" && !isNaN(Number(value))) type = ["string", "number"]; // "0.1", "10000": --set gives a number
  else type = "string";
  return { type, ...(allowed ? { enum: allowed } : {}), ...describe(comment) };
}
