using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;

namespace Mtaeda.Testing;

/// <summary>
/// Builds a service's app in a test exactly as its <c>Program.cs</c> does, from the same <c>Add…</c>/<c>Map…</c>
/// methods of its <c>Extensions/</c>: service defaults, the service's parts, the default endpoints, its API and its event
/// handlers; no copy of <c>Program.cs</c>.
/// </summary>
public static class ServiceApp
{
    /// <summary>A builder for <see cref="LocalRuntime.StartAsync"/>.</summary>
    /// <param name="service">The service's assembly (its application name).</param>
    /// <param name="add">The service's <c>Add…()</c>, e.g. <c>builder =&gt; builder.AddEquipment()</c>.</param>
    /// <param name="map">Its <c>Map…Api()</c> and <c>Map…EventHandlers()</c>.</param>
    /// <returns>Builds the app from command-line arguments (the ports, as configuration).</returns>
    public static Func<string[], WebApplication> Of(Assembly service, Action<WebApplicationBuilder> add, Action<WebApplication> map)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(add);
        ArgumentNullException.ThrowIfNull(map);
        return args =>
        {
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ApplicationName = service.GetName().Name });
            builder.AddServiceDefaults();
            add(builder);
            var app = builder.Build();
            app.MapDefaultEndpoints();
            map(app);
            return app;
        };
    }
}
