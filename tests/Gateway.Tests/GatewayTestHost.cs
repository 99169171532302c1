using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using LocalDapr.Sidecar;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mtaeda.Contracts.Gateway.V1;
using Mtaeda.Gateway.Devices;
using Mtaeda.Gateway.Journal;
using Mtaeda.Testing;

namespace Mtaeda.Gateway.Tests;

/// <summary>
/// The real gateway in-process beside a fake equipment app, each with a sidecar of the local runtime over one shared
/// environment (in-memory pub/sub and state): the gateway reaches equipment only through its sidecar, by app-id.
/// </summary>
public sealed class GatewayTestHost : IAsyncDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly Dictionary<string, string?> _settings;
    private readonly RuntimeEnvironment _env;
    private readonly int _equipmentPort = Sidecar.FreePort();
    private WebApplication? _equipment;
    private Sidecar? _equipmentSidecar;
    private Sidecar? _stationsSidecar;
    private Sidecar? _clientSidecar;
    private WebApplication? _gateway;
    private Sidecar? _gatewaySidecar;

    private GatewayTestHost(Dictionary<string, string?> settings)
    {
        _settings = settings;
        _env = new RuntimeEnvironment(LoggerFactory.Create(b =>
        {
            b.SetMinimumLevel(LogLevel.Information);
            FileLoggerProvider.AddTo(b);
        }));
        Directory.CreateDirectory(_dir.Sub("components"));
        LocalRuntime.WriteComponents(_dir.Sub("components"));
        Certificates = DevCertificates.Ensure(_dir.Sub("certs"));
    }

    public EquipmentState Equipment { get; } = new();

    public string Environment { get; private init; } = "Development";

    public DevCertificateSet Certificates { get; }

    public int DevicePort { get; } = Sidecar.FreePort();

    public Uri DeviceEndpoint => new($"https://localhost:{DevicePort}");

    public string JournalDirectory => _dir.Sub("journal");

    public IServiceProvider GatewayServices => _gateway!.Services;

    /// <summary>
    /// The gRPC endpoint of a sidecar for a client without an app (the simulator's), in the same environment; the fake
    /// app also serves <c>Stations</c>, behind a sidecar with app-id <c>stations</c>.
    /// </summary>
    public async Task<string> ClientSidecarAsync()
    {
        _stationsSidecar ??= await StartSidecarAsync("stations", _equipmentPort, 0, 0);
        _clientSidecar ??= await StartSidecarAsync("simulator", null, 0, 0);
        return $"http://127.0.0.1:{_clientSidecar.GrpcPort}";
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
        _equipmentSidecar ??= await StartSidecarAsync("equipment", _equipmentPort, 0, 0);
    }

    /// <summary>Stops the equipment app (its sidecar stays up, so calls fail as when a service is down).</summary>
    public async Task StopEquipmentAsync()
    {
        if (_equipment is null) return;
        await _equipment.StopAsync(TestContext.Current.CancellationToken);
        await _equipment.DisposeAsync();
        _equipment = null;
    }

    public async Task StartGatewayAsync()
    {
        int appPort = Sidecar.FreePort(), httpPort = Sidecar.FreePort(), grpcPort = Sidecar.FreePort();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = "Mtaeda.Gateway", EnvironmentName = Environment, ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        FileLoggerProvider.AddTo(builder.Logging);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(_settings.ToDictionary(kv => kv.Key, kv => kv.Value?.Replace("{certs}", _dir.Sub("certs"), StringComparison.Ordinal)))
        {
            ["APP_ID"] = "gateway",
            ["APP_PORT"] = appPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["GATEWAY_DEVICE_PORT"] = DevicePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["GATEWAY_JOURNAL_DIR"] = JournalDirectory,
            ["GATEWAY_CERTS_DIR"] = _dir.Sub("certs"),
            ["DAPR_HTTP_PORT"] = httpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["DAPR_GRPC_PORT"] = grpcPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        builder.AddServiceDefaults();
        builder.AddGateway();
        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapGatewayApi();
        app.MapGatewayEventHandlers();
        await app.StartAsync(TestContext.Current.CancellationToken);
        _gateway = app;
        _gatewaySidecar = await StartSidecarAsync("gateway", appPort, httpPort, grpcPort);
    }

    public async Task StopGatewayAsync()
    {
        if (_gatewaySidecar is not null) await _gatewaySidecar.DisposeAsync();
        _gatewaySidecar = null;
        if (_gateway is null) return;
        await _gateway.StopAsync(TestContext.Current.CancellationToken);
        await _gateway.DisposeAsync();
        _gateway = null;
    }

    public int JournalDepth => _gateway!.Services.GetRequiredService<PassageJournal>().PendingCount;

    private async Task<Sidecar> StartSidecarAsync(string appId, int? appPort, int httpPort, int grpcPort)
    {
        var sidecar = await Sidecar.StartAsync(new SidecarOptions
        {
            AppId = appId,
            AppPort = appPort,
            AppProtocol = "h2c",
            HttpPort = httpPort,
            GrpcPort = grpcPort,
            ResourcesPaths = [_dir.Sub("components")],
        }, _env, TestContext.Current.CancellationToken);
        await sidecar.AppReady.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        return sidecar;
    }

    /// <summary>A device certificate of the station CA.</summary>
    public X509Certificate2 DeviceCertificate(string deviceId) => DevCertificates.IssueDeviceCertificate(Certificates.Ca, deviceId, "stn-001");

    /// <summary>Connects <paramref name="deviceId"/> with a certificate of the station CA (or the one given).</summary>
    public Task<TestDevice> ConnectAsync(string deviceId, X509Certificate2? certificate = null, string? claimedId = null) =>
        TestDevice.ConnectAsync(DeviceEndpoint, claimedId ?? deviceId, certificate ?? DeviceCertificate(deviceId), Certificates.Ca, TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        await StopGatewayAsync();
        if (_clientSidecar is not null) await _clientSidecar.DisposeAsync();
        if (_stationsSidecar is not null) await _stationsSidecar.DisposeAsync();
        if (_equipmentSidecar is not null) await _equipmentSidecar.DisposeAsync();
        await StopEquipmentAsync();
        await _env.DisposeAsync();
        _env.Loggers.Dispose();
        Certificates.Dispose();
        _dir.Dispose();
    }
}
