// Checks of Dapr's resources (dapr.io/v1alpha1): the shape daprd and the Dapr operator accept, and per component type
// the metadata fields it requires (components-contrib's metadata.yaml: required: true).

// Fields each component type requires (authType "password" adds its SASL fields for Kafka).
const requiredFields = {
  "pubsub.kafka": ["brokers", "authType"],
  "pubsub.redis": ["redisHost"],
  "pubsub.in-memory": [],
  "state.redis": ["redisHost"],
  "state.postgresql": ["connectionString"],
  "state.azure.cosmosdb": ["url", "database", "collection"],
  "state.in-memory": [],
  "secretstores.kubernetes": [],
  "secretstores.local.file": ["secretsFile"],
  "secretstores.local.env": [],
};
const versions = { "state.postgresql": ["v1", "v2"] };

function checkMetadata(items, where, problems) {
  if (items === undefined || items === null) return new Map();
  if (!Array.isArray(items)) { problems.push(`${where} must be a list`); return new Map(); }
  const byName = new Map();
  for (const [i, item] of items.entries()) {
    const at = `${where}[${i}]`;
    if (typeof item?.name !== "string" || item.name === "") { problems.push(`${at}.name is required`); continue; }
    if (byName.has(item.name)) problems.push(`${at}: "${item.name}" is given twice`);
    const hasValue = Object.hasOwn(item, "value"), hasRef = Object.hasOwn(item, "secretKeyRef"), hasEnv = Object.hasOwn(item, "envRef");
    if ([hasValue, hasRef, hasEnv].filter(Boolean).length !== 1) problems.push(`${at} (${item.name}) needs exactly one of value, secretKeyRef, envRef`);
    if (hasValue && typeof item.value !== "string") problems.push(`${at} (${item.name}).value must be a string (quote it), not ${typeof item.value}`);
    if (hasValue && /^[+-]?\d+(\.\d+)?e[+-]?\d+$/i.test(String(item.value))) problems.push(`${at} (${item.name}): ${item.value} is a number in exponent form (a template printed a float; use int64)`);
    if (hasRef && (typeof item.secretKeyRef?.name !== "string" || !item.secretKeyRef.name || typeof item.secretKeyRef?.key !== "string" || !item.secretKeyRef.key))
      problems.push(`${at} (${item.name}).secretKeyRef needs a name and a key`);
    for (const key of Object.keys(item)) if (!["name", "value", "secretKeyRef", "envRef"].includes(key)) problems.push(`${at} (${item.name}): unknown field ${key}`);
    byName.set(item.name, item);
  }
  return byName;
}

function unknownKeys(obj, allowed, where, problems) {
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) { problems.push(`${where} must be an object`); return; }
  for (const key of Object.keys(obj)) if (!allowed.includes(key)) problems.push(`${where}: unknown field ${key}`);
}

function checkScopes(scopes, problems) {
  if (scopes === undefined) return;
  if (!Array.isArray(scopes) || scopes.some(s => typeof s !== "string" || s === "")) problems.push("scopes must be a list of app ids");
}

