using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Mtaeda.ServiceDefaults;

namespace Microsoft.Extensions.Hosting;

/// <summary>Registration of the CloudEvent idempotency guard.</summary>
public static class IdempotencyServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IIdempotencyGuard"/> (<see cref="IdempotencyGuard"/> on the Dapr state API) with
    /// <see cref="IdempotencyOptions"/> bound from the <c>Idempotency</c> configuration section. Needs a
    /// <c>DaprClient</c> (<c>AddServiceDefaults()</c> registers one). Called by <c>AddServiceDefaults()</c>.
    /// </summary>
    /// <typeparam name="TBuilder">The host builder type.</typeparam>
    /// <param name="builder">The host builder.</param>
    /// <returns>The same builder.</returns>
    public static TBuilder AddIdempotencyGuard<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<IdempotencyOptions>().BindConfiguration(IdempotencyOptions.SectionName);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<IIdempotencyGuard, IdempotencyGuard>();
        return builder;
    }
}
