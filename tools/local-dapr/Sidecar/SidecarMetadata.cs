using System.Text.Json.Nodes;
using Dapr.Client.Autogen.Grpc.v1;

namespace LocalDapr.Sidecar;

/// <summary><c>GET /v1.0/metadata</c> and gRPC <c>GetMetadata</c>, in daprd's shape.</summary>
public static class SidecarMetadata
{
    public const string RuntimeVersion = "1.19.0-local";

    public static GetMetadataResponse ToGrpc(SidecarRuntime sidecar)
    {
        var response = new GetMetadataResponse { Id = sidecar.AppId, RuntimeVersion = RuntimeVersion };
        foreach (var c in sidecar.Components)
        {
            var registered = new RegisteredComponents { Name = c.Name, Type = c.Type, Version = c.Version };
            registered.Capabilities.AddRange(Capabilities(sidecar, c.Name));
            response.RegisteredComponents.Add(registered);
        }
        foreach (var s in sidecar.Subscriptions)
        {
            var subscription = new PubsubSubscription
            {
                PubsubName = s.PubSubName,
                Topic = s.Topic,
                DeadLetterTopic = s.DeadLetterTopic ?? "",
                Rules = new PubsubSubscriptionRules(),
                Type = s.Type == "DECLARATIVE" ? PubsubSubscriptionType.Declarative : PubsubSubscriptionType.Programmatic,
            };
            foreach (var (k, v) in s.Metadata) subscription.Metadata[k] = v;
            subscription.Rules.Rules.AddRange(s.Rules.Select(r => new PubsubSubscriptionRule { Match = r.Match.Text, Path = r.Path }));
            if (s.DefaultPath is { } d) subscription.Rules.Rules.Add(new PubsubSubscriptionRule { Path = d });
            response.Subscriptions.Add(subscription);
        }
        if (sidecar.Options.AppPort is { } port)
        {
            response.AppConnectionProperties = new AppConnectionProperties
            {
                Port = port,
                Protocol = sidecar.Options.AppProtocol,
                ChannelAddress = sidecar.Options.AppChannelAddress,
            };
        }
        // The local runtime has no placement service; it answers as a daprd connected to one.
        response.ActorRuntime = new ActorRuntime { RuntimeStatus = ActorRuntime.Types.ActorRuntimeStatus.Running, HostReady = sidecar.IsAppReady, Placement = Placement };
        foreach (var (type, count) in ActiveActors(sidecar))
        {
            var active = new ActiveActorsCount { Type = type, Count = count };
            response.ActorRuntime.ActiveActors.Add(active);
#pragma warning disable CS0612 // Older SDKs read the deprecated field; daprd still fills both.
            response.ActiveActorsCount.Add(active);
#pragma warning restore CS0612
        }
        foreach (var (key, value) in Extended(sidecar)) response.ExtendedMetadata[key] = value;
        return response;
    }

    public static JsonObject ToJson(SidecarRuntime sidecar)
    {
        var json = new JsonObject
        {
            ["id"] = sidecar.AppId,
            ["runtimeVersion"] = RuntimeVersion,
            ["enabledFeatures"] = new JsonArray(),
            ["actors"] = new JsonArray(ActiveActors(sidecar).Select(a => (JsonNode)new JsonObject { ["type"] = a.Key, ["count"] = a.Value }).ToArray()),
            ["components"] = new JsonArray(sidecar.Components.Select(c => (JsonNode)new JsonObject
            {
                ["name"] = c.Name,
                ["type"] = c.Type,
                ["version"] = c.Version,
                ["capabilities"] = new JsonArray(Capabilities(sidecar, c.Name).Select(x => (JsonNode)JsonValue.Create(x)!).ToArray()),
            }).ToArray()),
            ["subscriptions"] = new JsonArray(sidecar.Subscriptions.Select(s => (JsonNode)new JsonObject
            {
                ["pubsubname"] = s.PubSubName,
                ["topic"] = s.Topic,
                ["deadLetterTopic"] = s.DeadLetterTopic ?? "",
                ["metadata"] = new JsonObject(s.Metadata.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value)))),
                ["rules"] = new JsonArray(s.Rules.Select(r => (JsonNode)new JsonObject { ["match"] = r.Match.Text, ["path"] = r.Path })
                    .Concat(s.DefaultPath is { } d ? [new JsonObject { ["match"] = "", ["path"] = d }] : []).ToArray()),
                ["type"] = s.Type,
            }).ToArray()),
            ["extended"] = new JsonObject(Extended(sidecar).Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value)))),
        };
        var actorRuntime = new JsonObject { ["runtimeStatus"] = "RUNNING" };
        if (ActiveActors(sidecar).Count > 0)
            actorRuntime["activeActors"] = new JsonArray(ActiveActors(sidecar).Select(a => (JsonNode)new JsonObject { ["type"] = a.Key, ["count"] = a.Value }).ToArray());
        actorRuntime["hostReady"] = sidecar.IsAppReady;
        actorRuntime["placement"] = Placement;
        json["actorRuntime"] = actorRuntime;
        if (sidecar.Options.AppPort is { } port)
        {
            json["appConnectionProperties"] = new JsonObject
            {
                ["port"] = port,
                ["protocol"] = sidecar.Options.AppProtocol,
                ["channelAddress"] = sidecar.Options.AppChannelAddress,
            };
        }
        return json;
    }

    private const string Placement = "placement: connected";

    private static IReadOnlyDictionary<string, int> ActiveActors(SidecarRuntime sidecar) => sidecar.Actors?.ActiveCounts() ?? new Dictionary<string, int>();

    /// <summary>The extended metadata set by apps, with the runtime version under daprd's (deprecated) key.</summary>
    private static IEnumerable<KeyValuePair<string, string>> Extended(SidecarRuntime sidecar) =>
        sidecar.ExtendedMetadata.Where(kv => kv.Key != "daprRuntimeVersion").OrderBy(kv => kv.Key, StringComparer.Ordinal).Append(KeyValuePair.Create("daprRuntimeVersion", RuntimeVersion));

    private static IEnumerable<string> Capabilities(SidecarRuntime sidecar, string componentName)
    {
        var spec = sidecar.Components.First(c => c.Name == componentName);
        if (spec.Kind == "state") return sidecar.Store(componentName).Store.Features;
        if (spec.Kind == "secretstores") return sidecar.SecretStoreFeatures(componentName);
        return [];
    }
}
