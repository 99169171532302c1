using Google.Protobuf.WellKnownTypes;
using Mtaeda.Contracts.Common.V1;
using Mtaeda.Contracts.Equipment.V1;

namespace Mtaeda.Equipment.Domain;

/// <summary>What a camera remembers, as saved in its actor's state; null while the camera was never installed.</summary>
public sealed class CameraState
{
    /// <summary>Model information (fixed by the first installation).</summary>
    public EquipmentInfo Model { get; set; } = new();

    /// <summary>Turnstile it is installed on; null when on none.</summary>
    public string? TurnstileId { get; set; }

    /// <summary>Station of that turnstile; null when on none.</summary>
    public string? StationId { get; set; }

    /// <summary>When it was installed on that turnstile.</summary>
    public DateTimeOffset? InstalledAt { get; set; }

    /// <summary>The most recent fault ids recorded, oldest first, at most <see cref="Camera.RecentFaultCapacity"/>.</summary>
    public List<string> RecentFaultIds { get; set; } = [];

    /// <summary>The maintenance request being worked on; null when none (the camera is OPERATIONAL).</summary>
    public string? MaintenanceRequestId { get; set; }

    /// <summary>When the status last changed; null while it never did.</summary>
    public DateTimeOffset? StatusChangedAt { get; set; }

    /// <summary>When the last maintenance was completed; null when none was.</summary>
    public DateTimeOffset? LastMaintainedAt { get; set; }
}

/// <summary>
/// The camera aggregate: which turnstile it watches. Installing also needs the turnstile's agreement (it holds at most
/// one camera), which the camera's actor obtains before calling <see cref="Install"/>.
/// </summary>
public sealed class Camera : DeviceAggregate<CameraState>, IMaintainable<CameraStatus>
{
    /// <summary>How many recent fault ids are remembered for de-duplication.</summary>
    public const int RecentFaultCapacity = 64;

    private Camera(string id, CameraState? state)
        : base(id, state)
    {
    }

    /// <summary>The status: UNDER_MAINTENANCE while a request is worked on, else OPERATIONAL (unspecified while never installed).</summary>
    public CameraStatus Status => State is null ? CameraStatus.Unspecified
        : State.MaintenanceRequestId is null ? CameraStatus.Operational : CameraStatus.UnderMaintenance;

    /// <summary>The turnstile the camera is on, or null.</summary>
    public string? TurnstileId => State?.TurnstileId;

    /// <summary>A camera from its saved state.</summary>
    /// <param name="id">The camera id.</param>
    /// <param name="state">The saved state, or null.</param>
    /// <returns>The aggregate.</returns>
    public static Camera Load(string id, CameraState? state) => new(id, state);

