using Mtaeda.Contracts.Common.V1;

namespace Mtaeda.Scheduling.Domain;

/// <summary>Why a work order refused a command; each maps to one gRPC status.</summary>
public enum WorkOrderError
{
    /// <summary>A field is missing or malformed (InvalidArgument); the field is named.</summary>
    InvalidArgument = 1,

    /// <summary>No work order under the id (NotFound).</summary>
    NotFound = 2,

    /// <summary>The order's status forbids the command (FailedPrecondition, with a reason code).</summary>
    FailedPrecondition = 3,

    /// <summary>The id is taken by a different work order (AlreadyExists).</summary>
    AlreadyExists = 4,
}

/// <summary>A command broke a rule of a work order. Thrown before anything changes.</summary>
public sealed class WorkOrderRuleException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="error">Which rule.</param>
    /// <param name="field">The request field at fault (proto name), or empty.</param>
    /// <param name="message">What is wrong, for the caller.</param>
    /// <param name="reason">The reason code of a FailedPrecondition refusal.</param>
    public WorkOrderRuleException(WorkOrderError error, string field, string message, ErrorReason reason = ErrorReason.Unspecified)
        : base(message)
    {
        Error = error;
        Field = field;
        Reason = reason;
    }

    /// <summary>Creates an exception without a rule (for serializers and tooling).</summary>
    public WorkOrderRuleException()
        : this(WorkOrderError.FailedPrecondition, string.Empty, "A work order rule was broken.")
    {
    }

    /// <summary>Creates an exception with a message only.</summary>
    /// <param name="message">The message.</param>
    public WorkOrderRuleException(string message)
        : this(WorkOrderError.FailedPrecondition, string.Empty, message)
    {
    }

    /// <summary>Creates an exception with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public WorkOrderRuleException(string message, Exception innerException)
        : base(message, innerException)
    {
        Error = WorkOrderError.FailedPrecondition;
        Field = string.Empty;
    }

    /// <summary>Which rule was broken.</summary>
    public WorkOrderError Error { get; }

    /// <summary>The field at fault, or empty.</summary>
    public string Field { get; }

    /// <summary>The reason code of a FailedPrecondition refusal; unspecified otherwise.</summary>
    public ErrorReason Reason { get; }

    /// <summary>A refusal the order's status causes.</summary>
    /// <param name="reason">The reason code.</param>
    /// <param name="message">What is wrong.</param>
    /// <returns>The exception.</returns>
    public static WorkOrderRuleException Refused(ErrorReason reason, string message) => new(WorkOrderError.FailedPrecondition, string.Empty, message, reason);

    /// <summary>A bad field.</summary>
    /// <param name="field">The field (proto name).</param>
    /// <param name="message">What is wrong with it, without the field name.</param>
    /// <returns>The exception.</returns>
    public static WorkOrderRuleException Invalid(string field, string message) => new(WorkOrderError.InvalidArgument, field, $"{field}: {message}");
}
