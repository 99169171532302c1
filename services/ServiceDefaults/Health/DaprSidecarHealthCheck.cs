using Dapr.Client;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Mtaeda.ServiceDefaults;

/// <summary>
/// Readiness: healthy only when the Dapr sidecar reports its outbound side ready (components loaded, able to serve
/// the app's calls), through <see cref="DaprClient.CheckOutboundHealthAsync"/>, i.e.
/// <c>GET {DAPR_HTTP_ENDPOINT or http://localhost:DAPR_HTTP_PORT}/v1.0/healthz/outbound</c>. A sidecar that does not
/// answer, answers with an error, or is slower than the check's timeout makes the service not ready.
/// </summary>
/// <param name="dapr">The Dapr client; it reads <c>DAPR_HTTP_ENDPOINT</c> / <c>DAPR_HTTP_PORT</c> from configuration.</param>
public sealed class DaprSidecarHealthCheck(DaprClient dapr) : IHealthCheck
{
    /// <summary>The name the check is registered under.</summary>
    public const string Name = "dapr-sidecar";

    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            return await dapr.CheckOutboundHealthAsync(cancellationToken)
                ? HealthCheckResult.Healthy("The Dapr sidecar is ready.")
                : new HealthCheckResult(context.Registration.FailureStatus, "The Dapr sidecar did not answer GET /v1.0/healthz/outbound with success.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "The Dapr sidecar health endpoint could not be reached.", ex);
        }
    }
}
