using Mtaeda.Contracts;

namespace Mtaeda.Equipment.Domain;

/// <summary>
/// What equipment's aggregates (<see cref="Turnstile"/>, <see cref="Camera"/>) add to the shared
/// <see cref="Aggregate{TState}"/>: the device id, a state that is null while the device was never installed, and a
/// window of recent ids. Pure: no I/O.
/// </summary>
/// <typeparam name="TState">The state the actor saves.</typeparam>
public abstract class DeviceAggregate<TState> : Aggregate<TState?>
    where TState : class
{
    /// <summary>An aggregate over its saved state.</summary>
    /// <param name="id">The device id.</param>
    /// <param name="state">The saved state, or null when none was ever saved.</param>
    protected DeviceAggregate(string id, TState? state)
        : base(state)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        Id = id;
    }

    /// <summary>The device id.</summary>
    public string Id { get; }

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
