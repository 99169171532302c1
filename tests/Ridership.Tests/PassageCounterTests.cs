using Mtaeda.Ridership.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Mtaeda.Ridership.Api;
using Mtaeda.Ridership.Domain;
using Mtaeda.Ridership.Handlers;
using Mtaeda.Testing;

namespace Mtaeda.Ridership.Tests;

/// <summary>The counting against a real (local) state store through the Dapr SDK, with no app in between.</summary>
public sealed class PassageCounterTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Seven = new(2026, 11, 23, 7, 0, 0, TimeSpan.Zero);
    private static readonly RidershipOptions Options = new();
    private LocalRuntime _runtime = null!;
    private AppNode _sidecar = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _runtime = LocalRuntime.Create();
        _sidecar = await _runtime.StartSidecarAsync("ridership", Ct);
    }

    public async ValueTask DisposeAsync() => await _runtime.DisposeAsync();

    private PassageCounter Replica(RidershipOptions? options = null) =>
        new(_sidecar.Client, options ?? Options, TimeProvider.System, NullLogger<PassageCounter>.Instance);

    private RidershipQueries Queries => new(_sidecar.Client, Options);

    private static PassageBatch Batch(long ingress, long egress, DateTimeOffset minute, string turnstile = "ts-042-01", string station = "stn-042", string batchId = "", params string[] lines) =>
        new(turnstile, station, lines.Length == 0 ? ["A"] : lines, batchId, new Counts(ingress, egress), minute);

    private async Task<Counts> StationAsync(string station, DateTimeOffset from, DateTimeOffset to) =>
        (await Queries.SeriesAsync(new MinuteRange(from, to), hour => RidershipKeys.StationHour(station, hour), Ct)).Total;

    [Fact]
    public async Task The_same_event_twice_counts_once()
    {
        using var counter = Replica();

        Assert.Equal(CountOutcome.Counted, await counter.CountAsync("event-1", Batch(3, 2, Seven), Ct));
        Assert.Equal(CountOutcome.Duplicate, await counter.CountAsync("event-1", Batch(3, 2, Seven), Ct));

        Assert.Equal(new Counts(3, 2), (await Queries.NetworkTotalsAsync(null, Ct)).Counts);
        Assert.Equal(new Counts(3, 2), await StationAsync("stn-042", Seven, Seven.AddMinutes(1)));
    }

    [Fact]
    public async Task The_same_turnstile_batch_under_another_event_id_counts_once()
    {
        using var counter = Replica();

        await counter.CountAsync("event-1", Batch(3, 2, Seven, batchId: "b-7"), Ct);
        var again = await counter.CountAsync("event-2", Batch(3, 2, Seven, batchId: "b-7"), Ct);
        var otherTurnstile = await counter.CountAsync("event-3", Batch(1, 1, Seven, turnstile: "ts-042-02", batchId: "b-7"), Ct);

        Assert.Equal(CountOutcome.Duplicate, again);
        Assert.Equal(CountOutcome.Counted, otherTurnstile);
        Assert.Equal(new Counts(4, 3), (await Queries.NetworkTotalsAsync(null, Ct)).Counts);
    }

    [Fact]
    public async Task One_call_counts_many_events_and_knows_duplicates_from_the_store_and_from_within_the_call()
    {
        using var counter = Replica();
        await counter.CountAsync("event-1", Batch(1, 0, Seven, batchId: "b-1"), Ct);

        var outcomes = await counter.CountAsync(
        [
            new CountRequest("event-1", Batch(1, 0, Seven, batchId: "b-1")),
            new CountRequest("event-2", Batch(2, 1, Seven, batchId: "b-2")),
            new CountRequest("event-2", Batch(2, 1, Seven, batchId: "b-2")),
            new CountRequest("event-3", Batch(5, 5, Seven.AddMinutes(1), turnstile: "ts-042-02", batchId: "b-2")),
            new CountRequest("event-4", Batch(3, 0, Seven.AddMinutes(1), batchId: "b-2")),
            new CountRequest("event-5", Batch(1, 1, Seven.AddMinutes(1), station: "stn-043", turnstile: "ts-043-01")),
        ], Ct);

        Assert.Equal([CountOutcome.Duplicate, CountOutcome.Counted, CountOutcome.Duplicate, CountOutcome.Counted, CountOutcome.Duplicate, CountOutcome.Counted], outcomes);
        Assert.Equal(new Counts(9, 7), (await Queries.NetworkTotalsAsync(null, Ct)).Counts);
        var station = await Queries.SeriesAsync(new MinuteRange(Seven, Seven.AddHours(1)), hour => RidershipKeys.StationHour("stn-042", hour), Ct);
        Assert.Equal([new MinuteCounts(Seven, new Counts(3, 1)), new MinuteCounts(Seven.AddMinutes(1), new Counts(5, 5))], station.Minutes);
        Assert.Equal(new Counts(1, 1), await StationAsync("stn-043", Seven, Seven.AddHours(1)));
        Assert.Equal(CountOutcome.Duplicate, await counter.CountAsync("event-5", Batch(1, 1, Seven.AddMinutes(1), station: "stn-043", turnstile: "ts-043-01"), Ct));
    }

    [Fact]
    public async Task Two_events_on_the_same_minute_add_up_in_every_view()
    {
        using var counter = Replica();

        await counter.CountAsync("event-1", Batch(3, 2, Seven.AddMinutes(5), lines: ["A", "7"]), Ct);
        await counter.CountAsync("event-2", Batch(4, 1, Seven.AddMinutes(5), turnstile: "ts-042-02", lines: ["A"]), Ct);

        var range = new MinuteRange(Seven, Seven.AddHours(1));
        var station = await Queries.SeriesAsync(range, hour => RidershipKeys.StationHour("stn-042", hour), Ct);
        var lineA = await Queries.SeriesAsync(range, hour => RidershipKeys.LineHour("A", hour), Ct);
        var line7 = await Queries.SeriesAsync(range, hour => RidershipKeys.LineHour("7", hour), Ct);
        var turnstile = await Queries.SeriesAsync(range, hour => RidershipKeys.TurnstileHour("ts-042-01", hour), Ct);

        Assert.Equal([new MinuteCounts(Seven.AddMinutes(5), new Counts(7, 3))], station.Minutes);
        Assert.Equal(new Counts(7, 3), lineA.Total);
        Assert.Equal(new Counts(3, 2), line7.Total);
        Assert.Equal(new Counts(3, 2), turnstile.Total);
        Assert.Equal("stn-042", await Queries.StationOfAsync("ts-042-01", Ct));
        Assert.Equal(string.Empty, await Queries.StationOfAsync("ts-unknown", Ct));
    }

    [Fact]
    public async Task Totals_since_a_time_count_from_that_minute_on()
    {
        using var counter = Replica();
        await counter.CountAsync("e-1", Batch(100, 100, Seven.AddMinutes(4)), Ct);
        await counter.CountAsync("e-2", Batch(1, 2, Seven.AddMinutes(5)), Ct);
        await counter.CountAsync("e-3", Batch(10, 20, Seven.AddHours(3)), Ct);
        await counter.CountAsync("e-4", Batch(1000, 2000, Seven.AddDays(1)), Ct);

        var since = await Queries.NetworkTotalsAsync(Seven.AddMinutes(5).AddSeconds(40), Ct);
        var all = await Queries.NetworkTotalsAsync(null, Ct);
        var fromBefore = await Queries.NetworkTotalsAsync(Seven.AddDays(-1), Ct);
        var future = await Queries.NetworkTotalsAsync(Seven.AddDays(2), Ct);

        Assert.Equal(new Counts(1011, 2022), since.Counts);
        Assert.Equal(Seven.AddMinutes(5), since.Since);
        Assert.Equal(new Counts(1111, 2122), all.Counts);
        Assert.NotNull(all.Since);
        Assert.Equal(all.Counts, fromBefore.Counts);
        Assert.Equal(default, future.Counts);
    }

    [Fact]
    public async Task Replicas_counting_into_the_same_documents_at_once_lose_nothing_and_count_a_shared_event_once()
    {
        // Patient replicas: the race below meets ETag conflicts (about a dozen per run here), and no event may give up.
        var patient = new RidershipOptions { MaxAttempts = 1000 };
        using var first = Replica(patient);
        using var second = Replica(patient);
        using var third = Replica(patient);
        var replicas = new[] { first, second, third };

        // 60 distinct events spread over three replicas, all into the same station, line and network documents, plus
        // one event every replica receives (a redelivery racing itself).
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 60)
            .Select(i => replicas[i % 3].CountAsync($"event-{i}", Batch(1, 2, Seven, turnstile: $"ts-{i % 4}"), Ct))
            .Concat(replicas.Select(replica => replica.CountAsync("shared", Batch(1000, 1000, Seven), Ct))));

        Assert.Equal(61, outcomes.Count(outcome => outcome == CountOutcome.Counted));
        Assert.Equal(new Counts(1060, 1120), (await Queries.NetworkTotalsAsync(null, Ct)).Counts);
        Assert.Equal(new Counts(1060, 1120), await StationAsync("stn-042", Seven, Seven.AddMinutes(1)));
    }

    [Fact]
    public async Task A_restarted_replica_knows_what_was_counted_from_the_store_alone()
    {
        using (var before = Replica()) await before.CountAsync("event-1", Batch(3, 2, Seven), Ct);

        using var after = Replica();
        var redelivered = await after.CountAsync("event-1", Batch(3, 2, Seven), Ct);
        await after.CountAsync("event-2", Batch(1, 1, Seven), Ct);

        Assert.Equal(CountOutcome.Duplicate, redelivered);
        Assert.Equal(new Counts(4, 3), (await Queries.NetworkTotalsAsync(null, Ct)).Counts);
    }
}
