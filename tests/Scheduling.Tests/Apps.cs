using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Mtaeda.Testing;

namespace Mtaeda.Scheduling.Tests;

/// <summary>The apps these tests run, built from the same methods as <c>Program.cs</c>.</summary>
internal static class Apps
{
    /// <summary>The scheduling app.</summary>
    public static readonly Func<string[], WebApplication> Scheduling = ServiceApp.Of(typeof(SchedulingExtensions).Assembly,
        builder => builder.AddScheduling(),
        app => app.MapSchedulingApi().MapSchedulingEventHandlers());
}
