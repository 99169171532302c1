using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Mtaeda.ServiceDefaults.Callers;

namespace Microsoft.Extensions.Hosting;

/// <summary>How a service states who may call each of its RPCs.</summary>
public static class CallerExtensions
{
    /// <summary>The configuration key of the user-facing apps (default <c>dashboard</c>).</summary>
    public const string UserFacingAppsKey = "Callers:UserFacingApps";

    /// <summary>
    /// Enforces the per-RPC rule <paramref name="configure"/> writes on the service's gRPC API (and its JSON transcoding)
    /// with the <see cref="CallerInterceptor"/>, inside the <c>ErrorInterceptor</c>; users' bearer tokens are validated by a
    /// JwtBearer scheme configured from <c>Hub</c> (<see cref="UserTokenOptions"/>), the issuer the notifications hub trusts.
    /// Without <c>Hub:Authority</c> no user can be authenticated: only services' calls the rules allow pass.
    /// </summary>
    /// <typeparam name="TBuilder">The host builder type.</typeparam>
    /// <param name="builder">The host builder.</param>
    /// <param name="configure">Writes the rules.</param>
    /// <returns>The same builder.</returns>
    public static TBuilder AddCallerRules<TBuilder>(this TBuilder builder, Action<CallerRules> configure)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var rules = new CallerRules();
        configure(rules);
        if (builder.Configuration.GetSection(UserFacingAppsKey).Get<string[]>() is { Length: > 0 } apps) rules.WithUserFacingApps(apps);
        rules.Validate();
        var options = builder.Configuration.GetSection(UserTokenOptions.SectionName).Get<UserTokenOptions>() ?? new UserTokenOptions();
        var enabled = !string.IsNullOrWhiteSpace(options.Authority);
        builder.Services.AddSingleton(rules);
        builder.Services.AddSingleton(new UserTokenSettings(enabled));
        if (enabled) builder.Services.AddAuthentication().AddJwtBearer(UserTokens.Scheme, jwt => UserTokens.Configure(jwt, options));
        // After every Configure: the ErrorInterceptor (AddGrpcApi) stays outermost and finishes this one's refusals.
        builder.Services.PostConfigure<GrpcServiceOptions>(grpc => grpc.Interceptors.Add<CallerInterceptor>());
        return builder;
    }
}
