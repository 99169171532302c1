using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mtaeda.ServiceDefaults;

/// <summary>
/// The management listener: when <c>MANAGEMENT_PORT</c> is set, the app also listens on that port, on every address, with
/// HTTP/1.1 (what kubelet probes and Prometheus scrapes speak; the app port of a service speaks only HTTP/2), and serves
/// there only <see cref="DefaultEndpoints.LivenessPath"/>, <see cref="DefaultEndpoints.ReadinessPath"/> and
/// <see cref="DefaultEndpoints.MetricsPath"/> (GET or HEAD), without the Dapr app token; anything else on that port gets 404
/// (405 for another method). The app port is unchanged. Unset (local runs), nothing is opened.
/// </summary>
public static class ManagementPort
{
    /// <summary>The configuration key (and environment variable) of the port: <c>MANAGEMENT_PORT</c>.</summary>
    public const string ConfigurationKey = "MANAGEMENT_PORT";

    /// <summary>The paths served on the management port.</summary>
    public static IReadOnlyList<string> Paths { get; } = [DefaultEndpoints.LivenessPath, DefaultEndpoints.ReadinessPath, DefaultEndpoints.MetricsPath];

    /// <summary>
    /// Opens the management listener when <c>MANAGEMENT_PORT</c> is set (see <see cref="ManagementPort"/>). Called by
    /// <see cref="DaprSidecar.ListenOnAppPort"/> for the services, and by the dashboard.
    /// </summary>
    /// <param name="builder">The app builder.</param>
    /// <param name="appPort">The app port, which the management port must not be.</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="InvalidOperationException"><c>MANAGEMENT_PORT</c> is not a port number, or is the app port.</exception>
    public static WebApplicationBuilder ListenOnManagementPort(this WebApplicationBuilder builder, int appPort)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (Port(builder) is not { } port) return builder;
        if (port == appPort) throw new InvalidOperationException($"{ConfigurationKey} must differ from the app port ({appPort})");
        builder.Services.TryAddSingleton(new ManagementPortBinding(port));
        builder.Services.TryAddEnumerable(ServiceDescriptor.Transient<IStartupFilter, ManagementPortGuard>());
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenAnyIP(port, listen => listen.Protocols = HttpProtocols.Http1));
        return builder;
    }

    /// <summary>
    /// Maps <see cref="DefaultEndpoints.LivenessPath"/> (the checks tagged <see cref="DefaultEndpoints.LiveTag"/>) and
    /// <see cref="DefaultEndpoints.ReadinessPath"/> (tagged <see cref="DefaultEndpoints.ReadyTag"/>), open to anonymous callers.
    /// </summary>
    /// <param name="endpoints">The app.</param>
    /// <returns>The same app.</returns>
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapHealthChecks(DefaultEndpoints.LivenessPath, new HealthCheckOptions
        {
            Predicate = registration => registration.Tags.Contains(DefaultEndpoints.LiveTag),
        }).AllowAnonymous();
        endpoints.MapHealthChecks(DefaultEndpoints.ReadinessPath, new HealthCheckOptions
        {
            Predicate = registration => registration.Tags.Contains(DefaultEndpoints.ReadyTag),
        }).AllowAnonymous();
        return endpoints;
    }

    /// <summary>
    /// Maps <see cref="DefaultEndpoints.MetricsPath"/> for the management port alone: for an app whose app port faces
    /// browsers (the dashboard), where the metrics must not be served. Nothing is mapped without a management port.
    /// </summary>
    /// <param name="app">The app.</param>
    /// <returns>The same app.</returns>
    public static WebApplication MapManagementMetrics(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (app.Services.GetService<ManagementPortBinding>() is not { } binding) return app;
        app.MapPrometheusScrapingEndpoint(DefaultEndpoints.MetricsPath)
            .AllowAnonymous()
            .AddEndpointFilter(async (context, next) =>
                context.HttpContext.Connection.LocalPort == binding.Port ? await next(context) : Results.NotFound());
        return app;
    }

    private static int? Port(WebApplicationBuilder builder)
    {
        var text = builder.Configuration[ConfigurationKey];
        if (string.IsNullOrWhiteSpace(text)) return null;
        return int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535
            ? port
            : throw new InvalidOperationException($"{ConfigurationKey} '{text}' is not a port number (1-65535)");
    }
}

/// <summary>The port <see cref="ManagementPort.ListenOnManagementPort"/> listens on.</summary>
/// <param name="Port">The management port.</param>
internal sealed record ManagementPortBinding(int Port);

/// <summary>
/// The first step of every request on the management port, ahead of routing and of the app-token check: only the
/// management paths, read-only; everything else the app serves stays off that port.
/// </summary>
internal sealed class ManagementPortGuard(ManagementPortBinding binding) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, nextStep) =>
        {
            if (context.Connection.LocalPort != binding.Port)
            {
                await nextStep(context);
                return;
            }
            if (!ManagementPort.Paths.Any(path => context.Request.Path.Equals(path, StringComparison.OrdinalIgnoreCase)))
            {
                await Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found",
                    detail: $"the management port serves only {string.Join(", ", ManagementPort.Paths)}").ExecuteAsync(context);
                return;
            }
            if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
            {
                context.Response.Headers.Allow = "GET, HEAD";
                await Results.Problem(statusCode: StatusCodes.Status405MethodNotAllowed, title: "Method not allowed").ExecuteAsync(context);
                return;
            }
            await nextStep(context);
        });
        next(app);
    };
}
