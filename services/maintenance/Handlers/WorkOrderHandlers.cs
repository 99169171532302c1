using Dapr.Workflow;
using Google.Protobuf;
using Grpc.Core;
using Mtaeda.Contracts;
using Mtaeda.Contracts.Scheduling.V1;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Maintenance.Handlers;

/// <summary>
/// Raises a work-order event on its request's workflow instance (ADR 0005: maintenance subscribes to scheduling's events
/// and raises them through its own sidecar). The external event's name is the event's name, which the workflow waits for.
/// </summary>
/// <param name="workflows">The workflow client.</param>
/// <param name="logger">The logger.</param>
public sealed partial class WorkOrderEventRaiser(DaprWorkflowClient workflows, ILogger<WorkOrderEventRaiser> logger)
{
    /// <summary>Raises <paramref name="event"/> on the workflow of <paramref name="requestId"/>.</summary>
    /// <param name="requestId">The request (workflow instance) id.</param>
    /// <param name="event">The work-order event.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    public async Task RaiseAsync(string requestId, IMessage @event, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(@event);
        if (!Ids.IsValid(requestId)) throw new InvalidEventException($"request_id {Ids.Rule}");
        var name = @event.Descriptor.Name;
        try
        {
            await workflows.RaiseEventAsync(requestId, name, requestId, cancellationToken);
        }
        catch (RpcException e) when (WorkflowErrors.IsNoSuchInstance(e))
        {
            // A work order not opened by a maintenance request (ADR 0005: made by hand), or one whose process was purged:
            // nothing waits for it, and the event is acknowledged.
            LogNoInstance(name, requestId);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{EventName} for {RequestId}: no maintenance workflow waits for it")]
    private partial void LogNoInstance(string eventName, string requestId);
}

/// <summary>A work order was assigned: the request's workflow stops waiting for assignment.</summary>
/// <param name="raiser">The raiser.</param>
public sealed class WorkOrderAssignedHandler(WorkOrderEventRaiser raiser) : IEventHandler<WorkOrderAssigned>
{
    /// <inheritdoc />
    public Task HandleAsync(WorkOrderAssigned assigned, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(assigned);
        return raiser.RaiseAsync(assigned.RequestId, assigned, cancellationToken);
    }
}

/// <summary>A work order was started: raised on the request's workflow (which records it; it waits on assignment and completion).</summary>
/// <param name="raiser">The raiser.</param>
public sealed class WorkOrderStartedHandler(WorkOrderEventRaiser raiser) : IEventHandler<WorkOrderStarted>
{
    /// <inheritdoc />
    public Task HandleAsync(WorkOrderStarted started, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(started);
        return raiser.RaiseAsync(started.RequestId, started, cancellationToken);
    }
}

/// <summary>A work order was completed: the request's workflow restores the device and closes the request.</summary>
/// <param name="raiser">The raiser.</param>
public sealed class WorkOrderCompletedHandler(WorkOrderEventRaiser raiser) : IEventHandler<WorkOrderCompleted>
{
    /// <inheritdoc />
    public Task HandleAsync(WorkOrderCompleted completed, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(completed);
        return raiser.RaiseAsync(completed.RequestId, completed, cancellationToken);
    }
}

/// <summary>A work order was cancelled: the request's workflow closes the request without a restore.</summary>
/// <param name="raiser">The raiser.</param>
public sealed class WorkOrderCancelledHandler(WorkOrderEventRaiser raiser) : IEventHandler<WorkOrderCancelled>
{
    /// <inheritdoc />
    public Task HandleAsync(WorkOrderCancelled cancelled, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cancelled);
        return raiser.RaiseAsync(cancelled.RequestId, cancelled, cancellationToken);
    }
}
