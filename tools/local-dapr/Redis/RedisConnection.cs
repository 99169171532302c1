using System.Globalization;
using LocalDapr.Configuration;
using StackExchange.Redis;

namespace LocalDapr.Redis;

/// <summary>
/// The connection of one Redis-backed component, configured from the metadata Dapr's redis components read
/// (<c>redisHost</c>, <c>redisUsername</c>, <c>redisPassword</c>, <c>redisDB</c>, <c>enableTLS</c>, <c>redisType</c>,
/// <c>failover</c>, <c>dialTimeout</c>, <c>readTimeout</c>). It never fails start-up: a Redis that does not answer is
/// reported once, with the address, and the client keeps reconnecting in the background; commands meanwhile wait in
/// the client's backlog (up to the read timeout) and then fail.
/// </summary>
public sealed class RedisConnection : IAsyncDisposable
{
    private readonly ComponentSpec _spec;
    private readonly ILogger _logger;
    private readonly Task<ConnectionMultiplexer> _connecting;
    private int _down;
    private int _disposed;

    public RedisConnection(ComponentSpec spec, ILogger logger)
    {
        _spec = spec;
        _logger = logger;
        Host = spec.Meta("redisHost") ?? throw new ConfigurationException(spec.File, spec.Line, $"component '{spec.Name}' ({spec.Type}) needs metadata 'redisHost' (host:port)");
        if (spec.MetaBool("enableTLS"))
        {
            throw new ConfigurationException(spec.File, spec.Line,
                $"component '{spec.Name}' ({spec.Type}) sets enableTLS to true: the local runtime speaks to Redis without TLS only; " +
                "use a Redis reachable without TLS (for example on localhost) or run with the Dapr CLI");
        }
        if (string.Equals(spec.Meta("redisType"), "cluster", StringComparison.OrdinalIgnoreCase))
            throw new ConfigurationException(spec.File, spec.Line, $"component '{spec.Name}' ({spec.Type}) sets redisType to cluster: the local runtime supports a single Redis node only (redisType: node)");
        if (spec.MetaBool("failover"))
            throw new ConfigurationException(spec.File, spec.Line, $"component '{spec.Name}' ({spec.Type}) sets failover to true: the local runtime does not support Redis Sentinel");

        ConfigurationOptions options;
        try
        {
            options = ConfigurationOptions.Parse(Host);
        }
        catch (ArgumentException e)
        {
            throw new ConfigurationException(spec.File, spec.Line, $"component '{spec.Name}' ({spec.Type}): redisHost '{Host}' is not host:port ({e.Message})");
        }
        if (options.EndPoints.Count != 1)
            throw new ConfigurationException(spec.File, spec.Line, $"component '{spec.Name}' ({spec.Type}): redisHost '{Host}' must name exactly one host:port");
        options.User = spec.Meta("redisUsername");
        options.Password = spec.Meta("redisPassword");
        Database = spec.MetaInt("redisDB", 0);
        if (Database < 0) throw new ConfigurationException(spec.File, spec.Line, $"component '{spec.Name}' ({spec.Type}): redisDB must not be negative");
        options.DefaultDatabase = Database;
        options.AbortOnConnectFail = false;
        // With AbortOnConnectFail off, the first connect gives up after ConnectRetry × ConnectTimeout and hands over to
        // the background reconnects (every 250ms to 2s); operations wait for that first connect, so it is kept short
        // (Redis runs locally here): 1s unless dialTimeout says otherwise.
        options.ConnectRetry = 1;
        options.ConnectTimeout = Millis(Duration(spec, "dialTimeout", TimeSpan.FromSeconds(1)));
        var readTimeout = Duration(spec, "readTimeout", TimeSpan.FromSeconds(5));
        options.AsyncTimeout = options.SyncTimeout = Millis(readTimeout <= TimeSpan.Zero ? TimeSpan.FromSeconds(5) : readTimeout);
        options.ReconnectRetryPolicy = new ExponentialRetry(250, 2000);
        options.BacklogPolicy = BacklogPolicy.Default;
        options.ClientName = $"local-dapr-{spec.Name}";
        Options = options;
        _connecting = ConnectAsync(options);
    }

    /// <summary>The <c>redisHost</c> value, for messages.</summary>
    public string Host { get; }

    /// <summary>The <c>redisDB</c> value.</summary>
    public int Database { get; }

    public ConfigurationOptions Options { get; }

