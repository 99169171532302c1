using Mtaeda.Scheduling.Actors;
using Mtaeda.Scheduling.Api;
using Mtaeda.Scheduling.Domain;
using Mtaeda.Scheduling.Infrastructure;
using Mtaeda.ServiceDefaults;

namespace Microsoft.Extensions.Hosting;

/// <summary>The scheduling service's parts, for its <c>Program.cs</c> and for the tests that host it.</summary>
public static class SchedulingExtensions
{
    /// <summary>The port the app listens on when <c>APP_PORT</c> is not set.</summary>
    public const int DefaultAppPort = 5106;

    /// <summary>
    /// The app port (h2c, <c>APP_PORT</c>, default <see cref="DefaultAppPort"/>), the WorkOrder actor, the work-order
    /// index, the technicians registry (from configuration), and gRPC with JSON transcoding.
    /// </summary>
    /// <param name="builder">The app builder.</param>
    /// <returns>The same builder.</returns>
    public static WebApplicationBuilder AddScheduling(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        builder.ListenOnAppPort(DefaultAppPort);
        builder.Services.AddActors(options =>
        {
            options.Actors.RegisterActor<WorkOrderActor>(WorkOrderActor.TypeName);
            options.UseSidecar(configuration);
        });
        var options = configuration.GetSection(SchedulingOptions.SectionName).Get<SchedulingOptions>() ?? new SchedulingOptions();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(new TechnicianRegistry(options.Technicians));
        builder.Services.AddSingleton<WorkOrderIndex>();
        builder.AddGrpcApi();
        return builder;
    }

    /// <summary>The actor endpoints and the <c>mtaeda.scheduling.v1.Scheduling</c> API (gRPC and HTTP JSON).</summary>
    /// <param name="app">The app.</param>
    /// <returns>The same app.</returns>
    public static WebApplication MapSchedulingApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapDaprActors();
        app.MapGrpcService<SchedulingApi>().RequireDapr();
        return app;
    }

    /// <summary>Scheduling subscribes to no event yet (due schedules will be its own workflows); the method keeps the one shape.</summary>
    /// <param name="app">The app.</param>
    /// <returns>The same app.</returns>
    public static WebApplication MapSchedulingEventHandlers(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app;
    }
}
