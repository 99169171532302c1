using System.Net;
using System.Text.Json;
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

/// <summary>Turns a service's refusal into the words to show: the google.rpc.Status message and its field violations (gRPC), or the problem details (HTTP).</summary>
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

    /// <summary>The message of an HTTP problem details body (RFC 9457), with its field errors.</summary>
    /// <param name="status">The HTTP status.</param>
    /// <param name="body">The response body.</param>
    /// <returns>The text.</returns>
    public static string OfProblem(HttpStatusCode status, string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            string? Text(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            var message = Text("detail") ?? Text("title") ?? Text("message") ?? $"{(int)status} {status}";
            if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
            {
                var fields = errors.EnumerateObject().Select(f => $"{f.Name}: {string.Join(", ", f.Value.ValueKind == JsonValueKind.Array ? f.Value.EnumerateArray().Select(e => e.ToString()) : [f.Value.ToString()])}");
                message = $"{message} ({string.Join("; ", fields)})";
            }
            return message;
        }
        catch (JsonException)
        {
            return body.Length > 0 ? body : $"{(int)status} {status}";
        }
    }
}
