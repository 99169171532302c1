using System.Diagnostics;
using ConformanceApp;
using Dapr;
using Grpc.Core;

namespace LocalDapr.Tests;

/// <summary>Runs on both backends: <see cref="PubSubConformanceTests_InMemory"/> and <see cref="PubSubConformanceTests_Redis"/>.</summary>
public abstract class PubSubConformanceTests
{
    /// <summary>The backend this run of the suite uses.</summary>
    protected abstract Backend Backend { get; }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>On Redis: one delivery worker, for the tests that need order within a topic (the in-memory pub/sub keeps it).</summary>
    private static readonly Dictionary<string, string> OneWorker = new() { ["concurrency"] = "1" };

    [Fact]
    public async Task Published_event_reaches_the_subscriber_in_the_envelope_daprd_builds()
    {
        await using var harness = Harness.Create(backend: Backend);
        var publisher = await harness.AddAsync("publisher", withApp: false);
        var (_, raw) = await harness.AddRawAsync("subscriber", """[{"pubsubName":"pubsub","topic":"orders","route":"on-order"}]""", (_, _) => (200, ""));

        await publisher.Client.PublishEventAsync("pubsub", "orders", new Order(7, Note: "hello"), Ct);

        var request = (await raw.WaitForAsync(1)).Single();
        Assert.Equal("/on-order", request.Path);
        Assert.StartsWith("application/cloudevents+json", request.ContentType);
        using var doc = JsonDocument.Parse(request.Body);
        var ce = doc.RootElement;
        Assert.True(Guid.TryParse(ce.GetProperty("id").GetString(), out _));
        Assert.Equal("publisher", ce.GetProperty("source").GetString());
        Assert.Equal("com.dapr.event.sent", ce.GetProperty("type").GetString());
        Assert.Equal("1.0", ce.GetProperty("specversion").GetString());
        Assert.Equal("application/json", ce.GetProperty("datacontenttype").GetString());
        Assert.Equal("orders", ce.GetProperty("topic").GetString());
        Assert.Equal("pubsub", ce.GetProperty("pubsubname").GetString());
        Assert.Equal(7, ce.GetProperty("data").GetProperty("n").GetInt32());
        Assert.Equal("hello", ce.GetProperty("data").GetProperty("note").GetString());
        Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$", ce.GetProperty("traceparent").GetString());
        Assert.Equal(ce.GetProperty("traceparent").GetString(), ce.GetProperty("traceid").GetString());
        Assert.True(DateTimeOffset.TryParse(ce.GetProperty("time").GetString(), out _));
    }

    [Fact]
    public async Task The_sdk_subscriber_receives_the_data_and_the_cloud_event_id()
    {
        await using var harness = Harness.Create(backend: Backend);
        var node = await harness.AddAsync("orders-app");

        await node.Client.PublishEventAsync("pubsub", "orders", new Order(1), Ct);

        var received = (await node.Recorder.WaitForAsync(r => r.Count == 1)).Single();
        Assert.Equal(1, received.Order!.N);
        Assert.Equal("orders-app", received.Source);
        Assert.True(Guid.TryParse(received.EventId, out _));
    }

    [Fact]
    public async Task Different_apps_each_receive_every_event()
    {
        await using var harness = Harness.Create(backend: Backend);
        var billing = await harness.AddAsync("billing");
        var audit = await harness.AddAsync("audit");

        for (var i = 1; i <= 20; i++) await billing.Client.PublishEventAsync("pubsub", "orders", new Order(i), Ct);

        await billing.Recorder.WaitForAsync(r => r.Count == 20, what: "20 events at billing");
        await audit.Recorder.WaitForAsync(r => r.Count == 20, what: "20 events at audit");
        Assert.Equal(Enumerable.Range(1, 20), audit.Recorder.Snapshot().Select(r => r.Order!.N).Order());
    }

