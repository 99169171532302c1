using Dapr.Workflow;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Maintenance.Api;
using Mtaeda.Maintenance.Handlers;
using Mtaeda.Maintenance.Infrastructure;
using Mtaeda.Maintenance.Workflows;
using EquipmentClient = Mtaeda.Contracts.Equipment.V1.Equipment.EquipmentClient;
using SchedulingClient = Mtaeda.Contracts.Scheduling.V1.Scheduling.SchedulingClient;
using RidershipClient = Mtaeda.Contracts.Ridership.V1.Ridership.RidershipClient;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.Hosting;

/// <summary>The maintenance service's parts, for its <c>Program.cs</c> and for the tests that host it.</summary>
public static class MaintenanceExtensions
{
    /// <summary>The port the app listens on when <c>APP_PORT</c> is not set.</summary>
    public const int DefaultAppPort = 5105;

    /// <summary>
    /// How the <c>equipment</c> topic's faults are delivered: in bulk (Dapr <c>bulkSubscribe</c>), up to 100 events, a
    /// delivery that is not full going after 20 ms. A broker may deliver a topic to an app one delivery at a time (the
    /// in-memory component does, and Redis' workers are few), so a burst of faults is taken in together rather than each
    /// waiting for the intakes before it; 20 ms is what a lone fault waits for company.
    /// </summary>
    public static readonly BulkDelivery FaultDelivery = new(100, TimeSpan.FromMilliseconds(20));

    /// <summary>
    /// The app port (h2c, <c>APP_PORT</c>, default <see cref="DefaultAppPort"/>), the gRPC API with JSON transcoding, the options (deadlines checked at start),
    /// the devices' open requests, clients of scheduling and equipment through the sidecar, and the maintenance workflow
    /// with its activities (Dapr Workflow, served by the sidecar's workflow engine).
    /// </summary>
    /// <param name="builder">The app builder.</param>
    /// <returns>The same builder.</returns>
    public static WebApplicationBuilder AddMaintenance(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ListenOnAppPort(DefaultAppPort);
        builder.AddGrpcApi();
        var options = builder.Configuration.GetSection(MaintenanceOptions.SectionName).Get<MaintenanceOptions>() ?? new MaintenanceOptions();
        options.Validate();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<OpenRequests>();
        builder.Services.AddSingleton<RequestSteps>();
        builder.Services.AddSingleton<StationLoadLookup>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<MaintenanceIntake>();
        builder.Services.AddSingleton<WorkOrderEventRaiser>();
        var configuration = builder.Configuration;
        builder.Services.AddSingleton(_ => new SchedulingClient(DaprSidecar.InvokerFor(configuration, "scheduling")));
        builder.Services.AddSingleton(_ => new EquipmentClient(DaprSidecar.InvokerFor(configuration, "equipment")));
        builder.Services.AddSingleton(_ => new RidershipClient(DaprSidecar.InvokerFor(configuration, "ridership")));
        builder.Services.AddDaprWorkflow(workflows =>
        {
            workflows.RegisterWorkflow<MaintenanceWorkflow>();
            workflows.RegisterActivity<CreateWorkOrderActivity>();
            workflows.RegisterActivity<EscalateActivity>();
            workflows.RegisterActivity<RecordStepActivity>();
            workflows.RegisterActivity<StartDeviceMaintenanceActivity>();
            workflows.RegisterActivity<FinishDeviceMaintenanceActivity>();
            workflows.RegisterActivity<CloseRequestActivity>();
        });
        return builder;
    }

    /// <summary>The maintenance API (gRPC, JSON-transcoded): a device's requests and one request with its workflow's status.</summary>
    /// <param name="app">The app.</param>
    /// <returns>The same app.</returns>
    public static WebApplication MapMaintenanceApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGrpcService<MaintenanceApi>().RequireDapr();
        return app;
    }

    /// <summary>
    /// The equipment events that open maintenance requests (topic <c>equipment</c>, in bulk: <see cref="FaultDelivery"/>), the preventive schedules that came
    /// due (topic <c>scheduling</c>, ADR 0006), and the work-order events raised on the requests' workflows (topic
    /// <c>scheduling</c>, ADR 0005).
    /// </summary>
    /// <param name="app">The app.</param>
    /// <returns>The same app.</returns>
    public static WebApplication MapMaintenanceEventHandlers(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapBulkEventHandler<TurnstileLocked, TurnstileLockedHandler>(Topics.Equipment, FaultDelivery);
        app.MapBulkEventHandler<TurnstileFaulted, TurnstileFaultedHandler>(Topics.Equipment, FaultDelivery);
        app.MapBulkEventHandler<TurnstilePassageThresholdExceeded, TurnstilePassageThresholdExceededHandler>(Topics.Equipment, FaultDelivery);
        app.MapEventHandler<TurnstileMaintenanceScheduleTriggered, TurnstileMaintenanceScheduleTriggeredHandler>(Topics.Scheduling);
        app.MapEventHandler<CameraMaintenanceScheduleTriggered, CameraMaintenanceScheduleTriggeredHandler>(Topics.Scheduling);
        app.MapBulkEventHandler<CameraFaulted, CameraFaultedHandler>(Topics.Equipment, FaultDelivery);
        app.MapEventHandler<WorkOrderAssigned, WorkOrderAssignedHandler>(Topics.Scheduling);
        app.MapEventHandler<WorkOrderStarted, WorkOrderStartedHandler>(Topics.Scheduling);
        app.MapEventHandler<WorkOrderCompleted, WorkOrderCompletedHandler>(Topics.Scheduling);
        app.MapEventHandler<WorkOrderCancelled, WorkOrderCancelledHandler>(Topics.Scheduling);
        return app;
    }
}
