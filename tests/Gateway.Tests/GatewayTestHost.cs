using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using LocalDapr.Sidecar;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Mtaeda.Gateway.Devices;
using Mtaeda.Gateway.Journal;
using Mtaeda.Testing;

namespace Mtaeda.Gateway.Tests;

/// <summary>
/// The real gateway in-process, built through its own <c>AddGateway</c>/<c>Map…</c> methods (<see cref="ServiceHost"/>),
/// beside a fake equipment app, each with a sidecar of the shared <see cref="LocalRuntime"/> (in-memory pub/sub and
/// state): the gateway reaches equipment only through its sidecar, by app-id. Equipment's app and the gateway can be
/// stopped and started again while the runtime (and equipment's sidecar) stays up.
/// </summary>
public sealed class GatewayTestHost : IAsyncDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly Dictionary<string, string?> _settings;
    private readonly LocalRuntime _runtime = LocalRuntime.Create();
    private readonly int _equipmentPort = Sidecar.FreePort();
    private WebApplication? _equipment;
    private AppNode? _equipmentSidecar;
    private AppNode? _stationsSidecar;
    private AppNode? _clientSidecar;
    private AppNode? _gateway;

    private GatewayTestHost(Dictionary<string, string?> settings)
    {
        _settings = settings;
        Certificates = DevCertificates.Ensure(_dir.Sub("certs"));
    }

    public EquipmentState Equipment { get; } = new();

    public string Environment { get; private init; } = "Development";

    public DevCertificateSet Certificates { get; }

    public int DevicePort { get; } = Sidecar.FreePort();

    public Uri DeviceEndpoint => new($"https://localhost:{DevicePort}");

    public string JournalDirectory => _dir.Sub("journal");

    public IServiceProvider GatewayServices => _gateway!.App!.Services;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// The gRPC endpoint of a sidecar for a client without an app (the simulator's), in the same environment; the fake
    /// app also serves <c>Stations</c>, behind a sidecar with app-id <c>stations</c>.
    /// </summary>
    public async Task<string> ClientSidecarAsync()
    {
        _stationsSidecar ??= await _runtime.AttachAsync("stations", _equipmentPort, "h2c", null, Ct);
        _clientSidecar ??= await _runtime.StartSidecarAsync("simulator", Ct);
        return _clientSidecar.GrpcEndpoint;
    }

    /// <summary>Starts the fake equipment and the gateway, each with its sidecar.</summary>
    /// <remarks>In <paramref name="settings"/>, <c>{certs}</c> stands for the development certificates directory.</remarks>
    public static async Task<GatewayTestHost> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, string environment = "Development")
    {
        var all = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["Gateway:BatchMaxDelay"] = "00:00:00.05",
            ["Gateway:BatchMaxPassages"] = "1000",
            ["Gateway:RetryMinBackoff"] = "00:00:00.05",
            ["Gateway:RetryMaxBackoff"] = "00:00:00.3",
            ["Gateway:StationOfflineRetryInterval"] = "00:00:00.1",
            ["Gateway:EquipmentCallTimeout"] = "00:00:02",
            ["Gateway:JournalFsync"] = "false",
            ["Gateway:StatusUpdates"] = "false",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) all[key] = value;
        var host = new GatewayTestHost(all) { Environment = environment };
        await host.StartEquipmentAsync();
        await host.StartGatewayAsync();
        return host;
    }

    public async Task StartEquipmentAsync()
    {
        _equipment = await FakeEquipmentApp.StartAsync(_equipmentPort, Equipment);
        // The sidecar outlives the app (the test stops and starts the app): the host disposes the app itself.
        _equipmentSidecar ??= await _runtime.AttachAsync("equipment", _equipmentPort, "h2c", null, Ct);
    }

    /// <summary>Stops the equipment app (its sidecar stays up, so calls fail as when a service is down).</summary>
    public async Task StopEquipmentAsync()
    {
        if (_equipment is null) return;
        await _equipment.StopAsync(Ct);
        await _equipment.DisposeAsync();
        _equipment = null;
    }

    public async Task StartGatewayAsync()
    {
        var settings = new Dictionary<string, string?>(_settings.ToDictionary(kv => kv.Key, kv => kv.Value?.Replace("{certs}", _dir.Sub("certs"), StringComparison.Ordinal)))
        {
            ["GATEWAY_DEVICE_PORT"] = DevicePort.ToString(CultureInfo.InvariantCulture),
            ["GATEWAY_JOURNAL_DIR"] = JournalDirectory,
            ["GATEWAY_CERTS_DIR"] = _dir.Sub("certs"),
        };
        _gateway = await _runtime.StartAsync("gateway", args => ServiceHost.Build(args,
            builder => builder.AddGateway(),
            app =>
            {
                app.MapGatewayApi();
                app.MapGatewayEventHandlers();
            },
            settings, Environment, applicationName: "Mtaeda.Gateway"), Ct);
    }

    /// <summary>Stops the gateway's sidecar, then the gateway (the journal stays on disk).</summary>
    public async Task StopGatewayAsync()
    {
        if (_gateway is null) return;
        await _gateway.DisposeAsync();
        _gateway = null;
    }

    public int JournalDepth => GatewayServices.GetRequiredService<PassageJournal>().PendingCount;

    /// <summary>A device certificate of the station CA.</summary>
    public X509Certificate2 DeviceCertificate(string deviceId) => DevCertificates.IssueDeviceCertificate(Certificates.Ca, deviceId, "stn-001");

    /// <summary>Connects <paramref name="deviceId"/> with a certificate of the station CA (or the one given).</summary>
    public Task<TestDevice> ConnectAsync(string deviceId, X509Certificate2? certificate = null, string? claimedId = null) =>
        TestDevice.ConnectAsync(DeviceEndpoint, claimedId ?? deviceId, certificate ?? DeviceCertificate(deviceId), Certificates.Ca, Ct);

    public async ValueTask DisposeAsync()
    {
        // Sidecars before their apps: the runtime stops each node's sidecar first, then the equipment app goes.
        await _runtime.DisposeAsync();
        await StopEquipmentAsync();
        Certificates.Dispose();
        _dir.Dispose();
    }
}
