using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;

namespace Microsoft.Extensions.Hosting;

/// <summary>The default resilience pipeline for outbound HTTP.</summary>
public static class ResilienceExtensions
{
    /// <summary>The configuration section the standard pipeline's options are bound from.</summary>
    public const string SectionName = "HttpResilience";

    /// <summary>
    /// Puts every <see cref="HttpClient"/> made by <see cref="IHttpClientFactory"/> behind the standard resilience
    /// pipeline of <c>Microsoft.Extensions.Http.Resilience</c> (rate limiter, total timeout, retry, circuit breaker,
    /// attempt timeout), bound from the <c>HttpResilience</c> section. Retries are limited to safe methods (GET, HEAD,
    /// OPTIONS, TRACE), since a repeated POST may not be idempotent. Calls through the Dapr sidecar (<c>DaprClient</c>)
    /// are governed by Dapr's resiliency policies instead. Called by <c>AddServiceDefaults()</c>.
    /// </summary>
    /// <typeparam name="TBuilder">The host builder type.</typeparam>
    /// <param name="builder">The host builder.</param>
    /// <returns>The same builder.</returns>
    public static TBuilder AddDefaultHttpClientResilience<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var section = builder.Configuration.GetSection(SectionName);
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            var pipeline = http.AddStandardResilienceHandler();
            if (section.Exists()) pipeline.Configure(section);
            pipeline.Configure(options => options.Retry.DisableForUnsafeHttpMethods());
        });
        return builder;
    }
}
