using System.Text.RegularExpressions;
using Dapr.Actors;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mtaeda.Scheduling.Actors;
using Mtaeda.Scheduling.Infrastructure;
using Mtaeda.ServiceDefaults.Callers;
using ScheduleMessage = Mtaeda.Contracts.Scheduling.V1.MaintenanceSchedule;

namespace Mtaeda.Scheduling.Api;

/// <summary>What the schedule RPCs use beside the work orders' parts.</summary>
/// <param name="Index">The index of schedule ids.</param>
/// <param name="Runner">Keeps each schedule's workflow running.</param>
/// <param name="Devices">Checks devices against equipment and stations.</param>
public sealed record ScheduleParts(ScheduleIndex Index, ScheduleRunner Runner, DeviceLookup Devices);

/// <summary>
/// The preventive schedule RPCs: fields and the recurrence are checked here (InvalidArgument naming the field), the
/// device through the sidecar (NotFound), before the schedule's actor is called; nothing is stored for a refused request.
/// After the actor accepted, the schedule's workflow is brought in line (<see cref="ScheduleRunner"/>).
/// </summary>
public sealed partial class SchedulingApi
{
    /// <summary>What a bad schedule id is told: the id names workflow instances (with its version), which take 64 characters.</summary>
    public const string ScheduleIdRule = "must be 1 to 40 characters from [A-Za-z0-9_-]";

    /// <inheritdoc />
    public override async Task<ScheduleMessage> CreateSchedule(CreateScheduleRequest request, ServerCallContext context)
    {
        RequireScheduleId(request.ScheduleId);
        Ids.Require(request.DeviceId, "device_id");
        if (request.StationId.Length > 0) Ids.Require(request.StationId, "station_id");
        if (request.DeviceKind is not (DeviceKind.Turnstile or DeviceKind.Camera)) throw Errors.InvalidArgument("device_kind", "is required: DEVICE_KIND_TURNSTILE or DEVICE_KIND_CAMERA");
        Recurrence.Parse(request.Cron, request.TimeZone);
        var stationId = await schedules.Devices.StationOfAsync(request.DeviceId, request.DeviceKind, request.StationId, context.CancellationToken);
        context.Caller().RequireStation(stationId);
        var command = new CreateScheduleCommand(request.DeviceId, request.DeviceKind, stationId, request.Cron, request.TimeZone);
        var schedule = await ScheduleCallAsync(request.ScheduleId, actor => actor.CreateAsync(command));
        await schedules.Index.AddAsync(request.ScheduleId, context.CancellationToken);
        await schedules.Runner.ApplyAsync(schedule, context.CancellationToken);
        return Map(schedule);
    }

    /// <inheritdoc />
    public override async Task<ListSchedulesResponse> ListSchedules(ListSchedulesRequest request, ServerCallContext context)
    {
        var ids = await schedules.Index.ListAsync(context.CancellationToken);
        var found = new ScheduleState?[ids.Count];
        await Parallel.ForAsync(0, ids.Count, new ParallelOptions { MaxDegreeOfParallelism = ReadParallelism, CancellationToken = context.CancellationToken }, async (i, _) =>
        {
            found[i] = (await Schedule(ids[i]).GetAsync()).Value;
        });
        var response = new ListSchedulesResponse();
        response.Schedules.AddRange(context.Caller().Visible(found
            .OfType<ScheduleState>()
            .Where(s => s.Live
                && (request.DeviceId.Length == 0 || s.DeviceId == request.DeviceId)
                && (request.StationId.Length == 0 || s.StationId == request.StationId)), s => s.StationId)
            .Select(Map));
        return response;
    }

