using Google.Protobuf.WellKnownTypes;
using Mtaeda.Contracts;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Maintenance.Tests;

/// <summary>A preventive schedule that came due becomes a maintenance request (cause SCHEDULED, a preventive priority) and its work order.</summary>
public sealed class ScheduleTriggeredIntegrationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_due_turnstile_schedule_opens_one_scheduled_request_with_a_low_priority_work_order()
    {
        await using var runtime = LocalRuntime.Create();
        await using var issuer = await TestIssuer.StartAsync(Ct);
        var (_, _, observer, orders, _) = await MaintenanceWorld.StartAsync(runtime, issuer, new RecordingEquipment(), ridership: null, Ct);
        var publisher = await runtime.StartSidecarAsync("publisher", Ct);
        var occurrence = new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero);
        var triggered = new TurnstileMaintenanceScheduleTriggered
        {
            ScheduleId = "sch-1",
            TurnstileId = "ts-001-01",
            StationId = "stn-001",
            Occurrence = Timestamp.FromDateTimeOffset(occurrence),
            TriggeredAt = Timestamp.FromDateTimeOffset(occurrence.AddSeconds(1)),
        };
        await publisher.Client.PublishIntegrationEventAsync(Topics.Scheduling, triggered, "sch-1.triggered.20261207T080000Z", cancellationToken: Ct);
        // The same occurrence under another CloudEvent id (a stale version's run): still one request.
        await publisher.Client.PublishIntegrationEventAsync(Topics.Scheduling, triggered, "sch-1.triggered.again", cancellationToken: Ct);

        var required = IntegrationEvents.FromJson<MaintenanceRequired>(
            (await observer.WaitForAsync(e => e.Type == EventType.Of<MaintenanceRequired>(), Eventually.DefaultTimeout, Ct)).Data);
        var requestId = new Fault("ts-001-01", DeviceKind.Turnstile, "stn-001", MaintenanceCause.Scheduled, "", occurrence).Key;
        Assert.Equal((requestId, MaintenanceCause.Scheduled, MaintenancePriority.Low), (required.RequestId, required.Cause, required.Priority));
        var listed = await Eventually.MatchesAsync(
            () => orders.ListWorkOrdersAsync(new ListWorkOrdersRequest { StationId = "stn-001" }, cancellationToken: Ct).ResponseAsync,
            l => l.WorkOrders.Count > 0, Eventually.DefaultTimeout, Ct, "the scheduled request's work order");
        var order = Assert.Single(listed.WorkOrders);
        Assert.Equal((requestId, "ts-001-01", MaintenancePriority.Low), (order.WorkOrderId, order.DeviceId, order.Priority));
        Assert.Single(observer.Events.Where(e => e.Type == EventType.Of<MaintenanceRequired>()).Select(e => e.Id).Distinct());
    }
}