    [Fact]
    public async Task Replicas_of_one_app_compete_and_each_event_is_handled_once()
    {
        // On Redis with one delivery worker and a queue of one per replica, so that neither replica's ten workers take every
        // event before the other reads (which Dapr allows: a replica reads up to queueDepth entries at once). Each event is
        // held by its handler until the other replica received one, so a replica the machine starves of CPU still gets its
        // share instead of finding every event handled already.
        await using var harness = Harness.Create(backend: Backend, redisPubSubMetadata: new Dictionary<string, string> { ["concurrency"] = "1", ["queueDepth"] = "1" });
        var recorder = new Recorder();
        await harness.AddAsync("workers", instance: "first", recorder: recorder);
        await harness.AddAsync("workers", instance: "second", recorder: recorder);
        var publisher = await harness.AddAsync("publisher", withApp: false);

        var orders = Enumerable.Range(1, 60).ToList();
        foreach (var n in orders) await publisher.Client.PublishEventAsync("pubsub", "orders", new Order(n, "hold"), Ct);

        var all = await recorder.WaitForAsync(r => r.Count >= orders.Count);
        Assert.Equal(orders, all.Select(r => r.Order!.N).Order());
        Assert.Equal(all.Count, all.Select(r => r.EventId).Distinct().Count());
        Assert.Contains(all, r => r.Instance == "first");
        Assert.Contains(all, r => r.Instance == "second");
    }

    [Fact]
    public async Task Events_of_a_topic_arrive_in_publish_order_within_an_app_with_one_delivery_worker()
    {
        // In memory always; on Redis with concurrency 1 (its default of 10 workers keeps no order, as in Dapr:
        // RedisBackendTests.Delivery_runs_on_concurrency_workers_shared_by_the_components_topics).
        await using var harness = Harness.Create(backend: Backend, redisPubSubMetadata: OneWorker);
        var node = await harness.AddAsync("ordered");

        for (var i = 1; i <= 200; i++) await node.Client.PublishEventAsync("pubsub", "orders", new Order(i), Ct);

        var received = await node.Recorder.WaitForAsync(r => r.Count == 200);
        Assert.Equal(Enumerable.Range(1, 200), received.Select(r => r.Order!.N));
    }

    [Fact]
    public async Task Retry_answers_are_redelivered_until_success_without_holding_back_other_events()
    {
        // One delivery worker, so that order within the topic holds on Redis too (pubsub.redis delivers with
        // `concurrency` workers, 10 by default, and then keeps no order).
        await using var harness = Harness.Create(backend: Backend, redisPubSubMetadata: OneWorker);
        var node = await harness.AddAsync("retrier");

        await node.Client.PublishEventAsync("pubsub", "orders", new Order(1, "retry:2"), Ct);
        await node.Client.PublishEventAsync("pubsub", "orders", new Order(2, "garbage:2"), Ct);
        for (var i = 3; i <= 6; i++) await node.Client.PublishEventAsync("pubsub", "orders", new Order(i), Ct);

        var received = await node.Recorder.WaitForAsync(r => r.Select(x => x.Order!.N).Distinct().Count() == 6);
        Assert.Equal(3, node.Recorder.Attempts("orders/1"));
        Assert.Equal(3, node.Recorder.Attempts("orders/2"));
        Assert.Equal(1, node.Recorder.Attempts("orders/3"));
        // Every attempt of one event carries the same CloudEvent id; order is kept.
        Assert.Single(received.Where(r => r.Order!.N == 1).Select(r => r.EventId).Distinct());
        Assert.Equal([1, 2, 3, 4, 5, 6], received.Select(r => r.Order!.N).Distinct());
    }

