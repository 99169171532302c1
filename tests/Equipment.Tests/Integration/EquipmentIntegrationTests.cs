using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Mtaeda.Contracts.Common.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mtaeda.Contracts.Stations.V1;
using Mtaeda.ServiceDefaults;
using Mtaeda.Testing;

namespace Mtaeda.Equipment.Tests.Integration;

/// <summary>
/// The real equipment app on the local runtime, driven with the generated gRPC client through its sidecar, its events
/// observed by a separate subscriber of the equipment topic.
/// </summary>
public sealed class EquipmentIntegrationTests(EquipmentSystem system) : IClassFixture<EquipmentSystem>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private EquipmentApi Api => new(system.Client);

    private static RecordPassagesRequest Passages(string turnstile, string batch, long ingress, long egress)
    {
        // Passages of the moment: after the turnstile's installation, and not ahead of equipment's clock.
        var now = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow);
        return new()
        {
            TurnstileId = turnstile,
            BatchId = batch,
            Ingress = ingress,
            Egress = egress,
            IntervalStart = now,
            IntervalEnd = now,
        };
    }

    private static InstallTurnstileRequest Install(string turnstile, string station, long max = 100) => new()
    {
        TurnstileId = turnstile,
        StationId = station,
        Model = Gate.ToContract(),
        MaxPassagesBeforeMaintenance = max,
    };

    /// <summary>The events about <paramref name="turnstile"/> (read from their data), with their CloudEvent attributes.</summary>
    private static List<(ObservedEvent Event, IMessage Data)> About(IReadOnlyList<ObservedEvent> events, string turnstile) =>
        [.. events.Select(e => (e, Parse(e))).Where(x => x.Item2 is { } data && TurnstileOf(data) == turnstile).Select(x => (x.e, x.Item2!))];

    private static IMessage? Parse(ObservedEvent e) => e.Type["mtaeda.equipment.v1.".Length..] switch
    {
        nameof(TurnstileInstalled) => IntegrationEvents.FromJson<TurnstileInstalled>(e.Data),
        nameof(PassagesRecorded) => IntegrationEvents.FromJson<PassagesRecorded>(e.Data),
        nameof(TurnstilePassageThresholdExceeded) => IntegrationEvents.FromJson<TurnstilePassageThresholdExceeded>(e.Data),
        nameof(TurnstileLocked) => IntegrationEvents.FromJson<TurnstileLocked>(e.Data),
        nameof(TurnstileFaulted) => IntegrationEvents.FromJson<TurnstileFaulted>(e.Data),
        nameof(TurnstileRestored) => IntegrationEvents.FromJson<TurnstileRestored>(e.Data),
        nameof(TurnstileDecommissioned) => IntegrationEvents.FromJson<TurnstileDecommissioned>(e.Data),
        nameof(TurnstileCameraInstalled) => IntegrationEvents.FromJson<TurnstileCameraInstalled>(e.Data),
        nameof(TurnstileCameraUninstalled) => IntegrationEvents.FromJson<TurnstileCameraUninstalled>(e.Data),
        nameof(CameraInstalled) => IntegrationEvents.FromJson<CameraInstalled>(e.Data),
        _ => null,
    };

    private static string? TurnstileOf(IMessage data) =>
        data.Descriptor.FindFieldByName("turnstile_id")?.Accessor.GetValue(data) as string;

    private async Task<List<(ObservedEvent Event, IMessage Data)>> WaitForAsync(string turnstile, string type, int count = 1)
    {
        try
        {
            var events = await system.Recorder.WaitUntilAsync(
                all => About(all, turnstile).Count(x => x.Data.Descriptor.Name == type) >= count, $"{count} {type} of {turnstile}", TimeSpan.FromSeconds(30), Ct);
            return About(events, turnstile);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\nruntime warnings:\n{string.Join('\n', system.RuntimeWarnings)}", e);
        }
    }

    [Fact]
    public async Task Installing_counting_jamming_and_restoring_a_turnstile_publishes_each_event_exactly_once()
    {
        var installed = await Api.InstallTurnstileAsync(Install("ts-it-1", "stn-1", max: 8));
        var repeat = await Api.InstallTurnstileAsync(Install("ts-it-1", "stn-1", max: 8));
        var first = await Api.RecordPassagesAsync(Passages("ts-it-1", "b-1", 3, 2));
        var replay = await Api.RecordPassagesAsync(Passages("ts-it-1", "b-1", 3, 2));
        var crossing = await Api.RecordPassagesAsync(Passages("ts-it-1", "b-2", 2, 1));
        var jam = await Api.ReportFaultAsync(new ReportFaultRequest { TurnstileId = "ts-it-1", Kind = FaultKind.Jammed, Reason = "coin mechanism jammed", FaultId = "ts-it-1:17" });
        var jamAgain = await Api.ReportFaultAsync(new ReportFaultRequest { TurnstileId = "ts-it-1", Kind = FaultKind.Jammed, Reason = "coin mechanism jammed", FaultId = "ts-it-1:17" });
        var whileLocked = await Assert.ThrowsAsync<RpcException>(() => Api.RecordPassagesAsync(Passages("ts-it-1", "b-3", 1, 0)));
        var restored = await Api.RestoreTurnstileAsync(new RestoreTurnstileRequest { TurnstileId = "ts-it-1", Reason = "jam cleared by technician" });
        var afterRestore = await Api.RecordPassagesAsync(Passages("ts-it-1", "b-3", 1, 0));
        var view = await Api.GetTurnstileAsync(new GetTurnstileRequest { TurnstileId = "ts-it-1" });
        // The last command is the sentinel: this turnstile's events are published in order on each topic, so once its
        // event and the third passage batch arrived every earlier one has too, and any duplicate would have.
        await Api.DecommissionTurnstileAsync(new DecommissionTurnstileRequest { TurnstileId = "ts-it-1", Reason = "test over" });
        var afterDecommission = await Assert.ThrowsAsync<RpcException>(() => Api.RecordPassagesAsync(Passages("ts-it-1", "b-4", 1, 0)));

        Assert.Equal(installed.InstalledAt, repeat.InstalledAt);
        Assert.False(first.Duplicate);
        Assert.True(replay.Duplicate);
        Assert.False(crossing.Duplicate);
        Assert.Equal(TurnstileStatus.Locked, jam.Status);
        Assert.Equal(TurnstileStatus.Locked, jamAgain.Status);
        Assert.Equal(StatusCode.FailedPrecondition, whileLocked.StatusCode);
        Assert.Equal(TurnstileStatus.Operational, restored.Status);
        Assert.False(afterRestore.Duplicate);
        Assert.Equal(StatusCode.FailedPrecondition, afterDecommission.StatusCode);
        Assert.Equal(6, view.IngressCount);
        Assert.Equal(3, view.EgressCount);
        Assert.True(view.PassageThresholdExceeded);
        Assert.Equal(["A", "B"], view.LineIds);

        await WaitForAsync("ts-it-1", nameof(PassagesRecorded), 3);
        var events = await WaitForAsync("ts-it-1", nameof(TurnstileDecommissioned));

        Assert.Equal(
            ["TurnstileInstalled", "TurnstilePassageThresholdExceeded", "TurnstileLocked", "TurnstileRestored", "TurnstileDecommissioned"],
            events.Where(x => x.Event.Topic == Topics.Equipment).Select(x => x.Data.Descriptor.Name));
        Assert.All(events, x =>
        {
            Assert.Equal(x.Data.Descriptor.FullName, x.Event.Type);
            Assert.Equal("equipment", x.Event.Source);
            Assert.Equal(x.Data is PassagesRecorded ? Topics.Passages : Topics.Equipment, x.Event.Topic);
        });
        Assert.Equal(events.Count, events.Select(x => x.Event.Id).Distinct().Count());
        Assert.Equal(["b-1", "b-2", "b-3"], events.Select(x => x.Data).OfType<PassagesRecorded>().Select(p => p.BatchId));
        var recorded = events.Select(x => x.Data).OfType<PassagesRecorded>().First();
        Assert.Equal(("stn-1", 3L, 2L), (recorded.StationId, recorded.Ingress, recorded.Egress));
        Assert.Equal(["A", "B"], recorded.LineIds);
        var locked = Assert.Single(events.Select(x => x.Data).OfType<TurnstileLocked>());
        Assert.Equal((FaultKind.Jammed, "coin mechanism jammed"), (locked.Kind, locked.Reason));
        Assert.Equal("b-2", Assert.Single(events.Select(x => x.Data).OfType<TurnstilePassageThresholdExceeded>()).BatchId);
    }

    [Fact]
    public async Task Bad_input_and_unknown_ids_get_clear_statuses_through_the_sidecar()
    {
        var noId = await Assert.ThrowsAsync<RpcException>(() => Api.InstallTurnstileAsync(Install("", "stn-1")));
        var unknownStation = await Assert.ThrowsAsync<RpcException>(() => Api.InstallTurnstileAsync(Install("ts-it-2", "stn-9")));
        var closedStation = await Assert.ThrowsAsync<RpcException>(() => Api.InstallTurnstileAsync(Install("ts-it-2", "stn-closed")));
        var unservedLine = await Assert.ThrowsAsync<RpcException>(() => Api.InstallTurnstileAsync(new InstallTurnstileRequest(Install("ts-it-2", "stn-2")) { LineIds = { "A" } }));
        var unknownTurnstile = await Assert.ThrowsAsync<RpcException>(() => Api.RecordPassagesAsync(Passages("ts-it-404", "b-1", 1, 0)));
        var noBatch = await Assert.ThrowsAsync<RpcException>(() => Api.RecordPassagesAsync(Passages("ts-it-404", "", 1, 0)));
        var noKind = await Assert.ThrowsAsync<RpcException>(() => Api.ReportFaultAsync(new ReportFaultRequest { TurnstileId = "ts-it-404" }));
        var missing = await Assert.ThrowsAsync<RpcException>(() => Api.GetTurnstileAsync(new GetTurnstileRequest { TurnstileId = "ts-it-404" }));

        Assert.Equal((StatusCode.InvalidArgument, "turnstile_id is required"), (noId.StatusCode, noId.Status.Detail));
        Assert.Equal(("turnstile_id", "is required"), (Errors.FieldViolationsOf(noId)[0].Field, Errors.FieldViolationsOf(noId)[0].Description));
        Assert.Equal((StatusCode.NotFound, "station stn-9 is not registered"), (unknownStation.StatusCode, unknownStation.Status.Detail));
        Assert.Equal((StatusCode.FailedPrecondition, "station stn-closed is closed"), (closedStation.StatusCode, closedStation.Status.Detail));
        Assert.Equal(ErrorReason.StationClosed, Errors.ReasonOf(closedStation)); // The rich status survives the sidecar's proxy.
        Assert.Equal((StatusCode.InvalidArgument, "line_ids"), (unservedLine.StatusCode, Assert.Single(Errors.FieldViolationsOf(unservedLine)).Field));
        Assert.Equal((StatusCode.NotFound, "turnstile ts-it-404 is not installed"), (unknownTurnstile.StatusCode, unknownTurnstile.Status.Detail));
        Assert.Equal((StatusCode.InvalidArgument, "batch_id is required"), (noBatch.StatusCode, noBatch.Status.Detail));
        Assert.Equal((StatusCode.InvalidArgument, "kind is required"), (noKind.StatusCode, noKind.Status.Detail));
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task A_station_taken_offline_refuses_passages_with_STATION_OFFLINE_until_it_is_opened()
    {
        await Api.InstallTurnstileAsync(Install("ts-it-o1", "stn-3"));

        await system.StationsDapr.PublishIntegrationEventAsync(Topics.Stations,
            new StationTakenOffline { StationId = "stn-3", Reason = "flooding", TakenOfflineAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow) },
            cancellationToken: Ct);
        // Each attempt is a new batch (a batch recorded before the event would be a duplicate, accepted whatever happens).
        var attempt = 0;
        var counted = 0;
        async Task<RpcException?> TryRecordAsync()
        {
            try
            {
                await Api.RecordPassagesAsync(Passages("ts-it-o1", $"b-o{++attempt}", 1, 0));
                counted++;
                return null;
            }
            catch (RpcException e)
            {
                return e;
            }
        }
        var refused = await Eventually.MatchesAsync(TryRecordAsync, e => e is not null, TimeSpan.FromSeconds(30), Ct, "passages to be refused");

        await system.StationsDapr.PublishIntegrationEventAsync(Topics.Stations,
            new StationOpened { StationId = "stn-3", PreviousStatus = StationStatus.Offline, OpenedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow) },
            cancellationToken: Ct);
        await Eventually.MatchesAsync(TryRecordAsync, e => e is null, TimeSpan.FromSeconds(30), Ct, "passages to be counted again");

        Assert.Equal(StatusCode.FailedPrecondition, refused!.StatusCode);
        Assert.Equal(ErrorReason.StationOffline, Errors.ReasonOf(refused));
        Assert.Equal(counted, (await Api.GetTurnstileAsync(new GetTurnstileRequest { TurnstileId = "ts-it-o1" })).IngressCount);
    }

    [Fact]
    public async Task Closing_a_station_decommissions_its_turnstiles_and_frees_their_cameras()
    {
        await Api.InstallTurnstileAsync(Install("ts-it-c1", "stn-2"));
        await Api.InstallTurnstileAsync(Install("ts-it-c2", "stn-2"));
        await Api.InstallTurnstileAsync(Install("ts-it-c3", "stn-1"));
        var camera = await Api.InstallCameraAsync(new InstallCameraRequest { CameraId = "cam-it-1", TurnstileId = "ts-it-c1", Model = Lens.ToContract() });
        Assert.Equal("stn-2", camera.StationId);

        // Published by the stations app; it lists only ts-it-c1 (and, wrongly, a turnstile of another station).
        await system.StationsDapr.PublishIntegrationEventAsync(Topics.Stations,
            new StationClosed { StationId = "stn-2", Reason = "line rerouted", TurnstileIds = { "ts-it-c1", "ts-it-c3" }, ClosedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow) },
            cancellationToken: Ct);

        var first = await WaitForAsync("ts-it-c1", nameof(TurnstileDecommissioned));
        // Handled in order: listed turnstiles first, then those only equipment knew; ts-it-c3 came before ts-it-c2.
        await WaitForAsync("ts-it-c2", nameof(TurnstileDecommissioned));

        // The camera's own CameraInstalled comes from the camera's actor: in no fixed order with the turnstile's events.
        Assert.Equal(
            ["TurnstileInstalled", "TurnstileCameraInstalled", "TurnstileCameraUninstalled", "TurnstileDecommissioned"],
            first.Select(x => x.Data.Descriptor.Name).Where(name => name != nameof(CameraInstalled)));
        Assert.Equal("cam-it-1", Assert.Single(first.Select(x => x.Data).OfType<CameraInstalled>()).CameraId);
        Assert.Equal("station closed: line rerouted", first.Select(x => x.Data).OfType<TurnstileDecommissioned>().Single().Reason);
        var c3 = await Api.GetTurnstileAsync(new GetTurnstileRequest { TurnstileId = "ts-it-c3" });
        Assert.Equal(TurnstileStatus.Operational, c3.Status);
        var c2 = await Api.GetTurnstileAsync(new GetTurnstileRequest { TurnstileId = "ts-it-c2" });
        Assert.Equal(TurnstileStatus.Decommissioned, c2.Status);
        var refused = await Assert.ThrowsAsync<RpcException>(() => Api.RecordPassagesAsync(Passages("ts-it-c2", "b-1", 1, 0)));
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);

        // The camera was let go with its turnstile, so it can go on another one.
        var moved = await Api.InstallCameraAsync(new InstallCameraRequest { CameraId = "cam-it-1", TurnstileId = "ts-it-c3", Model = Lens.ToContract() });
        Assert.Equal("stn-1", moved.StationId);
    }

    /// <summary>The generated client with the test's cancellation token on every call.</summary>
    private sealed class EquipmentApi(Contracts.Equipment.V1.Equipment.EquipmentClient client)
    {
        private static CallOptions Options => new(cancellationToken: Ct, deadline: DateTime.UtcNow.AddSeconds(30));

        public async Task<InstallTurnstileResponse> InstallTurnstileAsync(InstallTurnstileRequest request) => await client.InstallTurnstileAsync(request, Options);

        public async Task<DecommissionTurnstileResponse> DecommissionTurnstileAsync(DecommissionTurnstileRequest request) => await client.DecommissionTurnstileAsync(request, Options);

        public async Task<InstallCameraResponse> InstallCameraAsync(InstallCameraRequest request) => await client.InstallCameraAsync(request, Options);

        public async Task<RecordPassagesResponse> RecordPassagesAsync(RecordPassagesRequest request) => await client.RecordPassagesAsync(request, Options);

        public async Task<ReportFaultResponse> ReportFaultAsync(ReportFaultRequest request) => await client.ReportFaultAsync(request, Options);

        public async Task<RestoreTurnstileResponse> RestoreTurnstileAsync(RestoreTurnstileRequest request) => await client.RestoreTurnstileAsync(request, Options);

        public async Task<Turnstile> GetTurnstileAsync(GetTurnstileRequest request) => await client.GetTurnstileAsync(request, Options);
    }

    [Fact]
    public async Task Every_rpc_is_served_as_http_json_through_the_sidecar_with_refusals_as_problem_json_carrying_the_reason()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{system.EquipmentSidecar.HttpPort}/v1.0/invoke/equipment/method/") };
        await Api.InstallTurnstileAsync(Install("ts-http-1", "stn-1"));

        using (var fault = await http.PostAsJsonAsync("v1/turnstiles/ts-http-1/faults", new { kind = "FAULT_KIND_JAMMED", reason = "coin stuck" }, Ct))
        {
            Assert.Equal("TURNSTILE_STATUS_LOCKED", (await fault.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("status").GetString());
        }
        using (var restored = await http.PostAsJsonAsync("v1/turnstiles/ts-http-1:restore", new { reason = "cleared" }, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, restored.StatusCode);
        }
        var turnstile = await http.GetFromJsonAsync<JsonElement>("v1/turnstiles/ts-http-1", Ct);
        Assert.Equal(("stn-1", "TURNSTILE_STATUS_OPERATIONAL"), (turnstile.GetProperty("stationId").GetString(), turnstile.GetProperty("status").GetString()));

        using (var decommissioned = await http.PostAsJsonAsync("v1/turnstiles/ts-http-1:decommission", new { reason = "replaced" }, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, decommissioned.StatusCode);
        }
        using var refused = await http.PostAsJsonAsync("v1/turnstiles/ts-http-1/faults", new { kind = "FAULT_KIND_JAMMED" }, Ct);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(("TURNSTILE_DECOMMISSIONED", "FailedPrecondition"), (problem.GetProperty("reason").GetString(), problem.GetProperty("grpcStatus").GetString()));
        using var invalid = await http.PostAsJsonAsync("v1/turnstiles/ts-http-1/faults", new { reason = "no kind" }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal("is required", (await invalid.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").GetProperty("kind")[0].GetString());
    }

    [Fact]
    public async Task Maintenance_and_camera_faults_are_served_as_http_json_through_the_sidecar()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{system.EquipmentSidecar.HttpPort}/v1.0/invoke/equipment/method/") };
        await Api.InstallTurnstileAsync(Install("ts-http-m", "stn-1"));

        using (var started = await http.PostAsJsonAsync("v1/turnstiles/ts-http-m/maintenance:start", new { requestId = "mr-http-1", reason = "technician on site" }, Ct))
        {
            Assert.Equal("TURNSTILE_STATUS_UNDER_MAINTENANCE", (await started.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("status").GetString());
        }
        using (var restore = await http.PostAsJsonAsync("v1/turnstiles/ts-http-m:restore", new { reason = "by hand" }, Ct))
        {
            Assert.Equal("TURNSTILE_UNDER_MAINTENANCE", (await restore.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("reason").GetString());
        }
        using (var finished = await http.PostAsJsonAsync("v1/turnstiles/ts-http-m/maintenance:finish", new { requestId = "mr-http-1", completed = true }, Ct))
        {
            Assert.Equal("TURNSTILE_STATUS_OPERATIONAL", (await finished.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("status").GetString());
        }
        var turnstile = await http.GetFromJsonAsync<JsonElement>("v1/turnstiles/ts-http-m", Ct);
        Assert.Equal(1, turnstile.GetProperty("maintenanceCycles").GetInt32());

        await Api.InstallCameraAsync(new InstallCameraRequest { CameraId = "cam-http-1", TurnstileId = "ts-http-m", Model = Lens.ToContract() });
        using var camera = await http.PostAsJsonAsync("v1/cameras/cam-http-1/faults", new { kind = "CAMERA_FAULT_KIND_NO_SIGNAL", reason = "cable", faultId = "cam-http-1:1" }, Ct);
        Assert.Equal("stn-1", (await camera.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("stationId").GetString());
        var recorded = await system.Recorder.WaitUntilAsync(
            all => all.Any(e => e.Type == "mtaeda.equipment.v1.CameraFaulted"), "CameraFaulted", TimeSpan.FromSeconds(30), Ct);
        var faulted = IntegrationEvents.FromJson<CameraFaulted>(recorded.Single(e => e.Type == "mtaeda.equipment.v1.CameraFaulted").Data);
        Assert.Equal(("cam-http-1", "ts-http-m", "stn-1", CameraFaultKind.NoSignal), (faulted.CameraId, faulted.TurnstileId, faulted.StationId, faulted.Kind));
        using var unknown = await http.PostAsJsonAsync("v1/cameras/cam-http-404/faults", new { kind = "CAMERA_FAULT_KIND_OBSTRUCTED" }, Ct);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }
}
