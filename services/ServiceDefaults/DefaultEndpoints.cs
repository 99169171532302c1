namespace Mtaeda.ServiceDefaults;

/// <summary>The paths <c>MapDefaultEndpoints()</c> serves; none of them requires the Dapr app token.</summary>
public static class DefaultEndpoints
{
    /// <summary>Liveness: 200 while the process is up. Point the Kubernetes liveness probe here.</summary>
    public const string LivenessPath = "/healthz";

    /// <summary>
    /// Readiness: 200 only while the Dapr sidecar answers <c>GET /v1.0/healthz/outbound</c>, 503 otherwise.
    /// Point the Kubernetes readiness probe here.
    /// </summary>
    public const string ReadinessPath = "/readyz";

    /// <summary>The Prometheus scrape endpoint (text exposition format).</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>Health-check tag for checks that decide liveness.</summary>
    public const string LiveTag = "live";

    /// <summary>Health-check tag for checks that decide readiness; add it to a service's own readiness checks.</summary>
    public const string ReadyTag = "ready";
}
