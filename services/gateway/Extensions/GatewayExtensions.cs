using System.Globalization;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Mtaeda.Contracts;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Gateway;
using Mtaeda.Gateway.Api;
using Mtaeda.Gateway.Devices;
using Mtaeda.Gateway.Domain;
using Mtaeda.Gateway.Forwarding;
using Mtaeda.Gateway.Handlers;
using Mtaeda.Gateway.Journal;
using Mtaeda.Gateway.Telemetry;
using Mtaeda.Gateway.Tls;
using Mtaeda.ServiceDefaults;
using EquipmentApi = Mtaeda.Contracts.Equipment.V1.Equipment;

namespace Microsoft.Extensions.Hosting;

/// <summary>The gateway's parts, for its <c>Program.cs</c> (and for tests that host it in-process).</summary>
public static class GatewayExtensions
{
    /// <summary>
    /// Adds the gateway: its settings (<see cref="GatewayOptions"/>), the two listeners (the app port, h2c, for the
    /// sidecar; the device port, TLS with required client certificates of the station CA), the journal, the device
    /// registry, the forwarder to equipment through the sidecar, batch flushing and heartbeat deadlines.
    /// </summary>
    /// <param name="builder">The application builder.</param>
    /// <returns>The same builder.</returns>
    public static WebApplicationBuilder AddGateway(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        var options = new GatewayOptions();
        configuration.GetSection(GatewayOptions.SectionName).Bind(options);
        if (Int(configuration["APP_PORT"]) is { } appPort) options.AppPort = appPort;
        if (Int(configuration["GATEWAY_DEVICE_PORT"]) is { } devicePort) options.DevicePort = devicePort;
        if (configuration["GATEWAY_JOURNAL_DIR"] is { Length: > 0 } journal) options.JournalDirectory = journal;
        if (configuration[DevCertificates.DirectoryVariable] is { Length: > 0 } certs) options.CertificatesDirectory = certs;
        var appId = MtaedaTelemetry.ServiceName(configuration, "gateway");
        options.JournalDirectory = Path.GetFullPath(options.JournalDirectory ?? Path.Combine(
            DevCertificates.RepositoryRoot() is { } root ? Path.Combine(root, ".dapr") : Path.Combine(Path.GetTempPath(), "mtaeda"),
            "gateway-journal", appId));
        options.Validate();
        if (string.IsNullOrWhiteSpace(options.ServerCertificatePath) && !(options.DevelopmentCertificates ?? builder.Environment.IsDevelopment()))
        {
            throw new InvalidOperationException(
                "The device port has no certificates: set Gateway:ServerCertificatePath, Gateway:ServerKeyPath and Gateway:StationCaPath (PEM files), "
                + "or use development certificates (the Development environment, or Gateway:DevelopmentCertificates=true).");
        }
        var tls = DeviceTls.Load(options);

        builder.ListenOnAppPort(options.AppPort);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // A device that vanished without closing its connection (power cut, network gone) is noticed and its stream ended.
            kestrel.Limits.Http2.KeepAlivePingDelay = TimeSpan.FromSeconds(30);
            kestrel.Limits.Http2.KeepAlivePingTimeout = TimeSpan.FromSeconds(20);
            kestrel.ListenAnyIP(options.DevicePort, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                listen.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificate = tls.ServerCertificate,
                    // The handshake takes any client certificate, or none; DeviceGateway checks it against the station CA
                    // and refuses with Unauthenticated and the reason, which a device (and its installer) can act on, where
                    // a refused handshake says only that the connection failed. Only DeviceGateway is mapped on this port.
                    ClientCertificateMode = ClientCertificateMode.AllowCertificate,
                    CheckCertificateRevocation = false,
                    ClientCertificateValidation = (_, _, _) => true,
                });
            });
        });

        var services = builder.Services;
        services.AddGrpc();
        services.AddSingleton(options);
        services.AddSingleton(tls);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<GatewayMetrics>();
        // The signal path, one way: sessions → DeviceRegistry (batching) → PassageJournal → EquipmentForwarder; what
        // happens downstream comes back through DeviceOutcomes to the registry, the one owner of device state.
        services.AddSingleton<DeviceOutcomes>();
        services.AddSingleton(sp => PassageJournal.Open(
            new JournalOptions { Directory = options.JournalDirectory, Fsync = options.JournalFsync, SegmentBytes = options.JournalSegmentBytes },
            sp.GetRequiredService<DeviceOutcomes>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("Mtaeda.Gateway.Journal"),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(new LivenessTracker(options.EffectiveOfflineAfter));
        services.AddSingleton<LivenessEvents>();
        services.AddSingleton<DeviceRegistry>();
        services.AddSingleton(sp => new RetryGate(options.RetryMinBackoff, options.RetryMaxBackoff, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(_ => new EquipmentApi.EquipmentClient(DaprSidecar.InvokerFor(configuration, options.EquipmentAppId)));
        services.AddSingleton<EquipmentCommands>();
        services.AddHostedService<EquipmentForwarder>();
        // Face captures: to identification by service invocation, never through the journal (see CaptureForwarder).
        services.AddSingleton(_ => new Mtaeda.Contracts.Identification.V1.Identification.IdentificationClient(DaprSidecar.InvokerFor(configuration, options.IdentificationAppId)));
        services.AddSingleton<CaptureForwarder>();
        services.AddSingleton<ICaptureSink>(sp => sp.GetRequiredService<CaptureForwarder>());
        services.AddHostedService(sp => sp.GetRequiredService<CaptureForwarder>());
        // Started after the forwarder, so stopped before it: open batches are cut and journaled at shutdown.
        services.AddHostedService(sp => sp.GetRequiredService<DeviceRegistry>());
        services.AddHostedService<LivenessMonitor>();
        services.AddHostedService(sp => new StartupLog(options, tls, sp.GetRequiredService<PassageJournal>(), sp.GetRequiredService<ILogger<StartupLog>>()));
        return builder;
    }

    /// <summary>Maps <c>DeviceGateway</c> on the device port only.</summary>
    /// <param name="app">The application.</param>
    /// <returns>The same application.</returns>
    public static WebApplication MapGatewayApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var options = app.Services.GetRequiredService<GatewayOptions>();
        // The device port listens on every address for devices: it serves DeviceGateway and nothing else (Dapr's callbacks,
        // the actor and event routes and the metrics belong to the app port, which only the sidecar reaches).
        var deviceService = new PathString("/" + Mtaeda.Contracts.Gateway.V1.DeviceGateway.Descriptor.FullName);
        app.Use(async (context, next) =>
        {
            if (context.Connection.LocalPort == options.DevicePort && !context.Request.Path.StartsWithSegments(deviceService))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            await next(context);
        });
        app.MapGrpcService<DeviceGatewayService>().RequireHost($"*:{options.DevicePort}");
        return app;
    }

    /// <summary>
    /// Subscribes to equipment's status events (when <c>Gateway:StatusUpdates</c> is on), so connected devices hear of
    /// locks, faults, restores and decommissioning; the topic's other events are acknowledged and ignored.
    /// </summary>
    /// <param name="app">The application.</param>
    /// <returns>The same application.</returns>
    public static WebApplication MapGatewayEventHandlers(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (!app.Services.GetRequiredService<GatewayOptions>().StatusUpdates) return app;
        app.MapEventHandler<TurnstileLocked, TurnstileLockedHandler>(Topics.Equipment);
        app.MapEventHandler<TurnstileFaulted, TurnstileFaultedHandler>(Topics.Equipment);
        app.MapEventHandler<TurnstileRestored, TurnstileRestoredHandler>(Topics.Equipment);
        app.MapEventHandler<TurnstileMaintenanceStarted, TurnstileMaintenanceStartedHandler>(Topics.Equipment);
        app.MapEventHandler<TurnstileDecommissioned, TurnstileDecommissionedHandler>(Topics.Equipment);
        return app;
    }

    private static int? Int(string? value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) ? number : null;

    private sealed class StartupLog(GatewayOptions options, DeviceTls tls, PassageJournal journal, ILogger<StartupLog> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            logger.LogInformation(
                "Gateway: devices on port {DevicePort} (TLS, client certificates of the station CA; {Certificates}), sidecar on port {AppPort} (h2c); journal {Journal} with {Pending} entries to forward; equipment app-id {Equipment}; batches cut every {Delay} or {Max} passages",
                options.DevicePort, tls.Source, options.AppPort, journal.Directory, journal.PendingCount, options.EquipmentAppId, options.BatchMaxDelay, options.BatchMaxPassages);
            if (journal.Directory.StartsWith(Path.GetTempPath(), StringComparison.Ordinal))
                logger.LogWarning("The journal is in the temporary directory; set GATEWAY_JOURNAL_DIR to a persistent volume in production");
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
