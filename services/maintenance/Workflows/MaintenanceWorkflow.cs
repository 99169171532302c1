using Dapr.Workflow;
using Mtaeda.Contracts.Scheduling.V1;

namespace Mtaeda.Maintenance.Workflows;

/// <summary>What the maintenance process of one request is about; the instance id is the request id.</summary>
/// <param name="RequestId">The request (and work order) id.</param>
/// <param name="DeviceId">The device.</param>
/// <param name="DeviceKind">Turnstile or camera.</param>
/// <param name="StationId">Its station.</param>
/// <param name="Priority">How urgent.</param>
/// <param name="Description">What was reported.</param>
/// <param name="OpenedAt">When the request was opened (UTC); the deadlines count from it.</param>
/// <param name="AssignWithin">First deadline: assigned by then, else escalation level 1.</param>
/// <param name="CompleteWithin">Second deadline: completed by then, else escalation level 2.</param>
public sealed record MaintenanceProcess(
    string RequestId,
    string DeviceId,
    DeviceKind DeviceKind,
    string StationId,
    MaintenancePriority Priority,
    string Description,
    DateTime OpenedAt,
    TimeSpan AssignWithin,
    TimeSpan CompleteWithin)
{
    /// <summary>Why maintenance is needed (shown by the maintenance API).</summary>
    public Mtaeda.Contracts.Maintenance.V1.MaintenanceCause Cause { get; init; }
}

/// <summary>An escalation for the escalate activity.</summary>
/// <param name="Process">The process.</param>
/// <param name="Level">1 or 2.</param>
/// <param name="Deadline">The deadline that passed (UTC).</param>
public sealed record Escalation(MaintenanceProcess Process, int Level, DateTime Deadline);

/// <summary>How a request ended, for the close activity.</summary>
/// <param name="Process">The process.</param>
/// <param name="Completed">True when the work order was completed (and the device restored), false when cancelled.</param>
public sealed record Closing(MaintenanceProcess Process, bool Completed);

/// <summary>How the process ended.</summary>
/// <param name="Completed">True when completed and restored, false when cancelled.</param>
/// <param name="EscalationLevel">Escalations on the way (0, 1 or 2).</param>
public sealed record MaintenanceResult(bool Completed, int EscalationLevel);

/// <summary>
/// The maintenance process of one request (a Dapr Workflow; instance id = request id): create the work order, wait for
/// assignment or the first deadline (then escalate, level 1), wait for completion or the second deadline (then escalate,
/// level 2), then restore the device and close the request. A cancellation at any point closes the request without a
/// restore. The external events are the work-order events' names, raised by this app's handlers (ADR 0005); each is
/// waited for once, from the start, so an event raised before its phase is buffered and not lost.
/// </summary>
public sealed class MaintenanceWorkflow : Workflow<MaintenanceProcess, MaintenanceResult>
{
    /// <summary>External event: the work order was assigned.</summary>
    public const string Assigned = nameof(WorkOrderAssigned);

    /// <summary>External event: the work order was completed.</summary>
    public const string Completed = nameof(WorkOrderCompleted);

    /// <summary>External event: the work order was cancelled.</summary>
    public const string Cancelled = nameof(WorkOrderCancelled);

    private static readonly WorkflowTaskOptions Retry = new(new WorkflowRetryPolicy(
        maxNumberOfAttempts: 10, firstRetryInterval: TimeSpan.FromSeconds(1), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromMinutes(1)));

    /// <inheritdoc />
    public override async Task<MaintenanceResult> RunAsync(WorkflowContext context, MaintenanceProcess input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        var assigned = context.WaitForExternalEventAsync<string>(Assigned);
        var completed = context.WaitForExternalEventAsync<string>(Completed);
        var cancelled = context.WaitForExternalEventAsync<string>(Cancelled);

        await context.CallActivityAsync(nameof(CreateWorkOrderActivity), input, Retry);
        context.SetCustomStatus("work order created");
        var level = 0;

        // Phase 1: assigned (or already completed) before the first deadline, or escalate.
        var firstDeadline = input.OpenedAt + input.AssignWithin;
        using (var timer = new CancellationTokenSource())
        {
            var first = await Task.WhenAny(assigned, completed, cancelled, context.CreateTimer(firstDeadline, timer.Token));
            if (first == cancelled) return await CloseAsync(context, input, completed: false, level);
            if (first != assigned && first != completed) level = await EscalateAsync(context, input, 1, firstDeadline);
            else timer.Cancel();
        }

        // Phase 2: completed before the second deadline, or escalate, then wait on.
        var secondDeadline = input.OpenedAt + input.CompleteWithin;
        if (!completed.IsCompleted)
        {
            using var timer = new CancellationTokenSource();
            var second = await Task.WhenAny(completed, cancelled, context.CreateTimer(secondDeadline, timer.Token));
            if (second == cancelled) return await CloseAsync(context, input, completed: false, level);
            if (second != completed)
            {
                level = await EscalateAsync(context, input, 2, secondDeadline);
                if (await Task.WhenAny(completed, cancelled) == cancelled) return await CloseAsync(context, input, completed: false, level);
            }
            else
            {
                timer.Cancel();
            }
        }

        await context.CallActivityAsync(nameof(RestoreDeviceActivity), input, Retry);
        context.SetCustomStatus("device restored");
        return await CloseAsync(context, input, completed: true, level);
    }

    private static async Task<int> EscalateAsync(WorkflowContext context, MaintenanceProcess input, int level, DateTime deadline)
    {
        await context.CallActivityAsync(nameof(EscalateActivity), new Escalation(input, level, deadline), Retry);
        context.SetCustomStatus($"escalated (level {level})");
        return level;
    }

    private static async Task<MaintenanceResult> CloseAsync(WorkflowContext context, MaintenanceProcess input, bool completed, int level)
    {
        await context.CallActivityAsync(nameof(CloseRequestActivity), new Closing(input, completed), Retry);
        context.SetCustomStatus(completed ? "closed" : "cancelled");
        return new MaintenanceResult(completed, level);
    }
}
