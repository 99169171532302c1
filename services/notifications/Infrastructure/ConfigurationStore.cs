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

/// <summary>The stored document: the configurations (id → proto3 JSON).</summary>
/// <param name="Configurations">The configurations.</param>
public sealed record ConfigurationsDocument(SortedDictionary<string, string> Configurations);

/// <summary>
/// The notification configurations, all under one key of the state store, updated with optimistic concurrency (read with
/// the ETag, write only if unchanged, else read again). A change and its event are written in one state transaction with
/// the service's outbox (<see cref="StateOutbox"/>); the event is published after it and then leaves the outbox. One left
/// behind by a crash or a failed publish is published by the outbox sweep, with the same CloudEvent id, which subscribers
/// de-duplicate. Configurations are few and read whole on every alert.
/// </summary>
/// <param name="dapr">The Dapr client.</param>
/// <param name="options">The state store.</param>
/// <param name="outbox">The outbox the events are written to.</param>
public sealed class ConfigurationStore(DaprClient dapr, NotificationsOptions options, StateOutbox outbox)
{
    /// <summary>The state key.</summary>
    public const string Key = "notification-configurations";

    /// <summary>Every configuration, by id.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The configurations.</returns>
    public async Task<IReadOnlyList<NotificationConfiguration>> ListAsync(CancellationToken cancellationToken)
    {
        var document = await dapr.GetStateAsync<ConfigurationsDocument?>(options.StateStoreName, Key, ConsistencyMode.Strong, cancellationToken: cancellationToken);
        return document is null ? [] : [.. document.Configurations.Values.Select(IntegrationEvents.FromJson<NotificationConfiguration>)];
    }

    /// <summary>Changes the configurations in one optimistic transaction, with the event of the change in the outbox; then publishes it.</summary>
    /// <typeparam name="T">What <paramref name="change"/> answers.</typeparam>
    /// <param name="change">Changes the map (id → configuration) and answers what the caller needs and the event; it may run more than once.</param>
    /// <param name="cancellationToken">Cancels the update.</param>
    /// <returns>What <paramref name="change"/> answered on the write that stuck.</returns>
    public async Task<T> ChangeAsync<T>(Func<IDictionary<string, NotificationConfiguration>, ConfigurationChange<T>> change, CancellationToken cancellationToken)
    {
        var (result, entry) = await StateTransactions.RetryAsync(async ct =>
        {
            var (stored, etag) = await dapr.GetWithETagAsync<ConfigurationsDocument>(options.StateStoreName, Key, ct);
            var map = new SortedDictionary<string, NotificationConfiguration>(StringComparer.Ordinal);
            foreach (var (id, json) in stored?.Configurations ?? []) map[id] = IntegrationEvents.FromJson<NotificationConfiguration>(json);
            var outcome = change(map);
            if (outcome.Event is null) return (true, (outcome.Result, (OutboxEntry?)null));
            var made = OutboxEntry.Of(outcome.Event, outcome.EventId, outcome.Subject ?? SubjectOf(outcome.Event));
            var next = new ConfigurationsDocument(new SortedDictionary<string, string>(map.ToDictionary(p => p.Key, p => IntegrationEvents.ToJson(p.Value)), StringComparer.Ordinal));
            var done = await dapr.TryCommitAsync(options.StateStoreName, [new StateWrite(Key, StateTransactions.Json(next), etag), outbox.Append(await outbox.ReadAsync(ct), made)], ct);
            return (done, (outcome.Result, (OutboxEntry?)made));
        }, "changing the notification configurations", cancellationToken);
        if (entry is not null) await outbox.PublishAsync([entry], cancellationToken);
        return result;
    }

    // The subject: the configuration the event is about (every configuration event names it).
    private static string? SubjectOf(IMessage message) => message switch
    {
        NotificationConfigurationCreated created => created.Configuration?.ConfigurationId,
        NotificationConfigurationChanged changed => changed.Configuration?.ConfigurationId,
        NotificationConfigurationRemoved removed => removed.ConfigurationId,
        _ => null,
    };
}
