using Dapr.Client;
using LocalDapr.Sidecar;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
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

    private readonly CapturingLoggerProvider _runtimeLogs = new((_, level) => level >= LogLevel.Warning);
    private LocalRuntime? _runtime;

    /// <summary>What the runtime logged at warning or above (shown when a test fails to find an event).</summary>
    public IEnumerable<string> RuntimeWarnings => _runtimeLogs.Entries.Select(e =>
        $"{e.Level} {e.Category}: {e.Message}{(e.Exception is null ? "" : " " + e.Exception.Message)}");

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
        _runtime = LocalRuntime.Create(_runtimeLogs);

        StationsDapr = (await _runtime.StartGrpcAppAsync("stations", new FakeStations(), cancellationToken)).Client;

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
}
