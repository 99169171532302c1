namespace LocalDapr.PubSub;

/// <summary>One message as the broker holds it: the bytes published (a CloudEvent unless raw) and its metadata.</summary>
public sealed record PubSubMessage(string Topic, byte[] Data, IReadOnlyDictionary<string, string> Metadata)
{
    /// <summary>The broker's own handle for acknowledging (a stream entry id for Redis); unused in memory.</summary>
    public string BrokerId { get; init; } = "";
}

/// <summary>A pub/sub component.</summary>
public interface IPubSub : IAsyncDisposable
{
    string Name { get; }

    string Type { get; }

    IReadOnlyList<string> Features { get; }

    ValueTask PublishAsync(string topic, IReadOnlyList<PubSubMessage> messages, CancellationToken cancellationToken);

    /// <summary>Joins the consumer group <paramref name="group"/> of <paramref name="topic"/>: members of one group compete, each group gets every message.</summary>
    ITopicConsumer Consume(string topic, string group, string consumerName);
}

/// <summary>One member of a consumer group, pulling messages and settling each one.</summary>
public interface ITopicConsumer : IAsyncDisposable
{
    /// <summary>Waits for at least one message, then takes up to <paramref name="maxCount"/>, waiting at most <paramref name="maxWait"/> to fill the batch.</summary>
    ValueTask<IReadOnlyList<PubSubMessage>> ReceiveAsync(int maxCount, TimeSpan maxWait, CancellationToken cancellationToken);

    /// <summary>Processed (or dead-lettered): never deliver again.</summary>
    ValueTask AckAsync(PubSubMessage message);

    /// <summary>Acknowledges a batch; brokers that can settle many messages in one command override this.</summary>
    async ValueTask AckAsync(IReadOnlyList<PubSubMessage> messages)
    {
        foreach (var message in messages) await AckAsync(message);
    }

    /// <summary>Not processed after the retries: a durable broker delivers it again later, the in-memory one cannot.</summary>
    ValueTask NackAsync(PubSubMessage message);
}
