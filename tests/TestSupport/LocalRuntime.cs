using System.Globalization;
using System.Text;
using System.Text.Json;
using Dapr.Client;
using Grpc.Core;
using LocalDapr.Sidecar;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mtaeda.Testing;

/// <summary>
/// The project's local Dapr runtime in the test process: one environment (in-memory pub/sub and state shared by the
/// sidecars), a sidecar beside each app. Set MTAEDA_TEST_LOGS to a file path to get the logs of apps and sidecars there.
/// </summary>
public sealed class LocalRuntime : IAsyncDisposable
{
    /// <summary>The tests' components: in-memory <c>pubsub</c> (retried after 10 ms) and <c>statestore</c>, for actors too.</summary>
    public static string DefaultComponents { get; } = InMemoryComponents();

    /// <summary>The tests' in-memory components, <c>pubsub</c> and <c>statestore</c> (the actor state store).</summary>
    /// <param name="backOffMaxRetries">How often the pub/sub retries a failed delivery; null: the component's default.</param>
    /// <returns>The resources YAML.</returns>
    public static string InMemoryComponents(int? backOffMaxRetries = null) => $$"""
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: pubsub
        spec:
          type: pubsub.in-memory
          version: v1
          metadata:
          - name: backOffDuration
            value: 10ms{{(backOffMaxRetries is { } retries ? $"\n  - name: backOffMaxRetries\n    value: \"{retries.ToString(CultureInfo.InvariantCulture)}\"" : "")}}
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


    private static readonly string? LogFile = System.Environment.GetEnvironmentVariable("MTAEDA_TEST_LOGS");
    private static readonly bool ShowLogs = !string.IsNullOrEmpty(LogFile);
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly ILoggerFactory _loggers;

    private LocalRuntime(string resources, ILoggerFactory loggers, TimeProvider? time)
    {
        Resources = resources;
        _loggers = loggers;
        Environment = new RuntimeEnvironment(loggers, time);
    }

    /// <summary>The folder with the component files.</summary>
    public string Resources { get; }

    /// <summary>The shared environment (brokers and stores live here across sidecar restarts).</summary>
    public RuntimeEnvironment Environment { get; }

    /// <summary>Writes the tests' components (<see cref="DefaultComponents"/>) into <paramref name="directory"/>.</summary>
    /// <param name="directory">A resources directory.</param>
    /// <param name="components">The resources YAML (<see cref="DefaultComponents"/> when null).</param>
    public static void WriteComponents(string directory, string? components = null) =>
        File.WriteAllText(Path.Combine(directory, "components.yaml"), components ?? DefaultComponents);

    /// <summary>A new environment with the in-memory components.</summary>
    /// <param name="logs">Also receives the runtime's logs (warnings and above unless MTAEDA_TEST_LOGS is set).</param>
    /// <returns>The runtime.</returns>
    public static LocalRuntime Create(ILoggerProvider? logs = null) => Create(new LocalRuntimeOptions { Logs = logs });

    /// <summary>A new environment over the resources and clock <paramref name="options"/> give.</summary>
    /// <param name="options">The resources, clock and logging.</param>
    /// <returns>The runtime.</returns>
    public static LocalRuntime Create(LocalRuntimeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var resources = Directory.CreateTempSubdirectory("mtaeda-test-").FullName;
        WriteComponents(resources, options.Components);
        var loggers = LoggerFactory.Create(logging =>
        {
            logging.SetMinimumLevel(options.MinimumLevel ?? (ShowLogs ? LogLevel.Information : LogLevel.Warning));
            if (ShowLogs) logging.AddProvider(new FileLoggerProvider(LogFile!));
            if (options.Logs is not null) logging.AddProvider(options.Logs);
        });
        return new LocalRuntime(resources, loggers, options.Time);
    }

    /// <summary>Starts an app built by <paramref name="build"/> (given its ports as configuration) and its sidecar (h2c).</summary>
    /// <param name="appId">The app id.</param>
    /// <param name="build">Builds the app from command-line arguments.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running app.</returns>
    public async Task<AppNode> StartAsync(string appId, Func<string[], WebApplication> build, CancellationToken cancellationToken)
    {
        int appPort = Sidecar.FreePort(), httpPort = Sidecar.FreePort(), grpcPort = Sidecar.FreePort();
        var app = build(
        [
            $"--APP_ID={appId}",
            $"--APP_PORT={appPort.ToString(CultureInfo.InvariantCulture)}",
            $"--DAPR_HTTP_PORT={httpPort.ToString(CultureInfo.InvariantCulture)}",
            $"--DAPR_GRPC_PORT={grpcPort.ToString(CultureInfo.InvariantCulture)}",
            $"--Logging:LogLevel:Default={(ShowLogs ? "Information" : "Warning")}",
        ]);
        if (ShowLogs) app.Services.GetRequiredService<ILoggerFactory>().AddProvider(new FileLoggerProvider(LogFile!));
        await app.StartAsync(cancellationToken);
        return await AttachAsync(new SidecarSpec(appId, appPort, "h2c", httpPort, grpcPort), app, cancellationToken);
    }

    /// <summary>Starts an app that records every event of <paramref name="topics"/> (HTTP/1.1, as any subscriber).</summary>
    /// <param name="appId">The app id.</param>
    /// <param name="topics">The topics.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The observer.</returns>
    public async Task<Observer> ObserveAsync(string appId, string[] topics, CancellationToken cancellationToken)
    {
        var port = Sidecar.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenLocalhost(port, listen => listen.Protocols = HttpProtocols.Http1));
        var app = builder.Build();
        var observer = new Observer(app);
        var subscriptions = JsonSerializer.Serialize(topics.Select(topic => new { pubsubname = "pubsub", topic, route = $"/observed/{topic}" }));
        app.MapGet("/dapr/subscribe", () => Results.Text(subscriptions, "application/json"));
        app.MapPost("/observed/{topic}", async (string topic, HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            using var envelope = JsonDocument.Parse(await reader.ReadToEndAsync(context.RequestAborted));
            var root = envelope.RootElement;
            string Text(string name) => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";
            observer.Add(new ObservedEvent(topic, Text("id"), Text("type"), root.TryGetProperty("data", out var data) ? data.GetRawText() : "null", Text("source"), Text("subject")));
            return Results.Json(new { status = "SUCCESS" });
        });
        await app.StartAsync(cancellationToken);
        observer.Node = await AttachAsync(new SidecarSpec(appId, port, "http"), app, cancellationToken);
        return observer;
    }

    /// <summary>Starts a sidecar with no app (a client's view of the runtime: state, publishing).</summary>
    /// <param name="appId">The app id.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The sidecar, as a node without an app.</returns>
    public Task<AppNode> StartSidecarAsync(string appId, CancellationToken cancellationToken) =>
        AttachAsync(new SidecarSpec(appId), null, cancellationToken);

    /// <summary>Starts a <see cref="RawApp"/> (an app written against the wire only) and its sidecar.</summary>
    /// <param name="appId">The app id.</param>
    /// <param name="subscriptions">The JSON answer to <c>/dapr/subscribe</c>.</param>
    /// <param name="respond">The answer to each delivery (it is given the request's abort token).</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The sidecar and the app.</returns>
    public async Task<(AppNode Node, RawApp App)> StartRawAsync(string appId, string subscriptions,
        Func<RawRequest, int, CancellationToken, Task<(int Status, string Body)>> respond, CancellationToken cancellationToken)
    {
        var raw = await RawApp.StartAsync(subscriptions, respond);
        _owned.Add(raw);
        return (await AttachAsync(new SidecarSpec(appId, raw.Port, "http"), null, cancellationToken), raw);
    }

    /// <summary>A sidecar beside an app the test started itself on <paramref name="appPort"/>.</summary>
    /// <param name="appId">The app id.</param>
    /// <param name="appPort">The app's port.</param>
    /// <param name="protocol">The app protocol: <c>http</c> or <c>h2c</c>.</param>
    /// <param name="app">The app, stopped with its sidecar; null when the test disposes it.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The node.</returns>
    public Task<AppNode> AttachAsync(string appId, int appPort, string protocol, WebApplication? app, CancellationToken cancellationToken) =>
        AttachAsync(new SidecarSpec(appId, appPort, protocol), app, cancellationToken);

    /// <summary>
    /// A small gRPC app of the test's own (a fake of another service: <paramref name="service"/>, an instance of a generated
    /// <c>…Base</c> class) on h2c, beside a sidecar of <paramref name="appId"/>, so the service under test calls it by
    /// service invocation as it would call the real one.
    /// </summary>
    /// <typeparam name="TService">The gRPC service's type.</typeparam>
    /// <param name="appId">The app id the fake stands for.</param>
    /// <param name="service">The fake.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The node.</returns>
    public async Task<AppNode> StartGrpcAppAsync<TService>(string appId, TService service, CancellationToken cancellationToken)
        where TService : class
    {
        var port = Sidecar.FreePort();
        var builder = GrpcAppBuilder(port);
        builder.Services.AddSingleton(service);
        var app = builder.Build();
        app.MapGrpcService<TService>();
        await app.StartAsync(cancellationToken);
        return await AttachAsync(appId, port, "h2c", app, cancellationToken);
    }

    /// <summary>
    /// What a test's fake of another service starts from: a slim app on <paramref name="port"/> (h2c on loopback, as a
    /// service behind its sidecar), without logs, with gRPC added.
    /// </summary>
    /// <param name="port">The app port.</param>
    /// <returns>The builder, for the fake's services and routes.</returns>
    public static WebApplicationBuilder GrpcAppBuilder(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenLocalhost(port, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        return builder;
    }

    /// <summary>A sidecar as <paramref name="spec"/> says, beside <paramref name="app"/> (already started, or none).</summary>
    /// <param name="spec">The sidecar's app id, app port and protocol, its own ports and its tokens.</param>
    /// <param name="app">The app, stopped with its sidecar; null when there is none or the test disposes it.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The node, once the sidecar found the app ready.</returns>
    public async Task<AppNode> AttachAsync(SidecarSpec spec, WebApplication? app, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var sidecar = await Sidecar.StartAsync(new SidecarOptions
        {
            AppId = spec.AppId,
            AppPort = spec.AppPort,
            AppProtocol = spec.Protocol,
            HttpPort = spec.HttpPort ?? Sidecar.FreePort(),
            GrpcPort = spec.GrpcPort ?? Sidecar.FreePort(),
            ResourcesPaths = [Resources],
            ApiToken = spec.ApiToken,
            AppApiToken = spec.AppApiToken,
        }, Environment, cancellationToken);
        var node = new AppNode(spec.AppId, sidecar, app, spec.ApiToken);
        _owned.Add(node);
        await sidecar.AppReady.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        return node;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--) await _owned[i].DisposeAsync();
        await Environment.DisposeAsync();
        _loggers.Dispose();
        try
        {
            Directory.Delete(Resources, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>An app and its sidecar, with clients bound to the sidecar.</summary>
/// <param name="appId">The app id.</param>
/// <param name="sidecar">The sidecar.</param>
/// <param name="app">The app (null for a sidecar alone or an app the test owns).</param>
/// <param name="apiToken">The sidecar's API token (<c>dapr-api-token</c>), which <see cref="Client"/> sends; null when none.</param>
public sealed class AppNode(string appId, Sidecar sidecar, WebApplication? app, string? apiToken = null) : IAsyncDisposable
{
    private int _disposed;

    /// <summary>The app id.</summary>
    public string AppId { get; } = appId;

    /// <summary>The sidecar.</summary>
    public Sidecar Sidecar { get; } = sidecar;

    /// <summary>The app (null for a sidecar alone).</summary>
    public WebApplication? App { get; } = app;

    /// <summary>The sidecar's HTTP API.</summary>
    public string HttpEndpoint => $"http://127.0.0.1:{Sidecar.HttpPort.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The sidecar's gRPC API.</summary>
    public string GrpcEndpoint => $"http://127.0.0.1:{Sidecar.GrpcPort.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>A Dapr client on the sidecar (with its API token, if it has one).</summary>
    public DaprClient Client { get; } = Build(sidecar, apiToken);

    /// <summary>A new Dapr client on the sidecar that sends <paramref name="token"/> (none when null); the caller disposes it.</summary>
    /// <param name="token">The API token to send.</param>
    /// <returns>The client.</returns>
    public DaprClient ClientWithToken(string? token) => Build(Sidecar, token);

    /// <summary>gRPC calls to <paramref name="target"/>, proxied by this sidecar (<c>dapr-app-id</c>).</summary>
    /// <param name="target">The app called.</param>
    /// <returns>The invoker.</returns>
    public CallInvoker Invoker(string target) => DaprClient.CreateInvocationInvoker(target, GrpcEndpoint);

    private static DaprClient Build(Sidecar sidecar, string? token) => new DaprClientBuilder()
        .UseGrpcEndpoint($"http://127.0.0.1:{sidecar.GrpcPort.ToString(CultureInfo.InvariantCulture)}")
        .UseHttpEndpoint($"http://127.0.0.1:{sidecar.HttpPort.ToString(CultureInfo.InvariantCulture)}")
        .UseDaprApiToken(token)
        .Build();

    /// <summary>Stops the sidecar, then the app.</summary>
    /// <returns>A task.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        Client.Dispose();
        await Sidecar.DisposeAsync();
        if (App is null) return;
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

/// <summary>An event an <see cref="Observer"/> received.</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Id">The CloudEvent id.</param>
/// <param name="Type">The CloudEvent type.</param>
/// <param name="Data">The data, as JSON.</param>
/// <param name="Source">The CloudEvent source (the publishing app).</param>
/// <param name="Subject">The CloudEvent subject (the aggregate), empty when none.</param>
public sealed record ObservedEvent(string Topic, string Id, string Type, string Data, string Source = "", string Subject = "");

/// <summary>Records the events its app receives, for tests to wait on (no sleeps).</summary>
public sealed class Observer(WebApplication app)
{
    private readonly EventRecording _events = new();

    /// <summary>The app (owned by <see cref="Node"/>).</summary>
    public WebApplication App { get; } = app;

    /// <summary>The observer's app and sidecar.</summary>
    public AppNode Node { get; internal set; } = null!;

    /// <summary>What was received so far, in order.</summary>
    public IReadOnlyList<ObservedEvent> Events => _events.Snapshot();

    internal void Add(ObservedEvent observed) => _events.Add(observed);

    /// <summary>Waits until what was received so far satisfies <paramref name="condition"/>.</summary>
    /// <param name="condition">The condition, over every event received, in order.</param>
    /// <param name="what">What is awaited, for the timeout's message.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The events received when it held.</returns>
    public Task<IReadOnlyList<ObservedEvent>> WaitUntilAsync(Func<IReadOnlyList<ObservedEvent>, bool> condition, string what, TimeSpan timeout, CancellationToken cancellationToken) =>
        _events.WaitUntilAsync(condition, what, timeout, cancellationToken);

    /// <summary>Waits until an event matches <paramref name="match"/>.</summary>
    /// <param name="match">The condition.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The first matching event.</returns>
    public async Task<ObservedEvent> WaitForAsync(Func<ObservedEvent, bool> match, TimeSpan timeout, CancellationToken cancellationToken) =>
        (await _events.WaitUntilAsync(events => events.Any(match), "a matching event", timeout, cancellationToken)).First(match);

    private sealed class EventRecording : Recording<ObservedEvent>
    {
        protected override string Describe(ObservedEvent item) => $"{item.Type}({item.Subject})";
    }
}

/// <summary>What <see cref="LocalRuntime.Create(LocalRuntimeOptions)"/> builds the runtime from.</summary>
public sealed record LocalRuntimeOptions
{
    /// <summary>The resources YAML; <see cref="LocalRuntime.DefaultComponents"/> when null (see <see cref="RedisComponents"/> for Redis).</summary>
    public string? Components { get; init; }

    /// <summary>The runtime's clock (TTLs, reminders, workflow timers); the system clock when null.</summary>
    public TimeProvider? Time { get; init; }

    /// <summary>Also receives the runtime's logs.</summary>
    public ILoggerProvider? Logs { get; init; }

    /// <summary>The lowest level logged; warnings (information with MTAEDA_TEST_LOGS) when null.</summary>
    public LogLevel? MinimumLevel { get; init; }
}

/// <summary>A sidecar to start: beside which app, on which ports, with which tokens.</summary>
/// <param name="AppId">The app id.</param>
/// <param name="AppPort">The app's port; null for a sidecar without an app.</param>
/// <param name="Protocol">The app protocol: <c>http</c> or <c>h2c</c>.</param>
/// <param name="HttpPort">The sidecar's HTTP port; a free one when null.</param>
/// <param name="GrpcPort">The sidecar's gRPC port; a free one when null.</param>
/// <param name="ApiToken">The token the sidecar's API requires (<c>DAPR_API_TOKEN</c>); none when null.</param>
/// <param name="AppApiToken">The token the sidecar sends the app (<c>APP_API_TOKEN</c>); none when null.</param>
public sealed record SidecarSpec(string AppId, int? AppPort = null, string Protocol = "http", int? HttpPort = null, int? GrpcPort = null,
    string? ApiToken = null, string? AppApiToken = null);

/// <summary>Appends log lines to a file (for looking into a failing test: MTAEDA_TEST_LOGS=/tmp/test.log).</summary>
public sealed class FileLoggerProvider(string path) : ILoggerProvider
{
    private static readonly Lock Gate = new();

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new FileLogger(path, categoryName);

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private sealed class FileLogger(string path, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var line = $"{DateTimeOffset.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : System.Environment.NewLine + exception)}{System.Environment.NewLine}";
            lock (Gate) File.AppendAllText(path, line);
        }
    }
}
