using System.Collections.Concurrent;
using System.Text;
using ConformanceApp;
using Dapr.Client;
using LocalDapr.Configuration;
using StackExchange.Redis;
using Order = ConformanceApp.Order;

namespace LocalDapr.Tests;

/// <summary>
/// What only the Redis backend promises: Dapr's data layout, redelivery of what a dead subscriber left pending,
/// durability across a Redis restart, and a runtime that starts before Redis does.
/// </summary>
public sealed class RedisBackendTests(RedisFixture redis)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record Counter(int Value);

    /// <summary>Fast redelivery for the tests that kill a subscriber: claimed after 1s pending, checked every 200ms.</summary>
    private static readonly Dictionary<string, string> FastRedelivery = new() { ["processingTimeout"] = "1s", ["redeliverInterval"] = "200ms" };

    [Fact]
    public async Task State_is_kept_as_daprs_hash_of_data_and_version()
    {
        await using var harness = Harness.Create(backend: redis.Backend);
        var node = await harness.AddAsync("layout", withApp: false);
        await using var mux = await ConnectAsync(harness);
        var db = mux.GetDatabase(harness.RedisDatabase);

        await node.Client.SaveStateAsync("statestore", "k", new Counter(1), cancellationToken: Ct);
        var first = await HashAsync(db, "layout||k");
        await node.Client.SaveStateAsync("statestore", "k", new Counter(2), cancellationToken: Ct);
        var second = await HashAsync(db, "layout||k");
        var (_, etag) = await node.Client.GetStateAndETagAsync<Counter>("statestore", "k", cancellationToken: Ct);

        Assert.Equal(["data", "version"], first.Keys.Order());
        Assert.Equal("""{"value":1}""", first["data"]);
        Assert.Equal("1", first["version"]);
        Assert.Equal("""{"value":2}""", second["data"]);
        Assert.Equal("2", second["version"]);
        Assert.Equal("2", etag);
        Assert.Equal(RedisType.Hash, await db.KeyTypeAsync("layout||k"));
        Assert.Null(await db.KeyTimeToLiveAsync("layout||k"));

        // First-write saves mark the hash as Dapr does; a transaction writes every key of it; a delete removes the key.
        await node.Client.SaveStateAsync("statestore", "once", new Counter(1), new StateOptions { Concurrency = ConcurrencyMode.FirstWrite }, cancellationToken: Ct);
        Assert.Equal("0", (await HashAsync(db, "layout||once"))["first-write"]);
        await node.Client.ExecuteStateTransactionAsync("statestore",
        [
            new StateTransactionRequest("k", JsonSerializer.SerializeToUtf8Bytes(new { value = 3 }), StateOperationType.Upsert, etag: "2"),
            new StateTransactionRequest("t", JsonSerializer.SerializeToUtf8Bytes(new { value = 4 }), StateOperationType.Upsert),
            new StateTransactionRequest("once", null, StateOperationType.Delete),
        ], cancellationToken: Ct);
        Assert.Equal("3", (await HashAsync(db, "layout||k"))["version"]);
        Assert.Equal("""{"value":4}""", (await HashAsync(db, "layout||t"))["data"]);
        Assert.False(await db.KeyExistsAsync("layout||once"));
    }

    [Fact]
    public async Task State_with_a_ttl_expires_in_redis_and_a_save_without_one_clears_it()
    {
        await using var harness = Harness.Create(backend: redis.Backend);
        var node = await harness.AddAsync("ttl", withApp: false);
        await using var mux = await ConnectAsync(harness);
        var db = mux.GetDatabase(harness.RedisDatabase);
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(node.GrpcEndpoint);
        var raw = new Dapr.Client.Autogen.Grpc.v1.Dapr.DaprClient(channel);
        var ttl = new Dictionary<string, string> { ["ttlInSeconds"] = "1" };

        await node.Client.SaveStateAsync("statestore", "kept", new Counter(1), metadata: new Dictionary<string, string> { ["ttlInSeconds"] = "3600" }, cancellationToken: Ct);
        var expiry = await db.KeyTimeToLiveAsync("ttl||kept");
        Assert.InRange(expiry!.Value, TimeSpan.FromMinutes(59), TimeSpan.FromHours(1));
        var got = await raw.GetStateAsync(new() { StoreName = "statestore", Key = "kept" }, cancellationToken: Ct);
        Assert.True(DateTimeOffset.TryParse(got.Metadata["ttlExpireTime"], System.Globalization.CultureInfo.InvariantCulture, out var at));
        Assert.InRange(at, DateTimeOffset.UtcNow.AddMinutes(59), DateTimeOffset.UtcNow.AddHours(1).AddSeconds(1));
        await node.Client.SaveStateAsync("statestore", "kept", new Counter(2), cancellationToken: Ct);
        Assert.Null(await db.KeyTimeToLiveAsync("ttl||kept"));

        await node.Client.SaveStateAsync("statestore", "short", new Counter(1), metadata: ttl, cancellationToken: Ct);
        Assert.NotNull(await node.Client.GetStateAsync<Counter>("statestore", "short", cancellationToken: Ct));
        await Eventually.UntilAsync(async () => await node.Client.GetStateAsync<Counter>("statestore", "short", cancellationToken: Ct) is null, "the key to expire", TimeSpan.FromSeconds(10), Ct);
        Assert.False(await db.KeyExistsAsync("ttl||short"));
    }

    [Fact]
    public async Task Events_are_stream_entries_with_a_data_field_read_by_the_app_ids_consumer_group()
    {
        await using var harness = Harness.Create(backend: redis.Backend);
        var subscriber = await harness.AddAsync("stream-reader");
        var publisher = await harness.AddAsync("stream-writer", withApp: false);
        await using var mux = await ConnectAsync(harness);
        var db = mux.GetDatabase(harness.RedisDatabase);

        await publisher.Client.PublishEventAsync("pubsub", "orders", new Order(1), Ct);
        await publisher.Client.PublishEventAsync("pubsub", "orders", new Order(2), new Dictionary<string, string> { ["note"] = "kept" }, Ct);
        await subscriber.Recorder.WaitForAsync(r => r.Count == 2);

        var entries = await db.StreamRangeAsync("orders");
        Assert.Equal(2, entries.Length);
        Assert.Equal(["data"], entries[0].Values.Select(v => v.Name.ToString()));
        using (var ce = JsonDocument.Parse((string)entries[0]["data"]!))
        {
            Assert.Equal("stream-writer", ce.RootElement.GetProperty("source").GetString());
            Assert.Equal("orders", ce.RootElement.GetProperty("topic").GetString());
            Assert.Equal(1, ce.RootElement.GetProperty("data").GetProperty("n").GetInt32());
        }
        Assert.Equal(["data", "metadata"], entries[1].Values.Select(v => v.Name.ToString()));
        using (var metadata = JsonDocument.Parse((string)entries[1]["metadata"]!))
            Assert.Equal("kept", metadata.RootElement.GetProperty("note").GetString());

        var group = Assert.Single(await db.StreamGroupInfoAsync("orders"));
        Assert.Equal("stream-reader", group.Name);
        Assert.Equal(entries[1].Id.ToString(), group.LastDeliveredId);
        // Both were acknowledged (XACK after the app's success).
        await Eventually.UntilAsync(async () => (await db.StreamPendingAsync("orders", "stream-reader")).PendingMessageCount == 0, "no pending entries", TimeSpan.FromSeconds(10), Ct);
    }

    [Fact]
    public async Task The_consumer_group_is_the_consumer_id_when_set_and_max_len_trims_the_stream()
    {
        await using var harness = Harness.Create(backend: redis.Backend,
            redisPubSubMetadata: new Dictionary<string, string> { ["consumerID"] = "shared-group", ["maxLenApprox"] = "10" });
        var subscriber = await harness.AddAsync("own-id");
        await using var mux = await ConnectAsync(harness);
        var db = mux.GetDatabase(harness.RedisDatabase);

        for (var i = 1; i <= 300; i++) await subscriber.Client.PublishEventAsync("pubsub", "orders", new Order(i), Ct);
        await subscriber.Recorder.WaitForAsync(r => r.Any(x => x.Order!.N == 300));

        Assert.Equal("shared-group", Assert.Single(await db.StreamGroupInfoAsync("orders")).Name);
        // MAXLEN ~ 10 trims whole nodes of the stream, so it keeps about ten entries, never all 300.
        Assert.InRange(await db.StreamLengthAsync("orders"), 10, 299);
    }

    [Fact]
    public async Task A_subscriber_killed_while_holding_an_event_gets_it_again_after_a_restart_and_the_others_are_not_held_back()
    {
        await using var harness = Harness.Create(backend: redis.Backend, redisPubSubMetadata: FastRedelivery);
        var publisher = await harness.AddAsync("publisher", withApp: false);
        const string subscriptions = """[{"pubsubname":"pubsub","topic":"work","route":"/work"}]""";

        // The first run hangs on event 3 until it is killed; with pubsub.redis's concurrent workers (10 by default, as in
        // Dapr) the other events go past it.
        var firstRun = new ConcurrentBag<int>();
        var stuck = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (node, app) = await harness.AddRawAsync("worker", subscriptions, async (request, _, aborted) =>
        {
            var n = OrderOf(request.Body);
            firstRun.Add(n);
            if (n != 3) return (200, "");
            stuck.TrySetResult();
            await Task.Delay(Timeout.Infinite, aborted);
            return (200, "");
        });
        for (var i = 1; i <= 10; i++) await publisher.Client.PublishEventAsync("pubsub", "work", new Order(i), Ct);
        await stuck.Task.WaitAsync(TimeSpan.FromSeconds(20), Ct);
        await app.WaitForAsync(9, TimeSpan.FromSeconds(20));

        await using var mux = await ConnectAsync(harness);
        var db = mux.GetDatabase(harness.RedisDatabase);
        await Eventually.UntilAsync(async () => (await db.StreamPendingAsync("work", "worker")).PendingMessageCount == 1, "only event 3 pending", TimeSpan.FromSeconds(10), Ct);
        await node.DisposeAsync();
        await app.DisposeAsync();

        // The second run (same app-id, so the same consumer group) gets event 3 back once it has been pending for
        // processingTimeout.
        var secondRun = new ConcurrentBag<int>();
        var (_, again) = await harness.AddRawAsync("worker", subscriptions, (request, _) =>
        {
            secondRun.Add(OrderOf(request.Body));
            return (200, "");
        });
        await again.WaitForAsync(1, TimeSpan.FromSeconds(20));

        Assert.Equal(Enumerable.Range(1, 10), firstRun.Order());
        Assert.Equal([3], secondRun.Order());
        await Eventually.UntilAsync(async () => (await db.StreamPendingAsync("work", "worker")).PendingMessageCount == 0, "no pending entries", TimeSpan.FromSeconds(10), Ct);
    }

    [Theory]
    [InlineData(null, 10)]
    [InlineData("3", 3)]
    public async Task Delivery_runs_on_concurrency_workers_shared_by_the_components_topics(string? concurrency, int workers)
    {
        var metadata = concurrency is null ? null : new Dictionary<string, string> { ["concurrency"] = concurrency };
        await using var harness = Harness.Create(backend: redis.Backend, redisPubSubMetadata: metadata);
        var publisher = await harness.AddAsync("publisher", withApp: false);
        const string subscriptions = """[{"pubsubname":"pubsub","topic":"left","route":"/work"},{"pubsubname":"pubsub","topic":"right","route":"/work"}]""";

        // Every delivery is held until the test lets go, so the number held at once is the number of workers.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inside = 0;
        var most = 0;
        var arrived = new SemaphoreSlim(0);
        var (_, app) = await harness.AddRawAsync("worker", subscriptions, async (_, _, aborted) =>
        {
            var now = Interlocked.Increment(ref inside);
            InterlockedMax(ref most, now);
            arrived.Release();
            await release.Task.WaitAsync(aborted);
            Interlocked.Decrement(ref inside);
            return (200, "");
        });
        for (var i = 1; i <= 15; i++) await publisher.Client.PublishEventAsync("pubsub", i % 2 == 0 ? "left" : "right", new Order(i), Ct);
        for (var i = 0; i < workers; i++) await arrived.WaitAsync(TimeSpan.FromSeconds(20), Ct);

        Assert.False(await arrived.WaitAsync(TimeSpan.FromMilliseconds(300), Ct), "a delivery beyond the workers' number started");
        Assert.Equal(workers, Volatile.Read(ref most));
        release.SetResult();
        await app.WaitForAsync(15);
    }

    [Fact]
    public async Task Bulk_subscribe_on_redis_batches_as_daprds_default_batcher_no_more_than_the_workers_hold()
    {
        await using var harness = Harness.Create(backend: redis.Backend, redisPubSubMetadata: new Dictionary<string, string> { ["concurrency"] = "4" });
        var publisher = await harness.AddAsync("publisher", withApp: false);
        const string subscriptions = """[{"pubsubname":"pubsub","topic":"batch","route":"/batch","bulkSubscribe":{"enabled":true,"maxMessagesCount":50,"maxAwaitDurationMs":200}}]""";
        var sizes = new ConcurrentQueue<int>();
        var (_, app) = await harness.AddRawAsync("batcher", subscriptions, (request, _) =>
        {
            using var doc = JsonDocument.Parse(request.Body);
            var entries = doc.RootElement.GetProperty("entries");
            sizes.Enqueue(entries.GetArrayLength());
            return (200, JsonSerializer.Serialize(new { statuses = entries.EnumerateArray().Select(e => new { entryId = e.GetProperty("entryId").GetString(), status = "SUCCESS" }) }));
        });
        await publisher.Client.BulkPublishEventAsync("pubsub", "batch", Enumerable.Range(1, 12).Select(n => new Order(n)).ToList(), cancellationToken: Ct);

        await Eventually.UntilAsync(() => Task.FromResult(sizes.Sum() == 12), "all 12 events delivered", TimeSpan.FromSeconds(20), Ct);
        Assert.All(sizes, size => Assert.InRange(size, 1, 4));
        Assert.Equal(3, sizes.Count);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current && Interlocked.CompareExchange(ref target, value, current) is var seen && seen != current) current = seen;
    }

    [Fact]
    public async Task A_bulk_subscriber_killed_while_holding_a_whole_batch_gets_all_of_it_after_a_restart()
    {
        await using var harness = Harness.Create(backend: redis.Backend, redisPubSubMetadata: FastRedelivery);
        var publisher = await harness.AddAsync("publisher", withApp: false);
        const string subscriptions = """[{"pubsubname":"pubsub","topic":"batch","route":"/batch","bulkSubscribe":{"enabled":true,"maxMessagesCount":10,"maxAwaitDurationMs":500}}]""";

        var stuck = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var (node, app) = await harness.AddRawAsync("batcher", subscriptions, async (request, _, aborted) =>
        {
            using (var doc = JsonDocument.Parse(request.Body)) stuck.TrySetResult(doc.RootElement.GetProperty("entries").GetArrayLength());
            await Task.Delay(Timeout.Infinite, aborted);
            return (200, "");
        });
        await publisher.Client.BulkPublishEventAsync("pubsub", "batch", Enumerable.Range(1, 10).Select(n => new Order(n)).ToList(), cancellationToken: Ct);
        Assert.Equal(10, await stuck.Task.WaitAsync(TimeSpan.FromSeconds(20), Ct));
        await using var mux = await ConnectAsync(harness);
        var db = mux.GetDatabase(harness.RedisDatabase);
        Assert.Equal(10, (await db.StreamPendingAsync("batch", "batcher")).PendingMessageCount);
        await node.DisposeAsync();
        await app.DisposeAsync();

        var delivered = new ConcurrentBag<int>();
        await harness.AddRawAsync("batcher", subscriptions, (request, _) =>
        {
            using var doc = JsonDocument.Parse(request.Body);
            var entries = doc.RootElement.GetProperty("entries").EnumerateArray().ToList();
            foreach (var entry in entries) delivered.Add(entry.GetProperty("event").GetProperty("data").GetProperty("n").GetInt32());
            return (200, JsonSerializer.Serialize(new { statuses = entries.Select(e => new { entryId = e.GetProperty("entryId").GetString(), status = "SUCCESS" }) }));
        });

        await Eventually.UntilAsync(() => Task.FromResult(delivered.Distinct().Count() == 10), "the ten events of the batch", TimeSpan.FromSeconds(20), Ct);
        Assert.Equal(Enumerable.Range(1, 10), delivered.Distinct().Order());
        await Eventually.UntilAsync(async () => (await db.StreamPendingAsync("batch", "batcher")).PendingMessageCount == 0, "no pending entries", TimeSpan.FromSeconds(10), Ct);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_redis_restart_loses_no_acknowledged_event_and_no_saved_state(bool kill)
    {
        await using var server = await RedisServer.StartAsync(redis.RequireBinary());
        await using var harness = Harness.Create(backend: Backend.Redis(server));
        var client = await harness.AddAsync("client", withApp: false);
        var durable = await harness.AddAsync("durable");
        var awayRecorder = new Recorder();
        var away = await harness.AddAsync("away", recorder: awayRecorder);

        for (var i = 1; i <= 5; i++) await client.Client.PublishEventAsync("pubsub", "orders", new Order(i), Ct);
        await awayRecorder.WaitForAsync(r => r.Count == 5);
        // Published while "away" is gone: accepted by Redis, not delivered to it yet.
        await away.DisposeAsync();
        for (var i = 6; i <= 10; i++) await client.Client.PublishEventAsync("pubsub", "orders", new Order(i), Ct);
        await durable.Recorder.WaitForAsync(r => r.Count == 10);
        for (var i = 1; i <= 5; i++) await client.Client.SaveStateAsync("statestore", $"s{i}", new Counter(i), cancellationToken: Ct);
        var (_, etag) = await client.Client.GetStateAndETagAsync<Counter>("statestore", "s5", cancellationToken: Ct);
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(server.Endpoint))
        {
            await Eventually.UntilAsync(async () => (await mux.GetDatabase().StreamPendingAsync("orders", "durable")).PendingMessageCount == 0, "every event acknowledged", TimeSpan.FromSeconds(10), Ct);
        }

        // SIGKILL: Redis writes nothing more; what it acknowledged is in the append-only file already.
        await server.RestartAsync(kill);

        await using (var mux = await ConnectionMultiplexer.ConnectAsync(server.Endpoint))
        {
            var db = mux.GetDatabase();
            Assert.Equal(10, await db.StreamLengthAsync("orders"));
            Assert.Equal(0, (await db.StreamPendingAsync("orders", "durable")).PendingMessageCount);
            Assert.Equal(0, (await db.StreamPendingAsync("orders", "away")).PendingMessageCount);
        }
        // The sidecars that lived through the restart reconnect: saved state is all there with its ETags, publishing
        // works again, and the running subscriber goes on receiving.
        for (var i = 1; i <= 5; i++) Assert.Equal(new Counter(i), await client.Client.GetStateAsync<Counter>("statestore", $"s{i}", cancellationToken: Ct));
        Assert.True(await client.Client.TrySaveStateAsync("statestore", "s5", new Counter(50), etag, cancellationToken: Ct));
        for (var i = 11; i <= 15; i++) await client.Client.PublishEventAsync("pubsub", "orders", new Order(i), Ct);
        await harness.AddAsync("away", recorder: awayRecorder);

        var atDurable = await durable.Recorder.WaitForAsync(r => r.Select(x => x.Order!.N).Distinct().Count() == 15, what: "1-15 at the running subscriber");
        var atAway = await awayRecorder.WaitForAsync(r => r.Select(x => x.Order!.N).Distinct().Count() == 15, what: "1-15 at the returning subscriber");
        Assert.Equal(Enumerable.Range(1, 15), atDurable.Select(x => x.Order!.N).Distinct().Order());
        Assert.Equal(Enumerable.Range(1, 15), atAway.Select(x => x.Order!.N).Distinct().Order());
        Assert.Contains(harness.Logs.Entries, e => e.Level == LogLevel.Error && e.Message.Contains($"lost the connection to Redis at {server.Endpoint}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_runtime_started_before_redis_reports_it_and_works_once_redis_is_up()
    {
        await using var server = RedisServer.Create(redis.RequireBinary(), RedisServer.FreePort());
        await using var harness = Harness.Create(backend: Backend.Redis(server));

        // Neither the sidecar nor the app's subscriptions wait for Redis.
        var node = await harness.AddAsync("early");
        await Eventually.UntilAsync(() => Task.FromResult(harness.Logs.Entries.Any(e => e.Level == LogLevel.Error
            && e.Message.Contains($"cannot reach Redis at {server.Endpoint}", StringComparison.Ordinal))), "the message that Redis is down", TimeSpan.FromSeconds(20), Ct);

        await server.StartAsync();
        await node.Client.PublishEventAsync("pubsub", "orders", new Order(1), Ct);
        await node.Client.SaveStateAsync("statestore", "k", new Counter(1), cancellationToken: Ct);

        await node.Recorder.WaitForAsync(r => r.Any(x => x.Order!.N == 1));
        Assert.Equal(new Counter(1), await node.Client.GetStateAsync<Counter>("statestore", "k", cancellationToken: Ct));
    }

    [Theory]
    [InlineData("- { name: enableTLS, value: \"true\" }", "sets enableTLS to true")]
    [InlineData("- { name: redisType, value: cluster }", "supports a single Redis node only")]
    [InlineData("- { name: processingTimeout, value: soon }", "metadata 'processingTimeout' of component 'pubsub' is not a duration")]
    public async Task Settings_the_local_runtime_cannot_honour_are_refused_with_a_clear_message(string item, string expected)
    {
        await using var harness = Harness.Create($$"""
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata: { name: pubsub }
            spec:
              type: pubsub.redis
              version: v1
              metadata:
              - { name: redisHost, value: "127.0.0.1:1" }
              {{item}}
            """);

        var e = await Assert.ThrowsAsync<ConfigurationException>(() => harness.AddAsync("refused", withApp: false));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_component_without_redis_host_is_refused()
    {
        await using var harness = Harness.Create(Harness.Component("statestore", "state.redis"));

        var e = await Assert.ThrowsAsync<ConfigurationException>(() => harness.AddAsync("refused", withApp: false));

        Assert.Contains("needs metadata 'redisHost'", e.Message, StringComparison.Ordinal);
    }

    private static int OrderOf(string cloudEvent)
    {
        using var doc = JsonDocument.Parse(cloudEvent);
        return doc.RootElement.GetProperty("data").GetProperty("n").GetInt32();
    }

    private static Task<ConnectionMultiplexer> ConnectAsync(Harness harness) => ConnectionMultiplexer.ConnectAsync(harness.RedisHost!);

    private static async Task<Dictionary<string, string>> HashAsync(IDatabase db, string key) =>
        (await db.HashGetAllAsync(key)).ToDictionary(e => e.Name.ToString(), e => Encoding.UTF8.GetString((byte[])e.Value!));
}
