using System.Runtime.Serialization;

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

    /// <summary>True when the command was accepted.</summary>
    public bool IsAccepted => Refusal == Refusal.None;

    /// <summary>A malformed command.</summary>
    /// <param name="message">Names the field, e.g. "ingress must be >= 0".</param>
    /// <returns>The outcome.</returns>
    public static Outcome InvalidArgument(string message) => new() { Refusal = Refusal.InvalidArgument, Message = message };

    /// <summary>An unknown device.</summary>
    /// <param name="message">Which device.</param>
    /// <returns>The outcome.</returns>
    public static Outcome NotFound(string message) => new() { Refusal = Refusal.NotFound, Message = message };

    /// <summary>A command the device's state forbids.</summary>
    /// <param name="message">Which state.</param>
    /// <returns>The outcome.</returns>
    public static Outcome FailedPrecondition(string message) => new() { Refusal = Refusal.FailedPrecondition, Message = message };

    /// <summary>An id already taken by something different.</summary>
    /// <param name="message">What differs.</param>
    /// <returns>The outcome.</returns>
    public static Outcome AlreadyExists(string message) => new() { Refusal = Refusal.AlreadyExists, Message = message };
}
