using Microsoft.AspNetCore.Http;

namespace Mtaeda.ServiceDefaults;

/// <summary>Reads CloudEvent attributes of a request delivered by the Dapr sidecar.</summary>
public static class CloudEventHttpRequestExtensions
{
    /// <summary>
    /// The header in which Dapr.AspNetCore's CloudEvents middleware forwards the event id when
    /// <c>ForwardCloudEventPropertiesAsHeaders</c> is on (as <c>MapDefaultEndpoints()</c> sets it).
    /// </summary>
    public const string ForwardedIdHeader = "Cloudevent.id";

    /// <summary>The header carrying the id of a CloudEvent in HTTP binary content mode.</summary>
    public const string BinaryModeIdHeader = "ce-id";

    /// <summary>
    /// The id of the CloudEvent this request delivers: from the structured-mode envelope (forwarded by the
    /// CloudEvents middleware as <see cref="ForwardedIdHeader"/>) or from the binary-mode <c>ce-id</c> header;
    /// <see langword="null"/> when the request carries no CloudEvent (for example a raw-payload subscription).
    /// </summary>
    /// <param name="request">The request.</param>
    /// <returns>The CloudEvent id, or <see langword="null"/>.</returns>
    public static string? CloudEventId(this HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var id = request.Headers[ForwardedIdHeader].ToString();
        if (string.IsNullOrEmpty(id))
        {
            id = request.Headers[BinaryModeIdHeader].ToString();
        }

        return string.IsNullOrEmpty(id) ? null : id;
    }
}
