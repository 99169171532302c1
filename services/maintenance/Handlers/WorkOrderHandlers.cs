using Dapr.Workflow;
using Google.Protobuf;
using Grpc.Core;

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

/// <summary>
/// The one body of the work-order event handlers: a work-order event of scheduling is raised on the workflow of the
/// request it serves (<see cref="WorkOrderEventRaiser"/>). A handler says only which request that is (<see cref="RequestOf"/>).
/// </summary>
/// <typeparam name="TEvent">The work-order event.</typeparam>
/// <param name="raiser">The raiser.</param>
public abstract class WorkOrderEventHandler<TEvent>(WorkOrderEventRaiser raiser) : IEventHandler<TEvent>
    where TEvent : IMessage<TEvent>, new()
{
    /// <inheritdoc />
    public Task HandleAsync(TEvent @event, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(@event);
        return raiser.RaiseAsync(RequestOf(@event), @event, cancellationToken);
    }

    /// <summary>The request the event's work order serves.</summary>
    /// <param name="event">The event.</param>
    /// <returns>The request id.</returns>
    protected abstract string RequestOf(TEvent @event);
}

/// <summary>A work order was assigned: the request's workflow stops waiting for assignment.</summary>
/// <param name="raiser">The raiser.</param>
public sealed class WorkOrderAssignedHandler(WorkOrderEventRaiser raiser) : WorkOrderEventHandler<WorkOrderAssigned>(raiser)
{
    /// <inheritdoc />
    protected override string RequestOf(WorkOrderAssigned @event) => @event.RequestId;
}

/// <summary>A work order was started: raised on the request's workflow (which records it; it waits on assignment and completion).</summary>
/// <param name="raiser">The raiser.</param>
public sealed class WorkOrderStartedHandler(WorkOrderEventRaiser raiser) : WorkOrderEventHandler<WorkOrderStarted>(raiser)
{
    /// <inheritdoc />
    protected override string RequestOf(WorkOrderStarted @event) => @event.RequestId;
}

/// <summary>A work order was completed: the request's workflow restores the device and closes the request.</summary>
/// <param name="raiser">The raiser.</param>
public sealed class WorkOrderCompletedHandler(WorkOrderEventRaiser raiser) : WorkOrderEventHandler<WorkOrderCompleted>(raiser)
{
    /// <inheritdoc />
    protected override string RequestOf(WorkOrderCompleted @event) => @event.RequestId;
}

/// <summary>A work order was cancelled: the request's workflow closes the request without a restore.</summary>
/// <param name="raiser">The raiser.</param>
public sealed class WorkOrderCancelledHandler(WorkOrderEventRaiser raiser) : WorkOrderEventHandler<WorkOrderCancelled>(raiser)
{
    /// <inheritdoc />
    protected override string RequestOf(WorkOrderCancelled @event) => @event.RequestId;
}
