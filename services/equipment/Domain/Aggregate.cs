using Google.Protobuf;
using Mtaeda.Contracts;

namespace Mtaeda.Equipment.Domain;

/// <summary>
/// What equipment's aggregates (<see cref="Turnstile"/>, <see cref="Camera"/>) have in common: the device id, the state
/// its actor saves (null while the device was never installed), whether a command changed it, and the events the
/// commands raised, for the actor to save and emit in the same turn. Pure: no I/O.
/// </summary>
/// <typeparam name="TState">The state the actor saves.</typeparam>
public abstract class Aggregate<TState> : IAggregate<TState?>
    where TState : class
{
    private readonly List<IMessage> _events = [];

    /// <summary>An aggregate over its saved state.</summary>
    /// <param name="id">The device id.</param>
    /// <param name="state">The saved state, or null when none was ever saved.</param>
    protected Aggregate(string id, TState? state)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        Id = id;
        State = state;
    }

    /// <summary>The device id.</summary>
    public string Id { get; }

    /// <summary>The current state; null while the device was never installed.</summary>
    public TState? State { get; protected set; }

    /// <summary>True when a command changed the state (so it must be saved).</summary>
    public bool Changed { get; protected set; }

    /// <summary>The events raised by the commands run on this instance, oldest first.</summary>
    public IReadOnlyList<IMessage> Events => _events;

    /// <summary>Records an event the command raised (the state changed with it).</summary>
    /// <param name="message">The event.</param>
    protected void Raise(IMessage message)
    {
        _events.Add(message);
        Changed = true;
    }

    /// <summary>Adds <paramref name="id"/> to a window of recent ids (oldest first), dropping the oldest beyond <paramref name="capacity"/>.</summary>
    /// <param name="recent">The window, as saved in the state.</param>
    /// <param name="id">The id to remember.</param>
    /// <param name="capacity">How many ids the window keeps.</param>
    protected static void Remember(List<string> recent, string id, int capacity)
    {
        ArgumentNullException.ThrowIfNull(recent);
        recent.Add(id);
        if (recent.Count > capacity) recent.RemoveRange(0, recent.Count - capacity);
    }
}
