using System.Net.Http.Json;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mtaeda.Contracts.Common.V1;
using Mtaeda.Contracts.Scheduling.V1;
using Mtaeda.ServiceDefaults;
using StationsClient = Mtaeda.Contracts.Stations.V1.Stations.StationsClient;

namespace Mtaeda.Stations.Tests;

/// <summary>The real stations app follows scheduling's work-order events into the station's work-order history.</summary>
public sealed class StationWorkOrderHistoryIntegrationTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_history_shows_each_transition_once_in_time_order_whatever_order_the_events_arrive_in()
    {
        await using var runtime = LocalRuntime.Create();
        await runtime.StartAsync("stations", Apps.Stations, Ct);
        var scheduling = await runtime.StartSidecarAsync("scheduling", Ct);
        var client = new StationsClient(scheduling.Invoker("stations"));
        await client.RegisterStationAsync(new RegisterStationRequest
        {
            StationId = "stn-042",
            Name = "Central Square",
            Address = new StationAddress { StreetAddress = "42 Main Street", City = "Springfield" },
            LineIds = { "A" },
        }, cancellationToken: Ct);

        var t0 = DateTimeOffset.UtcNow;
        Timestamp At(int seconds) => Timestamp.FromDateTimeOffset(t0.AddSeconds(seconds));
        var completed = new WorkOrderCompleted { WorkOrderId = "wo-1", RequestId = "wo-1", DeviceId = "ts-042-01", StationId = "stn-042", TechnicianId = "tech-001", CompletedAt = At(3) };
        // Delivered last first, and one twice under another id (a redelivery from the outbox after a crash).
        await scheduling.Client.PublishIntegrationEventAsync(Topics.Scheduling, completed, "wo-1.completed", cancellationToken: Ct);
        await scheduling.Client.PublishIntegrationEventAsync(Topics.Scheduling, completed, "wo-1.completed.again", cancellationToken: Ct);
        await scheduling.Client.PublishIntegrationEventAsync(Topics.Scheduling,
            new WorkOrderStarted { WorkOrderId = "wo-1", DeviceId = "ts-042-01", StationId = "stn-042", TechnicianId = "tech-001", StartedAt = At(2) }, "wo-1.started", cancellationToken: Ct);
        await scheduling.Client.PublishIntegrationEventAsync(Topics.Scheduling,
            new WorkOrderAssigned { WorkOrderId = "wo-1", DeviceId = "ts-042-01", StationId = "stn-042", TechnicianId = "tech-001", AssignedAt = At(1) }, "wo-1.assigned", cancellationToken: Ct);
        await scheduling.Client.PublishIntegrationEventAsync(Topics.Scheduling,
            new WorkOrderCreated { WorkOrderId = "wo-1", DeviceId = "ts-042-01", DeviceKind = DeviceKind.Turnstile, StationId = "stn-042", Priority = MaintenancePriority.High, CreatedAt = At(0) }, "wo-1.created", cancellationToken: Ct);
        await scheduling.Client.PublishIntegrationEventAsync(Topics.Scheduling,
            new WorkOrderCreated { WorkOrderId = "wo-2", DeviceId = "ts-042-02", DeviceKind = DeviceKind.Turnstile, StationId = "stn-042", Priority = MaintenancePriority.Low, CreatedAt = At(5) }, "wo-2.created", cancellationToken: Ct);
        await scheduling.Client.PublishIntegrationEventAsync(Topics.Scheduling,
            new WorkOrderCancelled { WorkOrderId = "wo-2", DeviceId = "ts-042-02", StationId = "stn-042", Reason = "duplicate", CancelledAt = At(6) }, "wo-2.cancelled", cancellationToken: Ct);

        var history = await Eventually.MatchesAsync(
            () => client.ListStationWorkOrdersAsync(new ListStationWorkOrdersRequest { StationId = "stn-042" }, cancellationToken: Ct).ResponseAsync,
            h => h.WorkOrders.Sum(o => o.Transitions.Count) == 6, Patience, Ct, "six transitions of two work orders");
        Assert.Equal(["wo-2", "wo-1"], history.WorkOrders.Select(o => o.WorkOrderId));
        var first = history.WorkOrders[1];
        Assert.Equal(
            [WorkOrderStatus.Created, WorkOrderStatus.Assigned, WorkOrderStatus.Started, WorkOrderStatus.Completed],
            first.Transitions.Select(t => t.Status));
        Assert.Equal((WorkOrderStatus.Completed, "tech-001", "ts-042-01", MaintenancePriority.High), (first.Status, first.TechnicianId, first.DeviceId, first.Priority));
        Assert.Equal(WorkOrderStatus.Cancelled, history.WorkOrders[0].Status);

        // The same over HTTP JSON; an unknown station is NotFound.
        using var http = new HttpClient { BaseAddress = new Uri($"{scheduling.HttpEndpoint}/v1.0/invoke/stations/method/") };
        var body = await http.GetFromJsonAsync<JsonElement>("v1/stations/stn-042/work-orders", Ct);
        Assert.Equal("WORK_ORDER_STATUS_COMPLETED", body.GetProperty("workOrders")[1].GetProperty("status").GetString());
        var unknown = await Assert.ThrowsAsync<RpcException>(() =>
            client.ListStationWorkOrdersAsync(new ListStationWorkOrdersRequest { StationId = "stn-404" }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
    }
}
