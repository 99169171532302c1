using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Mtaeda.Contracts.Common.V1;
using Status = Google.Rpc.Status;

namespace Mtaeda.Contracts;

/// <summary>
/// The MTAEDA error model (see <c>mtaeda/common/v1/errors.proto</c>): gRPC errors carrying a <c>google.rpc.Status</c>
/// with details, made and read in one place by servers and callers alike.
/// </summary>
public static class Errors
{
    /// <summary>The <c>ErrorInfo.domain</c> of every MTAEDA error.</summary>
    public const string Domain = "mtaeda.io";

    /// <summary>The name an <see cref="ErrorReason"/> travels by in <c>ErrorInfo.reason</c>, e.g. <c>TURNSTILE_DECOMMISSIONED</c>.</summary>
    /// <param name="reason">The reason.</param>
    /// <returns>Its proto name.</returns>
    public static string Name(this ErrorReason reason) =>
        ReasonDescriptor.FindValueByNumber((int)reason)?.Name ?? reason.ToString();

    private static Google.Protobuf.Reflection.EnumDescriptor ReasonDescriptor => ErrorsReflection.Descriptor.EnumTypes[0];

    /// <summary>Bad input: <c>InvalidArgument</c> with a <c>BadRequest</c> naming the field.</summary>
    /// <param name="field">The field's proto path, e.g. <c>model.serial_number</c>.</param>
    /// <param name="description">What is wrong with it, without the field name (e.g. "is required").</param>
    /// <returns>The exception to throw.</returns>
    public static RpcException InvalidArgument(string field, string description) =>
        InvalidArgument(new BadRequest { FieldViolations = { new BadRequest.Types.FieldViolation { Field = field, Description = description } } });

    /// <summary>Bad input: <c>InvalidArgument</c> with every violation.</summary>
    /// <param name="violations">The fields at fault (at least one).</param>
    /// <returns>The exception to throw.</returns>
    public static RpcException InvalidArgument(BadRequest violations)
    {
        ArgumentNullException.ThrowIfNull(violations);
        return Build(Code.InvalidArgument, Describe(violations), Any.Pack(violations));
    }

    /// <summary>A refused command: <c>FailedPrecondition</c> with an <c>ErrorInfo</c> carrying the reason code.</summary>
    /// <param name="reason">The stable reason.</param>
    /// <param name="message">What happened, for people.</param>
    /// <param name="metadata">Ids involved (e.g. <c>turnstile_id</c>), as <c>ErrorInfo.metadata</c>.</param>
    /// <returns>The exception to throw.</returns>
    public static RpcException FailedPrecondition(ErrorReason reason, string message, params (string Key, string Value)[] metadata)
    {
        var info = new ErrorInfo { Reason = reason.Name(), Domain = Domain };
        foreach (var (key, value) in metadata) info.Metadata[key] = value;
        return Build(Code.FailedPrecondition, message, Any.Pack(info));
    }

    /// <summary>An unknown id: <c>NotFound</c>.</summary>
    /// <param name="message">Which id, for people.</param>
    /// <returns>The exception to throw.</returns>
    public static RpcException NotFound(string message) => Build(Code.NotFound, message);

    /// <summary>An id taken by something different: <c>AlreadyExists</c>.</summary>
    /// <param name="message">What differs, for people.</param>
    /// <returns>The exception to throw.</returns>
    public static RpcException AlreadyExists(string message) => Build(Code.AlreadyExists, message);

    /// <summary>What the service needs could not be reached: <c>Unavailable</c>, safe to retry.</summary>
    /// <param name="message">What could not be reached.</param>
    /// <returns>The exception to throw.</returns>
    public static RpcException Unavailable(string message) => Build(Code.Unavailable, message);

    /// <summary>The caller is not known: <c>Unauthenticated</c> (no valid user token, no calling service).</summary>
    /// <param name="message">What is missing, for people.</param>
    /// <returns>The exception to throw.</returns>
    public static RpcException Unauthenticated(string message) => Build(Code.Unauthenticated, message);

    /// <summary>The caller is known but may not do this: <c>PermissionDenied</c>.</summary>
    /// <param name="message">Who may not do what, for people.</param>
    /// <returns>The exception to throw.</returns>
    public static RpcException PermissionDenied(string message) => Build(Code.PermissionDenied, message);

    /// <summary>The reason code of a refused command; <see cref="ErrorReason.Unspecified"/> when the error carries none.</summary>
    /// <param name="error">The error a call ended with.</param>
    /// <returns>The reason.</returns>
    public static ErrorReason ReasonOf(RpcException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (error.GetRpcStatus()?.GetDetail<ErrorInfo>() is not { Domain: Domain } info) return ErrorReason.Unspecified;
        return ReasonDescriptor.FindValueByName(info.Reason) is { } value ? (ErrorReason)value.Number : ErrorReason.Unspecified;
    }

    /// <summary>The field violations of a bad-input error; empty when it carries none.</summary>
    /// <param name="error">The error a call ended with.</param>
    /// <returns>The violations.</returns>
    public static IReadOnlyList<BadRequest.Types.FieldViolation> FieldViolationsOf(RpcException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations ?? (IReadOnlyList<BadRequest.Types.FieldViolation>)[];
    }

    /// <summary>"field description; ..." (e.g. "batch_id is required") — the message of a bad-input error.</summary>
    /// <param name="violations">The violations.</param>
    /// <returns>The text.</returns>
    public static string Describe(BadRequest violations)
    {
        ArgumentNullException.ThrowIfNull(violations);
        return string.Join("; ", violations.FieldViolations.Select(v => $"{v.Field} {v.Description}"));
    }

    private static RpcException Build(Code code, string message, params Any[] details)
    {
        var status = new Status { Code = (int)code, Message = message };
        status.Details.AddRange(details);
        return status.ToRpcException();
    }
}
