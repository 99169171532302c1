using ConformanceApp;
using LocalDapr.Configuration;
using LocalDapr.Secrets;
using Microsoft.Extensions.Logging.Abstractions;
using ConnectionMultiplexer = StackExchange.Redis.ConnectionMultiplexer;

namespace LocalDapr.Tests;

/// <summary>
/// The templates daprd expands in component metadata (<c>{uuid}</c>, <c>{podName}</c>, <c>{namespace}</c>,
/// <c>{appID}</c>), chiefly in a pub/sub's <c>consumerID</c>: with <c>{uuid}</c> each replica of an app is a consumer
/// group of its own, so every replica receives every message. Runs on both backends.
/// </summary>
public abstract class ConsumerIdTemplateTests
{
    protected abstract Backend Backend { get; }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Components(string consumerId) => Harness.Component("pubsub", "pubsub.in-memory", ("consumerID", consumerId));

    [Fact]
    public async Task With_a_uuid_consumer_id_two_replicas_of_one_app_each_receive_every_message()
    {
        await using var harness = Harness.Create(Components("{uuid}"), backend: Backend);
        var first = await harness.AddAsync("workers", instance: "first");
        var second = await harness.AddAsync("workers", instance: "second");
        var publisher = await harness.AddAsync("publisher", withApp: false);

        var orders = Enumerable.Range(1, 20).ToList();
        foreach (var n in orders) await publisher.Client.PublishEventAsync("pubsub", "orders", new Order(n), Ct);

        foreach (var node in new[] { first, second })
        {
            var received = await node.Recorder.WaitForAsync(r => r.Count(x => x.Topic == "orders") >= orders.Count, what: "every order at each replica");
            Assert.Equal(orders, received.Where(x => x.Topic == "orders").Select(r => r.Order!.N).Order());
        }
        var groups = new[] { first, second }.Select(n => n.Sidecar.Runtime.Components.Single(c => c.Name == "pubsub").Meta("consumerID")!).ToList();
        Assert.All(groups, g => Assert.True(Guid.TryParse(g, out _), $"consumerID '{g}' is not a UUID"));
        Assert.NotEqual(groups[0], groups[1]);
    }

    [Fact]
    public async Task With_an_app_id_consumer_id_the_replicas_share_one_group_and_each_message_is_handled_once()
    {
        await using var harness = Harness.Create(Components("{appID}-group"), backend: Backend, redisPubSubMetadata: new Dictionary<string, string> { ["concurrency"] = "1" });
        var recorder = new Recorder();
        var first = await harness.AddAsync("workers", instance: "first", recorder: recorder);
        await harness.AddAsync("workers", instance: "second", recorder: recorder);
        var publisher = await harness.AddAsync("publisher", withApp: false);

        var orders = Enumerable.Range(1, 30).ToList();
        foreach (var n in orders) await publisher.Client.PublishEventAsync("pubsub", "orders", new Order(n), Ct);

        var all = await recorder.WaitForAsync(r => r.Count >= orders.Count);
        Assert.Equal(orders, all.Select(r => r.Order!.N).Order());
        Assert.Equal("workers-group", first.Sidecar.Runtime.Components.Single(c => c.Name == "pubsub").Meta("consumerID"));
        if (Backend.IsRedis)
        {
            await using var mux = await ConnectionMultiplexer.ConnectAsync(harness.RedisHost!);
            var streamGroups = await mux.GetDatabase(harness.RedisDatabase).StreamGroupInfoAsync("orders");
            Assert.Equal(["workers-group"], streamGroups.Select(g => g.Name));
        }
    }

    [Fact]
    public void Templates_expand_as_daprd_expands_them_and_pod_name_is_required_when_used()
    {
        var spec = new ComponentSpec("pubsub", "pubsub.in-memory", "v1", new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["consumerID"] = "{podName}/{namespace}/{appID}",
            ["twoIds"] = "{uuid}|{uuid}",
        }, [], "components.yaml", 3);

        var resolved = ComponentMetadata.Resolve(spec, new Dictionary<string, ISecretStore>(), "workers", "workers-7d9f", "transit", NullLogger.Instance);

        // {namespace} is the namespace and the app-id, as daprd makes it.
        Assert.Equal("workers-7d9f/transit.workers/workers", resolved.Meta("consumerID"));
        var ids = resolved.Meta("twoIds")!.Split('|');
        Assert.All(ids, id => Assert.True(Guid.TryParse(id, out _)));
        Assert.NotEqual(ids[0], ids[1]);

        var e = Assert.Throws<ConfigurationException>(() => ComponentMetadata.Resolve(spec, new Dictionary<string, ISecretStore>(), "workers", null, "default", NullLogger.Instance));
        Assert.Contains("failed to parse metadata: property consumerID refers to {podName} but podName is not set", e.Message, StringComparison.Ordinal);
    }
}

public sealed class ConsumerIdTemplateTests_InMemory : ConsumerIdTemplateTests
{
    protected override Backend Backend => Backend.InMemory;
}

public sealed class ConsumerIdTemplateTests_Redis(RedisFixture redis) : ConsumerIdTemplateTests
{
    protected override Backend Backend => redis.Backend;
}
