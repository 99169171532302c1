using System.Collections.Concurrent;
using System.Net;
using System.Text;
using ConformanceApp;
using Dapr.Client;
using LocalDapr.Sidecar;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace LocalDapr.Tests;

/// <summary>
/// A local runtime in the test process: sidecars over one shared environment, each beside an app on a free port,
/// driven through unmodified Dapr SDK clients. One harness per test; everything is torn down at the end.
/// </summary>
public sealed class Harness : IAsyncDisposable
{
    public const string DefaultComponents = """
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: pubsub
        spec:
          type: pubsub.in-memory
          version: v1
          metadata:
          - name: backOffDuration
            value: 10ms
          - name: backOffMaxRetries
            value: "3"
        ---
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: statestore
        spec:
          type: state.in-memory
          version: v1
          metadata:
          - name: actorStateStore
            value: "true"
        """;

    private readonly List<IAsyncDisposable> _owned = [];

    private Harness(string componentsDir, RuntimeEnvironment env, ListLoggerProvider logs)
    {
        ComponentsDir = componentsDir;
        Env = env;
        Logs = logs;
    }

    public string ComponentsDir { get; }

    public RuntimeEnvironment Env { get; }

    public ListLoggerProvider Logs { get; }

    public static Harness Create(string? components = null, TimeProvider? time = null)
    {
        var dir = Directory.CreateTempSubdirectory("local-dapr-test-").FullName;
        File.WriteAllText(Path.Combine(dir, "components.yaml"), components ?? DefaultComponents);
        var logs = new ListLoggerProvider();
        var loggers = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
        return new Harness(dir, new RuntimeEnvironment(loggers, time), logs);
    }

    /// <summary>A sidecar for <paramref name="appId"/> beside the conformance app (built on the unmodified SDK).</summary>
    public async Task<Node> AddAsync(string appId, bool h2c = false, string? apiToken = null, string? appApiToken = null, string instance = "a", bool withApp = true,
        Recorder? recorder = null, ConformanceOptions? options = null)
    {
        recorder ??= new Recorder();
        WebApplication? app = null;
        int? appPort = null;
        int httpPort = Sidecar.Sidecar.FreePort(), grpcPort = Sidecar.Sidecar.FreePort();
        if (withApp)
        {
            appPort = Sidecar.Sidecar.FreePort();
            app = ConformanceHost.Build(appPort.Value, h2c, recorder, instance, options: (options ?? new ConformanceOptions()) with { DaprHttpPort = httpPort, DaprGrpcPort = grpcPort });
            await app.StartAsync();
        }
        return await AttachAsync(appId, appPort, h2c, apiToken, appApiToken, recorder, app, httpPort, grpcPort);
    }

    /// <summary>A sidecar beside a raw app that answers <c>/dapr/subscribe</c> with <paramref name="subscriptions"/> and every delivery with <paramref name="respond"/>.</summary>
    public async Task<(Node Node, RawApp App)> AddRawAsync(string appId, string subscriptions, Func<RawRequest, int, (int Status, string Body)> respond)
    {
        var raw = await RawApp.StartAsync(subscriptions, respond);
        _owned.Add(raw);
        var node = await AttachAsync(appId, raw.Port, false, null, null, new Recorder(), null, 0, 0);
        return (node, raw);
    }

