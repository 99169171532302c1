using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Threading.Channels;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Mtaeda.Contracts.Gateway.V1;
using Mtaeda.Gateway.Devices;

namespace Mtaeda.Gateway.Journal;

/// <summary>Where and how the journal keeps its files.</summary>
internal sealed record JournalOptions
{
    /// <summary>The journal's directory (one per gateway app-id); created when missing.</summary>
    public required string Directory { get; init; }

    /// <summary>A segment is closed and a new one started once it holds this many bytes.</summary>
    public long SegmentBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>fsync after every group of records (turn off only for tests on throw-away directories).</summary>
    public bool Fsync { get; init; } = true;

    /// <summary>When nothing is pending, the active segment is closed (and so deleted) at most this often.</summary>
    public TimeSpan IdleRollInterval { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>What the journal knew of a device when it was opened.</summary>
/// <param name="DeviceId">The device.</param>
internal sealed record RecoveredDevice(string DeviceId)
{
    /// <summary>Highest sequence the journal ever held for the device.</summary>
    public ulong AcceptedThrough { get; set; }

    /// <summary>Entries still to forward, in order.</summary>
    public List<JournalEntry> Pending { get; } = [];

    /// <summary>Rejections that may not have reached the device yet, in order.</summary>
    public List<UndeliveredRejection> Undelivered { get; } = [];
}

/// <summary>
/// The gateway's store-and-forward journal: an append-only log of length-prefixed, checksummed protobuf records
/// (<see cref="JournalRecord"/>) in numbered segment files, written by one writer task that groups concurrent appends
/// into one write and one fsync (group commit). An entry is durable once the fsync that covered it returned; its
/// outcome is appended as an <see cref="EntryDone"/> record. A segment is deleted once every entry in it is done and
/// every older segment is gone; before that, what it knew (per device: the highest sequence held, rejections not yet
/// delivered) is written to <c>checkpoint.pb</c> atomically. On open, the segments are read in order; a torn or
/// corrupt record at the end of the last segment (a crash mid-write) is cut off and ignored. The entries each fsync made
/// durable are reported, in journal order, through <see cref="DeviceOutcomes"/> (the device registry's one way back).
/// </summary>
internal sealed class PassageJournal : IAsyncDisposable
{
    private const string SegmentExtension = ".seg";
    private const string CheckpointFile = "checkpoint.pb";
    private const int HeaderBytes = 8;
    private const int MaxRecordBytes = 4 * 1024 * 1024;

    private readonly JournalOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<Work> _work = Channel.CreateUnbounded<Work>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _appendLock = new();
    private readonly Lock _stateLock = new();
    private readonly CancellationTokenSource _closing = new();
    private readonly SortedDictionary<long, int> _segmentPending = [];
    private readonly Dictionary<ulong, long> _entrySegment = [];
    private readonly Dictionary<string, ulong> _accepted = new(StringComparer.Ordinal);
    private readonly SortedDictionary<ulong, (string DeviceId, UndeliveredRejection Rejection)> _undelivered = [];
    private readonly DeviceOutcomes? _outcomes;
    private readonly TimeProvider _time;
    private Task _writer = Task.CompletedTask;
    // Null after a roll that closed the old segment but could not open the next one (the next write rolls again).
    private FileStream? _active;
    private long _activeNumber;
    private long _activeLength;
    private DateTimeOffset _lastRoll;
    private ulong _nextId = 1;
    private int _pendingCount;
    private int _disposed;

    private PassageJournal(JournalOptions options, ILogger logger, DeviceOutcomes? outcomes, TimeProvider time, IReadOnlyDictionary<string, RecoveredDevice> recovered)
    {
        _options = options;
        _logger = logger;
        _outcomes = outcomes;
        _time = time;
        _lastRoll = time.GetUtcNow();
        Recovered = recovered;
    }

    /// <summary>The journal's directory.</summary>
    public string Directory => _options.Directory;

    /// <summary>What the journal held per device when it was opened (pending entries are to be forwarded again).</summary>
    public IReadOnlyDictionary<string, RecoveredDevice> Recovered { get; }

    /// <summary>Entries journaled and not yet done (the journal depth).</summary>
    public int PendingCount => Volatile.Read(ref _pendingCount);

    /// <summary>Opens (recovering) or creates the journal in <see cref="JournalOptions.Directory"/>.</summary>
    /// <param name="options">Where and how.</param>
    /// <param name="outcomes">Where the entries each fsync made durable are reported; null: nowhere (<see cref="AppendAsync"/> still tells).</param>
    /// <param name="logger">For torn records and I/O errors.</param>
    /// <param name="time">The clock (the system's by default).</param>
    /// <returns>The journal; its <see cref="Recovered"/> state tells what is still to forward.</returns>
    public static PassageJournal Open(JournalOptions options, DeviceOutcomes? outcomes = null, ILogger? logger = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        logger ??= NullLogger.Instance;
        System.IO.Directory.CreateDirectory(options.Directory);
        var recovery = Recover(options.Directory, logger);
        var journal = new PassageJournal(options, logger, outcomes, time ?? TimeProvider.System, recovery.Devices);
        journal.Initialise(recovery);
        return journal;
    }

    /// <summary>
    /// Appends <paramref name="entry"/> (its <see cref="JournalEntry.EntryId"/> is assigned here, in append order, and
    /// returned). Durability is reported later through the <see cref="DeviceOutcomes"/> given to <see cref="Open"/>.
    /// </summary>
    /// <param name="entry">The entry; its id is set.</param>
    /// <returns>The same entry.</returns>
    public JournalEntry Append(JournalEntry entry) => Enqueue(entry, null);

    /// <summary>Appends <paramref name="entry"/> and completes once it is durable.</summary>
    /// <param name="entry">The entry; its id is set.</param>
    /// <returns>The entry, once durable.</returns>
    public async Task<JournalEntry> AppendAsync(JournalEntry entry)
    {
        var durable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Enqueue(entry, durable);
        await durable.Task;
        return entry;
    }

    /// <summary>Records the outcome of an entry; completes once that record is durable. Completing an entry twice is harmless.</summary>
    /// <param name="done">The outcome.</param>
    /// <returns>A task that completes when the outcome is durable.</returns>
    public Task CompleteAsync(EntryDone done)
    {
        ArgumentNullException.ThrowIfNull(done);
        var durable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_work.Writer.TryWrite(new Work(new JournalRecord { Done = done }, durable)))
            durable.TrySetException(new ObjectDisposedException(nameof(PassageJournal)));
        return durable.Task;
    }

    /// <summary>The rejection of entry <paramref name="entryId"/> reached its device: it no longer needs keeping.</summary>
    /// <param name="entryId">The rejected entry.</param>
    public void RejectionDelivered(ulong entryId)
    {
        lock (_stateLock) _undelivered.Remove(entryId);
    }

    /// <summary>Completes once everything appended so far is durable (and old segments are cleaned up).</summary>
    /// <returns>A task.</returns>
    public Task FlushAsync()
    {
        var durable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_work.Writer.TryWrite(new Work(null, durable))) durable.TrySetResult();
        return durable.Task;
    }

