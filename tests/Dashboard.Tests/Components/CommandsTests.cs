using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.DependencyInjection;
using Mtaeda.Contracts.Scheduling.V1;
using Mtaeda.Dashboard.Backend;

namespace Mtaeda.Dashboard.Tests.Components;

/// <summary>The dashboard's server refuses what a role may not do, before any service is called (whatever the browser sends).</summary>
public sealed class CommandsTests
{
    private static readonly WorkOrder Assigned = new()
    {
        WorkOrderId = "wo-1", StationId = "stn-001", Status = WorkOrderStatus.Assigned, TechnicianId = "tech-001", Priority = MaintenancePriority.High,
        DueAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(1)),
    };

    private static (DashboardContext Context, Commands Commands) Set(string role, string userId, string stations = "*")
    {
        var context = new DashboardContext(role, userId, stations);
        context.Backend
            .On<GetWorkOrderRequest>("GetWorkOrder", _ => Assigned)
            .On<StartWorkOrderRequest>("StartWorkOrder", _ => new WorkOrder(Assigned) { Status = WorkOrderStatus.Started })
            .On<AssignWorkOrderRequest>("AssignWorkOrder", r => new WorkOrder(Assigned) { TechnicianId = r.TechnicianId });
        return (context, context.Services.GetRequiredService<Commands>());
    }

    [Fact]
    public async Task A_viewers_command_is_refused_by_the_dashboards_server_and_never_reaches_scheduling()
    {
        var (context, commands) = Set(Roles.Viewer, "view-001");
        await using var _ = context;

        var refused = await Assert.ThrowsAsync<CommandRefusedException>(() => commands.StartAsync("wo-1"));
        await Assert.ThrowsAsync<CommandRefusedException>(() => commands.AssignAsync("wo-1", "tech-003"));
        await Assert.ThrowsAsync<CommandRefusedException>(() => commands.AcknowledgeAsync("alert-1"));

        Assert.Contains("viewer", refused.Message, StringComparison.Ordinal);
        Assert.Empty(context.Backend.CallsTo<StartWorkOrderRequest>("StartWorkOrder"));
        Assert.Empty(context.Backend.CallsTo<AssignWorkOrderRequest>("AssignWorkOrder"));
        Assert.Empty(context.Backend.CallsTo<Mtaeda.Contracts.Notifications.V1.AcknowledgeAlertRequest>("AcknowledgeAlert"));
    }

    [Fact]
    public async Task A_technician_starts_only_the_work_orders_assigned_to_them()
    {
        var (other, otherCommands) = Set(Roles.Technician, "tech-003");
        await using (other)
        {
            await Assert.ThrowsAsync<CommandRefusedException>(() => otherCommands.StartAsync("wo-1"));
            Assert.Empty(other.Backend.CallsTo<StartWorkOrderRequest>("StartWorkOrder"));
        }

        var (own, ownCommands) = Set(Roles.Technician, "tech-001");
        await using (own)
        {
            Assert.Equal(WorkOrderStatus.Started, (await ownCommands.StartAsync("wo-1")).Status);
            await Assert.ThrowsAsync<CommandRefusedException>(() => ownCommands.AssignAsync("wo-1", "tech-002"));
        }
    }

    [Fact]
    public async Task A_supervisor_of_other_stations_is_refused()
    {
        var (context, commands) = Set(Roles.Supervisor, "sup-002", stations: "stn-009");
        await using var _ = context;

        await Assert.ThrowsAsync<CommandRefusedException>(() => commands.AssignAsync("wo-1", "tech-003"));

        Assert.Empty(context.Backend.CallsTo<AssignWorkOrderRequest>("AssignWorkOrder"));
    }

    [Fact]
    public async Task A_supervisor_assigns_and_the_rule_is_judged_on_the_work_order_as_scheduling_has_it_now()
    {
        var (context, commands) = Set(Roles.Supervisor, "sup-001");
        await using var _ = context;

        var order = await commands.AssignAsync("wo-1", "tech-003");

        Assert.Equal("tech-003", order.TechnicianId);
        Assert.Equal(["GetWorkOrder", "AssignWorkOrder"], context.Backend.Calls.Select(c => c.Method));
    }
}
