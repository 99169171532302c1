using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Mtaeda.ServiceDefaults;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>OpenTelemetry traces, metrics and logs for an MTAEDA service.</summary>
public static class TelemetryExtensions
{
    /// <summary>
    /// Configures OpenTelemetry: traces (ASP.NET Core, HttpClient, gRPC client and the <c>Mtaeda</c> source), metrics
    /// (ASP.NET Core, HttpClient, .NET runtime and the <c>Mtaeda</c> meter, served for Prometheus at <c>/metrics</c>
    /// by <c>MapDefaultEndpoints()</c>) and logs. Everything is exported over OTLP only when
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is configured. Probe and scrape requests are left out of the traces.
    /// </summary>
    /// <typeparam name="TBuilder">The host builder type.</typeparam>
    /// <param name="builder">The host builder.</param>
    /// <returns>The same builder.</returns>
    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var serviceName = MtaedaTelemetry.ServiceName(builder.Configuration, builder.Environment.ApplicationName);

        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddMeter("System.Runtime")
                .AddMeter(MtaedaTelemetry.Name)
                .AddPrometheusExporter())
            .WithTracing(tracing => tracing
                .AddSource(MtaedaTelemetry.Name)
                .AddAspNetCoreInstrumentation(options => options.Filter = context => !IsProbeOrScrape(context.Request.Path))
                .AddHttpClientInstrumentation(options => options.FilterHttpRequestMessage = request => !IsSidecarHealthCall(request))
                .AddGrpcClientInstrumentation());

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            otel.UseOtlpExporter();
        }

        return builder;
    }

    private static bool IsProbeOrScrape(PathString path) =>
        path.StartsWithSegments(DefaultEndpoints.LivenessPath)
        || path.StartsWithSegments(DefaultEndpoints.ReadinessPath)
        || path.StartsWithSegments(DefaultEndpoints.MetricsPath);

    // The readiness probe asks the sidecar every few seconds; those calls would drown the real traces.
    private static bool IsSidecarHealthCall(HttpRequestMessage request) =>
        request.RequestUri?.AbsolutePath.StartsWith("/v1.0/healthz", StringComparison.Ordinal) == true;
}
