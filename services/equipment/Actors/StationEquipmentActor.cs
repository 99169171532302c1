using Dapr.Actors.Runtime;

namespace Mtaeda.Equipment.Actors;

/// <summary>The turnstiles installed at one station (actor id = station id), as equipment knows them.</summary>
[Actor(TypeName = TypeName)]
public sealed class StationEquipmentActor : Actor, IStationEquipmentActor
{
    /// <summary>The actor type.</summary>
    public const string TypeName = "StationEquipment";

    /// <summary>The state key holding the turnstile ids.</summary>
    public const string StateKey = "turnstiles";

    /// <summary>Creates the actor.</summary>
    /// <param name="host">The actor host.</param>
    /// <param name="stateManager">A state manager to use instead of the runtime's (tests).</param>
    public StationEquipmentActor(ActorHost host, IActorStateManager? stateManager = null)
        : base(host)
    {
        if (stateManager is not null) StateManager = stateManager;
    }

    /// <inheritdoc />
    public async Task AddTurnstileAsync(string turnstileId)
    {
        ArgumentException.ThrowIfNullOrEmpty(turnstileId);
        var turnstiles = await StateManager.GetOrAddStateAsync(StateKey, new List<string>());
        if (turnstiles.Contains(turnstileId, StringComparer.Ordinal)) return;
        turnstiles.Add(turnstileId);
        await StateManager.SetStateAsync(StateKey, turnstiles);
    }

    /// <inheritdoc />
    public async Task<string[]> GetTurnstilesAsync()
    {
        var turnstiles = await StateManager.TryGetStateAsync<List<string>>(StateKey);
        return turnstiles.HasValue ? [.. turnstiles.Value] : [];
    }
}
