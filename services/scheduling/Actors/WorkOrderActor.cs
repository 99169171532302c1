using Dapr.Actors.Runtime;
using Dapr.Client;
using Mtaeda.Scheduling.Infrastructure;
using WorkOrder = Mtaeda.Scheduling.Domain.WorkOrder;

namespace Mtaeda.Scheduling.Actors;

/// <summary>
/// The durable home of one <see cref="WorkOrder"/>. A command runs in one actor turn: load the state, let the aggregate
/// decide, then put the new state and its events into the actor's state (<see cref="OutboxActor.EmitAsync"/>), saved in
/// one state transaction at the end of the turn and then published on the <c>scheduling</c> topic. The events are what
/// the maintenance process waits for (docs/adr/0005-work-order-events-drive-maintenance.md). The order's copy in the
/// <see cref="WorkOrderReadModel"/> goes out with each event (<see cref="PublishAsync"/>), so whatever a turn saved
/// reaches the lists when its events do: in the turn, or at the outbox's sweep after a crash.
/// </summary>
/// <param name="host">The actor host.</param>
/// <param name="dapr">The Dapr client the outbox publishes with.</param>
/// <param name="time">The clock.</param>
/// <param name="readModel">The work orders as lists read them.</param>
public class WorkOrderActor(ActorHost host, DaprClient dapr, TimeProvider time, WorkOrderReadModel readModel)
    : AggregateActor<WorkOrderState, WorkOrder>(host, dapr, StateKey, id => new WorkOrderState { WorkOrderId = id }, state => new WorkOrder(state.Copy())), IWorkOrderActor
{
    /// <summary>The actor type name.</summary>
    public const string TypeName = "WorkOrder";

    /// <summary>The actor state key of the order.</summary>
    public const string StateKey = "work-order";

    /// <inheritdoc />
    public Task<ActorReply<WorkOrderState>> CreateAsync(CreateWorkOrderCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var order = new NewWorkOrder(command.RequestId, command.DeviceId, command.DeviceKind, command.StationId, command.Priority, command.Description, command.DueAt);
        return DecideAsync(w => w.Create(order, command.By, Now));
    }

    /// <inheritdoc />
    public Task<ActorReply<WorkOrderState>> AssignAsync(AssignWorkOrderCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return DecideAsync(w => w.Assign(command.TechnicianId, command.By, Now));
    }

    /// <inheritdoc />
    public Task<ActorReply<WorkOrderState>> StartAsync(WorkOrderCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return DecideAsync(w => w.Start(command.By, Now));
    }

    /// <inheritdoc />
    public Task<ActorReply<WorkOrderState>> CompleteAsync(WorkOrderCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return DecideAsync(w => w.Complete(command.Text, command.By, Now));
    }

    /// <inheritdoc />
    public Task<ActorReply<WorkOrderState>> CancelAsync(WorkOrderCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return DecideAsync(w => w.Cancel(command.Text, command.By, Now));
    }

    /// <inheritdoc />
    public async Task<ActorReply<WorkOrderState>> GetAsync()
    {
        var state = await LoadAsync();
        return state.Exists
            ? ActorReply<WorkOrderState>.Accepted(state)
            : ActorReply<WorkOrderState>.Refused(DomainRefusal.NotFound("work_order_id", $"no work order '{state.WorkOrderId}'"));
    }

    private DateTimeOffset Now => time.GetUtcNow();

    /// <summary>
    /// Publishes an event of the order, then records the order as it is now in the read model. A failed recording fails
    /// the entry, which the outbox then publishes again (same CloudEvent id) and records at its retry.
    /// </summary>
    /// <param name="entry">The entry.</param>
    /// <param name="cancellationToken">Cancels the publish and the recording.</param>
    /// <returns>A task that completes when both are done.</returns>
    protected override async Task PublishAsync(OutboxEntry entry, CancellationToken cancellationToken)
    {
        await base.PublishAsync(entry, cancellationToken);
        await readModel.RecordAsync(await LoadAsync(), cancellationToken);
    }
}
