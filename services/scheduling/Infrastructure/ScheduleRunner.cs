using Dapr.Workflow;
using Grpc.Core;
using Mtaeda.Scheduling.Workflows;

namespace Mtaeda.Scheduling.Infrastructure;

/// <summary>
/// Keeps one workflow running per live schedule, for its current version (docs/adr/0006-preventive-schedules.md):
/// after a command the actor accepted, the API starts the current version's instance (if it is not there yet) and
/// terminates and purges the version it replaced. Every step is idempotent, so repeating the command after a failure
/// mends what a crash between the actor's save and these calls left undone; a stale instance that still runs ends by
/// itself at its next occurrence (the trigger activity sees another version).
/// </summary>
/// <param name="workflows">The workflow client (this app's sidecar).</param>
/// <param name="logger">The logger.</param>
public sealed partial class ScheduleRunner(DaprWorkflowClient workflows, ILogger<ScheduleRunner> logger)
{
    /// <summary>Brings the workflows in line with the schedule: its current version runs (when live), the previous one does not.</summary>
    /// <param name="schedule">The schedule as the actor stored it.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    /// <returns>A task.</returns>
    public async Task ApplyAsync(ScheduleState schedule, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        if (schedule.Version > 1) await StopAsync(ScheduleWorkflow.InstanceIdOf(schedule.ScheduleId, schedule.Version - 1), cancellationToken);
        if (!schedule.Live) return;
        var instanceId = ScheduleWorkflow.InstanceIdOf(schedule.ScheduleId, schedule.Version);
        var existing = await workflows.GetWorkflowStateAsync(instanceId, getInputsAndOutputs: false, cancellationToken);
        if (existing is { Exists: true }) return;
        var run = new ScheduleRun(schedule.ScheduleId, schedule.Version, schedule.Cron, schedule.TimeZone, (schedule.ChangedAt ?? schedule.CreatedAt!.Value).UtcDateTime);
        try
        {
            await workflows.ScheduleNewWorkflowAsync(nameof(ScheduleWorkflow), instanceId, run);
            LogStarted(instanceId);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists)
        {
            // Started meanwhile by a concurrent repeat of the same command.
        }
    }

    private async Task StopAsync(string instanceId, CancellationToken cancellationToken)
    {
        var state = await workflows.GetWorkflowStateAsync(instanceId, getInputsAndOutputs: false, cancellationToken);
        if (state is not { Exists: true }) return;
        if (!state.IsWorkflowCompleted)
        {
            await workflows.TerminateWorkflowAsync(instanceId, "schedule changed or removed", cancellationToken);
            await workflows.WaitForWorkflowCompletionAsync(instanceId, getInputsAndOutputs: false, cancellationToken);
        }

        await workflows.PurgeInstanceAsync(instanceId, cancellationToken);
        LogStopped(instanceId);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Schedule workflow {InstanceId} started")]
    private partial void LogStarted(string instanceId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Schedule workflow {InstanceId} stopped and purged")]
    private partial void LogStopped(string instanceId);
}
