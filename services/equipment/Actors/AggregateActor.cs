using Dapr.Actors.Runtime;
using Dapr.Client;
using Mtaeda.Equipment.Domain;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Equipment.Actors;

/// <summary>
/// The actor of one device aggregate (<see cref="TurnstileActor"/>, <see cref="CameraActor"/>): a command loads the
/// aggregate from the actor's state, runs, and when it changed the aggregate its state and the events it raised are put
/// in the actor's state and outbox, saved together at the end of the turn (<see cref="OutboxActor"/>).
/// </summary>
/// <typeparam name="TAggregate">The aggregate.</typeparam>
/// <typeparam name="TState">The state the aggregate keeps.</typeparam>
public abstract class AggregateActor<TAggregate, TState> : OutboxActor
    where TAggregate : Aggregate<TState>
    where TState : class
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
    protected AggregateActor(ActorHost host, DaprClient dapr, TimeProvider time, string stateKey, Func<string, TState?, TAggregate> load, IActorStateManager? stateManager)
        : base(host, dapr)
    {
        _time = time;
        _stateKey = stateKey;
        _load = load;
        if (stateManager is not null) StateManager = stateManager;
    }

    /// <summary>The time now, on the actor's clock.</summary>
    protected DateTimeOffset Now => _time.GetUtcNow();

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
        if (!aggregate.Changed || aggregate.State is null) return;
        await StateManager.SetStateAsync(_stateKey, aggregate.State);
        foreach (var message in aggregate.Events) await EmitAsync(message);
    }
}