    /// <inheritdoc />
    public override async Task<ScheduleMessage> GetSchedule(GetScheduleRequest request, ServerCallContext context)
    {
        RequireScheduleId(request.ScheduleId);
        var schedule = await ScheduleCallAsync(request.ScheduleId, actor => actor.GetAsync());
        if (!schedule.Live) throw Errors.NotFound($"schedule_id: schedule '{request.ScheduleId}' was removed");
        context.Caller().RequireStation(schedule.StationId);
        return Map(schedule);
    }

    /// <inheritdoc />
    public override async Task<ScheduleMessage> ChangeSchedule(ChangeScheduleRequest request, ServerCallContext context)
    {
        RequireScheduleId(request.ScheduleId);
        Recurrence.Parse(request.Cron, request.TimeZone);
        await RequireScheduleStationAsync(request.ScheduleId, context);
        var command = new ChangeScheduleCommand(request.Cron, request.TimeZone);
        var schedule = await ScheduleCallAsync(request.ScheduleId, actor => actor.ChangeAsync(command));
        await schedules.Runner.ApplyAsync(schedule, context.CancellationToken);
        return Map(schedule);
    }

    /// <inheritdoc />
    public override async Task<RemoveScheduleResponse> RemoveSchedule(RemoveScheduleRequest request, ServerCallContext context)
    {
        RequireScheduleId(request.ScheduleId);
        await RequireScheduleStationAsync(request.ScheduleId, context);
        var schedule = await ScheduleCallAsync(request.ScheduleId, actor => actor.RemoveAsync());
        await schedules.Runner.ApplyAsync(schedule, context.CancellationToken);
        return new RemoveScheduleResponse { RemovedAt = Time(schedule.RemovedAt) };
    }

    /// <summary>Refuses a user who does not work at the schedule's station (a schedule's device, hence its station, never changes).</summary>
    /// <param name="scheduleId">The schedule.</param>
    /// <param name="context">The call.</param>
    /// <returns>When judged.</returns>
    private async Task RequireScheduleStationAsync(string scheduleId, ServerCallContext context)
    {
        if (context.Caller().User is null) return;
        var schedule = await ScheduleCallAsync(scheduleId, actor => actor.GetAsync());
        if (schedule.StationId.Length > 0) context.Caller().RequireStation(schedule.StationId);
    }

    /// <summary>The schedule as the contract shows it, with its next occurrence from now.</summary>
    /// <param name="schedule">The stored schedule.</param>
    /// <returns>The message.</returns>
    internal ScheduleMessage Map(ScheduleState schedule) => new()
    {
        ScheduleId = schedule.ScheduleId,
        DeviceId = schedule.DeviceId,
        DeviceKind = schedule.DeviceKind,
        StationId = schedule.StationId,
        Cron = schedule.Cron,
        TimeZone = schedule.TimeZone,
        Version = schedule.Version,
        NextOccurrence = new Domain.MaintenanceSchedule(schedule).NextOccurrence(time.GetUtcNow()) is { } next
            ? Timestamp.FromDateTime(DateTime.SpecifyKind(next, DateTimeKind.Utc))
            : null,
        CreatedAt = Time(schedule.CreatedAt),
        ChangedAt = Time(schedule.ChangedAt),
    };

    private static void RequireScheduleId(string id)
    {
        if (id.Length == 0) throw Errors.InvalidArgument("schedule_id", "is required");
        if (!ScheduleIdPattern().IsMatch(id)) throw Errors.InvalidArgument("schedule_id", ScheduleIdRule);
    }

    [GeneratedRegex(@"^[A-Za-z0-9_-]{1,40}\z", RegexOptions.CultureInvariant)]
    private static partial Regex ScheduleIdPattern();

    private IScheduleActor Schedule(string scheduleId) => actors.CreateActorProxy<IScheduleActor>(new ActorId(scheduleId), ScheduleActor.TypeName);

    private async Task<ScheduleState> ScheduleCallAsync(string scheduleId, Func<IScheduleActor, Task<ActorReply<ScheduleState>>> call) =>
        (await call(Schedule(scheduleId))).ValueOrThrow();
}
