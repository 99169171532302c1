using Dapr;
using Dapr.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mtaeda.ServiceDefaults;

/// <summary>Where a service keeps its <see cref="StateOutbox"/> and how often the sweep publishes what it still holds.</summary>
/// <param name="StoreName">The state store (it must support transactions: the outbox is written in the change's transaction).</param>
/// <param name="SweepEvery">The period of the sweep (<see cref="OutboxSweep"/>).</param>
/// <param name="Key">The state key of the outbox.</param>
public sealed record StateOutboxOptions(string StoreName, TimeSpan SweepEvery, string Key = StateOutbox.DefaultKey);

/// <summary>
/// The outbox of a service whose state is in a state store rather than in actors (the actors' own is
/// <see cref="OutboxActor"/>; both publish the same way, <see cref="OutboxPublishing"/>). A change and the events it causes
/// are written in one state transaction: the change's writes and <see cref="Append"/> (the outbox key, guarded by the ETag
/// it was read with). After the commit the caller publishes the events (<see cref="PublishAsync"/>), which then leave the
/// outbox; what a crash or a failed publish leaves there is published by the <see cref="OutboxSweep"/> at start and every
/// <see cref="StateOutboxOptions.SweepEvery"/>, always with the same CloudEvent id, which subscribers de-duplicate:
/// at-least-once delivery, exactly-once effects. Nothing reaches the outbox but what a committed change wrote there.
/// </summary>
/// <param name="dapr">The Dapr client.</param>
/// <param name="options">Where the outbox is.</param>
/// <param name="logger">The logger.</param>
public sealed partial class StateOutbox(DaprClient dapr, StateOutboxOptions options, ILogger<StateOutbox> logger)
{
    /// <summary>The state key of the outbox unless the service names another.</summary>
    public const string DefaultKey = "outbox";

    /// <summary>The outbox as read, to add entries to in a transaction (<see cref="Append"/>).</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The entries (null when none were ever written) and the ETag.</returns>
    public Task<(List<OutboxEntry>? Entries, string? ETag)> ReadAsync(CancellationToken cancellationToken) =>
        dapr.GetWithETagAsync<List<OutboxEntry>>(options.StoreName, options.Key, cancellationToken);

    /// <summary>The write, for the change's transaction, that adds <paramref name="added"/> to the outbox read as <paramref name="read"/>.</summary>
    /// <param name="read">The outbox as <see cref="ReadAsync"/> answered.</param>
    /// <param name="added">The events of the change.</param>
    /// <returns>The write.</returns>
    public StateWrite Append((List<OutboxEntry>? Entries, string? ETag) read, params OutboxEntry[] added) =>
        new(options.Key, StateTransactions.Json(new List<OutboxEntry>([.. read.Entries ?? [], .. added])), read.ETag);

    /// <summary>Publishes <paramref name="entries"/> (just committed) in order and takes the published ones out of the outbox; a failure is left to the sweep.</summary>
    /// <param name="entries">The entries.</param>
    /// <param name="cancellationToken">Cancels the publishing.</param>
    /// <returns>A task.</returns>
    public async Task PublishAsync(IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken)
    {
        var published = new HashSet<string>(StringComparer.Ordinal);
        if (await OutboxPublishing.PublishInOrderAsync(entries, published, (entry, ct) => dapr.PublishEntryAsync(entry, null, ct), cancellationToken) is { } failed)
        {
            LogPublishFailed(failed.Entry.Type, failed.Entry.Id, failed.Error.GetType().Name);
        }
        if (published.Count > 0) await RemoveAsync(published, cancellationToken);
    }

    /// <summary>Publishes whatever the outbox holds, oldest first (the sweep).</summary>
    /// <param name="cancellationToken">Cancels the publishing.</param>
    /// <returns>A task.</returns>
    public async Task PublishPendingAsync(CancellationToken cancellationToken)
    {
        var (pending, _) = await ReadAsync(cancellationToken);
        if (pending is { Count: > 0 }) await PublishAsync(pending, cancellationToken);
    }

    private async Task RemoveAsync(HashSet<string> published, CancellationToken cancellationToken)
    {
        try
        {
            await StateTransactions.RetryAsync(async ct =>
            {
                var (current, etag) = await ReadAsync(ct);
                if (current is null || !current.Any(e => published.Contains(e.Id))) return (true, 0);
                var rest = current.Where(e => !published.Contains(e.Id)).ToList();
                return (await dapr.TryCommitAsync(options.StoreName, [new StateWrite(options.Key, StateTransactions.Json(rest), etag)], ct), 0);
            }, "taking published events out of the outbox", cancellationToken);
        }
        catch (Exception e) when (e is InvalidOperationException or DaprException)
        {
            // The entries stay and are published again, with the same ids, by the sweep.
            LogRemoveFailed(e.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing {Type} {EventId} failed ({Error}); the outbox sweep publishes it again")]
    private partial void LogPublishFailed(string type, string eventId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Published events could not be taken out of the outbox ({Error}); the sweep publishes them again with the same ids")]
    private partial void LogRemoveFailed(string error);
}

/// <summary>Publishes what a <see cref="StateOutbox"/> still holds: once the sidecar is up, and then every <see cref="StateOutboxOptions.SweepEvery"/>.</summary>
/// <param name="outbox">The outbox.</param>
/// <param name="options">How often.</param>
/// <param name="dapr">The Dapr client (to wait for the sidecar).</param>
/// <param name="logger">The logger.</param>
public sealed partial class OutboxSweep(StateOutbox outbox, StateOutboxOptions options, DaprClient dapr, ILogger<OutboxSweep> logger) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await dapr.WaitForSidecarAsync(stoppingToken);
            using var timer = new PeriodicTimer(options.SweepEvery);
            do
            {
                try
                {
                    await outbox.PublishPendingAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogSweepFailed(e.GetType().Name);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The outbox sweep failed ({Error}); it runs again")]
    private partial void LogSweepFailed(string error);
}

/// <summary>Registers a service's <see cref="StateOutbox"/> and its <see cref="OutboxSweep"/>.</summary>
public static class StateOutboxServiceCollectionExtensions
{
    /// <summary>Adds the service's one <see cref="StateOutbox"/> (a singleton) and the sweep that publishes what it still holds.</summary>
    /// <param name="services">The services.</param>
    /// <param name="options">Where the outbox is and how often it is swept.</param>
    /// <returns>The same services.</returns>
    public static IServiceCollection AddStateOutbox(this IServiceCollection services, StateOutboxOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton<StateOutbox>();
        services.AddHostedService<OutboxSweep>();
        return services;
    }
}
