using Dapr.Client;
using Google.Protobuf;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Identification.Infrastructure;

/// <summary>
/// Events are written in the same state transaction as the change that causes them (under <see cref="IdentificationStore.OutboxKey"/>),
/// published right after the commit, and taken out of the outbox once published. What a crash or a failed publish
/// leaves there is published by the sweep every <see cref="IdentificationOptions.OutboxSweep"/>, always with the same
/// CloudEvent id, which subscribers de-duplicate: at-least-once delivery, exactly-once effects.
/// </summary>
public sealed partial class IdentificationOutbox(IdentificationStore store, DaprClient dapr, IdentificationOptions options, ILogger<IdentificationOutbox> logger) : BackgroundService
{
    /// <summary>An outbox entry for <paramref name="message"/>.</summary>
    public static OutboxEvent Entry(IMessage message, string eventId, string subject) =>
        new(eventId, Contracts.Topics.Of(message), message.Descriptor.FullName, IntegrationEvents.ToJson(message), subject);

    /// <summary>The outbox as read, to add entries to in a transaction.</summary>
    public Task<(List<OutboxEvent>? Value, string? ETag)> ReadAsync(CancellationToken cancellationToken) =>
        store.GetAsync<List<OutboxEvent>>(IdentificationStore.OutboxKey, cancellationToken);

    /// <summary>The write that adds <paramref name="added"/> to the outbox read as (<paramref name="current"/>, <paramref name="etag"/>).</summary>
    public static StateWrite Add(List<OutboxEvent>? current, string? etag, params OutboxEvent[] added) =>
        new(IdentificationStore.OutboxKey, IdentificationStore.Json(new List<OutboxEvent>([.. current ?? [], .. added])), etag);

    /// <summary>Publishes <paramref name="events"/> (just committed) and takes them out of the outbox; a failure is left to the sweep.</summary>
    public async Task PublishAsync(IReadOnlyList<OutboxEvent> events, CancellationToken cancellationToken)
    {
        var published = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in events)
        {
            try
            {
                await dapr.PublishJsonAsync(entry.Topic, entry.Type, entry.Json, entry.Id, entry.Subject, cancellationToken);
                published.Add(entry.Id);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogPublishFailed(entry.Type, entry.Id, e.GetType().Name);
            }
        }
        if (published.Count > 0) await RemoveAsync(published, cancellationToken);
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.OutboxSweep);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var (pending, _) = await ReadAsync(stoppingToken);
                if (pending is { Count: > 0 }) await PublishAsync(pending, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogSweepFailed(e.GetType().Name);
            }
        }
    }

    private Task RemoveAsync(HashSet<string> published, CancellationToken cancellationToken) =>
        IdentificationStore.RetryAsync(async ct =>
        {
            var (current, etag) = await ReadAsync(ct);
            if (current is null || !current.Any(e => published.Contains(e.Id))) return (true, 0);
            var rest = current.Where(e => !published.Contains(e.Id)).ToList();
            return (await store.TryCommitAsync([new StateWrite(IdentificationStore.OutboxKey, IdentificationStore.Json(rest), etag)], ct), 0);
        }, "taking published events out of the outbox", cancellationToken);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing {Type} {EventId} failed ({Error}); the outbox sweep publishes it again")]
    private partial void LogPublishFailed(string type, string eventId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The outbox sweep failed ({Error}); it runs again")]
    private partial void LogSweepFailed(string error);
}
