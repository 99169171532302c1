using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.Json;
using LocalDapr.Sidecar;

namespace LocalDapr.Actors;

/// <summary>The answer of an actor method, passed back to the caller as it is.</summary>
public sealed record ActorResponse(int Status, byte[] Body, string? ContentType, IReadOnlyDictionary<string, string> Headers);

/// <summary>
/// The actors an app hosts, seen from its sidecar: one call at a time per actor (timers and reminders included),
/// re-entry for the same call chain when the app enables reentrancy, timers, and deactivation after the idle timeout.
/// </summary>
public sealed class ActorHost : IAsyncDisposable
{
    public const string ReentrancyHeader = "Dapr-Reentrancy-Id";
    public const string RequestHeader = "X-DaprRequestHeader";
    public const string ErrorHeader = "X-DaprErrorResponseHeader";
    public const string ReminderCancelHeader = "X-DaprReminderCancel";

    private readonly SidecarRuntime _sidecar;
    private readonly AppChannel _channel;
    private readonly ConcurrentDictionary<(string Type, string Id), Slot> _slots = new();
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _scanner;

    public ActorHost(SidecarRuntime sidecar, AppChannel channel, ActorConfig config, ILogger logger)
    {
        _sidecar = sidecar;
        _channel = channel;
        Config = config;
        _logger = logger;
        Reminders = new ReminderService(this, sidecar, logger);
        _scanner = Task.Run(() => ScanAsync(_stop.Token));
    }

    public ActorConfig Config { get; }

    public ReminderService Reminders { get; }

    public string AppId => _sidecar.AppId;

    public bool Hosts(string type) => Config.Types.Contains(type, StringComparer.Ordinal);

    public IReadOnlyDictionary<string, int> ActiveCounts() =>
        Config.Types.ToDictionary(t => t, t => _slots.Count(s => s.Key.Type == t && s.Value.Active));

    /// <summary>Calls <c>PUT /actors/{type}/{id}/method/{method}</c> on the app inside the actor's turn.</summary>
    public Task<ActorResponse> InvokeAsync(string type, string id, string method, byte[] body, string? contentType,
        IReadOnlyDictionary<string, string> headers, CancellationToken cancellationToken)
    {
        headers.TryGetValue(ReentrancyHeader, out var reentrancyId);
        return WithTurnAsync(type, id, reentrancyId, async chain =>
        {
            var extra = new Dictionary<string, string>(headers, StringComparer.OrdinalIgnoreCase);
            if (chain is not null) extra[ReentrancyHeader] = chain;
            return await SendAsync(HttpMethod.Put, $"/actors/{Uri.EscapeDataString(type)}/{Uri.EscapeDataString(id)}/method/{method}", body, contentType, extra, cancellationToken);
        }, cancellationToken);
    }

    /// <summary>Fires a timer or reminder callback (<paramref name="kind"/> is <c>timer</c> or <c>remind</c>) inside the actor's turn.</summary>
    public Task<ActorResponse> CallbackAsync(string type, string id, string kind, string name, byte[] body, CancellationToken cancellationToken) =>
        WithTurnAsync(type, id, null, _ => SendAsync(HttpMethod.Put, $"/actors/{Uri.EscapeDataString(type)}/{Uri.EscapeDataString(id)}/method/{kind}/{Uri.EscapeDataString(name)}",
            body, "application/json", new Dictionary<string, string>(), cancellationToken), cancellationToken);

    // ---------------------------------------------------------------- timers

    public void RegisterTimer(string type, string id, string name, JsonElement request)
    {
        var now = _sidecar.Time.GetUtcNow();
        string? Field(string key) => request.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        var due = ActorTime.ParseDue(Field("dueTime"), now);
        var period = ActorTime.ParsePeriod(Field("period"));
        var expires = ActorTime.ParseTtl(Field("ttl"), now);
        var body = JsonSerializer.SerializeToUtf8Bytes(new
        {
            callback = Field("callback") ?? "",
            data = request.TryGetProperty("data", out var d) ? d.Clone() : default(JsonElement?),
            dueTime = Field("dueTime") ?? "",
            period = Field("period") ?? "",
        });
        var slot = _slots.GetOrAdd((type, id), _ => new Slot());
        var cts = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        lock (slot.Timers)
        {
            if (slot.Timers.Remove(name, out var old)) old.Cancel();
            slot.Timers[name] = cts;
        }
        _ = Task.Run(() => RunTimerAsync(type, id, name, due, period, expires, body, cts.Token));
    }

    public void UnregisterTimer(string type, string id, string name)
    {
        if (!_slots.TryGetValue((type, id), out var slot)) return;
        lock (slot.Timers)
        {
            if (slot.Timers.Remove(name, out var cts)) cts.Cancel();
        }
    }

