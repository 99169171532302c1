using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Mtaeda.Contracts.Common.V1;
using Mtaeda.Contracts.Stations.V1;
using Mtaeda.Equipment.Actors;
using Mtaeda.Equipment.Api;
using Mtaeda.Equipment.Domain;
using Mtaeda.Equipment.Handlers;
using Mtaeda.Equipment.Tests.Support;
using Mtaeda.ServiceDefaults;
using Mtaeda.Testing;

namespace Mtaeda.Equipment.Tests.Handlers;

/// <summary>A station's availability as equipment hears it: offline, opened, closed, and installs meeting a close.</summary>
public sealed class StationAvailabilityHandlerTests : ActorWorldTest
{
    private readonly FakeStationLookup _stations = new();
    private readonly FakeServerCallContext _call = new(cancellationToken: TestContext.Current.CancellationToken);

    private static IntegrationEventContext Context() => new(Guid.NewGuid().ToString(), "stations");

    private Task OfflineAsync(DateTimeOffset at, string station = "stn-1") =>
        new StationTakenOfflineHandler(World.Equipment, NullLogger<StationTakenOfflineHandler>.Instance).HandleAsync(
            new StationTakenOffline { StationId = station, Reason = "flooding", TakenOfflineAt = Timestamp.FromDateTimeOffset(at) }, Context(), TestContext.Current.CancellationToken);

    private Task OpenedAsync(DateTimeOffset at, string station = "stn-1") =>
        new StationOpenedHandler(World.Equipment, NullLogger<StationOpenedHandler>.Instance).HandleAsync(
            new StationOpened { StationId = station, PreviousStatus = StationStatus.Offline, OpenedAt = Timestamp.FromDateTimeOffset(at) }, Context(), TestContext.Current.CancellationToken);

    private Task ClosedAsync(DateTimeOffset at, string station = "stn-1") =>
        new StationClosedHandler(World.Equipment, NullLogger<StationClosedHandler>.Instance).HandleAsync(
            new StationClosed { StationId = station, ClosedAt = Timestamp.FromDateTimeOffset(at) }, Context(), TestContext.Current.CancellationToken);

    private Task<InstallTurnstileReply> InstallAsync(string turnstile, string station = "stn-1") =>
        World.Station(station).InstallTurnstileAsync(turnstile, Install(station));

    private Task<RecordPassagesReply> RecordAsync(string batch, string turnstile = "ts-1") =>
        World.Turnstile(turnstile).RecordPassagesAsync(Batch(batch, 1, 0, World.Clock.GetUtcNow()));

    [Fact]
    public async Task Offline_stops_passages_and_installs_with_STATION_OFFLINE_and_opening_resumes_both()
    {
        Assert.True((await InstallAsync("ts-1")).Outcome.IsAccepted);
        World.Clock.Advance(TimeSpan.FromMinutes(1));

        await OfflineAsync(World.Clock.GetUtcNow());
        var refused = await RecordAsync("b-1");
        var install = await InstallAsync("ts-2");
        World.Clock.Advance(TimeSpan.FromMinutes(1));
        await OpenedAsync(World.Clock.GetUtcNow());
        var resumed = await RecordAsync("b-2");
        var installAfter = await InstallAsync("ts-2");

        Assert.Equal(ErrorReason.StationOffline, refused.Outcome.Reason);
        Assert.Equal(RefusalKind.FailedPrecondition, refused.Outcome.Kind);
        Assert.Equal(ErrorReason.StationOffline, install.Outcome.Reason);
        Assert.True(resumed.Outcome.IsAccepted, resumed.Outcome.Message);
        Assert.True(installAfter.Outcome.IsAccepted, installAfter.Outcome.Message);
        Assert.Equal(1, (await World.Turnstile("ts-1").GetAsync())!.IngressCount);
        Assert.Equal(["ts-1", "ts-2"], await World.Station("stn-1").GetTurnstilesAsync());
    }

