using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging.Abstractions;
using Mtaeda.Contracts.Stations.V1;
using Mtaeda.Equipment.Actors;
using Mtaeda.Equipment.Handlers;
using Mtaeda.Equipment.Tests.Support;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Equipment.Tests.Handlers;

public sealed class StationClosedHandlerTests : ActorWorldTest
{
    private readonly StationClosedHandler _handler;

    public StationClosedHandlerTests()
    {
        _handler = new StationClosedHandler(World.Equipment, NullLogger<StationClosedHandler>.Instance);
    }

    private async Task InstallAsync(string turnstile, string station)
    {
        Assert.True((await World.Station(station).InstallTurnstileAsync(turnstile, Install(station))).Outcome.IsAccepted);
    }

    private Task HandleAsync(StationClosed closed) =>
        _handler.HandleAsync(closed, new IntegrationEventContext(Guid.NewGuid().ToString(), "stations"), TestContext.Current.CancellationToken);

    private async Task<TurnstileStatus> StatusAsync(string turnstile) => (await World.Turnstile(turnstile).GetAsync())!.Status;

    [Fact]
    public async Task Closing_a_station_decommissions_the_listed_turnstiles_and_those_equipment_knows_there()
    {
        await InstallAsync("ts-1", "stn-1");
        await InstallAsync("ts-2", "stn-1");
        await InstallAsync("ts-3", "stn-2");
        await World.Camera("cam-1").InstallAsync(new InstallCamera { TurnstileId = "ts-1", Model = Lens });

        // The station knew only ts-1 (and wrongly lists ts-3 and an unknown one).
        await HandleAsync(new StationClosed { StationId = "stn-1", Reason = "line rerouted", TurnstileIds = { "ts-1", "ts-3", "ts-9" }, ClosedAt = Timestamp.FromDateTimeOffset(T0) });

        Assert.Equal(TurnstileStatus.Decommissioned, await StatusAsync("ts-1"));
        Assert.Equal(TurnstileStatus.Decommissioned, await StatusAsync("ts-2"));
        Assert.Equal(TurnstileStatus.Operational, await StatusAsync("ts-3"));
        Assert.Equal("station closed: line rerouted", (await World.Turnstile("ts-1").GetAsync())!.StatusReason);
        Assert.Null((await World.Camera("cam-1").GetAsync())!.TurnstileId);
        Assert.Null(await World.Turnstile("ts-9").GetAsync());
    }

    [Fact]
    public async Task Closing_twice_changes_nothing_the_second_time()
    {
        await InstallAsync("ts-1", "stn-1");
        var closed = new StationClosed { StationId = "stn-1", TurnstileIds = { "ts-1" }, ClosedAt = Timestamp.FromDateTimeOffset(T0) };

        await HandleAsync(closed);
        World.Clock.Advance(TimeSpan.FromMinutes(1));
        await HandleAsync(closed);

        var decommissioned = Assert.Single(World.Outbox(TurnstileActor.TypeName, "ts-1"), e => e.Type == "mtaeda.equipment.v1.TurnstileDecommissioned");
        Assert.Equal("station closed", IntegrationEvents.FromJson<TurnstileDecommissioned>(decommissioned.Json).Reason);
        Assert.Equal(T0, (await World.Turnstile("ts-1").GetAsync())!.DecommissionedAt);
    }

    [Fact]
    public async Task An_event_without_a_valid_station_is_refused_as_invalid_and_changes_nothing()
    {
        await InstallAsync("ts-1", "stn-1");

        var refused = await Assert.ThrowsAsync<InvalidEventException>(() => HandleAsync(new StationClosed { StationId = "", TurnstileIds = { "ts-1" }, ClosedAt = Timestamp.FromDateTimeOffset(T0) }));

        Assert.Equal(DeliveryStatus.Drop, EventSubscriptionEndpoints.StatusOf(refused));
        Assert.Equal(TurnstileStatus.Operational, await StatusAsync("ts-1"));
    }
}
