using System.Collections.Concurrent;
using Dapr.Client;
using LocalDapr.Sidecar;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mtaeda.Contracts;
using Mtaeda.Testing;
using EquipmentApi = Mtaeda.Contracts.Equipment.V1.Equipment;

namespace Mtaeda.Equipment.Tests.Integration;

/// <summary>
/// The real equipment app beside a sidecar of the local runtime, with a fake stations app and a recorder subscribed to
/// the equipment topic, each behind its own sidecar, all in this process over one runtime environment (in-memory
/// pub/sub and state store, the latter holding actor state).
/// </summary>
public sealed class EquipmentSystem : IAsyncLifetime
{
    /// <summary>The equipment app, built as its Program.cs builds it.</summary>
    public static readonly Func<string[], WebApplication> App = ServiceApp.Of(typeof(EquipmentExtensions).Assembly,
        builder => builder.AddEquipment(), app => app.MapEquipmentApi().MapEquipmentEventHandlers());

    private LocalRuntime? _runtime;

    /// <summary>What the runtime logged at warning or above (shown when a test fails to find an event).</summary>
    public ConcurrentQueue<string> RuntimeWarnings { get; } = new();

    /// <summary>A subscriber of equipment's topics, written against the wire only (no SDK).</summary>
    public Observer Recorder { get; private set; } = null!;

    public Sidecar EquipmentSidecar { get; private set; } = null!;

    /// <summary>The equipment API, called through the equipment sidecar's gRPC proxy (<c>dapr-app-id: equipment</c>).</summary>
    public EquipmentApi.EquipmentClient Client { get; private set; } = null!;

    /// <summary>A Dapr client of the stations sidecar (publishes as the stations app).</summary>
    public DaprClient StationsDapr { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        _runtime = LocalRuntime.Create(new QueueLoggerProvider(RuntimeWarnings));

        var stationsPort = Sidecar.FreePort();
        var stationsApp = await FakeStations.StartAsync(stationsPort, cancellationToken);
        StationsDapr = (await _runtime.AttachAsync("stations", stationsPort, "h2c", stationsApp, cancellationToken)).Client;

        Recorder = await _runtime.ObserveAsync("recorder", [Topics.Equipment, Topics.Passages], cancellationToken);

        var equipment = await _runtime.StartAsync("equipment", App, cancellationToken);
        EquipmentSidecar = equipment.Sidecar;
        Client = new EquipmentApi.EquipmentClient(equipment.Invoker("equipment"));
    }

    public async ValueTask DisposeAsync()
    {
        // Sidecars before their apps: the runtime stops each node's sidecar first.
        if (_runtime is not null) await _runtime.DisposeAsync();
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
