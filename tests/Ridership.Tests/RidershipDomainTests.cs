using Mtaeda.Contracts;
using Google.Protobuf.WellKnownTypes;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Ridership.Domain;

namespace Mtaeda.Ridership.Tests;

public sealed class RidershipDomainTests
{
    private static readonly DateTimeOffset Seven = new(2026, 11, 23, 7, 0, 0, TimeSpan.Zero);

    private static PassagesRecorded Event(long ingress = 3, long egress = 2, DateTimeOffset? at = null, params string[] lines) => new()
    {
        BatchId = "b-1",
        TurnstileId = "ts-042-01",
        StationId = "stn-042",
        LineIds = { lines.Length == 0 ? ["A"] : lines },
        Ingress = ingress,
        Egress = egress,
        IntervalStart = Timestamp.FromDateTimeOffset(at ?? Seven.AddSeconds(75)),
        IntervalEnd = Timestamp.FromDateTimeOffset((at ?? Seven.AddSeconds(75)).AddSeconds(20)),
        RecordedAt = Timestamp.FromDateTimeOffset(Seven.AddMinutes(5)),
    };

    [Fact]
    public void A_batch_is_counted_in_the_minute_of_its_first_passage()
    {
        var batch = PassageBatch.From(Event(lines: ["A", "7", "A"]), Seven.AddHours(1));

        Assert.Equal(Seven.AddMinutes(1), batch.Minute);
        Assert.Equal(new Counts(3, 2), batch.Counts);
        Assert.Equal(["A", "7"], batch.LineIds);
    }

    [Fact]
    public void Without_an_interval_the_batch_counts_when_recorded_or_else_when_received()
    {
        var recorded = Event();
        recorded.IntervalStart = null;
        var bare = Event();
        bare.IntervalStart = null;
        bare.RecordedAt = null;

        Assert.Equal(Seven.AddMinutes(5), PassageBatch.From(recorded, Seven.AddHours(2)).Minute);
        Assert.Equal(Seven.AddHours(2), PassageBatch.From(bare, Seven.AddHours(2).AddSeconds(59)).Minute);
    }

    [Fact]
    public void A_batch_that_cannot_be_counted_names_the_field()
    {
        var noTurnstile = Event();
        noTurnstile.TurnstileId = "";
        var badStation = Event();
        badStation.StationId = "stn 42";
        var badLine = Event(lines: ["A", "B:2"]);

        Assert.Equal("turnstile_id", Assert.Throws<DomainRefusalException>(() => PassageBatch.From(noTurnstile, Seven)).Field);
        Assert.Equal("station_id", Assert.Throws<DomainRefusalException>(() => PassageBatch.From(badStation, Seven)).Field);
        Assert.Equal("line_ids[1]", Assert.Throws<DomainRefusalException>(() => PassageBatch.From(badLine, Seven)).Field);
        Assert.Equal("ingress", Assert.Throws<DomainRefusalException>(() => PassageBatch.From(Event(ingress: -1), Seven)).Field);
        Assert.Equal("egress", Assert.Throws<DomainRefusalException>(() => PassageBatch.From(Event(egress: -1), Seven)).Field);
    }

    [Fact]
    public void A_batch_adds_to_its_station_turnstile_lines_and_the_network_once_each()
    {
        var batch = PassageBatch.From(Event(lines: ["A", "7"]), Seven);

        var plan = Counting.Plan(batch);

        Assert.Equal(
        [
            "ridership:station:stn-042:2026112307",
            "ridership:turnstile:ts-042-01:2026112307",
            "ridership:line:A:2026112307",
            "ridership:line:7:2026112307",
            "ridership:network:hour:2026112307",
            "ridership:network:day:20261123",
            "ridership:network:total",
        ], plan.Select(update => update.Key));
    }

    [Fact]
    public void Applying_adds_to_the_minute_the_hour_and_the_total_without_touching_what_was_read()
    {
        var first = PassageBatch.From(Event(3, 2), Seven);
        var second = PassageBatch.From(Event(1, 4), Seven);
        var now = Seven.AddMinutes(30).AddSeconds(12);

        var hour = Counting.Apply(Counting.Apply(null, TallyRole.Hour, first, now), TallyRole.Hour, second, now);
        var day = Counting.Apply(null, TallyRole.Day, first, now);
        var read = Counting.Apply(null, TallyRole.Total, first, now);
        var total = Counting.Apply(read, TallyRole.Total, PassageBatch.From(Event(at: Seven.AddDays(-1)), now), now.AddHours(1));

        Assert.Equal(new Counts(4, 6), hour.Slot(1));
        Assert.Equal(new Counts(4, 6), hour.Total);
        Assert.Equal(new Counts(3, 2), day.Slot(7));
        Assert.Equal(new Counts(3, 2), read.Total);
        Assert.Equal(new Counts(6, 4), total.Total);
        Assert.Equal(Seven.AddMinutes(30), total.CountingSince);
        Assert.Equal(Seven.AddDays(-1), total.EarliestMinute);
        Assert.Equal(Seven.AddMinutes(1), total.LatestMinute);
    }

