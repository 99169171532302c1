using System.Collections.Concurrent;
using Grpc.Core;
using Mtaeda.Contracts;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Scheduling.Tests;
using MaintenanceClient = Mtaeda.Contracts.Maintenance.V1.Maintenance.MaintenanceClient;
using SchedulingClient = Mtaeda.Contracts.Scheduling.V1.Scheduling.SchedulingClient;

namespace Mtaeda.Maintenance.Tests;

/// <summary>How the integration tests arrange maintenance: the real apps beside fakes of the services it calls.</summary>
internal static class MaintenanceWorld
{
    /// <summary>
    /// Equipment (<paramref name="equipment"/>) and ridership (<paramref name="ridership"/>, when given) beside the real
    /// scheduling (trusting <paramref name="issuer"/>'s tokens) and maintenance apps, an observer of the maintenance topic,
    /// a supervisor's scheduling client and a maintenance client, both through the observer's sidecar.
    /// </summary>
    /// <param name="runtime">The test's runtime.</param>
    /// <param name="issuer">The test's token issuer.</param>
    /// <param name="equipment">The equipment fake.</param>
    /// <param name="ridership">The ridership fake; null: ridership is not there.</param>
    /// <param name="cancellationToken">Cancels the starts.</param>
    /// <returns>The nodes and clients.</returns>
    public static async Task<Started> StartAsync(LocalRuntime runtime, TestIssuer issuer, RecordingEquipment equipment, FixedRidership? ridership, CancellationToken cancellationToken)
    {
        var equipmentNode = await runtime.StartGrpcAppAsync("equipment", equipment, cancellationToken);
        if (ridership is not null) await runtime.StartGrpcAppAsync("ridership", ridership, cancellationToken);
        await runtime.StartAsync("scheduling", SchedulingApp.Trusting(issuer), cancellationToken);
        var maintenance = await runtime.StartAsync("maintenance", Apps.Maintenance, cancellationToken);
        var observer = await runtime.ObserveAsync("observer", [Topics.Maintenance], cancellationToken);
        return new(equipmentNode, maintenance, observer, new SchedulingClient(issuer.As(observer.Node.Invoker("scheduling"), "supervisor")), new MaintenanceClient(observer.Node.Invoker("maintenance")));
    }

    /// <summary>What <see cref="StartAsync"/> started.</summary>
    public sealed record Started(AppNode Equipment, AppNode Maintenance, Observer Observer, SchedulingClient Orders, MaintenanceClient Api);
}

/// <summary>Equipment's maintenance calls, recorded (the rest of equipment's API is not called by maintenance).</summary>
internal sealed class RecordingEquipment : Mtaeda.Contracts.Equipment.V1.Equipment.EquipmentBase
{
    public ConcurrentQueue<StartTurnstileMaintenanceRequest> Starts { get; } = new();

    public ConcurrentQueue<FinishTurnstileMaintenanceRequest> Finishes { get; } = new();

    public ConcurrentQueue<StartCameraMaintenanceRequest> CameraStarts { get; } = new();

    public ConcurrentQueue<FinishCameraMaintenanceRequest> CameraFinishes { get; } = new();

    public override Task<StartCameraMaintenanceResponse> StartCameraMaintenance(StartCameraMaintenanceRequest request, ServerCallContext context) =>
        Recorded(CameraStarts, request, new StartCameraMaintenanceResponse { Status = CameraStatus.UnderMaintenance });

    public override Task<FinishCameraMaintenanceResponse> FinishCameraMaintenance(FinishCameraMaintenanceRequest request, ServerCallContext context) =>
        Recorded(CameraFinishes, request, new FinishCameraMaintenanceResponse { Status = CameraStatus.Operational });

    public override Task<StartTurnstileMaintenanceResponse> StartTurnstileMaintenance(StartTurnstileMaintenanceRequest request, ServerCallContext context) =>
        Recorded(Starts, request, new StartTurnstileMaintenanceResponse { Status = TurnstileStatus.UnderMaintenance });

    public override Task<FinishTurnstileMaintenanceResponse> FinishTurnstileMaintenance(FinishTurnstileMaintenanceRequest request, ServerCallContext context) =>
        Recorded(Finishes, request, new FinishTurnstileMaintenanceResponse { Status = TurnstileStatus.Operational });

    private static Task<TResponse> Recorded<TRequest, TResponse>(ConcurrentQueue<TRequest> calls, TRequest request, TResponse response)
    {
        calls.Enqueue(request);
        return Task.FromResult(response);
    }
}

/// <summary>Ridership's station figures: a fixed number of entries per station over whatever range is asked.</summary>
internal sealed class FixedRidership(IReadOnlyDictionary<string, long> entries) : Mtaeda.Contracts.Ridership.V1.Ridership.RidershipBase
{
    public override Task<Mtaeda.Contracts.Ridership.V1.GetStationRidershipResponse> GetStationRidership(Mtaeda.Contracts.Ridership.V1.GetStationRidershipRequest request, ServerCallContext context) =>
        Task.FromResult(new Mtaeda.Contracts.Ridership.V1.GetStationRidershipResponse { StationId = request.StationId, Ingress = entries.GetValueOrDefault(request.StationId) });
}