    /// <summary>True while the client has a live connection.</summary>
    public bool IsConnected => _connecting.IsCompletedSuccessfully && _connecting.Result.IsConnected;

    /// <summary>The database, once the client exists (it exists even while Redis is down: commands then wait or fail).</summary>
    public async ValueTask<IDatabase> DatabaseAsync(CancellationToken cancellationToken)
    {
        var mux = _connecting.IsCompletedSuccessfully ? _connecting.Result : await _connecting.WaitAsync(cancellationToken);
        return mux.GetDatabase(Database);
    }

    /// <summary>A Dapr duration: a whole number is milliseconds, anything else a Go (or ISO 8601) duration.</summary>
    public static TimeSpan Duration(ComponentSpec spec, string key, TimeSpan fallback)
    {
        if (spec.Meta(key) is not { } text) return fallback;
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ms)) return TimeSpan.FromMilliseconds(ms);
        return GoDuration.TryParse(text, out var value)
            ? value
            : throw new ConfigurationException(spec.File, spec.Line, $"metadata '{key}' of component '{spec.Name}' is not a duration: '{text}'");
    }

    /// <summary>Whether <paramref name="e"/> is Redis being unreachable or slow (worth a retry) rather than a bad command.</summary>
    public static bool IsTransient(Exception e) => e is RedisConnectionException or RedisTimeoutException or TimeoutException
        || (e is RedisServerException s && (s.Message.StartsWith("LOADING", StringComparison.Ordinal) || s.Message.StartsWith("BUSY ", StringComparison.Ordinal)));

    private async Task<ConnectionMultiplexer> ConnectAsync(ConfigurationOptions options)
    {
        // The client's first connect may take several connect timeouts to give up: say early that Redis does not answer.
        _ = Task.Delay(TimeSpan.FromSeconds(1)).ContinueWith(_ =>
        {
            if (!IsConnected && Volatile.Read(ref _disposed) == 0) ReportDown();
        }, TaskScheduler.Default);
        ConnectionMultiplexer mux;
        try
        {
            mux = await ConnectionMultiplexer.ConnectAsync(options);
        }
        catch (Exception e)
        {
            _logger.LogError("{Type} component '{Name}': cannot create a Redis client for {Host}: {Error}", _spec.Type, _spec.Name, Host, e.Message);
            throw;
        }
        mux.ConnectionFailed += OnFailed;
        mux.ConnectionRestored += OnRestored;
        if (!mux.IsConnected)
        {
            ReportDown();
        }
        else
        {
            var late = Interlocked.Exchange(ref _down, 0) == 1;
            _logger.LogInformation("{Type} component '{Name}': connected to Redis at {Host} (database {Database}){Late}", _spec.Type, _spec.Name, Host, Database, late ? " after all" : "");
        }
        return mux;
    }

    private void ReportDown()
    {
        if (Interlocked.Exchange(ref _down, 1) == 1) return;
        _logger.LogError("{Type} component '{Name}': cannot reach Redis at {Host} (database {Database}); retrying in the background. " +
            "Operations on this component wait for it, then fail, until Redis answers. Is redis-server running there?", _spec.Type, _spec.Name, Host, Database);
    }

    private void OnFailed(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType != ConnectionType.Interactive || Volatile.Read(ref _disposed) == 1) return;
        if (Interlocked.Exchange(ref _down, 1) == 0)
        {
            _logger.LogError("{Type} component '{Name}': lost the connection to Redis at {Host} ({Failure}: {Error}); reconnecting in the background",
                _spec.Type, _spec.Name, Host, e.FailureType, e.Exception?.Message);
        }
    }

    private void OnRestored(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType != ConnectionType.Interactive || Volatile.Read(ref _disposed) == 1) return;
        if (Interlocked.Exchange(ref _down, 0) == 1)
            _logger.LogInformation("{Type} component '{Name}': connected to Redis at {Host} again", _spec.Type, _spec.Name, Host);
    }

    private static int Millis(TimeSpan value) => (int)Math.Clamp(value.TotalMilliseconds, 1, int.MaxValue);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        try
        {
            var mux = await _connecting;
            mux.ConnectionFailed -= OnFailed;
            mux.ConnectionRestored -= OnRestored;
            await mux.CloseAsync(allowCommandsToComplete: mux.IsConnected);
            await mux.DisposeAsync();
        }
        catch (Exception)
        {
            // Creating the client failed (already logged) or closing it did: nothing is left to release.
        }
    }
}
