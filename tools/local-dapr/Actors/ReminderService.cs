using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using LocalDapr.Sidecar;
using LocalDapr.State;

namespace LocalDapr.Actors;

/// <summary>A reminder as it is kept in the actor state store.</summary>
public sealed record ReminderRecord
{
    [JsonPropertyName("actorID")] public required string ActorId { get; init; }
    [JsonPropertyName("actorType")] public required string ActorType { get; init; }
    [JsonPropertyName("name")] public required string Name { get; init; }
    /// <summary>The JSON value the client registered (for .NET, a base64 string), echoed back on every firing.</summary>
    [JsonPropertyName("data")] public JsonElement? Data { get; init; }
    [JsonPropertyName("dueTime")] public string DueTime { get; init; } = "";
    [JsonPropertyName("period")] public string Period { get; init; } = "";
    [JsonPropertyName("ttl")] public string? Ttl { get; init; }
    [JsonPropertyName("registeredTime")] public DateTimeOffset RegisteredTime { get; init; }
    [JsonPropertyName("expirationTime")] public DateTimeOffset? ExpirationTime { get; init; }
    /// <summary>When it fires next; moved on after each firing, so a restart neither repeats nor skips one.</summary>
    [JsonPropertyName("nextDue")] public DateTimeOffset NextDue { get; init; }
    /// <summary>Firings left for a period with repetitions (<c>R5/PT1S</c>); null for no limit.</summary>
    [JsonPropertyName("remaining")] public int? Remaining { get; init; }
}

