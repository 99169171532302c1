using System.Globalization;
using System.Text.Json;
using Dapr.DurableTask.Protobuf;
using Google.Protobuf;
using LocalDapr.State;

namespace LocalDapr.Workflows;

/// <summary>
/// Where a workflow instance lives in the actor state store, in daprd's layout for workflow actors
/// (dapr/dapr <c>pkg/runtime/wfengine/state</c>): every key is actor state of the internal actor type
/// <c>dapr.internal.{namespace}.{appId}.workflow</c> with the instance id as actor id, so
/// <c>{appId}||dapr.internal.default.{appId}.workflow||{instanceId}||{key}</c> with the keys
/// <c>metadata</c> (<c>BackendWorkflowStateMetadata</c>: inbox and history lengths, generation),
/// <c>history-000000</c>… (one <c>HistoryEvent</c> each, the events the workflow has seen),
/// <c>inbox-000000</c>… (events received and not yet given to the workflow) and <c>customStatus</c>
/// (a <c>StringValue</c>), all protobuf as daprd writes them. daprd finds unfinished instances again through its
/// scheduler's reminders; the local runtime keeps that list itself, under the pseudo actor type
/// <c>dapr.internal.default.{appId}.workflow.live</c>: ids <c>00</c>…<c>63</c>, each a JSON array of the unfinished
/// instance ids hashed to it. Every change of one instance is one transaction of the store.
/// </summary>
internal sealed class WorkflowStore(IStateStore store, string appId)
{
    public const int Buckets = 64;

    private readonly SemaphoreSlim[] _bucketLocks = [.. Enumerable.Range(0, Buckets).Select(_ => new SemaphoreSlim(1, 1))];
    private readonly HashSet<string>?[] _buckets = new HashSet<string>?[Buckets];

    public string ActorType { get; } = $"dapr.internal.default.{appId}.workflow";

    public string Key(string instanceId, string key) => $"{appId}||{ActorType}||{instanceId}||{key}";

    public static string Entry(string prefix, int index) => $"{prefix}-{index.ToString("D6", CultureInfo.InvariantCulture)}";

    private string BucketKey(int bucket) => $"{appId}||{ActorType}.live||{bucket.ToString("D2", CultureInfo.InvariantCulture)}";

    public static int BucketOf(string instanceId)
    {
        var hash = 2166136261u;
        foreach (var c in instanceId) hash = (hash ^ c) * 16777619u;
        return (int)(hash % Buckets);
    }

    /// <summary>The stored instance, or null when there is none.</summary>
    public async Task<StoredInstance?> LoadAsync(string instanceId, CancellationToken cancellationToken)
    {
        var meta = await store.GetAsync(Key(instanceId, "metadata"), cancellationToken);
        if (meta is null) return null;
        var metadata = BackendWorkflowStateMetadata.Parser.ParseFrom(meta.Value);
        var history = new List<HistoryEvent>((int)metadata.HistoryLength);
        for (var i = 0; i < (int)metadata.HistoryLength; i++)
        {
            var entry = await store.GetAsync(Key(instanceId, Entry("history", i)), cancellationToken)
                ?? throw new InvalidDataException($"workflow '{instanceId}': {Entry("history", i)} is missing");
            history.Add(HistoryEvent.Parser.ParseFrom(entry.Value));
        }
        var inbox = new List<HistoryEvent>((int)metadata.InboxLength);
        for (var i = 0; i < (int)metadata.InboxLength; i++)
        {
            var entry = await store.GetAsync(Key(instanceId, Entry("inbox", i)), cancellationToken)
                ?? throw new InvalidDataException($"workflow '{instanceId}': {Entry("inbox", i)} is missing");
            inbox.Add(HistoryEvent.Parser.ParseFrom(entry.Value));
        }
        var status = await store.GetAsync(Key(instanceId, "customStatus"), cancellationToken);
        string? customStatus = status is { Value.Length: > 0 } ? Google.Protobuf.WellKnownTypes.StringValue.Parser.ParseFrom(status.Value).Value : null;
        return new StoredInstance(history, inbox, customStatus, metadata.Generation);
    }