    [Fact]
    public void A_tally_survives_its_round_trip_through_the_store()
    {
        var tally = Counting.Apply(null, TallyRole.Total, PassageBatch.From(Event(), Seven), Seven);
        tally.Add(new Counts(1, 1), 59);

        var read = Tally.FromJson(System.Text.Encoding.UTF8.GetString(tally.ToJson()))!;

        Assert.Equal(tally.Total, read.Total);
        Assert.Equal(new Counts(1, 1), read.Slot(59));
        Assert.Equal(tally.CountingSince, read.CountingSince);
        Assert.Null(Tally.FromJson(""));
    }

    [Fact]
    public void A_series_keeps_the_minutes_of_the_half_open_range_that_had_passages()
    {
        var hour7 = new Tally();
        hour7.Add(new Counts(1, 0), 58);
        hour7.Add(new Counts(2, 0), 59);
        hour7.Add(new Counts(0, 0), 30);
        var hour8 = new Tally();
        hour8.Add(new Counts(0, 3), 0);
        hour8.Add(new Counts(5, 5), 1);
        var range = new MinuteRange(Seven.AddMinutes(59), Seven.AddMinutes(61));

        var (minutes, total) = Figures.Series(range, [(Seven.AddHours(1), hour8), (Seven, hour7)]);

        Assert.Equal([Seven.AddMinutes(59), Seven.AddMinutes(60)], minutes.Select(m => m.Minute));
        Assert.Equal(new Counts(2, 3), total);
    }

    [Fact]
    public void A_range_defaults_to_the_last_hour_up_to_the_minute_in_progress_and_refuses_bad_bounds()
    {
        var now = Seven.AddSeconds(30);

        var defaulted = MinuteRange.Resolve(null, null, now);
        var given = MinuteRange.Resolve(Seven.AddSeconds(59), Seven.AddMinutes(10).AddSeconds(1), now);

        Assert.Equal(new MinuteRange(Seven.AddMinutes(-59), Seven.AddMinutes(1)), defaulted);
        Assert.Equal(new MinuteRange(Seven, Seven.AddMinutes(10)), given);
        Assert.Equal(2, defaulted.Hours.Count());
        Assert.Equal("start_time", Assert.Throws<DomainRefusalException>(() => MinuteRange.Resolve(Seven.AddMinutes(2), Seven, now)).Field);
        Assert.Equal("end_time", Assert.Throws<DomainRefusalException>(() => MinuteRange.Resolve(Seven, Seven.AddMinutes(1441), now)).Field);
        Assert.Equal(25, MinuteRange.Resolve(Seven.AddMinutes(30), Seven.AddMinutes(1470), now).Hours.Count());
    }

    [Fact]
    public void Network_totals_since_a_minute_add_its_hour_from_that_minute_the_rest_of_its_day_and_every_later_day()
    {
        var now = Seven.AddDays(2);
        Tally? total = null;
        var documents = new Dictionary<string, Tally?>();
        void Count(DateTimeOffset at, long ingress, long egress)
        {
            var batch = PassageBatch.From(Event(ingress, egress, at), now);
            foreach (var update in Counting.Plan(batch))
            {
                if (update.Role == TallyRole.Total) total = Counting.Apply(total, update.Role, batch, now);
                else documents[update.Key] = Counting.Apply(documents.GetValueOrDefault(update.Key), update.Role, batch, now);
            }
        }

        Count(Seven.AddMinutes(4), 100, 100);            // before
        Count(Seven.AddMinutes(5), 1, 2);                // the minute itself
        Count(Seven.AddMinutes(59), 10, 20);             // later in the hour
        Count(Seven.AddHours(5), 100, 200);              // later that day
        Count(Seven.AddDays(1).AddHours(-7), 1000, 2000); // the next day, midnight
        var since = Seven.AddMinutes(5);

        var keys = Figures.NetworkKeysSince(since, total);
        var counts = Figures.NetworkSince(since, total, documents);

        Assert.Equal(["ridership:network:hour:2026112307", "ridership:network:day:20261123", "ridership:network:day:20261124"], keys);
        Assert.Equal(new Counts(1111, 2222), counts);
        Assert.Equal(total!.Total, Figures.NetworkSince(Seven.AddDays(-3), total, new Dictionary<string, Tally?>()));
        Assert.Empty(Figures.NetworkKeysSince(Seven.AddDays(-3), total));
        Assert.Equal(default, Figures.NetworkSince(Seven.AddDays(3), total, documents));
        Assert.Equal(default, Figures.NetworkSince(since, null, documents));
    }
}
