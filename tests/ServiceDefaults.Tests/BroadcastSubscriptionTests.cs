using System.Net.Http.Json;
using System.Text.Json;
using Dapr.Client;
using Mtaeda.Contracts;
using Mtaeda.Contracts.Equipment.V1;

namespace Mtaeda.ServiceDefaults.Tests;

/// <summary>
/// <c>MapBroadcastEventHandler</c>: a subscription on another pub/sub component (per-replica consumer id) that every replica
/// handles, so it is not behind the idempotency guard, next to an ordinary one on <c>pubsub</c>.
/// </summary>
public sealed class BroadcastSubscriptionTests : IAsyncLifetime
{
    private readonly FakeDaprClient dapr = new();
    private readonly List<string> handled = [];
    private TestApp? service;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => service = await TestApp.StartAsync(
        services: builder => builder.Services.AddSingleton<DaprClient>(dapr).AddSingleton(handled),
        endpoints: app =>
        {
            app.MapEventHandler<TurnstileLocked, LockedHandler>(Topics.Equipment);
            app.MapBroadcastEventHandler<TurnstileLocked, LockedHandler>("fanout", "pushes");
        });

    public async ValueTask DisposeAsync()
    {
        if (service is not null) await service.DisposeAsync();
        dapr.Dispose();
    }

    [Fact]
    public async Task The_broadcast_is_subscribed_on_its_own_component_under_its_own_path()
    {
        var subscriptions = (await service!.Client.GetFromJsonAsync<JsonElement>("/dapr/subscribe", Ct)).EnumerateArray().ToList();

        Assert.Equal([("fanout", "pushes"), ("pubsub", Topics.Equipment)], subscriptions.Select(s => (s.GetProperty("pubsubname").GetString(), s.GetProperty("topic").GetString())));
        var rule = Assert.Single(subscriptions[0].GetProperty("routes").GetProperty("rules").EnumerateArray());
        Assert.Equal("/events/fanout/pushes/mtaeda.equipment.v1.TurnstileLocked", rule.GetProperty("path").GetString());
        Assert.Equal("/events/fanout/pushes", subscriptions[0].GetProperty("routes").GetProperty("default").GetString());
        Assert.Equal("servicedefaults-tests.pushes.deadletter", subscriptions[0].GetProperty("deadLetterTopic").GetString());
    }

    [Fact]
    public async Task A_broadcast_redelivery_is_handled_again_where_an_ordinary_one_is_not()
    {
        Assert.Equal("SUCCESS", await DeliverAsync("/events/fanout/pushes", "evt-1", "ts-1"));
        Assert.Equal("SUCCESS", await DeliverAsync("/events/fanout/pushes", "evt-1", "ts-1"));
        Assert.Equal("SUCCESS", await DeliverAsync("/events/equipment", "evt-2", "ts-2"));
        Assert.Equal("SUCCESS", await DeliverAsync("/events/equipment", "evt-2", "ts-2"));

        Assert.Equal(["evt-1:ts-1", "evt-1:ts-1", "evt-2:ts-2"], handled);
    }

    [Fact]
    public async Task A_broadcast_event_breaking_its_handler_is_dropped_like_any_other()
    {
        Assert.Equal("DROP", await DeliverAsync("/events/fanout/pushes", "evt-3", "ts-invalid"));
        Assert.Empty(handled);
    }

    private Task<string?> DeliverAsync(string route, string id, string turnstileId) =>
        Deliveries.PostAsync(service!.Client, $"{route}/{EventType.Of<TurnstileLocked>()}",
            Deliveries.CloudEvent(id, "notifications", EventType.Of<TurnstileLocked>(), IntegrationEvents.ToJson(new TurnstileLocked { TurnstileId = turnstileId })));

    private sealed class LockedHandler(List<string> handled) : IEventHandler<TurnstileLocked>
    {
        public Task HandleAsync(TurnstileLocked @event, IntegrationEventContext context, CancellationToken cancellationToken)
        {
            if (@event.TurnstileId == "ts-invalid") throw new InvalidEventException("turnstile_id is not one this app knows");
            lock (handled) handled.Add($"{context.EventId}:{@event.TurnstileId}");
            return Task.CompletedTask;
        }
    }
}
