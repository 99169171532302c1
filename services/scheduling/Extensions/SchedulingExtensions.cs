using Dapr.Workflow;
using Mtaeda.Scheduling.Actors;
using Mtaeda.Scheduling.Api;
using Mtaeda.Scheduling.Infrastructure;
using Mtaeda.Scheduling.Workflows;
using EquipmentClient = Mtaeda.Contracts.Equipment.V1.Equipment.EquipmentClient;
using StationsClient = Mtaeda.Contracts.Stations.V1.Stations.StationsClient;

namespace Microsoft.Extensions.Hosting;

/// <summary>The scheduling service's parts, for its <c>Program.cs</c> and for the tests that host it.</summary>
public static class SchedulingExtensions
{
    /// <summary>The port the app listens on when <c>APP_PORT</c> is not set.</summary>
    public const int DefaultAppPort = 5106;

    /// <summary>
    /// The app port (h2c, <c>APP_PORT</c>, default <see cref="DefaultAppPort"/>), the WorkOrder and MaintenanceSchedule
    /// actors, the work orders' read model, the schedule index, the technicians registry (from configuration), the schedules' workflow
    /// and its activity (Dapr Workflow), clients of equipment and stations through the sidecar (to check a schedule's
    /// device), and gRPC with JSON transcoding under the callers' rules (<see cref="SchedulingCallers"/>).
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
            options.Actors.RegisterActor<ScheduleActor>(ScheduleActor.TypeName);
            options.UseSidecar(configuration);
        });
        var options = configuration.GetSection(SchedulingOptions.SectionName).Get<SchedulingOptions>() ?? new SchedulingOptions();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(new TechnicianRegistry(options.Technicians));
        builder.Services.AddSingleton<WorkOrderReadModel>();
        builder.Services.AddSingleton<ScheduleIndex>();
        builder.Services.AddSingleton<ScheduleRunner>();
        builder.Services.AddSingleton(_ => new EquipmentClient(DaprSidecar.InvokerFor(configuration, "equipment")));
        builder.Services.AddSingleton(_ => new StationsClient(DaprSidecar.InvokerFor(configuration, "stations")));
        builder.Services.AddSingleton<DeviceLookup>();
        builder.Services.AddSingleton<ScheduleParts>();
        builder.Services.AddDaprWorkflow(workflows =>
        {
            workflows.RegisterWorkflow<ScheduleWorkflow>();
            workflows.RegisterActivity<TriggerScheduleActivity>();
        });
        builder.AddGrpcApi();
        builder.AddCallerRules(SchedulingCallers.Write);
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

    /// <summary>Scheduling subscribes to no event (due schedules are its own workflows); the method keeps the one shape.</summary>
    /// <param name="app">The app.</param>
    /// <returns>The same app.</returns>
    public static WebApplication MapSchedulingEventHandlers(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app;
    }
}
