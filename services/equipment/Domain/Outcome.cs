using System.Runtime.Serialization;
using Mtaeda.Contracts;
using Mtaeda.Contracts.Common.V1;

namespace Mtaeda.Equipment.Domain;

/// <summary>
/// What a command came to: accepted, or refused with the one domain refusal of every MTAEDA service
/// (<see cref="DomainRefusal"/>). Equipment's rules answer with an outcome rather than throw, because a refusal is also
/// a step of a larger command (a camera taking itself off the turnstile that still holds it); it crosses the actor
/// boundary as data and the API throws it with <see cref="ThrowIfRefused"/>.
/// </summary>
[DataContract]
public sealed record Outcome
{
    /// <summary>An accepted command.</summary>
    public static Outcome Accepted { get; } = new();

    // Orders 1-4 (equipment's own refusal kind, message, field and reason) are retired: the refusal is one member, order 5.

    /// <summary>Why the command was refused; null when accepted.</summary>
    [DataMember(Order = 5)]
    public DomainRefusal? Refusal { get; init; }

    /// <summary>True when the command was accepted.</summary>
    public bool IsAccepted => Refusal is null;

    /// <summary>Which status the refusal answers with; null when accepted.</summary>
    public RefusalKind? Kind => Refusal?.Kind;

    /// <summary>The reason, naming the field or the state; empty when accepted.</summary>
    public string Message => Refusal?.Message ?? "";

    /// <summary>The field at fault (proto path) of a refusal; empty when accepted.</summary>
    public string Field => Refusal?.Field ?? "";

    /// <summary>The stable reason code of a <see cref="RefusalKind.FailedPrecondition"/> refusal.</summary>
    public ErrorReason Reason => Refusal?.Reason ?? ErrorReason.Unspecified;

    /// <summary>A malformed command.</summary>
    /// <param name="field">The field (proto path), e.g. <c>ingress</c>.</param>
    /// <param name="description">What is wrong with it, e.g. "must be >= 0".</param>
    /// <returns>The outcome.</returns>
    public static Outcome InvalidArgument(string field, string description) => new() { Refusal = DomainRefusal.Invalid(field, description) };

    /// <summary>An unknown device.</summary>
    /// <param name="kind">What kind of device (<c>turnstile</c>, <c>camera</c>).</param>
    /// <param name="id">Its id.</param>
    /// <returns>The outcome.</returns>
    public static Outcome NotFound(string kind, string id) => new() { Refusal = DomainRefusal.NotFound($"{kind}_id", $"{kind} {id} is not installed") };

    /// <summary>A command the device's state forbids.</summary>
    /// <param name="reason">The stable reason code (see <c>protos/mtaeda/common/v1/errors.proto</c>).</param>
    /// <param name="message">Which state, for people.</param>
    /// <returns>The outcome.</returns>
    public static Outcome FailedPrecondition(ErrorReason reason, string message) => new() { Refusal = DomainRefusal.Refused(reason, message) };

    /// <summary>An id already taken by something different.</summary>
    /// <param name="message">What differs.</param>
    /// <returns>The outcome.</returns>
    public static Outcome AlreadyExists(string message) => new() { Refusal = DomainRefusal.AlreadyExists("", message) };

    /// <summary>Nothing when accepted; otherwise throws the refusal, which the gRPC error interceptor turns into the error model.</summary>
    /// <exception cref="DomainRefusalException">The command was refused.</exception>
    public void ThrowIfRefused()
    {
        if (Refusal is { } refusal) throw refusal.ToException();
    }
}
