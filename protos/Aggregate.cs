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
