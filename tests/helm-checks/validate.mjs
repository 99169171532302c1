// Validates Kubernetes objects offline: every document of the YAML files named on the command line (a rendered chart).
// Kubernetes and KEDA objects against the JSON schemas of the kubernetes-models packages; Dapr resources (Component,
// Resiliency, Configuration of dapr.io/v1alpha1) against the fields Dapr and their component types require.
// An object of any other apiVersion/kind is an error: nothing passes unchecked.
// Prints one line per problem ("<file>: <Kind>/<name>: <problem>") and a summary; exits 1 when any problem was found.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { checkDapr } from "./dapr.mjs";

const kubernetesModules = {
  "v1": "kubernetes-models/v1",
  "apps/v1": "kubernetes-models/apps/v1",
  "autoscaling/v2": "kubernetes-models/autoscaling/v2",
  "policy/v1": "kubernetes-models/policy/v1",
  "networking.k8s.io/v1": "kubernetes-models/networking.k8s.io/v1",
  "rbac.authorization.k8s.io/v1": "kubernetes-models/rbac.authorization.k8s.io/v1",
  "batch/v1": "kubernetes-models/batch/v1",
  "keda.sh/v1alpha1": "@kubernetes-models/keda/keda.sh/v1alpha1",
};

const problems = [];
let count = 0;
for (const file of process.argv.slice(2)) {
  for (const doc of parseAllDocuments(readFileSync(file, "utf8"), { uniqueKeys: true })) {
    for (const error of doc.errors) problems.push(`${file}: YAML: ${error.message}`);
    const obj = doc.toJS();
    if (obj == null) continue;
    count++;
    const what = `${obj.kind ?? "?"}/${obj.metadata?.name ?? "?"}`;
    for (const problem of await check(obj)) problems.push(`${file}: ${what}: ${problem}`);
  }
}
for (const p of problems) console.log(p);
console.log(`${count} objects checked, ${problems.length} problems`);
process.exit(problems.length === 0 ? 0 : 1);

async function check(obj) {
  if (typeof obj !== "object" || Array.isArray(obj)) return ["not an object"];
  if (!obj.apiVersion || !obj.kind) return ["apiVersion and kind are required"];
  if (!obj.metadata?.name) return ["metadata.name is required"];
  if (obj.apiVersion === "dapr.io/v1alpha1") return checkDapr(obj);
  const module = kubernetesModules[obj.apiVersion];
  if (!module) return [`no schema for apiVersion ${obj.apiVersion}`];
  const models = await import(module);
  const Model = models[obj.kind];
  if (!Model) return [`no schema for ${obj.kind} in ${obj.apiVersion}`];
  try {
    new Model(obj).validate();
    return [];
  } catch (e) {
    return [e.message];
  }
}
