using Dapr.Workflow;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Mtaeda.Contracts;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Maintenance.Workflows;
using Mtaeda.ServiceDefaults;
using SchedulingClient = Mtaeda.Contracts.Scheduling.V1.Scheduling.SchedulingClient;

namespace Mtaeda.Maintenance.Tests;

/// <summary>
/// The real maintenance and scheduling apps in-process beside local sidecars (which serve the workflow engine), with a
/// small equipment app that records the maintenance it is told of and a small ridership app that answers station
/// figures: a locked turnstile becomes a work order ranked by its station's load, the work order's start puts the
/// turnstile under maintenance, its completion restores it and closes the request, and every step is recorded once.
/// </summary>
public sealed class MaintenanceIntegrationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_locked_turnstile_gets_a_work_order_and_its_completion_restores_the_turnstile_and_closes_the_request()
    {
        await using var runtime = LocalRuntime.Create();
        await using var issuer = await TestIssuer.StartAsync(Ct);
        var equipment = new RecordingEquipment();
        var (equipmentNode, maintenance, observer, orders, api) = await MaintenanceWorld.StartAsync(runtime, issuer, equipment, new FixedRidership(new Dictionary<string, long> { ["stn-001"] = 120 }), Ct);

        var lockedAt = DateTimeOffset.UtcNow;
        var locked = new TurnstileLocked
        {
            TurnstileId = "ts-001-01",
            StationId = "stn-001",
            Kind = FaultKind.Jammed,
            Reason = "arm stuck",
            LockedAt = Timestamp.FromDateTimeOffset(lockedAt),
        };
        await equipmentNode.Client.PublishIntegrationEventAsync(Topics.Equipment, locked, "locked-1", cancellationToken: Ct);
        // The same event again (a redelivery with a new id): the device's open request takes it, no second process.
        await equipmentNode.Client.PublishIntegrationEventAsync(Topics.Equipment, locked, "locked-1-again", cancellationToken: Ct);

        var requestId = new Fault("ts-001-01", DeviceKind.Turnstile, "stn-001", MaintenanceCause.Locked, "", lockedAt).Key;
        var order = await Eventually.MatchesAsync(
            () => orders.ListWorkOrdersAsync(new ListWorkOrdersRequest { StationId = "stn-001" }, cancellationToken: Ct).ResponseAsync,
            list => list.WorkOrders.Count > 0, Eventually.DefaultTimeout, Ct, "a work order for the locked turnstile");
        var created = Assert.Single(order.WorkOrders);
        Assert.Equal((requestId, requestId, "ts-001-01", MaintenancePriority.High), (created.WorkOrderId, created.RequestId, created.DeviceId, created.Priority));
        var required = await observer.WaitForAsync(e => e.Type == EventType.Of<MaintenanceRequired>(), Eventually.DefaultTimeout, Ct);
        Assert.Equal(MaintenanceCause.Locked, IntegrationEvents.FromJson<MaintenanceRequired>(required.Data).Cause);

        // Another fault of the same turnstile while its request is open joins it: no second request or work order.
        var faulted = new TurnstileFaulted
        {
            TurnstileId = "ts-001-01",
            StationId = "stn-001",
            Kind = FaultKind.Malfunction,
            Reason = "reader offline",
            FaultedAt = Timestamp.FromDateTimeOffset(lockedAt.AddSeconds(1)),
        };
        await equipmentNode.Client.PublishIntegrationEventAsync(Topics.Equipment, faulted, "faulted-1", cancellationToken: Ct);
        var open = await Eventually.MatchesAsync(
            () => api.GetMaintenanceRequestAsync(new GetMaintenanceRequestRequest { RequestId = requestId }, cancellationToken: Ct).ResponseAsync,
            r => r.WorkflowStatus == "work order created" && r.JoinedFaults == 1, Eventually.DefaultTimeout, Ct, "the work order created and the second fault joined");
        Assert.Equal((MaintenanceRequestStatus.Open, MaintenanceCause.Locked, requestId, MaintenancePriority.High), (open.Status, open.Cause, open.WorkOrderId, open.Priority));

        await orders.AssignWorkOrderAsync(new AssignWorkOrderRequest { WorkOrderId = requestId, TechnicianId = "tech-001" }, cancellationToken: Ct);
        await orders.StartWorkOrderAsync(new StartWorkOrderRequest { WorkOrderId = requestId }, cancellationToken: Ct);
        await orders.CompleteWorkOrderAsync(new CompleteWorkOrderRequest { WorkOrderId = requestId, Notes = "freed the arm" }, cancellationToken: Ct);

        var workflows = maintenance.App!.Services.GetRequiredService<DaprWorkflowClient>();
        var state = await Eventually.MatchesAsync(
            () => workflows.GetWorkflowStateAsync(requestId, getInputsAndOutputs: true, Ct),
            s => s is not null && s.IsWorkflowCompleted, Eventually.DefaultTimeout, Ct, "the maintenance workflow to finish");
        Assert.Equal(WorkflowRuntimeStatus.Completed, state!.RuntimeStatus);
        Assert.Equal(new MaintenanceResult(Completed: true, EscalationLevel: 0), state.ReadOutputAs<MaintenanceResult>());
        var start = Assert.Single(equipment.Starts);
        Assert.Equal(("ts-001-01", requestId), (start.TurnstileId, start.RequestId));
        var finish = Assert.Single(equipment.Finishes);
        Assert.Equal(("ts-001-01", requestId, true), (finish.TurnstileId, finish.RequestId, finish.Completed));
        var done = await api.GetMaintenanceRequestAsync(new GetMaintenanceRequestRequest { RequestId = requestId }, cancellationToken: Ct);
        Assert.Equal(
            [MaintenanceSteps.WorkOrderCreated, MaintenanceSteps.WorkOrderAssigned, MaintenanceSteps.MaintenanceStarted, MaintenanceSteps.DeviceRestored, MaintenanceSteps.Closed],
            done.Steps.Select(s => s.Name));
        Assert.True(done.Steps.Zip(done.Steps.Skip(1)).All(p => p.First.At <= p.Second.At));
        var device = await maintenance.Client.GetStateAsync<DeviceMaintenanceState>("statestore", "device-ts-001-01", cancellationToken: Ct);
        Assert.Equal(string.Empty, device.OpenRequestId);
        // Announced once: a repeat of the opening fault publishes the same CloudEvent id again, which subscribers de-duplicate.
        Assert.Single(observer.Events.Where(e => e.Type == EventType.Of<MaintenanceRequired>()).Select(e => e.Id).Distinct());
        var listed = await api.ListMaintenanceRequestsAsync(new ListMaintenanceRequestsRequest { DeviceId = "ts-001-01" }, cancellationToken: Ct);
        var closed = Assert.Single(listed.Requests);
        Assert.Equal((requestId, MaintenanceRequestStatus.Closed, "closed"), (closed.RequestId, closed.Status, closed.WorkflowStatus));
        Assert.NotNull(closed.ClosedAt);
        // The list shows each request as GetMaintenanceRequest does, steps included.
        Assert.Equal(done.Steps, closed.Steps);
        using var http = new HttpClient { BaseAddress = new Uri($"{observer.Node.HttpEndpoint}/v1.0/invoke/maintenance/method/") };
        using var byHttp = await http.GetAsync($"v1/maintenance/requests/{requestId}", Ct);
        Assert.Equal(System.Net.HttpStatusCode.OK, byHttp.StatusCode);
        Assert.Contains("MAINTENANCE_REQUEST_STATUS_CLOSED", await byHttp.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        using var listByHttp = await http.GetAsync("v1/maintenance/requests?device_id=ts-001-01", Ct);
        Assert.Equal(System.Net.HttpStatusCode.OK, listByHttp.StatusCode);
        using var listJson = System.Text.Json.JsonDocument.Parse(await listByHttp.Content.ReadAsStringAsync(Ct));
        Assert.Equal(
            done.Steps.Select(s => s.Name),
            listJson.RootElement.GetProperty("requests")[0].GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        var unknown = await Assert.ThrowsAsync<RpcException>(() =>
            api.GetMaintenanceRequestAsync(new GetMaintenanceRequestRequest { RequestId = "mr-unknown" }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        // A work order made by hand names no workflow instance: its events are acknowledged, nothing is raised.
        var raiser = maintenance.App.Services.GetRequiredService<Mtaeda.Maintenance.Handlers.WorkOrderEventRaiser>();
        await raiser.RaiseAsync("wo-by-hand", new WorkOrderAssigned { WorkOrderId = "wo-by-hand", RequestId = "wo-by-hand" }, Ct);
        Assert.Single((await orders.ListWorkOrdersAsync(new ListWorkOrdersRequest { StationId = "stn-001" }, cancellationToken: Ct)).WorkOrders);
    }

    [Fact]
    public async Task A_locked_turnstile_at_a_busy_station_is_critical_and_a_camera_fault_without_ridership_is_ranked_high_joined_by_the_next_and_serviced_in_equipment()
    {
        await using var runtime = LocalRuntime.Create();
        await using var issuer = await TestIssuer.StartAsync(Ct);
        var equipment = new RecordingEquipment();
        var (equipmentNode, _, observer, orders, api) = await MaintenanceWorld.StartAsync(runtime, issuer, equipment, ridership: null, Ct);
        var now = DateTimeOffset.UtcNow;

        // Ridership is not there: the camera's request is ranked without its figures (HIGH for an outage, never CRITICAL).
        var camera = new CameraFaulted { CameraId = "cam-002-01", StationId = "stn-002", TurnstileId = "ts-002-01", Kind = CameraFaultKind.NoSignal, Reason = "cable", FaultedAt = Timestamp.FromDateTimeOffset(now) };
        await equipmentNode.Client.PublishIntegrationEventAsync(Topics.Equipment, camera, "camera-1", cancellationToken: Ct);
        var cameraRequest = new Fault("cam-002-01", DeviceKind.Camera, "stn-002", MaintenanceCause.CameraFault, "", now).Key;
        var cameraOrder = await Eventually.MatchesAsync(
            () => orders.ListWorkOrdersAsync(new ListWorkOrdersRequest { StationId = "stn-002" }, cancellationToken: Ct).ResponseAsync,
            list => list.WorkOrders.Count > 0, Eventually.DefaultTimeout, Ct, "a work order for the camera");
        Assert.Equal((cameraRequest, DeviceKind.Camera, MaintenancePriority.High), (cameraOrder.WorkOrders[0].RequestId, cameraOrder.WorkOrders[0].DeviceKind, cameraOrder.WorkOrders[0].Priority));
        var again = camera.Clone();
        again.FaultedAt = Timestamp.FromDateTimeOffset(now.AddSeconds(5));
        await equipmentNode.Client.PublishIntegrationEventAsync(Topics.Equipment, again, "camera-2", cancellationToken: Ct);
        await Eventually.MatchesAsync(
            () => api.GetMaintenanceRequestAsync(new GetMaintenanceRequestRequest { RequestId = cameraRequest }, cancellationToken: Ct).ResponseAsync,
            r => r.JoinedFaults == 1, Eventually.DefaultTimeout, Ct, "the second camera fault to join the open request");
        Assert.Single((await orders.ListWorkOrdersAsync(new ListWorkOrdersRequest { StationId = "stn-002" }, cancellationToken: Ct)).WorkOrders);

        // The camera's work: started, it goes under maintenance in equipment; completed, it is restored, once each.
        await orders.AssignWorkOrderAsync(new AssignWorkOrderRequest { WorkOrderId = cameraRequest, TechnicianId = "tech-001" }, cancellationToken: Ct);
        await orders.StartWorkOrderAsync(new StartWorkOrderRequest { WorkOrderId = cameraRequest }, cancellationToken: Ct);
        await Eventually.MatchesAsync(
            () => api.GetMaintenanceRequestAsync(new GetMaintenanceRequestRequest { RequestId = cameraRequest }, cancellationToken: Ct).ResponseAsync,
            r => r.WorkflowStatus == "maintenance started", Eventually.DefaultTimeout, Ct, "the camera's maintenance to start");
        var cameraStart = Assert.Single(equipment.CameraStarts);
        Assert.Equal(("cam-002-01", cameraRequest), (cameraStart.CameraId, cameraStart.RequestId));
        Assert.Empty(equipment.CameraFinishes);
        await orders.CompleteWorkOrderAsync(new CompleteWorkOrderRequest { WorkOrderId = cameraRequest, Notes = "cable replaced" }, cancellationToken: Ct);
        await Eventually.MatchesAsync(
            () => api.GetMaintenanceRequestAsync(new GetMaintenanceRequestRequest { RequestId = cameraRequest }, cancellationToken: Ct).ResponseAsync,
            r => r.Status == MaintenanceRequestStatus.Closed, Eventually.DefaultTimeout, Ct, "the camera's request to close");
        var cameraFinish = Assert.Single(equipment.CameraFinishes);
        Assert.Equal(("cam-002-01", cameraRequest, true), (cameraFinish.CameraId, cameraFinish.RequestId, cameraFinish.Completed));
        Assert.Empty(equipment.Starts);

        // Ridership is back: 3,000 passages in the last hour (50 a minute) make stn-003 busy, so a lock there is CRITICAL.
        await runtime.StartGrpcAppAsync("ridership", new FixedRidership(new Dictionary<string, long> { ["stn-003"] = 3_000 }), Ct);
        var locked = new TurnstileLocked { TurnstileId = "ts-003-01", StationId = "stn-003", Kind = FaultKind.Jammed, LockedAt = Timestamp.FromDateTimeOffset(now) };
        await equipmentNode.Client.PublishIntegrationEventAsync(Topics.Equipment, locked, "locked-3", cancellationToken: Ct);
        var required = await observer.WaitForAsync(
            e => e.Type == EventType.Of<MaintenanceRequired>() && IntegrationEvents.FromJson<MaintenanceRequired>(e.Data).DeviceId == "ts-003-01", Eventually.DefaultTimeout, Ct);
        Assert.Equal(MaintenancePriority.Critical, IntegrationEvents.FromJson<MaintenanceRequired>(required.Data).Priority);
    }

    [Fact]
    public async Task A_burst_of_faults_is_taken_in_together_one_request_per_device_in_delivery_order_and_a_late_redelivery_opens_nothing()
    {
        await using var runtime = LocalRuntime.Create();
        await using var issuer = await TestIssuer.StartAsync(Ct);
        var (equipmentNode, maintenance, _, orders, api) = await MaintenanceWorld.StartAsync(runtime, issuer, new RecordingEquipment(), new FixedRidership(new Dictionary<string, long>()), Ct);
        var now = DateTimeOffset.UtcNow;

        // Eight turnstiles lock at once, and the first of them jams again at once: one bulk delivery (or a few) carries them.
        TurnstileLocked Lock(int turnstile, int second) => new()
        {
            TurnstileId = $"ts-004-{turnstile:D2}", StationId = "stn-004", Kind = FaultKind.Jammed, LockedAt = Timestamp.FromDateTimeOffset(now.AddSeconds(second)),
        };
        var burst = Enumerable.Range(1, 8).Select(t => Lock(t, 0)).Append(Lock(1, 1)).ToList();
        // Published one after the other, so the broker holds them in this order; they are delivered in bulk.
        for (var i = 0; i < burst.Count; i++) await equipmentNode.Client.PublishIntegrationEventAsync(Topics.Equipment, burst[i], $"burst-{i}", cancellationToken: Ct);

        var listed = await Eventually.MatchesAsync(
            () => orders.ListWorkOrdersAsync(new ListWorkOrdersRequest { StationId = "stn-004" }, cancellationToken: Ct).ResponseAsync,
            list => list.WorkOrders.Count == 8, Eventually.DefaultTimeout, Ct, "a work order per turnstile");
        string KeyOf(TurnstileLocked e) => new Fault(e.TurnstileId, DeviceKind.Turnstile, e.StationId, MaintenanceCause.Locked, "", e.LockedAt.ToDateTimeOffset()).Key;
        Assert.Equal(burst.Take(8).Select(KeyOf).Order(StringComparer.Ordinal), listed.WorkOrders.Select(o => o.RequestId).Order(StringComparer.Ordinal));
        // The first turnstile's faults went in their order: the first opened the request, the second joined it.
        var first = await Eventually.MatchesAsync(
            () => api.GetMaintenanceRequestAsync(new GetMaintenanceRequestRequest { RequestId = KeyOf(burst[0]) }, cancellationToken: Ct).ResponseAsync,
            r => r.JoinedFaults == 1, Eventually.DefaultTimeout, Ct, "the second fault to join the first turnstile's request");
        Assert.Equal(MaintenancePriority.High, first.Priority);

        // A late redelivery of a fault whose request is closed opens nothing (no guard in front of a bulk delivery).
        var workflows = maintenance.App!.Services.GetRequiredService<DaprWorkflowClient>();
        var second = KeyOf(burst[1]);
        await orders.CancelWorkOrderAsync(new CancelWorkOrderRequest { WorkOrderId = second, Reason = "duplicate" }, cancellationToken: Ct);
        await Eventually.MatchesAsync(
            () => api.GetMaintenanceRequestAsync(new GetMaintenanceRequestRequest { RequestId = second }, cancellationToken: Ct).ResponseAsync,
            r => r.Status == MaintenanceRequestStatus.Cancelled, Eventually.DefaultTimeout, Ct, "the cancelled request to close");
        var intake = maintenance.App.Services.GetRequiredService<Mtaeda.Maintenance.Infrastructure.MaintenanceIntake>();
        var late = await intake.ReportAsync(Mtaeda.Maintenance.Handlers.DeviceEvents.Of(burst[1]), Ct);
        Assert.Equal((FaultOutcome.AlreadyClosed, second), late);
        var device = await maintenance.Client.GetStateAsync<DeviceMaintenanceState>("statestore", "device-ts-004-02", cancellationToken: Ct);
        Assert.Equal(string.Empty, device.OpenRequestId);
        Assert.True((await workflows.GetWorkflowStateAsync(second, getInputsAndOutputs: false, Ct))!.IsWorkflowCompleted);
    }
}
