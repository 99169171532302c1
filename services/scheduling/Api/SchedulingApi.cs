using Dapr.Actors;
using Dapr.Actors.Client;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mtaeda.Contracts.Common.V1;
using Mtaeda.Scheduling.Actors;
using Mtaeda.Scheduling.Infrastructure;
using Mtaeda.ServiceDefaults.Callers;
using Mtaeda.ServiceDefaults.Paging;
using SchedulingService = Mtaeda.Contracts.Scheduling.V1.Scheduling;
using TechnicianMessage = Mtaeda.Contracts.Scheduling.V1.Technician;
using WorkOrderMessage = Mtaeda.Contracts.Scheduling.V1.WorkOrder;

namespace Mtaeda.Scheduling.Api;

/// <summary>
/// The <c>mtaeda.scheduling.v1.Scheduling</c> gRPC service. Fields are checked here (InvalidArgument naming the field,
/// before any actor is activated), the technician against the registry (NotFound); the work order's actor decides
/// the transition and records it with its event in one turn.
/// </summary>
/// <param name="actors">Proxies to the work-order actors.</param>
/// <param name="readModel">The work orders as lists read them.</param>
/// <param name="technicians">The technicians registry.</param>
/// <param name="time">The clock lateness is judged by.</param>
/// <param name="schedules">The preventive schedules' parts (SchedulingApi.Schedules.cs).</param>
public sealed partial class SchedulingApi(IActorProxyFactory actors, WorkOrderReadModel readModel, TechnicianRegistry technicians, TimeProvider time, ScheduleParts schedules) : SchedulingService.SchedulingBase
{
    /// <summary>The largest page of the work-order list (and the default page size).</summary>
    public const int MaxPageSize = 500;

    private const int ReadParallelism = 32;

    /// <inheritdoc />
    public override async Task<WorkOrderMessage> CreateWorkOrder(CreateWorkOrderRequest request, ServerCallContext context)
    {
        Ids.Require(request.WorkOrderId, "work_order_id");
        Ids.Require(request.DeviceId, "device_id");
        Ids.Require(request.StationId, "station_id");
        if (request.RequestId.Length > 0) Ids.Require(request.RequestId, "request_id");
        if (request.DeviceKind == DeviceKind.Unspecified) throw Errors.InvalidArgument("device_kind", "is required");
        if (request.Priority == MaintenancePriority.Unspecified) throw Errors.InvalidArgument("priority", "is required");
        context.Caller().RequireStation(request.StationId);
        var command = new CreateWorkOrderCommand(
            request.RequestId.Length > 0 ? request.RequestId : request.WorkOrderId,
            request.DeviceId,
            request.DeviceKind,
            request.StationId,
            request.Priority,
            request.Description,
            request.DueAt?.ToDateTimeOffset(),
            Caller(context));
        return Map(await CallAsync(request.WorkOrderId, actor => actor.CreateAsync(command)));
    }

    /// <inheritdoc />
    public override async Task<ListWorkOrdersResponse> ListWorkOrders(ListWorkOrdersRequest request, ServerCallContext context)
    {
        var filter = new WorkOrderFilter(request.Status, request.StationId, request.TechnicianId, request.Priority, request.Open, request.Late);
        var orders = await readModel.ListAsync(filter, context.CancellationToken);
        // A user reads only their stations' orders (ADR 0009), filtered before the page is cut.
        var visible = context.Caller().Visible(filter.Apply(orders, time.GetUtcNow()), o => o.StationId);
        var page = Pages.Of(visible, WorkOrderFilter.PageKeyOf,
            request.PageSize, request.PageToken, filter.ToString(), MaxPageSize);
        var response = new ListWorkOrdersResponse { NextPageToken = page.NextPageToken };
        response.WorkOrders.AddRange(page.Items.Select(Map));
        return response;
    }

    /// <inheritdoc />
    public override async Task<WorkOrderMessage> GetWorkOrder(GetWorkOrderRequest request, ServerCallContext context)
    {
        Ids.Require(request.WorkOrderId, "work_order_id");
        var order = await CallAsync(request.WorkOrderId, actor => actor.GetAsync());
        context.Caller().RequireStation(order.StationId);
        await readModel.MendAsync(order, context.CancellationToken);
        return Map(order);
    }

    /// <inheritdoc />
    public override async Task<WorkOrderMessage> AssignWorkOrder(AssignWorkOrderRequest request, ServerCallContext context)
    {
        Ids.Require(request.WorkOrderId, "work_order_id");
        if (request.TechnicianId.Length == 0) throw Errors.InvalidArgument("technician_id", "is required");
        if (!technicians.Contains(request.TechnicianId)) throw Errors.NotFound($"technician_id: no technician '{request.TechnicianId}'");
        var command = new AssignWorkOrderCommand(request.TechnicianId, Caller(context));
        return await ActAsync(request.WorkOrderId, actor => actor.AssignAsync(command), context);
    }

    /// <inheritdoc />
    public override async Task<WorkOrderMessage> StartWorkOrder(StartWorkOrderRequest request, ServerCallContext context)
    {
        Ids.Require(request.WorkOrderId, "work_order_id");
        var command = new WorkOrderCommand(string.Empty, Caller(context));
        return await ActAsync(request.WorkOrderId, actor => actor.StartAsync(command), context);
    }

