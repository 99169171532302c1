using ConformanceApp;
using Dapr;
using Grpc.Core;

namespace LocalDapr.Tests;

/// <summary>
/// Topic scoping of pub/sub components as daprd enforces it: <c>protectedTopics</c>, <c>publishingScopes</c> and
/// <c>subscriptionScopes</c> (a publish outside them is PermissionDenied / 403 ERR_PUBSUB_FORBIDDEN, a subscription
/// outside them is not made). Runs on both backends.
/// </summary>
public abstract class TopicScopeTests
{
    /// <summary>As the repository's components scope the passage topic: only "equipment" publishes it, only "ridership" reads it.</summary>
    private static readonly string Components = Harness.Component("pubsub", "pubsub.in-memory",
            ("protectedTopics", "orders"),
            ("publishingScopes", "equipment=orders, audit-orders;stations=stations;simulator="),
            ("subscriptionScopes", "ridership=orders;stations=audit-orders"))
        + "---\n" + Harness.Component("statestore", "state.in-memory");

    protected abstract Backend Backend { get; }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Only_the_apps_granted_a_protected_topic_may_publish_to_it()
    {
        await using var harness = Harness.Create(Components, backend: Backend);
        var equipment = await harness.AddAsync("equipment", withApp: false);
        var stations = await harness.AddAsync("stations", withApp: false);
        var gateway = await harness.AddAsync("gateway", withApp: false);
        var simulator = await harness.AddAsync("simulator", withApp: false);

        await equipment.Client.PublishEventAsync("pubsub", "orders", new Order(1), Ct);

        // Listed with other topics, not listed at all (the topic is protected), listed with none: all refused.
        foreach (var (node, appId) in new[] { (stations, "stations"), (gateway, "gateway"), (simulator, "simulator") })
        {
            var refused = await Assert.ThrowsAsync<DaprException>(() => node.Client.PublishEventAsync("pubsub", "orders", new Order(2), Ct));
            var rpc = Assert.IsType<RpcException>(refused.InnerException);
            Assert.Equal(StatusCode.PermissionDenied, rpc.StatusCode);
            Assert.Equal($"topic orders is not allowed for app id {appId}", rpc.Status.Detail);
        }

        // Over HTTP: 403 with daprd's error code.
        using var http = Http.Client();
        using var response = await http.PostAsJsonAsync($"{stations.HttpEndpoint}/v1.0/publish/pubsub/orders", new Order(3), Ct);
        await response.AssertDaprErrorAsync(HttpStatusCode.Forbidden, "ERR_PUBSUB_FORBIDDEN", "topic orders is not allowed for app id stations");

        // An app not listed may publish any topic that is not protected; a listed one only its own.
        await gateway.Client.PublishEventAsync("pubsub", "anything", new Order(4), Ct);
        await stations.Client.PublishEventAsync("pubsub", "stations", new Order(5), Ct);
        await Assert.ThrowsAsync<DaprException>(() => stations.Client.PublishEventAsync("pubsub", "anything", new Order(6), Ct));
        var bulk = await Assert.ThrowsAsync<DaprException>(() => simulator.Client.BulkPublishEventAsync("pubsub", "orders", new[] { new Order(7) }, cancellationToken: Ct));
        Assert.Equal(StatusCode.PermissionDenied, Assert.IsType<RpcException>(bulk.InnerException).StatusCode);
    }

    [Fact]
    public async Task A_subscription_outside_the_scopes_is_not_made_and_gets_nothing()
    {
        await using var harness = Harness.Create(Components, backend: Backend);
        var ridership = await harness.AddAsync("ridership");
        var stations = await harness.AddAsync("stations");
        var equipment = await harness.AddAsync("equipment", withApp: false);

        // Both apps ask for orders (protected) and audit-orders; each sidecar subscribes only to what its scopes grant.
        Assert.Contains(harness.Logs.Entries, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Warning && e.Message.Contains("App stations may not subscribe to topic orders", StringComparison.Ordinal));
        Assert.Contains(harness.Logs.Entries, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Warning && e.Message.Contains("App ridership may not subscribe to topic audit-orders", StringComparison.Ordinal));

        await equipment.Client.PublishEventAsync("pubsub", "orders", new Order(1), Ct);
        await equipment.Client.PublishEventAsync("pubsub", "audit-orders", new Order(2), Ct);

        // The app's handlers: route "orders" for topic orders, route "audit" for audit-orders.
        await ridership.Recorder.WaitForAsync(r => r.Any(x => x.Route == "orders"));
        await stations.Recorder.WaitForAsync(r => r.Any(x => x.Route == "audit"));
        Assert.DoesNotContain(stations.Recorder.Snapshot(), x => x.Route == "orders");
        Assert.DoesNotContain(ridership.Recorder.Snapshot(), x => x.Route == "audit");
    }
}

/// <summary>The repository's own pub/sub components: who may publish and read the four topics.</summary>
public abstract class RepositoryTopicScopeTests
{
    protected abstract Backend Backend { get; }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Root => Mtaeda.Testing.Repository.Root;

    [Fact]
    public async Task Only_equipment_may_publish_passages_and_each_topic_only_its_publisher()
    {
        await using var harness = Harness.Create(File.ReadAllText(Path.Combine(Root, "components", "memory", "pubsub.yaml")), backend: Backend);
        string[] apps = ["equipment", "stations", "gateway", "ridership", "simulator"];
        var nodes = new Dictionary<string, Node>();
        foreach (var app in apps) nodes[app] = await harness.AddAsync(app, withApp: false);
        var publisherOf = new Dictionary<string, string> { ["passages"] = "equipment", ["equipment"] = "equipment", ["stations"] = "stations", ["gateway"] = "gateway" };

        foreach (var (topic, publisher) in publisherOf)
        {
            foreach (var app in apps)
            {
                var publish = nodes[app].Client.PublishEventAsync("pubsub", topic, new Order(1), Ct);
                if (app == publisher)
                {
                    await publish;
                    continue;
                }
                var refused = await Assert.ThrowsAsync<DaprException>(() => publish);
                Assert.Equal($"topic {topic} is not allowed for app id {app}", Assert.IsType<RpcException>(refused.InnerException).Status.Detail);
            }
        }
    }
}

public sealed class RepositoryTopicScopeTests_InMemory : RepositoryTopicScopeTests
{
    protected override Backend Backend => Backend.InMemory;
}

public sealed class RepositoryTopicScopeTests_Redis(RedisFixture redis) : RepositoryTopicScopeTests
{
    protected override Backend Backend => redis.Backend;
}

public sealed class TopicScopeTests_InMemory : TopicScopeTests
{
    protected override Backend Backend => Backend.InMemory;
}

public sealed class TopicScopeTests_Redis(RedisFixture redis) : TopicScopeTests
{
    protected override Backend Backend => redis.Backend;
}