    /// <summary>
    /// Writes what changed since <paramref name="before"/> (lengths of history and inbox as stored) as one transaction:
    /// history appended (or rewritten from <paramref name="historyFrom"/>), the inbox rewritten, custom status, metadata.
    /// </summary>
    public ValueTask SaveAsync(string instanceId, StoredLengths before, int historyFrom, IReadOnlyList<HistoryEvent> history,
        IReadOnlyList<HistoryEvent> inbox, int inboxFrom, string? customStatus, bool customStatusChanged, ulong generation, CancellationToken cancellationToken)
    {
        var writes = new List<StateWrite>();
        for (var i = historyFrom; i < history.Count; i++) writes.Add(Upsert(Key(instanceId, Entry("history", i)), history[i].ToByteArray()));
        for (var i = history.Count; i < before.History; i++) writes.Add(Delete(Key(instanceId, Entry("history", i))));
        for (var i = inboxFrom; i < inbox.Count; i++) writes.Add(Upsert(Key(instanceId, Entry("inbox", i)), inbox[i].ToByteArray()));
        for (var i = inbox.Count; i < before.Inbox; i++) writes.Add(Delete(Key(instanceId, Entry("inbox", i))));
        if (customStatusChanged)
        {
            writes.Add(customStatus is null
                ? Delete(Key(instanceId, "customStatus"))
                : Upsert(Key(instanceId, "customStatus"), new Google.Protobuf.WellKnownTypes.StringValue { Value = customStatus }.ToByteArray()));
        }
        writes.Add(Upsert(Key(instanceId, "metadata"), new BackendWorkflowStateMetadata
        {
            HistoryLength = (ulong)history.Count,
            InboxLength = (ulong)inbox.Count,
            Generation = generation,
        }.ToByteArray()));
        return store.WriteAsync(writes, cancellationToken);
    }

    /// <summary>Deletes every key of the instance.</summary>
    public ValueTask DeleteAsync(string instanceId, StoredLengths lengths, CancellationToken cancellationToken)
    {
        var writes = new List<StateWrite>
        {
            Delete(Key(instanceId, "metadata")),
            Delete(Key(instanceId, "customStatus")),
        };
        for (var i = 0; i < lengths.History; i++) writes.Add(Delete(Key(instanceId, Entry("history", i))));
        for (var i = 0; i < lengths.Inbox; i++) writes.Add(Delete(Key(instanceId, Entry("inbox", i))));
        return store.WriteAsync(writes, cancellationToken);
    }

    /// <summary>Every instance listed as unfinished.</summary>
    public async Task<IReadOnlyList<string>> LiveAsync(CancellationToken cancellationToken)
    {
        var all = new List<string>();
        for (var b = 0; b < Buckets; b++)
        {
            await _bucketLocks[b].WaitAsync(cancellationToken);
            try
            {
                all.AddRange(await BucketAsync(b, cancellationToken));
            }
            finally
            {
                _bucketLocks[b].Release();
            }
        }
        return all;
    }

    /// <summary>Lists the instance as unfinished (<paramref name="live"/>) or takes it off the list.</summary>
    public async Task MarkLiveAsync(string instanceId, bool live, CancellationToken cancellationToken)
    {
        var b = BucketOf(instanceId);
        await _bucketLocks[b].WaitAsync(cancellationToken);
        try
        {
            var set = await BucketAsync(b, cancellationToken);
            if (!(live ? set.Add(instanceId) : set.Remove(instanceId))) return;
            await store.WriteAsync([Upsert(BucketKey(b), JsonSerializer.SerializeToUtf8Bytes(set.Order(StringComparer.Ordinal).ToArray()))], cancellationToken);
        }
        finally
        {
            _bucketLocks[b].Release();
        }
    }

    private async Task<HashSet<string>> BucketAsync(int b, CancellationToken cancellationToken)
    {
        if (_buckets[b] is { } cached) return cached;
        var entry = await store.GetAsync(BucketKey(b), cancellationToken);
        var set = entry is null ? new HashSet<string>(StringComparer.Ordinal) : new HashSet<string>(JsonSerializer.Deserialize<string[]>(entry.Value) ?? [], StringComparer.Ordinal);
        _buckets[b] = set;
        return set;
    }

    private static StateWrite Upsert(string key, byte[] value) => new(key, value, null, Concurrency.LastWrite, null);

    private static StateWrite Delete(string key) => new(key, null, null, Concurrency.LastWrite, null);
}

internal sealed record StoredInstance(List<HistoryEvent> History, List<HistoryEvent> Inbox, string? CustomStatus, ulong Generation);

internal readonly record struct StoredLengths(int History, int Inbox);
