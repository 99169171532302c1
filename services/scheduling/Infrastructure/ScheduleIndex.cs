using Dapr.Client;

namespace Mtaeda.Scheduling.Infrastructure;

/// <summary>
/// The ids of every schedule ever created, sorted, under <see cref="Key"/> (see <see cref="SortedIdIndex"/>). A removed
/// schedule stays listed (its actor keeps it as removed, so its id can be created again) and ListSchedules leaves it
/// out. CreateSchedule adds the id after the actor accepted the schedule; a crash between the two is mended by the
/// caller's repeat.
/// </summary>
/// <param name="dapr">The Dapr client.</param>
/// <param name="options">Where the index is kept.</param>
public sealed class ScheduleIndex(DaprClient dapr, SchedulingOptions options) : SortedIdIndex(dapr, options.StateStoreName, Key, "schedule")
{
    /// <summary>The state key of the index.</summary>
    public const string Key = "schedules-index";
}
