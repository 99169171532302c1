using Dapr.Client;
using Grpc.Core;
using Mtaeda.Contracts.Common.V1;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Contracts.Stations.V1;
using EquipmentApi = Mtaeda.Contracts.Equipment.V1.Equipment;
using StationsApi = Mtaeda.Contracts.Stations.V1.Stations;

namespace Mtaeda.Simulator;

/// <summary>
/// Registers the network's stations and installs its turnstiles through the simulator's own Dapr sidecar
/// (<c>DAPR_GRPC_PORT</c>), idempotently: AlreadyExists counts as done. Calls are retried while the services are not
/// reachable yet, and an installation is retried while equipment does not know the station yet (it learns stations
/// from their events).
/// </summary>
internal static class Provisioner
{
    private const int Parallelism = 8;

    public static async Task<bool> RunAsync(IReadOnlyList<StationSpec> network, string daprGrpcEndpoint, string? apiToken, TimeSpan timeout, TextWriter log, CancellationToken cancellationToken)
    {
        var stations = new StationsApi.StationsClient(DaprClient.CreateInvocationInvoker("stations", daprGrpcEndpoint, apiToken));
        var equipment = new EquipmentApi.EquipmentClient(DaprClient.CreateInvocationInvoker("equipment", daprGrpcEndpoint, apiToken));
        var deadline = DateTime.UtcNow + timeout;
        var options = new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken };
        var failures = 0;

        await Parallel.ForEachAsync(network, options, async (station, token) =>
        {
            var request = new RegisterStationRequest
            {
                StationId = station.StationId,
                Name = station.Name,
                Address = new StationAddress { StreetAddress = $"{station.StationId[4..]} Main Street", City = "Metropolis", PostalCode = "10001" },
            };
            request.LineIds.AddRange(station.Lines);
            if (!await CallAsync(() => stations.RegisterStationAsync(request, cancellationToken: token).ResponseAsync, $"RegisterStation {station.StationId}", retryNotFound: false, deadline, log, token))
                Interlocked.Increment(ref failures);
        });
        if (failures > 0) return false;

        await Parallel.ForEachAsync(network.SelectMany(s => s.Turnstiles), options, async (turnstile, token) =>
        {
            var request = new InstallTurnstileRequest
            {
                TurnstileId = turnstile.DeviceId,
                StationId = turnstile.StationId,
                Model = new EquipmentInfo { SerialNumber = $"SN-{turnstile.DeviceId}", Name = "Gate 3000", ModelNumber = "G3000", Manufacturer = "MTAEDA Devices" },
                MaxPassagesBeforeMaintenance = 1_000_000,
            };
            if (!await CallAsync(() => equipment.InstallTurnstileAsync(request, cancellationToken: token).ResponseAsync, $"InstallTurnstile {turnstile.DeviceId}", retryNotFound: true, deadline, log, token))
                Interlocked.Increment(ref failures);
        });
        return failures == 0;
    }

    private static async Task<bool> CallAsync<T>(Func<Task<T>> call, string what, bool retryNotFound, DateTime deadline, TextWriter log, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        while (true)
        {
            try
            {
                await call();
                return true;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists)
            {
                return true;
            }
            catch (RpcException e) when (IsRetryable(e.StatusCode, retryNotFound) && DateTime.UtcNow + delay < deadline)
            {
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
            }
            catch (RpcException e)
            {
                lock (log) log.WriteLine($"provisioning: {what} failed: {e.StatusCode}: {e.Status.Detail}");
                return false;
            }
        }
    }

    private static bool IsRetryable(StatusCode code, bool retryNotFound) =>
        code is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Unknown or StatusCode.Internal or StatusCode.Unimplemented
        || (retryNotFound && code == StatusCode.NotFound);
}
