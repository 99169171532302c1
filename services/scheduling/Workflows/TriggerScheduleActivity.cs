using System.Globalization;
using Dapr.Actors;
using Dapr.Actors.Client;
using Dapr.Client;
using Dapr.Workflow;
using Mtaeda.Scheduling.Actors;
using MaintenanceSchedule = Mtaeda.Scheduling.Domain.MaintenanceSchedule;

namespace Mtaeda.Scheduling.Workflows;

/// <summary>
/// Raises the <c>…MaintenanceScheduleTriggered</c> event of one occurrence, if the schedule is still the version whose
/// workflow saw it due (answers false otherwise: that workflow ends). Idempotent: the CloudEvent id is the schedule and
/// the occurrence (<see cref="EventIdOf"/>), so a repeated run, or another version's run for the same occurrence,
/// publishes an event subscribers de-duplicate.
/// </summary>
/// <param name="actors">Proxies to the schedule actors.</param>
/// <param name="dapr">The Dapr client.</param>
/// <param name="time">The clock.</param>
public sealed class TriggerScheduleActivity(IActorProxyFactory actors, DaprClient dapr, TimeProvider time) : WorkflowActivity<ScheduleOccurrence, bool>
{
    /// <summary>The CloudEvent id of an occurrence's trigger.</summary>
    /// <param name="scheduleId">The schedule.</param>
    /// <param name="occurrence">The occurrence (UTC).</param>
    /// <returns>The id.</returns>
    public static string EventIdOf(string scheduleId, DateTime occurrence) =>
        $"{scheduleId}.triggered.{occurrence.ToUniversalTime().ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}";

    /// <inheritdoc />
    public override async Task<bool> RunAsync(WorkflowActivityContext context, ScheduleOccurrence input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var reply = await actors.CreateActorProxy<IScheduleActor>(new ActorId(input.ScheduleId), ScheduleActor.TypeName).GetAsync();
        if (reply.Value is not { Live: true } schedule || schedule.Version != input.Version) return false;
        var message = new MaintenanceSchedule(schedule).Triggered(input.Occurrence, time.GetUtcNow());
        await dapr.PublishIntegrationEventAsync(Topics.Of(message), message, EventIdOf(input.ScheduleId, input.Occurrence), input.ScheduleId, CancellationToken.None);
        return true;
    }
}
