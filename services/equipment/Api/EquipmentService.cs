using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mtaeda.Contracts;
using Mtaeda.Contracts.Common.V1;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Contracts.Stations.V1;
using Mtaeda.Equipment.Actors;
using Mtaeda.Equipment.Domain;
using Mtaeda.Equipment.Infrastructure;
using Mtaeda.ServiceDefaults;
using EquipmentApi = Mtaeda.Contracts.Equipment.V1.Equipment;

namespace Mtaeda.Equipment.Api;

/// <summary>
/// The equipment commands and queries (<c>mtaeda.equipment.v1.Equipment</c>). Each call validates its fields, then hands
/// the command to the device's actor, which records it together with the events it raises; the call returns as soon
/// as that turn is committed.
/// </summary>
/// <param name="actors">The actor proxies.</param>
/// <param name="stations">The station lookup (installing a turnstile).</param>
public sealed class EquipmentService(EquipmentActors actors, IStationLookup stations) : EquipmentApi.EquipmentBase
{
    /// <inheritdoc />
    public override async Task<InstallTurnstileResponse> InstallTurnstile(InstallTurnstileRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var turnstileId = Ids.Require(request.TurnstileId, "turnstile_id");
        var stationId = Ids.Require(request.StationId, "station_id");
        for (var i = 0; i < request.LineIds.Count; i++) Ids.Require(request.LineIds[i], $"line_ids[{i}]");
        var model = Requests.Model(request.Model);
        if (request.MaxPassagesBeforeMaintenance <= 0) throw Errors.InvalidArgument("max_passages_before_maintenance", "must be > 0");

        var station = await FindStationAsync(stationId, context.CancellationToken)
            ?? throw Errors.NotFound($"station {stationId} is not registered");
        if (station.Status == StationStatus.Closed) throw Errors.FailedPrecondition(ErrorReason.StationClosed, $"station {stationId} is closed", ("station_id", stationId));
        if (station.Status == StationStatus.Offline) throw Errors.FailedPrecondition(ErrorReason.StationOffline, $"station {stationId} is offline", ("station_id", stationId));
        string[] lines = request.LineIds.Count == 0 ? [.. station.LineIds] : [.. request.LineIds.Distinct(StringComparer.Ordinal)];
        if (lines.FirstOrDefault(line => !station.LineIds.Contains(line, StringComparer.Ordinal)) is { } unserved)
        {
            throw Errors.InvalidArgument("line_ids", $"must be lines serving station {stationId}; line {unserved} does not");
        }
        if (lines.Length == 0) throw Errors.FailedPrecondition(ErrorReason.StationServesNoLine, $"station {stationId} serves no line", ("station_id", stationId));

        // Through the station's equipment actor, which refuses it once it heard the station closed or went offline and
        // lists the turnstile in the same turn (see StationEquipmentActor): closing cannot slip in between.
        var reply = await actors.Station(stationId).InstallTurnstileAsync(turnstileId, new InstallTurnstile
        {
            StationId = stationId,
            LineIds = lines,
            Model = model,
            MaxPassagesBeforeMaintenance = request.MaxPassagesBeforeMaintenance,
            AllStationLines = request.LineIds.Count == 0,
        });
        reply.Outcome.ThrowIfRefused();
        return new() { InstalledAt = Timestamp.FromDateTimeOffset(reply.InstalledAt) };
    }

    /// <inheritdoc />
    public override async Task<DecommissionTurnstileResponse> DecommissionTurnstile(DecommissionTurnstileRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var turnstileId = Ids.Require(request.TurnstileId, "turnstile_id");
        var reason = Requests.Text(request.Reason, "reason");
        var reply = await actors.DecommissionTurnstileAsync(turnstileId, new DecommissionTurnstile { Reason = reason });
        reply.Outcome.ThrowIfRefused();
        return new() { DecommissionedAt = Timestamp.FromDateTimeOffset(reply.DecommissionedAt) };
    }

