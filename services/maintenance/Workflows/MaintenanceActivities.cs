using Dapr.Client;
using Dapr.Workflow;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mtaeda.Contracts.Common.V1;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Maintenance.Infrastructure;
using EquipmentClient = Mtaeda.Contracts.Equipment.V1.Equipment.EquipmentClient;
using SchedulingClient = Mtaeda.Contracts.Scheduling.V1.Scheduling.SchedulingClient;

namespace Mtaeda.Maintenance.Workflows;

/// <summary>
/// The process's first step: ranks the request by its station's load (ridership, <see cref="StationLoadLookup"/>), creates
/// its work order in scheduling (through the sidecar) and announces it with <see cref="MaintenanceRequired"/>. The
/// intake leaves all three to this activity so that a fault is taken in with the fewest calls (the broker may deliver a
/// topic one event at a time). Idempotent: the work order id is the request id, and scheduling answers a repeated create
/// with the order it created, whose priority then stands (a repeat ranks again, but the first ranking is the order's);
/// the announcement's CloudEvent id is fixed by the request (<c>{request}.required</c>), so a repeat publishes the same
/// event, which subscribers de-duplicate; the priority is recorded with the first step, once.
/// </summary>
/// <param name="scheduling">The scheduling client.</param>
/// <param name="stations">How busy the device's station is.</param>
/// <param name="dapr">The Dapr client.</param>
/// <param name="steps">The requests' steps.</param>
/// <param name="options">The deadlines per priority.</param>
public sealed class CreateWorkOrderActivity(SchedulingClient scheduling, StationLoadLookup stations, DaprClient dapr, RequestSteps steps, MaintenanceOptions options)
    : WorkflowActivity<MaintenanceProcess, Ranking>
{
    /// <inheritdoc />
    public override async Task<Ranking> RunAsync(WorkflowActivityContext context, MaintenanceProcess input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var ranked = MaintenancePriorities.Of(input.Cause, await stations.LoadOfAsync(input.StationId, CancellationToken.None));
        var order = await scheduling.CreateWorkOrderAsync(new CreateWorkOrderRequest
        {
            WorkOrderId = input.RequestId,
            RequestId = input.RequestId,
            DeviceId = input.DeviceId,
            DeviceKind = input.DeviceKind,
            StationId = input.StationId,
            Priority = ranked,
            Description = input.Description,
            DueAt = Timestamp.FromDateTime(DateTime.SpecifyKind(input.OpenedAt + options.Deadlines.For(ranked).CompleteWithin, DateTimeKind.Utc)),
        });
        var priority = order.Priority;
        var required = new MaintenanceRequired
        {
            RequestId = input.RequestId,
            DeviceId = input.DeviceId,
            DeviceKind = input.DeviceKind,
            StationId = input.StationId,
            Cause = input.Cause,
            Priority = priority,
            Description = input.Description,
            RequiredAt = Timestamp.FromDateTime(DateTime.SpecifyKind(input.OpenedAt, DateTimeKind.Utc)),
        };
        await dapr.PublishIntegrationEventAsync(Topics.Of(required), required, $"{input.RequestId}.required", input.RequestId, CancellationToken.None);
        await steps.RecordAsync(input.RequestId, MaintenanceSteps.WorkOrderCreated, priority, CancellationToken.None);
        var deadlines = options.Deadlines.For(priority);
        return new Ranking(priority, deadlines.AssignWithin, deadlines.CompleteWithin);
    }
}

/// <summary>
/// Publishes <see cref="WorkOrderEscalated"/>. Idempotent: the CloudEvent id is fixed by the request and level, so a
/// repeated run publishes the same event, which subscribers de-duplicate.
/// </summary>
/// <param name="dapr">The Dapr client.</param>
/// <param name="steps">The requests' steps.</param>
/// <param name="time">The clock.</param>
public sealed class EscalateActivity(DaprClient dapr, RequestSteps steps, TimeProvider time) : WorkflowActivity<Escalation, bool>
{
    /// <inheritdoc />
    public override async Task<bool> RunAsync(WorkflowActivityContext context, Escalation input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var process = input.Process;
        var message = new WorkOrderEscalated
        {
            RequestId = process.RequestId,
            WorkOrderId = process.RequestId,
            DeviceId = process.DeviceId,
            StationId = process.StationId,
            Priority = process.Priority,
            Level = input.Level,
            Deadline = Timestamp.FromDateTime(DateTime.SpecifyKind(input.Deadline, DateTimeKind.Utc)),
            EscalatedAt = Timestamp.FromDateTimeOffset(time.GetUtcNow()),
        };
        await dapr.PublishIntegrationEventAsync(Topics.Of(message), message, $"{process.RequestId}.escalated.{input.Level}", process.RequestId, CancellationToken.None);
        await steps.RecordAsync(process.RequestId, MaintenanceSteps.Escalated(input.Level), CancellationToken.None);
        return true;
    }
}

