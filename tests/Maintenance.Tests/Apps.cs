using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;

namespace Mtaeda.Maintenance.Tests;

/// <summary>The apps these tests run, built from the same methods as their <c>Program.cs</c> (scheduling: <c>SchedulingApp</c>, from Scheduling.Tests).</summary>
internal static class Apps
{
    /// <summary>The maintenance app.</summary>
    public static readonly Func<string[], WebApplication> Maintenance = ServiceApp.Of(typeof(MaintenanceExtensions).Assembly,
        builder => builder.AddMaintenance(),
        app => app.MapMaintenanceApi().MapMaintenanceEventHandlers());
}
