using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using LocalDapr.Configuration;
using LocalDapr.Redis;
using StackExchange.Redis;

namespace LocalDapr.PubSub;

/// <summary>
/// <c>pubsub.redis</c> on Redis Streams with the layout of components-contrib's component: the stream is named after
/// the topic, each entry has the field <c>data</c> (the bytes published: a CloudEvent unless raw) and, when the
/// publish had metadata, <c>metadata</c> (a JSON object); <c>XADD … MAXLEN ~ n</c> when <c>maxLenApprox</c> is set.
/// A subscription reads with <c>XREADGROUP</c> in its consumer group (the <c>consumerID</c> metadata, else the app-id;
/// created with <c>MKSTREAM</c> from id 0, and again if Redis lost it), acknowledges with <c>XACK</c>, and leaves a
/// failed entry pending. Pending entries idle for <c>processingTimeout</c> (default 15s) are claimed again with
/// <c>XPENDING</c>/<c>XCLAIM</c> once when a subscription starts and then every <c>redeliverInterval</c> (default 60s),
/// as Dapr does (either set to 0 disables redelivery). That is what delivers again an event whose subscriber died in
/// the middle of its delivery, once the app and its sidecar are back in the same group.
/// StackExchange.Redis cannot issue a blocking <c>XREADGROUP</c> on its shared connection, so a consumer polls with a
/// short backoff (2 ms doubling to 50 ms) and is woken at once by publishes made through this process.
/// </summary>
public sealed class RedisPubSub : IPubSub
{
    private static readonly TimeSpan FirstPoll = TimeSpan.FromMilliseconds(2);
    private static readonly TimeSpan MaxPoll = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan FirstErrorBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxErrorBackoff = TimeSpan.FromSeconds(2);

