using System.Globalization;

namespace Mtaeda.Testing;

/// <summary>
/// A cron schedule made to come due a few seconds from now, for tests that watch it fire. A preventive schedule's
/// occurrences count from the time the service stores it (created or changed; docs/adr/0006-preventive-schedules.md), so a
/// time chosen a few seconds ahead has already passed when storing the schedule took longer than that (a loaded machine:
/// the device lookup, the actor, the sidecars), and the schedule then first comes due a whole period (an hour) later.
/// <see cref="StoreAheadAsync"/> checks the stored time against the due time and, while it is not before it, moves the
/// schedule to a time twice as far ahead, so the wait follows the machine's own speed.
/// </summary>
public static class CronDue
{
    /// <summary>How many times the due time is chosen at most (the lead doubling each time) before the test fails.</summary>
    public const int MaxAttempts = 5;

    /// <summary>A six-field cron expression due once an hour, at the minute and second of <paramref name="due"/>.</summary>
    /// <param name="due">The time (UTC; the expression is read in a time zone whose offset is whole hours).</param>
    /// <returns>The expression.</returns>
    public static string OnceAt(DateTime due) => string.Create(CultureInfo.InvariantCulture, $"{due.Second} {due.Minute} * * * *");

    /// <summary>The first whole second (UTC) at least <paramref name="lead"/> from <paramref name="now"/>.</summary>
    /// <param name="lead">How far ahead.</param>
    /// <param name="now">The time (UTC).</param>
    /// <returns>The time.</returns>
    public static DateTime Ahead(TimeSpan lead, DateTime now)
    {
        var at = now.ToUniversalTime() + lead;
        var whole = new DateTime(at.Ticks - (at.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
        return whole == at ? whole : whole.AddSeconds(1);
    }

    /// <summary>
    /// Stores a schedule due once an hour at a whole second at least <paramref name="lead"/> ahead, and makes sure the service
    /// stored it before that time: <paramref name="create"/> is given the due time and answers the time the service stored
    /// the schedule at (its <c>changed_at</c>); while that is not before the due time, <paramref name="change"/> moves the
    /// schedule to a new due time twice as far ahead (at most <see cref="MaxAttempts"/> times in all).
    /// </summary>
    /// <param name="lead">How far ahead the first due time is chosen.</param>
    /// <param name="create">Creates the schedule due at the given time; answers its stored time.</param>
    /// <param name="change">Changes the schedule to be due at the given time; answers its stored time.</param>
    /// <param name="clock">The clock (real time unless a test says otherwise).</param>
    /// <returns>The due time of the stored schedule's first occurrence.</returns>
    /// <exception cref="TimeoutException">The schedule was stored after its due time on every attempt.</exception>
    public static async Task<DateTime> StoreAheadAsync(TimeSpan lead, Func<DateTime, Task<DateTime>> create, Func<DateTime, Task<DateTime>> change, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(create);
        ArgumentNullException.ThrowIfNull(change);
        clock ??= TimeProvider.System;
        var due = Ahead(lead, clock.GetUtcNow().UtcDateTime);
        var stored = await create(due);
        for (var attempt = 1; stored.ToUniversalTime() >= due; attempt++)
        {
            if (attempt == MaxAttempts)
                throw new TimeoutException($"the schedule was stored at {stored:O}, after its due time {due:O}, on each of {MaxAttempts} attempts (last lead {lead})");
            lead *= 2;
            due = Ahead(lead, clock.GetUtcNow().UtcDateTime);
            stored = await change(due);
        }

        return due;
    }
}
