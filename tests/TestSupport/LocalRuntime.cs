using System.Collections.Concurrent;
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
    private const string Components = """
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

    private LocalRuntime(string resources, ILoggerFactory loggers)
    {
        Resources = resources;
        _loggers = loggers;
        Environment = new RuntimeEnvironment(loggers);
    }

    /// <summary>The folder with the component files.</summary>
    public string Resources { get; }

    /// <summary>The shared environment (brokers and stores live here across sidecar restarts).</summary>
    public RuntimeEnvironment Environment { get; }

    /// <summary>Writes the tests' components (in-memory <c>pubsub</c>, and <c>statestore</c> for actors too) into <paramref name="directory"/>.</summary>
    /// <param name="directory">A resources directory.</param>
    public static void WriteComponents(string directory) => File.WriteAllText(Path.Combine(directory, "components.yaml"), Components);

    /// <summary>A new environment with the in-memory components.</summary>
    /// <param name="logs">Also receives the runtime's logs (warnings and above unless MTAEDA_TEST_LOGS is set).</param>
    /// <returns>The runtime.</returns>
    public static LocalRuntime Create(ILoggerProvider? logs = null)
    {
        var resources = Directory.CreateTempSubdirectory("mtaeda-test-").FullName;
        WriteComponents(resources);
        var loggers = LoggerFactory.Create(logging =>
        {
            logging.SetMinimumLevel(ShowLogs ? LogLevel.Information : LogLevel.Warning);
            if (ShowLogs) logging.AddProvider(new FileLoggerProvider(LogFile!));
            if (logs is not null) logging.AddProvider(logs);
        });
        return new LocalRuntime(resources, loggers);
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
        var node = await AttachAsync(appId, appPort, "h2c", httpPort, grpcPort, app, cancellationToken);
        return node;
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
        observer.Node = await AttachAsync(appId, port, "http", Sidecar.FreePort(), Sidecar.FreePort(), app, cancellationToken);
        return observer;
    }

    /// <summary>Starts a sidecar with no app (a client's view of the runtime: state, publishing).</summary>
    /// <param name="appId">The app id.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The sidecar, as a node without an app.</returns>
    public Task<AppNode> StartSidecarAsync(string appId, CancellationToken cancellationToken) =>
        AttachAsync(appId, null, "http", Sidecar.FreePort(), Sidecar.FreePort(), null, cancellationToken);

    /// <summary>A sidecar beside an app the test started itself on <paramref name="appPort"/>.</summary>
    /// <param name="appId">The app id.</param>
    /// <param name="appPort">The app's port.</param>
    /// <param name="protocol">The app protocol: <c>http</c> or <c>h2c</c>.</param>
    /// <param name="app">The app, stopped with its sidecar; null when the test disposes it.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The node.</returns>
    public Task<AppNode> AttachAsync(string appId, int appPort, string protocol, WebApplication? app, CancellationToken cancellationToken) =>
        AttachAsync(appId, appPort, protocol, Sidecar.FreePort(), Sidecar.FreePort(), app, cancellationToken);

    private async Task<AppNode> AttachAsync(string appId, int? appPort, string protocol, int httpPort, int grpcPort, WebApplication? app, CancellationToken cancellationToken)
    {
        var sidecar = await Sidecar.StartAsync(new SidecarOptions
        {
            AppId = appId,
            AppPort = appPort,
            AppProtocol = protocol,
            HttpPort = httpPort,
            GrpcPort = grpcPort,
            ResourcesPaths = [Resources],
        }, Environment, cancellationToken);
        var node = new AppNode(appId, sidecar, app);
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
public sealed class AppNode(string appId, Sidecar sidecar, WebApplication? app) : IAsyncDisposable
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

    /// <summary>A Dapr client on the sidecar.</summary>
    public DaprClient Client { get; } = new DaprClientBuilder()
        .UseGrpcEndpoint($"http://127.0.0.1:{sidecar.GrpcPort.ToString(CultureInfo.InvariantCulture)}")
        .UseHttpEndpoint($"http://127.0.0.1:{sidecar.HttpPort.ToString(CultureInfo.InvariantCulture)}")
        .Build();

    /// <summary>gRPC calls to <paramref name="target"/>, proxied by this sidecar (<c>dapr-app-id</c>).</summary>
    /// <param name="target">The app called.</param>
    /// <returns>The invoker.</returns>
    public CallInvoker Invoker(string target) => DaprClient.CreateInvocationInvoker(target, GrpcEndpoint);

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
    private readonly ConcurrentQueue<ObservedEvent> _events = new();
    private readonly Lock _lock = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The app (owned by <see cref="Node"/>).</summary>
    public WebApplication App { get; } = app;

    /// <summary>The observer's app and sidecar.</summary>
    public AppNode Node { get; internal set; } = null!;

    /// <summary>What was received so far, in order.</summary>
    public IReadOnlyList<ObservedEvent> Events => [.. _events];

    internal void Add(ObservedEvent observed)
    {
        TaskCompletionSource changed;
        lock (_lock)
        {
            _events.Enqueue(observed);
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    /// <summary>Waits until what was received so far satisfies <paramref name="condition"/>.</summary>
    /// <param name="condition">The condition, over every event received, in order.</param>
    /// <param name="what">What is awaited, for the timeout's message.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The events received when it held.</returns>
    public async Task<IReadOnlyList<ObservedEvent>> WaitUntilAsync(Func<IReadOnlyList<ObservedEvent>, bool> condition, string what, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            Task changed;
            lock (_lock) changed = _changed.Task;
            var events = Events;
            if (condition(events)) return events;
            try
            {
                await changed.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"timed out waiting for {what}; received: {string.Join(", ", events.Select(e => $"{e.Type}({e.Subject})"))}");
            }
        }
    }

    /// <summary>Waits until an event matches <paramref name="match"/>.</summary>
    /// <param name="match">The condition.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The first matching event.</returns>
    public async Task<ObservedEvent> WaitForAsync(Func<ObservedEvent, bool> match, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            Task changed;
            lock (_lock) changed = _changed.Task;
            if (_events.FirstOrDefault(match) is { } found) return found;
            try
            {
                await changed.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"no matching event within {timeout}; received: {string.Join(", ", _events.Select(e => e.Type))}");
            }
        }
    }
}

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
