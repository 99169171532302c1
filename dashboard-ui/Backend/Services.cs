
namespace Mtaeda.Dashboard.Backend;

/// <summary>
/// The generated gRPC clients of the services the dashboard reads, each through the dashboard's own sidecar
/// (<c>DAPR_GRPC_PORT</c>) with <c>dapr-app-id</c> naming the service and <c>dapr-api-token</c> from <c>DAPR_API_TOKEN</c>.
/// </summary>
/// <param name="Stations">stations.</param>
/// <param name="Equipment">equipment.</param>
/// <param name="Ridership">ridership.</param>
/// <param name="Scheduling">scheduling (work orders, technicians).</param>
/// <param name="Maintenance">maintenance (requests of a device).</param>
/// <param name="Notifications">notifications (alerts, configurations, deliveries).</param>
/// <param name="Passengers">passengers (the supervisors' passenger look-up).</param>
/// <param name="Identification">identification (the image crop of a watch-list match, for supervisors).</param>
public sealed record Services(
    Contracts.Stations.V1.Stations.StationsClient Stations,
    Contracts.Equipment.V1.Equipment.EquipmentClient Equipment,
    Contracts.Ridership.V1.Ridership.RidershipClient Ridership,
    Contracts.Scheduling.V1.Scheduling.SchedulingClient Scheduling,
    Contracts.Maintenance.V1.Maintenance.MaintenanceClient Maintenance,
    Contracts.Notifications.V1.Notifications.NotificationsClient Notifications,
    Contracts.Passengers.V1.Passengers.PassengersClient Passengers,
    Contracts.Identification.V1.Identification.IdentificationClient Identification)
{
    /// <summary>
    /// The clients through the sidecar that <paramref name="configuration"/> names. Every call without a deadline of its own
    /// gets <c>Dashboard:CallTimeoutSeconds</c> (10 s): a service that hangs is reported unreachable, not waited for.
    /// </summary>
    /// <param name="configuration">The app's configuration (DAPR_GRPC_PORT, DAPR_API_TOKEN).</param>
    /// <returns>The clients.</returns>
    public static Services ThroughSidecar(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var timeout = TimeSpan.FromSeconds(configuration.GetValue("Dashboard:CallTimeoutSeconds", 10.0));
        Grpc.Core.CallInvoker Invoker(string appId) => Grpc.Core.Interceptors.CallInvokerExtensions.Intercept(
            ServiceDefaults.DaprSidecar.InvokerFor(configuration, appId), new DefaultDeadline(timeout));
        return new(
            new(Invoker("stations")),
            new(Invoker("equipment")),
            new(Invoker("ridership")),
            new(Invoker("scheduling")),
            new(Invoker("maintenance")),
            new(Invoker("notifications")),
            new(Invoker("passengers")),
            new(Invoker("identification")));
    }
}

/// <summary>Gives a unary call without a deadline one <paramref name="timeout"/> from now.</summary>
/// <param name="timeout">How long a call may take.</param>
internal sealed class DefaultDeadline(TimeSpan timeout) : Grpc.Core.Interceptors.Interceptor
{
    /// <inheritdoc/>
    public override Grpc.Core.AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, Grpc.Core.Interceptors.ClientInterceptorContext<TRequest, TResponse> context, Grpc.Core.Interceptors.Interceptor.AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        if (context.Options.Deadline is null)
        {
            context = new(context.Method, context.Host, context.Options.WithDeadline(DateTime.UtcNow + timeout));
        }
        return continuation(request, context);
    }
}
