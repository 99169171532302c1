using System.Reflection;
using Microsoft.AspNetCore.Builder;

namespace Mtaeda.Testing;

/// <summary>
/// A service's app builder for <see cref="LocalRuntime.StartAsync"/>, made by <see cref="ServiceHost.Build"/> from the
/// same <c>Add…</c>/<c>Map…</c> methods of the service's <c>Extensions/</c> that its <c>Program.cs</c> calls.
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
        return args => ServiceHost.Build(args, add, map, applicationName: service.GetName().Name);
    }
}