function checkComponent(c, problems) {
  unknownKeys(c, ["apiVersion", "kind", "metadata", "spec", "scopes", "auth"], "", problems);
  const spec = c.spec ?? {};
  unknownKeys(spec, ["type", "version", "metadata", "initTimeout", "ignoreErrors"], "spec", problems);
  if (typeof spec.type !== "string") { problems.push("spec.type is required"); return; }
  if (typeof spec.version !== "string" || !/^v\d+$/.test(spec.version)) problems.push("spec.version is required (v1, v2, ...)");
  else if ((versions[spec.type] ?? ["v1"]).indexOf(spec.version) < 0) problems.push(`${spec.type} has no version ${spec.version}`);
  const required = requiredFields[spec.type];
  if (!required) { problems.push(`component type ${spec.type} is not known to this check`); return; }
  const fields = checkMetadata(spec.metadata, "spec.metadata", problems);
  for (const name of required) if (!fields.has(name)) problems.push(`${spec.type} requires metadata ${name}`);
  if (spec.type === "pubsub.kafka") {
    const auth = fields.get("authType")?.value;
    if (auth !== undefined && !["none", "password", "mtls", "oidc", "awsiam", "certificate"].includes(auth)) problems.push(`pubsub.kafka authType ${auth} is not one Dapr knows`);
    if (auth === "password") for (const name of ["saslUsername", "saslPassword"]) if (!fields.has(name)) problems.push(`pubsub.kafka with authType password requires ${name}`);
    const mechanism = fields.get("saslMechanism")?.value;
    if (mechanism !== undefined && !["PLAIN", "SHA-256", "SHA-512", "OAUTHBEARER"].includes(mechanism)) problems.push(`pubsub.kafka saslMechanism ${mechanism} is not one Dapr knows`);
    const offset = fields.get("initialOffset")?.value;
    if (offset !== undefined && !["oldest", "newest"].includes(offset)) problems.push(`initialOffset must be oldest or newest`);
  }
  if (fields.has("actorStateStore") && !spec.type.startsWith("state.")) problems.push("actorStateStore belongs to a state store");
  for (const key of ["primaryEncryptionKey", "secondaryEncryptionKey"]) {
    if (!fields.has(key)) continue;
    if (!spec.type.startsWith("state.")) problems.push(`${key} belongs to a state store`);
    if (!fields.get(key).secretKeyRef) problems.push(`${key} must come from a secret (secretKeyRef)`);
  }
  for (const [name, item] of fields) {
    if (Object.hasOwn(item, "value") && /^(true|false)$/i.test(String(item.value)) === false && ["actorStateStore", "enableTLS", "disableTls"].includes(name)) problems.push(`${name} must be "true" or "false"`);
  }
  if (c.auth !== undefined) unknownKeys(c.auth, ["secretStore"], "auth", problems);
  checkScopes(c.scopes, problems);
}

const duration = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;

function checkResiliency(r, problems) {
  unknownKeys(r, ["apiVersion", "kind", "metadata", "spec", "scopes"], "", problems);
  const spec = r.spec ?? {};
  unknownKeys(spec, ["policies", "targets"], "spec", problems);
  const policies = spec.policies ?? {};
  unknownKeys(policies, ["timeouts", "retries", "circuitBreakers"], "spec.policies", problems);
  for (const [name, t] of Object.entries(policies.timeouts ?? {})) if (typeof t !== "string" || !duration.test(t)) problems.push(`timeout ${name} must be a duration`);
  for (const [name, p] of Object.entries(policies.retries ?? {})) {
    unknownKeys(p, ["policy", "duration", "maxInterval", "maxRetries", "matching"], `retry ${name}`, problems);
    if (!["constant", "exponential"].includes(p.policy)) problems.push(`retry ${name}: policy must be constant or exponential`);
    for (const key of ["duration", "maxInterval"]) if (p[key] !== undefined && !duration.test(String(p[key]))) problems.push(`retry ${name}: ${key} must be a duration`);
    if (p.maxRetries !== undefined && !Number.isInteger(p.maxRetries)) problems.push(`retry ${name}: maxRetries must be an integer`);
    if (p.matching !== undefined) unknownKeys(p.matching, ["httpStatusCodes", "gRPCStatusCodes"], `retry ${name}.matching`, problems);
  }
  for (const [name, b] of Object.entries(policies.circuitBreakers ?? {}))
    unknownKeys(b, ["maxRequests", "interval", "timeout", "trip"], `circuit breaker ${name}`, problems);
  const targets = spec.targets ?? {};
  unknownKeys(targets, ["apps", "actors", "components"], "spec.targets", problems);
  const refer = (where, t) => {
    unknownKeys(t, ["timeout", "retry", "circuitBreaker", "circuitBreakerScope", "circuitBreakerCacheSize"], where, problems);
    if (t.timeout && !(t.timeout in (policies.timeouts ?? {})) && !duration.test(t.timeout)) problems.push(`${where}: timeout ${t.timeout} is not defined`);
    if (t.retry && !(t.retry in (policies.retries ?? {}))) problems.push(`${where}: retry ${t.retry} is not defined`);
    if (t.circuitBreaker && !(t.circuitBreaker in (policies.circuitBreakers ?? {}))) problems.push(`${where}: circuit breaker ${t.circuitBreaker} is not defined`);
  };
  for (const [app, t] of Object.entries(targets.apps ?? {})) refer(`target app ${app}`, t);
  for (const [actor, t] of Object.entries(targets.actors ?? {})) refer(`target actor ${actor}`, t);
  for (const [component, t] of Object.entries(targets.components ?? {})) {
    unknownKeys(t, ["inbound", "outbound"], `target component ${component}`, problems);
    for (const dir of ["inbound", "outbound"]) if (t[dir]) refer(`target component ${component}.${dir}`, t[dir]);
  }
  checkScopes(r.scopes, problems);
}

