using System.Runtime.Serialization;
using Grpc.Core;
using Mtaeda.Contracts.Common.V1;

namespace Mtaeda.Contracts;

/// <summary>Which status a refused command answers with (see <c>mtaeda/common/v1/errors.proto</c>).</summary>
public enum RefusalKind
{
    /// <summary>A field is missing or malformed: <c>InvalidArgument</c> with the field named.</summary>
    InvalidArgument = 1,

    /// <summary>Nothing is known under the id: <c>NotFound</c>.</summary>
    NotFound = 2,

    /// <summary>The current state forbids the command: <c>FailedPrecondition</c> with a reason code.</summary>
    FailedPrecondition = 3,

    /// <summary>The id is taken by something different: <c>AlreadyExists</c>.</summary>
    AlreadyExists = 4,
}

/// <summary>
/// Why a domain rule refused a command, before anything changed: the one refusal of every MTAEDA service's domain.
/// It is data, so that it can cross an actor boundary (a <c>[DataContract]</c>, see ADR 0004); a rule throws it as a
/// <see cref="DomainRefusalException"/>, and the gRPC error interceptor turns it into the error model with
/// <see cref="ToRpcException"/>.
/// </summary>
/// <param name="Kind">Which status.</param>
/// <param name="Detail">
/// What is wrong, for people: for bad input the description without the field name (e.g. "is required"), otherwise
/// the whole sentence.
/// </param>
/// <param name="Field">The request field at fault (proto path, e.g. <c>address.city</c>), or empty.</param>
/// <param name="Reason">The stable reason code of a <see cref="RefusalKind.FailedPrecondition"/> refusal.</param>
/// <param name="Metadata">The ids involved (e.g. <c>station_id</c>), carried as <c>ErrorInfo.metadata</c>; null when none.</param>
[DataContract]
public sealed record DomainRefusal(
    [property: DataMember(Order = 1)] RefusalKind Kind,
    [property: DataMember(Order = 2)] string Detail,
    [property: DataMember(Order = 3)] string Field = "",
    [property: DataMember(Order = 4)] ErrorReason Reason = ErrorReason.Unspecified,
    [property: DataMember(Order = 5)] Dictionary<string, string>? Metadata = null)
{
    /// <summary>The refusal as one sentence: "field description" for bad input (as <see cref="Errors.Describe"/> says it), else <see cref="Detail"/>.</summary>
    public string Message => Kind == RefusalKind.InvalidArgument && Field.Length > 0 ? $"{Field} {Detail}" : Detail;

    /// <summary>Bad input.</summary>
    /// <param name="field">The field (proto path).</param>
    /// <param name="description">What is wrong with it, without the field name (e.g. "is required").</param>
    /// <returns>The refusal.</returns>
    public static DomainRefusal Invalid(string field, string description) => new(RefusalKind.InvalidArgument, description, field);

    /// <summary>A command the current state forbids.</summary>
    /// <param name="reason">The stable reason code.</param>
    /// <param name="message">What is wrong, for people.</param>
    /// <param name="metadata">The ids involved, as <c>ErrorInfo.metadata</c>.</param>
    /// <returns>The refusal.</returns>
    public static DomainRefusal Refused(ErrorReason reason, string message, params (string Key, string Value)[] metadata) =>
        new(RefusalKind.FailedPrecondition, message, Reason: reason, Metadata: metadata.Length == 0 ? null : metadata.ToDictionary(m => m.Key, m => m.Value, StringComparer.Ordinal));

    /// <summary>An unknown id.</summary>
    /// <param name="field">The field that names it.</param>
    /// <param name="message">Which id, for people.</param>
    /// <returns>The refusal.</returns>
    public static DomainRefusal NotFound(string field, string message) => new(RefusalKind.NotFound, message, field);

    /// <summary>An id taken by something different.</summary>
    /// <param name="field">The field that names it.</param>
    /// <param name="message">What differs, for people.</param>
    /// <returns>The refusal.</returns>
    public static DomainRefusal AlreadyExists(string field, string message) => new(RefusalKind.AlreadyExists, message, field);

    /// <summary>The refusal in the MTAEDA error model (made by <see cref="Errors"/>).</summary>
    /// <returns>The gRPC error.</returns>
    public RpcException ToRpcException() => Kind switch
    {
        RefusalKind.InvalidArgument => Errors.InvalidArgument(Field, Detail),
        RefusalKind.NotFound => Errors.NotFound(Detail),
        RefusalKind.AlreadyExists => Errors.AlreadyExists(Detail),
        _ => Errors.FailedPrecondition(Reason, Detail, [.. (Metadata ?? []).Select(m => (m.Key, m.Value))]),
    };

    /// <summary>The refusal as the exception a rule throws.</summary>
    /// <returns>The exception.</returns>
    public DomainRefusalException ToException() => new(this);
}

/// <summary>A domain rule refused a command (see <see cref="DomainRefusal"/>). Thrown before anything changes.</summary>
public sealed class DomainRefusalException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="refusal">Why.</param>
    public DomainRefusalException(DomainRefusal refusal)
        : base(refusal?.Message)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        Refusal = refusal;
    }

    /// <summary>Creates a refusal of unspecified reason (for serializers and tooling).</summary>
    public DomainRefusalException()
        : this("The command was refused.")
    {
    }

    /// <summary>Creates a refusal of unspecified reason.</summary>
    /// <param name="message">The message.</param>
    public DomainRefusalException(string message)
        : this(new DomainRefusal(RefusalKind.FailedPrecondition, message))
    {
    }

    /// <summary>Creates a refusal of unspecified reason with a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public DomainRefusalException(string message, Exception innerException)
        : base(message, innerException) => Refusal = new DomainRefusal(RefusalKind.FailedPrecondition, message);

    /// <summary>Why the command was refused.</summary>
    public DomainRefusal Refusal { get; }

    /// <summary>Which status.</summary>
    public RefusalKind Kind => Refusal.Kind;

    /// <summary>The field at fault, or empty.</summary>
    public string Field => Refusal.Field;

    /// <summary>The reason code of a FailedPrecondition refusal; unspecified otherwise.</summary>
    public ErrorReason Reason => Refusal.Reason;

    /// <summary>Bad input (see <see cref="DomainRefusal.Invalid"/>).</summary>
    /// <param name="field">The field (proto path).</param>
    /// <param name="description">What is wrong with it, without the field name.</param>
    /// <returns>The exception to throw.</returns>
    public static DomainRefusalException Invalid(string field, string description) => new(DomainRefusal.Invalid(field, description));

    /// <summary>A command the current state forbids (see <see cref="DomainRefusal.Refused"/>).</summary>
    /// <param name="reason">The stable reason code.</param>
    /// <param name="message">What is wrong, for people.</param>
    /// <param name="metadata">The ids involved.</param>
    /// <returns>The exception to throw.</returns>
    public static DomainRefusalException Refused(ErrorReason reason, string message, params (string Key, string Value)[] metadata) =>
        new(DomainRefusal.Refused(reason, message, metadata));

    /// <summary>An unknown id.</summary>
    /// <param name="field">The field that names it.</param>
    /// <param name="message">Which id, for people.</param>
    /// <returns>The exception to throw.</returns>
    public static DomainRefusalException NotFound(string field, string message) => new(DomainRefusal.NotFound(field, message));

    /// <summary>An id taken by something different.</summary>
    /// <param name="field">The field that names it.</param>
    /// <param name="message">What differs, for people.</param>
    /// <returns>The exception to throw.</returns>
    public static DomainRefusalException AlreadyExists(string field, string message) => new(DomainRefusal.AlreadyExists(field, message));
}
