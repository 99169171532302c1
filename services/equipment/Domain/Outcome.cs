using System.Runtime.Serialization;
using Mtaeda.Contracts.Common.V1;

namespace Mtaeda.Equipment.Domain;

/// <summary>Why a command was refused; <see cref="None"/> when it was accepted. Maps one to one onto gRPC status codes.</summary>
public enum Refusal
{
    /// <summary>Accepted.</summary>
    None = 0,

    /// <summary>The command itself is malformed (a field is missing or out of range).</summary>
    InvalidArgument = 1,

    /// <summary>The device does not exist.</summary>
    NotFound = 2,

    /// <summary>The device's state forbids the command (the message says which state).</summary>
    FailedPrecondition = 3,

    /// <summary>The id is already taken by something different.</summary>
    AlreadyExists = 4,
}

/// <summary>
/// What a command came to: accepted, or refused with a reason a person can read. Domain rules answer with an
/// outcome rather than an exception, so that a refusal crosses the actor boundary as data.
/// </summary>
[DataContract]
public sealed record Outcome
{
    /// <summary>An accepted command.</summary>
    public static Outcome Accepted { get; } = new();

    /// <summary>Why the command was refused; <see cref="Refusal.None"/> when accepted.</summary>
    [DataMember(Order = 1)]
    public Refusal Refusal { get; init; }

    /// <summary>The reason, naming the field or the state; empty when accepted.</summary>
    [DataMember(Order = 2)]
    public string Message { get; init; } = "";

    /// <summary>The field at fault (proto path) when <see cref="Refusal"/> is <see cref="Refusal.InvalidArgument"/>.</summary>
    [DataMember(Order = 3)]
    public string Field { get; init; } = "";

    /// <summary>The stable reason code when <see cref="Refusal"/> is <see cref="Refusal.FailedPrecondition"/>.</summary>
    [DataMember(Order = 4)]
    public ErrorReason Reason { get; init; }

    /// <summary>True when the command was accepted.</summary>
    public bool IsAccepted => Refusal == Refusal.None;

    /// <summary>A malformed command.</summary>
    /// <param name="field">The field (proto path), e.g. <c>ingress</c>.</param>
    /// <param name="description">What is wrong with it, e.g. "must be >= 0".</param>
    /// <returns>The outcome.</returns>
    public static Outcome InvalidArgument(string field, string description) =>
        new() { Refusal = Refusal.InvalidArgument, Field = field, Message = $"{field} {description}" };

    /// <summary>An unknown device.</summary>
    /// <param name="kind">What kind of device (<c>turnstile</c>, <c>camera</c>).</param>
    /// <param name="id">Its id.</param>
    /// <returns>The outcome.</returns>
    public static Outcome NotFound(string kind, string id) => new() { Refusal = Refusal.NotFound, Message = $"{kind} {id} is not installed" };

    /// <summary>A command the device's state forbids.</summary>
    /// <param name="reason">The stable reason code (see <c>protos/mtaeda/common/v1/errors.proto</c>).</param>
    /// <param name="message">Which state, for people.</param>
    /// <returns>The outcome.</returns>
    public static Outcome FailedPrecondition(ErrorReason reason, string message) =>
        new() { Refusal = Refusal.FailedPrecondition, Reason = reason, Message = message };

    /// <summary>An id already taken by something different.</summary>
    /// <param name="message">What differs.</param>
    /// <returns>The outcome.</returns>
    public static Outcome AlreadyExists(string message) => new() { Refusal = Refusal.AlreadyExists, Message = message };
}
