using Dapr.Client;
using Dapr.Workflow;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mtaeda.Contracts;
using Mtaeda.Contracts.Common.V1;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Contracts.Maintenance.V1;
using Mtaeda.Contracts.Scheduling.V1;
using Mtaeda.Maintenance.Infrastructure;
using Mtaeda.ServiceDefaults;
using EquipmentClient = Mtaeda.Contracts.Equipment.V1.Equipment.EquipmentClient;
using SchedulingClient = Mtaeda.Contracts.Scheduling.V1.Scheduling.SchedulingClient;

namespace Mtaeda.Maintenance.Workflows;

/// <summary>
/// Creates the request's work order in scheduling (through the sidecar). Idempotent: the work order id is the request
/// id, and scheduling answers a repeated create with the order it created.
/// </summary>
/// <param name="scheduling">The scheduling client.</param>
public sealed class CreateWorkOrderActivity(SchedulingClient scheduling) : WorkflowActivity<MaintenanceProcess, string>
{
    /// <inheritdoc />
    public override async Task<string> RunAsync(WorkflowActivityContext context, MaintenanceProcess input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var order = await scheduling.CreateWorkOrderAsync(new CreateWorkOrderRequest
        {
            WorkOrderId = input.RequestId,
            RequestId = input.RequestId,
            DeviceId = input.DeviceId,
            DeviceKind = input.DeviceKind,
            StationId = input.StationId,
            Priority = input.Priority,
            Description = input.Description,
            DueAt = Timestamp.FromDateTime(DateTime.SpecifyKind(input.OpenedAt + input.CompleteWithin, DateTimeKind.Utc)),
        });
        return order.WorkOrderId;
    }
}

/// <summary>
/// Publishes <see cref="WorkOrderEscalated"/>. Idempotent: the CloudEvent id is fixed by the request and level, so a
/// repeated run publishes the same event, which subscribers de-duplicate.
/// </summary>
/// <param name="dapr">The Dapr client.</param>
/// <param name="time">The clock.</param>
public sealed class EscalateActivity(DaprClient dapr, TimeProvider time) : WorkflowActivity<Escalation, bool>
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
        return true;
    }
}

/// <summary>
/// Puts the device back in service through equipment's restore. Idempotent: restoring an operational turnstile changes
/// nothing. Cameras have no restore in equipment's contract; their completion needs no call.
/// </summary>
/// <param name="equipment">The equipment client.</param>
public sealed class RestoreDeviceActivity(EquipmentClient equipment) : WorkflowActivity<MaintenanceProcess, bool>
{
    /// <inheritdoc />
    public override async Task<bool> RunAsync(WorkflowActivityContext context, MaintenanceProcess input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.DeviceKind != DeviceKind.Turnstile) return false;
        try
        {
            await equipment.RestoreTurnstileAsync(new RestoreTurnstileRequest
            {
                TurnstileId = input.DeviceId,
                Reason = $"maintenance request {input.RequestId} completed",
            });
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition && Errors.ReasonOf(e) == ErrorReason.TurnstileDecommissioned)
        {
            // Decommissioned while the work was under way: nothing to restore, and retrying cannot change that.
            return false;
        }

        return true;
    }
}

/// <summary>Clears the device's open request, so its next fault opens a new one. Idempotent (closing a closed request changes nothing).</summary>
/// <param name="requests">The devices' open requests.</param>
public sealed class CloseRequestActivity(OpenRequests requests) : WorkflowActivity<Closing, bool>
{
    /// <inheritdoc />
    public override Task<bool> RunAsync(WorkflowActivityContext context, Closing input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return requests.CloseAsync(input.Process.DeviceId, input.Process.RequestId, CancellationToken.None);
    }
}
