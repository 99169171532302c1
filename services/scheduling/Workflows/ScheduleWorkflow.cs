using Dapr.Workflow;

namespace Mtaeda.Scheduling.Workflows;

/// <summary>One run of a schedule's workflow: which version of which schedule, and the time its next occurrence follows.</summary>
/// <param name="ScheduleId">The schedule.</param>
/// <param name="Version">Its version this instance runs (the instance id carries it).</param>
/// <param name="Cron">The cron expression of that version.</param>
/// <param name="TimeZone">Its IANA time zone.</param>
/// <param name="After">The next occurrence is the first one strictly after this UTC time.</param>
public sealed record ScheduleRun(string ScheduleId, long Version, string Cron, string TimeZone, DateTime After);

/// <summary>One occurrence that came due, for the trigger activity.</summary>
/// <param name="ScheduleId">The schedule.</param>
/// <param name="Version">The version whose workflow saw it due.</param>
/// <param name="Occurrence">The occurrence (UTC).</param>
public sealed record ScheduleOccurrence(string ScheduleId, long Version, DateTime Occurrence);

/// <summary>
/// The runner of one version of one preventive schedule (a Dapr Workflow, instance id <see cref="InstanceIdOf"/>): it
/// sleeps on a durable timer until the next occurrence, has the trigger activity raise the occurrence's event, and
/// continues as new from that occurrence, so its history stays one occurrence long. The timer is the runtime's: a
/// restart of the app or the runtime that spans the due time fires it when the engine is back, once. Occurrences that
/// passed while nothing ran are folded into that one trigger (the next one counted from the time it was raised), so an
/// outage raises one maintenance need, not one per missed occurrence. It ends when the activity finds the schedule
/// removed or changed (another version runs), or when the expression has no further occurrence.
/// docs/adr/0006-preventive-schedules.md.
/// </summary>
public sealed class ScheduleWorkflow : Workflow<ScheduleRun, bool>
{
    /// <summary>How long the workflow waits before it tries an occurrence again once the activity's retries are spent.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromMinutes(5);

    private static readonly WorkflowTaskOptions Retry = new(new WorkflowRetryPolicy(
        maxNumberOfAttempts: 10, firstRetryInterval: TimeSpan.FromSeconds(1), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromMinutes(1)));

    /// <summary>The workflow instance id of a schedule's version.</summary>
    /// <param name="scheduleId">The schedule.</param>
    /// <param name="version">Its version.</param>
    /// <returns>The instance id.</returns>
    public static string InstanceIdOf(string scheduleId, long version) => $"{scheduleId}-v{version}";

    /// <inheritdoc />
    public override async Task<bool> RunAsync(WorkflowContext context, ScheduleRun input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        var next = Recurrence.Parse(input.Cron, input.TimeZone).NextAfter(input.After);
        if (next is not { } occurrence)
        {
            context.SetCustomStatus("no further occurrence");
            return false;
        }

        context.SetCustomStatus($"next occurrence {occurrence:O}");
        await context.CreateTimer(occurrence, CancellationToken.None);
        if (!await TriggerAsync(context, new ScheduleOccurrence(input.ScheduleId, input.Version, occurrence)))
        {
            context.SetCustomStatus("schedule removed or changed");
            return false;
        }

        // The turn's time (replayed identically), so occurrences missed while nothing ran are not raised one by one.
        var now = context.CurrentUtcDateTime;
        context.ContinueAsNew(input with { After = now > occurrence ? now : occurrence }, preserveUnprocessedEvents: false);
        return true;
    }

    /// <summary>
    /// Runs the trigger activity until it answers: when its retries are spent (pub/sub or the actor away for minutes),
    /// the workflow waits on a durable timer and tries again, so a long outage delays the occurrence instead of ending the
    /// schedule.
    /// </summary>
    private static async Task<bool> TriggerAsync(WorkflowContext context, ScheduleOccurrence occurrence)
    {
        while (true)
        {
            try
            {
                return await context.CallActivityAsync<bool>(nameof(TriggerScheduleActivity), occurrence, Retry);
            }
            catch (WorkflowTaskFailedException)
            {
                context.SetCustomStatus($"raising occurrence {occurrence.Occurrence:O} failed; trying again");
                await context.CreateTimer(context.CurrentUtcDateTime + RetryAfter, CancellationToken.None);
            }
        }
    }
}
