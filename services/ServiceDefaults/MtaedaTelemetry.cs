using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;

namespace Mtaeda.ServiceDefaults;

/// <summary>
/// The one <see cref="ActivitySource"/> and <see cref="Meter"/> every MTAEDA service writes its own spans and
/// instruments to. Both are named <see cref="Name"/> and are registered with OpenTelemetry by
/// <c>AddServiceDefaults()</c>; the emitting service is told apart by the resource attribute <c>service.name</c>.
/// </summary>
public static class MtaedaTelemetry
{
    /// <summary>The name of the activity source and of the meter: <c>Mtaeda</c>.</summary>
    public const string Name = "Mtaeda";

    /// <summary>Start spans for domain work here (handlers, commands, process managers).</summary>
    public static readonly ActivitySource ActivitySource = new(Name);

    /// <summary>Create the services' instruments here (passages/s, open work orders, handler latency, ...).</summary>
    public static readonly Meter Meter = new(Name);

    /// <summary>
    /// The service name reported to OpenTelemetry: the Dapr app-id (<c>APP_ID</c>, which the Dapr CLI and the
    /// local runner both set) or, without one, the application name.
    /// </summary>
    /// <param name="configuration">The application's configuration.</param>
    /// <param name="applicationName">The host's application name, used when there is no <c>APP_ID</c>.</param>
    /// <returns>The service name.</returns>
    public static string ServiceName(IConfiguration configuration, string applicationName)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var appId = configuration["APP_ID"];
        return string.IsNullOrWhiteSpace(appId) ? applicationName : appId;
    }
}
