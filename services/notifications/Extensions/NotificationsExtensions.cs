using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Mtaeda.Contracts;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Contracts.Identification.V1;
using Mtaeda.Contracts.Maintenance.V1;
using Mtaeda.Contracts.Notifications.V1;
using Mtaeda.Contracts.Scheduling.V1;
using Mtaeda.Notifications.Api;
using Mtaeda.Notifications.Handlers;
using Mtaeda.Notifications.Infrastructure;
using Mtaeda.ServiceDefaults;

namespace Microsoft.Extensions.Hosting;

/// <summary>The notifications service's parts, for its <c>Program.cs</c> and for the tests that host it.</summary>
public static class NotificationsExtensions
{
    /// <summary>The port the app listens on when <c>APP_PORT</c> is not set.</summary>
    public const int DefaultAppPort = 5107;

    /// <summary>
    /// The app port (h2c, <c>APP_PORT</c>, default <see cref="DefaultAppPort"/>), the hub's own HTTP/1.1 port
    /// (<c>NOTIFICATIONS_HUB_PORT</c>, default <see cref="HubOptions.DefaultPort"/>, every address: browsers' and the
    /// dashboard's connections come from elsewhere) with its bearer authentication, SignalR, the stores, the channels, the
    /// delivery queue and its worker, and gRPC with JSON transcoding.
    /// </summary>
    /// <param name="builder">The app builder.</param>
    /// <returns>The same builder.</returns>
    public static WebApplicationBuilder AddNotifications(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        builder.ListenOnAppPort(DefaultAppPort);
        var hubPort = configuration.GetValue(HubOptions.PortVariable, HubOptions.DefaultPort);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenAnyIP(hubPort, listen => listen.Protocols = HttpProtocols.Http1));

        var options = configuration.GetSection(NotificationsOptions.SectionName).Get<NotificationsOptions>() ?? new NotificationsOptions();
        var hub = configuration.GetSection(HubOptions.SectionName).Get<HubOptions>() ?? new HubOptions();
        if (string.IsNullOrWhiteSpace(hub.Authority))
        {
            throw new InvalidOperationException(
                "Hub:Authority is required: the issuer of the hub's tokens (its OIDC metadata at {Authority}/.well-known/openid-configuration); "
                + "in Development the dashboard's issuer, http://localhost:5110 (appsettings.Development.json).");
        }
        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(hub);
        services.AddSingleton(new HubPort(hubPort));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ConfigurationStore>();
        services.AddSingleton<AlertStore>();
        services.AddSingleton<DeliveryLog>();
        services.AddSingleton<DeliveryQueue>();
        services.AddSingleton<DeliverySecrets>();
        services.AddSingleton<EmailSender>();
        // Its own client, without the shared HttpClient resilience: the delivery's retries (DeliveryRetry) count the attempts.
        services.AddSingleton(sp => new WebhookSender(
            new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) }) { Timeout = Timeout.InfiniteTimeSpan },
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<HubFanOut>();
        services.AddSingleton<DeliveryChannels>();
        services.AddSingleton<AlertRaiser>();
        services.AddHostedService<DeliveryWorker>();
        services.AddStateOutbox(new StateOutboxOptions(options.StateStoreName, options.OutboxSweep));

        services.AddAuthentication().AddJwtBearer(HubAuthorization.Scheme, jwt => HubAuthorization.Configure(jwt, hub));
        services.AddAuthorizationBuilder().AddPolicy(HubAuthorization.PolicyName, HubAuthorization.Policy);
        services.AddSignalR();
        builder.AddGrpcApi();
        builder.AddCallerRules(NotificationsCallers.Write);
        return builder;
    }

    /// <summary>
    /// The <c>mtaeda.notifications.v1.Notifications</c> API (gRPC and HTTP JSON) on the app port, and the operations hub at
    /// <see cref="HubOptions.Path"/> on the hub's port, which serves nothing else.
    /// </summary>
    /// <param name="app">The app.</param>
    /// <returns>The same app.</returns>
    public static WebApplication MapNotificationsApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var hubPort = app.Services.GetRequiredService<HubPort>().Port;
        app.Use(async (context, next) =>
        {
            if (context.Connection.LocalPort == hubPort && !context.Request.Path.StartsWithSegments(HubOptions.Path))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            await next(context);
        });
        app.MapGrpcService<NotificationsApi>().RequireDapr();
        app.MapHub<OperationsHub>(HubOptions.Path).RequireHost($"*:{hubPort}");
        return app;
    }

    /// <summary>
    /// Subscribes to the events notifications reacts to (faults and locks on <c>equipment</c>, maintenance requests and
    /// escalations on <c>maintenance</c>, work orders created and completed on <c>scheduling</c>, watch-list matches on
    /// <c>identification</c>, the messages of passengers to passengers on <c>passengers</c>), and to the hub's fan-out
    /// (every replica receives every push).
    /// </summary>
    /// <param name="app">The app.</param>
    /// <returns>The same app.</returns>
    public static WebApplication MapNotificationsEventHandlers(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapEventHandler<TurnstileFaulted, TurnstileFaultedHandler>(Topics.Equipment);
        app.MapEventHandler<TurnstileLocked, TurnstileLockedHandler>(Topics.Equipment);
        app.MapEventHandler<MaintenanceRequired, MaintenanceRequiredHandler>(Topics.Maintenance);
        app.MapEventHandler<WorkOrderEscalated, WorkOrderEscalatedHandler>(Topics.Maintenance);
        app.MapEventHandler<WorkOrderCreated, WorkOrderCreatedHandler>(Topics.Scheduling);
        app.MapEventHandler<WorkOrderCompleted, WorkOrderCompletedHandler>(Topics.Scheduling);
        app.MapEventHandler<Mtaeda.Contracts.Passengers.V1.PassengerNotificationRequested, PassengerNotificationRequestedHandler>(Topics.Passengers);
        app.MapEventHandler<OffenderIdentified, OffenderIdentifiedHandler>(Topics.Identification);
        app.MapBroadcastEventHandler<AlertRaised, AlertRaisedHandler>(Topics.HubFanOutPubSubName, Topics.HubFanOut);
        app.MapBroadcastEventHandler<AlertAcknowledged, AlertAcknowledgedHandler>(Topics.HubFanOutPubSubName, Topics.HubFanOut);
        app.MapBroadcastEventHandler<NotificationPushed, NotificationPushedHandler>(Topics.HubFanOutPubSubName, Topics.HubFanOut);
        return app;
    }
}

/// <summary>The port the operations hub listens on.</summary>
/// <param name="Port">The port.</param>
internal sealed record HubPort(int Port);