    private async Task RunTimerAsync(string type, string id, string name, DateTimeOffset due, Period? period, DateTimeOffset? expires, byte[] body, CancellationToken cancellationToken)
    {
        var fired = 0;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var wait = due - _sidecar.Time.GetUtcNow();
                if (wait > TimeSpan.Zero) await Task.Delay(wait, _sidecar.Time, cancellationToken);
                if (expires is { } end && _sidecar.Time.GetUtcNow() >= end) break;
                var response = await CallbackAsync(type, id, "timer", name, body, cancellationToken);
                fired++;
                if (response.Status >= 400) _logger.LogWarning("Timer {Name} of actor {Type}/{Id} failed with status {Status}", name, type, id, response.Status);
                if (response.Headers.ContainsKey(ReminderCancelHeader) || period is not { } p || (p.Repetitions is { } reps && fired >= reps)) break;
                due += p.Interval;
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Timer {Name} of actor {Type}/{Id} stopped", name, type, id);
        }
        finally
        {
            if (_slots.TryGetValue((type, id), out var slot))
            {
                lock (slot.Timers)
                {
                    if (slot.Timers.TryGetValue(name, out var current) && current.Token == cancellationToken) slot.Timers.Remove(name);
                }
            }
        }
    }

    // ---------------------------------------------------------------- turns and deactivation

    private async Task<T> WithTurnAsync<T>(string type, string id, string? reentrancyId, Func<string?, Task<T>> body, CancellationToken cancellationToken)
    {
        var slot = _slots.GetOrAdd((type, id), _ => new Slot());
        if (Config.Reentrancy && reentrancyId is not null && slot.Holder == reentrancyId)
        {
            if (slot.Depth >= Config.MaxStackDepth)
                throw new DaprApiException(Grpc.Core.StatusCode.Internal, 500, "ERR_ACTOR_INVOKE_METHOD", "error invoke actor method: maximum stack depth exceeded");
            slot.Depth++;
            try
            {
                return await body(reentrancyId);
            }
            finally
            {
                slot.Depth--;
            }
        }
        await slot.Gate.WaitAsync(cancellationToken);
        try
        {
            slot.Holder = Config.Reentrancy ? reentrancyId ?? Guid.NewGuid().ToString() : null;
            slot.Depth = 1;
            slot.Active = true;
            return await body(slot.Holder);
        }
        finally
        {
            slot.LastUsed = _sidecar.Time.GetUtcNow();
            slot.Holder = null;
            slot.Depth = 0;
            slot.Gate.Release();
        }
    }

    private async Task<ActorResponse> SendAsync(HttpMethod method, string path, byte[] body, string? contentType, IReadOnlyDictionary<string, string> headers, CancellationToken cancellationToken)
    {
        using var request = _channel.Request(method, path);
        request.Content = new ByteArrayContent(body);
        if (contentType is not null && MediaTypeHeaderValue.TryParse(contentType, out var type)) request.Content.Headers.ContentType = type;
        foreach (var (key, value) in headers) request.Headers.TryAddWithoutValidation(key, value);
        using var response = await _channel.SendAsync(request, cancellationToken);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var passed = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in new[] { ErrorHeader, ReminderCancelHeader })
        {
            if (response.Headers.TryGetValues(name, out var values)) passed[name] = string.Join(",", values);
        }
        return new ActorResponse((int)response.StatusCode, bytes, response.Content.Headers.ContentType?.ToString(), passed);
    }

    private async Task ScanAsync(CancellationToken cancellationToken)
    {
        var interval = Config.ScanInterval < Config.IdleTimeout ? Config.ScanInterval : Config.IdleTimeout;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(interval, _sidecar.Time, cancellationToken);
                var now = _sidecar.Time.GetUtcNow();
                foreach (var ((type, id), slot) in _slots.ToArray())
                {
                    if (!slot.Active || now - slot.LastUsed < Config.IdleTimeout || slot.Gate.CurrentCount == 0) continue;
                    await DeactivateAsync(type, id, slot, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task DeactivateAsync(string type, string id, Slot slot, CancellationToken cancellationToken)
    {
        await slot.Gate.WaitAsync(cancellationToken);
        try
        {
            if (!slot.Active) return;
            lock (slot.Timers)
            {
                foreach (var timer in slot.Timers.Values) timer.Cancel();
                slot.Timers.Clear();
            }
            slot.Active = false;
            using var request = _channel.Request(HttpMethod.Delete, $"/actors/{Uri.EscapeDataString(type)}/{Uri.EscapeDataString(id)}");
            using var response = await _channel.SendAsync(request, cancellationToken);
            _logger.LogDebug("Deactivated actor {Type}/{Id}: {Status}", type, id, (int)response.StatusCode);
        }
        catch (HttpRequestException e)
        {
            _logger.LogWarning("Deactivating actor {Type}/{Id} failed: {Error}", type, id, e.Message);
        }
        finally
        {
            slot.Gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Reminders.DisposeAsync();
        try
        {
            await _scanner;
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }

    private sealed class Slot
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);
        public volatile string? Holder;
        public int Depth;
        public bool Active;
        public DateTimeOffset LastUsed;
        public Dictionary<string, CancellationTokenSource> Timers { get; } = new(StringComparer.Ordinal);
    }
}