/// <summary>
/// Reminders of the actor types an app hosts: persisted in the actor state store (an index under
/// <c>actors||{type}</c> and one record per reminder), scheduled while the app runs, fired inside the actor's turn
/// through <c>PUT /actors/{type}/{id}/method/remind/{name}</c>, and loaded again when the sidecar starts.
/// </summary>
public sealed class ReminderService(ActorHost host, SidecarRuntime sidecar, ILogger logger) : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _scheduled = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _indexLock = new(1, 1);
    private readonly CancellationTokenSource _stop = new();

    private IStateStore Store => sidecar.ActorStateStore?.Store ?? throw new DaprApiException(Grpc.Core.StatusCode.FailedPrecondition, 500, "ERR_ACTOR_REMINDER_CREATE",
        "actors: state store does not exist or incorrectly configured: no state store has metadata actorStateStore set to true");

    private static string IndexKey(string type) => $"actors||{type}";

    private static string RecordKey(string type, string id, string name) => $"actors||{type}||{id}||reminder||{name}";

    private static string Handle(string type, string id, string name) => $"{type}||{id}||{name}";

    /// <summary>Schedules every stored reminder of the hosted types (after a restart, overdue ones fire at once).</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        if (sidecar.ActorStateStore is null) return;
        foreach (var type in host.Config.Types)
        {
            foreach (var entry in await ReadIndexAsync(type, cancellationToken))
            {
                var parts = entry.Split("||", 2);
                if (parts.Length == 2 && await ReadAsync(type, parts[0], parts[1], cancellationToken) is { } record) Schedule(record);
            }
        }
    }

    public async Task RegisterAsync(string type, string id, string name, JsonElement request, CancellationToken cancellationToken)
    {
        var now = sidecar.Time.GetUtcNow();
        string? Field(string key) => request.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        ReminderRecord record;
        try
        {
            var period = ActorTime.ParsePeriod(Field("period"));
            record = new ReminderRecord
            {
                ActorId = id,
                ActorType = type,
                Name = name,
                Data = request.TryGetProperty("data", out var data) ? data.Clone() : null,
                DueTime = Field("dueTime") ?? "",
                Period = Field("period") ?? "",
                Ttl = Field("ttl"),
                RegisteredTime = now,
                ExpirationTime = ActorTime.ParseTtl(Field("ttl"), now),
                NextDue = ActorTime.ParseDue(Field("dueTime"), now),
                Remaining = period?.Repetitions,
            };
        }
        catch (FormatException e)
        {
            throw new DaprApiException(Grpc.Core.StatusCode.InvalidArgument, 500, "ERR_ACTOR_REMINDER_CREATE", $"error creating actor reminder: {e.Message}");
        }
        await WriteAsync(record, cancellationToken);
        await UpdateIndexAsync(type, index => index.Add($"{id}||{name}"), cancellationToken);
        Schedule(record);
    }

    public Task<ReminderRecord?> GetAsync(string type, string id, string name, CancellationToken cancellationToken) => ReadAsync(type, id, name, cancellationToken);

    public async Task DeleteAsync(string type, string id, string name, CancellationToken cancellationToken)
    {
        if (_scheduled.TryRemove(Handle(type, id, name), out var cts)) await cts.CancelAsync();
        await Store.WriteAsync([new StateWrite(RecordKey(type, id, name), null, null, Concurrency.LastWrite, null)], cancellationToken);
        await UpdateIndexAsync(type, index => index.Remove($"{id}||{name}"), cancellationToken);
    }

    private void Schedule(ReminderRecord record)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        var handle = Handle(record.ActorType, record.ActorId, record.Name);
        _scheduled.AddOrUpdate(handle, cts, (_, old) =>
        {
            old.Cancel();
            return cts;
        });
        _ = Task.Run(() => RunAsync(record, cts.Token));
    }

    private async Task RunAsync(ReminderRecord record, CancellationToken cancellationToken)
    {
        var backoff = TimeSpan.FromMilliseconds(500);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var wait = record.NextDue - sidecar.Time.GetUtcNow();
                if (wait > TimeSpan.Zero) await Task.Delay(wait, sidecar.Time, cancellationToken);
                if (record.ExpirationTime is { } end && sidecar.Time.GetUtcNow() >= end)
                {
                    await DeleteAsync(record.ActorType, record.ActorId, record.Name, CancellationToken.None);
                    return;
                }
                var body = JsonSerializer.SerializeToUtf8Bytes(new { data = record.Data, dueTime = record.DueTime, period = record.Period }, Json);
                ActorResponse response;
                try
                {
                    response = await host.CallbackAsync(record.ActorType, record.ActorId, "remind", record.Name, body, cancellationToken);
                }
                catch (HttpRequestException e)
                {
                    logger.LogWarning("Reminder {Name} of actor {Type}/{Id} could not be delivered ({Error}); retrying in {Delay}", record.Name, record.ActorType, record.ActorId, e.Message, backoff);
                    await Task.Delay(backoff, sidecar.Time, cancellationToken);
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(60).Ticks));
                    continue;
                }
                if (response.Status >= 400 && !response.Headers.ContainsKey(ActorHost.ReminderCancelHeader))
                {
                    logger.LogWarning("Reminder {Name} of actor {Type}/{Id} failed with status {Status}; retrying in {Delay}", record.Name, record.ActorType, record.ActorId, response.Status, backoff);
                    await Task.Delay(backoff, sidecar.Time, cancellationToken);
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(60).Ticks));
                    continue;
                }
                backoff = TimeSpan.FromMilliseconds(500);
                var period = ActorTime.ParsePeriod(record.Period);
                var remaining = record.Remaining is { } r ? r - 1 : (int?)null;
                if (response.Headers.ContainsKey(ActorHost.ReminderCancelHeader) || period is null || remaining <= 0)
                {
                    await DeleteAsync(record.ActorType, record.ActorId, record.Name, CancellationToken.None);
                    return;
                }
                record = record with { NextDue = record.NextDue + period.Value.Interval, Remaining = remaining };
                await WriteAsync(record, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            logger.LogError(e, "Reminder {Name} of actor {Type}/{Id} stopped", record.Name, record.ActorType, record.ActorId);
        }
    }

    private async Task<ReminderRecord?> ReadAsync(string type, string id, string name, CancellationToken cancellationToken)
    {
        var entry = await Store.GetAsync(RecordKey(type, id, name), cancellationToken);
        return entry is null ? null : JsonSerializer.Deserialize<ReminderRecord>(entry.Value, Json);
    }

    private ValueTask WriteAsync(ReminderRecord record, CancellationToken cancellationToken) =>
        Store.WriteAsync([new StateWrite(RecordKey(record.ActorType, record.ActorId, record.Name), JsonSerializer.SerializeToUtf8Bytes(record, Json), null, Concurrency.LastWrite, null)], cancellationToken);

    private async Task<List<string>> ReadIndexAsync(string type, CancellationToken cancellationToken)
    {
        var entry = await Store.GetAsync(IndexKey(type), cancellationToken);
        return entry is null ? [] : JsonSerializer.Deserialize<List<string>>(entry.Value, Json) ?? [];
    }

    private async Task UpdateIndexAsync(string type, Action<HashSet<string>> change, CancellationToken cancellationToken)
    {
        await _indexLock.WaitAsync(cancellationToken);
        try
        {
            var index = new HashSet<string>(await ReadIndexAsync(type, cancellationToken), StringComparer.Ordinal);
            change(index);
            await Store.WriteAsync([new StateWrite(IndexKey(type), JsonSerializer.SerializeToUtf8Bytes(index.Order(StringComparer.Ordinal), Json), null, Concurrency.LastWrite, null)], cancellationToken);
        }
        finally
        {
            _indexLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _stop.Dispose();
    }
}
