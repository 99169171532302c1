using Mtaeda.Contracts;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Contracts.Identification.V1;
using Mtaeda.Identification.Api;
using Mtaeda.Identification.Domain;
using Mtaeda.Identification.Handlers;
using Mtaeda.Identification.Infrastructure;
using Mtaeda.ServiceDefaults;
using EquipmentClient = Mtaeda.Contracts.Equipment.V1.Equipment.EquipmentClient;

namespace Microsoft.Extensions.Hosting;

/// <summary>The identification service's parts, for its <c>Program.cs</c> and for the tests that host it.</summary>
public static class IdentificationExtensions
{
    /// <summary>The port the app listens on when <c>APP_PORT</c> is not set.</summary>
    public const int DefaultAppPort = 5108;

    /// <summary>
    /// The app port (h2c, <c>APP_PORT</c>, default <see cref="DefaultAppPort"/>), gRPC with JSON transcoding, the
    /// in-memory matcher (multi-probe LSH by default, built from the store at start-up), the watch list, the capture path, the
    /// cameras (equipment's client through the sidecar, asked about a camera not yet known) and the outbox.
    /// </summary>
    /// <param name="builder">The app builder.</param>
    /// <returns>The same builder.</returns>
    public static WebApplicationBuilder AddIdentification(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ListenOnAppPort(DefaultAppPort);
        builder.AddGrpcApi();
        var options = builder.Configuration.GetSection(IdentificationOptions.SectionName).Get<IdentificationOptions>() ?? new IdentificationOptions();
        if (options.TemplateLength is < 1 or > 4096) throw new InvalidOperationException("Identification:TemplateLength must be 1 to 4096");
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(new MatchPolicy(options.OffenderThreshold, options.PassengerThreshold));
        builder.Services.AddSingleton<IMatcher>(_ => options.Matcher switch
        {
            MatcherKind.Hnsw => new HnswMatcher(options.TemplateLength, options.Hnsw),
            MatcherKind.Lsh => new MultiProbeLshMatcher(options.TemplateLength, options.Lsh),
            _ => new SignCodeMatcher(options.TemplateLength, options.SignCode),
        });
        builder.Services.AddSingleton(services => new RecentCaptures(options.DuplicateWindow, options.DuplicateCapacity, services.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<IdentificationMetrics>();
        builder.Services.AddSingleton<IdentificationStore>();
        builder.Services.AddStateOutbox(new StateOutboxOptions(options.StateStore, options.OutboxSweep, IdentificationStore.OutboxKey));
        builder.Services.AddSingleton<WatchList>();
        builder.Services.AddSingleton(_ => new EquipmentClient(DaprSidecar.InvokerFor(builder.Configuration, "equipment")));
        builder.Services.AddSingleton<CameraDirectory>();
        builder.Services.AddSingleton<CaptureIdentifier>();
        builder.Services.AddSingleton<MatcherReadiness>();
        builder.Services.AddHostedService<MatcherLoader>();
        return builder;
    }

    /// <summary>The <c>mtaeda.identification.v1.Identification</c> service, over gRPC and HTTP JSON.</summary>
    /// <param name="app">The app.</param>
    /// <returns>The same app.</returns>
    public static WebApplication MapIdentificationApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGrpcService<IdentificationApi>().RequireDapr();
        return app;
    }

    /// <summary>
    /// Cameras from equipment (<see cref="CameraInstalled"/>, <see cref="TurnstileCameraUninstalled"/>), and the watch-list
    /// and enrolment changes of every replica (<see cref="WatchListChanged"/>, <see cref="PassengerEnrollmentChanged"/>), and
    /// passengers' withdrawals of consent (<see cref="Mtaeda.Contracts.Passengers.V1.PassengerConsentWithdrawn"/>: the templates are deleted).
    /// </summary>
    /// <param name="app">The app.</param>
    /// <returns>The same app.</returns>
    public static WebApplication MapIdentificationEventHandlers(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapEventHandler<CameraInstalled, CameraInstalledHandler>(Topics.Equipment);
        app.MapEventHandler<TurnstileCameraUninstalled, TurnstileCameraUninstalledHandler>(Topics.Equipment);
        app.MapEventHandler<WatchListChanged, WatchListChangedHandler>(Topics.Identification);
        app.MapEventHandler<PassengerEnrollmentChanged, PassengerEnrollmentChangedHandler>(Topics.Identification);
        app.MapEventHandler<Mtaeda.Contracts.Passengers.V1.PassengerConsentWithdrawn, PassengerConsentWithdrawnHandler>(Topics.Passengers);
        return app;
    }
}