/// <summary>
/// The technician started: the device goes UNDER_MAINTENANCE through equipment (<c>StartTurnstileMaintenance</c> or
/// <c>StartCameraMaintenance</c> for the request; repeating it changes nothing).
/// </summary>
/// <param name="equipment">The equipment client.</param>
/// <param name="steps">The requests' steps.</param>
public sealed class StartDeviceMaintenanceActivity(EquipmentClient equipment, RequestSteps steps) : WorkflowActivity<MaintenanceProcess, bool>
{
    /// <inheritdoc />
    public override async Task<bool> RunAsync(WorkflowActivityContext context, MaintenanceProcess input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var changed = false;
        var reason = $"work order {input.RequestId} started";
        try
        {
            if (input.DeviceKind == DeviceKind.Camera)
            {
                await equipment.StartCameraMaintenanceAsync(new StartCameraMaintenanceRequest { CameraId = input.DeviceId, RequestId = input.RequestId, Reason = reason });
            }
            else
            {
                await equipment.StartTurnstileMaintenanceAsync(new StartTurnstileMaintenanceRequest { TurnstileId = input.DeviceId, RequestId = input.RequestId, Reason = reason });
            }

            changed = true;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition && Errors.ReasonOf(e)
            is ErrorReason.TurnstileDecommissioned or ErrorReason.TurnstileUnderMaintenance or ErrorReason.CameraNotInstalled or ErrorReason.CameraUnderMaintenance)
        {
            // Decommissioned or taken off its turnstile meanwhile, or a technician works on it for another request:
            // retrying cannot change that, and this request's work goes on without taking the device out of service twice.
        }

        await steps.RecordAsync(input.RequestId, MaintenanceSteps.MaintenanceStarted, CancellationToken.None);
        return changed;
    }
}

/// <summary>
/// Ends the device's maintenance through equipment. A turnstile (<c>FinishTurnstileMaintenance</c>): completed, it is
/// OPERATIONAL and its passage counter begins a new cycle; called off (cancelled after the start), it returns to its
/// status before. A camera (<c>FinishCameraMaintenance</c>) is OPERATIONAL again either way. Idempotent: equipment changes
/// nothing when the device is no longer under maintenance for the request, so a second run begins no second cycle.
/// </summary>
/// <param name="equipment">The equipment client.</param>
/// <param name="steps">The requests' steps.</param>
public sealed class FinishDeviceMaintenanceActivity(EquipmentClient equipment, RequestSteps steps) : WorkflowActivity<Closing, bool>
{
    /// <inheritdoc />
    public override async Task<bool> RunAsync(WorkflowActivityContext context, Closing input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var process = input.Process;
        var changed = false;
        var reason = input.Completed ? $"maintenance request {process.RequestId} completed" : $"work order {process.RequestId} cancelled";
        try
        {
            if (process.DeviceKind == DeviceKind.Camera)
            {
                await equipment.FinishCameraMaintenanceAsync(new FinishCameraMaintenanceRequest
                {
                    CameraId = process.DeviceId, RequestId = process.RequestId, Completed = input.Completed, Reason = reason,
                });
            }
            else
            {
                await equipment.FinishTurnstileMaintenanceAsync(new FinishTurnstileMaintenanceRequest
                {
                    TurnstileId = process.DeviceId, RequestId = process.RequestId, Completed = input.Completed, Reason = reason,
                });
            }

            changed = true;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition && Errors.ReasonOf(e) == ErrorReason.TurnstileDecommissioned)
        {
            // Decommissioned while the work was under way: nothing to restore, and retrying cannot change that.
        }

        await steps.RecordAsync(process.RequestId, input.Completed ? MaintenanceSteps.DeviceRestored : MaintenanceSteps.MaintenanceCalledOff, CancellationToken.None);
        return changed;
    }
}

/// <summary>Records a step the workflow saw without an effect of its own (the work order's assignment).</summary>
/// <param name="steps">The requests' steps.</param>
public sealed class RecordStepActivity(RequestSteps steps) : WorkflowActivity<StepRecord, bool>
{
    /// <inheritdoc />
    public override Task<bool> RunAsync(WorkflowActivityContext context, StepRecord input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return steps.RecordAsync(input.RequestId, input.Step, CancellationToken.None);
    }
}

/// <summary>Clears the device's open request, so its next fault opens a new one. Idempotent (closing a closed request changes nothing).</summary>
/// <param name="requests">The devices' open requests.</param>
/// <param name="steps">The requests' steps.</param>
public sealed class CloseRequestActivity(OpenRequests requests, RequestSteps steps) : WorkflowActivity<Closing, bool>
{
    /// <inheritdoc />
    public override async Task<bool> RunAsync(WorkflowActivityContext context, Closing input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var closed = await requests.CloseAsync(input.Process.DeviceId, input.Process.RequestId, CancellationToken.None);
        await steps.RecordAsync(input.Process.RequestId, input.Completed ? MaintenanceSteps.Closed : MaintenanceSteps.Cancelled, CancellationToken.None);
        return closed;
    }
}