    [Fact]
    public async Task Drop_and_not_found_are_never_redelivered()
    {
        await using var harness = Harness.Create(backend: Backend);
        var node = await harness.AddAsync("dropper");

        await node.Client.PublishEventAsync("pubsub", "orders", new Order(1, "drop"), Ct);
        await node.Client.PublishEventAsync("pubsub", "orders", new Order(2, "missing"), Ct);
        await node.Client.PublishEventAsync("pubsub", "orders", new Order(3, "nonsense"), Ct);
        await node.Client.PublishEventAsync("pubsub", "orders", new Order(4), Ct);

        // Event 4 is delivered after 1-3 were settled, so by then any redelivery of 1-3 would have been attempted.
        await node.Recorder.WaitForAsync(r => r.Any(x => x.Order!.N == 4));
        Assert.Equal(1, node.Recorder.Attempts("orders/1"));
        Assert.Equal(1, node.Recorder.Attempts("orders/2"));
        Assert.Equal(1, node.Recorder.Attempts("orders/3"));
    }

    [Fact]
    public async Task A_poison_event_goes_to_the_dead_letter_topic_intact_after_exactly_the_configured_retries()
    {
        await using var harness = Harness.Create(backend: Backend);
        var node = await harness.AddAsync("poisoned");

        await node.Client.PublishEventAsync("pubsub", "poison", new Order(9, "fail"), Ct);

        var dead = (await node.Recorder.WaitForAsync(r => r.Any(x => x.Topic == "poison-dead"))).Single(x => x.Topic == "poison-dead");
        var original = node.Recorder.Snapshot().First(x => x.Topic == "poison");
        // backOffMaxRetries is 3: one delivery and three retries.
        Assert.Equal(4, node.Recorder.Attempts("poison/9"));
        Assert.Equal(original.EventId, dead.EventId);
        Assert.Equal(9, dead.Order!.N);
        Assert.Equal("poisoned", dead.Source);
    }

    [Fact]
    public async Task A_dropped_event_goes_to_the_dead_letter_topic()
    {
        await using var harness = Harness.Create(backend: Backend);
        var node = await harness.AddAsync("dropper");

        await node.Client.PublishEventAsync("pubsub", "poison", new Order(5, "drop"), Ct);

        await node.Recorder.WaitForAsync(r => r.Any(x => x.Topic == "poison-dead" && x.Order!.N == 5));
        Assert.Equal(1, node.Recorder.Attempts("poison/5"));
    }

    [Fact]
    public async Task Every_answer_rule_of_the_wire_contract()
    {
        // status (2xx body) -> expected attempts for one event, with backOffMaxRetries = 3.
        var cases = new (int Status, string Body, int Attempts)[]
        {
            (200, "", 1),
            (200, """{"status":"SUCCESS"}""", 1),
            (204, "", 1),
            (200, """{"status":""}""", 1),
            (200, "not json", 1),
            (200, """{"status":"DROP"}""", 1),
            (404, "", 1),
            (200, """{"status":"RETRY"}""", 4),
            (200, """{"status":"WHATEVER"}""", 4),
            (500, "<html>", 4),
            (503, "", 4),
        };
        await using var harness = Harness.Create(backend: Backend, redisPubSubMetadata: OneWorker);
        var publisher = await harness.AddAsync("publisher", withApp: false);
        for (var i = 0; i < cases.Length; i++)
        {
            var c = cases[i];
            var (_, raw) = await harness.AddRawAsync($"rule{i}", $$"""[{"pubsubname":"pubsub","topic":"rule{{i}}","route":"/r"}]""", (_, _) => (c.Status, c.Body));
            await publisher.Client.PublishEventAsync("pubsub", $"rule{i}", new Order(i), Ct);
            await publisher.Client.PublishEventAsync("pubsub", $"rule{i}", new Order(1000), Ct);
            // The marker event is delivered only once the first is settled (ordered delivery), so the count is final.
            var requests = await raw.WaitForAsync(c.Attempts + 1);
            Assert.True(requests.Count(r => r.Body.Contains("\"n\":1000")) >= 1);
            Assert.Equal(c.Attempts, requests.Count(r => r.Body.Contains($"\"n\":{i},")));
        }
    }

