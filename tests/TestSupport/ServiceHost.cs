using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Mtaeda.Testing;

/// <summary>
/// Builds a service in the test process the way its <c>Program.cs</c> does (the skeleton every service follows):
/// <c>AddServiceDefaults()</c>, the service's own <c>Add…()</c>, <c>Build()</c>, <c>MapDefaultEndpoints()</c>, the
/// service's own <c>Map…()</c>. Tests pass the service's extension methods and never copy its <c>Program.cs</c>; start it
/// beside a sidecar with <see cref="LocalRuntime.StartAsync"/>.
/// </summary>
public static class ServiceHost
{
    /// <summary>Builds the app.</summary>
    /// <param name="args">Command-line arguments (the ports <see cref="LocalRuntime.StartAsync"/> chose).</param>
    /// <param name="add">The service's <c>Add…</c> (e.g. <c>b =&gt; b.AddGateway()</c>).</param>
    /// <param name="map">The service's <c>Map…</c> calls (its API and its event handlers).</param>
    /// <param name="settings">More configuration, over the arguments.</param>
    /// <param name="environment">The hosting environment.</param>
    /// <param name="applicationName">The application's name (the service's assembly name).</param>
    /// <returns>The app, not started.</returns>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder> add, Action<WebApplication> map,
        IReadOnlyDictionary<string, string?>? settings = null, string environment = "Development", string? applicationName = null)
    {
        ArgumentNullException.ThrowIfNull(add);
        ArgumentNullException.ThrowIfNull(map);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            EnvironmentName = environment,
            ApplicationName = applicationName,
            ContentRootPath = AppContext.BaseDirectory,
        });
        if (settings is not null) builder.Configuration.AddInMemoryCollection(settings);
        builder.AddServiceDefaults();
        add(builder);
        var app = builder.Build();
        app.MapDefaultEndpoints();
        map(app);
        return app;
    }
}