    /// <inheritdoc />
    public override async Task<WorkOrderMessage> CompleteWorkOrder(CompleteWorkOrderRequest request, ServerCallContext context)
    {
        Ids.Require(request.WorkOrderId, "work_order_id");
        if (request.Notes.Length > Domain.WorkOrder.MaxNotesLength) throw Errors.InvalidArgument("notes", $"is longer than {Domain.WorkOrder.MaxNotesLength} characters");
        var command = new WorkOrderCommand(request.Notes, Caller(context));
        return await ActAsync(request.WorkOrderId, actor => actor.CompleteAsync(command), context);
    }

    /// <inheritdoc />
    public override async Task<WorkOrderMessage> CancelWorkOrder(CancelWorkOrderRequest request, ServerCallContext context)
    {
        Ids.Require(request.WorkOrderId, "work_order_id");
        if (request.Reason.Length > Domain.WorkOrder.MaxReasonLength) throw Errors.InvalidArgument("reason", $"is longer than {Domain.WorkOrder.MaxReasonLength} characters");
        var command = new WorkOrderCommand(request.Reason, Caller(context));
        return await ActAsync(request.WorkOrderId, actor => actor.CancelAsync(command), context);
    }

    /// <inheritdoc />
    public override Task<ListTechniciansResponse> ListTechnicians(ListTechniciansRequest request, ServerCallContext context)
    {
        var response = new ListTechniciansResponse();
        // A user with a list of stations reads the technicians covering one of them (one covering none listed covers all).
        foreach (var technician in context.Caller().VisibleAny(technicians.List(request.StationId), t => t.StationIds))
        {
            var message = new TechnicianMessage { TechnicianId = technician.TechnicianId, Name = technician.Name };
            message.StationIds.AddRange(technician.StationIds);
            response.Technicians.Add(message);
        }

        return Task.FromResult(response);
    }

    /// <summary>The work order as the contract shows it.</summary>
    /// <param name="order">The stored order.</param>
    /// <returns>The message.</returns>
    internal static WorkOrderMessage Map(WorkOrderState order) => new()
    {
        WorkOrderId = order.WorkOrderId,
        RequestId = order.RequestId,
        DeviceId = order.DeviceId,
        DeviceKind = order.DeviceKind,
        StationId = order.StationId,
        Priority = order.Priority,
        Description = order.Description,
        Status = order.Status,
        TechnicianId = order.TechnicianId,
        DueAt = Time(order.DueAt),
        CreatedAt = Time(order.CreatedAt),
        AssignedAt = Time(order.AssignedAt),
        StartedAt = Time(order.StartedAt),
        CompletedAt = Time(order.CompletedAt),
        CancelledAt = Time(order.CancelledAt),
        Notes = order.Notes,
        CancelReason = order.CancelReason,
        LastChangedBy = order.LastChangedBy,
    };

    private static Timestamp? Time(DateTimeOffset? time) => time is { } value ? Timestamp.FromDateTimeOffset(value) : null;

    /// <summary>Who a transition is recorded as made by: the signed-in user's id, or the calling service.</summary>
    private static string Caller(ServerCallContext context) => context.Caller().Name;

    /// <summary>
    /// A user's command on an existing work order (the role rule has let the role through, see <see cref="SchedulingCallers"/>):
    /// the user must work at its station, and a technician acts only on the work orders assigned to them. Judged on the
    /// order as its actor has it now; a service's call is not a user's and passes.
    /// </summary>
    private async Task RequireMayActAsync(ServerCallContext context, string workOrderId)
    {
        if (context.Caller().User is not { } user) return;
        if (user.Role == UserRole.Supervisor && user.Stations.Contains(CallingUser.AllStations)) return;
        var order = await CallAsync(workOrderId, actor => actor.GetAsync());
        context.Caller().RequireStation(order.StationId);
        if (user.Role == UserRole.Technician && order.TechnicianId != user.Id)
            throw Errors.PermissionDenied($"technician {user.Id} works only on the work orders assigned to them; {workOrderId} is {(order.TechnicianId.Length == 0 ? "assigned to no one" : "assigned to " + order.TechnicianId)}");
    }

    private IWorkOrderActor Order(string workOrderId) => actors.CreateActorProxy<IWorkOrderActor>(new ActorId(workOrderId), WorkOrderActor.TypeName);

    private async Task<WorkOrderState> CallAsync(string workOrderId, Func<IWorkOrderActor, Task<ActorReply<WorkOrderState>>> call) =>
        (await call(Order(workOrderId))).ValueOrThrow();

    // A user's command on an existing order: allowed (RequireMayActAsync), then run (the actor records it in the read model).
    private async Task<WorkOrderMessage> ActAsync(string workOrderId, Func<IWorkOrderActor, Task<ActorReply<WorkOrderState>>> call, ServerCallContext context)
    {
        await RequireMayActAsync(context, workOrderId);
        return Map(await CallAsync(workOrderId, call));
    }
}
