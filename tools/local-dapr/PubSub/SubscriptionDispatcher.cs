using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using LocalDapr.Sidecar;
using LocalDapr.Resiliency;

namespace LocalDapr.PubSub;

/// <summary>
/// Delivers one subscription's messages to the app, following daprd's rules. In order, one at a time, unless the
/// component delivers with a pool of workers (<c>pubsub.redis</c>'s <c>concurrency</c>, shared by every topic of the
/// component in one sidecar): then up to that many messages are in flight at once and there is no order within a topic.
/// Bulk subscriptions get batches as daprd's default batcher makes them for a component without native bulk
/// subscribe: a batch holds at most as many messages as the workers can hold, and goes when it is full or when
/// <c>maxAwaitDurationMs</c> has passed. Then: 2xx with SUCCESS or no status acks, RETRY and any other failure retries under the policy,
/// DROP and 404 drop; a dropped or exhausted message goes to the dead-letter topic when there is one.
/// </summary>
public sealed class SubscriptionDispatcher : IAsyncDisposable
{
    private static readonly MediaTypeHeaderValue CloudEventType = new(CloudEvents.ContentType);
    private static readonly MediaTypeHeaderValue JsonType = new("application/json");

    private readonly Subscription _subscription;
    private readonly IPubSub _pubsub;
    private readonly ITopicConsumer _consumer;
    private readonly AppChannel _channel;
    private readonly CallPolicy _policy;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly DeliveryWorkers? _workers;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Task, byte> _inFlight = new();

    private readonly Func<string, DaprApiException?> _refusePublish;

    /// <param name="refusePublish">
    /// The sidecar's publish check for a topic (its scopes), null when it may publish there: a dead-letter topic goes
    /// through it as any publish does in daprd.
    /// </param>
    /// <param name="workers">The component's delivery workers in this sidecar; null delivers one message at a time, in order.</param>
    public SubscriptionDispatcher(Subscription subscription, IPubSub pubsub, ITopicConsumer consumer, AppChannel channel,
        CallPolicy policy, ILogger logger, TimeProvider time, Func<string, DaprApiException?> refusePublish, DeliveryWorkers? workers = null)
    {
        _refusePublish = refusePublish;
        _workers = workers;
        _subscription = subscription;
        _pubsub = pubsub;
        _consumer = consumer;
        _channel = channel;
        _policy = policy;
        _logger = logger;
        _time = time;
        _loop = Task.Run(() => RunAsync(_stop.Token));
    }

