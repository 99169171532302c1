using Microsoft.AspNetCore.Builder;

namespace Mtaeda.Ridership;

/// <summary>The ridership service, as Program.cs runs it and the integration tests host it.</summary>
public static class RidershipApp
{
    /// <summary>Builds the app: service defaults, the PassagesRecorded handler and the queries (gRPC and HTTP JSON).</summary>
    /// <param name="args">Command-line arguments (configuration such as <c>--APP_PORT=5104</c>).</param>
    /// <returns>The app, not started.</returns>
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ApplicationName = typeof(RidershipApp).Assembly.GetName().Name });

        builder.AddServiceDefaults();
        builder.AddApplicationServices();

        var app = builder.Build();

        app.MapDefaultEndpoints();
        app.MapRidershipApiV1();
        app.MapRidershipEventHandlers();

        return app;
    }
}
