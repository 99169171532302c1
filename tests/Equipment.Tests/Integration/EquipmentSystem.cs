using System.Collections.Concurrent;
using System.Globalization;
using Dapr.Client;
using LocalDapr.Sidecar;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Mtaeda.Contracts;
using EquipmentApi = Mtaeda.Contracts.Equipment.V1.Equipment;

namespace Mtaeda.Equipment.Tests.Integration;

/// <summary>
/// The real equipment app beside a sidecar of the local runtime, with a fake stations app and a recorder subscribed to
/// the equipment topic, each behind its own sidecar, all in this process over one runtime environment (in-memory
/// pub/sub and state store, the latter holding actor state).
/// </summary>
public sealed class EquipmentSystem : IAsyncLifetime
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
            value: 50ms
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
    private string _resources = "";
    private RuntimeEnvironment? _env;
    private ILoggerFactory? _loggers;

    /// <summary>What the runtime logged at warning or above (shown when a test fails to find an event).</summary>
    public ConcurrentQueue<string> RuntimeWarnings { get; } = new();

    public EventRecorder Recorder { get; private set; } = null!;

    public Sidecar EquipmentSidecar { get; private set; } = null!;

    /// <summary>The equipment API, called through the equipment sidecar's gRPC proxy (<c>dapr-app-id: equipment</c>).</summary>
    public EquipmentApi.EquipmentClient Client { get; private set; } = null!;

    /// <summary>A Dapr client of the stations sidecar (publishes as the stations app).</summary>
    public DaprClient StationsDapr { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        _resources = Directory.CreateTempSubdirectory("equipment-tests-").FullName;
        await File.WriteAllTextAsync(Path.Combine(_resources, "components.yaml"), Components, cancellationToken);
        _loggers = LoggerFactory.Create(b => b.AddProvider(new QueueLoggerProvider(RuntimeWarnings)).SetMinimumLevel(LogLevel.Warning));
        _env = new RuntimeEnvironment(_loggers);

        var stationsPort = Sidecar.FreePort();
        var stationsApp = await FakeStations.StartAsync(stationsPort, cancellationToken);
        _owned.Add(new Running(stationsApp));
        var stationsSidecar = await StartSidecarAsync("stations", stationsPort, "h2c", Sidecar.FreePort(), Sidecar.FreePort(), cancellationToken);
        StationsDapr = new DaprClientBuilder().UseGrpcEndpoint($"http://127.0.0.1:{stationsSidecar.GrpcPort}").UseHttpEndpoint($"http://127.0.0.1:{stationsSidecar.HttpPort}").Build();

        Recorder = await EventRecorder.StartAsync(Topics.Equipment, cancellationToken);
        _owned.Add(Recorder);
        await StartSidecarAsync("recorder", Recorder.Port, "http", Sidecar.FreePort(), Sidecar.FreePort(), cancellationToken);

        int appPort = Sidecar.FreePort(), httpPort = Sidecar.FreePort(), grpcPort = Sidecar.FreePort();
        var app = EquipmentApp.Build(
        [
            $"--APP_PORT={appPort.ToString(CultureInfo.InvariantCulture)}",
            $"--DAPR_HTTP_PORT={httpPort.ToString(CultureInfo.InvariantCulture)}",
            $"--DAPR_GRPC_PORT={grpcPort.ToString(CultureInfo.InvariantCulture)}",
            "--APP_ID=equipment",
            "--Logging:LogLevel:Default=Warning",
        ]);
        await app.StartAsync(cancellationToken);
        _owned.Add(new Running(app));
        EquipmentSidecar = await StartSidecarAsync("equipment", appPort, "h2c", httpPort, grpcPort, cancellationToken);
        Client = new EquipmentApi.EquipmentClient(DaprClient.CreateInvocationInvoker("equipment", $"http://127.0.0.1:{grpcPort}"));
    }

    public async ValueTask DisposeAsync()
    {
        StationsDapr?.Dispose();
        // Sidecars first (they were added after their apps), then the apps.
        for (var i = _owned.Count - 1; i >= 0; i--) await _owned[i].DisposeAsync();
        if (_env is not null) await _env.DisposeAsync();
        _loggers?.Dispose();
        try
        {
            Directory.Delete(_resources, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task<Sidecar> StartSidecarAsync(string appId, int appPort, string protocol, int httpPort, int grpcPort, CancellationToken cancellationToken)
    {
        var sidecar = await Sidecar.StartAsync(new SidecarOptions
        {
            AppId = appId,
            AppPort = appPort,
            AppProtocol = protocol,
            HttpPort = httpPort,
            GrpcPort = grpcPort,
            ResourcesPaths = [_resources],
        }, _env!, cancellationToken);
        _owned.Add(sidecar);
        await sidecar.AppReady.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        return sidecar;
    }

    /// <summary>Stops an app before disposing it.</summary>
    private sealed class Running(WebApplication app) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }
    }

    private sealed class QueueLoggerProvider(ConcurrentQueue<string> queue) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new QueueLogger(queue, categoryName);

        public void Dispose()
        {
        }

        private sealed class QueueLogger(ConcurrentQueue<string> queue, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                queue.Enqueue($"{logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception.Message)}");
        }
    }
}
