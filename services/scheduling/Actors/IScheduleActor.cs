using System.Runtime.Serialization;
using Dapr.Actors;
using Mtaeda.Contracts.Common.V1;

namespace Mtaeda.Scheduling.Actors;

/// <summary>
/// One actor per preventive maintenance schedule (actor type <see cref="ScheduleActor.TypeName"/>, id = schedule id),
/// called through typed remoting proxies (docs/adr/0004-actor-calls.md). Refusals come back in the reply.
/// </summary>
public interface IScheduleActor : IActor
{
    /// <summary>Creates the schedule (the same schedule again answers it as it is).</summary>
    /// <param name="command">The schedule.</param>
    /// <returns>The outcome.</returns>
    Task<ActorReply<ScheduleState>> CreateAsync(CreateScheduleCommand command);

    /// <summary>Changes the cron expression and time zone.</summary>
    /// <param name="command">The new recurrence.</param>
    /// <returns>The outcome.</returns>
    Task<ActorReply<ScheduleState>> ChangeAsync(ChangeScheduleCommand command);

    /// <summary>Removes the schedule.</summary>
    /// <returns>The outcome (the removed schedule).</returns>
    Task<ActorReply<ScheduleState>> RemoveAsync();

    /// <summary>Reads the schedule, removed or not (a schedule never created is NotFound).</summary>
    /// <returns>The schedule.</returns>
    Task<ActorReply<ScheduleState>> GetAsync();
}

/// <summary>CreateSchedule as the actor receives it.</summary>
/// <param name="DeviceId">The device.</param>
/// <param name="DeviceKind">Turnstile or camera.</param>
/// <param name="StationId">Its station.</param>
/// <param name="Cron">The cron expression.</param>
/// <param name="TimeZone">The IANA time zone.</param>
[DataContract]
public sealed record CreateScheduleCommand(
    [property: DataMember(Order = 1)] string DeviceId,
    [property: DataMember(Order = 2)] DeviceKind DeviceKind,
    [property: DataMember(Order = 3)] string StationId,
    [property: DataMember(Order = 4)] string Cron,
    [property: DataMember(Order = 5)] string TimeZone);

/// <summary>ChangeSchedule as the actor receives it.</summary>
/// <param name="Cron">The cron expression.</param>
/// <param name="TimeZone">The IANA time zone.</param>
[DataContract]
public sealed record ChangeScheduleCommand([property: DataMember(Order = 1)] string Cron, [property: DataMember(Order = 2)] string TimeZone);

