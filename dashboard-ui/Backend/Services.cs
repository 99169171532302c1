
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
public sealed record Services(
    Contracts.Stations.V1.Stations.StationsClient Stations,
    Contracts.Equipment.V1.Equipment.EquipmentClient Equipment,
    Contracts.Ridership.V1.Ridership.RidershipClient Ridership,
    Contracts.Scheduling.V1.Scheduling.SchedulingClient Scheduling,
    Contracts.Maintenance.V1.Maintenance.MaintenanceClient Maintenance)
{
    /// <summary>The clients through the sidecar that <paramref name="configuration"/> names.</summary>
    /// <param name="configuration">The app's configuration (DAPR_GRPC_PORT, DAPR_API_TOKEN).</param>
    /// <returns>The clients.</returns>
    public static Services ThroughSidecar(IConfiguration configuration)
    {
        Grpc.Core.CallInvoker Invoker(string appId) => ServiceDefaults.DaprSidecar.InvokerFor(configuration, appId);
        return new(
            new(Invoker("stations")),
            new(Invoker("equipment")),
            new(Invoker("ridership")),
            new(Invoker("scheduling")),
            new(Invoker("maintenance")));
    }
}