    /// <summary>The segment files currently on disk, oldest first (for tests and diagnostics).</summary>
    /// <returns>Their paths.</returns>
    public IReadOnlyList<string> SegmentFiles() =>
        [.. System.IO.Directory.EnumerateFiles(_options.Directory, "*" + SegmentExtension).Order(StringComparer.Ordinal)];

    private JournalEntry Enqueue(JournalEntry entry, TaskCompletionSource? durable)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_appendLock)
        {
            entry.EntryId = _nextId++;
            if (!_work.Writer.TryWrite(new Work(new JournalRecord { Entry = entry }, durable)))
                throw new ObjectDisposedException(nameof(PassageJournal));
        }
        return entry;
    }

    // ------------------------------------------------------------------ writer

    private async Task WriteLoopAsync()
    {
        var reader = _work.Reader;
        var batch = new List<Work>(1024);
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        while (true)
        {
            bool more;
            using (var idle = new CancellationTokenSource(_options.IdleRollInterval, _time))
            {
                try
                {
                    more = await reader.WaitToReadAsync(idle.Token);
                }
                catch (OperationCanceledException)
                {
                    Housekeep();
                    continue;
                }
            }
            if (!more) break;

            batch.Clear();
            buffer.Clear();
            while (batch.Count < 8192 && reader.TryRead(out var work)) batch.Add(work);
            foreach (var work in batch)
            {
                if (work.Record is not null) Frame(buffer, work.Record);
            }
            if (!await WriteDurablyAsync(buffer.WrittenMemory))
            {
                var failure = new IOException("The journal is closing and could not write; the signals were not acknowledged.");
                foreach (var work in batch) work.Durable?.TrySetException(failure);
                continue;
            }

            var entries = 0;
            foreach (var work in batch)
            {
                if (work.Record?.Entry is not null) entries++;
                Apply(work.Record);
            }
            if (entries > 0 && _outcomes is not null)
            {
                // One report per group (one array), in journal order.
                var durable = new JournalEntry[entries];
                var i = 0;
                foreach (var work in batch)
                {
                    if (work.Record?.Entry is { } entry) durable[i++] = entry;
                }
                _outcomes.Durable(durable);
            }
            foreach (var work in batch) work.Durable?.TrySetResult();
            Housekeep();
        }
        Housekeep(closing: true);
        if (_active is not null) await _active.DisposeAsync();
    }

    // Retries until the bytes are on disk: an entry that is not durable must not be acknowledged, and dropping it
    // would lose passages; a full or failing disk stalls acceptance (devices keep their signals) rather than lose any.
    // Gives up only when the journal is being closed (false): those signals were never acknowledged, so devices resend them.
    private async Task<bool> WriteDurablyAsync(ReadOnlyMemory<byte> bytes)
    {
        if (bytes.IsEmpty) return true;
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                // A segment removed from under the journal would take what is written to it along (one stat per group).
                if (_active is null || (_activeLength > 0 && _activeLength + bytes.Length > _options.SegmentBytes) || !File.Exists(SegmentPath(_activeNumber))) Roll();
                _active.Write(bytes.Span);
                _active.Flush(flushToDisk: _options.Fsync);
                _activeLength += bytes.Length;
                return true;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
            {
                if (_closing.IsCancellationRequested) return false;
                _logger.LogError(e, "Writing {Bytes} bytes to journal segment {Segment} failed; retrying in a new segment in {Delay}", bytes.Length, _activeNumber, delay);
                try
                {
                    await Task.Delay(delay, _time, _closing.Token);
                }
                catch (OperationCanceledException)
                {
                    return false;
                }
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
                try
                {
                    Roll();
                }
                catch (Exception rollFailure) when (rollFailure is IOException or UnauthorizedAccessException)
                {
                    // The next attempt tries again.
                }
            }
        }
    }

    private static void Frame(ArrayBufferWriter<byte> buffer, JournalRecord record)
    {
        var size = record.CalculateSize();
        var span = buffer.GetSpan(HeaderBytes + size);
        var payload = span.Slice(HeaderBytes, size);
        record.WriteTo(payload);
        BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)size);
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], Crc32.Compute(payload));
        buffer.Advance(HeaderBytes + size);
    }

    private void Apply(JournalRecord? record)
    {
        if (record is null) return;
        lock (_stateLock)
        {
            if (record.Entry is { } entry)
            {
                _entrySegment[entry.EntryId] = _activeNumber;
                _segmentPending[_activeNumber] = _segmentPending.GetValueOrDefault(_activeNumber) + 1;
                _pendingCount++;
                if (entry.LastSequence > _accepted.GetValueOrDefault(entry.DeviceId)) _accepted[entry.DeviceId] = entry.LastSequence;
            }
            else if (record.Done is { } done && _entrySegment.Remove(done.EntryId, out var segment))
            {
                _segmentPending[segment]--;
                _pendingCount--;
                if (done.Rejected) _undelivered[done.EntryId] = (done.DeviceId, RejectionOf(done));
            }
        }
    }

    // Closes the active segment when everything is done (so an idle gateway's journal empties), and deletes the oldest
    // segments whose entries are all done, after checkpointing what they knew.
    private void Housekeep(bool closing = false)
    {
        try
        {
            var now = _time.GetUtcNow();
            if (Volatile.Read(ref _pendingCount) == 0 && _activeLength > 0 && (closing || now - _lastRoll >= _options.IdleRollInterval)) Roll();
            var deletable = new List<long>();
            lock (_stateLock)
            {
                foreach (var (number, pending) in _segmentPending)
                {
                    if (number == _activeNumber || pending > 0) break;
                    deletable.Add(number);
                }
            }
            if (deletable.Count == 0) return;
            WriteCheckpoint();
            foreach (var number in deletable)
            {
                File.Delete(SegmentPath(number));
                lock (_stateLock) _segmentPending.Remove(number);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            _logger.LogWarning(e, "Journal housekeeping failed; it is tried again later");
        }
    }

    [MemberNotNull(nameof(_active))]
    private void Roll()
    {
        // The old segment is let go before the next is opened: if opening fails, no closed stream is left behind to
        // write to or flush again, and the next roll starts from nothing.
        var previous = _active;
        _active = null;
        if (previous is not null)
        {
            try
            {
                previous.Flush(flushToDisk: _options.Fsync);
            }
            finally
            {
                previous.Dispose();
            }
        }
        _activeNumber++;
        // Recreated if someone removed it: writing must go on.
        System.IO.Directory.CreateDirectory(_options.Directory);
        _active = new FileStream(SegmentPath(_activeNumber), FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1, FileOptions.None);
        _activeLength = 0;
        _lastRoll = _time.GetUtcNow();
        lock (_stateLock) _segmentPending[_activeNumber] = 0;
    }

    // The rejection an outcome record holds, as the device must be told it.
    private static UndeliveredRejection RejectionOf(EntryDone done) => new()
    {
        EntryId = done.EntryId,
        FirstSequence = done.FirstSequence,
        LastSequence = done.LastSequence,
        Reason = done.Reason,
        Message = done.Message,
    };

    private void WriteCheckpoint()
    {
        var checkpoint = new JournalCheckpoint();
        lock (_appendLock) checkpoint.NextEntryId = _nextId;
        lock (_stateLock)
        {
            var devices = new Dictionary<string, DeviceCheckpoint>(StringComparer.Ordinal);
            foreach (var (device, accepted) in _accepted) devices[device] = new DeviceCheckpoint { DeviceId = device, AcceptedThrough = accepted };
            foreach (var (device, rejection) in _undelivered.Values)
            {
                if (!devices.TryGetValue(device, out var entry)) devices[device] = entry = new DeviceCheckpoint { DeviceId = device };
                entry.Undelivered.Add(rejection);
            }
            checkpoint.Devices.AddRange(devices.Values.OrderBy(d => d.DeviceId, StringComparer.Ordinal));
        }
        var path = Path.Combine(_options.Directory, CheckpointFile);
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            checkpoint.WriteTo(stream);
            stream.Flush(flushToDisk: _options.Fsync);
        }
        File.Move(temporary, path, overwrite: true);
    }

    private string SegmentPath(long number) =>
        Path.Combine(_options.Directory, number.ToString("D16", CultureInfo.InvariantCulture) + SegmentExtension);

    // ------------------------------------------------------------------ recovery

    private sealed record Recovery(
        Dictionary<string, RecoveredDevice> Devices,
        List<(long Number, List<JournalEntry> Pending)> Segments,
        SortedDictionary<ulong, (string, UndeliveredRejection)> Undelivered,
        Dictionary<string, ulong> Accepted,
        ulong NextId);

    private static Recovery Recover(string directory, ILogger logger)
    {
        var accepted = new Dictionary<string, ulong>(StringComparer.Ordinal);
        var undelivered = new SortedDictionary<ulong, (string, UndeliveredRejection)>();
        ulong nextId = 1;
        var checkpointPath = Path.Combine(directory, CheckpointFile);
        if (File.Exists(checkpointPath))
        {
            try
            {
                var checkpoint = JournalCheckpoint.Parser.ParseFrom(File.ReadAllBytes(checkpointPath));
                nextId = Math.Max(nextId, checkpoint.NextEntryId);
                foreach (var device in checkpoint.Devices)
                {
                    accepted[device.DeviceId] = device.AcceptedThrough;
                    foreach (var rejection in device.Undelivered) undelivered[rejection.EntryId] = (device.DeviceId, rejection);
                }
            }
            catch (InvalidProtocolBufferException e)
            {
                logger.LogError(e, "The journal checkpoint {Path} cannot be read; device watermarks restart from the segments alone", checkpointPath);
            }
        }

        var files = System.IO.Directory.EnumerateFiles(directory, "*" + SegmentExtension)
            .Select(path => (Path: path, Number: long.TryParse(Path.GetFileNameWithoutExtension(path), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1))
            .Where(f => f.Number >= 0)
            .OrderBy(f => f.Number)
            .ToList();
        var entries = new SortedDictionary<ulong, (JournalEntry Entry, long Segment)>();
        for (var i = 0; i < files.Count; i++)
        {
            foreach (var record in ReadSegment(files[i].Path, last: i == files.Count - 1, logger))
            {
                if (record.Entry is { } entry)
                {
                    entries[entry.EntryId] = (entry, files[i].Number);
                    nextId = Math.Max(nextId, entry.EntryId + 1);
                    if (entry.LastSequence > accepted.GetValueOrDefault(entry.DeviceId)) accepted[entry.DeviceId] = entry.LastSequence;
                }
                else if (record.Done is { } done)
                {
                    entries.Remove(done.EntryId);
                    if (done.Rejected) undelivered[done.EntryId] = (done.DeviceId, RejectionOf(done));
                }
            }
        }

        var devices = new Dictionary<string, RecoveredDevice>(StringComparer.Ordinal);
        RecoveredDevice Device(string id) => devices.TryGetValue(id, out var d) ? d : devices[id] = new RecoveredDevice(id);
        foreach (var (device, through) in accepted) Device(device).AcceptedThrough = through;
        foreach (var (device, rejection) in undelivered.Values) Device(device).Undelivered.Add(rejection);
        var segments = files.Select(f => (f.Number, new List<JournalEntry>())).ToList();
        foreach (var (entry, segment) in entries.Values)
        {
            Device(entry.DeviceId).Pending.Add(entry);
            segments.First(s => s.Number == segment).Item2.Add(entry);
        }
        return new Recovery(devices, segments, undelivered, accepted, nextId);
    }

    private static IEnumerable<JournalRecord> ReadSegment(string path, bool last, ILogger logger)
    {
        var bytes = File.ReadAllBytes(path);
        var records = new List<JournalRecord>();
        var position = 0;
        string? problem = null;
        while (position < bytes.Length)
        {
            if (bytes.Length - position < HeaderBytes)
            {
                problem = "an incomplete record header";
                break;
            }
            var length = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(position));
            var crc = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(position + 4));
            if (length > MaxRecordBytes || bytes.Length - position - HeaderBytes < length)
            {
                problem = "an incomplete record";
                break;
            }
            var payload = bytes.AsSpan(position + HeaderBytes, (int)length);
            if (Crc32.Compute(payload) != crc)
            {
                problem = "a record whose checksum does not match";
                break;
            }
            try
            {
                records.Add(JournalRecord.Parser.ParseFrom(payload));
            }
            catch (InvalidProtocolBufferException)
            {
                problem = "a record that cannot be parsed";
                break;
            }
            position += HeaderBytes + (int)length;
        }
        if (problem is not null)
        {
            if (last)
            {
                logger.LogWarning("Journal segment {Path} ends with {Problem} (a write cut short); the last {Bytes} bytes are ignored and cut off", path, problem, bytes.Length - position);
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.None);
                stream.SetLength(position);
                stream.Flush(flushToDisk: true);
            }
            else
            {
                logger.LogError("Journal segment {Path} holds {Problem} at offset {Offset}; the rest of that segment is skipped", path, problem, position);
            }
        }
        return records;
    }

    private void Initialise(Recovery recovery)
    {
        _nextId = recovery.NextId;
        foreach (var (device, through) in recovery.Accepted) _accepted[device] = through;
        foreach (var (id, value) in recovery.Undelivered) _undelivered[id] = value;
        foreach (var (number, pending) in recovery.Segments)
        {
            _segmentPending[number] = pending.Count;
            foreach (var entry in pending) _entrySegment[entry.EntryId] = number;
            _pendingCount += pending.Count;
        }
        _activeNumber = recovery.Segments.Count > 0 ? recovery.Segments[^1].Number : 0;
        // Appends always go to a new segment: never after a record that was cut short.
        Roll();
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>Writes what is queued, checkpoints, removes finished segments and closes the files.</summary>
    /// <returns>A task.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _work.Writer.TryComplete();
        try
        {
            // A disk that keeps failing must not hold the process forever.
            await _writer.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            _logger.LogError("The journal could not write what was queued within 10 s of closing; those signals were not acknowledged and devices resend them");
            await _closing.CancelAsync();
            await _writer;
        }
        _closing.Dispose();
    }

    private sealed record Work(JournalRecord? Record, TaskCompletionSource? Durable);
}