    public Subscription Subscription => _subscription;

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var bulk = _subscription.Bulk;
        while (!cancellationToken.IsCancellationRequested)
        {
            IReadOnlyList<PubSubMessage> batch;
            try
            {
                if (bulk.Enabled)
                {
                    // daprd's default batcher fills a batch only with messages its workers hold, so it never outgrows them,
                    // and a batch that is not full waits out maxAwaitDurationMs (measured here from the start of the read).
                    var cap = _workers is null ? bulk.MaxMessagesCount : Math.Min(bulk.MaxMessagesCount, _workers.Count);
                    var started = _time.GetTimestamp();
                    batch = await _consumer.ReceiveAsync(cap, bulk.MaxAwaitDuration, cancellationToken);
                    var left = bulk.MaxAwaitDuration - _time.GetElapsedTime(started);
                    if (batch.Count < bulk.MaxMessagesCount && _workers is not null && left > TimeSpan.Zero) await Task.Delay(left, _time, cancellationToken);
                }
                else
                {
                    batch = await _consumer.ReceiveAsync(1, TimeSpan.Zero, cancellationToken);
                    if (_workers is not null)
                    {
                        await _workers.Slots.WaitAsync(cancellationToken);
                        var delivery = DeliverOnWorkerAsync(batch[0], cancellationToken);
                        _inFlight.TryAdd(delivery, 0);
                        _ = delivery.ContinueWith(t => _inFlight.TryRemove(t, out _), TaskScheduler.Default);
                        continue;
                    }
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (Exception e)
            {
                _logger.LogError(e, "Reading topic {Topic} from pubsub {PubSub} failed; retrying", _subscription.Topic, _pubsub.Name);
                await Task.Delay(TimeSpan.FromSeconds(1), _time, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
                continue;
            }

            try
            {
                if (bulk.Enabled) await DeliverBulkAsync(batch, cancellationToken);
                else await DeliverOneAsync(batch[0], cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // Whatever went wrong with this message must not stop the others.
                _logger.LogError(e, "Delivering from topic {Topic} failed unexpectedly", _subscription.Topic);
                foreach (var message in batch) await _consumer.NackAsync(message);
            }
        }
    }

    /// <summary>One message on one of the component's workers, which it gives back when the message is settled.</summary>
    private async Task DeliverOnWorkerAsync(PubSubMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Yield();
            await DeliverOneAsync(message, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Delivering from topic {Topic} failed unexpectedly", _subscription.Topic);
            await _consumer.NackAsync(message);
        }
        finally
        {
            _workers!.Slots.Release();
        }
    }

    private async Task DeliverOneAsync(PubSubMessage message, CancellationToken cancellationToken)
    {
        using var envelope = Envelope.Open(message, _subscription, _pubsub.Name, _time);
        if (envelope.Expired)
        {
            _logger.LogWarning("Dropping expired message {Id} from topic {Topic}", envelope.Id, message.Topic);
            await _consumer.AckAsync(message);
            return;
        }
        var path = _subscription.RouteFor(envelope.Root);
        if (path is null)
        {
            _logger.LogWarning("No route matches event {Id} on topic {Topic}; skipping it", envelope.Id, message.Topic);
            await _consumer.AckAsync(message);
            return;
        }

        DeliveryOutcome outcome;
        try
        {
            outcome = await _policy.ExecuteAsync(async token => await PostOneAsync(path, envelope, token), o => o == DeliveryOutcome.Retry, null, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _logger.LogError("Delivering event {Id} on topic {Topic} to {Path} failed: {Error}", envelope.Id, message.Topic, path, e.Message);
            outcome = DeliveryOutcome.Retry;
        }
        await SettleAsync(message, outcome, envelope.Id);
    }

    private async ValueTask<DeliveryOutcome> PostOneAsync(string path, Envelope envelope, CancellationToken cancellationToken)
    {
        using var request = _channel.Request(HttpMethod.Post, path);
        request.Content = new ReadOnlyMemoryContent(envelope.Bytes) { Headers = { ContentType = CloudEventType } };
        request.Headers.TryAddWithoutValidation("traceparent", envelope.Trace.Child().ToString());
        if (envelope.Trace.State is { Length: > 0 } state) request.Headers.TryAddWithoutValidation("tracestate", state);
        request.Headers.TryAddWithoutValidation("pubsubname", _pubsub.Name);
        request.Headers.TryAddWithoutValidation("topic", _subscription.Topic);

        using var response = await _channel.SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            _logger.LogError("The app answered 404 for event {Id} on {Path}: dropping it", envelope.Id, path);
            return DeliveryOutcome.Drop;
        }
        if (!response.IsSuccessStatusCode)
        {
            _logger.LogWarning("The app answered {Status} for event {Id} on {Path}; it will be retried", (int)response.StatusCode, envelope.Id, path);
            return DeliveryOutcome.Retry;
        }
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var outcome = StatusOf(body);
        if (outcome == DeliveryOutcome.Retry) _logger.LogWarning("The app asked to retry event {Id} on {Path}", envelope.Id, path);
        if (outcome == DeliveryOutcome.Drop) _logger.LogWarning("The app dropped event {Id} on {Path}", envelope.Id, path);
        return outcome;
    }

    /// <summary>2xx body: empty or not JSON = success; <c>{"status": "SUCCESS"|""|"RETRY"|"DROP"}</c>; anything else retries.</summary>
    public static DeliveryOutcome StatusOf(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty) return DeliveryOutcome.Success;
        try
        {
            var reader = new Utf8JsonReader(body);
            using var doc = JsonDocument.ParseValue(ref reader);
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("status", out var status)) return DeliveryOutcome.Success;
            return status.ValueKind != JsonValueKind.String ? DeliveryOutcome.Retry : status.GetString()!.ToUpperInvariant() switch
            {
                "" or "SUCCESS" => DeliveryOutcome.Success,
                "DROP" => DeliveryOutcome.Drop,
                _ => DeliveryOutcome.Retry,
            };
        }
        catch (JsonException)
        {
            return DeliveryOutcome.Success;
        }
    }

    private async Task DeliverBulkAsync(IReadOnlyList<PubSubMessage> batch, CancellationToken cancellationToken)
    {
        var entries = new List<BulkEntry>(batch.Count);
        try
        {
            for (var i = 0; i < batch.Count; i++)
            {
                var envelope = Envelope.Open(batch[i], _subscription, _pubsub.Name, _time);
                var path = envelope.Expired ? null : _subscription.RouteFor(envelope.Root);
                if (path is null)
                {
                    envelope.Dispose();
                    await _consumer.AckAsync(batch[i]);
                    continue;
                }
                entries.Add(new BulkEntry(i.ToString(System.Globalization.CultureInfo.InvariantCulture) + "-" + envelope.Id, batch[i], envelope, path));
            }
            foreach (var group in entries.GroupBy(e => e.Path))
            {
                var pending = group.ToDictionary(e => e.EntryId);
                var dropped = new List<BulkEntry>();
                try
                {
                    await _policy.ExecuteAsync(async token => await PostBulkAsync(group.Key, pending, dropped, token), o => o == DeliveryOutcome.Retry, null, cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    _logger.LogError("Bulk delivery on topic {Topic} to {Path} failed: {Error}", _subscription.Topic, group.Key, e.Message);
                }
                var delivered = new List<PubSubMessage>();
                foreach (var entry in group)
                {
                    var outcome = dropped.Contains(entry) ? DeliveryOutcome.Drop : pending.ContainsKey(entry.EntryId) ? DeliveryOutcome.Retry : DeliveryOutcome.Success;
                    if (outcome == DeliveryOutcome.Success) delivered.Add(entry.Message);
                    else await SettleAsync(entry.Message, outcome, entry.Envelope.Id);
                }
                await _consumer.AckAsync(delivered);
            }
        }
        finally
        {
            foreach (var entry in entries) entry.Envelope.Dispose();
        }
    }

    private async ValueTask<DeliveryOutcome> PostBulkAsync(string path, Dictionary<string, BulkEntry> pending, List<BulkEntry> dropped, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(pending.Values.Sum(e => e.Envelope.Bytes.Length) + 256 * (pending.Count + 1));
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("id", Guid.NewGuid().ToString());
            w.WriteString("type", CloudEvents.DefaultType + ".bulk");
            w.WriteString("topic", _subscription.Topic);
            w.WriteString("pubsubname", _pubsub.Name);
            w.WriteStartObject("metadata");
            w.WriteEndObject();
            w.WriteStartArray("entries");
            foreach (var entry in pending.Values)
            {
                w.WriteStartObject();
                w.WriteString("entryId", entry.EntryId);
                w.WritePropertyName("event");
                w.WriteRawValue(entry.Envelope.Bytes.Span, skipInputValidation: true);
                w.WriteStartObject("metadata");
                w.WriteEndObject();
                w.WriteString("contentType", CloudEvents.ContentType);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        using var request = _channel.Request(HttpMethod.Post, path);
        request.Content = new ReadOnlyMemoryContent(buffer.WrittenMemory) { Headers = { ContentType = JsonType } };
        using var response = await _channel.SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            dropped.AddRange(pending.Values);
            pending.Clear();
            return DeliveryOutcome.Drop;
        }
        if (!response.IsSuccessStatusCode)
        {
            _logger.LogWarning("The app answered {Status} to a bulk delivery of {Count} events on {Path}; they will be retried", (int)response.StatusCode, pending.Count, path);
            return DeliveryOutcome.Retry;
        }
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.TryGetProperty("statuses", out var statuses) && statuses.ValueKind == JsonValueKind.Array)
            {
                foreach (var status in statuses.EnumerateArray())
                {
                    if (!status.TryGetProperty("entryId", out var id) || id.GetString() is not { } entryId || !pending.TryGetValue(entryId, out var entry)) continue;
                    var value = status.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString()!.ToUpperInvariant() : "RETRY";
                    if (value is "SUCCESS" or "") pending.Remove(entryId);
                    else if (value == "DROP")
                    {
                        pending.Remove(entryId);
                        dropped.Add(entry);
                    }
                }
            }
        }
        catch (JsonException)
        {
            _logger.LogWarning("The app's answer to a bulk delivery on {Path} is not JSON; every entry will be retried", path);
        }
        return pending.Count == 0 ? DeliveryOutcome.Success : DeliveryOutcome.Retry;
    }

