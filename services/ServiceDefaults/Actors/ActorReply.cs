using System.Runtime.Serialization;
using Mtaeda.Contracts;

namespace Mtaeda.ServiceDefaults;

/// <summary>
/// An actor's answer to a command, the same for every actor whose command answers with its state: the state after the
/// command, or why the command was refused. The refusal crosses the actor boundary as data (ADR 0004), and the API
/// throws it again with <see cref="ValueOrThrow"/>.
/// </summary>
/// <typeparam name="T">The state the actor answers with.</typeparam>
/// <param name="Value">The state after the command (null when refused).</param>
/// <param name="Refusal">Why the command was refused; null when accepted.</param>
[DataContract]
public sealed record ActorReply<T>(
    [property: DataMember(Order = 1)] T? Value,
    [property: DataMember(Order = 2)] DomainRefusal? Refusal = null)
    where T : class
{
    /// <summary>An accepted command.</summary>
    /// <param name="value">The state after it.</param>
    /// <returns>The reply.</returns>
    public static ActorReply<T> Accepted(T value) => new(value);

    /// <summary>A refused command.</summary>
    /// <param name="refusal">Why.</param>
    /// <returns>The reply.</returns>
    public static ActorReply<T> Refused(DomainRefusal refusal) => new(null, refusal);

    /// <summary>The state after an accepted command.</summary>
    /// <returns>The state.</returns>
    /// <exception cref="DomainRefusalException">The command was refused.</exception>
    public T ValueOrThrow() => Refusal is { } refusal ? throw refusal.ToException() : Value!;
}
