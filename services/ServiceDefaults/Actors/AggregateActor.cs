using Dapr.Actors.Runtime;
using Dapr.Client;
using Mtaeda.Contracts;

namespace Mtaeda.ServiceDefaults;

/// <summary>
/// The actor that holds one aggregate, and the turn it runs for a command: load the aggregate's state (or the state of
/// one never created), let the aggregate decide over a copy of it, store an accepted change with its events, and answer
/// with the state after the command or with the refusal. A refusal (<see cref="DomainRefusalException"/>) changes
/// nothing; an accepted command is stored as <see cref="OutboxActor.StoreAsync"/> says (nothing when it changed nothing;
/// else the state under the state key and the events into the outbox, saved together at the end of the turn and
/// published after).
/// </summary>
/// <typeparam name="TState">The stored state.</typeparam>
/// <typeparam name="TAggregate">The aggregate that decides.</typeparam>
/// <param name="host">The actor host.</param>
/// <param name="dapr">The Dapr client the outbox publishes with.</param>
/// <param name="stateKey">The actor state key of the aggregate's state.</param>
/// <param name="empty">The state of an aggregate never created, for the actor's id.</param>
/// <param name="aggregateOver">The aggregate over a state (a copy, so that the cached state is touched only through SetStateAsync and a refused command changes nothing).</param>
public abstract class AggregateActor<TState, TAggregate>(ActorHost host, DaprClient dapr, string stateKey, Func<string, TState> empty, Func<TState, TAggregate> aggregateOver)
    : OutboxActor(host, dapr)
    where TState : class
    where TAggregate : IAggregate<TState>
{
    /// <summary>Runs <paramref name="command"/> on the aggregate in this turn.</summary>
    /// <param name="command">The command.</param>
    /// <returns>The state after it, or why it was refused.</returns>
    protected async Task<ActorReply<TState>> DecideAsync(Action<TAggregate> command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var aggregate = aggregateOver(await LoadAsync());
        try
        {
            command(aggregate);
        }
        catch (DomainRefusalException refusal)
        {
            return ActorReply<TState>.Refused(refusal.Refusal);
        }

        await StoreAsync(stateKey, aggregate);
        return ActorReply<TState>.Accepted(aggregate.State);
    }

    /// <summary>The stored state, or that of an aggregate never created.</summary>
    /// <returns>The state.</returns>
    protected async Task<TState> LoadAsync()
    {
        var stored = await StateManager.TryGetStateAsync<TState>(stateKey);
        return stored.HasValue ? stored.Value : empty(Id.GetId());
    }
}