    [Fact]
    public async Task Routing_rules_pick_the_path_by_event_type()
    {
        await using var harness = Harness.Create(backend: Backend);
        var node = await harness.AddAsync("router");

        await node.Client.PublishEventAsync("pubsub", "routed", new Order(1), new Dictionary<string, string> { ["cloudevent.type"] = "vip" }, Ct);
        await node.Client.PublishEventAsync("pubsub", "routed", new Order(2), Ct);

        var received = await node.Recorder.WaitForAsync(r => r.Count == 2);
        Assert.Equal("vip", received.Single(r => r.Order!.N == 1).Route);
        Assert.Equal("vip", received.Single(r => r.Order!.N == 1).EventType);
        Assert.Equal("default", received.Single(r => r.Order!.N == 2).Route);
    }

    [Fact]
    public async Task Bulk_publish_delivers_every_entry_to_bulk_and_single_subscribers()
    {
        await using var harness = Harness.Create(backend: Backend);
        var bulk = await harness.AddAsync("bulk-reader");
        var (_, raw) = await harness.AddRawAsync("single-reader", """[{"pubsubname":"pubsub","topic":"bulk","route":"/one"}]""", (_, _) => (200, ""));

        var orders = Enumerable.Range(1, 300).Select(n => new Order(n)).ToList();
        var response = await bulk.Client.BulkPublishEventAsync("pubsub", "bulk", orders, cancellationToken: Ct);

        Assert.Empty(response.FailedEntries);
        var received = await bulk.Recorder.WaitForAsync(r => r.Count == 300);
        Assert.Equal(Enumerable.Range(1, 300), received.Select(r => r.Order!.N).Order());
        Assert.Equal(300, (await raw.WaitForAsync(300)).Count);
    }

    [Fact]
    public async Task Bulk_subscribers_get_batches_and_per_entry_statuses_are_honoured()
    {
        await using var harness = Harness.Create(backend: Backend);
        var publisher = await harness.AddAsync("publisher", withApp: false);
        var (_, raw) = await harness.AddRawAsync("batcher",
            """[{"pubsubname":"pubsub","topic":"batched","route":"/batch","bulkSubscribe":{"enabled":true,"maxMessagesCount":10,"maxAwaitDurationMs":200}}]""",
            (request, _) =>
            {
                using var doc = JsonDocument.Parse(request.Body);
                // Retry entry n=3 once (the first time it appears), accept everything else.
                var statuses = doc.RootElement.GetProperty("entries").EnumerateArray().Select(e => new
                {
                    entryId = e.GetProperty("entryId").GetString(),
                    status = e.GetProperty("event").GetProperty("data").GetProperty("n").GetInt32() == 3 && !request.Body.Contains("\"retried\"") ? "RETRY" : "SUCCESS",
                });
                return (200, JsonSerializer.Serialize(new { statuses }));
            });

        await publisher.Client.BulkPublishEventAsync("pubsub", "batched", Enumerable.Range(1, 5).Select(n => new Order(n)).ToList(), cancellationToken: Ct);

        var requests = await raw.WaitForAsync(2);
        using var first = JsonDocument.Parse(requests[0].Body);
        Assert.Equal("com.dapr.event.sent.bulk", first.RootElement.GetProperty("type").GetString());
        Assert.Equal(5, first.RootElement.GetProperty("entries").GetArrayLength());
        using var second = JsonDocument.Parse(requests[1].Body);
        var retried = Assert.Single(second.RootElement.GetProperty("entries").EnumerateArray());
        Assert.Equal(3, retried.GetProperty("event").GetProperty("data").GetProperty("n").GetInt32());
    }

