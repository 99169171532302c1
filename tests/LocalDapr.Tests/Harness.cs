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
using YamlDotNet.RepresentationModel;

namespace LocalDapr.Tests;

/// <summary>Which backends the conformance suite runs on: the embedded in-memory components or Redis.</summary>
public sealed class Backend
{
    private readonly RedisFixture? _shared;
    private readonly RedisServer? _own;

    private Backend(string name, RedisFixture? shared, RedisServer? own)
    {
        Name = name;
        _shared = shared;
        _own = own;
    }

    public static Backend InMemory { get; } = new("in-memory", null, null);

    /// <summary>The Redis all tests share (a database per harness).</summary>
    public static Backend Redis(RedisFixture fixture) => new("redis", fixture, null);

    /// <summary>A Redis server of the test's own (database 0), for tests that stop or restart it.</summary>
    public static Backend Redis(RedisServer server) => new("redis", null, server);

    public string Name { get; }

    public bool IsRedis => Name == "redis";

    public string PubSubType => IsRedis ? "pubsub.redis" : "pubsub.in-memory";

    public string StateType => IsRedis ? "state.redis" : "state.in-memory";

    public string RequireEndpoint() => _own?.Endpoint ?? _shared?.RequireEndpoint() ?? throw new InvalidOperationException("the in-memory backend has no Redis");

    public int NextDatabase() => _shared?.NextDatabase() ?? 0;

    public override string ToString() => Name;
}

/// <summary>Turns the in-memory components of a resources YAML into Redis ones, keeping everything else.</summary>
public static class RedisYaml
{
    public static string Rewrite(string yaml, string redisHost, int database, IReadOnlyDictionary<string, string>? pubsubMetadata = null)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        foreach (var document in stream.Documents)
        {
            if (document.RootNode is not YamlMappingNode root || Scalar(root, "kind") != "Component") continue;
            if (!root.Children.TryGetValue(new YamlScalarNode("spec"), out var specNode) || specNode is not YamlMappingNode spec) continue;
            var type = Scalar(spec, "type") switch
            {
                "pubsub.in-memory" => "pubsub.redis",
                "state.in-memory" => "state.redis",
                _ => null,
            };
            if (type is null) continue;
            spec.Children[new YamlScalarNode("type")] = new YamlScalarNode(type);
            if (!spec.Children.TryGetValue(new YamlScalarNode("metadata"), out var metadataNode) || metadataNode is not YamlSequenceNode metadata)
            {
                metadata = [];
                spec.Children[new YamlScalarNode("metadata")] = metadata;
            }
            var values = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["redisHost"] = redisHost,
                ["redisDB"] = database.ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            if (type == "pubsub.redis" && pubsubMetadata is not null)
            {
                foreach (var (key, value) in pubsubMetadata) values[key] = value;
            }
            foreach (var (key, value) in values)
            {
                var existing = metadata.Children.OfType<YamlMappingNode>().FirstOrDefault(m => Scalar(m, "name") == key);
                if (existing is not null) existing.Children[new YamlScalarNode("value")] = new YamlScalarNode(value);
                else metadata.Add(new YamlMappingNode(new YamlScalarNode("name"), new YamlScalarNode(key), new YamlScalarNode("value"), new YamlScalarNode(value)));
            }
        }
        using var writer = new StringWriter();
        stream.Save(writer, assignAnchors: false);
        return writer.ToString();
    }

    private static string? Scalar(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlScalarNode scalar ? scalar.Value : null;
}

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

    /// <summary>
    /// A harness over <paramref name="components"/> (default: <see cref="DefaultComponents"/>) on <paramref name="backend"/>
    /// (default: in-memory). On Redis the in-memory components of the YAML become <c>pubsub.redis</c>/<c>state.redis</c>
    /// on a database of this harness's own (other keys and resources are kept); a Redis test skips itself, with the
    /// reason, when no Redis can be had.
    /// </summary>
    /// <param name="redisPubSubMetadata">On the Redis backend: more metadata for the pub/sub components (processingTimeout, consumerID, …).</param>
    public static Harness Create(string? components = null, TimeProvider? time = null, Backend? backend = null, IReadOnlyDictionary<string, string>? redisPubSubMetadata = null)
    {
        backend ??= Backend.InMemory;
        string? redisHost = null;
        var database = 0;
        if (backend.IsRedis)
        {
            redisHost = backend.RequireEndpoint();
            database = backend.NextDatabase();
        }
        var yaml = backend.IsRedis ? RedisYaml.Rewrite(components ?? DefaultComponents, redisHost!, database, redisPubSubMetadata) : components ?? DefaultComponents;
        var dir = Directory.CreateTempSubdirectory("local-dapr-test-").FullName;
        File.WriteAllText(Path.Combine(dir, "components.yaml"), yaml);
        var logs = new ListLoggerProvider();
        var loggers = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
        return new Harness(dir, new RuntimeEnvironment(loggers, time), logs)
        {
            Backend = backend,
            RedisHost = redisHost,
            RedisDatabase = database,
        };
    }

    public Backend Backend { get; private init; } = Backend.InMemory;

    /// <summary>On the Redis backend: the <c>redisHost</c> and <c>redisDB</c> of this harness's components.</summary>
    public string? RedisHost { get; private init; }

    public int RedisDatabase { get; private init; }

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
    public Task<(Node Node, RawApp App)> AddRawAsync(string appId, string subscriptions, Func<RawRequest, int, (int Status, string Body)> respond) =>
        AddRawAsync(appId, subscriptions, (request, count, _) => Task.FromResult(respond(request, count)));

    /// <summary>As above, with an answer that may wait (it is given the request's abort token).</summary>
    public async Task<(Node Node, RawApp App)> AddRawAsync(string appId, string subscriptions, Func<RawRequest, int, CancellationToken, Task<(int Status, string Body)>> respond)
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

    public static Task<RawApp> StartAsync(string subscriptions, Func<RawRequest, int, (int Status, string Body)> respond) =>
        StartAsync(subscriptions, (request, count, _) => Task.FromResult(respond(request, count)));

    public static async Task<RawApp> StartAsync(string subscriptions, Func<RawRequest, int, CancellationToken, Task<(int Status, string Body)>> respond)
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
            var (status, body) = await respond(request, Interlocked.Increment(ref count), context.RequestAborted);
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

    private int _disposed;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
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

public static class Http
{
    public static HttpClient Client() => new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };

    public static HttpStatusCode Status(this HttpResponseMessage response) => response.StatusCode;
}