    private async Task SettleAsync(PubSubMessage message, DeliveryOutcome outcome, string eventId)
    {
        if (outcome == DeliveryOutcome.Success)
        {
            await _consumer.AckAsync(message);
            return;
        }
        if (_subscription.DeadLetterTopic is { } deadLetter)
        {
            if (_refusePublish(deadLetter) is { } refused)
            {
                // daprd: the message is neither acknowledged nor dropped, so the broker keeps it (a retry from the component).
                _logger.LogError("error sending message to dead letter, origin topic: {Topic} dead letter topic {DeadLetter} err: {Error}", message.Topic, deadLetter, refused.Message);
                await _consumer.NackAsync(message);
                return;
            }
            try
            {
                await _pubsub.PublishAsync(deadLetter, [message with { Topic = deadLetter, BrokerId = "" }], CancellationToken.None);
                _logger.LogWarning("Event {Id} from topic {Topic} went to dead-letter topic {DeadLetter}", eventId, message.Topic, deadLetter);
                await _consumer.AckAsync(message);
                return;
            }
            catch (Exception e)
            {
                _logger.LogError(e, "Publishing event {Id} to dead-letter topic {DeadLetter} failed", eventId, deadLetter);
            }
        }
        if (outcome == DeliveryOutcome.Drop) await _consumer.AckAsync(message);
        else await _consumer.NackAsync(message);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }
        await Task.WhenAll(_inFlight.Keys);
        await _consumer.DisposeAsync();
        _stop.Dispose();
    }

    private sealed record BulkEntry(string EntryId, PubSubMessage Message, Envelope Envelope, string Path);

    /// <summary>A message ready for delivery: the CloudEvent bytes, parsed for routing and expiry.</summary>
    private sealed class Envelope : IDisposable
    {
        private readonly JsonDocument _document;

        private Envelope(ReadOnlyMemory<byte> bytes, JsonDocument document, DateTimeOffset now)
        {
            Bytes = bytes;
            _document = document;
            var root = document.RootElement;
            Id = root.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString()! : "";
            Trace = TraceContext.ChildOf(
                root.TryGetProperty("traceparent", out var tp) && tp.ValueKind == JsonValueKind.String ? tp.GetString() : null,
                root.TryGetProperty("tracestate", out var ts) && ts.ValueKind == JsonValueKind.String ? ts.GetString() : null);
            Expired = root.TryGetProperty("expiration", out var exp) && exp.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(exp.GetString(), System.Globalization.CultureInfo.InvariantCulture, out var at) && at < now;
        }

        public ReadOnlyMemory<byte> Bytes { get; }
        public JsonElement Root => _document.RootElement;
        public string Id { get; }
        public TraceContext Trace { get; }
        public bool Expired { get; }

        public static Envelope Open(PubSubMessage message, Subscription subscription, string pubsubName, TimeProvider time)
        {
            var now = time.GetUtcNow();
            if (!CloudEvents.IsTrue(subscription.Metadata, "rawPayload"))
            {
                try
                {
                    var document = JsonDocument.Parse(message.Data);
                    if (document.RootElement.ValueKind == JsonValueKind.Object) return new Envelope(message.Data, document, now);
                    document.Dispose();
                }
                catch (JsonException)
                {
                }
            }
            // Raw payloads (published with rawPayload, or asked for by the subscription) arrive wrapped in data_base64.
            var wrapped = CloudEvents.FromRawPayload(message, pubsubName, TraceContext.ChildOf(null), now);
            return new Envelope(wrapped, JsonDocument.Parse(wrapped), now);
        }

        public void Dispose() => _document.Dispose();
    }
}

/// <summary>
/// A component's pool of delivery workers in one sidecar (components-contrib <c>pubsub.redis</c>: <c>concurrency</c>
/// workers, 10 unless set, shared by every topic the sidecar subscribes to on that component).
/// </summary>
public sealed class DeliveryWorkers(int count)
{
    public int Count { get; } = count;

    public SemaphoreSlim Slots { get; } = new(count, count);
}
