using Microsoft.AspNetCore.SignalR.Client;
using Mtaeda.Dashboard.Backend;
using Mtaeda.Dashboard.Identity;

namespace Mtaeda.Dashboard.Alerts;

/// <summary>The state of the connection to the notifications hub.</summary>
public enum HubState
{
    /// <summary>Not started yet.</summary>
    Idle,

    /// <summary>Connecting for the first time.</summary>
    Connecting,

    /// <summary>Receiving pushes.</summary>
    Connected,

    /// <summary>Lost; trying again.</summary>
    Reconnecting,
}

/// <summary>The live alerts of one circuit.</summary>
public interface IAlertFeed
{
    /// <summary>The hub connection's state.</summary>
    HubState State { get; }

    /// <summary>The alerts, newest first.</summary>
    IReadOnlyList<AlertMessage> Alerts { get; }

    /// <summary>Alerts pushed since this circuit started (the page marks them).</summary>
    IReadOnlySet<string> Fresh { get; }

    /// <summary>Raised on every change (a push, an acknowledgement, the state).</summary>
    event Action? Changed;

    /// <summary>Connects, once per circuit; later calls do nothing.</summary>
    /// <returns>When started (not when connected).</returns>
    Task StartAsync();

    /// <summary>Takes in an alert acknowledged from this circuit (the hub's "alertAcknowledged" confirms it).</summary>
    /// <param name="alert">The alert as acknowledged.</param>
    void Apply(AlertMessage alert);
}

/// <summary>
/// One SignalR connection to the notifications hub per circuit, on behalf of its signed-in user (token from
/// <see cref="IHubTokens"/>). The list is read once from notifications at connect and after each reconnection (what was
/// pushed while away), and otherwise only changed by pushes: no polling. When the hub is away the state is
/// <see cref="HubState.Reconnecting"/> and the connection retries for as long as the circuit lives.
/// </summary>
public sealed class AlertFeed : IAlertFeed, IAsyncDisposable
{
    private readonly HubConnection _hub;
    private readonly NotificationsApi _notifications;
    private readonly ILogger<AlertFeed> _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly HashSet<string> _fresh = [];
    private List<AlertMessage> _alerts = [];
    private Task? _run;

