using Dapr.Actors;
using Mtaeda.Equipment.Domain;

namespace Mtaeda.Equipment.Actors;

/// <summary>One actor per turnstile (actor id = turnstile id): status, counters, camera. Commands answer with an outcome.</summary>
public interface ITurnstileActor : IActor
{
    /// <summary>Installs the turnstile; a repeat with the same values answers the original time.</summary>
    /// <param name="command">The command.</param>
    /// <returns>The outcome and when it was installed.</returns>
    Task<InstallTurnstileReply> InstallAsync(InstallTurnstile command);

    /// <summary>Decommissions the turnstile (and lets its camera go); a repeat answers the original time.</summary>
    /// <param name="command">The command.</param>
    /// <returns>The outcome, when it was decommissioned and the camera it let go.</returns>
    Task<DecommissionTurnstileReply> DecommissionAsync(DecommissionTurnstile command);

    /// <summary>Puts a camera on the turnstile (called by the camera's actor).</summary>
    /// <param name="cameraId">The camera.</param>
    /// <returns>The outcome and the turnstile's station.</returns>
    Task<AttachCameraReply> AttachCameraAsync(string cameraId);

    /// <summary>Takes a camera off the turnstile (called by the camera's actor).</summary>
    /// <param name="detachment">Which camera, and why.</param>
    /// <returns>The outcome, and whether the turnstile held that camera.</returns>
    Task<DetachCameraReply> DetachCameraAsync(CameraDetachment detachment);

    /// <summary>Notes whether the turnstile's station is offline (called by the station's equipment actor); older changes are ignored.</summary>
    /// <param name="availability">The station's status and when it changed.</param>
    /// <returns>The outcome.</returns>
    Task<Outcome> SetStationAvailabilityAsync(StationAvailability availability);

    /// <summary>Counts a batch of passages, once per batch id.</summary>
    /// <param name="batch">The batch.</param>
    /// <returns>The outcome and whether the batch was a duplicate.</returns>
    Task<RecordPassagesReply> RecordPassagesAsync(PassageBatch batch);

    /// <summary>Reports a fault.</summary>
    /// <param name="report">The report.</param>
    /// <returns>The outcome and the status after it.</returns>
    Task<StatusReply<Mtaeda.Contracts.Equipment.V1.TurnstileStatus>> ReportFaultAsync(FaultReport report);

    /// <summary>Puts a locked or faulted turnstile back into service.</summary>
    /// <param name="reason">What was done.</param>
    /// <returns>The outcome and the status after it.</returns>
    Task<StatusReply<Mtaeda.Contracts.Equipment.V1.TurnstileStatus>> RestoreAsync(string reason);

    /// <summary>A technician starts work on the turnstile for a maintenance request (UNDER_MAINTENANCE).</summary>
    /// <param name="maintenance">The request and what is being done.</param>
    /// <returns>The outcome and the status after it.</returns>
    Task<StatusReply<Mtaeda.Contracts.Equipment.V1.TurnstileStatus>> StartMaintenanceAsync(TurnstileMaintenance maintenance);

    /// <summary>Ends the maintenance of a request: completed (OPERATIONAL, new passage cycle) or called off (status before).</summary>
    /// <param name="maintenance">The request, whether it was completed, and what was done.</param>
    /// <returns>The outcome and the status after it.</returns>
    Task<StatusReply<Mtaeda.Contracts.Equipment.V1.TurnstileStatus>> FinishMaintenanceAsync(TurnstileMaintenance maintenance);

    /// <summary>The turnstile's state; null when it was never installed.</summary>
    /// <returns>The state.</returns>
    Task<TurnstileState?> GetAsync();
}

/// <summary>One actor per camera (actor id = camera id): the turnstile it watches, and its maintenance.</summary>
public interface ICameraActor : IActor
{
    /// <summary>Installs the camera on a turnstile, with the turnstile's agreement.</summary>
    /// <param name="command">The command.</param>
    /// <returns>The outcome, the station and when it was installed.</returns>
    Task<InstallCameraReply> InstallAsync(InstallCamera command);

    /// <summary>Takes the camera off its turnstile.</summary>
    /// <param name="reason">Why.</param>
    /// <returns>The outcome and the turnstile it was on.</returns>
    Task<UninstallCameraReply> UninstallAsync(string reason);

    /// <summary>The turnstile let the camera go (it was decommissioned).</summary>
    /// <param name="turnstileId">The turnstile.</param>
    /// <returns>A task.</returns>
    Task ReleasedByAsync(string turnstileId);

    /// <summary>Reports a camera fault.</summary>
    /// <param name="report">The report.</param>
    /// <returns>The outcome and the camera's station.</returns>
    Task<ReportCameraFaultReply> ReportFaultAsync(CameraFaultReport report);

    /// <summary>A technician starts work on the camera for a maintenance request (UNDER_MAINTENANCE).</summary>
    /// <param name="maintenance">The request and what is being done.</param>
    /// <returns>The outcome and the status after it.</returns>
    Task<StatusReply<Mtaeda.Contracts.Equipment.V1.CameraStatus>> StartMaintenanceAsync(TurnstileMaintenance maintenance);

    /// <summary>Ends the camera's maintenance of a request (OPERATIONAL again).</summary>
    /// <param name="maintenance">The request, whether it was completed, and what was done.</param>
    /// <returns>The outcome and the status after it.</returns>
    Task<StatusReply<Mtaeda.Contracts.Equipment.V1.CameraStatus>> FinishMaintenanceAsync(TurnstileMaintenance maintenance);

    /// <summary>The camera's state; null when it was never installed.</summary>
    /// <returns>The state.</returns>
    Task<CameraState?> GetAsync();
}

/// <summary>
/// One actor per station (actor id = station id): the turnstiles equipment installed there, so that closing the
/// station decommissions them even when the station's own list is behind, and the station's availability, so that an
/// offline or closed station gets no new turnstile and an offline one's turnstiles count no passages.
/// </summary>
public interface IStationEquipmentActor : IActor
{
    /// <summary>
    /// Installs a turnstile at the station unless it is closed (STATION_CLOSED) or offline (STATION_OFFLINE), and lists
    /// it once the turnstile accepted; all in one turn, so that closing the station cannot slip in between.
    /// </summary>
    /// <param name="turnstileId">The turnstile.</param>
    /// <param name="command">The install command.</param>
    /// <returns>The turnstile's answer, or the refusal.</returns>
    Task<InstallTurnstileReply> InstallTurnstileAsync(string turnstileId, InstallTurnstile command);

    /// <summary>Notes that the station closed and answers the turnstiles to decommission; nothing when a newer change was noted.</summary>
    /// <param name="closedAt">When it closed.</param>
    /// <returns>The turnstile ids, in installation order; empty for a close older than the change noted last.</returns>
    Task<string[]> StationClosedAsync(DateTimeOffset closedAt);

    /// <summary>Notes that the station went offline or was opened, and tells its turnstiles; an older change is ignored.</summary>
    /// <param name="change">The new status (OFFLINE or ACTIVE) and when.</param>
    /// <returns>A task.</returns>
    Task StationAvailabilityChangedAsync(StationAvailability change);

    /// <summary>The station's status as equipment last heard it.</summary>
    /// <returns>The availability.</returns>
    Task<StationAvailability> GetAvailabilityAsync();

    /// <summary>The turnstiles installed at the station, in installation order.</summary>
    /// <returns>The turnstile ids.</returns>
    Task<string[]> GetTurnstilesAsync();
}
