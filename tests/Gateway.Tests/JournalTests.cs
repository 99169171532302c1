using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Contracts.Gateway.V1;
using Mtaeda.Gateway.Devices;
using Mtaeda.Gateway.Journal;
using Mtaeda.Testing;

namespace Mtaeda.Gateway.Tests;

public sealed class JournalTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private JournalOptions Options => new() { Directory = _dir.Path, IdleRollInterval = TimeSpan.FromMilliseconds(20) };

    private static JournalEntry Batch(string device, ulong first, ulong last) => new()
    {
        DeviceId = device,
        FirstSequence = first,
        LastSequence = last,
        JournaledAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
        RecordPassages = new RecordPassagesRequest { BatchId = $"{device}.p{first}-{last}", TurnstileId = device, Ingress = (long)(last - first + 1) },
    };

    private static EntryDone Done(JournalEntry entry, RejectionReason? rejected = null) => new()
    {
        EntryId = entry.EntryId,
        DeviceId = entry.DeviceId,
        FirstSequence = entry.FirstSequence,
        LastSequence = entry.LastSequence,
        Rejected = rejected is not null,
        Reason = rejected ?? RejectionReason.Unspecified,
    };

    [Fact]
    public async Task Entries_are_replayed_in_order_after_a_restart_except_the_completed_ones()
    {
        var outcomes = new DeviceOutcomes();
        await using (var journal = PassageJournal.Open(Options, outcomes))
        {
            var a1 = await journal.AppendAsync(Batch("ts-a", 1, 10));
            var b1 = await journal.AppendAsync(Batch("ts-b", 1, 5));
            var a2 = await journal.AppendAsync(Batch("ts-a", 11, 12));
            journal.Append(Batch("ts-a", 14, 20));
            await journal.FlushAsync();
            await journal.CompleteAsync(Done(b1));
            // Each fsync's entries are reported once, in journal order, through the registry's outcome channel.
            var durable = new List<ulong>();
            while (outcomes.Reader.TryRead(out var outcome))
            {
                Assert.Equal(DeviceOutcomeKind.Durable, outcome.Kind);
                durable.AddRange(outcome.Entries!.Select(e => e.EntryId));
            }
            Assert.Equal([a1.EntryId, b1.EntryId, a2.EntryId, a2.EntryId + 1], durable);
            Assert.Equal(3, journal.PendingCount);
        }

        await using var reopened = PassageJournal.Open(Options);
        Assert.Equal(3, reopened.PendingCount);
        var a = reopened.Recovered["ts-a"];
        Assert.Equal([(1ul, 10ul), (11ul, 12ul), (14ul, 20ul)], a.Pending.Select(e => (e.FirstSequence, e.LastSequence)));
        Assert.Equal("ts-a.p11-12", a.Pending[1].RecordPassages.BatchId);
        Assert.Equal(20ul, a.AcceptedThrough);
        Assert.Empty(reopened.Recovered["ts-b"].Pending);
        Assert.Equal(5ul, reopened.Recovered["ts-b"].AcceptedThrough);

        // Ids keep growing across restarts.
        var next = await reopened.AppendAsync(Batch("ts-b", 6, 6));
        Assert.True(next.EntryId > a.Pending[^1].EntryId);
    }

    [Fact]
    public async Task Confirmed_entries_are_deleted_and_what_they_knew_survives_in_the_checkpoint()
    {
        await using (var journal = PassageJournal.Open(Options))
        {
            var entries = new List<JournalEntry>();
            for (ulong i = 0; i < 50; i++) entries.Add(journal.Append(Batch($"ts-{i % 5}", (i * 10) + 1, (i * 10) + 10)));
            await journal.FlushAsync();
            Assert.Equal(50, journal.PendingCount);
            Assert.Contains(journal.SegmentFiles(), f => new FileInfo(f).Length > 0);

            await Task.WhenAll(entries.Select(e => journal.CompleteAsync(Done(e))));
            Assert.Equal(0, journal.PendingCount);
            await Eventually.UntilAsync(() => journal.SegmentFiles().All(f => new FileInfo(f).Length == 0), "the confirmed segments to be deleted", cancellationToken: TestContext.Current.CancellationToken);
        }

        await using var reopened = PassageJournal.Open(Options);
        Assert.Equal(0, reopened.PendingCount);
        Assert.All(reopened.Recovered.Values, d => Assert.Empty(d.Pending));
        Assert.Equal(500ul, reopened.Recovered["ts-4"].AcceptedThrough);
        Assert.Equal(460ul, reopened.Recovered["ts-0"].AcceptedThrough);
    }

    [Theory]
    [InlineData("header")]
    [InlineData("payload")]
    [InlineData("checksum")]
    public async Task A_torn_last_record_is_ignored_and_cut_off(string damage)
    {
        string segment;
        await using (var journal = PassageJournal.Open(Options))
        {
            for (ulong i = 1; i <= 3; i++) await journal.AppendAsync(Batch("ts-a", i, i));
            segment = journal.SegmentFiles().Single(f => new FileInfo(f).Length > 0);
        }
        var intact = new FileInfo(segment).Length;
        await using (var stream = new FileStream(segment, FileMode.Open, FileAccess.ReadWrite))
        {
            switch (damage)
            {
                case "header":
                    stream.Seek(0, SeekOrigin.End);
                    stream.Write([0x20, 0x00, 0x00]);
                    break;
                case "payload":
                    stream.Seek(0, SeekOrigin.End);
                    stream.Write([0x40, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x0A, 0x01]);
                    break;
                case "checksum":
                    // The last record was cut short mid-write: flip a byte of its payload.
                    stream.Seek(-1, SeekOrigin.End);
                    var last = stream.ReadByte();
                    stream.Seek(-1, SeekOrigin.End);
                    stream.WriteByte((byte)(last ^ 0xFF));
                    break;
            }
        }

        await using (var reopened = PassageJournal.Open(Options))
        {
            var expected = damage == "checksum" ? new ulong[] { 1, 2 } : [1, 2, 3];
            Assert.Equal(expected, reopened.Recovered["ts-a"].Pending.Select(e => e.FirstSequence));
            Assert.True(new FileInfo(segment).Length <= intact);
            await reopened.AppendAsync(Batch("ts-a", 4, 4));
        }

        await using var again = PassageJournal.Open(Options);
        Assert.Equal(4ul, again.Recovered["ts-a"].Pending[^1].FirstSequence);
    }

    [Fact]
    public async Task A_rejection_not_yet_delivered_is_kept_for_its_device_across_restarts()
    {
        await using (var journal = PassageJournal.Open(Options))
        {
            var delivered = await journal.AppendAsync(Batch("ts-a", 1, 3));
            var kept = await journal.AppendAsync(Batch("ts-a", 4, 6));
            await journal.CompleteAsync(Done(delivered, RejectionReason.OutOfService));
            journal.RejectionDelivered(delivered.EntryId);
            await journal.CompleteAsync(Done(kept, RejectionReason.Decommissioned));
            await Eventually.UntilAsync(() => journal.SegmentFiles().All(f => new FileInfo(f).Length == 0), "the segments to be checkpointed and deleted", cancellationToken: TestContext.Current.CancellationToken);
        }

        await using var reopened = PassageJournal.Open(Options);
        var rejection = Assert.Single(reopened.Recovered["ts-a"].Undelivered);
        Assert.Equal((4ul, 6ul, RejectionReason.Decommissioned), (rejection.FirstSequence, rejection.LastSequence, rejection.Reason));
        Assert.Empty(reopened.Recovered["ts-a"].Pending);
    }

    [Fact]
    public async Task A_journal_whose_directory_was_removed_recreates_it_and_goes_on()
    {
        await using var journal = PassageJournal.Open(Options);
        var first = await journal.AppendAsync(Batch("ts-a", 1, 1));
        await journal.CompleteAsync(Done(first));
        // Removed once the journal is idle (its finished segment rolled away and deleted): the directory is not pulled
        // from under a roll or a checkpoint the writer is making at that moment (that case: the test below).
        await Eventually.UntilAsync(() => journal.SegmentFiles() is [var active] && new FileInfo(active).Length == 0, "the finished segment to be rolled away", cancellationToken: TestContext.Current.CancellationToken);
        Directory.Delete(_dir.Path, recursive: true);

        // The next append must still become durable, in a recreated directory.
        var second = await journal.AppendAsync(Batch("ts-a", 2, 2)).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Equal(1, journal.PendingCount);
        Assert.True(Directory.Exists(_dir.Path));
        Assert.Contains(journal.SegmentFiles(), f => new FileInfo(f).Length > 0);
        Assert.True(second.EntryId > first.EntryId);
    }

    [Fact]
    public async Task A_segment_that_cannot_be_created_is_tried_again_until_it_can_and_the_append_becomes_durable()
    {
        var logs = new CapturingLoggerProvider();
        await using var journal = PassageJournal.Open(Options with { IdleRollInterval = TimeSpan.FromHours(1) }, logger: logs.CreateLogger("journal"));
        var first = await journal.AppendAsync(Batch("ts-a", 1, 1));
        // A plain file where the directory was: the roll to a new segment closes the old one, then cannot create the next.
        Directory.Delete(_dir.Path, recursive: true);
        await File.WriteAllBytesAsync(_dir.Path, [], TestContext.Current.CancellationToken);

        var second = journal.AppendAsync(Batch("ts-a", 2, 2));
        await Eventually.UntilAsync(() => logs.Entries.Any(e => e.Level == LogLevel.Error), "a failed write to be logged", cancellationToken: TestContext.Current.CancellationToken);
        File.Delete(_dir.Path);

        // The writer goes on trying (it does not die on the stream the failed roll closed) and the append becomes durable.
        var entry = await second.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.True(entry.EntryId > first.EntryId);
        Assert.Equal(2, journal.PendingCount);
        Assert.Contains(journal.SegmentFiles(), f => new FileInfo(f).Length > 0);
    }

    public void Dispose()
    {
        if (File.Exists(_dir.Path)) File.Delete(_dir.Path);
        _dir.Dispose();
    }
}
