using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mtaeda.Contracts.Common.V1;
using Mtaeda.Equipment.Actors;
using Mtaeda.Equipment.Api;
using Mtaeda.Equipment.Tests.Support;
using Mtaeda.Testing;

namespace Mtaeda.Equipment.Tests.Api;

/// <summary>The gRPC service over in-process actors: field validation, status codes, and what reaches the actors.</summary>
public sealed class EquipmentServiceTests : ActorWorldTest
{
    private readonly FakeStationLookup _stations = new();
    private readonly EquipmentService _service;
    private readonly FakeServerCallContext _call = new(cancellationToken: TestContext.Current.CancellationToken);

    public EquipmentServiceTests()
    {
        _service = new EquipmentService(World.Equipment, _stations);
    }

    private static Contracts.Common.V1.EquipmentInfo Model() => Gate.ToContract();

    private static InstallTurnstileRequest InstallRequest(string id = "ts-1", string station = "stn-1", params string[] lines)
    {
        var request = new InstallTurnstileRequest { TurnstileId = id, StationId = station, Model = Model(), MaxPassagesBeforeMaintenance = 100 };
        request.LineIds.Add(lines);
        return request;
    }

    private static RecordPassagesRequest Passages(string batch = "b-1", string turnstile = "ts-1", long ingress = 2, long egress = 1) => new()
    {
        BatchId = batch,
        TurnstileId = turnstile,
        Ingress = ingress,
        Egress = egress,
        IntervalStart = Timestamp.FromDateTimeOffset(T0),
        IntervalEnd = Timestamp.FromDateTimeOffset(T0.AddSeconds(30)),
    };

    private async Task<RpcException> RefusedAsync<T>(Func<FakeServerCallContext, Task<T>> call)
        where T : class =>
        await Assert.ThrowsAsync<RpcException>(() => _call.ServeAsync(_ => call(_call)));

    public static TheoryData<string, InstallTurnstileRequest> BadInstalls => new()
    {
        { "turnstile_id is required", InstallRequest(id: "") },
        { "turnstile_id must be 1 to 64 characters from [A-Za-z0-9._-]", InstallRequest(id: "ts 1") },
        { "turnstile_id must be 1 to 64 characters from [A-Za-z0-9._-]", InstallRequest(id: new string('t', 65)) },
        { "station_id is required", InstallRequest(station: "") },
        { "line_ids[1] must be 1 to 64 characters from [A-Za-z0-9._-]", InstallRequest("ts-1", "stn-1", "A", "B/C") },
        { "model is required", new InstallTurnstileRequest { TurnstileId = "ts-1", StationId = "stn-1", MaxPassagesBeforeMaintenance = 1 } },
        { "model.serial_number is required", new InstallTurnstileRequest { TurnstileId = "ts-1", StationId = "stn-1", MaxPassagesBeforeMaintenance = 1, Model = new Contracts.Common.V1.EquipmentInfo { ModelNumber = "m", Manufacturer = "x" } } },
        { "model.model_number is required", new InstallTurnstileRequest { TurnstileId = "ts-1", StationId = "stn-1", MaxPassagesBeforeMaintenance = 1, Model = new Contracts.Common.V1.EquipmentInfo { SerialNumber = "s", Manufacturer = "x" } } },
        { "model.manufacturer is required", new InstallTurnstileRequest { TurnstileId = "ts-1", StationId = "stn-1", MaxPassagesBeforeMaintenance = 1, Model = new Contracts.Common.V1.EquipmentInfo { SerialNumber = "s", ModelNumber = "m" } } },
        { "max_passages_before_maintenance must be > 0", new InstallTurnstileRequest { TurnstileId = "ts-1", StationId = "stn-1", Model = Model() } },
        { "line_ids must be lines serving station stn-1; line Z does not", InstallRequest("ts-1", "stn-1", "A", "Z") },
    };

    [Theory]
    [MemberData(nameof(BadInstalls))]
    public async Task A_bad_install_is_refused_with_InvalidArgument_naming_the_field(string message, InstallTurnstileRequest request)
    {
        var error = await RefusedAsync(call => _service.InstallTurnstile(request, call));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(message, error.Status.Detail);
        Assert.Null(await World.Turnstile("ts-1").GetAsync());
    }

