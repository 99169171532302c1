using Dapr.Actors.Runtime;
using Dapr.Client;
using MaintenanceSchedule = Mtaeda.Scheduling.Domain.MaintenanceSchedule;

namespace Mtaeda.Scheduling.Actors;

/// <summary>
/// The durable home of one <see cref="MaintenanceSchedule"/>. A command runs in one actor turn: load, let the aggregate
/// decide, then put the new state and its event into the actor's state (<see cref="OutboxActor.EmitAsync"/>), saved in
/// one state transaction and then published on the <c>scheduling</c> topic. Running the schedule (its workflow) is the
/// API's part (docs/adr/0006-preventive-schedules.md).
/// </summary>
/// <param name="host">The actor host.</param>
/// <param name="dapr">The Dapr client the outbox publishes with.</param>
/// <param name="time">The clock.</param>
public class ScheduleActor(ActorHost host, DaprClient dapr, TimeProvider time)
    : AggregateActor<ScheduleState, MaintenanceSchedule>(host, dapr, StateKey, id => new ScheduleState { ScheduleId = id }, state => new MaintenanceSchedule(state.Copy())), IScheduleActor
{
    /// <summary>The actor type name.</summary>
    public const string TypeName = "MaintenanceSchedule";

    /// <summary>The actor state key of the schedule.</summary>
    public const string StateKey = "schedule";

    /// <inheritdoc />
    public Task<ActorReply<ScheduleState>> CreateAsync(CreateScheduleCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return DecideAsync(s => s.Create(new NewSchedule(command.DeviceId, command.DeviceKind, command.StationId, command.Cron, command.TimeZone), time.GetUtcNow()));
    }

    /// <inheritdoc />
    public Task<ActorReply<ScheduleState>> ChangeAsync(ChangeScheduleCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return DecideAsync(s => s.Change(command.Cron, command.TimeZone, time.GetUtcNow()));
    }

    /// <inheritdoc />
    public Task<ActorReply<ScheduleState>> RemoveAsync() => DecideAsync(s => s.Remove(time.GetUtcNow()));

    /// <inheritdoc />
    public async Task<ActorReply<ScheduleState>> GetAsync()
    {
        var state = await LoadAsync();
        return state.Version > 0
            ? ActorReply<ScheduleState>.Accepted(state)
            : ActorReply<ScheduleState>.Refused(DomainRefusal.NotFound("schedule_id", $"no schedule '{state.ScheduleId}'"));
    }
}
