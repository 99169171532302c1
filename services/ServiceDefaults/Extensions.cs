using Dapr;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Mtaeda.ServiceDefaults;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The defaults every MTAEDA service starts from, in the style of .NET Aspire / eShop ServiceDefaults (the whole
/// shape is in services/README.md):
/// <code>
/// var builder = WebApplication.CreateBuilder(args);
/// builder.AddServiceDefaults();
/// builder.AddStations();
/// var app = builder.Build();
/// app.MapDefaultEndpoints();
/// app.MapStationsApi();
/// app.MapStationsEventHandlers();
/// app.Run();
/// </code>
/// </summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>
    /// Adds OpenTelemetry (traces, metrics, logs; OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set; Prometheus),
    /// health checks (liveness, and readiness = the Dapr sidecar answers), the Dapr client, the Dapr app-token check
    /// (when <c>APP_API_TOKEN</c> is set), problem+json errors, a Polly resilience pipeline on every outbound
    /// <see cref="HttpClient"/> from <see cref="IHttpClientFactory"/>, and the CloudEvent idempotency guard.
    /// </summary>
    /// <typeparam name="TBuilder">The host builder type.</typeparam>
    /// <param name="builder">The host builder.</param>
    /// <returns>The same builder.</returns>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.AddDefaultProblemDetails();
        builder.AddDaprAppTokenAuthentication();

        // Reads DAPR_HTTP_ENDPOINT / DAPR_GRPC_ENDPOINT / the ports and DAPR_API_TOKEN from configuration. The gRPC channel
        // reconnects within a second or two: an app may start before its sidecar listens (daprd starts beside it, and
        // restarts), and with gRPC's default back-off (up to two minutes) every call in between fails at once with
        // "Error connecting to subchannel".
        builder.Services.AddDaprClient((_, client) => client.UseGrpcChannelOptions(new Grpc.Net.Client.GrpcChannelOptions
        {
            ThrowOperationCanceledOnCancellation = true,
            InitialReconnectBackoff = TimeSpan.FromMilliseconds(100),
            MaxReconnectBackoff = TimeSpan.FromSeconds(2),
        }));

        // Retries, timeouts and a circuit breaker for HttpClients made by IHttpClientFactory. Calls through the
        // sidecar (DaprClient, invocation) are governed by Dapr's resiliency policies instead, not by this.
        builder.AddDefaultHttpClientResilience();

        builder.AddIdempotencyGuard();
        builder.Services.AddSingleton<EventSubscriptions>();
        return builder;
    }

    /// <summary>
    /// Registers the liveness check (<c>self</c>, tag <see cref="DefaultEndpoints.LiveTag"/>) and the readiness check
    /// <see cref="DaprSidecarHealthCheck"/> (tag <see cref="DefaultEndpoints.ReadyTag"/>, 5 s timeout). Called by
    /// <c>AddServiceDefaults()</c>; add a service's own readiness checks with the <c>ready</c> tag.
    /// </summary>
    /// <typeparam name="TBuilder">The host builder type.</typeparam>
    /// <param name="builder">The host builder.</param>
    /// <returns>The same builder.</returns>
    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [DefaultEndpoints.LiveTag])
            .AddCheck<DaprSidecarHealthCheck>(DaprSidecarHealthCheck.Name, HealthStatus.Unhealthy, [DefaultEndpoints.ReadyTag], TimeSpan.FromSeconds(5));
        return builder;
    }

    /// <summary>
    /// Sets up the request pipeline and the default endpoints. Call it right after <c>builder.Build()</c>, before
    /// mapping the service's own endpoints. In order:
    /// <list type="bullet">
    /// <item><description>the exception handler (problem+json) and status-code pages (empty 4xx/5xx become problem+json);</description></item>
    /// <item><description>Dapr's CloudEvents middleware (<c>UseCloudEvents</c>), forwarding the envelope's attributes
    /// as headers (<c>Cloudevent.id</c>, read by <c>HttpRequest.CloudEventId()</c>); it runs before routing so that
    /// endpoints see the event's <c>datacontenttype</c>, not <c>application/cloudevents+json</c>;</description></item>
    /// <item><description>routing, then problem+json for the errors of gRPC calls made over HTTP (<see cref="TranscodedProblemDetails"/>);</description></item>
    /// <item><description>authentication and authorization (the Dapr app token, see <c>RequireDapr()</c>);</description></item>
    /// <item><description><c>/healthz</c> (liveness), <c>/readyz</c> (readiness), <c>/metrics</c> (Prometheus) and
    /// <c>/dapr/subscribe</c> (the subscriptions made with <c>MapEventHandler</c>, see <see cref="EventSubscriptions"/>); none of them requires the token
    /// but <c>/metrics</c> and <c>/dapr/subscribe</c> on the app port. With <c>MANAGEMENT_PORT</c> set, the first three are also served on the
    /// management port (HTTP/1.1, no token; see <see cref="ManagementPort"/>).</description></item>
    /// </list>
    /// </summary>
    /// <param name="app">The application.</param>
    /// <returns>The same application.</returns>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseCloudEvents(new CloudEventsMiddlewareOptions { ForwardCloudEventPropertiesAsHeaders = true });
        app.UseRouting();
        app.UseTranscodedProblemDetails();
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapHealthEndpoints();
        app.MapPrometheusScrapingEndpoint(DefaultEndpoints.MetricsPath);
        app.MapGet("/dapr/subscribe", (EventSubscriptions subscriptions) => Results.Json(subscriptions.ToDapr()));
        return app;
    }
}
