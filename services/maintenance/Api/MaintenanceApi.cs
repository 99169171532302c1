using Dapr.Workflow;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mtaeda.Maintenance.Infrastructure;
using Mtaeda.Maintenance.Workflows;
using MaintenanceService = Mtaeda.Contracts.Maintenance.V1.Maintenance;

namespace Mtaeda.Maintenance.Api;

/// <summary>
/// The <c>mtaeda.maintenance.v1.Maintenance</c> gRPC service (JSON-transcoded): a request is read from its workflow
/// instance (instance id = request id: what it is about, its runtime status, its custom status and its result) with its
/// recorded steps and priority, and a device's requests (listed in the device's maintenance state) each the same way, steps included.
/// </summary>
/// <param name="workflows">The workflow client.</param>
/// <param name="requests">The devices' requests.</param>
/// <param name="steps">The requests' steps.</param>
public sealed class MaintenanceApi(DaprWorkflowClient workflows, OpenRequests requests, RequestSteps steps) : MaintenanceService.MaintenanceBase
{
    /// <inheritdoc />
    public override async Task<ListMaintenanceRequestsResponse> ListMaintenanceRequests(ListMaintenanceRequestsRequest request, ServerCallContext context)
    {
        Ids.Require(request.DeviceId, "device_id");
        var device = await requests.GetAsync(request.DeviceId, context.CancellationToken);
        var response = new ListMaintenanceRequestsResponse();
        if (device is null) return response;
        foreach (var requestId in Enumerable.Reverse(device.RequestIds))
        {
            var found = await ReadAsync(requestId, device, context.CancellationToken);
            if (found is not null) response.Requests.Add(found);
        }

        return response;
    }

    /// <inheritdoc />
    public override async Task<MaintenanceRequest> GetMaintenanceRequest(GetMaintenanceRequestRequest request, ServerCallContext context)
    {
        Ids.Require(request.RequestId, "request_id");
        return await ReadAsync(request.RequestId, device: null, context.CancellationToken)
            ?? throw Errors.NotFound($"maintenance request '{request.RequestId}' not found");
    }

    /// <summary>
    /// The request as the API shows it (one request or a device's list alike): from its workflow instance, the device's
    /// state (read when <paramref name="device"/> is null) and its steps; null when there is no such request.
    /// </summary>
    private async Task<MaintenanceRequest?> ReadAsync(string requestId, DeviceMaintenanceState? device, CancellationToken cancellationToken)
    {
        var state = await workflows.GetWorkflowStateAsync(requestId, getInputsAndOutputs: true, cancellationToken);
        if (state is null || !state.Exists) return null;
        var process = state.ReadInputAs<MaintenanceProcess>();
        if (process is null) return null;
        device ??= await requests.GetAsync(process.DeviceId, cancellationToken);
        var recorded = await steps.GetAsync(requestId, cancellationToken);
        var found = Map(state, process, device);
        // Ranked by the process's first activity (with its first step); unspecified until then.
        found.Priority = recorded.Priority;
        foreach (var step in recorded.Steps)
        {
            found.Steps.Add(new Contracts.Maintenance.V1.MaintenanceStep { Name = step.Name, At = Timestamp.FromDateTimeOffset(step.At) });
        }

        if (found.Status == MaintenanceRequestStatus.Open)
        {
            // Known from the workflow's result once it ends; while it runs, from the escalations recorded so far.
            found.EscalationLevel = found.Steps.Any(s => s.Name == MaintenanceSteps.Escalated(2)) ? 2
                : found.Steps.Any(s => s.Name == MaintenanceSteps.Escalated(1)) ? 1 : 0;
        }

        return found;
    }

    private static MaintenanceRequest Map(WorkflowState state, MaintenanceProcess process, DeviceMaintenanceState? device)
    {
        var result = state.IsWorkflowCompleted && state.RuntimeStatus == WorkflowRuntimeStatus.Completed ? state.ReadOutputAs<MaintenanceResult>() : null;
        var status = state.RuntimeStatus switch
        {
            WorkflowRuntimeStatus.Completed when result is { Completed: true } => MaintenanceRequestStatus.Closed,
            WorkflowRuntimeStatus.Completed => MaintenanceRequestStatus.Cancelled,
            WorkflowRuntimeStatus.Failed or WorkflowRuntimeStatus.Terminated => MaintenanceRequestStatus.Failed,
            _ => MaintenanceRequestStatus.Open,
        };
        var message = new MaintenanceRequest
        {
            RequestId = process.RequestId,
            DeviceId = process.DeviceId,
            DeviceKind = process.DeviceKind,
            StationId = process.StationId,
            Cause = process.Cause,
            Status = status,
            WorkOrderId = process.RequestId,
            EscalationLevel = result?.EscalationLevel ?? 0,
            JoinedFaults = device is not null && device.OpenRequestId == process.RequestId ? device.JoinedFaults.Count : 0,
            OpenedAt = Timestamp.FromDateTime(DateTime.SpecifyKind(process.OpenedAt, DateTimeKind.Utc)),
            WorkflowStatus = state.ReadCustomStatusAs<string>() ?? string.Empty,
        };
        if (status != MaintenanceRequestStatus.Open) message.ClosedAt = Timestamp.FromDateTimeOffset(state.LastUpdatedAt);
        return message;
    }
}
