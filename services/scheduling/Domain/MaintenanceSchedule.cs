using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Mtaeda.Scheduling.Domain;

/// <summary>What a new schedule is about (the device already checked against equipment).</summary>
/// <param name="DeviceId">The turnstile or camera.</param>
/// <param name="DeviceKind">Turnstile or camera.</param>
/// <param name="StationId">Its station.</param>
/// <param name="Cron">The cron expression.</param>
/// <param name="TimeZone">The IANA time zone.</param>
public sealed record NewSchedule(string DeviceId, DeviceKind DeviceKind, string StationId, string Cron, string TimeZone);

/// <summary>
/// The preventive maintenance schedule aggregate of one turnstile or camera: created, changed (a new version), removed.
/// Each accepted command changes <see cref="State"/> and raises the device kind's event (the six
/// <c>…MaintenanceSchedule{Created,Changed,Removed}</c> of the catalog); a refused one throws
/// <see cref="DomainRefusalException"/> before changing anything. Repeating a command that led to the current state
/// changes nothing. A removed schedule's id may be created again; its versions go on counting, so no version (and no
/// workflow instance named after it) is ever reused.
/// </summary>
/// <param name="state">The stored state (changed in place).</param>
public sealed class MaintenanceSchedule(ScheduleState state) : Aggregate<ScheduleState>(state)
{

    /// <summary>The next occurrence of a live schedule after <paramref name="now"/>, else null.</summary>
    /// <param name="now">The time.</param>
    /// <returns>The occurrence (UTC).</returns>
    public DateTime? NextOccurrence(DateTimeOffset now) =>
        State.Live ? Recurrence.Parse(State.Cron, State.TimeZone).NextAfter(now.UtcDateTime) : null;

    /// <summary>Creates the schedule. The same schedule again changes nothing; other fields under a live id are refused.</summary>
    /// <param name="schedule">What it is about.</param>
    /// <param name="now">The time.</param>
    public void Create(NewSchedule schedule, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        if (State.Live)
        {
            if (State.DeviceId == schedule.DeviceId && State.DeviceKind == schedule.DeviceKind && State.Cron == schedule.Cron && State.TimeZone == schedule.TimeZone) return;
            throw DomainRefusalException.AlreadyExists("schedule_id", $"schedule_id '{State.ScheduleId}' is the schedule of '{State.DeviceId}' ({State.Cron}, {State.TimeZone})");
        }

        if (schedule.DeviceKind is not (DeviceKind.Turnstile or DeviceKind.Camera)) throw DomainRefusalException.Invalid("device_kind", "must be a turnstile or a camera");
        var next = Recurrence.Parse(schedule.Cron, schedule.TimeZone).NextAfter(now.UtcDateTime);
        State.DeviceId = schedule.DeviceId;
        State.DeviceKind = schedule.DeviceKind;
        State.StationId = schedule.StationId;
        State.Cron = schedule.Cron;
        State.TimeZone = schedule.TimeZone;
        State.Version++;
        State.CreatedAt = now;
        State.ChangedAt = now;
        State.RemovedAt = null;
        Raise(State.DeviceKind == DeviceKind.Turnstile
            ? new TurnstileMaintenanceScheduleCreated
            {
                ScheduleId = State.ScheduleId, TurnstileId = State.DeviceId, StationId = State.StationId, Cron = State.Cron, TimeZone = State.TimeZone,
                NextOccurrence = Time(next), CreatedAt = Timestamp.FromDateTimeOffset(now),
            }
            : new CameraMaintenanceScheduleCreated
            {
                ScheduleId = State.ScheduleId, CameraId = State.DeviceId, StationId = State.StationId, Cron = State.Cron, TimeZone = State.TimeZone,
                NextOccurrence = Time(next), CreatedAt = Timestamp.FromDateTimeOffset(now),
            });
    }

    /// <summary>Changes the cron expression and time zone (a new version). The same values again change nothing.</summary>
    /// <param name="cron">The expression.</param>
    /// <param name="timeZone">The IANA time zone.</param>
    /// <param name="now">The time.</param>
    public void Change(string cron, string timeZone, DateTimeOffset now)
    {
        var recurrence = Recurrence.Parse(cron, timeZone);
        RequireLive();
        if (State.Cron == cron && State.TimeZone == timeZone) return;
        var next = recurrence.NextAfter(now.UtcDateTime);
        State.Cron = cron;
        State.TimeZone = timeZone;
        State.Version++;
        State.ChangedAt = now;
        Raise(State.DeviceKind == DeviceKind.Turnstile
            ? new TurnstileMaintenanceScheduleChanged
            {
                ScheduleId = State.ScheduleId, TurnstileId = State.DeviceId, StationId = State.StationId, Cron = cron, TimeZone = timeZone,
                NextOccurrence = Time(next), ChangedAt = Timestamp.FromDateTimeOffset(now),
            }
            : new CameraMaintenanceScheduleChanged
            {
                ScheduleId = State.ScheduleId, CameraId = State.DeviceId, StationId = State.StationId, Cron = cron, TimeZone = timeZone,
                NextOccurrence = Time(next), ChangedAt = Timestamp.FromDateTimeOffset(now),
            });
    }

    /// <summary>Removes the schedule (a new version, so that the removed one's workflow stops). Removing it again changes nothing.</summary>
    /// <param name="now">The time.</param>
    public void Remove(DateTimeOffset now)
    {
        if (State.Version > 0 && State.RemovedAt is not null) return;
        RequireLive();
        State.Version++;
        State.RemovedAt = now;
        Raise(State.DeviceKind == DeviceKind.Turnstile
            ? new TurnstileMaintenanceScheduleRemoved { ScheduleId = State.ScheduleId, TurnstileId = State.DeviceId, StationId = State.StationId, RemovedAt = Timestamp.FromDateTimeOffset(now) }
            : new CameraMaintenanceScheduleRemoved { ScheduleId = State.ScheduleId, CameraId = State.DeviceId, StationId = State.StationId, RemovedAt = Timestamp.FromDateTimeOffset(now) });
    }

    /// <summary>The trigger event of one occurrence of this schedule.</summary>
    /// <param name="occurrence">The occurrence (UTC).</param>
    /// <param name="now">When it is raised.</param>
    /// <returns>The event.</returns>
    public IMessage Triggered(DateTime occurrence, DateTimeOffset now)
    {
        var at = Timestamp.FromDateTime(DateTime.SpecifyKind(occurrence, DateTimeKind.Utc));
        return State.DeviceKind == DeviceKind.Turnstile
            ? new TurnstileMaintenanceScheduleTriggered { ScheduleId = State.ScheduleId, TurnstileId = State.DeviceId, StationId = State.StationId, Occurrence = at, TriggeredAt = Timestamp.FromDateTimeOffset(now) }
            : new CameraMaintenanceScheduleTriggered { ScheduleId = State.ScheduleId, CameraId = State.DeviceId, StationId = State.StationId, Occurrence = at, TriggeredAt = Timestamp.FromDateTimeOffset(now) };
    }

    private static Timestamp? Time(DateTime? time) => time is { } value ? Timestamp.FromDateTime(DateTime.SpecifyKind(value, DateTimeKind.Utc)) : null;

    private void RequireLive()
    {
        if (!State.Live) throw DomainRefusalException.NotFound("schedule_id", $"no schedule '{State.ScheduleId}'");
    }
}
