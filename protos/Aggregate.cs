using Google.Protobuf;

namespace Mtaeda.Contracts;

/// <summary>
/// A domain aggregate as its actor runs it: a command changes <see cref="State"/> in place and records the events it
/// causes, or throws a <see cref="DomainRefusalException"/> before changing anything. Pure: no I/O.
/// </summary>
/// <typeparam name="TState">The state the actor stores.</typeparam>
public interface IAggregate<out TState>
{
    /// <summary>The state (after the commands run so far).</summary>
    TState State { get; }

    /// <summary>True when a command changed the state (so it must be saved).</summary>
    bool Changed { get; }

    /// <summary>The events the commands caused, in order.</summary>
    IReadOnlyList<IMessage> Events { get; }
}

/// <summary>
/// What every aggregate keeps besides its rules: the state, whether a command changed it, and the events the commands
/// raised, in order, for its actor to save and publish in the same turn. A command that changes the state raises its
/// event (<see cref="Raise"/>); one that changes the state without an event says so (<see cref="MarkChanged"/>).
/// </summary>
/// <typeparam name="TState">The state the actor stores.</typeparam>
/// <param name="state">The state the commands start from.</param>
public abstract class Aggregate<TState>(TState state) : IAggregate<TState>
{
    private readonly List<IMessage> _events = [];

    /// <inheritdoc />
    public TState State { get; protected set; } = state;

    /// <inheritdoc />
    public bool Changed { get; private set; }

    /// <inheritdoc />
    public IReadOnlyList<IMessage> Events => _events;

    /// <summary>Records an event a command raised (the state changed with it).</summary>
    /// <param name="message">The event.</param>
    protected void Raise(IMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        _events.Add(message);
        Changed = true;
    }

    /// <summary>Records that a command changed the state without raising an event.</summary>
    protected void MarkChanged() => Changed = true;
}
