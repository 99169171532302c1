using Dapr.Client;
using Mtaeda.Contracts.Notifications.V1;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Notifications.Infrastructure;

/// <summary>
/// The notification configurations, all under one key of the state store (id → configuration in proto3 JSON), updated
/// with optimistic concurrency (read with the ETag, write only if unchanged, else read again). They are few and read
/// whole on every alert, so one read answers both.
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
        var all = await dapr.GetStateAsync<SortedDictionary<string, string>?>(options.StateStoreName, Key, ConsistencyMode.Strong, cancellationToken: cancellationToken);
        return all is null ? [] : [.. all.Values.Select(IntegrationEvents.FromJson<NotificationConfiguration>)];
    }

    /// <summary>Changes the configurations in one optimistic step.</summary>
    /// <typeparam name="T">What <paramref name="change"/> answers.</typeparam>
    /// <param name="change">Changes the map (id → configuration) and answers what the caller needs; it may run more than once.</param>
    /// <param name="cancellationToken">Cancels the update.</param>
    /// <returns>What <paramref name="change"/> answered on the write that stuck.</returns>
    public async Task<T> ChangeAsync<T>(Func<IDictionary<string, NotificationConfiguration>, (T Result, bool Changed)> change, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (stored, etag) = await dapr.GetStateAndETagAsync<SortedDictionary<string, string>?>(options.StateStoreName, Key, ConsistencyMode.Strong, cancellationToken: cancellationToken);
            var map = new SortedDictionary<string, NotificationConfiguration>(StringComparer.Ordinal);
            foreach (var (id, json) in stored ?? []) map[id] = IntegrationEvents.FromJson<NotificationConfiguration>(json);
            var (result, changed) = change(map);
            if (!changed) return result;
            var next = new SortedDictionary<string, string>(map.ToDictionary(p => p.Key, p => IntegrationEvents.ToJson(p.Value)), StringComparer.Ordinal);
            if (await TryWriteAsync(next, etag, cancellationToken)) return result;
            if (attempt == MaxAttempts) throw new InvalidOperationException($"The notification configurations stayed contended for {MaxAttempts} attempts.");
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20 * attempt)), cancellationToken);
        }
    }

    private async Task<bool> TryWriteAsync(SortedDictionary<string, string> value, string? etag, CancellationToken cancellationToken)
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