function checkConfiguration(c, problems) {
  unknownKeys(c, ["apiVersion", "kind", "metadata", "spec"], "", problems);
  const spec = c.spec ?? {};
  unknownKeys(spec, ["tracing", "metric", "metrics", "mtls", "secrets", "accessControl", "features", "httpPipeline", "appHttpPipeline",
    "api", "nameResolution", "logging", "components", "wasm", "workflow"], "spec", problems);
  if (spec.tracing) {
    unknownKeys(spec.tracing, ["samplingRate", "stdout", "zipkin", "otel"], "spec.tracing", problems);
    if (spec.tracing.samplingRate !== undefined && (typeof spec.tracing.samplingRate !== "string" || isNaN(Number(spec.tracing.samplingRate)) || Number(spec.tracing.samplingRate) < 0 || Number(spec.tracing.samplingRate) > 1))
      problems.push("spec.tracing.samplingRate must be a string between 0 and 1");
    if (spec.tracing.otel) {
      unknownKeys(spec.tracing.otel, ["endpointAddress", "isSecure", "protocol"], "spec.tracing.otel", problems);
      if (!spec.tracing.otel.endpointAddress) problems.push("spec.tracing.otel.endpointAddress is required");
      if (!["grpc", "http"].includes(spec.tracing.otel.protocol)) problems.push("spec.tracing.otel.protocol must be grpc or http");
      if (typeof spec.tracing.otel.isSecure !== "boolean") problems.push("spec.tracing.otel.isSecure must be a boolean");
    }
  }
  if (spec.metric !== undefined && typeof spec.metric.enabled !== "boolean") problems.push("spec.metric.enabled must be a boolean");
  if (spec.mtls !== undefined) {
    unknownKeys(spec.mtls, ["enabled", "workloadCertTTL", "allowedClockSkew", "controlPlaneTrustDomain", "sentryAddress", "tokenValidators"], "spec.mtls", problems);
    if (typeof spec.mtls.enabled !== "boolean") problems.push("spec.mtls.enabled must be a boolean");
  }
  if (spec.accessControl !== undefined) {
    const acl = spec.accessControl;
    unknownKeys(acl, ["defaultAction", "trustDomain", "policies"], "spec.accessControl", problems);
    if (!["allow", "deny"].includes(acl.defaultAction)) problems.push("spec.accessControl.defaultAction must be allow or deny");
    for (const [i, p] of (acl.policies ?? []).entries()) {
      const at = `spec.accessControl.policies[${i}]`;
      unknownKeys(p, ["appId", "namespace", "trustDomain", "defaultAction", "operations"], at, problems);
      if (!p.appId) problems.push(`${at}.appId is required`);
      if (!["allow", "deny"].includes(p.defaultAction)) problems.push(`${at}.defaultAction must be allow or deny`);
      for (const [j, o] of (p.operations ?? []).entries()) {
        unknownKeys(o, ["name", "httpVerb", "action"], `${at}.operations[${j}]`, problems);
        if (typeof o.name !== "string" || !o.name.startsWith("/")) problems.push(`${at}.operations[${j}].name must be a path starting with /`);
        if (!["allow", "deny"].includes(o.action)) problems.push(`${at}.operations[${j}].action must be allow or deny`);
        if (o.httpVerb !== undefined && (!Array.isArray(o.httpVerb) || o.httpVerb.some(v => !["*", "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "CONNECT", "TRACE"].includes(v))))
          problems.push(`${at}.operations[${j}].httpVerb must list HTTP verbs or "*"`);
      }
    }
  }
  for (const [i, s] of (spec.secrets?.scopes ?? []).entries()) {
    unknownKeys(s, ["storeName", "defaultAccess", "allowedSecrets", "deniedSecrets"], `spec.secrets.scopes[${i}]`, problems);
    if (!s.storeName) problems.push(`spec.secrets.scopes[${i}].storeName is required`);
    if (s.defaultAccess !== undefined && !["allow", "deny"].includes(s.defaultAccess)) problems.push(`spec.secrets.scopes[${i}].defaultAccess must be allow or deny`);
  }
}

export function checkDapr(obj) {
  const problems = [];
  if (obj.kind === "Component") checkComponent(obj, problems);
  else if (obj.kind === "Resiliency") checkResiliency(obj, problems);
  else if (obj.kind === "Configuration") checkConfiguration(obj, problems);
  else problems.push(`no check for dapr.io kind ${obj.kind}`);
  return problems;
}
