using Mtaeda.Contracts.Gateway.V1;
using Mtaeda.Gateway.Domain;

namespace Mtaeda.Gateway.Tests;

public sealed class BatchingTests
{
    private static readonly DateTimeOffset Noon = new(2026, 3, 2, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_passage_in_the_next_utc_minute_cuts_the_batch_at_the_boundary()
    {
        var batcher = new PassageBatcher("ts-001-01", new BatchingPolicy(TimeSpan.FromSeconds(30), 1000));
        Assert.Empty(batcher.Add(1, Noon.AddSeconds(58), PassageDirection.Ingress, Noon));
        Assert.Empty(batcher.Add(2, Noon.AddSeconds(59.999), PassageDirection.Egress, Noon));

        var cut = Assert.Single(batcher.Add(3, Noon.AddMinutes(1), PassageDirection.Ingress, Noon));

        Assert.Equal(new PassageBatch("ts-001-01", 1, 2, 1, 1, Noon.AddSeconds(58), Noon.AddSeconds(59.999)), cut);
        Assert.Equal(3ul, batcher.FirstSequence);
        var rest = batcher.Flush()!;
        Assert.Equal((3ul, 3ul, 1L, 0L), (rest.FirstSequence, rest.LastSequence, rest.Ingress, rest.Egress));
        Assert.Equal(PassageBatcher.MinuteOf(rest.IntervalStart), PassageBatcher.MinuteOf(rest.IntervalEnd));
    }

    [Fact]
    public void Every_batch_lies_within_one_utc_minute_even_when_device_time_goes_back()
    {
        var batcher = new PassageBatcher("ts-1", new BatchingPolicy(TimeSpan.FromSeconds(30), 1000));
        var times = new[] { 10.0, 50, 61, 59, 62, 125, 119 };
        var cuts = new List<PassageBatch>();
        for (var i = 0; i < times.Length; i++) cuts.AddRange(batcher.Add((ulong)i + 1, Noon.AddSeconds(times[i]), PassageDirection.Ingress, Noon));
        cuts.Add(batcher.Flush()!);

        Assert.All(cuts, b => Assert.Equal(PassageBatcher.MinuteOf(b.IntervalStart), PassageBatcher.MinuteOf(b.IntervalEnd)));
        Assert.All(cuts, b => Assert.True(b.IntervalStart <= b.IntervalEnd));
        Assert.Equal(times.Length, cuts.Sum(b => b.Passages));
        Assert.Equal([1ul, 3, 4, 5, 6, 7], cuts.Select(b => b.FirstSequence));
    }

    [Fact]
    public void A_batch_is_cut_at_the_passage_limit_and_after_the_delay()
    {
        var batcher = new PassageBatcher("ts-1", new BatchingPolicy(TimeSpan.FromMilliseconds(200), 3));
        Assert.Empty(batcher.Add(1, Noon, PassageDirection.Ingress, Noon));
        Assert.Empty(batcher.Add(2, Noon, PassageDirection.Ingress, Noon));
        var full = Assert.Single(batcher.Add(3, Noon, PassageDirection.Egress, Noon));
        Assert.Equal((1ul, 3ul, 2L, 1L), (full.FirstSequence, full.LastSequence, full.Ingress, full.Egress));
        Assert.False(batcher.IsOpen);

        batcher.Add(4, Noon.AddSeconds(1), PassageDirection.Ingress, Noon.AddSeconds(1));
        Assert.Equal(Noon.AddMilliseconds(1200), batcher.Deadline);
        Assert.Null(batcher.FlushIfDue(Noon.AddMilliseconds(1199)));
        var due = batcher.FlushIfDue(Noon.AddMilliseconds(1200));
        Assert.Equal(4ul, due!.FirstSequence);
        Assert.Null(batcher.Deadline);
        Assert.Null(batcher.Flush());
    }

    [Fact]
    public void Batch_ids_are_deterministic_from_device_and_sequences()
    {
        var a = new PassageBatch("ts-042-03", 17, 42, 20, 6, Noon, Noon);
        var b = a with { Ingress = 1, Egress = 1, IntervalEnd = Noon.AddSeconds(5) };

        Assert.Equal("ts-042-03.p17-42", a.BatchId);
        Assert.Equal(a.BatchId, b.BatchId);
        Assert.NotEqual(a.BatchId, BatchIds.ForPassages("ts-042-03", 17, 43));
        Assert.NotEqual(a.BatchId, BatchIds.ForPassages("ts-042-04", 17, 42));
        Assert.Equal("ts-042-03.f7", BatchIds.ForFault("ts-042-03", 7));
        var request = a.ToRequest();
        Assert.Equal(("ts-042-03.p17-42", "ts-042-03", 20L, 6L), (request.BatchId, request.TurnstileId, request.Ingress, request.Egress));
    }

    [Fact]
    public void Batch_ids_of_long_device_ids_keep_to_the_id_convention_and_stay_distinct()
    {
        var longA = new string('a', 60) + "-001";
        var longB = new string('a', 60) + "-002";
        var idA = BatchIds.ForPassages(longA, ulong.MaxValue - 1, ulong.MaxValue);
        var idB = BatchIds.ForPassages(longB, ulong.MaxValue - 1, ulong.MaxValue);

        Assert.InRange(idA.Length, 1, 64);
        Assert.Matches("^[A-Za-z0-9._-]+$", idA);
        Assert.NotEqual(idA, idB);
        Assert.Equal(idA, BatchIds.ForPassages(longA, ulong.MaxValue - 1, ulong.MaxValue));
    }

    [Theory]
    [InlineData(0ul, "heartbeat", "sequence")]
    [InlineData(1ul, "none", "signal")]
    [InlineData(1ul, "passage-no-time", "occurred_at")]
    [InlineData(1ul, "passage-no-direction", "passage.direction")]
    [InlineData(1ul, "fault-no-kind", "fault.kind")]
    public void Invalid_signals_are_named_by_field(ulong sequence, string kind, string field)
    {
        var signal = new DeviceSignal { Sequence = sequence };
        var time = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(Noon);
        switch (kind)
        {
            case "heartbeat": signal.Heartbeat = new Heartbeat(); break;
            case "passage-no-time": signal.Passage = new Passage { Direction = PassageDirection.Ingress }; break;
            case "passage-no-direction": signal.Passage = new Passage(); signal.OccurredAt = time; break;
            case "fault-no-kind": signal.Fault = new Fault(); signal.OccurredAt = time; break;
        }
        Assert.StartsWith(field + ":", SignalRules.Validate(signal));
    }
}
