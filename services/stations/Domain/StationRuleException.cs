using Mtaeda.Contracts.Common.V1;

namespace Mtaeda.Stations.Domain;

/// <summary>Why the Station aggregate refused a command; each maps to one gRPC status.</summary>
public enum StationError
{
    /// <summary>A field is missing or malformed (InvalidArgument); <see cref="StationRuleException.Field"/> names it.</summary>
    InvalidArgument = 1,

    /// <summary>No station is registered under the id (NotFound).</summary>
    NotFound = 2,

    /// <summary>The station's status forbids the command (FailedPrecondition).</summary>
    FailedPrecondition = 3,

    /// <summary>The id is registered with different values (AlreadyExists).</summary>
    AlreadyExists = 4,
}

/// <summary>A command broke a rule of the Station aggregate. Thrown before anything changes.</summary>
public sealed class StationRuleException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="error">Which rule.</param>
    /// <param name="field">The request field at fault (proto name, e.g. <c>address.city</c>), or empty.</param>
    /// <param name="message">What is wrong, for the caller.</param>
    public StationRuleException(StationError error, string field, string message)
        : base(message)
    {
        Error = error;
        Field = field;
    }

    /// <summary>Creates a refusal of a command the station's status forbids (FailedPrecondition).</summary>
    /// <param name="reason">The stable reason code.</param>
    /// <param name="message">What is wrong, for people.</param>
    public StationRuleException(ErrorReason reason, string message)
        : this(StationError.FailedPrecondition, string.Empty, message)
    {
        Reason = reason;
    }

    /// <summary>Creates an exception without a rule (for serializers and tooling).</summary>
    public StationRuleException()
        : this(StationError.FailedPrecondition, string.Empty, "A station rule was broken.")
    {
    }

    /// <summary>Creates an exception with a message only.</summary>
    /// <param name="message">The message.</param>
    public StationRuleException(string message)
        : this(StationError.FailedPrecondition, string.Empty, message)
    {
    }

    /// <summary>Creates an exception with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public StationRuleException(string message, Exception innerException)
        : base(message, innerException)
    {
        Error = StationError.FailedPrecondition;
        Field = string.Empty;
    }

    /// <summary>Which rule was broken.</summary>
    public StationError Error { get; }

    /// <summary>The field at fault, or empty.</summary>
    public string Field { get; }

    /// <summary>The reason code of a FailedPrecondition refusal; unspecified otherwise.</summary>
    public ErrorReason Reason { get; }

    /// <summary>A bad field.</summary>
    /// <param name="field">The field (proto name).</param>
    /// <param name="message">What is wrong with it, without the field name.</param>
    /// <returns>The exception.</returns>
    public static StationRuleException Invalid(string field, string message) => new(StationError.InvalidArgument, field, $"{field}: {message}");
}