    /// <summary>
    /// Whether the camera may go on <paramref name="turnstileId"/>: AlreadyExists when the id is known with other model
    /// information, FailedPrecondition when it is on another turnstile.
    /// </summary>
    /// <param name="turnstileId">The turnstile.</param>
    /// <param name="model">The model information given with the command.</param>
    /// <returns>The outcome.</returns>
    public Outcome CanInstall(string turnstileId, EquipmentInfo model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.MissingField() is { } missing) return Outcome.InvalidArgument($"model.{missing}", "is required");
        if (State is not { } state) return Outcome.Accepted;
        if (state.Model != model) return Outcome.AlreadyExists($"camera {Id} is known with other model information (serial number {state.Model.SerialNumber})");
        if (state.TurnstileId is { } other && other != turnstileId) return Outcome.FailedPrecondition(ErrorReason.CameraOnOtherTurnstile, $"camera {Id} is installed on turnstile {other}");
        return Outcome.Accepted;
    }

    /// <summary>
    /// Installs the camera on a turnstile that accepted it (raises <see cref="CameraInstalled"/>); installing it again on
    /// the same turnstile changes nothing.
    /// </summary>
    /// <param name="turnstileId">The turnstile.</param>
    /// <param name="stationId">The turnstile's station.</param>
    /// <param name="model">The model information.</param>
    /// <param name="now">The time.</param>
    /// <returns>The outcome.</returns>
    public Outcome Install(string turnstileId, string stationId, EquipmentInfo model, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrEmpty(turnstileId);
        ArgumentException.ThrowIfNullOrEmpty(stationId);
        if (CanInstall(turnstileId, model) is { IsAccepted: false } refused) return refused;
        if (State?.TurnstileId == turnstileId) return Outcome.Accepted;

        State = new CameraState { Model = model, TurnstileId = turnstileId, StationId = stationId, InstalledAt = now };
        Raise(new CameraInstalled
        {
            CameraId = Id,
            StationId = stationId,
            TurnstileId = turnstileId,
            Model = model.ToContract(),
            InstalledAt = Timestamp.FromDateTimeOffset(now),
        });
        return Outcome.Accepted;
    }

    /// <summary>
    /// Takes the camera off its turnstile (the turnstile raises the event). NotFound for a camera never installed;
    /// accepted and changes nothing when it is on no turnstile.
    /// </summary>
    /// <param name="previousTurnstileId">The turnstile it was on, or null.</param>
    /// <returns>The outcome.</returns>
    public Outcome Uninstall(out string? previousTurnstileId)
    {
        previousTurnstileId = State?.TurnstileId;
        if (State is not { } state) return Outcome.NotFound("camera", Id);
        if (previousTurnstileId is null) return Outcome.Accepted;
        Detach(state);
        return Outcome.Accepted;
    }

    /// <summary>
    /// Forgets the turnstile when it no longer holds the camera (it was decommissioned and let the camera go). Changes
    /// nothing when the camera is on another turnstile or on none.
    /// </summary>
    /// <param name="turnstileId">The turnstile that let the camera go.</param>
    public void ReleasedBy(string turnstileId)
    {
        if (State is { } state && state.TurnstileId == turnstileId) Detach(state);
    }

    /// <summary>
    /// Reports a camera fault (raises <see cref="CameraFaulted"/>). A fault id already recorded changes nothing; NotFound
    /// for a camera never installed; FailedPrecondition (CAMERA_NOT_INSTALLED) when it is on no turnstile, so at no station.
    /// </summary>
    /// <param name="kind">NO_SIGNAL, OBSTRUCTED or MALFUNCTION.</param>
    /// <param name="reason">What was reported.</param>
    /// <param name="occurredAt">When it was detected; null: <paramref name="now"/>.</param>
    /// <param name="faultId">Idempotency key; null or empty when none.</param>
    /// <param name="now">The time.</param>
    /// <returns>The outcome.</returns>
    public Outcome ReportFault(CameraFaultKind kind, string reason, DateTimeOffset? occurredAt, string? faultId, DateTimeOffset now)
    {
        if (kind == CameraFaultKind.Unspecified || !System.Enum.IsDefined(kind)) return Outcome.InvalidArgument("kind", "must be NO_SIGNAL, OBSTRUCTED or MALFUNCTION");
        if (State is not { } state) return Outcome.NotFound("camera", Id);
        if (state.TurnstileId is not { } turnstileId || state.StationId is not { } stationId) return NotOnTurnstile();
        if (!string.IsNullOrEmpty(faultId))
        {
            if (state.RecentFaultIds.Contains(faultId, StringComparer.Ordinal)) return Outcome.Accepted;
            Remember(state.RecentFaultIds, faultId, RecentFaultCapacity);
        }

        Raise(new CameraFaulted
        {
            CameraId = Id,
            StationId = stationId,
            TurnstileId = turnstileId,
            Kind = kind,
            Reason = reason,
            FaultedAt = Timestamp.FromDateTimeOffset(occurredAt ?? now),
        });
        return Outcome.Accepted;
    }

    /// <summary>
    /// A technician starts work on the camera for <paramref name="requestId"/>: status UNDER_MAINTENANCE (raises
    /// <see cref="CameraMaintenanceStarted"/>). The same request again changes nothing; NotFound for a camera never
    /// installed; FailedPrecondition when it is on no turnstile (CAMERA_NOT_INSTALLED) or under maintenance for another
    /// request (CAMERA_UNDER_MAINTENANCE).
    /// </summary>
    /// <param name="requestId">The maintenance request.</param>
    /// <param name="reason">What is being done.</param>
    /// <param name="now">The time.</param>
    /// <returns>The outcome.</returns>
    public Outcome StartMaintenance(string requestId, string reason, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrEmpty(requestId);
        if (State is not { } state) return Outcome.NotFound("camera", Id);
        if (state.MaintenanceRequestId is { } underWay)
        {
            return underWay == requestId
                ? Outcome.Accepted
                : Outcome.FailedPrecondition(ErrorReason.CameraUnderMaintenance, $"camera {Id} is under maintenance (request {underWay})");
        }
        if (state.TurnstileId is not { } turnstileId || state.StationId is not { } stationId) return NotOnTurnstile();

        state.MaintenanceRequestId = requestId;
        state.StatusChangedAt = now;
        Raise(new CameraMaintenanceStarted
        {
            CameraId = Id,
            StationId = stationId,
            TurnstileId = turnstileId,
            RequestId = requestId,
            Reason = reason,
            StartedAt = Timestamp.FromDateTimeOffset(now),
        });
        return Outcome.Accepted;
    }

    /// <summary>
    /// Ends the maintenance of <paramref name="requestId"/>: the camera is OPERATIONAL again (raises
    /// <see cref="CameraRestored"/>); completed, it also notes when it was last maintained. Changes nothing when the
    /// camera is not under maintenance for that request (a repeat); NotFound for a camera never installed.
    /// </summary>
    /// <param name="requestId">The maintenance request.</param>
    /// <param name="completed">True when the work was completed, false when it was called off.</param>
    /// <param name="reason">What was done.</param>
    /// <param name="now">The time.</param>
    /// <returns>The outcome.</returns>
    public Outcome FinishMaintenance(string requestId, bool completed, string reason, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrEmpty(requestId);
        if (State is not { } state) return Outcome.NotFound("camera", Id);
        if (state.MaintenanceRequestId != requestId) return Outcome.Accepted;

        state.MaintenanceRequestId = null;
        state.StatusChangedAt = now;
        if (completed) state.LastMaintainedAt = now;
        Raise(new CameraRestored
        {
            CameraId = Id,
            StationId = state.StationId ?? "",
            RequestId = requestId,
            MaintenanceCompleted = completed,
            Reason = reason,
            RestoredAt = Timestamp.FromDateTimeOffset(now),
        });
        return Outcome.Accepted;
    }

    /// <summary>The camera as the contract shows it; null while never installed.</summary>
    /// <returns>The message, or null.</returns>
    public Contracts.Equipment.V1.Camera? ToContract() => State is not { } state ? null : new()
    {
        CameraId = Id,
        TurnstileId = state.TurnstileId ?? "",
        StationId = state.StationId ?? "",
        Model = state.Model.ToContract(),
        Status = Status,
        MaintenanceRequestId = state.MaintenanceRequestId ?? "",
        InstalledAt = Time(state.InstalledAt),
        StatusChangedAt = Time(state.StatusChangedAt),
        LastMaintainedAt = Time(state.LastMaintainedAt),
    };

    private Outcome NotOnTurnstile() => Outcome.FailedPrecondition(ErrorReason.CameraNotInstalled, $"camera {Id} is installed on no turnstile");

    private static Timestamp? Time(DateTimeOffset? time) => time is { } value ? Timestamp.FromDateTimeOffset(value) : null;

    private void Detach(CameraState state)
    {
        state.TurnstileId = null;
        state.StationId = null;
        state.InstalledAt = null;
        MarkChanged();
    }
}
