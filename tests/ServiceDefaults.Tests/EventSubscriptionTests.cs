using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapr.Client;
using Mtaeda.Contracts;
using Mtaeda.Contracts.Equipment.V1;

namespace Mtaeda.ServiceDefaults.Tests;

/// <summary>
/// The one way to subscribe (<c>MapEventHandler</c>, <c>MapBulkEventHandler</c>), fed deliveries the way the sidecar
/// makes them (a CloudEvent in structured mode; a bulk delivery of entries), with the state store behind a fake DaprClient.
/// </summary>
public sealed class EventSubscriptionTests : IAsyncLifetime
{
    private readonly FakeDaprClient dapr = new();
    private readonly Recorder recorder = new();
    private TestApp? service;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private HttpClient Client => service!.Client;

    public async ValueTask InitializeAsync() => service = await TestApp.StartAsync(
        services: builder => builder.Services.AddSingleton<DaprClient>(dapr).AddSingleton(recorder),
        endpoints: app =>
        {
            app.MapEventHandler<TurnstileLocked, LockedHandler>(Topics.Equipment);
            app.MapBulkEventHandler<PassagesRecorded, PassagesHandler>(Topics.Passages, new BulkDelivery(100, TimeSpan.FromMilliseconds(50)));
        });

    public async ValueTask DisposeAsync()
    {
        if (service is not null) await service.DisposeAsync();
        dapr.Dispose();
    }

    [Fact]
    public async Task A_redelivery_is_acknowledged_without_running_the_handler_again()
    {
        Assert.Equal("SUCCESS", await DeliverAsync("evt-1", new TurnstileLocked { TurnstileId = "ts-07" }));
        Assert.Equal("SUCCESS", await DeliverAsync("evt-1", new TurnstileLocked { TurnstileId = "ts-07" }));

        Assert.Equal(["evt-1:ts-07"], recorder.Handled);
    }

    [Fact]
    public async Task A_duplicate_arriving_while_the_first_is_in_progress_is_asked_to_retry()
    {
        recorder.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = DeliverAsync("evt-2", new TurnstileLocked { TurnstileId = "ts-08" });
        await recorder.Entered.Task.WaitAsync(Patience, Ct);

        var duplicate = await DeliverAsync("evt-2", new TurnstileLocked { TurnstileId = "ts-08" }).WaitAsync(Patience, Ct);
        recorder.Gate.SetResult();

        Assert.Equal("RETRY", duplicate);
        Assert.Equal("SUCCESS", await first.WaitAsync(Patience, Ct));
        Assert.Equal(["evt-2:ts-08"], recorder.Handled);
    }

    [Fact]
    public async Task What_a_handler_throws_becomes_the_status_drop_for_what_can_never_succeed_retry_for_what_might()
    {
        Assert.Equal("DROP", await DeliverAsync("evt-3", new TurnstileLocked { TurnstileId = "ts-invalid" }));
        Assert.Equal("RETRY", await DeliverAsync("evt-4", new TurnstileLocked { TurnstileId = "ts-transient" }));

        // The failed delivery released its claim: the redelivery runs the handler.
        recorder.TransientOnce = false;
        Assert.Equal("SUCCESS", await DeliverAsync("evt-4", new TurnstileLocked { TurnstileId = "ts-transient" }));
        Assert.Equal(["evt-4:ts-transient"], recorder.Handled);
    }

    [Fact]
    public async Task An_unreadable_event_or_one_without_an_id_is_dropped_without_reaching_the_handler()
    {
        Assert.Equal("DROP", await DeliverRawAsync("evt-5", "{\"turnstileId\": 42, \"lockedAt\": \"yesterday\"}"));
        Assert.Equal("DROP", await DeliverRawAsync(null, "{\"turnstileId\": \"ts-09\"}"));

        Assert.Empty(recorder.Handled);
    }

    [Fact]
    public async Task The_topics_other_events_are_acknowledged_on_the_default_route()
    {
        Assert.Equal("SUCCESS", await Deliveries.PostAsync(Client, "/events/equipment", Envelope("evt-6", "mtaeda.equipment.v1.TurnstileRestored", "{}")));
    }

    [Fact]
    public async Task The_subscriptions_route_by_type_name_a_dead_letter_topic_and_ask_for_bulk_where_mapped()
    {
        var subscriptions = (await Client.GetFromJsonAsync<JsonElement>("/dapr/subscribe", Ct)).EnumerateArray().ToList();

        Assert.Equal([Topics.Equipment, Topics.Passages], subscriptions.Select(s => s.GetProperty("topic").GetString()));
        var equipment = subscriptions[0];
        Assert.Equal("pubsub", equipment.GetProperty("pubsubname").GetString());
        var rule = Assert.Single(equipment.GetProperty("routes").GetProperty("rules").EnumerateArray());
        Assert.Equal("event.type == \"mtaeda.equipment.v1.TurnstileLocked\"", rule.GetProperty("match").GetString());
        Assert.Equal("/events/equipment/mtaeda.equipment.v1.TurnstileLocked", rule.GetProperty("path").GetString());
        Assert.Equal("/events/equipment", equipment.GetProperty("routes").GetProperty("default").GetString());
        Assert.Equal("servicedefaults-tests.equipment.deadletter", equipment.GetProperty("deadLetterTopic").GetString());
        Assert.Equal(JsonValueKind.Null, equipment.GetProperty("bulkSubscribe").ValueKind);

        var passages = subscriptions[1];
        Assert.Equal("servicedefaults-tests.passages.deadletter", passages.GetProperty("deadLetterTopic").GetString());
        Assert.True(passages.GetProperty("bulkSubscribe").GetProperty("enabled").GetBoolean());
        Assert.Equal(100, passages.GetProperty("bulkSubscribe").GetProperty("maxMessagesCount").GetInt32());
        Assert.Equal(50, passages.GetProperty("bulkSubscribe").GetProperty("maxAwaitDurationMs").GetInt32());
    }

