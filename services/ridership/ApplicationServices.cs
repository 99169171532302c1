using Dapr;
using Dapr.AspNetCore;
using Mtaeda.Contracts;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.ServiceDefaults;
using Mtaeda.Ridership.Api;
using Mtaeda.Ridership.Handlers;

namespace Mtaeda.Ridership;

/// <summary>Settings of the ridership service, bound from the <c>Ridership</c> configuration section.</summary>
public sealed class RidershipOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Ridership";

    /// <summary>The Dapr state store holding the counters and markers (default <c>statestore</c>); it must be transactional.</summary>
    public string StateStoreName { get; set; } = "statestore";

    /// <summary>
    /// How long a counted event's marker is kept (default 7 days): a duplicate delivered later would be counted again,
    /// so keep it above the broker's redelivery horizon. Null keeps markers forever.
    /// </summary>
    public TimeSpan? ProcessedRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How many read-modify-write attempts one delivery gets before it fails and Dapr redelivers its events.</summary>
    public int MaxAttempts { get; set; } = 10;

    /// <summary>
    /// Most events in one bulk delivery of the <c>passages</c> topic (default 100); they are counted in one state
    /// transaction, so keep it within the store's transaction limit (about 4 operations per event plus the counters).
    /// </summary>
    public int BulkMaxMessages { get; set; } = 100;

    /// <summary>How long Dapr waits to fill a bulk delivery (default 50 ms): an upper bound on the latency it adds.</summary>
    public TimeSpan BulkMaxAwait { get; set; } = TimeSpan.FromMilliseconds(50);
}

/// <summary>What the ridership service adds to the service defaults, and what it maps.</summary>
public static class ApplicationServices
{
    /// <summary>The port the app listens on when <c>APP_PORT</c> is not set.</summary>
    public const int DefaultAppPort = 5104;

    /// <summary>
    /// Kestrel on <c>APP_PORT</c> with HTTP/2 only (h2c: the sidecar runs with app-protocol h2c and forwards HTTP
    /// invocations over it, so Dapr's callbacks, gRPC and HTTP JSON share the port), gRPC with JSON transcoding, and the
    /// counter.
    /// </summary>
    /// <param name="builder">The app builder.</param>
    public static void AddApplicationServices(this WebApplicationBuilder builder)
    {
        builder.ListenOnAppPort(DefaultAppPort);

        // Canonical proto3 JSON (int64 as strings, as protobuf's own JSON parsers in every language expect).
        builder.Services.AddGrpc().AddJsonTranscoding(transcoding => transcoding.JsonSettings.WriteInt64sAsStrings = true);
        var options = builder.Configuration.GetSection(RidershipOptions.SectionName).Get<RidershipOptions>() ?? new RidershipOptions();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<PassageCounter>();
        builder.Services.AddSingleton<RidershipQueries>();
        builder.Services.AddSingleton<PassagesRecordedHandler>();
    }

    /// <summary>The <c>mtaeda.ridership.v1.Ridership</c> queries, over gRPC and HTTP JSON.</summary>
    /// <param name="app">The app.</param>
    public static void MapRidershipApiV1(this WebApplication app) => app.MapGrpcService<RidershipApi>().RequireDapr();

    /// <summary>Subscribes to the <c>passages</c> topic, where <see cref="PassagesRecorded"/> travels, with bulk delivery.</summary>
    /// <param name="app">The app.</param>
    public static void MapRidershipEventHandlers(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<RidershipOptions>();
        app.MapPost(PassagesRecordedHandler.Route, (HttpContext http, PassagesRecordedHandler handler) => handler.HandleAsync(http))
            .WithTopic(Topics.PubSubName, Topics.Passages)
            .WithBulkSubscribe(new BulkSubscribeTopicOptions
            {
                TopicName = Topics.Passages,
                MaxMessagesCount = options.BulkMaxMessages,
                MaxAwaitDurationMs = (int)Math.Ceiling(options.BulkMaxAwait.TotalMilliseconds),
            })
            .RequireDapr();
    }
}
