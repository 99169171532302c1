using Dapr.Actors.Runtime;
using Dapr.Client;
using Mtaeda.Equipment.Domain;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Equipment.Actors;

/// <summary>
/// The actor of one device (<see cref="TurnstileActor"/>, <see cref="CameraActor"/>): a command loads the device's
/// aggregate from the actor's state, runs, and when it changed the aggregate its state and the events it raised are put
/// in the actor's state and outbox, saved together at the end of the turn (<see cref="OutboxActor"/>). The maintenance
/// commands, the same for every device, are answered here with the device's status after them.
/// </summary>
/// <typeparam name="TAggregate">The device's aggregate.</typeparam>
/// <typeparam name="TState">The state the aggregate keeps.</typeparam>
/// <typeparam name="TStatus">The device's status.</typeparam>
public abstract class DeviceActor<TAggregate, TState, TStatus> : OutboxActor
    where TAggregate : DeviceAggregate<TState>, IMaintainable<TStatus>
    where TState : class
    where TStatus : struct, Enum
{
    private readonly TimeProvider _time;
    private readonly string _stateKey;
    private readonly Func<string, TState?, TAggregate> _load;

    /// <summary>Creates the actor.</summary>
    /// <param name="host">The actor host.</param>
    /// <param name="dapr">The Dapr client the outbox publishes with.</param>
    /// <param name="time">The clock.</param>
    /// <param name="stateKey">The state key holding the aggregate's state.</param>
    /// <param name="load">The aggregate over its id and saved state (null when none was ever saved).</param>
    /// <param name="stateManager">A state manager to use instead of the runtime's (tests).</param>
    protected DeviceActor(ActorHost host, DaprClient dapr, TimeProvider time, string stateKey, Func<string, TState?, TAggregate> load, IActorStateManager? stateManager)
        : base(host, dapr)
    {
        _time = time;
        _stateKey = stateKey;
        _load = load;
        if (stateManager is not null) StateManager = stateManager;
    }

    /// <summary>The time now, on the actor's clock.</summary>
    protected DateTimeOffset Now => _time.GetUtcNow();

    /// <summary>A technician starts work on the device for a maintenance request (see the aggregate's rule).</summary>
    /// <param name="maintenance">The request and what is being done.</param>
    /// <returns>The outcome and the device's status after it.</returns>
    public Task<StatusReply<TStatus>> StartMaintenanceAsync(TurnstileMaintenance maintenance)
    {
        ArgumentNullException.ThrowIfNull(maintenance);
        return StatusAfterAsync(device => device.StartMaintenance(maintenance.RequestId, maintenance.Reason ?? "", Now));
    }

    /// <summary>The maintenance of a request ends, completed or called off (see the aggregate's rule).</summary>
    /// <param name="maintenance">The request, whether the work was completed, and what was done.</param>
    /// <returns>The outcome and the device's status after it.</returns>
    public Task<StatusReply<TStatus>> FinishMaintenanceAsync(TurnstileMaintenance maintenance)
    {
        ArgumentNullException.ThrowIfNull(maintenance);
        return StatusAfterAsync(device => device.FinishMaintenance(maintenance.RequestId, maintenance.Completed, maintenance.Reason ?? "", Now));
    }

    /// <summary>Runs one command of the aggregate in this turn and saves what it changed.</summary>
    /// <param name="command">The command.</param>
    /// <returns>The aggregate after the command, and the command's outcome.</returns>
    protected async Task<(TAggregate Aggregate, Outcome Outcome)> RunAsync(Func<TAggregate, Outcome> command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var aggregate = await LoadAsync();
        var outcome = command(aggregate);
        await SaveAsync(aggregate);
        return (aggregate, outcome);
    }

    /// <summary>Runs one command that changes the device's status (<see cref="RunAsync"/>) and answers the status after it.</summary>
    /// <param name="command">The command.</param>
    /// <returns>The outcome and the status.</returns>
    protected async Task<StatusReply<TStatus>> StatusAfterAsync(Func<TAggregate, Outcome> command)
    {
        var (device, outcome) = await RunAsync(command);
        return new() { Outcome = outcome, Status = device.Status };
    }

    /// <summary>The aggregate as the actor's state holds it.</summary>
    /// <returns>The aggregate.</returns>
    protected async Task<TAggregate> LoadAsync()
    {
        var saved = await StateManager.TryGetStateAsync<TState>(_stateKey);
        return _load(Id.GetId(), saved.HasValue ? saved.Value : null);
    }

    /// <summary>When a command changed the aggregate: puts its state and the events it raised in the actor's state.</summary>
    /// <param name="aggregate">The aggregate.</param>
    /// <returns>A task.</returns>
    protected async Task SaveAsync(TAggregate aggregate)
    {
        ArgumentNullException.ThrowIfNull(aggregate);
        if (aggregate.State is null) return;
        await StoreAsync(_stateKey, aggregate);
    }
}
