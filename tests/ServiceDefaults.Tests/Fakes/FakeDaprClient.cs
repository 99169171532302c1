using System.Globalization;
using System.Text.Json;
using Dapr;
using Dapr.Client;

namespace Mtaeda.ServiceDefaults.Tests.Fakes;

/// <summary>
/// An in-memory Dapr state store behind the real <see cref="DaprClient"/> surface, with the semantics the guard relies
/// on from a real sidecar: keys containing "||" are refused, first-write without an ETag refuses an existing key,
/// ETag-checked saves and deletes, and TTL (metadata ttlInSeconds, -1 = never) against a clock the test controls. Every
/// call yields first, so concurrent callers really interleave. <see cref="KeepsFirstWriteFlag"/> adds state.redis' rule
/// for keys saved with first-write concurrency.
/// </summary>
internal sealed partial class FakeDaprClient(TimeProvider? clock = null) : DaprClient
{
    private readonly TimeProvider clock = clock ?? TimeProvider.System;
    private readonly Lock gate = new();
    private readonly Dictionary<(string Store, string Key), Entry> entries = [];
    private readonly List<Write> writes = [];
    private long version;

    public override JsonSerializerOptions JsonSerializerOptions { get; } = new(JsonSerializerDefaults.Web);

    /// <summary>Decides, per save, whether the store fails it (as a sidecar whose store is down would).</summary>
    public Func<Write, bool> FailSave { get; set; } = _ => false;

    /// <summary>
    /// As components-contrib's <c>state.redis</c>: a key saved with first-write concurrency stays flagged so until it is
    /// deleted or expires, and every later save of it without an ETag is refused (Internal, "failed to set key"); a
    /// last-write save's ETag is ignored there, so it counts as none.
    /// </summary>
    public bool KeepsFirstWriteFlag { get; init; }

    public IReadOnlyList<Write> Writes
    {
        get
        {
            lock (gate)
            {
                return [.. writes];
            }
        }
    }

    public JsonElement? Read(string store, string key)
    {
        lock (gate)
        {
            return Live(store, key) is { } entry ? JsonDocument.Parse(entry.Json).RootElement.Clone() : null;
        }
    }

    public override async Task<TValue> GetStateAsync<TValue>(string storeName, string key, ConsistencyMode? consistencyMode = null,
        IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default) where TValue : default
    {
        var (value, _) = await GetStateAndETagAsync<TValue>(storeName, key, consistencyMode, metadata, cancellationToken);
        return value;
    }

    public override async Task<(TValue, string)> GetStateAndETagAsync<TValue>(string storeName, string key, ConsistencyMode? consistencyMode = null,
        IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default) where TValue : default
    {
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        CheckKey(key);
        lock (gate)
        {
            return Live(storeName, key) is { } entry
                ? (JsonSerializer.Deserialize<TValue>(entry.Json, JsonSerializerOptions)!, entry.ETag)
                : (default!, string.Empty);
        }
    }

    public override async Task SaveStateAsync<TValue>(string storeName, string key, TValue? value, StateOptions? stateOptions = null,
        IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default) where TValue : default
    {
        if (!await SaveAsync(storeName, key, value, null, stateOptions, metadata, cancellationToken))
        {
            throw new DaprException("State operation failed: the Dapr endpoint indicated a failure. See InnerException for details.",
                new InvalidOperationException($"first-write: key {key} already exists"));
        }
    }

    public override Task<bool> TrySaveStateAsync<TValue>(string storeName, string key, TValue? value, string etag, StateOptions? stateOptions = null,
        IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default) where TValue : default
    {
        ArgumentException.ThrowIfNullOrEmpty(etag); // as the Dapr client does
        return SaveAsync(storeName, key, value, etag, stateOptions, metadata, cancellationToken);
    }

    /// <summary>False when the ETag does not match, or first-write finds the key; throws for a store failure.</summary>
    private async Task<bool> SaveAsync<TValue>(string storeName, string key, TValue? value, string? etag, StateOptions? stateOptions,
        IReadOnlyDictionary<string, string>? metadata, CancellationToken cancellationToken)
    {
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        CheckKey(key);
        var json = JsonSerializer.Serialize(value, JsonSerializerOptions);
        var write = new Write(storeName, key, json, stateOptions?.Concurrency ?? ConcurrencyMode.LastWrite,
            metadata is not null && metadata.TryGetValue("ttlInSeconds", out var ttl) ? ttl : null, etag);
        lock (gate)
        {
            writes.Add(write);
            if (FailSave(write))
            {
                throw new DaprException("State operation failed: the Dapr endpoint indicated a failure. See InnerException for details.",
                    new InvalidOperationException("injected store failure"));
            }

            var current = Live(storeName, key);
            var guardedBy = KeepsFirstWriteFlag && write.Concurrency == ConcurrencyMode.LastWrite ? null : etag;
            if (guardedBy is not null)
            {
                if (current?.ETag != guardedBy)
                {
                    return false;
                }
            }
            else if (current is not null && KeepsFirstWriteFlag && current.FirstWrite)
            {
                throw new DaprException("State operation failed: the Dapr endpoint indicated a failure. See InnerException for details.",
                    new InvalidOperationException($"failed saving state in state store {storeName}: failed to set key {key}"));
            }
            else if (current is not null && write.Concurrency == ConcurrencyMode.FirstWrite)
            {
                // Real stores report this conflict with different codes (Aborted, Internal...): only "it failed" is portable.
                return false;
            }

            var expires = write.TtlInSeconds is { } seconds && int.Parse(seconds, CultureInfo.InvariantCulture) is > 0 and var s
                ? clock.GetUtcNow().AddSeconds(s)
                : (DateTimeOffset?)null;
            var firstWrite = write.Concurrency == ConcurrencyMode.FirstWrite || current?.FirstWrite == true;
            entries[(storeName, key)] = new Entry(json, (++version).ToString(CultureInfo.InvariantCulture), expires, firstWrite);
            return true;
        }
    }

    public override async Task DeleteStateAsync(string storeName, string key, StateOptions? stateOptions = null,
        IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        CheckKey(key);
        lock (gate)
        {
            entries.Remove((storeName, key));
        }
    }

    public override async Task<bool> TryDeleteStateAsync(string storeName, string key, string etag, StateOptions? stateOptions = null,
        IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        CheckKey(key);
        lock (gate)
        {
            if (Live(storeName, key)?.ETag != etag)
            {
                return false;
            }

            entries.Remove((storeName, key));
            return true;
        }
    }

    private Entry? Live(string store, string key)
    {
        if (!entries.TryGetValue((store, key), out var entry))
        {
            return null;
        }

        if (entry.ExpiresAt is { } at && at <= clock.GetUtcNow())
        {
            entries.Remove((store, key));
            return null;
        }

        return entry;
    }

    private static void CheckKey(string key)
    {
        // What daprd answers (InvalidArgument, DAPR_STATE_ILLEGAL_KEY): "||" separates the app-id prefix from the key.
        if (key.Contains("||", StringComparison.Ordinal))
        {
            throw new DaprException("State operation failed: the Dapr endpoint indicated a failure. See InnerException for details.",
                new ArgumentException($"input key/keyPrefix '{key}' can't contain '||'"));
        }
    }

    public sealed record Write(string Store, string Key, string Json, ConcurrencyMode Concurrency, string? TtlInSeconds, string? ETag = null);

    private sealed record Entry(string Json, string ETag, DateTimeOffset? ExpiresAt, bool FirstWrite);
}
