using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Grpc.Core;
using Mtaeda.ServiceDefaults;
using SchedulingClient = Mtaeda.Contracts.Scheduling.V1.Scheduling.SchedulingClient;
using static Mtaeda.Scheduling.Tests.WorkOrderRequests;

namespace Mtaeda.Scheduling.Tests;

/// <summary>The real scheduling app in-process beside a local sidecar, driven through the sidecar as any client would.</summary>
public sealed class SchedulingIntegrationTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_work_order_is_assigned_started_and_completed_over_http_and_each_step_is_published()
    {
        await using var runtime = LocalRuntime.Create();
        await using var issuer = await TestIssuer.StartAsync(Ct);
        var scheduling = await runtime.StartAsync("scheduling", SchedulingApp.Trusting(issuer), Ct);
        var observer = await runtime.ObserveAsync("observer", [Topics.Scheduling], Ct);
        var client = new SchedulingClient(issuer.As(observer.Node.Invoker("scheduling"), "supervisor"));
        using var http = issuer.As(new HttpClient { BaseAddress = new Uri($"{scheduling.HttpEndpoint}/v1.0/invoke/scheduling/method/") }, "supervisor");

        var created = await client.CreateWorkOrderAsync(Jam("req-1"), cancellationToken: Ct);
        var again = await client.CreateWorkOrderAsync(Jam("req-1"), cancellationToken: Ct);
        Assert.Equal(WorkOrderStatus.Created, created.Status);
        Assert.Equal(created.CreatedAt, again.CreatedAt);

        using (var assigned = await http.PostAsJsonAsync("v1/work-orders/req-1:assign", new { technicianId = "tech-001" }, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, assigned.StatusCode);
            Assert.Equal("WORK_ORDER_STATUS_ASSIGNED", (await assigned.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("status").GetString());
        }
        using (var started = await http.PostAsJsonAsync("v1/work-orders/req-1:start", new { }, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        }
        using (var completed = await http.PostAsJsonAsync("v1/work-orders/req-1:complete", new { notes = "replaced the arm" }, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
        }

        var done = await observer.WaitForAsync(e => e.Type == EventType.Of<WorkOrderCompleted>(), Patience, Ct);
        Assert.Equal("replaced the arm", IntegrationEvents.FromJson<WorkOrderCompleted>(done.Data).Notes);
        Assert.Single(observer.Events, e => e.Type == EventType.Of<WorkOrderCreated>());
        var types = observer.Events.Select(e => e.Type).ToList();
        Assert.True(types.IndexOf(EventType.Of<WorkOrderAssigned>()) < types.IndexOf(EventType.Of<WorkOrderStarted>()), string.Join(", ", types));

        var order = await http.GetFromJsonAsync<JsonElement>("v1/work-orders/req-1", Ct);
        Assert.Equal(("WORK_ORDER_STATUS_COMPLETED", "tech-001"), (order.GetProperty("status").GetString(), order.GetProperty("technicianId").GetString()));

        // A completed order cannot be assigned: problem+json with the reason code.
        using var reassign = await http.PostAsJsonAsync("v1/work-orders/req-1:assign", new { technicianId = "tech-001" }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, reassign.StatusCode);
        Assert.Equal("WORK_ORDER_COMPLETED", (await reassign.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Bad_commands_are_refused_with_their_code_and_open_late_orders_are_listed_by_station()
    {
        await using var runtime = LocalRuntime.Create();
        await using var issuer = await TestIssuer.StartAsync(Ct);
        var (_, client) = await SchedulingApp.StartAsync(runtime, issuer, Ct);
        await client.CreateWorkOrderAsync(Jam("req-late", due: DateTimeOffset.UtcNow.AddMinutes(-5)), cancellationToken: Ct);
        await client.CreateWorkOrderAsync(Jam("req-ontime", due: DateTimeOffset.UtcNow.AddHours(5)), cancellationToken: Ct);

        var unknownTechnician = await Assert.ThrowsAsync<RpcException>(() =>
            client.AssignWorkOrderAsync(new AssignWorkOrderRequest { WorkOrderId = "req-late", TechnicianId = "tech-404" }, cancellationToken: Ct).ResponseAsync);
        var unknownOrder = await Assert.ThrowsAsync<RpcException>(() =>
            client.StartWorkOrderAsync(new StartWorkOrderRequest { WorkOrderId = "req-404" }, cancellationToken: Ct).ResponseAsync);
        var neverStarted = await Assert.ThrowsAsync<RpcException>(() =>
            client.CompleteWorkOrderAsync(new CompleteWorkOrderRequest { WorkOrderId = "req-late" }, cancellationToken: Ct).ResponseAsync);
        var badId = await Assert.ThrowsAsync<RpcException>(() =>
            client.GetWorkOrderAsync(new GetWorkOrderRequest { WorkOrderId = "req late" }, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, unknownTechnician.StatusCode);
        Assert.Equal(StatusCode.NotFound, unknownOrder.StatusCode);
        Assert.Equal((StatusCode.FailedPrecondition, ErrorReason.WorkOrderNotStarted), (neverStarted.StatusCode, Errors.ReasonOf(neverStarted)));
        Assert.Equal("work_order_id", Assert.Single(Errors.FieldViolationsOf(badId)).Field);
        Assert.Equal(WorkOrderStatus.Created, (await client.GetWorkOrderAsync(new GetWorkOrderRequest { WorkOrderId = "req-late" }, cancellationToken: Ct)).Status);

        var late = await client.ListWorkOrdersAsync(new ListWorkOrdersRequest { StationId = "stn-001", Late = true }, cancellationToken: Ct);
        var open = await client.ListWorkOrdersAsync(new ListWorkOrdersRequest { StationId = "stn-001", Open = true }, cancellationToken: Ct);
        var elsewhere = await client.ListWorkOrdersAsync(new ListWorkOrdersRequest { StationId = "stn-002" }, cancellationToken: Ct);
        Assert.Equal(["req-late"], late.WorkOrders.Select(o => o.WorkOrderId));
        Assert.Equal(["req-late", "req-ontime"], open.WorkOrders.Select(o => o.WorkOrderId).Order());
        // Page by page (AIP-158): the same orders, in the same order, and no token after the last page.
        var first = await client.ListWorkOrdersAsync(new ListWorkOrdersRequest { StationId = "stn-001", Open = true, PageSize = 1 }, cancellationToken: Ct);
        var second = await client.ListWorkOrdersAsync(new ListWorkOrdersRequest { StationId = "stn-001", Open = true, PageSize = 1, PageToken = first.NextPageToken }, cancellationToken: Ct);
        Assert.Equal(open.WorkOrders.Select(o => o.WorkOrderId), first.WorkOrders.Concat(second.WorkOrders).Select(o => o.WorkOrderId));
        Assert.Equal("", second.NextPageToken);
        var otherFilter = await Assert.ThrowsAsync<RpcException>(() =>
            client.ListWorkOrdersAsync(new ListWorkOrdersRequest { StationId = "stn-002", PageSize = 1, PageToken = first.NextPageToken }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal("page_token", Assert.Single(Errors.FieldViolationsOf(otherFilter)).Field);
        Assert.Empty(elsewhere.WorkOrders);
        // The technicians seeded in development (appsettings.Development.json), by station.
        var technicians = await client.ListTechniciansAsync(new ListTechniciansRequest { StationId = "stn-003" }, cancellationToken: Ct);
        Assert.Equal(["tech-002", "tech-003"], technicians.Technicians.Select(t => t.TechnicianId));
    }
}