    [Fact]
    public async Task Opened_delivered_before_the_earlier_taken_offline_leaves_the_station_open()
    {
        Assert.True((await InstallAsync("ts-1")).Outcome.IsAccepted);

        await OpenedAsync(T0.AddMinutes(2));
        await OfflineAsync(T0.AddMinutes(1));

        Assert.Equal(StationStatus.Active, (await World.Station("stn-1").GetAvailabilityAsync()).Status);
        Assert.True((await RecordAsync("b-1")).Outcome.IsAccepted);
    }

    [Fact]
    public async Task An_event_without_its_time_is_dropped_as_invalid_and_changes_nothing()
    {
        Assert.True((await InstallAsync("ts-1")).Outcome.IsAccepted);
        var handler = new StationTakenOfflineHandler(World.Equipment, NullLogger<StationTakenOfflineHandler>.Instance);

        var refused = await Assert.ThrowsAsync<InvalidEventException>(() =>
            handler.HandleAsync(new StationTakenOffline { StationId = "stn-1" }, Context(), TestContext.Current.CancellationToken));

        Assert.Equal(DeliveryStatus.Drop, EventSubscriptionEndpoints.StatusOf(refused));
        Assert.Equal(StationStatus.Unspecified, (await World.Station("stn-1").GetAvailabilityAsync()).Status);
        Assert.True((await RecordAsync("b-1")).Outcome.IsAccepted);
    }

    [Fact]
    public async Task A_close_handled_while_an_install_is_under_way_decommissions_the_new_turnstile()
    {
        var service = new EquipmentService(World.Equipment, _stations);
        // The stations service said the station was open; the turnstile's actor is held busy, so the install is mid-way
        // when the close arrives.
        Task<InstallTurnstileResponse> install;
        Task close;
        using (await World.HoldTurnAsync(TurnstileActor.TypeName, "ts-1"))
        {
            install = service.InstallTurnstile(new InstallTurnstileRequest { TurnstileId = "ts-1", StationId = "stn-1", Model = Gate.ToContract(), MaxPassagesBeforeMaintenance = 10 }, _call);
            await Eventually.UntilAsync(() => World.Waiting(TurnstileActor.TypeName, "ts-1") == 1, "the install waits for the turnstile", cancellationToken: TestContext.Current.CancellationToken);
            close = ClosedAsync(T0);
            // The close either finished (nothing to wait for) or waits for the station's turn, which the install holds.
            await Eventually.UntilAsync(() => close.IsCompleted || World.Waiting(StationEquipmentActor.TypeName, "stn-1") == 1, "the close is under way", cancellationToken: TestContext.Current.CancellationToken);
        }
        await Task.WhenAll(install, close);

        Assert.Equal(TurnstileStatus.Decommissioned, (await World.Turnstile("ts-1").GetAsync())!.Status);
    }

    [Fact]
    public async Task An_install_after_the_close_was_heard_is_refused_with_STATION_CLOSED_even_when_stations_said_open()
    {
        var service = new EquipmentService(World.Equipment, _stations);
        await ClosedAsync(T0);

        var refused = await Assert.ThrowsAsync<RpcException>(() => _call.ServeAsync(call =>
            service.InstallTurnstile(new InstallTurnstileRequest { TurnstileId = "ts-1", StationId = "stn-1", Model = Gate.ToContract(), MaxPassagesBeforeMaintenance = 10 }, call)));

        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Equal(ErrorReason.StationClosed, Errors.ReasonOf(refused));
        Assert.Null(await World.Turnstile("ts-1").GetAsync());
    }

    [Fact]
    public async Task A_close_delivered_after_the_later_reopening_leaves_the_station_open_and_its_new_turnstiles_in_service()
    {
        Assert.True((await InstallAsync("ts-1")).Outcome.IsAccepted);

        await OpenedAsync(T0.AddMinutes(2));
        Assert.True((await InstallAsync("ts-2")).Outcome.IsAccepted);
        await ClosedAsync(T0.AddMinutes(1));

        Assert.Equal(StationStatus.Active, (await World.Station("stn-1").GetAvailabilityAsync()).Status);
        Assert.Equal(TurnstileStatus.Operational, (await World.Turnstile("ts-2").GetAsync())!.Status);
        Assert.True((await InstallAsync("ts-3")).Outcome.IsAccepted);
    }
}
