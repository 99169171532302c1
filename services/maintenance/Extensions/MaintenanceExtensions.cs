using Mtaeda.Maintenance.Infrastructure;
using Mtaeda.ServiceDefaults;

namespace Microsoft.Extensions.Hosting;

/// <summary>The maintenance service's parts, for its <c>Program.cs</c> and for the tests that host it.</summary>
public static class MaintenanceExtensions
{
    /// <summary>The port the app listens on when <c>APP_PORT</c> is not set.</summary>
    public const int DefaultAppPort = 5105;

    /// <summary>The app port (h2c, <c>APP_PORT</c>, default <see cref="DefaultAppPort"/>) and the options (deadlines checked at start).</summary>
    /// <param name="builder">The app builder.</param>
    /// <returns>The same builder.</returns>
    public static WebApplicationBuilder AddMaintenance(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ListenOnAppPort(DefaultAppPort);
        var options = builder.Configuration.GetSection(MaintenanceOptions.SectionName).Get<MaintenanceOptions>() ?? new MaintenanceOptions();
        options.Deadlines.Validate();
        builder.Services.AddSingleton(options);
        return builder;
    }

    /// <summary>The maintenance API: not served yet (see services/maintenance/README.md).</summary>
    /// <param name="app">The app.</param>
    /// <returns>The same app.</returns>
    public static WebApplication MapMaintenanceApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app;
    }

    /// <summary>The equipment events that open maintenance requests: not subscribed yet (see services/maintenance/README.md).</summary>
    /// <param name="app">The app.</param>
    /// <returns>The same app.</returns>
    public static WebApplication MapMaintenanceEventHandlers(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app;
    }
}
