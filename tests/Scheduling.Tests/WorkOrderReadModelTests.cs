using Dapr.Actors;
using Dapr.Actors.Client;
using Microsoft.Extensions.DependencyInjection;
using Mtaeda.Scheduling.Actors;
using Mtaeda.Scheduling.Domain;
using Mtaeda.Scheduling.Infrastructure;
using Mtaeda.ServiceDefaults;
using SchedulingClient = Mtaeda.Contracts.Scheduling.V1.Scheduling.SchedulingClient;
using static Mtaeda.Scheduling.Tests.WorkOrderRequests;

namespace Mtaeda.Scheduling.Tests;

/// <summary>
/// ListWorkOrders reads the work orders' read model (copies and per-station indexes in the state store), not every order
/// through its actor: the real scheduling app in-process beside a local sidecar.
/// </summary>
public sealed class WorkOrderReadModelTests
{
    private const string Store = "statestore";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<string[]> IdsAsync(SchedulingClient client, ListWorkOrdersRequest request) =>
        [.. (await client.ListWorkOrdersAsync(request, cancellationToken: Ct)).WorkOrders.Select(o => o.WorkOrderId).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task Lists_read_each_stations_indexes_and_the_orders_copies_and_a_closed_order_leaves_its_stations_open_index()
    {
        await using var runtime = LocalRuntime.Create();
        await using var issuer = await TestIssuer.StartAsync(Ct);
        var (scheduling, client) = await SchedulingApp.StartAsync(runtime, issuer, Ct);
        await client.CreateWorkOrderAsync(Jam("wo-a", "stn-001"), cancellationToken: Ct);
        await client.CreateWorkOrderAsync(Jam("wo-b", "stn-001"), cancellationToken: Ct);
        await client.CreateWorkOrderAsync(Jam("wo-c", "stn-002"), cancellationToken: Ct);
        await client.AssignWorkOrderAsync(new AssignWorkOrderRequest { WorkOrderId = "wo-a", TechnicianId = "tech-001" }, cancellationToken: Ct);
        await client.StartWorkOrderAsync(new StartWorkOrderRequest { WorkOrderId = "wo-a" }, cancellationToken: Ct);
        await client.CompleteWorkOrderAsync(new CompleteWorkOrderRequest { WorkOrderId = "wo-a", Notes = "done" }, cancellationToken: Ct);

        Assert.Equal(["wo-a", "wo-b", "wo-c"], await IdsAsync(client, new ListWorkOrdersRequest()));
        Assert.Equal(["wo-a", "wo-b"], await IdsAsync(client, new ListWorkOrdersRequest { StationId = "stn-001" }));
        Assert.Equal(["wo-b", "wo-c"], await IdsAsync(client, new ListWorkOrdersRequest { Open = true }));
        Assert.Equal(["wo-a"], await IdsAsync(client, new ListWorkOrdersRequest { Status = WorkOrderStatus.Completed }));
        Assert.Empty(await IdsAsync(client, new ListWorkOrdersRequest { StationId = "stn-002", Status = WorkOrderStatus.Completed }));

        // What the lists read: the stations that have orders, each station's orders and open orders, the orders' copies.
        var dapr = scheduling.Client;
        Assert.Equal(["stn-001", "stn-002"], await dapr.GetStateAsync<List<string>>(Store, WorkOrderReadModel.StationsKey, cancellationToken: Ct));
        Assert.Equal(["wo-a", "wo-b"], await dapr.GetStateAsync<List<string>>(Store, WorkOrderReadModel.StationKey("stn-001"), cancellationToken: Ct));
        Assert.Equal(["wo-b"], await dapr.GetStateAsync<List<string>>(Store, WorkOrderReadModel.OpenKey("stn-001"), cancellationToken: Ct));
        var copy = await dapr.GetStateAsync<WorkOrderState>(Store, WorkOrderReadModel.ViewKey("wo-a"), cancellationToken: Ct);
        Assert.Equal((WorkOrderStatus.Completed, 4L, "done"), (copy.Status, copy.Version, copy.Notes));

        // The list answers from the copy, not from the actor: a copy left behind by a crash after the actor's turn (here:
        // written back as it was before the assignment) shows until the order is read on its own, which mends it.
        var behind = await dapr.GetStateAsync<WorkOrderState>(Store, WorkOrderReadModel.ViewKey("wo-b"), cancellationToken: Ct);
        await client.AssignWorkOrderAsync(new AssignWorkOrderRequest { WorkOrderId = "wo-b", TechnicianId = "tech-001" }, cancellationToken: Ct);
        await dapr.SaveStateAsync(Store, WorkOrderReadModel.ViewKey("wo-b"), behind, cancellationToken: Ct);
        var stale = await client.ListWorkOrdersAsync(new ListWorkOrdersRequest { StationId = "stn-001", Open = true }, cancellationToken: Ct);
        Assert.Equal(WorkOrderStatus.Created, Assert.Single(stale.WorkOrders).Status);
        Assert.Equal(WorkOrderStatus.Assigned, (await client.GetWorkOrderAsync(new GetWorkOrderRequest { WorkOrderId = "wo-b" }, cancellationToken: Ct)).Status);
        var mended = await client.ListWorkOrdersAsync(new ListWorkOrdersRequest { StationId = "stn-001", Open = true }, cancellationToken: Ct);
        Assert.Equal((WorkOrderStatus.Assigned, "tech-001"), (Assert.Single(mended.WorkOrders).Status, mended.WorkOrders[0].TechnicianId));
    }

    [Fact]
    public async Task A_change_its_actor_saved_is_listed_though_the_call_that_made_it_never_recorded_it()
    {
        // The order's actor called directly, as by an API gone right after the actor's turn (a crash between the turn and
        // anything after it): the copy comes from the actor, with the order's events, so it is listed without a read.
        await using var runtime = LocalRuntime.Create();
        await using var issuer = await TestIssuer.StartAsync(Ct);
        var (scheduling, client) = await SchedulingApp.StartAsync(runtime, issuer, Ct);
        var actor = scheduling.App!.Services.GetRequiredService<IActorProxyFactory>().CreateActorProxy<IWorkOrderActor>(new ActorId("wo-e"), WorkOrderActor.TypeName);

        await actor.CreateAsync(new CreateWorkOrderCommand("wo-e", "ts-005-01", DeviceKind.Turnstile, "stn-005", MaintenancePriority.High, "jammed", null, "maintenance"));
        Assert.Equal(["wo-e"], await IdsAsync(client, new ListWorkOrdersRequest { StationId = "stn-005", Open = true }));
        await actor.AssignAsync(new AssignWorkOrderCommand("tech-001", "dispatcher"));
        await actor.CancelAsync(new WorkOrderCommand("duplicate", "dispatcher"));

        var listed = Assert.Single((await client.ListWorkOrdersAsync(new ListWorkOrdersRequest { StationId = "stn-005" }, cancellationToken: Ct)).WorkOrders);
        Assert.Equal((WorkOrderStatus.Cancelled, "tech-001"), (listed.Status, listed.TechnicianId));
        Assert.Empty(await IdsAsync(client, new ListWorkOrdersRequest { StationId = "stn-005", Open = true }));
    }

    [Fact]
    public async Task An_older_copy_never_replaces_a_newer_one_and_a_closed_order_left_in_an_open_index_is_not_listed_and_leaves_it()
    {
        await using var runtime = LocalRuntime.Create();
        await using var issuer = await TestIssuer.StartAsync(Ct);
        var (scheduling, client) = await SchedulingApp.StartAsync(runtime, issuer, Ct);
        var model = scheduling.App!.Services.GetRequiredService<WorkOrderReadModel>();
        var created = await client.CreateWorkOrderAsync(Jam("wo-d", "stn-003"), cancellationToken: Ct);
        var dapr = scheduling.Client;
        var asCreated = await dapr.GetStateAsync<WorkOrderState>(Store, WorkOrderReadModel.ViewKey("wo-d"), cancellationToken: Ct);
        await client.CancelWorkOrderAsync(new CancelWorkOrderRequest { WorkOrderId = "wo-d", Reason = "duplicate" }, cancellationToken: Ct);

        // The create's recording overtaken by the cancellation's: the older copy is not written, so the order stays cancelled.
        await model.RecordAsync(asCreated, Ct);
        Assert.Equal(WorkOrderStatus.Cancelled, (await dapr.GetStateAsync<WorkOrderState>(Store, WorkOrderReadModel.ViewKey("wo-d"), cancellationToken: Ct)).Status);
        Assert.Equal(WorkOrderStatus.Created, created.Status);

        // An open index that still names the cancelled order (its create's index write came last): not listed, and removed.
        await new SortedIdIndex(dapr, Store, WorkOrderReadModel.OpenKey("stn-003"), "open work-order").AddAsync("wo-d", Ct);
        Assert.Empty(await IdsAsync(client, new ListWorkOrdersRequest { Open = true }));
        Assert.Empty(await dapr.GetStateAsync<List<string>>(Store, WorkOrderReadModel.OpenKey("stn-003"), cancellationToken: Ct));
        Assert.Equal(["wo-d"], await IdsAsync(client, new ListWorkOrdersRequest { StationId = "stn-003", Status = WorkOrderStatus.Cancelled }));
    }
}
