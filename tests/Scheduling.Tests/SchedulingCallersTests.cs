using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.IdentityModel.Tokens;
using SchedulingClient = Mtaeda.Contracts.Scheduling.V1.Scheduling.SchedulingClient;
using static Mtaeda.Scheduling.Tests.WorkOrderRequests;

namespace Mtaeda.Scheduling.Tests;

/// <summary>
/// Scheduling itself enforces who may call what (ADR 0009): the calls go through the sidecars of the dashboard, of
/// maintenance and of another app, with and without a user's bearer token, as they do in a run.
/// </summary>
public sealed class SchedulingCallersTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<RpcException> RefusedAsync<T>(Func<Task<T>> call) => await Assert.ThrowsAsync<RpcException>(call);

    [Fact]
    public async Task The_viewers_assign_is_refused_by_scheduling_and_the_supervisors_passes()
    {
        await using var runtime = LocalRuntime.Create();
        await using var issuer = await TestIssuer.StartAsync(Ct);
        await runtime.StartAsync("scheduling", SchedulingApp.Trusting(issuer), Ct);
        var dashboard = await runtime.StartSidecarAsync("dashboard", Ct);
        var maintenance = await runtime.StartSidecarAsync("maintenance", Ct);
        await new SchedulingClient(maintenance.Invoker("scheduling")).CreateWorkOrderAsync(Jam("wo-1"), cancellationToken: Ct);
        var viewer = new SchedulingClient(issuer.As(dashboard.Invoker("scheduling"), "viewer", sub: "val-viewer"));
        var supervisor = new SchedulingClient(issuer.As(dashboard.Invoker("scheduling"), "supervisor", sub: "sam-supervisor"));
        var assign = new AssignWorkOrderRequest { WorkOrderId = "wo-1", TechnicianId = "tech-001" };

        var refused = await RefusedAsync(() => viewer.AssignWorkOrderAsync(assign, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Contains("viewer", refused.Status.Detail);
        Assert.Equal(WorkOrderStatus.Created, (await viewer.GetWorkOrderAsync(new GetWorkOrderRequest { WorkOrderId = "wo-1" }, cancellationToken: Ct)).Status);

        var assigned = await supervisor.AssignWorkOrderAsync(assign, cancellationToken: Ct);
        Assert.Equal((WorkOrderStatus.Assigned, "sam-supervisor"), (assigned.Status, assigned.LastChangedBy));
    }

    [Fact]
    public async Task A_call_from_the_dashboards_app_id_without_a_valid_token_is_refused_and_services_are_held_to_their_rpcs()
    {
        await using var runtime = LocalRuntime.Create();
        await using var issuer = await TestIssuer.StartAsync(Ct);
        await runtime.StartAsync("scheduling", SchedulingApp.Trusting(issuer), Ct);
        var dashboard = await runtime.StartSidecarAsync("dashboard", Ct);
        var other = await runtime.StartSidecarAsync("stations", Ct);
        var maintenance = new SchedulingClient(issuer.As((await runtime.StartSidecarAsync("maintenance", Ct)).Invoker("scheduling"), "viewer"));

        var bare = new SchedulingClient(dashboard.Invoker("scheduling"));
        var noToken = await RefusedAsync(() => bare.ListWorkOrdersAsync(new ListWorkOrdersRequest(), cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, noToken.StatusCode);
        Assert.Contains("dashboard", noToken.Status.Detail);

        // A caller that names another app itself gains nothing: the sidecar says who calls.
        var posing = new SchedulingClient(dashboard.Invoker("scheduling").Intercept(m => { m.Add("dapr-caller-app-id", "maintenance"); return m; }));
        Assert.Equal(StatusCode.Unauthenticated, (await RefusedAsync(() => posing.CreateWorkOrderAsync(Jam("wo-posing"), cancellationToken: Ct).ResponseAsync)).StatusCode);

        using var forger = new System.Security.Cryptography.RSACryptoServiceProvider(2048);
        var forged = issuer.Token("supervisor", "*", signedWith: new RsaSecurityKey(forger));
        var withForged = new SchedulingClient(dashboard.Invoker("scheduling").Intercept(m => { m.Add("authorization", "Bearer " + forged); return m; }));
        Assert.Equal(StatusCode.Unauthenticated, (await RefusedAsync(() => withForged.ListWorkOrdersAsync(new ListWorkOrdersRequest(), cancellationToken: Ct).ResponseAsync)).StatusCode);

        // A service reads, and only the services named create: stations may not.
        var stations = new SchedulingClient(other.Invoker("scheduling"));
        Assert.Empty((await stations.ListWorkOrdersAsync(new ListWorkOrdersRequest(), cancellationToken: Ct)).WorkOrders);
        Assert.Equal(StatusCode.PermissionDenied, (await RefusedAsync(() => stations.CreateWorkOrderAsync(Jam("wo-stations"), cancellationToken: Ct).ResponseAsync)).StatusCode);

        // A user's token is judged as the user, whichever app forwards it: a viewer through maintenance creates nothing.
        Assert.Equal(StatusCode.PermissionDenied, (await RefusedAsync(() => maintenance.CreateWorkOrderAsync(Jam("wo-viewer"), cancellationToken: Ct).ResponseAsync)).StatusCode);
    }

    [Fact]
    public async Task A_technician_starts_and_completes_only_their_own_work_orders_at_their_stations()
    {
        await using var runtime = LocalRuntime.Create();
        await using var issuer = await TestIssuer.StartAsync(Ct);
        await runtime.StartAsync("scheduling", SchedulingApp.Trusting(issuer), Ct);
        var dashboard = await runtime.StartSidecarAsync("dashboard", Ct);
        var supervisor = new SchedulingClient(issuer.As(dashboard.Invoker("scheduling"), "supervisor"));
        var ana = new SchedulingClient(issuer.As(dashboard.Invoker("scheduling"), "technician", "stn-001,stn-002", sub: "tech-001"));
        var chen = new SchedulingClient(issuer.As(dashboard.Invoker("scheduling"), "technician", "stn-001", sub: "tech-003"));
        var north = new SchedulingClient(issuer.As(dashboard.Invoker("scheduling"), "supervisor", "stn-009", sub: "nora-north"));
        await supervisor.CreateWorkOrderAsync(Jam("wo-ana"), cancellationToken: Ct);
        await supervisor.AssignWorkOrderAsync(new AssignWorkOrderRequest { WorkOrderId = "wo-ana", TechnicianId = "tech-001" }, cancellationToken: Ct);
        var start = new StartWorkOrderRequest { WorkOrderId = "wo-ana" };

        var notTheirs = await RefusedAsync(() => chen.StartWorkOrderAsync(start, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, notTheirs.StatusCode);
        Assert.Contains("assigned to tech-001", notTheirs.Status.Detail);
        Assert.Equal(StatusCode.PermissionDenied, (await RefusedAsync(() => ana.CancelWorkOrderAsync(new CancelWorkOrderRequest { WorkOrderId = "wo-ana", Reason = "no" }, cancellationToken: Ct).ResponseAsync)).StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, (await RefusedAsync(() => north.CancelWorkOrderAsync(new CancelWorkOrderRequest { WorkOrderId = "wo-ana", Reason = "not mine" }, cancellationToken: Ct).ResponseAsync)).StatusCode);

        Assert.Equal(WorkOrderStatus.Started, (await ana.StartWorkOrderAsync(start, cancellationToken: Ct)).Status);
        var done = await ana.CompleteWorkOrderAsync(new CompleteWorkOrderRequest { WorkOrderId = "wo-ana", Notes = "cleaned" }, cancellationToken: Ct);
        Assert.Equal((WorkOrderStatus.Completed, "tech-001"), (done.Status, done.LastChangedBy));
    }

    [Fact]
    public async Task A_user_with_a_list_of_stations_reads_only_their_stations_and_a_service_reads_every_station()
    {
        await using var runtime = LocalRuntime.Create();
        await using var issuer = await TestIssuer.StartAsync(Ct);
        await runtime.StartAsync("scheduling", SchedulingApp.Trusting(issuer), Ct);
        var dashboard = await runtime.StartSidecarAsync("dashboard", Ct);
        var maintenance = new SchedulingClient((await runtime.StartSidecarAsync("maintenance", Ct)).Invoker("scheduling"));
        var ben = new SchedulingClient(issuer.As(dashboard.Invoker("scheduling"), "technician", "stn-003,stn-004", sub: "tech-002"));
        var supervisor = new SchedulingClient(issuer.As(dashboard.Invoker("scheduling"), "supervisor"));
        await maintenance.CreateWorkOrderAsync(Jam("wo-north", "stn-001"), cancellationToken: Ct);
        await maintenance.CreateWorkOrderAsync(Jam("wo-south", "stn-003"), cancellationToken: Ct);
        await maintenance.CreateWorkOrderAsync(Jam("wo-east", "stn-004"), cancellationToken: Ct);

        // The list holds only Ben's stations, the page is cut after the filter, and naming another station lists nothing.
        Assert.Equal(["wo-east", "wo-south"], (await ben.ListWorkOrdersAsync(new ListWorkOrdersRequest(), cancellationToken: Ct)).WorkOrders.Select(o => o.WorkOrderId).Order());
        var first = await ben.ListWorkOrdersAsync(new ListWorkOrdersRequest { PageSize = 1 }, cancellationToken: Ct);
        var second = await ben.ListWorkOrdersAsync(new ListWorkOrdersRequest { PageSize = 1, PageToken = first.NextPageToken }, cancellationToken: Ct);
        Assert.Equal(["wo-east", "wo-south"], first.WorkOrders.Concat(second.WorkOrders).Select(o => o.WorkOrderId).Order());
        Assert.Equal("", second.NextPageToken);
        Assert.Empty((await ben.ListWorkOrdersAsync(new ListWorkOrdersRequest { StationId = "stn-001" }, cancellationToken: Ct)).WorkOrders);

        // One order of another station is refused as a command there is; an order of theirs is read.
        var refused = await RefusedAsync(() => ben.GetWorkOrderAsync(new GetWorkOrderRequest { WorkOrderId = "wo-north" }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Equal("tech-002 does not work at station stn-001", refused.Status.Detail);
        Assert.Equal("stn-003", (await ben.GetWorkOrderAsync(new GetWorkOrderRequest { WorkOrderId = "wo-south" }, cancellationToken: Ct)).StationId);
        Assert.Equal(StatusCode.NotFound, (await RefusedAsync(() => ben.GetWorkOrderAsync(new GetWorkOrderRequest { WorkOrderId = "wo-none" }, cancellationToken: Ct).ResponseAsync)).StatusCode);

        // Technicians: those covering one of Ben's stations.
        Assert.Equal(["tech-002", "tech-003"], (await ben.ListTechniciansAsync(new ListTechniciansRequest(), cancellationToken: Ct)).Technicians.Select(t => t.TechnicianId).Order());

        // A user of every station and a service (no user) read everything, as before.
        Assert.Equal(3, (await supervisor.ListWorkOrdersAsync(new ListWorkOrdersRequest(), cancellationToken: Ct)).WorkOrders.Count);
        Assert.Equal(3, (await maintenance.ListWorkOrdersAsync(new ListWorkOrdersRequest(), cancellationToken: Ct)).WorkOrders.Count);
        Assert.Equal("stn-001", (await maintenance.GetWorkOrderAsync(new GetWorkOrderRequest { WorkOrderId = "wo-north" }, cancellationToken: Ct)).StationId);
        Assert.Equal(3, (await maintenance.ListTechniciansAsync(new ListTechniciansRequest(), cancellationToken: Ct)).Technicians.Count);
    }
}
