using Dapr.Actors.Runtime;
using Dapr.Client;
using Mtaeda.Contracts;
using Mtaeda.ServiceDefaults;
using Mtaeda.Stations.Domain;

namespace Mtaeda.Stations.Actors;

/// <summary>
/// The durable home of one <see cref="Station"/>. A command runs in one actor turn (<see cref="AggregateActor{TState, TAggregate}"/>):
/// load the state, let the aggregate decide over a copy, then put the new state and the events it raised into the actor's
/// state, which is saved in one state transaction at the end of the turn, after which the events are published on the
/// <c>stations</c> topic (the outbox reminder retries them if that fails). State and events are therefore never one
/// without the other.
/// </summary>
/// <param name="host">The actor host.</param>
/// <param name="dapr">The Dapr client the outbox publishes with.</param>
/// <param name="time">The clock.</param>
public class StationActor(ActorHost host, DaprClient dapr, TimeProvider time)
    : AggregateActor<StationState, Station>(host, dapr, StateKey, id => new StationState { StationId = id }, state => new Station(Copy(state))), IStationActor
{
    /// <summary>The actor type name.</summary>
    public const string TypeName = "Station";

    /// <summary>The actor state key of the station.</summary>
    public const string StateKey = "station";

    /// <summary>The actor state key of the station's work-order history (a read model of scheduling's events).</summary>
    public const string WorkOrdersKey = "work-orders";

    /// <inheritdoc />
    public Task<StationReply> RegisterAsync(RegisterStationCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        DateTimeOffset? registeredAt = null;
        return ReplyAsync(station => registeredAt = station.Register(command.Name, command.Address, command.LineIds ?? [], Now), () => registeredAt);
    }

    /// <inheritdoc />
    public Task<StationReply> RenameAsync(RenameStationCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return ReplyAsync(station => station.Rename(command.Name, Now));
    }

    /// <inheritdoc />
    public Task<StationReply> ChangeAddressAsync(ChangeStationAddressCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return ReplyAsync(station => station.ChangeAddress(command.Address, Now));
    }

    /// <inheritdoc />
    public Task<StationReply> OpenAsync() => ReplyAsync(station => station.Open(Now));

    /// <inheritdoc />
    public Task<StationReply> CloseAsync(StationStatusCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return ReplyAsync(station => station.Close(command.Reason, Now));
    }

    /// <inheritdoc />
    public Task<StationReply> TakeOfflineAsync(StationStatusCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return ReplyAsync(station => station.TakeOffline(command.Reason, Now));
    }

    /// <inheritdoc />
    public async Task<StationReply> GetAsync()
    {
        var state = await LoadAsync();
        return state.Registered
            ? StationReply.Accepted(state)
            : StationReply.Refused(DomainRefusal.NotFound("station_id", $"no station '{state.StationId}' is registered"));
    }

    /// <inheritdoc />
    public async Task RecordEquipmentAsync(EquipmentChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var station = new Station(await LoadAsync());
        switch (change.Kind, change.Installed)
        {
            case (EquipmentKind.Turnstile, true): station.TurnstileInstalled(change.EquipmentId, change.OccurredAt, Now); break;
            case (EquipmentKind.Turnstile, false): station.TurnstileDecommissioned(change.EquipmentId, change.OccurredAt, Now); break;
            case (EquipmentKind.Camera, true): station.CameraInstalled(change.EquipmentId, change.OccurredAt, Now); break;
            case (EquipmentKind.Camera, false): station.CameraUninstalled(change.EquipmentId, change.OccurredAt, Now); break;
            default: throw new ArgumentOutOfRangeException(nameof(change), change.Kind, "unknown equipment kind");
        }

        if (station.Changed) await StateManager.SetStateAsync(StateKey, station.State);
    }

    /// <inheritdoc />
    public async Task RecordWorkOrderAsync(WorkOrderStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        // A copy, so that the cached state is touched only through SetStateAsync.
        var orders = (await GetWorkOrdersAsync()).ConvertAll(o => new StationWorkOrderState
        {
            WorkOrderId = o.WorkOrderId,
            DeviceId = o.DeviceId,
            Priority = o.Priority,
            CreatedAt = o.CreatedAt,
            Transitions = [.. o.Transitions],
        });
        if (WorkOrderHistory.Record(orders, step)) await StateManager.SetStateAsync(WorkOrdersKey, orders);
    }

    /// <inheritdoc />
    public async Task<List<StationWorkOrderState>> GetWorkOrdersAsync()
    {
        var stored = await StateManager.TryGetStateAsync<List<StationWorkOrderState>>(WorkOrdersKey);
        return stored.HasValue ? stored.Value : [];
    }

    private DateTimeOffset Now => time.GetUtcNow();

    private async Task<StationReply> ReplyAsync(Action<Station> command, Func<DateTimeOffset?>? registeredAt = null)
    {
        var reply = await DecideAsync(command);
        return reply.Refusal is { } refusal
            ? StationReply.Refused(refusal)
            : StationReply.Accepted(reply.Value!, registeredAt?.Invoke());
    }

    private static StationState Copy(StationState state) => new()
    {
        StationId = state.StationId,
        Registered = state.Registered,
        Name = state.Name,
        Address = state.Address,
        LineIds = [.. state.LineIds],
        Status = state.Status,
        StatusReason = state.StatusReason,
        RegisteredAt = state.RegisteredAt,
        OpenedAt = state.OpenedAt,
        ClosedAt = state.ClosedAt,
        LastModifiedAt = state.LastModifiedAt,
        TurnstileIds = [.. state.TurnstileIds],
        CameraIds = [.. state.CameraIds],
        TurnstileChangedAt = new(state.TurnstileChangedAt, StringComparer.Ordinal),
        CameraChangedAt = new(state.CameraChangedAt, StringComparer.Ordinal),
    };
}
