using ConformanceApp;
using Dapr.Client;
using LocalDapr.Sidecar;

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

/// <summary>
/// The conformance suite's view of the one in-process runtime harness (<see cref="LocalRuntime"/> in TestSupport): its
/// components on the chosen <see cref="Backend"/>, and sidecars beside the conformance app (built on the unmodified SDK)
/// or beside a <see cref="RawApp"/>. One harness per test; everything is torn down at the end.
/// </summary>
public sealed class Harness : IAsyncDisposable
{
    /// <summary>The suite's components: the tests' in-memory ones, a failed delivery retried three times.</summary>
    public static string DefaultComponents { get; } = LocalRuntime.InMemoryComponents(backOffMaxRetries: 3);

    private Harness(LocalRuntime runtime, CapturingLoggerProvider logs, Backend backend, string? redisHost, int redisDatabase)
    {
        Runtime = runtime;
        Logs = logs;
        Backend = backend;
        RedisHost = redisHost;
        RedisDatabase = redisDatabase;
    }

    public LocalRuntime Runtime { get; }

    public string ComponentsDir => Runtime.Resources;

    public RuntimeEnvironment Env => Runtime.Environment;

    public CapturingLoggerProvider Logs { get; }

    public Backend Backend { get; }

    /// <summary>On the Redis backend: the <c>redisHost</c> and <c>redisDB</c> of this harness's components.</summary>
    public string? RedisHost { get; }

    public int RedisDatabase { get; }

    /// <summary>
    /// A harness over <paramref name="components"/> (default: <see cref="DefaultComponents"/>) on <paramref name="backend"/>
    /// (default: in-memory). On Redis the in-memory components of the YAML become <c>pubsub.redis</c>/<c>state.redis</c>
    /// on a database of this harness's own (<see cref="RedisComponents"/>; other keys and resources are kept); a Redis test
    /// skips itself, with the reason, when no Redis can be had.
    /// </summary>
    /// <param name="redisPubSubMetadata">On the Redis backend: more metadata for the pub/sub components (processingTimeout, consumerID, …).</param>
    public static Harness Create(string? components = null, TimeProvider? time = null, Backend? backend = null, IReadOnlyDictionary<string, string>? redisPubSubMetadata = null)
    {
        backend ??= Backend.InMemory;
        var yaml = components ?? DefaultComponents;
        string? redisHost = null;
        var database = 0;
        if (backend.IsRedis)
        {
            redisHost = backend.RequireEndpoint();
            database = backend.NextDatabase();
            yaml = RedisComponents.Rewrite(yaml, redisHost, database, redisPubSubMetadata);
        }
        var logs = new CapturingLoggerProvider(CapturingLoggerProvider.OwnAndFrameworkWarnings);
        var runtime = LocalRuntime.Create(new LocalRuntimeOptions { Components = yaml, Time = time, Logs = logs, MinimumLevel = LogLevel.Debug });
        return new Harness(runtime, logs, backend, redisHost, database);
    }

    /// <summary>
    /// A component resource as a user writes one (YAML, ending in a new line, so that resources join with <c>---</c>):
    /// <paramref name="name"/> of <paramref name="type"/>, version v1, with <paramref name="metadata"/> as plain values.
    /// </summary>
    public static string Component(string name, string type, params (string Name, string Value)[] metadata)
    {
        var yaml = new System.Text.StringBuilder()
            .Append("apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata: { name: ").Append(name).Append(" }\n")
            .Append("spec:\n  type: ").Append(type).Append("\n  version: v1\n");
        if (metadata.Length > 0) yaml.Append("  metadata:\n");
        foreach (var (key, value) in metadata)
            yaml.Append("  - { name: ").Append(key).Append(", value: \"").Append(value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append("\" }\n");
        return yaml.ToString();
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
        var node = await Runtime.AttachAsync(new SidecarSpec(appId, appPort, h2c ? "h2c" : "http", httpPort, grpcPort, apiToken, appApiToken), app, CancellationToken.None);
        return new Node(node, recorder);
    }

    /// <summary>A sidecar beside a raw app that answers <c>/dapr/subscribe</c> with <paramref name="subscriptions"/> and every delivery with <paramref name="respond"/>.</summary>
    public Task<(Node Node, RawApp App)> AddRawAsync(string appId, string subscriptions, Func<RawRequest, int, (int Status, string Body)> respond) =>
        AddRawAsync(appId, subscriptions, (request, count, _) => Task.FromResult(respond(request, count)));

    /// <summary>As above, with an answer that may wait (it is given the request's abort token).</summary>
    public async Task<(Node Node, RawApp App)> AddRawAsync(string appId, string subscriptions, Func<RawRequest, int, CancellationToken, Task<(int Status, string Body)>> respond)
    {
        var (node, raw) = await Runtime.StartRawAsync(appId, subscriptions, respond, CancellationToken.None);
        return (new Node(node, new Recorder()), raw);
    }

    public ValueTask DisposeAsync() => Runtime.DisposeAsync();
}

/// <summary>One app with its sidecar (<see cref="AppNode"/>), and what the conformance app recorded.</summary>
public sealed class Node(AppNode node, Recorder recorder) : IAsyncDisposable
{
    public AppNode AppNode { get; } = node;

    public Sidecar.Sidecar Sidecar => AppNode.Sidecar;

    public Recorder Recorder { get; } = recorder;

    public string HttpEndpoint => AppNode.HttpEndpoint;

    public string GrpcEndpoint => AppNode.GrpcEndpoint;

    public DaprClient Client => AppNode.Client;

    public DaprClient ClientWithToken(string? token) => AppNode.ClientWithToken(token);

    /// <summary>The app's own endpoint (the conformance app's <c>/plain</c> routes call the sidecar as an SDK user does).</summary>
    public string AppEndpoint => $"http://127.0.0.1:{Sidecar.Runtime.Options.AppPort}";

    public ValueTask DisposeAsync() => AppNode.DisposeAsync();
}

public static class Http
{
    public static HttpClient Client() => new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };

    public static HttpStatusCode Status(this HttpResponseMessage response) => response.StatusCode;

    /// <summary>
    /// Asserts daprd's error answer: <paramref name="status"/>, and a body with <paramref name="errorCode"/> and, when given,
    /// <paramref name="message"/> word for word; returns the message (for a test that checks only part of it).
    /// </summary>
    public static string AssertDaprError(HttpStatusCode actual, JsonElement body, HttpStatusCode status, string errorCode, string? message = null)
    {
        Assert.Equal(status, actual);
        Assert.Equal(errorCode, body.GetProperty("errorCode").GetString());
        var said = body.GetProperty("message").GetString()!;
        if (message is not null) Assert.Equal(message, said);
        return said;
    }

    /// <summary>As <see cref="AssertDaprError"/>, for a response whose body is still to be read.</summary>
    public static async Task<string> AssertDaprErrorAsync(this HttpResponseMessage response, HttpStatusCode status, string errorCode, string? message = null)
    {
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return AssertDaprError(response.StatusCode, body.RootElement, status, errorCode, message);
    }
}