    /// <summary>Builds the connection (not started).</summary>
    /// <param name="configuration">Hub:Url.</param>
    /// <param name="tokens">The user's hub token.</param>
    /// <param name="notifications">Notifications' API, for the list at (re)connect.</param>
    /// <param name="log">The log.</param>
    public AlertFeed(IConfiguration configuration, IHubTokens tokens, NotificationsApi notifications, ILogger<AlertFeed> log)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        _notifications = notifications;
        _log = log;
        var url = configuration["Hub:Url"] is { Length: > 0 } u ? u : "http://localhost:5117/hubs/operations";
        _hub = new HubConnectionBuilder()
            .WithUrl(url, o => UseWebSocketsOnly(o, tokens))
            .WithAutomaticReconnect(new ForeverRetry())
            .Build();
        _hub.On<AlertMessage>("alert", OnAlert);
        _hub.On<AlertAcknowledged>("alertAcknowledged", OnAcknowledged);
        _hub.Reconnecting += _ =>
        {
            SetState(HubState.Reconnecting);
            return Task.CompletedTask;
        };
        _hub.Reconnected += async _ =>
        {
            SetState(HubState.Connected);
            await ReloadAsync();
        };
        _hub.Closed += _ =>
        {
            // Automatic reconnection gave up (or the first connection never came): connect again from scratch.
            if (!_stop.IsCancellationRequested)
            {
                SetState(HubState.Reconnecting);
                _run = Task.Run(() => ConnectAsync(_stop.Token));
            }
            return Task.CompletedTask;
        };
    }

    /// <summary>
    /// The connection's transport: WebSockets from the first request, without SignalR's negotiate. A negotiated
    /// connection is two requests (POST negotiate, then the WebSocket with the connection token it returned) that must
    /// reach the same hub replica; one WebSocket request cannot be split, so the hub's Service needs no session affinity
    /// and spreads the dashboard's connections over every replica. The .NET client sends the user's token in the
    /// WebSocket request's Authorization header (a browser, which cannot, sends it as access_token in the query string).
    /// </summary>
    /// <param name="options">The connection's options.</param>
    /// <param name="tokens">The user's hub token.</param>
    internal static void UseWebSocketsOnly(Microsoft.AspNetCore.Http.Connections.Client.HttpConnectionOptions options, IHubTokens tokens)
    {
        options.AccessTokenProvider = tokens.GetAsync;
        options.SkipNegotiation = true;
        options.Transports = Microsoft.AspNetCore.Http.Connections.HttpTransportType.WebSockets;
    }

    /// <inheritdoc/>
    public HubState State { get; private set; } = HubState.Idle;

    /// <inheritdoc/>
    public IReadOnlyList<AlertMessage> Alerts
    {
        get
        {
            lock (_gate) return _alerts;
        }
    }

    /// <inheritdoc/>
    public IReadOnlySet<string> Fresh
    {
        get
        {
            lock (_gate) return new HashSet<string>(_fresh);
        }
    }

    /// <inheritdoc/>
    public event Action? Changed;

    /// <inheritdoc/>
    public Task StartAsync()
    {
        if (State != HubState.Idle) return Task.CompletedTask;
        SetState(HubState.Connecting);
        _run = Task.Run(() => ConnectAsync(_stop.Token));
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public void Apply(AlertMessage alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        lock (_gate) _alerts = [.. _alerts.Select(a => a.Id == alert.Id ? alert : a)];
        Changed?.Invoke();
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _hub.DisposeAsync();
        if (_run is not null)
        {
            try
            {
                await _run;
            }
            catch (OperationCanceledException)
            {
            }
        }
        _stop.Dispose();
    }

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(500);
        while (!cancellationToken.IsCancellationRequested && _hub.State == HubConnectionState.Disconnected)
        {
            try
            {
                await _hub.StartAsync(cancellationToken);
                SetState(HubState.Connected);
                await ReloadAsync();
                return;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or InvalidOperationException or IOException or System.Net.WebSockets.WebSocketException)
            {
                _log.LogInformation("The notifications hub is not reachable ({Message}); trying again in {Delay}", e.Message, delay);
                SetState(HubState.Reconnecting);
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
            }
        }
    }

    private async Task ReloadAsync()
    {
        try
        {
            var alerts = await _notifications.ListAlertsAsync(cancellationToken: _stop.Token);
            lock (_gate)
            {
                // Pushes that arrived while the list was read are kept.
                var known = alerts.Select(a => a.Id).ToHashSet();
                _alerts = [.. _alerts.Where(a => !known.Contains(a.Id)).Concat(alerts).OrderByDescending(a => a.OccurredAt)];
            }
            Changed?.Invoke();
        }
        catch (Exception e) when (e is ServiceUnreachableException or CommandRefusedException)
        {
            _log.LogInformation("The alerts could not be read from notifications: {Message}", e.Message);
        }
    }

    private void OnAlert(AlertMessage alert)
    {
        lock (_gate)
        {
            _alerts = [alert, .. _alerts.Where(a => a.Id != alert.Id)];
            _alerts.Sort((a, b) => b.OccurredAt.CompareTo(a.OccurredAt));
            _fresh.Add(alert.Id);
        }
        Changed?.Invoke();
    }

    private void OnAcknowledged(AlertAcknowledged acknowledged)
    {
        lock (_gate)
        {
            _alerts = [.. _alerts.Select(a => a.Id == acknowledged.Id ? a with { AcknowledgedBy = acknowledged.AcknowledgedBy, AcknowledgedAt = acknowledged.AcknowledgedAt } : a)];
            _fresh.Remove(acknowledged.Id);
        }
        Changed?.Invoke();
    }

    private void SetState(HubState state)
    {
        if (State != state)
        {
            State = state;
            Changed?.Invoke();
        }
    }

    /// <summary>Retries for as long as the circuit lives: quickly at first, then every ten seconds.</summary>
    private sealed class ForeverRetry : IRetryPolicy
    {
        public TimeSpan? NextRetryDelay(RetryContext retryContext) =>
            TimeSpan.FromMilliseconds(Math.Min(10_000, 250 * Math.Pow(2, Math.Min(retryContext.PreviousRetryCount, 6))));
    }
}