    private readonly ComponentSpec _spec;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly RedisConnection _redis;
    private readonly int? _maxLenApprox;
    private readonly ConcurrentDictionary<string, Signal> _signals = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Topic, string Group), ConcurrentDictionary<string, Consumer>> _held = new();
    private readonly ConcurrentDictionary<Consumer, byte> _consumers = new();

    public RedisPubSub(ComponentSpec spec, ILogger logger, TimeProvider time)
    {
        _spec = spec;
        _logger = logger;
        _time = time;
        ProcessingTimeout = RedisConnection.Duration(spec, "processingTimeout", TimeSpan.FromSeconds(15));
        RedeliverInterval = RedisConnection.Duration(spec, "redeliverInterval", TimeSpan.FromSeconds(60));
        if (ProcessingTimeout < TimeSpan.Zero || RedeliverInterval < TimeSpan.Zero)
            throw new ConfigurationException(spec.File, spec.Line, $"component '{spec.Name}': processingTimeout and redeliverInterval must not be negative (0 disables redelivery)");
        QueueDepth = spec.MetaInt("queueDepth", 100);
        Concurrency = spec.MetaInt("concurrency", 10);
        if (QueueDepth <= 0 || Concurrency <= 0)
            throw new ConfigurationException(spec.File, spec.Line, $"component '{spec.Name}': queueDepth and concurrency must be positive");
        var maxLen = spec.MetaInt("maxLenApprox", 0);
        if (maxLen < 0) throw new ConfigurationException(spec.File, spec.Line, $"component '{spec.Name}': maxLenApprox must not be negative");
        _maxLenApprox = maxLen > 0 ? maxLen : null;
        _redis = new RedisConnection(spec, logger);
    }

    public string Name => _spec.Name;

    public string Type => _spec.Type;

    public IReadOnlyList<string> Features { get; } = [];

    /// <summary>How long an entry stays pending before it is claimed again; zero disables redelivery.</summary>
    public TimeSpan ProcessingTimeout { get; }

    /// <summary>How often pending entries are checked; zero disables redelivery.</summary>
    public TimeSpan RedeliverInterval { get; }

    /// <summary>The most entries one read or one claim takes.</summary>
    public int QueueDepth { get; }

    /// <summary>Read and checked as Dapr does; the dispatcher delivers each subscription's events one at a time, in order.</summary>
    public int Concurrency { get; }

    private bool RedeliveryEnabled => ProcessingTimeout > TimeSpan.Zero && RedeliverInterval > TimeSpan.Zero;

    public async ValueTask PublishAsync(string topic, IReadOnlyList<PubSubMessage> messages, CancellationToken cancellationToken)
    {
        if (messages.Count == 0) return;
        var db = await _redis.DatabaseAsync(cancellationToken);
        try
        {
            // One connection keeps the order of the entries, and the commands go out pipelined.
            if (messages.Count == 1) await Add(db, topic, messages[0]).WaitAsync(cancellationToken);
            else await Task.WhenAll(messages.Select(m => Add(db, topic, m))).WaitAsync(cancellationToken);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw new InvalidOperationException($"redis streams: error from publish: {e.Message}", e);
        }
        SignalOf(topic).Pulse();
    }

    private Task<RedisValue> Add(IDatabase db, string topic, PubSubMessage message)
    {
        NameValueEntry[] fields = message.Metadata.Count > 0
            ? [new("data", message.Data), new("metadata", MetadataJson(message.Metadata))]
            : [new("data", message.Data)];
        return db.StreamAddAsync(topic, fields, null, _maxLenApprox, _maxLenApprox is not null);
    }

    public ITopicConsumer Consume(string topic, string group, string consumerName)
    {
        var consumer = new Consumer(this, topic, group, consumerName);
        _consumers[consumer] = 0;
        consumer.Start();
        return consumer;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var consumer in _consumers.Keys.ToArray()) await consumer.DisposeAsync();
        await _redis.DisposeAsync();
    }

    private Signal SignalOf(string topic) => _signals.GetOrAdd(topic, _ => new Signal());

    private static byte[] MetadataJson(IReadOnlyDictionary<string, string> metadata)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            foreach (var (key, value) in metadata) w.WriteString(key, value);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private IReadOnlyDictionary<string, string> ParseMetadata(RedisValue value, string id)
    {
        if (value.IsNullOrEmpty) return new Dictionary<string, string>();
        try
        {
            using var doc = JsonDocument.Parse((byte[])value!);
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            if (doc.RootElement.ValueKind == JsonValueKind.Object)
            {
                foreach (var p in doc.RootElement.EnumerateObject())
                    result[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
            }
            return result;
        }
        catch (JsonException e)
        {
            _logger.LogWarning("Pub/sub {PubSub}: could not read the metadata of stream entry {Id}: {Error}", Name, id, e.Message);
            return new Dictionary<string, string>();
        }
    }

    /// <summary>The next stream id after <paramref name="id"/> (<c>ms-seq</c>), to page through a pending list.</summary>
    private static string After(string id)
    {
        var dash = id.IndexOf('-', StringComparison.Ordinal);
        if (dash > 0 && ulong.TryParse(id.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
        {
            return seq == ulong.MaxValue
                ? $"{ulong.Parse(id.AsSpan(0, dash), CultureInfo.InvariantCulture) + 1}-0"
                : string.Create(CultureInfo.InvariantCulture, $"{id.AsSpan(0, dash)}-{seq + 1}");
        }
        return id;
    }

    /// <summary>Wakes the consumers of one topic when this process published to it.</summary>
    private sealed class Signal
    {
        private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Next => Volatile.Read(ref _next).Task;

        public void Pulse() => Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>One member of a consumer group: a subscription of one sidecar.</summary>
    private sealed class Consumer : ITopicConsumer
    {
        private readonly RedisPubSub _owner;
        private readonly string _topic;
        private readonly string _group;
        private readonly string _name;
        private readonly Signal _signal;
        // Entries this process holds (read and not settled yet), across the consumers of the group: never claimed from them.
        private readonly ConcurrentDictionary<string, Consumer> _groupHeld;
        private readonly ConcurrentDictionary<string, byte> _mine = new(StringComparer.Ordinal);
        private readonly ConcurrentQueue<PubSubMessage> _reclaimed = new();
        private readonly CancellationTokenSource _stop = new();
        private Task _reclaimLoop = Task.CompletedTask;
        private volatile bool _groupReady;
        private int _readFailing;
        private int _reclaimFailing;
        private TimeSpan _errorBackoff = FirstErrorBackoff;
        private int _disposed;

        public Consumer(RedisPubSub owner, string topic, string group, string name)
        {
            _owner = owner;
            _topic = topic;
            _group = group;
            _name = name;
            _signal = owner.SignalOf(topic);
            _groupHeld = owner._held.GetOrAdd((topic, group), _ => new ConcurrentDictionary<string, Consumer>(StringComparer.Ordinal));
        }

        private ILogger Logger => _owner._logger;

        public void Start()
        {
            if (_owner.RedeliveryEnabled) _reclaimLoop = Task.Run(() => ReclaimLoopAsync(_stop.Token));
        }

        public async ValueTask<IReadOnlyList<PubSubMessage>> ReceiveAsync(int maxCount, TimeSpan maxWait, CancellationToken cancellationToken)
        {
            maxCount = Math.Max(1, maxCount);
            var batch = new List<PubSubMessage>(Math.Min(maxCount, 64));
            var poll = FirstPoll;
            long? firstAt = null;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var wake = _signal.Next;
                while (batch.Count < maxCount && _reclaimed.TryDequeue(out var again)) batch.Add(again);
                if (batch.Count < maxCount)
                {
                    var fresh = await ReadAsync(Math.Min(maxCount - batch.Count, _owner.QueueDepth), cancellationToken);
                    if (fresh.Count > 0)
                    {
                        batch.AddRange(fresh);
                        poll = FirstPoll;
                        continue;
                    }
                }
                if (batch.Count >= maxCount) return batch;
                var pause = poll;
                if (batch.Count > 0)
                {
                    if (maxWait <= TimeSpan.Zero) return batch;
                    firstAt ??= _owner._time.GetTimestamp();
                    var left = maxWait - _owner._time.GetElapsedTime(firstAt.Value);
                    if (left <= TimeSpan.Zero) return batch;
                    if (left < pause) pause = left;
                }
                await PauseAsync(wake, pause, cancellationToken);
                poll = poll * 2 < MaxPoll ? poll * 2 : MaxPoll;
            }
        }

        private async Task PauseAsync(Task wake, TimeSpan delay, CancellationToken cancellationToken)
        {
            if (wake.IsCompleted) return;
            using var sleeping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var sleep = Task.Delay(delay, _owner._time, sleeping.Token);
            await Task.WhenAny(wake, sleep);
            await sleeping.CancelAsync();
            cancellationToken.ThrowIfCancellationRequested();
        }

        private async Task<IReadOnlyList<PubSubMessage>> ReadAsync(int count, CancellationToken cancellationToken)
        {
            try
            {
                var db = await _owner._redis.DatabaseAsync(cancellationToken);
                if (!_groupReady) await CreateGroupAsync(db, cancellationToken);
                var entries = await db.StreamReadGroupAsync(_topic, _group, _name, StreamPosition.NewMessages, count).WaitAsync(cancellationToken);
                Recovered(ref _readFailing, "reading");
                if (entries.Length == 0) return [];
                var messages = new List<PubSubMessage>(entries.Length);
                foreach (var entry in entries)
                {
                    if (!entry.IsNull) messages.Add(Hold(entry));
                }
                return messages;
            }
            catch (RedisServerException e) when (e.Message.StartsWith("NOGROUP", StringComparison.Ordinal))
            {
                _groupReady = false;
                Logger.LogWarning("Pub/sub {PubSub}: consumer group {Group} of stream {Topic} does not exist any more (Redis lost its data, or the group or stream was deleted); creating it again",
                    _owner.Name, _group, _topic);
                return [];
            }
            catch (Exception e) when (RedisConnection.IsTransient(e))
            {
                Failing(ref _readFailing, "reading", e);
                await Task.Delay(_errorBackoff, _owner._time, cancellationToken);
                _errorBackoff = _errorBackoff * 2 < MaxErrorBackoff ? _errorBackoff * 2 : MaxErrorBackoff;
                return [];
            }
        }

        private async Task CreateGroupAsync(IDatabase db, CancellationToken cancellationToken)
        {
            try
            {
                await db.StreamCreateConsumerGroupAsync(_topic, _group, "0", createStream: true).WaitAsync(cancellationToken);
            }
            catch (RedisServerException e) when (e.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
            {
            }
            _groupReady = true;
        }

        private PubSubMessage Hold(StreamEntry entry)
        {
            var id = entry.Id.ToString();
            _groupHeld[id] = this;
            _mine[id] = 0;
            return new PubSubMessage(_topic, (byte[]?)entry["data"] ?? [], _owner.ParseMetadata(entry["metadata"], id)) { BrokerId = id };
        }

        private void Release(string id)
        {
            _mine.TryRemove(id, out _);
            _groupHeld.TryRemove(KeyValuePair.Create(id, this));
        }

        public async ValueTask AckAsync(PubSubMessage message)
        {
            if (message.BrokerId.Length == 0) return;
            try
            {
                var db = await _owner._redis.DatabaseAsync(CancellationToken.None);
                await db.StreamAcknowledgeAsync(_topic, _group, message.BrokerId);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                Logger.LogWarning("Pub/sub {PubSub}: acknowledging entry {Id} of topic {Topic} failed ({Error}); it stays pending and is delivered again after processingTimeout",
                    _owner.Name, message.BrokerId, _topic, e.Message);
            }
            finally
            {
                Release(message.BrokerId);
            }
        }

        public async ValueTask AckAsync(IReadOnlyList<PubSubMessage> messages)
        {
            var ids = messages.Where(m => m.BrokerId.Length > 0).Select(m => (RedisValue)m.BrokerId).ToArray();
            if (ids.Length == 0) return;
            try
            {
                var db = await _owner._redis.DatabaseAsync(CancellationToken.None);
                await db.StreamAcknowledgeAsync(_topic, _group, ids);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                Logger.LogWarning("Pub/sub {PubSub}: acknowledging {Count} entries of topic {Topic} failed ({Error}); they stay pending and are delivered again after processingTimeout",
                    _owner.Name, ids.Length, _topic, e.Message);
            }
            finally
            {
                foreach (var id in ids) Release(id!);
            }
        }

        public ValueTask NackAsync(PubSubMessage message)
        {
            if (message.BrokerId.Length == 0) return ValueTask.CompletedTask;
            Release(message.BrokerId);
            if (_owner.RedeliveryEnabled)
            {
                Logger.LogInformation("Pub/sub {PubSub}: entry {Id} of topic {Topic} stays pending in group {Group}; it is delivered again once idle for {Timeout}",
                    _owner.Name, message.BrokerId, _topic, _group, _owner.ProcessingTimeout);
            }
            else
            {
                Logger.LogWarning("Pub/sub {PubSub}: entry {Id} of topic {Topic} stays pending in group {Group}, and redelivery is disabled (processingTimeout or redeliverInterval is 0)",
                    _owner.Name, message.BrokerId, _topic, _group);
            }
            return ValueTask.CompletedTask;
        }

        private async Task ReclaimLoopAsync(CancellationToken cancellationToken)
        {
            try
            {
                await ReclaimAsync(cancellationToken);
                using var timer = new PeriodicTimer(_owner.RedeliverInterval, _owner._time);
                while (await timer.WaitForNextTickAsync(cancellationToken)) await ReclaimAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }
        }

        /// <summary>Claims the group's entries idle for processingTimeout (but none this process still holds) and queues them for delivery.</summary>
        private async Task ReclaimAsync(CancellationToken cancellationToken)
        {
            var idleMs = (long)_owner.ProcessingTimeout.TotalMilliseconds;
            try
            {
                var db = await _owner._redis.DatabaseAsync(cancellationToken);
                if (!_groupReady) await CreateGroupAsync(db, cancellationToken);
                RedisValue from = "-";
                while (_reclaimed.Count < _owner.QueueDepth)
                {
                    var pending = await db.StreamPendingMessagesAsync(_topic, _group, _owner.QueueDepth, RedisValue.Null, from, "+").WaitAsync(cancellationToken);
                    if (pending.Length == 0) break;
                    var ids = pending.Where(p => p.IdleTimeInMilliseconds >= idleMs && !_groupHeld.ContainsKey(p.MessageId.ToString()))
                        .Select(p => p.MessageId).ToArray();
                    if (ids.Length > 0)
                    {
                        var claimed = await db.StreamClaimAsync(_topic, _group, _name, idleMs, ids).WaitAsync(cancellationToken);
                        var got = new HashSet<string>(StringComparer.Ordinal);
                        foreach (var entry in claimed)
                        {
                            if (entry.IsNull) continue;
                            got.Add(entry.Id.ToString());
                            _reclaimed.Enqueue(Hold(entry));
                        }
                        if (got.Count > 0)
                        {
                            Logger.LogInformation("Pub/sub {PubSub}: {Count} entries of topic {Topic} were pending in group {Group} for {Timeout} or longer; delivering them again",
                                _owner.Name, got.Count, _topic, _group, _owner.ProcessingTimeout);
                            _signal.Pulse();
                        }
                        // An entry not claimed was either taken by another consumer just now or deleted from the stream
                        // (trimmed by MAXLEN): only the latter is acknowledged, to clear it from the pending list.
                        foreach (var id in ids.Where(id => !got.Contains(id.ToString())))
                        {
                            if ((await db.StreamRangeAsync(_topic, id, id).WaitAsync(cancellationToken)).Length == 0)
                                await db.StreamAcknowledgeAsync(_topic, _group, id).WaitAsync(cancellationToken);
                        }
                    }
                    if (pending.Length < _owner.QueueDepth) break;
                    from = After(pending[^1].MessageId.ToString());
                }
                Recovered(ref _reclaimFailing, "checking pending entries of");
            }
            catch (RedisServerException e) when (e.Message.StartsWith("NOGROUP", StringComparison.Ordinal))
            {
                _groupReady = false;
            }
            catch (Exception e) when (RedisConnection.IsTransient(e))
            {
                Failing(ref _reclaimFailing, "checking pending entries of", e);
            }
        }

        private void Failing(ref int flag, string what, Exception e)
        {
            if (Interlocked.Exchange(ref flag, 1) == 0 && Volatile.Read(ref _disposed) == 0)
            {
                Logger.LogWarning("Pub/sub {PubSub}: {What} topic {Topic} (group {Group}) at Redis {Host} failed ({Error}); retrying",
                    _owner.Name, what, _topic, _group, _owner._redis.Host, e.Message);
            }
        }

        private void Recovered(ref int flag, string what)
        {
            _errorBackoff = FirstErrorBackoff;
            if (Interlocked.Exchange(ref flag, 0) == 1)
                Logger.LogInformation("Pub/sub {PubSub}: {What} topic {Topic} (group {Group}) works again", _owner.Name, what, _topic, _group);
        }

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
            await _stop.CancelAsync();
            try
            {
                await _reclaimLoop;
            }
            catch (OperationCanceledException)
            {
            }
            // What this consumer read and did not settle stays pending under its name, for the others to claim later.
            foreach (var id in _mine.Keys) Release(id);
            await ForgetIfIdleAsync();
            _owner._consumers.TryRemove(this, out _);
            _stop.Dispose();
        }

        /// <summary>Removes this consumer's name from the group when nothing is pending under it (names are per sidecar run).</summary>
        /// <remarks>
        /// A read or claim abandoned by cancellation went out earlier on the same connection, so Redis has applied it before
        /// this check: what it took shows as pending, and the name is kept (deleting it would drop those entries).
        /// </remarks>
        private async Task ForgetIfIdleAsync()
        {
            if (!_owner._redis.IsConnected) return;
            try
            {
                var db = await _owner._redis.DatabaseAsync(CancellationToken.None);
                var consumers = await db.StreamConsumerInfoAsync(_topic, _group).WaitAsync(TimeSpan.FromSeconds(2));
                if (consumers.Any(c => c.Name == _name && c.PendingMessageCount == 0))
                    await db.StreamDeleteConsumerAsync(_topic, _group, _name).WaitAsync(TimeSpan.FromSeconds(2));
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
            }
        }
    }
}
