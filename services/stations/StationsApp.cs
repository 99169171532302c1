using Microsoft.AspNetCore.Builder;

namespace Mtaeda.Stations;

/// <summary>The stations service, as Program.cs runs it and the integration tests host it.</summary>
public static class StationsApp
{
    /// <summary>Builds the app: service defaults, the Station actor, the gRPC API and the equipment event handlers.</summary>
    /// <param name="args">Command-line arguments (configuration such as <c>--APP_PORT=5101</c>).</param>
    /// <returns>The app, not started.</returns>
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ApplicationName = typeof(StationsApp).Assembly.GetName().Name });

        builder.AddServiceDefaults();
        builder.AddApplicationServices();

        var app = builder.Build();

        app.MapDefaultEndpoints();
        app.MapStationActors();
        app.MapStationsApiV1();
        app.MapStationsEventHandlers();

        return app;
    }
}