    [Fact]
    public async Task In_a_bulk_delivery_an_event_beyond_its_contracts_bounds_is_dropped_and_the_good_ones_handled_at_once()
    {
        var statuses = await DeliverBulkAsync(
            ("e-1", "evt-b1", Passages("b-1", 3)),
            ("e-2", "evt-b2", Passages("b-2", long.MaxValue)),
            ("e-3", "evt-b3", Passages("b-3", 4)));

        Assert.Equal(["SUCCESS", "DROP", "SUCCESS"], statuses);
        Assert.Equal([["evt-b1", "evt-b3"]], recorder.Batches);
    }

    [Fact]
    public async Task In_a_bulk_delivery_an_event_the_handler_fails_on_for_good_is_dropped_alone()
    {
        // Within the contract's bounds, but the handler overflows on it (the whole batch fails first, then one by one).
        var statuses = await DeliverBulkAsync(
            ("e-1", "evt-c1", Passages("b-1", 3)),
            ("e-2", "evt-c2", Passages("b-overflow", 5)),
            ("e-3", "evt-c3", Passages("b-3", 4)));

        Assert.Equal(["SUCCESS", "DROP", "SUCCESS"], statuses);
        Assert.Equal(["evt-c1", "evt-c3"], recorder.Batches.Where(b => b.Count == 1).Select(b => b[0]));
    }

    [Fact]
    public async Task In_a_bulk_delivery_a_failure_that_may_pass_retries_every_event()
    {
        var statuses = await DeliverBulkAsync(("e-1", "evt-d1", Passages("b-1", 3)), ("e-2", "evt-d2", Passages("b-transient", 5)));

        Assert.Equal(["RETRY", "RETRY"], statuses);
        Assert.Empty(recorder.Batches);
    }

    private static PassagesRecorded Passages(string batchId, long ingress) =>
        new() { BatchId = batchId, TurnstileId = "ts-1", StationId = "stn-1", LineIds = { "A" }, Ingress = ingress };

    private async Task<string?> DeliverAsync(string id, TurnstileLocked locked) => await DeliverRawAsync(id, IntegrationEvents.ToJson(locked));

    private Task<string?> DeliverRawAsync(string? id, string data) =>
        Deliveries.PostAsync(Client, $"/events/equipment/{EventType.Of<TurnstileLocked>()}", Envelope(id, EventType.Of<TurnstileLocked>(), data));

    private static StringContent Envelope(string? id, string type, string data) => Deliveries.CloudEvent(id, "equipment", type, data, "pubsub", Topics.Equipment);

    private async Task<List<string?>> DeliverBulkAsync(params (string EntryId, string EventId, PassagesRecorded Event)[] entries)
    {
        var delivery = JsonSerializer.Serialize(new
        {
            id = Guid.NewGuid().ToString(),
            topic = Topics.Passages,
            pubsubname = Topics.PubSubName,
            type = "com.dapr.event.sent.bulk",
            entries = entries.Select(e => new
            {
                entryId = e.EntryId,
                contentType = "application/cloudevents+json",
                @event = new Dictionary<string, object>
                {
                    ["specversion"] = "1.0",
                    ["id"] = e.EventId,
                    ["source"] = "equipment",
                    ["type"] = EventType.Of<PassagesRecorded>(),
                    ["datacontenttype"] = "application/json",
                    ["data"] = JsonDocument.Parse(IntegrationEvents.ToJson(e.Event)).RootElement,
                },
            }),
        });
        using var response = await Client.PostAsync($"/events/passages/{EventType.Of<PassagesRecorded>()}", new StringContent(delivery, Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var statuses = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("statuses").EnumerateArray()
            .ToDictionary(s => s.GetProperty("entryId").GetString()!, s => s.GetProperty("status").GetString());
        return [.. entries.Select(e => statuses[e.EntryId])];
    }

    /// <summary>What the test handlers saw.</summary>
    public sealed class Recorder
    {
        public List<string> Handled { get; } = [];

        public List<List<string>> Batches { get; } = [];

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource? Gate { get; set; }

        public bool TransientOnce { get; set; } = true;
    }

    private sealed class LockedHandler(Recorder recorder) : IEventHandler<TurnstileLocked>
    {
        public async Task HandleAsync(TurnstileLocked @event, IntegrationEventContext context, CancellationToken cancellationToken)
        {
            recorder.Entered.TrySetResult();
            if (recorder.Gate is { } gate) await gate.Task.WaitAsync(cancellationToken);
            if (@event.TurnstileId == "ts-invalid") throw new InvalidEventException("turnstile_id is not one this app knows");
            if (@event.TurnstileId == "ts-transient" && recorder.TransientOnce) throw new IOException("the store is away");
            lock (recorder.Handled) recorder.Handled.Add($"{context.EventId}:{@event.TurnstileId}");
        }
    }

    private sealed class PassagesHandler(Recorder recorder) : IBulkEventHandler<PassagesRecorded>
    {
        public Task HandleAsync(IReadOnlyList<ReceivedEvent<PassagesRecorded>> events, CancellationToken cancellationToken)
        {
            if (events.Any(e => e.Event.BatchId == "b-transient")) throw new IOException("the store is away");
            if (events.Any(e => e.Event.BatchId == "b-overflow")) _ = checked(long.MaxValue + events.Count);
            lock (recorder.Batches) recorder.Batches.Add([.. events.Select(e => e.Context.EventId)]);
            return Task.CompletedTask;
        }
    }
}
