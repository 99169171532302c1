using Mtaeda.Scheduling.Domain;
using WorkOrder = Mtaeda.Scheduling.Domain.WorkOrder;
using Technician = Mtaeda.Scheduling.Domain.Technician;

namespace Mtaeda.Scheduling.Tests;

/// <summary>The work order's transitions and refusals, as pure rules.</summary>
public sealed class WorkOrderTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 7, 30, 0, TimeSpan.Zero);

    private static NewWorkOrder Jam(MaintenancePriority priority = MaintenancePriority.High, DateTimeOffset? due = null) =>
        new("req-1", "ts-001-01", DeviceKind.Turnstile, "stn-001", priority, "jammed", due ?? T0.AddHours(4));

    private static WorkOrder Order(WorkOrderStatus upTo)
    {
        var order = new WorkOrder(new WorkOrderState { WorkOrderId = "wo-1" });
        order.Create(Jam(), "maintenance", T0);
        if (upTo is WorkOrderStatus.Assigned or WorkOrderStatus.Started or WorkOrderStatus.Completed) order.Assign("tech-001", "dispatcher", T0.AddMinutes(1));
        if (upTo is WorkOrderStatus.Started or WorkOrderStatus.Completed) order.Start("tech-001", T0.AddMinutes(2));
        if (upTo is WorkOrderStatus.Completed) order.Complete("replaced the arm", "tech-001", T0.AddMinutes(3));
        if (upTo is WorkOrderStatus.Cancelled) order.Cancel("duplicate", "dispatcher", T0.AddMinutes(1));
        return new WorkOrder(order.State.Copy());
    }

    [Fact]
    public void The_happy_path_records_who_and_when_and_raises_one_event_per_transition()
    {
        var order = new WorkOrder(new WorkOrderState { WorkOrderId = "wo-1" });

        order.Create(Jam(), "maintenance", T0);
        order.Assign("tech-001", "dispatcher", T0.AddMinutes(1));
        order.Start("tech-001", T0.AddMinutes(2));
        order.Complete("replaced the arm", "tech-001", T0.AddMinutes(3));

        var state = order.State;
        Assert.Equal(WorkOrderStatus.Completed, state.Status);
        Assert.Equal("tech-001", state.TechnicianId);
        Assert.Equal(T0, state.CreatedAt);
        Assert.Equal(T0.AddMinutes(1), state.AssignedAt);
        Assert.Equal(T0.AddMinutes(2), state.StartedAt);
        Assert.Equal(T0.AddMinutes(3), state.CompletedAt);
        Assert.Equal("replaced the arm", state.Notes);
        Assert.Equal("tech-001", state.LastChangedBy);
        Assert.Collection(order.Events,
            e => Assert.Equal("req-1", Assert.IsType<WorkOrderCreated>(e).RequestId),
            e => Assert.Equal("tech-001", Assert.IsType<WorkOrderAssigned>(e).TechnicianId),
            e => Assert.Equal("wo-1", Assert.IsType<WorkOrderStarted>(e).WorkOrderId),
            e => Assert.Equal("replaced the arm", Assert.IsType<WorkOrderCompleted>(e).Notes));
    }

    [Theory]
    [InlineData(WorkOrderStatus.Completed, ErrorReason.WorkOrderCompleted)]
    [InlineData(WorkOrderStatus.Cancelled, ErrorReason.WorkOrderCancelled)]
    [InlineData(WorkOrderStatus.Started, ErrorReason.WorkOrderAlreadyStarted)]
    public void Assigning_a_closed_or_started_order_is_refused_with_its_reason(WorkOrderStatus status, ErrorReason reason)
    {
        var order = Order(status);

        var refusal = Assert.Throws<DomainRefusalException>(() => order.Assign("tech-002", "dispatcher", T0.AddHours(1)));

        Assert.Equal(RefusalKind.FailedPrecondition, refusal.Kind);
        Assert.Equal(reason, refusal.Reason);
        Assert.False(order.Changed);
        Assert.Empty(order.Events);
        Assert.Equal(status, order.State.Status);
    }

    [Theory]
    [InlineData(WorkOrderStatus.Created)]
    [InlineData(WorkOrderStatus.Assigned)]
    public void Completing_an_order_never_started_is_refused(WorkOrderStatus status)
    {
        var order = Order(status);

        var refusal = Assert.Throws<DomainRefusalException>(() => order.Complete("done", "tech-001", T0.AddHours(1)));

        Assert.Equal(ErrorReason.WorkOrderNotStarted, refusal.Reason);
        Assert.False(order.Changed);
    }

    [Fact]
    public void Starting_an_unassigned_order_is_refused_and_a_cancelled_one_cannot_be_completed_or_started()
    {
        Assert.Equal(ErrorReason.WorkOrderNotAssigned, Assert.Throws<DomainRefusalException>(() => Order(WorkOrderStatus.Created).Start("tech-001", T0)).Reason);
        Assert.Equal(ErrorReason.WorkOrderCancelled, Assert.Throws<DomainRefusalException>(() => Order(WorkOrderStatus.Cancelled).Start("tech-001", T0)).Reason);
        Assert.Equal(ErrorReason.WorkOrderCancelled, Assert.Throws<DomainRefusalException>(() => Order(WorkOrderStatus.Cancelled).Complete("", "tech-001", T0)).Reason);
        Assert.Equal(ErrorReason.WorkOrderCompleted, Assert.Throws<DomainRefusalException>(() => Order(WorkOrderStatus.Completed).Cancel("", "dispatcher", T0)).Reason);
    }

    [Fact]
    public void A_command_on_an_order_never_created_is_NotFound()
    {
        var order = new WorkOrder(new WorkOrderState { WorkOrderId = "wo-9" });

        var refusal = Assert.Throws<DomainRefusalException>(() => order.Assign("tech-001", "dispatcher", T0));

        Assert.Equal(RefusalKind.NotFound, refusal.Kind);
        Assert.Equal("work_order_id", refusal.Field);
    }

    [Fact]
    public void Repeating_the_command_that_led_to_the_status_changes_nothing()
    {
        foreach (var (status, repeat) in new (WorkOrderStatus, Action<WorkOrder>)[]
        {
            (WorkOrderStatus.Created, o => o.Create(Jam(), "maintenance", T0.AddHours(1))),
            (WorkOrderStatus.Assigned, o => o.Assign("tech-001", "dispatcher", T0.AddHours(1))),
            (WorkOrderStatus.Started, o => o.Start("tech-001", T0.AddHours(1))),
            (WorkOrderStatus.Completed, o => o.Complete("again", "tech-001", T0.AddHours(1))),
            (WorkOrderStatus.Cancelled, o => o.Cancel("again", "dispatcher", T0.AddHours(1))),
        })
        {
            var order = Order(status);
            repeat(order);
            Assert.False(order.Changed, $"repeating at {status}");
            Assert.Empty(order.Events);
        }
    }

    [Fact]
    public void Reassigning_names_the_previous_technician_and_an_id_taken_by_another_request_is_AlreadyExists()
    {
        var order = Order(WorkOrderStatus.Assigned);

        order.Assign("tech-003", "dispatcher", T0.AddHours(1));

        var assigned = Assert.IsType<WorkOrderAssigned>(Assert.Single(order.Events));
        Assert.Equal("tech-001", assigned.PreviousTechnicianId);
        Assert.Equal("tech-003", assigned.TechnicianId);
        var other = Jam() with { RequestId = "req-2" };
        Assert.Equal(RefusalKind.AlreadyExists, Assert.Throws<DomainRefusalException>(() => order.Create(other, "maintenance", T0)).Kind);
    }

    [Fact]
    public void Over_long_notes_name_the_field_and_change_nothing()
    {
        var order = Order(WorkOrderStatus.Started);

        var refusal = Assert.Throws<DomainRefusalException>(() => order.Complete(new string('x', WorkOrder.MaxNotesLength + 1), "tech-001", T0));

        Assert.Equal(RefusalKind.InvalidArgument, refusal.Kind);
        Assert.Equal("notes", refusal.Field);
        Assert.Equal(WorkOrderStatus.Started, order.State.Status);
    }

    [Fact]
    public void The_filter_finds_open_and_late_orders_by_station_technician_and_priority_most_urgent_first()
    {
        var now = T0.AddHours(5);
        WorkOrderState Make(string id, string station, MaintenancePriority priority, DateTimeOffset due, WorkOrderStatus upTo, string technician = "tech-001")
        {
            var order = new WorkOrder(new WorkOrderState { WorkOrderId = id });
            order.Create(new NewWorkOrder(id, "dev-" + id, DeviceKind.Turnstile, station, priority, "", due), "maintenance", T0);
            if (upTo != WorkOrderStatus.Created) order.Assign(technician, "dispatcher", T0);
            if (upTo == WorkOrderStatus.Completed) { order.Start(technician, T0); order.Complete("", technician, T0); }
            return order.State;
        }

        var orders = new[]
        {
            Make("a", "stn-001", MaintenancePriority.Low, T0.AddHours(1), WorkOrderStatus.Created),
            Make("b", "stn-001", MaintenancePriority.Critical, T0.AddHours(1), WorkOrderStatus.Assigned, "tech-002"),
            Make("c", "stn-002", MaintenancePriority.High, T0.AddHours(9), WorkOrderStatus.Assigned),
            Make("d", "stn-001", MaintenancePriority.High, T0.AddHours(1), WorkOrderStatus.Completed),
        };
        WorkOrderFilter Filter(string station = "", string technician = "", MaintenancePriority priority = default, bool open = false, bool late = false) =>
            new(WorkOrderStatus.Unspecified, station, technician, priority, open, late);

        Assert.Equal(["b", "a"], Filter(late: true).Apply(orders, now).Select(o => o.WorkOrderId));
        Assert.Equal(["b", "a"], Filter(station: "stn-001", open: true).Apply(orders, now).Select(o => o.WorkOrderId));
        Assert.Equal(["c", "d"], Filter(technician: "tech-001", priority: MaintenancePriority.High).Apply(orders, now).Select(o => o.WorkOrderId).Order());
        Assert.Equal(["d"], new WorkOrderFilter(WorkOrderStatus.Completed, "", "", default, false, false).Apply(orders, now).Select(o => o.WorkOrderId));
    }

    [Fact]
    public void The_registry_lists_technicians_by_station_and_refuses_a_repeated_id()
    {
        var registry = new TechnicianRegistry([
            new Technician { TechnicianId = "tech-002", Name = "B", StationIds = ["stn-002"] },
            new Technician { TechnicianId = "tech-001", Name = "A", StationIds = ["stn-001", "stn-002"] },
        ]);

        Assert.True(registry.Contains("tech-001"));
        Assert.False(registry.Contains("tech-404"));
        Assert.Equal(["tech-001", "tech-002"], registry.List("stn-002").Select(t => t.TechnicianId));
        Assert.Equal(["tech-001"], registry.List("stn-001").Select(t => t.TechnicianId));
        Assert.Throws<ArgumentException>(() => new TechnicianRegistry([new Technician { TechnicianId = "x" }, new Technician { TechnicianId = "x" }]));
    }
}