    /// <inheritdoc />
    public override async Task<InstallCameraResponse> InstallCamera(InstallCameraRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var cameraId = Ids.Require(request.CameraId, "camera_id");
        var turnstileId = Ids.Require(request.TurnstileId, "turnstile_id");
        var model = Requests.Model(request.Model);
        var reply = await actors.Camera(cameraId).InstallAsync(new InstallCamera { TurnstileId = turnstileId, Model = model });
        reply.Outcome.ThrowIfRefused();
        return new() { StationId = reply.StationId, InstalledAt = Timestamp.FromDateTimeOffset(reply.InstalledAt) };
    }

    /// <inheritdoc />
    public override async Task<UninstallCameraResponse> UninstallCamera(UninstallCameraRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var cameraId = Ids.Require(request.CameraId, "camera_id");
        var reason = Requests.Text(request.Reason, "reason");
        var reply = await actors.Camera(cameraId).UninstallAsync(reason);
        reply.Outcome.ThrowIfRefused();
        return new() { TurnstileId = reply.TurnstileId };
    }

    /// <inheritdoc />
    public override async Task<RecordPassagesResponse> RecordPassages(RecordPassagesRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.BatchId)) throw Errors.InvalidArgument("batch_id", "is required");
        var turnstileId = Ids.Require(request.TurnstileId, "turnstile_id");
        var batch = new PassageBatch
        {
            BatchId = request.BatchId,
            Ingress = request.Ingress,
            Egress = request.Egress,
            IntervalStart = RequestTimes.Require(request.IntervalStart, "interval_start"),
            IntervalEnd = RequestTimes.Require(request.IntervalEnd, "interval_end"),
        };
        batch.Validate().ThrowIfRefused();
        var reply = await actors.Turnstile(turnstileId).RecordPassagesAsync(batch);
        reply.Outcome.ThrowIfRefused();
        return new() { Duplicate = reply.Duplicate };
    }

    /// <inheritdoc />
    public override async Task<ReportFaultResponse> ReportFault(ReportFaultRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var turnstileId = Ids.Require(request.TurnstileId, "turnstile_id");
        var report = new FaultReport
        {
            Kind = Requests.Kind(request.Kind, "LOCKED, JAMMED or MALFUNCTION"),
            Reason = Requests.Text(request.Reason, "reason"),
            OccurredAt = RequestTimes.Optional(request.OccurredAt, "occurred_at"),
            FaultId = Requests.Text(request.FaultId, "fault_id", FaultReport.MaxFaultIdLength),
        };
        return new() { Status = await StatusAfterAsync(actors.Turnstile(turnstileId).ReportFaultAsync(report)) };
    }

    /// <inheritdoc />
    public override async Task<RestoreTurnstileResponse> RestoreTurnstile(RestoreTurnstileRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var turnstileId = Ids.Require(request.TurnstileId, "turnstile_id");
        var reason = Requests.Text(request.Reason, "reason");
        return new() { Status = await StatusAfterAsync(actors.Turnstile(turnstileId).RestoreAsync(reason)) };
    }

    /// <inheritdoc />
    public override async Task<StartTurnstileMaintenanceResponse> StartTurnstileMaintenance(StartTurnstileMaintenanceRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var turnstile = actors.Turnstile(Ids.Require(request.TurnstileId, "turnstile_id"));
        return new() { Status = await StatusAfterAsync(turnstile.StartMaintenanceAsync(Maintenance(request.RequestId, request.Reason))) };
    }

    /// <inheritdoc />
    public override async Task<FinishTurnstileMaintenanceResponse> FinishTurnstileMaintenance(FinishTurnstileMaintenanceRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var turnstile = actors.Turnstile(Ids.Require(request.TurnstileId, "turnstile_id"));
        return new() { Status = await StatusAfterAsync(turnstile.FinishMaintenanceAsync(Maintenance(request.RequestId, request.Reason, request.Completed))) };
    }

    /// <inheritdoc />
    public override async Task<ReportCameraFaultResponse> ReportCameraFault(ReportCameraFaultRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var cameraId = Ids.Require(request.CameraId, "camera_id");
        var report = new CameraFaultReport
        {
            Kind = Requests.Kind(request.Kind, "NO_SIGNAL, OBSTRUCTED or MALFUNCTION"),
            Reason = Requests.Text(request.Reason, "reason"),
            OccurredAt = RequestTimes.Optional(request.OccurredAt, "occurred_at"),
            FaultId = Requests.Text(request.FaultId, "fault_id", FaultReport.MaxFaultIdLength),
        };
        var reply = await actors.Camera(cameraId).ReportFaultAsync(report);
        reply.Outcome.ThrowIfRefused();
        return new() { StationId = reply.StationId };
    }

    /// <inheritdoc />
    public override async Task<Contracts.Equipment.V1.Turnstile> GetTurnstile(GetTurnstileRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var turnstileId = Ids.Require(request.TurnstileId, "turnstile_id");
        var state = await actors.Turnstile(turnstileId).GetAsync();
        return Domain.Turnstile.Load(turnstileId, state).ToContract()
            ?? throw Errors.NotFound($"turnstile {turnstileId} is not installed");
    }

    /// <inheritdoc />
    public override async Task<StartCameraMaintenanceResponse> StartCameraMaintenance(StartCameraMaintenanceRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var camera = actors.Camera(Ids.Require(request.CameraId, "camera_id"));
        return new() { Status = await StatusAfterAsync(camera.StartMaintenanceAsync(Maintenance(request.RequestId, request.Reason))) };
    }

    /// <inheritdoc />
    public override async Task<FinishCameraMaintenanceResponse> FinishCameraMaintenance(FinishCameraMaintenanceRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var camera = actors.Camera(Ids.Require(request.CameraId, "camera_id"));
        return new() { Status = await StatusAfterAsync(camera.FinishMaintenanceAsync(Maintenance(request.RequestId, request.Reason, request.Completed))) };
    }

    /// <inheritdoc />
    public override async Task<Contracts.Equipment.V1.Camera> GetCamera(GetCameraRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var cameraId = Ids.Require(request.CameraId, "camera_id");
        var state = await actors.Camera(cameraId).GetAsync();
        return Domain.Camera.Load(cameraId, state).ToContract()
            ?? throw Errors.NotFound($"camera {cameraId} is not installed");
    }

    /// <summary>A maintenance command of a turnstile or camera, its fields checked (<c>request_id</c>, then <c>reason</c>).</summary>
    /// <param name="requestId">The maintenance request.</param>
    /// <param name="reason">What is or was done.</param>
    /// <param name="completed">When finishing: whether the work was completed.</param>
    /// <returns>The command.</returns>
    private static TurnstileMaintenance Maintenance(string requestId, string reason, bool completed = false) =>
        new() { RequestId = Ids.Require(requestId, "request_id"), Completed = completed, Reason = Requests.Text(reason, "reason") };

    /// <summary>The device's status after a command of its actor; the refusal thrown when refused.</summary>
    /// <typeparam name="TStatus">The device's status.</typeparam>
    /// <param name="call">The actor's answer.</param>
    /// <returns>The status.</returns>
    private static async Task<TStatus> StatusAfterAsync<TStatus>(Task<StatusReply<TStatus>> call)
        where TStatus : struct, System.Enum
    {
        var reply = await call;
        reply.Outcome.ThrowIfRefused();
        return reply.Status;
    }

    private async Task<StationInfo?> FindStationAsync(string stationId, CancellationToken cancellationToken)
    {
        try
        {
            return await stations.FindAsync(stationId, cancellationToken);
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
        {
            throw Errors.Unavailable($"the stations service could not be asked about station {stationId}: {e.Status.Detail}");
        }
    }
}
