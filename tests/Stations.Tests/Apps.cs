using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;

namespace Mtaeda.Stations.Tests;

/// <summary>The apps these tests run, built from the same methods as <c>Program.cs</c>.</summary>
internal static class Apps
{
    /// <summary>The stations app.</summary>
    public static readonly Func<string[], WebApplication> Stations = ServiceApp.Of(typeof(StationsExtensions).Assembly,
        builder => builder.AddStations(), app => app.MapStationsApi().MapStationsEventHandlers());
}
