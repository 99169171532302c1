using Mtaeda.Contracts;
using Mtaeda.Contracts.Stations.V1;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Equipment.Handlers;

/// <summary>The integration events equipment subscribes to, one handler class per event.</summary>
public static class EventHandlers
{
    /// <summary>Registers the handler classes.</summary>
    /// <param name="services">The services.</param>
    /// <returns>The same services.</returns>
    public static IServiceCollection AddEquipmentEventHandlers(this IServiceCollection services)
    {
        services.AddSingleton<StationClosedHandler>();
        return services;
    }

    /// <summary>
    /// Subscribes: <c>StationClosed</c> on the stations topic, and acknowledges the topic's other events (equipment needs
    /// none of them).
    /// </summary>
    /// <param name="app">The app's endpoints.</param>
    /// <returns>The same endpoints.</returns>
    public static IEndpointRouteBuilder MapEquipmentEventHandlers(this IEndpointRouteBuilder app)
    {
        app.MapIntegrationEvent<StationClosed>(Topics.Stations, (closed, context, cancellationToken) =>
            context.Http.RequestServices.GetRequiredService<StationClosedHandler>().HandleAsync(closed, context, cancellationToken))
            .RequireDapr();
        app.MapOtherIntegrationEvents(Topics.Stations).RequireDapr();
        return app;
    }
}
