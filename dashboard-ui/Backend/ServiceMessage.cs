using Grpc.Core;
using Mtaeda.Contracts;

namespace Mtaeda.Dashboard.Backend;

/// <summary>A command a service (or the dashboard's own rule) refused, with the message to show.</summary>
/// <param name="message">The service's own message.</param>
public sealed class CommandRefusedException(string message) : Exception(message);

/// <summary>A service that did not answer (down, or its sidecar away).</summary>
/// <param name="service">The app id.</param>
/// <param name="inner">What failed.</param>
public sealed class ServiceUnreachableException(string service, Exception inner) : Exception($"{service} is unreachable", inner)
{
    /// <summary>The app id.</summary>
    public string Service { get; } = service;
}

/// <summary>Turns a service's refusal into the words to show: the google.rpc.Status message and its field violations.</summary>
public static class ServiceMessage
{
    /// <summary>The status codes that mean "not reachable now", not "refused".</summary>
    /// <param name="code">A gRPC status code.</param>
    /// <returns>True for Unavailable, DeadlineExceeded, Internal and Unknown.</returns>
    public static bool IsUnreachable(StatusCode code) => code is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Unknown;

    /// <summary>The message of a gRPC refusal.</summary>
    /// <param name="error">The error.</param>
    /// <returns>The text.</returns>
    public static string Of(RpcException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var status = error.GetRpcStatus();
        var message = status?.Message is { Length: > 0 } m ? m : error.Status.Detail;
        var violations = Errors.FieldViolationsOf(error);
        return violations.Count == 0 ? message : $"{message} ({string.Join("; ", violations.Select(v => $"{v.Field}: {v.Description}"))})";
    }
}