    private async Task<Node> AttachAsync(string appId, int? appPort, bool h2c, string? apiToken, string? appApiToken, Recorder recorder, WebApplication? app, int httpPort, int grpcPort)
    {
        var sidecar = await Sidecar.Sidecar.StartAsync(new SidecarOptions
        {
            AppId = appId,
            HttpPort = httpPort,
            GrpcPort = grpcPort,
            AppPort = appPort,
            AppProtocol = h2c ? "h2c" : "http",
            ResourcesPaths = [ComponentsDir],
            ApiToken = apiToken,
            AppApiToken = appApiToken,
        }, Env);
        await sidecar.AppReady.WaitAsync(TimeSpan.FromSeconds(20));
        var node = new Node(sidecar, app, recorder, apiToken);
        _owned.Add(node);
        return node;
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--) await _owned[i].DisposeAsync();
        await Env.DisposeAsync();
        Env.Loggers.Dispose();
        try
        {
            Directory.Delete(ComponentsDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>One app with its sidecar, and SDK clients bound to that sidecar.</summary>
public sealed class Node(Sidecar.Sidecar sidecar, WebApplication? app, Recorder recorder, string? apiToken) : IAsyncDisposable
{
    public Sidecar.Sidecar Sidecar { get; } = sidecar;

    public Recorder Recorder { get; } = recorder;

    public string HttpEndpoint => $"http://127.0.0.1:{Sidecar.HttpPort}";

    public string GrpcEndpoint => $"http://127.0.0.1:{Sidecar.GrpcPort}";

    public DaprClient Client { get; } = Build(sidecar, apiToken);

    public DaprClient ClientWithToken(string? token) => Build(Sidecar, token);

    private static DaprClient Build(Sidecar.Sidecar sidecar, string? token) =>
        new DaprClientBuilder()
            .UseGrpcEndpoint($"http://127.0.0.1:{sidecar.GrpcPort}")
            .UseHttpEndpoint($"http://127.0.0.1:{sidecar.HttpPort}")
            .UseDaprApiToken(token)
            .Build();

    private int _disposed;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        Client.Dispose();
        await Sidecar.DisposeAsync();
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}

public sealed record RawRequest(string Path, string ContentType, IReadOnlyDictionary<string, string> Headers, string Body);

/// <summary>An app written against the wire only (no SDK), to assert exactly what the sidecar sends and how it treats each answer.</summary>
public sealed class RawApp : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RawRequest> _requests = new();
    private readonly SemaphoreSlim _arrived = new(0);

    private RawApp(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    public IReadOnlyList<RawRequest> Requests => [.. _requests];

    public static async Task<RawApp> StartAsync(string subscriptions, Func<RawRequest, int, (int Status, string Body)> respond)
    {
        var port = Sidecar.Sidecar.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.ListenLocalhost(port, o => o.Protocols = HttpProtocols.Http1));
        var app = builder.Build();
        RawApp? self = null;
        var count = 0;
        app.MapGet("/dapr/subscribe", () => Results.Text(subscriptions, "application/json"));
        app.MapPost("/{**path}", async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var request = new RawRequest(context.Request.Path.Value ?? "", context.Request.ContentType ?? "",
                context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()), await reader.ReadToEndAsync());
            self!._requests.Enqueue(request);
            var (status, body) = respond(request, Interlocked.Increment(ref count));
            self._arrived.Release();
            return Results.Text(body, "application/json", Encoding.UTF8, status);
        });
        await app.StartAsync();
        self = new RawApp(app, port);
        return self;
    }

    /// <summary>Waits until at least <paramref name="count"/> deliveries arrived.</summary>
    public async Task<IReadOnlyList<RawRequest>> WaitForAsync(int count, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        while (_requests.Count < count)
        {
            try
            {
                await _arrived.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"expected {count} deliveries, got {_requests.Count}");
            }
        }
        return Requests;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>Keeps what the runtime logged, so tests can assert a problem was reported.</summary>
public sealed class ListLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<(LogLevel Level, string Category, string Message)> _entries = new();

    public IReadOnlyList<(LogLevel Level, string Category, string Message)> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(ListLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => !category.StartsWith("Microsoft", StringComparison.Ordinal) || logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) owner._entries.Enqueue((logLevel, category, formatter(state, exception)));
        }
    }
}

/// <summary>A clock the test moves by hand.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}

public static class Http
{
    public static HttpClient Client() => new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };

    public static HttpStatusCode Status(this HttpResponseMessage response) => response.StatusCode;
}
