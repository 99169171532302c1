// MTAEDA conformance app in JavaScript: @dapr/dapr used the plain way (the sidecar's ports from DAPR_HTTP_PORT and
// DAPR_GRPC_PORT only), run by tests/LocalDapr.Tests/JsConformanceTests.cs. Each check's outcome, or its error, is
// printed as one JSON object on the last line of stdout for the test to assert on.
const { DaprClient, CommunicationProtocolEnum, HttpMethod, ActorProxyBuilder, ActorId, LogLevel } = require("@dapr/dapr");

// The actor type is named by the class; its method is called over gRPC InvokeActor.
class CounterActor {}

const callee = process.env.CALLEE_APP_ID;
const logger = { level: LogLevel.Error };
const http = new DaprClient({ communicationProtocol: CommunicationProtocolEnum.HTTP, logger });
const grpc = new DaprClient({ communicationProtocol: CommunicationProtocolEnum.GRPC, logger });

async function outcome(check) {
  try {
    return { ok: await check() };
  } catch (e) {
    return { error: String(e && e.message ? e.message : e), code: e && e.code };
  }
}

async function main() {
  const results = {};
  results.bulkPublish = await outcome(async () =>
    (await http.pubsub.publishBulk("pubsub", "orders", [{ n: 101 }, { n: 102 }])).failedMessages.length);
  results.setMetadata = await outcome(async () => {
    await http.metadata.set("js-http", "one");
    await grpc.metadata.set("js-grpc", "two");
    const metadata = await http.metadata.get();
    return { extended: metadata.extended, actorRuntime: metadata.actorRuntime };
  });
  results.invokeService = await outcome(() => grpc.invoker.invoke(callee, "echo/js", HttpMethod.POST, { hello: "js" }));
  results.invokeServiceRefused = await outcome(() => grpc.invoker.invoke(callee, "status/404", HttpMethod.GET));
  results.invokeActor = await outcome(() => new ActorProxyBuilder(CounterActor, grpc).build(new ActorId("js-1")).GetAsync());
  results.rawPublish = await outcome(async () =>
    http.pubsub.publish("pubsub", "raw-js", { n: 7 }, { metadata: { rawPayload: "true" } }));
  console.log(JSON.stringify(results));
}

main()
  .then(() => process.exit(0))
  .catch((e) => {
    console.error(e);
    process.exit(1);
  });
