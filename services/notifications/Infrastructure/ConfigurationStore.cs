using Dapr.Client;
using Google.Protobuf;
using Mtaeda.Contracts;
using Mtaeda.Contracts.Notifications.V1;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Notifications.Infrastructure;

/// <summary>What a change of the configurations answers, and the event it causes (none when nothing changed).</summary>
/// <typeparam name="T">The answer.</typeparam>
/// <param name="Result">The answer.</param>
/// <param name="Event">The event of the change, or null.</param>
/// <param name="EventId">The event's CloudEvent id.</param>
/// <param name="Subject">The configuration the event is about.</param>
public readonly record struct ConfigurationChange<T>(T Result, IMessage? Event = null, string? EventId = null, string? Subject = null);

/// <summary>The stored document: the configurations (id → proto3 JSON) and the outbox of their events not yet published.</summary>
/// <param name="Configurations">The configurations.</param>
/// <param name="Outbox">The events written with the change that caused them, until they are published.</param>
public sealed record ConfigurationsDocument(SortedDictionary<string, string> Configurations, List<OutboxEntry> Outbox);

/// <summary>
/// The notification configurations, all under one key of the state store with the outbox of their events, updated with
/// optimistic concurrency (read with the ETag, write only if unchanged, else read again). A change and its event are
/// written in that one write; the event is published after it and then leaves the outbox. One left behind by a crash or a
/// failed publish is published at the next change or at start (<see cref="PublishPendingAsync"/>), with the same
/// CloudEvent id, which subscribers de-duplicate. Configurations are few and read whole on every alert.
/// </summary>
/// <param name="dapr">The Dapr client.</param>
/// <param name="options">The state store.</param>
public sealed class ConfigurationStore(DaprClient dapr, NotificationsOptions options)
{
    /// <summary>The state key.</summary>
    public const string Key = "notification-configurations";

    private const int MaxAttempts = 20;
    private static readonly StateOptions FirstWrite = new() { Concurrency = ConcurrencyMode.FirstWrite, Consistency = ConsistencyMode.Strong };

    /// <summary>Every configuration, by id.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The configurations.</returns>
    public async Task<IReadOnlyList<NotificationConfiguration>> ListAsync(CancellationToken cancellationToken)
    {
        var document = await dapr.GetStateAsync<ConfigurationsDocument?>(options.StateStoreName, Key, ConsistencyMode.Strong, cancellationToken: cancellationToken);
        return document is null ? [] : [.. document.Configurations.Values.Select(IntegrationEvents.FromJson<NotificationConfiguration>)];
    }

    /// <summary>Changes the configurations in one optimistic write, with the event of the change; then publishes it.</summary>
    /// <typeparam name="T">What <paramref name="change"/> answers.</typeparam>
    /// <param name="change">Changes the map (id → configuration) and answers what the caller needs and the event; it may run more than once.</param>
    /// <param name="cancellationToken">Cancels the update.</param>
    /// <returns>What <paramref name="change"/> answered on the write that stuck.</returns>
    public async Task<T> ChangeAsync<T>(Func<IDictionary<string, NotificationConfiguration>, ConfigurationChange<T>> change, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (stored, etag) = await dapr.GetStateAndETagAsync<ConfigurationsDocument?>(options.StateStoreName, Key, ConsistencyMode.Strong, cancellationToken: cancellationToken);
            var map = new SortedDictionary<string, NotificationConfiguration>(StringComparer.Ordinal);
            foreach (var (id, json) in stored?.Configurations ?? []) map[id] = IntegrationEvents.FromJson<NotificationConfiguration>(json);
            var outcome = change(map);
            if (outcome.Event is null)
            {
                if (stored is { Outbox.Count: > 0 }) await PublishPendingAsync(cancellationToken);
                return outcome.Result;
            }
            var outbox = new List<OutboxEntry>(stored?.Outbox ?? [])
            {
                new(outcome.EventId ?? Guid.NewGuid().ToString(), Topics.Notifications, outcome.Event.Descriptor.FullName, IntegrationEvents.ToJson(outcome.Event)),
            };
            var next = new ConfigurationsDocument(new SortedDictionary<string, string>(map.ToDictionary(p => p.Key, p => IntegrationEvents.ToJson(p.Value)), StringComparer.Ordinal), outbox);
            if (await TryWriteAsync(next, etag, cancellationToken))
            {
                await PublishPendingAsync(cancellationToken);
                return outcome.Result;
            }
            if (attempt == MaxAttempts) throw new InvalidOperationException($"The notification configurations stayed contended for {MaxAttempts} attempts.");
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20 * attempt)), cancellationToken);
        }
    }

    /// <summary>Publishes the events the outbox holds, oldest first, and takes the published ones out of it.</summary>
    /// <param name="cancellationToken">Cancels the publishing.</param>
    /// <returns>A task.</returns>
    public async Task PublishPendingAsync(CancellationToken cancellationToken)
    {
        var document = await dapr.GetStateAsync<ConfigurationsDocument?>(options.StateStoreName, Key, ConsistencyMode.Strong, cancellationToken: cancellationToken);
        if (document is null || document.Outbox.Count == 0) return;
        var published = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in document.Outbox)
        {
            // The subject: the configuration's id, read back from the event (every configuration event names it).
            await dapr.PublishJsonAsync(entry.Topic, entry.Type, entry.Json, entry.Id, SubjectOf(entry), cancellationToken);
            published.Add(entry.Id);
        }
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var (stored, etag) = await dapr.GetStateAndETagAsync<ConfigurationsDocument?>(options.StateStoreName, Key, ConsistencyMode.Strong, cancellationToken: cancellationToken);
            if (stored is null || !stored.Outbox.Any(e => published.Contains(e.Id))) return;
            var next = stored with { Outbox = [.. stored.Outbox.Where(e => !published.Contains(e.Id))] };
            if (await TryWriteAsync(next, etag, cancellationToken)) return;
        }
        // Still contended: the entries stay and are published again (same ids) with the next change or start.
    }

    private static string? SubjectOf(OutboxEntry entry)
    {
        using var json = System.Text.Json.JsonDocument.Parse(entry.Json);
        var root = json.RootElement;
        if (root.TryGetProperty("configurationId", out var id)) return id.GetString();
        return root.TryGetProperty("configuration", out var configuration) && configuration.TryGetProperty("configurationId", out id) ? id.GetString() : null;
    }

    private async Task<bool> TryWriteAsync(ConfigurationsDocument value, string? etag, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(etag)) return await dapr.TrySaveStateAsync(options.StateStoreName, Key, value, etag, FirstWrite, cancellationToken: cancellationToken);
        try
        {
            await dapr.SaveStateAsync(options.StateStoreName, Key, value, FirstWrite, cancellationToken: cancellationToken);
            return true;
        }
        catch (Dapr.DaprException)
        {
            return false;
        }
    }
}
