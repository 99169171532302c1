using Mtaeda.Contracts;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Ridership.Api;
using Mtaeda.Ridership.Handlers;
using Mtaeda.Ridership.Infrastructure;
using Mtaeda.ServiceDefaults;

namespace Microsoft.Extensions.Hosting;

/// <summary>The ridership service's parts, for its <c>Program.cs</c> and for the tests that host it.</summary>
public static class RidershipExtensions
{
    /// <summary>The port the app listens on when <c>APP_PORT</c> is not set.</summary>
    public const int DefaultAppPort = 5104;

    /// <summary>
    /// The app port (h2c, <c>APP_PORT</c>, default <see cref="DefaultAppPort"/>: Dapr's callbacks, gRPC and HTTP JSON share
    /// it), gRPC with JSON transcoding, the counter and the queries.
    /// </summary>
    /// <param name="builder">The app builder.</param>
    /// <returns>The same builder.</returns>
    public static WebApplicationBuilder AddRidership(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ListenOnAppPort(DefaultAppPort);
        builder.AddGrpcApi();
        builder.Services.AddSingleton(builder.Configuration.GetSection(RidershipOptions.SectionName).Get<RidershipOptions>() ?? new RidershipOptions());
        builder.Services.AddSingleton<PassageCounter>();
        builder.Services.AddSingleton<RidershipQueries>();
        return builder;
    }

    /// <summary>The <c>mtaeda.ridership.v1.Ridership</c> queries, over gRPC and HTTP JSON.</summary>
    /// <param name="app">The app.</param>
    /// <returns>The same app.</returns>
    public static WebApplication MapRidershipApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGrpcService<RidershipApi>().RequireDapr();
        return app;
    }

    /// <summary>Subscribes to <see cref="PassagesRecorded"/> on the <c>passages</c> topic, with bulk delivery.</summary>
    /// <param name="app">The app.</param>
    /// <returns>The same app.</returns>
    public static WebApplication MapRidershipEventHandlers(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var options = app.Services.GetRequiredService<RidershipOptions>();
        app.MapBulkEventHandler<PassagesRecorded, PassagesRecordedHandler>(Topics.Passages, new BulkDelivery(options.BulkMaxMessages, options.BulkMaxAwait));
        return app;
    }
}
