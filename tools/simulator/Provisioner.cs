using Dapr.Client;
using Grpc.Core;
using Mtaeda.Contracts.Common.V1;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Contracts.Identification.V1;
using Mtaeda.Contracts.Stations.V1;
using EquipmentApi = Mtaeda.Contracts.Equipment.V1.Equipment;
using IdentificationApi = Mtaeda.Contracts.Identification.V1.Identification;
using StationsApi = Mtaeda.Contracts.Stations.V1.Stations;

namespace Mtaeda.Simulator;

/// <summary>
/// Registers the network's stations and installs its turnstiles through the simulator's own Dapr sidecar
/// (<c>DAPR_GRPC_PORT</c>), idempotently: AlreadyExists counts as done. Calls are retried while the services are not
/// reachable yet, and an installation is retried while equipment does not know the station yet (it learns stations
/// from their events). A run that sends face captures also installs a camera on every turnstile and lists its offenders
/// on identification's watch list (<see cref="Faces"/>: ids and templates from the seed, so a later run with the same
/// seed finds them listed).
/// </summary>
internal static class Provisioner
{
    private const int Parallelism = 8;

    public static async Task<bool> RunAsync(IReadOnlyList<StationSpec> network, SimulationOptions settings, TextWriter log, CancellationToken cancellationToken)
    {
        var (daprGrpcEndpoint, apiToken) = (settings.DaprGrpcEndpoint, settings.DaprApiToken);
        var stations = new StationsApi.StationsClient(DaprClient.CreateInvocationInvoker("stations", daprGrpcEndpoint, apiToken));
        var equipment = new EquipmentApi.EquipmentClient(DaprClient.CreateInvocationInvoker("equipment", daprGrpcEndpoint, apiToken));
        var deadline = DateTime.UtcNow + settings.ConnectTimeout;
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
        if (failures > 0 || settings.TotalCaptures == 0) return failures == 0;

        await Parallel.ForEachAsync(network.SelectMany(s => s.Turnstiles), options, async (turnstile, token) =>
        {
            var request = new InstallCameraRequest
            {
                CameraId = turnstile.CameraId,
                TurnstileId = turnstile.DeviceId,
                Model = new EquipmentInfo { SerialNumber = $"SN-{turnstile.CameraId}", Name = "FaceCam 2", ModelNumber = "FC2", Manufacturer = "MTAEDA Devices" },
            };
            if (!await CallAsync(() => equipment.InstallCameraAsync(request, cancellationToken: token).ResponseAsync, $"InstallCamera {turnstile.CameraId}", retryNotFound: true, deadline, log, token))
                Interlocked.Increment(ref failures);
        });
        if (failures > 0) return false;

        var identification = new IdentificationApi.IdentificationClient(DaprClient.CreateInvocationInvoker("identification", daprGrpcEndpoint, apiToken));
        AlertLevel[] levels = [AlertLevel.High, AlertLevel.Medium, AlertLevel.Low];
        await Parallel.ForEachAsync(Enumerable.Range(1, settings.Offenders), options, async (index, token) =>
        {
            var template = new FaceTemplate { TemplateId = "t-1" };
            template.Values.AddRange(Faces.Offender(settings.Seed, index, settings.TemplateLength));
            var request = new AddOffenderRequest
            {
                OffenderId = Faces.OffenderId(settings.Seed, index),
                CaseReference = $"SIM-{settings.Seed}-{index:D2}",
                AlertLevel = levels[(index - 1) % levels.Length],
                ChangedBy = "simulator",
                Templates = { template },
            };
            if (!await CallAsync(() => identification.AddOffenderAsync(request, cancellationToken: token).ResponseAsync, $"AddOffender {request.OffenderId}", retryNotFound: false, deadline, log, token))
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
