using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mtaeda.Contracts.Common.V1;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.ServiceDefaults;
using StationsClient = Mtaeda.Contracts.Stations.V1.Stations.StationsClient;

namespace Mtaeda.Stations.Tests;

/// <summary>The real stations app in-process beside a local sidecar, driven through the sidecar as any client would.</summary>
public sealed class StationsIntegrationTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StationAddress Address => new() { StreetAddress = "42 Main Street", City = "Springfield" };

    [Fact]
    public async Task Closing_a_station_publishes_StationClosed_with_the_turnstiles_equipment_installed_there()
    {
        await using var runtime = LocalRuntime.Create();
        var stations = await runtime.StartAsync("stations", Apps.Stations, Ct);
        var observer = await runtime.ObserveAsync("observer", [Topics.Stations], Ct);
        var client = new StationsClient(observer.Node.Invoker("stations"));

        var registered = await client.RegisterStationAsync(new RegisterStationRequest
        {
            StationId = "stn-042",
            Name = "Central Square",
            Address = Address,
            LineIds = { "A", "7" },
        }, cancellationToken: Ct);
        Assert.NotNull(registered.RegisteredAt);

        foreach (var turnstile in new[] { "ts-042-02", "ts-042-01" })
        {
            await observer.Node.Client.PublishIntegrationEventAsync(Topics.Equipment, new TurnstileInstalled
            {
                TurnstileId = turnstile,
                StationId = "stn-042",
                LineIds = { "A" },
                InstalledAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
            }, cancellationToken: Ct);
        }

        var installed = await Eventually.MatchesAsync(
            () => client.GetStationAsync(new GetStationRequest { StationId = "stn-042" }, cancellationToken: Ct).ResponseAsync,
            station => station.TurnstileIds.Count == 2, Patience, Ct);
        Assert.Equal(["ts-042-01", "ts-042-02"], installed.TurnstileIds);

        var closed = await client.CloseStationAsync(new CloseStationRequest { StationId = "stn-042", Reason = "line rerouted" }, cancellationToken: Ct);
        Assert.Equal(StationStatus.Closed, closed.Status);

        var published = await observer.WaitForAsync(e => e.Type == EventType.Of<StationClosed>(), Patience, Ct);
        var message = IntegrationEvents.FromJson<StationClosed>(published.Data);
        Assert.Equal("stn-042", message.StationId);
        Assert.Equal("line rerouted", message.Reason);
        Assert.Equal(["ts-042-01", "ts-042-02"], message.TurnstileIds);
        var types = observer.Events.Select(e => e.Type).ToList();
        Assert.True(types.IndexOf(EventType.Of<StationRegistered>()) is >= 0 and var at && at < types.IndexOf(EventType.Of<StationClosed>()),
            $"StationRegistered is published before StationClosed: {string.Join(", ", types)}");

        // Closing again is accepted and raises nothing more; a closed station cannot be taken offline.
        await client.CloseStationAsync(new CloseStationRequest { StationId = "stn-042" }, cancellationToken: Ct);
        var offline = await Assert.ThrowsAsync<RpcException>(() =>
            client.TakeStationOfflineAsync(new TakeStationOfflineRequest { StationId = "stn-042" }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, offline.StatusCode);
        Assert.Single(observer.Events, e => e.Type == EventType.Of<StationClosed>());
    }

    [Fact]
    public async Task A_TurnstileInstalled_delivered_after_the_later_TurnstileDecommissioned_does_not_bring_the_turnstile_back()
    {
        await using var runtime = LocalRuntime.Create();
        await runtime.StartAsync("stations", Apps.Stations, Ct);
        var observer = await runtime.ObserveAsync("observer", [Topics.Stations], Ct);
        var client = new StationsClient(observer.Node.Invoker("stations"));
        await client.RegisterStationAsync(new RegisterStationRequest { StationId = "stn-043", Name = "Harbour", Address = Address, LineIds = { "A" } }, cancellationToken: Ct);
        var installedAt = DateTimeOffset.UtcNow;

        await observer.Node.Client.PublishIntegrationEventAsync(Topics.Equipment, new TurnstileDecommissioned
        {
            TurnstileId = "ts-043-01",
            StationId = "stn-043",
            Reason = "worn out",
            DecommissionedAt = Timestamp.FromDateTimeOffset(installedAt.AddMinutes(5)),
        }, cancellationToken: Ct);
        await observer.Node.Client.PublishIntegrationEventAsync(Topics.Equipment, new TurnstileInstalled
        {
            TurnstileId = "ts-043-01",
            StationId = "stn-043",
            LineIds = { "A" },
            InstalledAt = Timestamp.FromDateTimeOffset(installedAt),
        }, cancellationToken: Ct);
        // A later install of another turnstile, to know the events before it were handled.
        await observer.Node.Client.PublishIntegrationEventAsync(Topics.Equipment, new TurnstileInstalled
        {
            TurnstileId = "ts-043-02",
            StationId = "stn-043",
            LineIds = { "A" },
            InstalledAt = Timestamp.FromDateTimeOffset(installedAt.AddMinutes(6)),
        }, cancellationToken: Ct);

        var station = await Eventually.MatchesAsync(
            () => client.GetStationAsync(new GetStationRequest { StationId = "stn-043" }, cancellationToken: Ct).ResponseAsync,
            s => s.TurnstileIds.Contains("ts-043-02"), Patience, Ct);
        Assert.Equal(["ts-043-02"], station.TurnstileIds);
    }

    [Fact]
    public async Task Bad_input_unknown_ids_and_listing_answer_as_the_contract_says()
    {
        await using var runtime = LocalRuntime.Create();
        var stations = await runtime.StartAsync("stations", Apps.Stations, Ct);
        var client = new StationsClient(stations.Invoker("stations"));

        var invalid = await Assert.ThrowsAsync<RpcException>(() => client.RegisterStationAsync(new RegisterStationRequest
        {
            StationId = "stn 1",
            Name = "Nowhere",
            Address = Address,
            LineIds = { "A" },
        }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, invalid.StatusCode);
        Assert.Equal("station_id", Assert.Single(Errors.FieldViolationsOf(invalid)).Field);

        var noCity = await Assert.ThrowsAsync<RpcException>(() => client.RegisterStationAsync(new RegisterStationRequest
        {
            StationId = "stn-1",
            Name = "Nowhere",
            Address = new StationAddress { StreetAddress = "1 Road" },
            LineIds = { "A" },
        }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal("address.city", Assert.Single(Errors.FieldViolationsOf(noCity)).Field);

        var unknown = await Assert.ThrowsAsync<RpcException>(() => client.GetStationAsync(new GetStationRequest { StationId = "stn-404" }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);

        foreach (var id in new[] { "stn-3", "stn-1", "stn-2" })
        {
            await client.RegisterStationAsync(new RegisterStationRequest { StationId = id, Name = id, Address = Address, LineIds = { "A" } }, cancellationToken: Ct);
        }

        await client.RegisterStationAsync(new RegisterStationRequest { StationId = "stn-1", Name = "stn-1", Address = Address, LineIds = { "A" } }, cancellationToken: Ct);
        var conflict = await Assert.ThrowsAsync<RpcException>(() =>
            client.RegisterStationAsync(new RegisterStationRequest { StationId = "stn-1", Name = "Renamed", Address = Address, LineIds = { "A" } }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.AlreadyExists, conflict.StatusCode);
        await client.TakeStationOfflineAsync(new TakeStationOfflineRequest { StationId = "stn-2", Reason = "flooding" }, cancellationToken: Ct);

        var first = await client.ListStationsAsync(new ListStationsRequest { PageSize = 2 }, cancellationToken: Ct);
        var second = await client.ListStationsAsync(new ListStationsRequest { PageSize = 2, PageToken = first.NextPageToken }, cancellationToken: Ct);
        var offline = await client.ListStationsAsync(new ListStationsRequest { Status = StationStatus.Offline }, cancellationToken: Ct);

        Assert.Equal(["stn-1", "stn-2"], first.Stations.Select(s => s.StationId));
        Assert.NotEmpty(first.NextPageToken);
        Assert.Equal(["stn-3"], second.Stations.Select(s => s.StationId));
        Assert.Empty(second.NextPageToken);
        Assert.Equal("flooding", Assert.Single(offline.Stations).StatusReason);
        var badToken = await Assert.ThrowsAsync<RpcException>(() =>
            client.ListStationsAsync(new ListStationsRequest { PageToken = "not-a-token" }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal("page_token", Assert.Single(Errors.FieldViolationsOf(badToken)).Field);

        // The actor endpoints map a /healthz of their own; the liveness check still answers there.
        using var http = new HttpClient();
        using var health = await http.GetAsync($"{stations.HttpEndpoint}/v1.0/invoke/stations/method/healthz", Ct);
        Assert.Equal(System.Net.HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Every_rpc_is_served_as_http_json_through_the_sidecar_with_errors_as_problem_json()
    {
        await using var runtime = LocalRuntime.Create();
        var stations = await runtime.StartAsync("stations", Apps.Stations, Ct);
        using var http = new HttpClient { BaseAddress = new Uri($"{stations.HttpEndpoint}/v1.0/invoke/stations/method/") };

        using (var registered = await http.PostAsJsonAsync("v1/stations",
            new { stationId = "stn-042", name = "Central Square", address = new { streetAddress = "42 Main Street", city = "Springfield" }, lineIds = new[] { "A" } }, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
        }
        using (var closed = await http.PostAsJsonAsync("v1/stations/stn-042:close", new { reason = "line rerouted" }, Ct))
        {
            Assert.Equal("STATION_STATUS_CLOSED", (await closed.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("status").GetString());
        }
        var station = await http.GetFromJsonAsync<JsonElement>("v1/stations/stn-042", Ct);
        Assert.Equal(("Central Square", "STATION_STATUS_CLOSED"), (station.GetProperty("name").GetString(), station.GetProperty("status").GetString()));
        var list = await http.GetFromJsonAsync<JsonElement>("v1/stations?pageSize=10", Ct);
        Assert.Equal("stn-042", Assert.Single(list.GetProperty("stations").EnumerateArray()).GetProperty("stationId").GetString());

        // A refused command: problem+json with the reason code; bad input: problem+json naming the field.
        using var offline = await http.PostAsJsonAsync("v1/stations/stn-042:takeOffline", new { }, Ct);
        Assert.Equal("application/problem+json", offline.Content.Headers.ContentType?.MediaType);
        Assert.Equal("STATION_CLOSED", (await offline.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("reason").GetString());
        using var invalid = await http.GetAsync("v1/stations/stn%20042", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.True((await invalid.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").TryGetProperty("station_id", out _));
    }
}
