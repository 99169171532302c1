using Dapr.Workflow;

namespace Mtaeda.Maintenance.Workflows;

/// <summary>
/// What the maintenance process of one request is about; the instance id is the request id. The intake starts the
/// process unranked (<see cref="MaintenancePriority.Unspecified"/>, no deadlines); its first activity ranks it
/// (<see cref="Ranking"/>), and the activities after it get the ranked process.
/// </summary>
/// <param name="RequestId">The request (and work order) id.</param>
/// <param name="DeviceId">The device.</param>
/// <param name="DeviceKind">Turnstile or camera.</param>
/// <param name="StationId">Its station.</param>
/// <param name="Priority">How urgent (unspecified until ranked).</param>
/// <param name="Description">What was reported.</param>
/// <param name="OpenedAt">When the request was opened (UTC); the deadlines count from it.</param>
/// <param name="AssignWithin">First deadline: assigned by then, else escalation level 1 (zero until ranked).</param>
/// <param name="CompleteWithin">Second deadline: completed by then, else escalation level 2 (zero until ranked).</param>
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

/// <summary>How the first activity ranked a request: its priority and the priority's deadlines.</summary>
/// <param name="Priority">The priority (that of its work order).</param>
/// <param name="AssignWithin">First deadline, from the request's opening.</param>
/// <param name="CompleteWithin">Second deadline, from the request's opening.</param>
public sealed record Ranking(MaintenancePriority Priority, TimeSpan AssignWithin, TimeSpan CompleteWithin);

/// <summary>An escalation for the escalate activity.</summary>
/// <param name="Process">The process.</param>
/// <param name="Level">1 or 2.</param>
/// <param name="Deadline">The deadline that passed (UTC).</param>
public sealed record Escalation(MaintenanceProcess Process, int Level, DateTime Deadline);

/// <summary>How a request ended, for the close activity.</summary>
/// <param name="Process">The process.</param>
/// <param name="Completed">True when the work order was completed (and the device restored), false when cancelled.</param>
public sealed record Closing(MaintenanceProcess Process, bool Completed);

/// <summary>A step for the record-step activity.</summary>
/// <param name="RequestId">The request.</param>
/// <param name="Step">The step's name.</param>
public sealed record StepRecord(string RequestId, string Step);

/// <summary>How the process ended.</summary>
/// <param name="Completed">True when completed and restored, false when cancelled.</param>
/// <param name="EscalationLevel">Escalations on the way (0, 1 or 2).</param>
public sealed record MaintenanceResult(bool Completed, int EscalationLevel);

/// <summary>
/// The maintenance process of one request (a Dapr Workflow; instance id = request id): rank the request, create the work
/// order and announce it (one activity, whose answer fixes the priority and so the deadlines); wait for
/// it to be assigned, then started (the device goes under maintenance), then completed (the device is restored and a new
/// passage cycle begins), then close the request. Past the first deadline while unassigned it escalates to level 1;
/// past the second while not completed, to level 2. A cancellation at any point closes the request; one after the start
/// first gives the device back as it was. The external events are the work-order events' names, raised by this app's
/// handlers (ADR 0005); each is waited for from the start, so an event raised before its phase (or delivered out of
/// order) is buffered and not lost. Each effect is an idempotent activity that records its step.
/// </summary>
public sealed class MaintenanceWorkflow : Workflow<MaintenanceProcess, MaintenanceResult>
{
    /// <summary>External event: the work order was assigned.</summary>
    public const string Assigned = nameof(WorkOrderAssigned);

    /// <summary>External event: the work order was started.</summary>
    public const string Started = nameof(WorkOrderStarted);

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
        var started = context.WaitForExternalEventAsync<string>(Started);
        var completed = context.WaitForExternalEventAsync<string>(Completed);
        var cancelled = context.WaitForExternalEventAsync<string>(Cancelled);

        // Ranked by its station's load, with its work order created and announced; the answer is in the history, so a
        // replay ranks nothing again.
        var ranking = await context.CallActivityAsync<Ranking>(nameof(CreateWorkOrderActivity), input, Retry);
        input = input with { Priority = ranking.Priority, AssignWithin = ranking.AssignWithin, CompleteWithin = ranking.CompleteWithin };
        context.SetCustomStatus("work order created");
        var firstDeadline = input.OpenedAt + input.AssignWithin;
        var secondDeadline = input.OpenedAt + input.CompleteWithin;
        var level = 0;

        // Waits for one event of the work order, escalating at each deadline that passes meanwhile; false when cancelled.
        async Task<bool> UntilAsync(Task awaited)
        {
            while (!awaited.IsCompleted && !cancelled.IsCompleted)
            {
                DateTime? deadline = level switch
                {
                    0 when !assigned.IsCompleted => firstDeadline,
                    < 2 => secondDeadline,
                    _ => null,
                };
                if (deadline is not { } due)
                {
                    await Task.WhenAny(awaited, cancelled);
                    continue;
                }

                using var timer = new CancellationTokenSource();
                var fired = context.CreateTimer(due, timer.Token);
                if (await Task.WhenAny(awaited, cancelled, fired) != fired)
                {
                    timer.Cancel();
                    continue;
                }

                level = due == firstDeadline && level == 0 && !assigned.IsCompleted ? 1 : 2;
                await context.CallActivityAsync(nameof(EscalateActivity), new Escalation(input, level, due), Retry);
                context.SetCustomStatus($"escalated (level {level})");
            }

            return !cancelled.IsCompleted;
        }

        if (!await UntilAsync(assigned)) return await CloseAsync(context, input, completed: false, level);
        await context.CallActivityAsync(nameof(RecordStepActivity), new StepRecord(input.RequestId, Domain.MaintenanceSteps.WorkOrderAssigned), Retry);
        context.SetCustomStatus("work order assigned");

        if (!await UntilAsync(started)) return await CloseAsync(context, input, completed: false, level);
        await context.CallActivityAsync(nameof(StartDeviceMaintenanceActivity), input, Retry);
        context.SetCustomStatus("maintenance started");

        if (!await UntilAsync(completed))
        {
            await context.CallActivityAsync(nameof(FinishDeviceMaintenanceActivity), new Closing(input, Completed: false), Retry);
            return await CloseAsync(context, input, completed: false, level);
        }

        await context.CallActivityAsync(nameof(FinishDeviceMaintenanceActivity), new Closing(input, Completed: true), Retry);
        context.SetCustomStatus("device restored");
        return await CloseAsync(context, input, completed: true, level);
    }

    private static async Task<MaintenanceResult> CloseAsync(WorkflowContext context, MaintenanceProcess input, bool completed, int level)
    {
        await context.CallActivityAsync(nameof(CloseRequestActivity), new Closing(input, completed), Retry);
        context.SetCustomStatus(completed ? "closed" : "cancelled");
        return new MaintenanceResult(completed, level);
    }
}
