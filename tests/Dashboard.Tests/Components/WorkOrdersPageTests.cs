using Bunit;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mtaeda.Contracts;
using Mtaeda.Contracts.Common.V1;
using Mtaeda.Contracts.Scheduling.V1;
using Mtaeda.Dashboard.Backend;
using Mtaeda.Dashboard.Components.Pages;

namespace Mtaeda.Dashboard.Tests.Components;

public sealed class WorkOrdersPageTests
{
    private static WorkOrder Order(string id, MaintenancePriority priority, WorkOrderStatus status, string technician = "", string station = "stn-001") => new()
    {
        WorkOrderId = id, StationId = station, DeviceId = "ts-" + id, Priority = priority, Status = status, TechnicianId = technician,
        Description = "jammed", DueAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(2)),
    };

    private static DashboardContext With(string role, string userId, params WorkOrder[] orders)
    {
        var context = new DashboardContext(role, userId);
        context.Backend
            .On<ListWorkOrdersRequest>("ListWorkOrders", r => new ListWorkOrdersResponse
            {
                WorkOrders = { orders.Where(o => r.TechnicianId.Length == 0 || o.TechnicianId == r.TechnicianId).Where(_ => !r.Late) },
            })
            .On<ListTechniciansRequest>("ListTechnicians", _ => new ListTechniciansResponse { Technicians = { new Technician { TechnicianId = "tech-003", Name = "Chen Li" } } })
            .On<GetWorkOrderRequest>("GetWorkOrder", r => orders.Single(o => o.WorkOrderId == r.WorkOrderId));
        return context;
    }

    [Fact]
    public async Task A_supervisor_sees_open_work_orders_highest_priority_first_with_an_assign_button()
    {
        await using var context = With(Roles.Supervisor, "sup-001",
            Order("wo-low", MaintenancePriority.Low, WorkOrderStatus.Created),
            Order("wo-critical", MaintenancePriority.Critical, WorkOrderStatus.Created),
            Order("wo-high", MaintenancePriority.High, WorkOrderStatus.Created));

        var page = context.RenderPage<WorkOrders>();

        var open = page.Find("[data-testid=open-work-orders]");
        var ids = open.QuerySelectorAll("[data-testid^=order-]").Select(e => e.GetAttribute("data-testid")).ToList();
        Assert.Equal(["order-wo-critical", "order-wo-high", "order-wo-low"], ids);
        Assert.NotNull(page.Find("[data-testid=assign-wo-critical]"));
    }

    [Fact]
    public async Task The_list_is_read_page_by_page_and_load_more_reads_the_next_page()
    {
        var orders = Enumerable.Range(0, PagedReads.PageSize + 3).Select(i => Order($"wo-{i:D3}", MaintenancePriority.High, WorkOrderStatus.Created)).ToList();
        await using var context = new DashboardContext(Roles.Supervisor, "sup-001");
        var asked = new List<(int Size, string Token)>();
        context.Backend
            .On<ListWorkOrdersRequest>("ListWorkOrders", r =>
            {
                if (r.Late) return new ListWorkOrdersResponse();
                lock (asked) asked.Add((r.PageSize, r.PageToken));
                var start = r.PageToken.Length == 0 ? 0 : int.Parse(r.PageToken, System.Globalization.CultureInfo.InvariantCulture);
                var page = orders.Skip(start).Take(r.PageSize).ToList();
                var next = start + page.Count < orders.Count ? (start + page.Count).ToString(System.Globalization.CultureInfo.InvariantCulture) : "";
                return new ListWorkOrdersResponse { WorkOrders = { page }, NextPageToken = next };
            })
            .On<ListTechniciansRequest>("ListTechnicians", _ => new ListTechniciansResponse());

        var page = context.RenderPage<WorkOrders>();

        page.WaitForAssertion(() => Assert.Equal(PagedReads.PageSize, page.FindAll("[data-testid=open-work-orders] [data-testid^=order-]").Count));
        Assert.All(asked, a => Assert.Equal(PagedReads.PageSize, a.Size));
        page.Find("[data-testid=more-open-work-orders]").Click();
        page.WaitForAssertion(() => Assert.Equal(orders.Count, page.FindAll("[data-testid=open-work-orders] [data-testid^=order-]").Count));
        Assert.Empty(page.FindAll("[data-testid=more-open-work-orders]"));
    }

    [Fact]
    public async Task A_viewer_sees_the_work_orders_but_no_command_button()
    {
        await using var context = With(Roles.Viewer, "view-001", Order("wo-1", MaintenancePriority.High, WorkOrderStatus.Created), Order("wo-2", MaintenancePriority.High, WorkOrderStatus.Assigned, "tech-003"));

        var page = context.RenderPage<WorkOrders>();

        Assert.NotNull(page.Find("[data-testid=order-wo-1]"));
        Assert.Empty(page.FindAll("button[data-testid^=assign-], button[data-testid^=start-], button[data-testid^=complete-], button[data-testid^=cancel-]"));
    }

    [Fact]
    public async Task A_technician_lists_only_their_own_work_orders_and_may_start_them_but_not_assign()
    {
        await using var context = With(Roles.Technician, "tech-003",
            Order("wo-mine", MaintenancePriority.High, WorkOrderStatus.Assigned, "tech-003"),
            Order("wo-theirs", MaintenancePriority.High, WorkOrderStatus.Assigned, "tech-001"));

        var page = context.RenderPage<WorkOrders>();

        Assert.All(context.Backend.CallsTo<ListWorkOrdersRequest>("ListWorkOrders"), r => Assert.Equal("tech-003", r.TechnicianId));
        Assert.NotNull(page.Find("[data-testid=start-wo-mine]"));
        Assert.Empty(page.FindAll("[data-testid=order-wo-theirs]"));
        Assert.Empty(page.FindAll("button[data-testid^=assign-]"));
    }

    [Fact]
    public async Task A_work_order_that_arrives_above_another_leaves_the_notes_being_typed_on_the_work_order_they_belong_to()
    {
        List<WorkOrder> orders = [Order("wo-1", MaintenancePriority.High, WorkOrderStatus.Started, "tech-003"), Order("wo-2", MaintenancePriority.Low, WorkOrderStatus.Assigned, "tech-003")];
        await using var context = With(Roles.Supervisor, "sup-001");
        context.Backend
            .On<ListWorkOrdersRequest>("ListWorkOrders", r => new ListWorkOrdersResponse { WorkOrders = { orders.Where(_ => !r.Late) } })
            .On<GetWorkOrderRequest>("GetWorkOrder", r => orders.Single(o => o.WorkOrderId == r.WorkOrderId))
            .On<StartWorkOrderRequest>("StartWorkOrder", r => Order(r.WorkOrderId, MaintenancePriority.Low, WorkOrderStatus.Started, "tech-003"));
        var page = context.RenderPage<WorkOrders>();
        page.Find("button[data-testid=complete-wo-1]").Click();

        // A critical work order arrives and sorts first; the list is read again (here after another command).
        orders.Add(Order("wo-0", MaintenancePriority.Critical, WorkOrderStatus.Created));
        page.Find("button[data-testid=start-wo-2]").Click();

        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-testid=order-wo-0]")));
        Assert.NotNull(page.Find("[data-testid=actions-wo-1] input[data-testid=text-wo-1]"));
        Assert.Empty(page.FindAll("[data-testid=actions-wo-0] input[data-testid^=text-]"));
    }

    [Theory]
    [InlineData("complete")]
    [InlineData("cancel")]
    public async Task While_a_rows_notes_or_reason_are_written_its_command_buttons_are_hidden_and_back_brings_them_back(string command)
    {
        await using var context = With(Roles.Supervisor, "sup-001",
            Order("wo-1", MaintenancePriority.High, WorkOrderStatus.Started, "tech-003"),
            Order("wo-2", MaintenancePriority.Low, WorkOrderStatus.Started, "tech-003"));
        var page = context.RenderPage<WorkOrders>();

        page.Find($"button[data-testid={command}-wo-1]").Click();

        var row = page.Find("[data-testid=actions-wo-1]");
        Assert.NotNull(row.QuerySelector("input[data-testid=text-wo-1]"));
        Assert.NotNull(row.QuerySelector("button[data-testid=confirm-wo-1]"));
        Assert.Empty(row.QuerySelectorAll("button[data-testid=complete-wo-1], button[data-testid=cancel-wo-1], button[data-testid=start-wo-1], button[data-testid=assign-wo-1]"));
        // The other row keeps its buttons.
        Assert.NotNull(page.Find("button[data-testid=complete-wo-2]"));
        Assert.NotNull(page.Find("button[data-testid=cancel-wo-2]"));

        page.Find("button[data-testid=back-wo-1]").Click();

        page.WaitForAssertion(() => Assert.NotNull(page.Find("button[data-testid=complete-wo-1]")));
        Assert.NotNull(page.Find("button[data-testid=cancel-wo-1]"));
        Assert.Empty(page.FindAll("[data-testid=text-wo-1]"));
    }

    [Fact]
    public async Task Completing_without_notes_is_refused_on_the_page_and_nothing_is_sent()
    {
        await using var context = With(Roles.Supervisor, "sup-001", Order("wo-1", MaintenancePriority.High, WorkOrderStatus.Started, "tech-003"));
        var page = context.RenderPage<WorkOrders>();

        page.Find("button[data-testid=complete-wo-1]").Click();
        page.Find("button[data-testid=confirm-wo-1]").Click();

        Assert.Contains("Required", page.Markup, StringComparison.Ordinal);
        Assert.Empty(context.Backend.CallsTo<CompleteWorkOrderRequest>("CompleteWorkOrder"));
    }

    [Fact]
    public async Task Completing_with_notes_sends_them_and_reads_the_list_again()
    {
        await using var context = With(Roles.Supervisor, "sup-001", Order("wo-1", MaintenancePriority.High, WorkOrderStatus.Started, "tech-003"));
        context.Backend.On<CompleteWorkOrderRequest>("CompleteWorkOrder", r => Order(r.WorkOrderId, MaintenancePriority.High, WorkOrderStatus.Completed, "tech-003"));
        var page = context.RenderPage<WorkOrders>();
        var listsBefore = context.Backend.CallsTo<ListWorkOrdersRequest>("ListWorkOrders").Count;

        page.Find("button[data-testid=complete-wo-1]").Click();
        page.Find("[data-testid=actions-wo-1] input").Input("coin removed, mechanism cleaned");
        page.Find("button[data-testid=confirm-wo-1]").Click();

        page.WaitForAssertion(() => Assert.Equal("coin removed, mechanism cleaned", Assert.Single(context.Backend.CallsTo<CompleteWorkOrderRequest>("CompleteWorkOrder")).Notes));
        page.WaitForAssertion(() => Assert.True(context.Backend.CallsTo<ListWorkOrdersRequest>("ListWorkOrders").Count > listsBefore));
    }

    [Fact]
    public async Task A_command_the_service_refuses_shows_the_services_own_message()
    {
        await using var context = With(Roles.Supervisor, "sup-001", Order("wo-1", MaintenancePriority.High, WorkOrderStatus.Assigned, "tech-003"));
        context.Backend.On<StartWorkOrderRequest>("StartWorkOrder", _ => throw Errors.FailedPrecondition(ErrorReason.Unspecified, "work order wo-1 was cancelled meanwhile"));
        var page = context.RenderPage<WorkOrders>();

        page.Find("button[data-testid=start-wo-1]").Click();

        page.WaitForAssertion(() => Assert.Contains("work order wo-1 was cancelled meanwhile", page.Find("[data-testid=command-error]").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unreachable_scheduling_keeps_the_page_and_is_reported_as_unreachable()
    {
        await using var context = new DashboardContext(Roles.Supervisor, "sup-001");
        context.Backend.On<ListWorkOrdersRequest>("ListWorkOrders", _ => throw new RpcException(new Status(StatusCode.Unavailable, "connection refused")));

        context.RenderPage<WorkOrders>();

        Assert.Contains("scheduling", context.Services.GetService(typeof(Reachability)) is Reachability r ? r.Unreachable.Keys : [], StringComparer.Ordinal);
    }
}
