using Mtaeda.Contracts.Scheduling.V1;
using Mtaeda.Stations.Domain;

namespace Mtaeda.Stations.Tests;

/// <summary>The station's work-order history: ordered, bounded, and deaf to late and repeated events.</summary>
public sealed class WorkOrderHistoryTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 8, 0, 0, TimeSpan.Zero);

    private static WorkOrderStep Step(string id, WorkOrderStatus status, int seconds, string technician = "") =>
        new(id, status, T0.AddSeconds(seconds), technician, status == WorkOrderStatus.Created ? "ts-1" : string.Empty,
            status == WorkOrderStatus.Created ? MaintenancePriority.High : MaintenancePriority.Unspecified);

    [Fact]
    public void Transitions_delivered_out_of_order_and_twice_end_in_time_order_with_the_latest_status()
    {
        var orders = new List<StationWorkOrderState>();
        Assert.True(WorkOrderHistory.Record(orders, Step("wo-1", WorkOrderStatus.Completed, 30, "tech-1")));
        Assert.True(WorkOrderHistory.Record(orders, Step("wo-1", WorkOrderStatus.Assigned, 10, "tech-1")));
        Assert.True(WorkOrderHistory.Record(orders, Step("wo-1", WorkOrderStatus.Created, 0)));
        Assert.True(WorkOrderHistory.Record(orders, Step("wo-1", WorkOrderStatus.Started, 20, "tech-1")));
        Assert.False(WorkOrderHistory.Record(orders, Step("wo-1", WorkOrderStatus.Assigned, 10, "tech-1")));
        Assert.False(WorkOrderHistory.Record(orders, Step("wo-1", WorkOrderStatus.Completed, 30, "tech-1")));

        var order = Assert.Single(orders);
        Assert.Equal(
            [WorkOrderStatus.Created, WorkOrderStatus.Assigned, WorkOrderStatus.Started, WorkOrderStatus.Completed],
            order.Transitions.Select(t => t.Status));
        Assert.Equal((WorkOrderStatus.Completed, "tech-1", "ts-1", MaintenancePriority.High, T0), (order.Status, order.TechnicianId, order.DeviceId, order.Priority, order.CreatedAt));
    }

    [Fact]
    public void A_reassignment_names_the_latest_technician()
    {
        var orders = new List<StationWorkOrderState>();
        WorkOrderHistory.Record(orders, Step("wo-1", WorkOrderStatus.Created, 0));
        WorkOrderHistory.Record(orders, Step("wo-1", WorkOrderStatus.Assigned, 20, "tech-2"));
        WorkOrderHistory.Record(orders, Step("wo-1", WorkOrderStatus.Assigned, 10, "tech-1"));
        Assert.Equal((WorkOrderStatus.Assigned, "tech-2"), (orders[0].Status, orders[0].TechnicianId));
    }

    [Fact]
    public void The_history_keeps_the_newest_orders_first_and_does_not_bring_back_one_older_than_all_it_kept()
    {
        var orders = new List<StationWorkOrderState>();
        for (var i = 1; i <= WorkOrderHistory.Capacity + 5; i++) WorkOrderHistory.Record(orders, Step($"wo-{i}", WorkOrderStatus.Created, i));

        Assert.Equal(WorkOrderHistory.Capacity, orders.Count);
        Assert.Equal($"wo-{WorkOrderHistory.Capacity + 5}", orders[0].WorkOrderId);
        Assert.Equal("wo-6", orders[^1].WorkOrderId);
        // A late event of an order the bound dropped changes nothing.
        Assert.False(WorkOrderHistory.Record(orders, Step("wo-2", WorkOrderStatus.Completed, 3)));
        Assert.DoesNotContain(orders, o => o.WorkOrderId == "wo-2");
    }
}
