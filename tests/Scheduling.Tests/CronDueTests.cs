using Microsoft.Extensions.Time.Testing;
using Mtaeda.Scheduling.Domain;

namespace Mtaeda.Scheduling.Tests;

/// <summary>
/// <see cref="CronDue"/>, the tests' way to have a schedule come due a few seconds ahead: the stored schedule's first
/// occurrence is the first after the time it was stored (so a slow store moves it a whole period on), and the helper moves
/// the schedule further ahead until it is stored before its time.
/// </summary>
public sealed class CronDueTests
{
    private static readonly DateTime Start = new(2026, 12, 7, 11, 13, 31, 917, DateTimeKind.Utc);

    [Fact]
    public void A_schedule_stored_after_its_due_time_first_comes_due_an_hour_later()
    {
        // As seen under load: due 11:13:39 chosen at 11:13:31.9, stored at 11:13:37.7 (in time) or, slower, at 11:13:39.2.
        var due = CronDue.Ahead(TimeSpan.FromSeconds(7), Start);
        var recurrence = Recurrence.Parse(CronDue.OnceAt(due), "America/New_York");
        Assert.Equal(due, recurrence.NextAfter(new DateTime(2026, 12, 7, 11, 13, 37, 700, DateTimeKind.Utc)));
        Assert.Equal(due.AddHours(1), recurrence.NextAfter(new DateTime(2026, 12, 7, 11, 13, 39, 200, DateTimeKind.Utc)));
    }

    [Fact]
    public void The_due_time_is_the_first_whole_second_at_least_the_lead_ahead()
    {
        Assert.Equal(new DateTime(2026, 12, 7, 11, 13, 40, DateTimeKind.Utc), CronDue.Ahead(TimeSpan.FromSeconds(8), Start));
        Assert.Equal(new DateTime(2026, 12, 7, 11, 13, 39, DateTimeKind.Utc), CronDue.Ahead(TimeSpan.FromSeconds(8), Start.AddMilliseconds(-917)));
        Assert.Equal("40 13 * * * *", CronDue.OnceAt(CronDue.Ahead(TimeSpan.FromSeconds(8), Start)));
    }

    [Fact]
    public async Task A_schedule_stored_in_time_keeps_its_first_due_time()
    {
        var clock = new FakeTimeProvider(Start);
        Func<DateTime, Task<DateTime>> never = _ => throw new InvalidOperationException("a schedule stored in time is not changed");
        var due = await CronDue.StoreAheadAsync(TimeSpan.FromSeconds(8), _ => Stored(clock, TimeSpan.FromSeconds(5)), never, clock);
        Assert.Equal(new DateTime(2026, 12, 7, 11, 13, 40, DateTimeKind.Utc), due);
    }

    [Fact]
    public async Task A_schedule_stored_after_its_due_time_is_moved_twice_as_far_ahead_until_it_is_stored_in_time()
    {
        var clock = new FakeTimeProvider(Start);
        var asked = new List<DateTime>();
        // Each store takes 20 s: the 8 s lead and the 16 s one (counted from the previous store) are too short, the 32 s one is enough.
        var store = (DateTime at) =>
        {
            asked.Add(at);
            return Stored(clock, TimeSpan.FromSeconds(20));
        };
        var due = await CronDue.StoreAheadAsync(TimeSpan.FromSeconds(8), store, store, clock);
        Assert.Equal(
            [new DateTime(2026, 12, 7, 11, 13, 40, DateTimeKind.Utc), new DateTime(2026, 12, 7, 11, 14, 8, DateTimeKind.Utc), new DateTime(2026, 12, 7, 11, 14, 44, DateTimeKind.Utc)],
            asked);
        Assert.Equal(asked[^1], due);
    }

    [Fact]
    public async Task A_schedule_never_stored_in_time_fails_the_test_after_the_last_attempt()
    {
        var clock = new FakeTimeProvider(Start);
        var attempts = 0;
        var store = (DateTime at) =>
        {
            attempts++;
            clock.SetUtcNow(at.AddSeconds(1));
            return Task.FromResult(clock.GetUtcNow().UtcDateTime);
        };
        var failure = await Assert.ThrowsAsync<TimeoutException>(() => CronDue.StoreAheadAsync(TimeSpan.FromSeconds(8), store, store, clock));
        Assert.Equal(CronDue.MaxAttempts, attempts);
        Assert.Contains("after its due time", failure.Message, StringComparison.Ordinal);
    }

    /// <summary>A store that takes <paramref name="took"/> on <paramref name="clock"/>, answering the time it stored at.</summary>
    private static Task<DateTime> Stored(FakeTimeProvider clock, TimeSpan took)
    {
        clock.Advance(took);
        return Task.FromResult(clock.GetUtcNow().UtcDateTime);
    }
}