    [Fact]
    public async Task Installing_at_an_unknown_closed_or_unreachable_station_is_refused()
    {
        var unknown = await RefusedAsync(call => _service.InstallTurnstile(InstallRequest(station: "stn-9"), call));
        var closed = await RefusedAsync(call => _service.InstallTurnstile(InstallRequest(station: "stn-closed"), call));
        var offline = await RefusedAsync(call => _service.InstallTurnstile(InstallRequest(station: "stn-off"), call));
        _stations.Unreachable = true;
        var unreachable = await RefusedAsync(call => _service.InstallTurnstile(InstallRequest(), call));

        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("station stn-9 is not registered", unknown.Status.Detail);
        Assert.Equal(StatusCode.FailedPrecondition, closed.StatusCode);
        Assert.Equal("station stn-closed is closed", closed.Status.Detail);
        Assert.Equal(StatusCode.FailedPrecondition, offline.StatusCode);
        Assert.Equal(ErrorReason.StationOffline, Contracts.Errors.ReasonOf(offline));
        Assert.Equal(StatusCode.Unavailable, unreachable.StatusCode);
        Assert.Null(await World.Turnstile("ts-1").GetAsync());
    }

    [Fact]
    public async Task Installing_without_lines_takes_every_line_of_the_station_and_lists_the_turnstile_at_the_station()
    {
        var response = await _service.InstallTurnstile(InstallRequest(), _call);
        var repeat = await _service.InstallTurnstile(InstallRequest("ts-1", "stn-1", "B", "A"), _call);
        var conflict = await RefusedAsync(call => _service.InstallTurnstile(InstallRequest("ts-1", "stn-1", "A"), call));

        Assert.Equal(T0, response.InstalledAt.ToDateTimeOffset());
        Assert.Equal(response.InstalledAt, repeat.InstalledAt);
        Assert.Equal(StatusCode.AlreadyExists, conflict.StatusCode);
        var view = await _service.GetTurnstile(new GetTurnstileRequest { TurnstileId = "ts-1" }, _call);
        Assert.Equal(["A", "B"], view.LineIds);
        Assert.Equal(TurnstileStatus.Operational, view.Status);
        Assert.Equal(["ts-1"], await World.Station("stn-1").GetTurnstilesAsync());
    }

    public static TheoryData<string, RecordPassagesRequest> BadBatches => new()
    {
        { "batch_id is required", Passages(batch: "") },
        { "turnstile_id is required", Passages(turnstile: "") },
        { "ingress must be >= 0", Passages(ingress: -1) },
        { "egress must be >= 0", Passages(egress: -1) },
        { "ingress + egress must be > 0", Passages(ingress: 0, egress: 0) },
        { "interval_start is required", new RecordPassagesRequest(Passages()) { IntervalStart = null } },
        { "interval_end is required", new RecordPassagesRequest(Passages()) { IntervalEnd = null } },
        { "interval_end is not a valid timestamp", new RecordPassagesRequest(Passages()) { IntervalEnd = new Timestamp { Seconds = 1, Nanos = -5 } } },
        { "interval_end must not be before interval_start", new RecordPassagesRequest(Passages()) { IntervalEnd = Timestamp.FromDateTimeOffset(T0.AddSeconds(-1)) } },
        { "interval_end must be in the same UTC minute as interval_start", new RecordPassagesRequest(Passages()) { IntervalEnd = Timestamp.FromDateTimeOffset(T0.AddMinutes(1)) } },
    };

    [Theory]
    [MemberData(nameof(BadBatches))]
    public async Task A_bad_batch_is_refused_with_InvalidArgument_naming_the_field_and_never_counted(string message, RecordPassagesRequest request)
    {
        await _service.InstallTurnstile(InstallRequest(), _call);

        var error = await RefusedAsync(call => _service.RecordPassages(request, call));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(message, error.Status.Detail);
        Assert.Equal(0, (await World.Turnstile("ts-1").GetAsync())!.IngressCount);
    }

    [Fact]
    public async Task Batches_from_before_the_installation_or_too_far_ahead_are_refused_with_the_field_in_a_BadRequest()
    {
        World.Clock.Advance(TimeSpan.FromHours(1));
        await _service.InstallTurnstile(InstallRequest(), _call);
        var now = World.Clock.GetUtcNow();

        var early = await RefusedAsync(call => _service.RecordPassages(new RecordPassagesRequest(Passages())
        {
            IntervalStart = Timestamp.FromDateTimeOffset(now.AddMinutes(-5)),
            IntervalEnd = Timestamp.FromDateTimeOffset(now.AddMinutes(-5)),
        }, call));
        var ahead = now + World.Options.MaxClockSkew + TimeSpan.FromMinutes(1);
        var future = await RefusedAsync(call => _service.RecordPassages(new RecordPassagesRequest(Passages(batch: "b-2"))
        {
            IntervalStart = Timestamp.FromDateTimeOffset(ahead),
            IntervalEnd = Timestamp.FromDateTimeOffset(ahead),
        }, call));

        Assert.Equal(StatusCode.InvalidArgument, early.StatusCode);
        Assert.Equal("interval_start", Assert.Single(Contracts.Errors.FieldViolationsOf(early)).Field);
        Assert.Equal(StatusCode.InvalidArgument, future.StatusCode);
        Assert.Equal("interval_end", Assert.Single(Contracts.Errors.FieldViolationsOf(future)).Field);
        Assert.Equal(0, (await World.Turnstile("ts-1").GetAsync())!.IngressCount);
    }

