using Grpc.Core;
using Mtaeda.Contracts.Common.V1;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Contracts.Stations.V1;
using EquipmentClient = Mtaeda.Contracts.Equipment.V1.Equipment.EquipmentClient;
using StationsClient = Mtaeda.Contracts.Stations.V1.Stations.StationsClient;

namespace Mtaeda.Scheduling.Infrastructure;

/// <summary>
/// Checks a schedule's device through the sidecar before anything is stored: a turnstile with equipment (GetTurnstile,
/// which also gives its station), a camera with its station's inventory in stations (kept from equipment's
/// <c>CameraInstalled</c> events; equipment's contract has no camera query). An unknown device or station is NotFound, a
/// decommissioned turnstile FailedPrecondition, a station that does not match InvalidArgument; a service away is
/// Unavailable.
/// </summary>
/// <param name="equipment">Equipment's client.</param>
/// <param name="stations">Stations' client.</param>
public sealed class DeviceLookup(EquipmentClient equipment, StationsClient stations)
{
    /// <summary>The station of the device, after checking that it exists.</summary>
    /// <param name="deviceId">The device.</param>
    /// <param name="kind">Turnstile or camera.</param>
    /// <param name="stationId">The station the caller named; empty for a turnstile lets equipment say.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    /// <returns>The station id.</returns>
    public async Task<string> StationOfAsync(string deviceId, DeviceKind kind, string stationId, CancellationToken cancellationToken)
    {
        if (kind == DeviceKind.Turnstile)
        {
            Turnstile turnstile;
            try
            {
                turnstile = await equipment.GetTurnstileAsync(new GetTurnstileRequest { TurnstileId = deviceId }, cancellationToken: cancellationToken);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
                throw Errors.NotFound($"device_id: equipment knows no turnstile '{deviceId}'");
            }

            if (turnstile.Status == TurnstileStatus.Decommissioned)
            {
                throw Errors.FailedPrecondition(ErrorReason.TurnstileDecommissioned, $"turnstile '{deviceId}' is decommissioned", ("device_id", deviceId));
            }

            if (stationId.Length > 0 && stationId != turnstile.StationId)
            {
                throw Errors.InvalidArgument("station_id", $"turnstile '{deviceId}' is at station '{turnstile.StationId}'");
            }

            return turnstile.StationId;
        }

        if (stationId.Length == 0) throw Errors.InvalidArgument("station_id", "is required for a camera");
        Station station;
        try
        {
            station = await stations.GetStationAsync(new GetStationRequest { StationId = stationId }, cancellationToken: cancellationToken);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            throw Errors.NotFound($"station_id: no station '{stationId}'");
        }

        if (!station.CameraIds.Contains(deviceId)) throw Errors.NotFound($"device_id: no camera '{deviceId}' is installed at station '{stationId}'");
        return stationId;
    }
}
