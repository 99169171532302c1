using System.Collections.Concurrent;
using System.Threading.Channels;
using LocalDapr.Configuration;

namespace LocalDapr.PubSub;

/// <summary>
/// <c>pubsub.in-memory</c>, shared by every app of one run: a queue per topic and consumer group (the app-id),
/// so replicas of an app compete for messages while different apps each receive all of them. Nothing is durable:
/// a group exists from its first consumer until its last one leaves.
/// </summary>
public sealed class InMemoryPubSub(ComponentSpec spec, ILogger logger) : IPubSub
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, Group>> _topics = new(StringComparer.Ordinal);
    private readonly int _capacity = spec.MetaInt("queueDepth", 65_536);

    public string Name => spec.Name;

    public string Type => spec.Type;

    public IReadOnlyList<string> Features { get; } = ["SUBSCRIBE_WILDCARDS"];

    public async ValueTask PublishAsync(string topic, IReadOnlyList<PubSubMessage> messages, CancellationToken cancellationToken)
    {
        if (!_topics.TryGetValue(topic, out var groups)) return;
        foreach (var group in groups.Values)
        {
            foreach (var message in messages)
            {
                if (!group.Queue.Writer.TryWrite(message))
                    await group.Queue.Writer.WriteAsync(message, cancellationToken);
            }
        }
    }

    public ITopicConsumer Consume(string topic, string group, string consumerName)
    {
        var groups = _topics.GetOrAdd(topic, _ => new ConcurrentDictionary<string, Group>(StringComparer.Ordinal));
        lock (groups)
        {
            var g = groups.GetOrAdd(group, _ => new Group(Channel.CreateBounded<PubSubMessage>(new BoundedChannelOptions(_capacity)
            {
                FullMode = BoundedChannelFullMode.Wait,
            })));
            g.Members++;
            return new Consumer(this, topic, group, g);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private void Leave(string topic, string groupName, Group group)
    {
        if (!_topics.TryGetValue(topic, out var groups)) return;
        lock (groups)
        {
            if (--group.Members > 0) return;
            groups.TryRemove(groupName, out _);
            group.Queue.Writer.TryComplete();
            var lost = 0;
            while (group.Queue.Reader.TryRead(out _)) lost++;
            if (lost > 0)
                logger.LogWarning("Pub/sub {PubSub}: the last subscriber of topic {Topic} in group {Group} left; {Count} undelivered in-memory messages were discarded", Name, topic, groupName, lost);
        }
    }

    private sealed class Group(Channel<PubSubMessage> queue)
    {
        public Channel<PubSubMessage> Queue { get; } = queue;

        public int Members { get; set; }
    }

    private sealed class Consumer(InMemoryPubSub owner, string topic, string groupName, Group group) : ITopicConsumer
    {
        private int _disposed;

        public async ValueTask<IReadOnlyList<PubSubMessage>> ReceiveAsync(int maxCount, TimeSpan maxWait, CancellationToken cancellationToken)
        {
            var reader = group.Queue.Reader;
            while (true)
            {
                if (!await reader.WaitToReadAsync(cancellationToken)) throw new OperationCanceledException("consumer group closed");
                if (reader.TryRead(out var first)) 
                {
                    if (maxCount <= 1) return [first];
                    var batch = new List<PubSubMessage>(Math.Min(maxCount, 1024)) { first };
                    Fill(batch, reader, maxCount);
                    if (batch.Count < maxCount && maxWait > TimeSpan.Zero)
                    {
                        using var window = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                        window.CancelAfter(maxWait);
                        try
                        {
                            while (batch.Count < maxCount && await reader.WaitToReadAsync(window.Token)) Fill(batch, reader, maxCount);
                        }
                        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                        {
                        }
                    }
                    return batch;
                }
            }
        }

        public ValueTask AckAsync(PubSubMessage message) => ValueTask.CompletedTask;

        public ValueTask NackAsync(PubSubMessage message)
        {
            owner.LogLost(message);
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) owner.Leave(topic, groupName, group);
            return ValueTask.CompletedTask;
        }

        private static void Fill(List<PubSubMessage> batch, ChannelReader<PubSubMessage> reader, int maxCount)
        {
            while (batch.Count < maxCount && reader.TryRead(out var next)) batch.Add(next);
        }
    }

    private void LogLost(PubSubMessage message) =>
        logger.LogError("Pub/sub {PubSub}: a message on topic {Topic} failed every delivery attempt and has no dead-letter topic; the in-memory broker cannot keep it", Name, message.Topic);
}