    [Fact]
    public async Task Passages_answer_duplicate_for_a_replay_NotFound_for_an_unknown_turnstile_and_FailedPrecondition_when_locked()
    {
        await _service.InstallTurnstile(InstallRequest(), _call);

        var first = await _service.RecordPassages(Passages(), _call);
        var replay = await _service.RecordPassages(Passages(), _call);
        var unknown = await RefusedAsync(call => _service.RecordPassages(Passages(turnstile: "ts-9"), call));
        var fault = await _service.ReportFault(new ReportFaultRequest { TurnstileId = "ts-1", Kind = FaultKind.Jammed, Reason = "jam" }, _call);
        var locked = await RefusedAsync(call => _service.RecordPassages(Passages(batch: "b-2"), call));
        var restored = await _service.RestoreTurnstile(new RestoreTurnstileRequest { TurnstileId = "ts-1", Reason = "cleared" }, _call);
        var after = await _service.RecordPassages(Passages(batch: "b-2"), _call);

        Assert.False(first.Duplicate);
        Assert.True(replay.Duplicate);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("turnstile ts-9 is not installed", unknown.Status.Detail);
        Assert.Equal(TurnstileStatus.Locked, fault.Status);
        Assert.Equal(StatusCode.FailedPrecondition, locked.StatusCode);
        Assert.Contains("LOCKED", locked.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(TurnstileStatus.Operational, restored.Status);
        Assert.False(after.Duplicate);
        var view = await _service.GetTurnstile(new GetTurnstileRequest { TurnstileId = "ts-1" }, _call);
        Assert.Equal(4, view.IngressCount);
        Assert.Equal(2, view.EgressCount);
    }

    [Fact]
    public async Task Faults_and_restores_validate_their_fields()
    {
        var noKind = await RefusedAsync(call => _service.ReportFault(new ReportFaultRequest { TurnstileId = "ts-1" }, call));
        var badKind = await RefusedAsync(call => _service.ReportFault(new ReportFaultRequest { TurnstileId = "ts-1", Kind = (FaultKind)42 }, call));
        var longReason = await RefusedAsync(call => _service.ReportFault(new ReportFaultRequest { TurnstileId = "ts-1", Kind = FaultKind.Jammed, Reason = new string('x', 501) }, call));
        var noTurnstile = await RefusedAsync(call => _service.RestoreTurnstile(new RestoreTurnstileRequest(), call));
        var unknown = await RefusedAsync(call => _service.ReportFault(new ReportFaultRequest { TurnstileId = "ts-9", Kind = FaultKind.Jammed }, call));

        Assert.Equal("kind is required", noKind.Status.Detail);
        Assert.Equal("kind must be LOCKED, JAMMED or MALFUNCTION", badKind.Status.Detail);
        Assert.Equal("reason must be at most 500 characters", longReason.Status.Detail);
        Assert.Equal("turnstile_id is required", noTurnstile.Status.Detail);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Camera_faults_validate_their_kind()
    {
        var noKind = await RefusedAsync(call => _service.ReportCameraFault(new ReportCameraFaultRequest { CameraId = "cam-1" }, call));
        var badKind = await RefusedAsync(call => _service.ReportCameraFault(new ReportCameraFaultRequest { CameraId = "cam-1", Kind = (CameraFaultKind)42 }, call));

        Assert.Equal((StatusCode.InvalidArgument, "kind is required"), (noKind.StatusCode, noKind.Status.Detail));
        Assert.Equal((StatusCode.InvalidArgument, "kind must be NO_SIGNAL, OBSTRUCTED or MALFUNCTION"), (badKind.StatusCode, badKind.Status.Detail));
    }

    [Fact]
    public async Task Cameras_are_installed_and_uninstalled_through_the_api()
    {
        await _service.InstallTurnstile(InstallRequest(), _call);

        var noModel = await RefusedAsync(call => _service.InstallCamera(new InstallCameraRequest { CameraId = "cam-1", TurnstileId = "ts-1" }, call));
        var noCamera = await RefusedAsync(call => _service.InstallCamera(new InstallCameraRequest { TurnstileId = "ts-1", Model = Lens.ToContract() }, call));
        var installed = await _service.InstallCamera(new InstallCameraRequest { CameraId = "cam-1", TurnstileId = "ts-1", Model = Lens.ToContract() }, _call);
        var occupied = await RefusedAsync(call => _service.InstallCamera(new InstallCameraRequest { CameraId = "cam-2", TurnstileId = "ts-1", Model = Lens.ToContract() }, call));
        var uninstalled = await _service.UninstallCamera(new UninstallCameraRequest { CameraId = "cam-1", Reason = "lens" }, _call);
        var unknown = await RefusedAsync(call => _service.UninstallCamera(new UninstallCameraRequest { CameraId = "cam-9" }, call));

        Assert.Equal("model is required", noModel.Status.Detail);
        Assert.Equal("camera_id is required", noCamera.Status.Detail);
        Assert.Equal("stn-1", installed.StationId);
        Assert.Equal(StatusCode.FailedPrecondition, occupied.StatusCode);
        Assert.Equal("ts-1", uninstalled.TurnstileId);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task A_camera_under_maintenance_reports_UNDER_MAINTENANCE_until_its_maintenance_is_finished()
    {
        await _service.InstallTurnstile(InstallRequest(), _call);
        await _service.InstallCamera(new InstallCameraRequest { CameraId = "cam-1", TurnstileId = "ts-1", Model = Lens.ToContract() }, _call);
        Assert.Equal(CameraStatus.Operational, (await _service.GetCamera(new GetCameraRequest { CameraId = "cam-1" }, _call)).Status);

        var started = await _service.StartCameraMaintenance(new StartCameraMaintenanceRequest { CameraId = "cam-1", RequestId = "mr-1", Reason = "lens" }, _call);
        var during = await _service.GetCamera(new GetCameraRequest { CameraId = "cam-1" }, _call);
        var other = await RefusedAsync(call => _service.StartCameraMaintenance(new StartCameraMaintenanceRequest { CameraId = "cam-1", RequestId = "mr-2" }, call));
        World.Clock.Advance(TimeSpan.FromMinutes(20));
        var finished = await _service.FinishCameraMaintenance(new FinishCameraMaintenanceRequest { CameraId = "cam-1", RequestId = "mr-1", Completed = true }, _call);
        var after = await _service.GetCamera(new GetCameraRequest { CameraId = "cam-1" }, _call);

        Assert.Equal(CameraStatus.UnderMaintenance, started.Status);
        Assert.Equal((CameraStatus.UnderMaintenance, "mr-1", "ts-1", "stn-1"), (during.Status, during.MaintenanceRequestId, during.TurnstileId, during.StationId));
        Assert.Equal(StatusCode.FailedPrecondition, other.StatusCode);
        Assert.Equal(CameraStatus.Operational, finished.Status);
        Assert.Equal((CameraStatus.Operational, ""), (after.Status, after.MaintenanceRequestId));
        Assert.Equal(after.StatusChangedAt, after.LastMaintainedAt);
        Assert.NotNull(after.LastMaintainedAt);
    }

    [Fact]
    public async Task Camera_maintenance_validates_its_fields_and_an_unknown_camera_is_NotFound()
    {
        // Ids are checked by Ids.Require, whose refusal the service's error interceptor turns into InvalidArgument.
        var noCamera = await Assert.ThrowsAsync<DomainRefusalException>(() => _service.StartCameraMaintenance(new StartCameraMaintenanceRequest { RequestId = "mr-1" }, _call));
        var noRequest = await Assert.ThrowsAsync<DomainRefusalException>(() => _service.FinishCameraMaintenance(new FinishCameraMaintenanceRequest { CameraId = "cam-1" }, _call));
        var unknown = await RefusedAsync(call => _service.StartCameraMaintenance(new StartCameraMaintenanceRequest { CameraId = "cam-9", RequestId = "mr-1" }, call));
        var missing = await RefusedAsync(call => _service.GetCamera(new GetCameraRequest { CameraId = "cam-9" }, call));

        Assert.Equal("camera_id is required", noCamera.Message);
        Assert.Equal("request_id is required", noRequest.Message);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Decommissioning_answers_the_time_and_GetTurnstile_shows_it()
    {
        await _service.InstallTurnstile(InstallRequest(), _call);

        var first = await _service.DecommissionTurnstile(new DecommissionTurnstileRequest { TurnstileId = "ts-1", Reason = "replaced" }, _call);
        World.Clock.Advance(TimeSpan.FromHours(2));
        var again = await _service.DecommissionTurnstile(new DecommissionTurnstileRequest { TurnstileId = "ts-1" }, _call);
        var view = await _service.GetTurnstile(new GetTurnstileRequest { TurnstileId = "ts-1" }, _call);
        var unknown = await RefusedAsync(call => _service.DecommissionTurnstile(new DecommissionTurnstileRequest { TurnstileId = "ts-9" }, call));
        var missing = await RefusedAsync(call => _service.GetTurnstile(new GetTurnstileRequest { TurnstileId = "ts-9" }, call));

        Assert.Equal(first.DecommissionedAt, again.DecommissionedAt);
        Assert.Equal(TurnstileStatus.Decommissioned, view.Status);
        Assert.Equal("replaced", view.StatusReason);
        Assert.Equal(first.DecommissionedAt, view.DecommissionedAt);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }
}
