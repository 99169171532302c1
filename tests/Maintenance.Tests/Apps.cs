using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;

namespace Mtaeda.Maintenance.Tests;

/// <summary>The apps these tests run, built from the same methods as their <c>Program.cs</c>.</summary>
internal static class Apps
{
    /// <summary>The maintenance app.</summary>
    public static readonly Func<string[], WebApplication> Maintenance = ServiceApp.Of(typeof(MaintenanceExtensions).Assembly,
        builder => builder.AddMaintenance(),
        app => app.MapMaintenanceApi().MapMaintenanceEventHandlers());

    /// <summary>The scheduling app.</summary>
    public static readonly Func<string[], WebApplication> Scheduling = ServiceApp.Of(typeof(SchedulingExtensions).Assembly,
        builder => builder.AddScheduling(),
        app => app.MapSchedulingApi().MapSchedulingEventHandlers());

    /// <summary>The scheduling app, trusting the tokens <paramref name="issuer"/> signs (signed-in users' calls).</summary>
    /// <param name="issuer">The test's token issuer.</param>
    /// <returns>The app's builder.</returns>
    public static Func<string[], WebApplication> SchedulingTrusting(TestIssuer issuer) => args => Scheduling([.. args, .. issuer.AppArgs]);
}