    [Fact]
    public async Task Publishing_errors_carry_the_status_and_message_daprd_gives()
    {
        await using var harness = Harness.Create(backend: Backend);
        var node = await harness.AddAsync("publisher", withApp: false);

        var unknown = await Assert.ThrowsAsync<DaprException>(() => node.Client.PublishEventAsync("nope", "orders", new Order(1), Ct));
        var rpc = Assert.IsType<RpcException>(unknown.InnerException);
        Assert.Equal(StatusCode.InvalidArgument, rpc.StatusCode);
        Assert.Equal("pubsub nope is not found", rpc.Status.Detail);

        // The SDK refuses an empty topic itself, so this one goes through the generated client of Dapr.Protos.
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(node.GrpcEndpoint);
        var raw = new Dapr.Client.Autogen.Grpc.v1.Dapr.DaprClient(channel);
        var noTopic = await Assert.ThrowsAsync<RpcException>(() => raw.PublishEventAsync(new() { PubsubName = "pubsub", Topic = "" }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, noTopic.StatusCode);
        Assert.Equal("topic is empty in pubsub pubsub", noTopic.Status.Detail);
        var noName = await Assert.ThrowsAsync<RpcException>(() => raw.PublishEventAsync(new() { PubsubName = "", Topic = "orders" }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal("pubsub name is empty", noName.Status.Detail);
    }

    [Fact]
    public async Task Publishing_is_refused_outside_the_allowed_topics()
    {
        await using var harness = Harness.Create(Harness.Component("pubsub", "pubsub.in-memory", ("allowedTopics", "orders,audit-orders")), backend: Backend);
        var node = await harness.AddAsync("scoped", withApp: false);

        await node.Client.PublishEventAsync("pubsub", "orders", new Order(1), Ct);
        var refused = await Assert.ThrowsAsync<DaprException>(() => node.Client.PublishEventAsync("pubsub", "secret", new Order(1), Ct));
        var rpc = Assert.IsType<RpcException>(refused.InnerException);
        Assert.Equal(StatusCode.PermissionDenied, rpc.StatusCode);
        Assert.Equal("topic secret is not allowed for app id scoped", rpc.Status.Detail);
    }

    [Fact]
    public async Task The_trace_of_the_publisher_continues_at_the_subscriber()
    {
        await using var harness = Harness.Create(backend: Backend);
        var node = await harness.AddAsync("traced");
        using var listener = new ActivityListener { ShouldListenTo = _ => true, Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded };
        ActivitySource.AddActivityListener(listener);
        using var source = new ActivitySource("tests");

        ActivityTraceId traceId;
        using (var activity = source.StartActivity("publish")!)
        {
            traceId = activity.TraceId;
            await node.Client.PublishEventAsync("pubsub", "orders", new Order(1), Ct);
        }

        var received = (await node.Recorder.WaitForAsync(r => r.Count == 1)).Single();
        Assert.Contains(traceId.ToHexString(), received.Traceparent);
    }

    [Fact]
    public async Task A_raw_payload_is_published_without_an_envelope_and_delivered_in_data_base64()
    {
        await using var harness = Harness.Create(backend: Backend);
        var publisher = await harness.AddAsync("publisher", withApp: false);
        var (_, raw) = await harness.AddRawAsync("raw-reader", """[{"pubsubname":"pubsub","topic":"raw","route":"/raw","metadata":{"rawPayload":"true"}}]""", (_, _) => (200, ""));

        await publisher.Client.PublishByteEventAsync("pubsub", "raw", new byte[] { 1, 2, 3 }, "application/octet-stream",
            new Dictionary<string, string> { ["rawPayload"] = "true" }, Ct);

        using var doc = JsonDocument.Parse((await raw.WaitForAsync(1))[0].Body);
        Assert.Equal("AQID", doc.RootElement.GetProperty("data_base64").GetString());
        Assert.Equal("application/octet-stream", doc.RootElement.GetProperty("datacontenttype").GetString());
    }
}

public sealed class PubSubConformanceTests_InMemory : PubSubConformanceTests
{
    protected override Backend Backend => Backend.InMemory;
}

public sealed class PubSubConformanceTests_Redis(RedisFixture redis) : PubSubConformanceTests
{
    protected override Backend Backend => redis.Backend;
}
