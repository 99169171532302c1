using Google.Protobuf.WellKnownTypes;
using Mtaeda.Contracts.Common.V1;
using Mtaeda.Contracts.Equipment.V1;

namespace Mtaeda.Equipment.Domain;

/// <summary>
/// The turnstile aggregate: its status, counters and camera, and the rules every command obeys. Pure: it is given the
/// time, does no I/O, and collects the integration events its changes raise in <see cref="Events"/> for the caller to
/// emit together with the new <see cref="State"/>.
/// </summary>
public sealed class Turnstile : DeviceAggregate<TurnstileState>, IMaintainable<TurnstileStatus>
{
    /// <summary>How many recent batch ids are remembered for de-duplication.</summary>
    /// <remarks>
    /// A replay is recognised while its batch is among the last this many recorded by the turnstile. The gateway keeps
    /// one batch in flight per device and journals each outcome within one group commit, so what it replays after an
    /// outage or a crash repeats at most the last few batches. The window is kept small on purpose: it is saved with
    /// the turnstile on every batch (64 ids are about 2 KB; at the gateway's default of a batch per 250 ms they span
    /// 16 s of traffic).
    /// </remarks>
    public const int RecentBatchCapacity = 64;

    /// <summary>How many recent fault ids are remembered for de-duplication.</summary>
    public const int RecentFaultCapacity = 64;

    /// <summary>How far in the future of the turnstile's clock a batch may end unless configured otherwise.</summary>
    public static readonly TimeSpan DefaultMaxClockSkew = TimeSpan.FromMinutes(2);

    private Turnstile(string id, TurnstileState? state)
        : base(id, state)
    {
    }

    /// <summary>True once installed (also when decommissioned since).</summary>
    public bool Exists => State is not null;

    /// <summary>The status (unspecified while never installed).</summary>
    public TurnstileStatus Status => State?.Status ?? TurnstileStatus.Unspecified;

    /// <summary>Passages counted since installation (entries plus exits).</summary>
    public long PassageCount => State is null ? 0 : State.IngressCount + State.EgressCount;

    /// <summary>Passages counted in the current cycle: since the last completed maintenance, or since installation.</summary>
    public long PassagesSinceMaintenance => State is null ? 0 : PassageCount - State.PassagesBeforeCycle;

    /// <summary>A turnstile from its saved state.</summary>
    /// <param name="id">The turnstile id.</param>
    /// <param name="state">The saved state, or null when none was ever saved.</param>
    /// <returns>The aggregate.</returns>
    public static Turnstile Load(string id, TurnstileState? state) => new(id, state);

    /// <summary>
    /// Installs the turnstile (status OPERATIONAL, raises <see cref="TurnstileInstalled"/>). A repeat with the same values
    /// is accepted and changes nothing; other values for an installed turnstile answer AlreadyExists; a decommissioned
    /// turnstile is never installed again (FailedPrecondition, TURNSTILE_DECOMMISSIONED).
    /// </summary>
    /// <param name="command">The command.</param>
    /// <param name="now">The time.</param>
    /// <returns>The outcome.</returns>
    public Outcome Install(InstallTurnstile command, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (string.IsNullOrWhiteSpace(command.StationId)) return Outcome.InvalidArgument("station_id", "is required");
        if (command.LineIds.Length == 0) return Outcome.InvalidArgument("line_ids", "must name at least one line");
        if (command.Model.MissingField() is { } missing) return Outcome.InvalidArgument($"model.{missing}", "is required");
        if (command.MaxPassagesBeforeMaintenance <= 0) return Outcome.InvalidArgument("max_passages_before_maintenance", "must be > 0");

        var lines = command.LineIds.Distinct(StringComparer.Ordinal).ToList();
        if (State is { } installed)
        {
            if (installed.Status == TurnstileStatus.Decommissioned) return Decommissioned();
            var same = installed.StationId == command.StationId
                && (command.AllStationLines || installed.LineIds.Order(StringComparer.Ordinal).SequenceEqual(lines.Order(StringComparer.Ordinal), StringComparer.Ordinal))
                && installed.Model == command.Model
                && installed.MaxPassagesBeforeMaintenance == command.MaxPassagesBeforeMaintenance;
            return same
                ? Outcome.Accepted
                : Outcome.AlreadyExists($"turnstile {Id} is already installed at station {installed.StationId} with other values");
        }

        State = new TurnstileState
        {
            StationId = command.StationId,
            LineIds = lines,
            Model = command.Model,
            MaxPassagesBeforeMaintenance = command.MaxPassagesBeforeMaintenance,
            Status = TurnstileStatus.Operational,
            StatusChangedAt = now,
            InstalledAt = now,
        };
        Raise(new TurnstileInstalled
        {
            TurnstileId = Id,
            StationId = State.StationId,
            LineIds = { State.LineIds },
            Model = State.Model.ToContract(),
            MaxPassagesBeforeMaintenance = State.MaxPassagesBeforeMaintenance,
            InstalledAt = Timestamp.FromDateTimeOffset(now),
        });
        return Outcome.Accepted;
    }

    /// <summary>
    /// Decommissions the turnstile for good (raises <see cref="TurnstileDecommissioned"/>, after
    /// <see cref="TurnstileCameraUninstalled"/> when a camera was on it). Decommissioning it again changes nothing.
    /// </summary>
    /// <param name="command">The command.</param>
    /// <param name="now">The time.</param>
    /// <param name="removedCameraId">The camera taken off the turnstile, if any.</param>
    /// <returns>The outcome.</returns>
    public Outcome Decommission(DecommissionTurnstile command, DateTimeOffset now, out string? removedCameraId)
    {
        ArgumentNullException.ThrowIfNull(command);
        removedCameraId = null;
        if (State is not { } state) return UnknownTurnstile();
        if (command.OnlyAtStationId is { } station && station != state.StationId)
        {
            return Outcome.FailedPrecondition(ErrorReason.TurnstileAtOtherStation, $"turnstile {Id} is installed at station {state.StationId}, not {station}");
        }
        if (state.Status == TurnstileStatus.Decommissioned) return Outcome.Accepted;

        if (state.CameraId is { } camera)
        {
            removedCameraId = camera;
            RemoveCamera(state, "turnstile decommissioned", now);
        }
        SetStatus(state, TurnstileStatus.Decommissioned, FaultKind.Unspecified, command.Reason, now);
        state.DecommissionedAt = now;
        Raise(new TurnstileDecommissioned
        {
            TurnstileId = Id,
            StationId = state.StationId,
            Reason = command.Reason,
            DecommissionedAt = Timestamp.FromDateTimeOffset(now),
        });
        return Outcome.Accepted;
    }

    /// <summary>
    /// Puts a camera on the turnstile (raises <see cref="TurnstileCameraInstalled"/>). Attaching the camera it already has
    /// changes nothing; FailedPrecondition when it has another camera or is decommissioned.
    /// </summary>
    /// <param name="cameraId">The camera.</param>
    /// <param name="now">The time.</param>
    /// <returns>The outcome.</returns>
    public Outcome AttachCamera(string cameraId, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrEmpty(cameraId);
        if (State is not { } state) return UnknownTurnstile();
        if (state.Status == TurnstileStatus.Decommissioned) return Decommissioned();
        if (state.CameraId == cameraId) return Outcome.Accepted;
        if (state.CameraId is { } other) return Outcome.FailedPrecondition(ErrorReason.TurnstileHasCamera, $"turnstile {Id} already has camera {other} installed");

        state.CameraId = cameraId;
        state.CameraInstalledAt = now;
        Raise(new TurnstileCameraInstalled
        {
            TurnstileId = Id,
            CameraId = cameraId,
            StationId = state.StationId,
            InstalledAt = Timestamp.FromDateTimeOffset(now),
        });
        return Outcome.Accepted;
    }

    /// <summary>
    /// Takes <paramref name="cameraId"/> off the turnstile (raises <see cref="TurnstileCameraUninstalled"/>). Accepted and
    /// changes nothing when that camera is not on it (e.g. the turnstile let it go when it was decommissioned).
    /// </summary>
    /// <param name="cameraId">The camera.</param>
    /// <param name="reason">Why.</param>
    /// <param name="now">The time.</param>
    /// <param name="detached">True when the camera was on the turnstile and was taken off.</param>
    /// <returns>The outcome.</returns>
    public Outcome DetachCamera(string cameraId, string reason, DateTimeOffset now, out bool detached)
    {
        ArgumentException.ThrowIfNullOrEmpty(cameraId);
        detached = false;
        if (State is not { } state) return UnknownTurnstile();
        if (state.CameraId != cameraId) return Outcome.Accepted;
        RemoveCamera(state, reason, now);
        detached = true;
        return Outcome.Accepted;
    }

    /// <summary>
    /// Counts a batch of passages (raises <see cref="PassagesRecorded"/>, and <see cref="TurnstilePassageThresholdExceeded"/>
    /// once, by the batch that makes the count reach the maximum). A batch already recorded is accepted as a duplicate
    /// and not counted again, whatever the status now. Otherwise a batch that starts before the turnstile was installed
    /// (<c>interval_start</c>) or ends more than <paramref name="maxClockSkew"/> after <paramref name="now"/>
    /// (<c>interval_end</c>) is refused as InvalidArgument naming the field; only an OPERATIONAL turnstile counts passages,
    /// and only while its station is not offline (FailedPrecondition, STATION_OFFLINE: the gateway holds the batch and
    /// forwards it again once the station is open).
    /// </summary>
    /// <param name="batch">The batch.</param>
    /// <param name="now">The time.</param>
    /// <param name="duplicate">True when the batch had been recorded before.</param>
    /// <param name="maxClockSkew">How far after <paramref name="now"/> a batch may end; null: <see cref="DefaultMaxClockSkew"/>.</param>
    /// <returns>The outcome.</returns>
    public Outcome RecordPassages(PassageBatch batch, DateTimeOffset now, out bool duplicate, TimeSpan? maxClockSkew = null)
    {
        ArgumentNullException.ThrowIfNull(batch);
        duplicate = false;
        if (batch.Validate() is { IsAccepted: false } invalid) return invalid;
        if (State is not { } state) return UnknownTurnstile();
        if (state.RecentBatchIds.Contains(batch.BatchId, StringComparer.Ordinal))
        {
            duplicate = true;
            return Outcome.Accepted;
        }
        if (batch.IntervalStart < state.InstalledAt)
        {
            return Outcome.InvalidArgument("interval_start", $"must not be before the turnstile was installed ({state.InstalledAt:O})");
        }
        var skew = maxClockSkew ?? DefaultMaxClockSkew;
        if (batch.IntervalEnd > now + skew)
        {
            return Outcome.InvalidArgument("interval_end", $"must not be more than {skew} after the time it is recorded ({now:O})");
        }
        if (state.Status != TurnstileStatus.Operational)
        {
            return Outcome.FailedPrecondition(ReasonOf(state.Status), $"turnstile {Id} is {Describe(state.Status)}; passages are not counted");
        }
        if (state.StationOffline)
        {
            return Outcome.FailedPrecondition(ErrorReason.StationOffline, $"station {state.StationId} of turnstile {Id} is offline; passages are not counted until it is opened");
        }

        var recorded = new PassagesRecorded
        {
            BatchId = batch.BatchId,
            TurnstileId = Id,
            StationId = state.StationId,
            LineIds = { state.LineIds },
            Ingress = batch.Ingress,
            Egress = batch.Egress,
            IntervalStart = Timestamp.FromDateTimeOffset(batch.IntervalStart),
            IntervalEnd = Timestamp.FromDateTimeOffset(batch.IntervalEnd),
            RecordedAt = Timestamp.FromDateTimeOffset(now),
        };
        // The producer checks the event's contract as every consumer will: what they would drop is refused here.
        if (recorded.Violations().FieldViolations.FirstOrDefault() is { } violation) return Outcome.InvalidArgument(violation.Field, violation.Description);

        state.IngressCount += batch.Ingress;
        state.EgressCount += batch.Egress;
        Remember(state.RecentBatchIds, batch.BatchId, RecentBatchCapacity);
        Raise(recorded);

        if (!state.PassageThresholdExceeded && PassagesSinceMaintenance >= state.MaxPassagesBeforeMaintenance)
        {
            state.PassageThresholdExceeded = true;
            Raise(new TurnstilePassageThresholdExceeded
            {
                TurnstileId = Id,
                StationId = state.StationId,
                PassageCount = PassagesSinceMaintenance,
                MaxPassagesBeforeMaintenance = state.MaxPassagesBeforeMaintenance,
                BatchId = batch.BatchId,
                ExceededAt = Timestamp.FromDateTimeOffset(now),
                MaintenanceCycles = state.MaintenanceCycles,
            });
        }
        return Outcome.Accepted;
    }

    /// <summary>
    /// Notes whether the turnstile's station is offline (from stations' <c>StationTakenOffline</c> and <c>StationOpened</c>,
    /// passed on by the station's <c>StationEquipment</c> actor). A change older than the one already noted is ignored,
    /// so that events delivered out of order cannot roll the station's availability back. Raises nothing; NotFound
    /// while the turnstile was never installed.
    /// </summary>
    /// <param name="offline">True when the station is offline.</param>
    /// <param name="at">When the station's status changed.</param>
    /// <returns>The outcome.</returns>
    public Outcome SetStationOffline(bool offline, DateTimeOffset at)
    {
        if (State is not { } state) return UnknownTurnstile();
        if (state.StationAvailabilityAt is { } known && at < known) return Outcome.Accepted;
        if (state.StationOffline == offline && state.StationAvailabilityAt == at) return Outcome.Accepted;
        state.StationOffline = offline;
        state.StationAvailabilityAt = at;
        MarkChanged();
        return Outcome.Accepted;
    }

    /// <summary>
    /// Reports a fault. LOCKED and JAMMED lock the turnstile (raises <see cref="TurnstileLocked"/>), MALFUNCTION faults it
    /// (raises <see cref="TurnstileFaulted"/>). A report never lowers the status (a faulted turnstile stays faulted when
    /// it also reports a jam), and a report of the fault already in force changes nothing; neither does a fault id
    /// already recorded. FailedPrecondition once decommissioned.
    /// </summary>
    /// <param name="report">The report.</param>
    /// <param name="now">The time.</param>
    /// <returns>The outcome.</returns>
    public Outcome ReportFault(FaultReport report, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(report);
        var target = report.Kind switch
        {
            FaultKind.Locked or FaultKind.Jammed => TurnstileStatus.Locked,
            FaultKind.Malfunction => TurnstileStatus.Faulted,
            _ => TurnstileStatus.Unspecified,
        };
        if (target == TurnstileStatus.Unspecified) return Outcome.InvalidArgument("kind", "must be LOCKED, JAMMED or MALFUNCTION");
        if (State is not { } state) return UnknownTurnstile();
        if (state.Status == TurnstileStatus.Decommissioned) return Decommissioned();

        var faultId = string.IsNullOrEmpty(report.FaultId) ? null : report.FaultId;
        if (faultId is not null && state.RecentFaultIds.Contains(faultId, StringComparer.Ordinal)) return Outcome.Accepted;
        if (faultId is not null)
        {
            Remember(state.RecentFaultIds, faultId, RecentFaultCapacity);
            MarkChanged();
        }

        // A technician is at work on it: what the device reports meanwhile is the work, not a new fault.
        if (state.Status == TurnstileStatus.UnderMaintenance) return Outcome.Accepted;

        var escalates = Severity(target) > Severity(state.Status)
            || (target == state.Status && report.Kind != state.FaultKind);
        if (!escalates) return Outcome.Accepted;

        var at = report.OccurredAt ?? now;
        SetStatus(state, target, report.Kind, report.Reason, at);
        if (target == TurnstileStatus.Locked)
        {
            Raise(new TurnstileLocked
            {
                TurnstileId = Id,
                StationId = state.StationId,
                Kind = report.Kind,
                Reason = report.Reason,
                LockedAt = Timestamp.FromDateTimeOffset(at),
            });
        }
        else
        {
            Raise(new TurnstileFaulted
            {
                TurnstileId = Id,
                StationId = state.StationId,
                Kind = report.Kind,
                Reason = report.Reason,
                FaultedAt = Timestamp.FromDateTimeOffset(at),
            });
        }
        return Outcome.Accepted;
    }

    /// <summary>
    /// Puts a LOCKED or FAULTED turnstile back into service (raises <see cref="TurnstileRestored"/>). Restoring an
    /// OPERATIONAL turnstile changes nothing; FailedPrecondition once decommissioned.
    /// </summary>
    /// <param name="reason">What was done.</param>
    /// <param name="now">The time.</param>
    /// <returns>The outcome.</returns>
    public Outcome Restore(string reason, DateTimeOffset now)
    {
        if (State is not { } state) return UnknownTurnstile();
        if (state.Status == TurnstileStatus.Decommissioned) return Decommissioned();
        if (state.Status == TurnstileStatus.Operational) return Outcome.Accepted;
        if (state.Status == TurnstileStatus.UnderMaintenance) return UnderMaintenance(state);

        var previous = state.Status;
        SetStatus(state, TurnstileStatus.Operational, FaultKind.Unspecified, reason, now);
        Raise(new TurnstileRestored
        {
            TurnstileId = Id,
            StationId = state.StationId,
            PreviousStatus = previous,
            Reason = reason,
            RestoredAt = Timestamp.FromDateTimeOffset(now),
            Status = TurnstileStatus.Operational,
        });
        return Outcome.Accepted;
    }

    /// <summary>
    /// A technician starts work on the turnstile for <paramref name="requestId"/>: status UNDER_MAINTENANCE (from
    /// OPERATIONAL, LOCKED or FAULTED; raises <see cref="TurnstileMaintenanceStarted"/>), passages refused until the
    /// maintenance is finished. The same request again changes nothing; FailedPrecondition when decommissioned
    /// (TURNSTILE_DECOMMISSIONED) or under maintenance for another request (TURNSTILE_UNDER_MAINTENANCE).
    /// </summary>
    /// <param name="requestId">The maintenance request.</param>
    /// <param name="reason">What is being done.</param>
    /// <param name="now">The time.</param>
    /// <returns>The outcome.</returns>
    public Outcome StartMaintenance(string requestId, string reason, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrEmpty(requestId);
        if (State is not { } state) return UnknownTurnstile();
        if (state.Status == TurnstileStatus.Decommissioned) return Decommissioned();
        if (state.Status == TurnstileStatus.UnderMaintenance)
        {
            return state.MaintenanceRequestId == requestId ? Outcome.Accepted : UnderMaintenance(state);
        }

        var previous = state.Status;
        state.StatusBeforeMaintenance = previous;
        state.FaultKindBeforeMaintenance = state.FaultKind;
        state.StatusReasonBeforeMaintenance = state.StatusReason;
        state.MaintenanceRequestId = requestId;
        SetStatus(state, TurnstileStatus.UnderMaintenance, FaultKind.Unspecified, reason, now);
        Raise(new TurnstileMaintenanceStarted
        {
            TurnstileId = Id,
            StationId = state.StationId,
            RequestId = requestId,
            PreviousStatus = previous,
            Reason = reason,
            StartedAt = Timestamp.FromDateTimeOffset(now),
        });
        return Outcome.Accepted;
    }

    /// <summary>
    /// Ends the maintenance of <paramref name="requestId"/> (raises <see cref="TurnstileRestored"/>). Completed: the
    /// turnstile is OPERATIONAL and its passage counter starts a new cycle (the threshold event can be raised again once
    /// the new cycle reaches the maximum). Called off: it returns to the status it had before. Changes nothing when the
    /// turnstile is not under maintenance for that request (a repeat: each maintenance begins one new cycle at most);
    /// FailedPrecondition when decommissioned.
    /// </summary>
    /// <param name="requestId">The maintenance request.</param>
    /// <param name="completed">True when the work was completed.</param>
    /// <param name="reason">What was done.</param>
    /// <param name="now">The time.</param>
    /// <returns>The outcome.</returns>
    public Outcome FinishMaintenance(string requestId, bool completed, string reason, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrEmpty(requestId);
        if (State is not { } state) return UnknownTurnstile();
        if (state.Status == TurnstileStatus.Decommissioned) return Decommissioned();
        if (state.Status != TurnstileStatus.UnderMaintenance || state.MaintenanceRequestId != requestId) return Outcome.Accepted;

        if (completed)
        {
            SetStatus(state, TurnstileStatus.Operational, FaultKind.Unspecified, reason, now);
            state.PassagesBeforeCycle = PassageCount;
            state.PassageThresholdExceeded = false;
            state.MaintenanceCycles++;
            state.LastMaintainedAt = now;
        }
        else
        {
            var before = state.StatusBeforeMaintenance == TurnstileStatus.Unspecified ? TurnstileStatus.Operational : state.StatusBeforeMaintenance;
            SetStatus(state, before, state.FaultKindBeforeMaintenance, state.StatusReasonBeforeMaintenance, now);
        }

        state.MaintenanceRequestId = null;
        state.StatusBeforeMaintenance = TurnstileStatus.Unspecified;
        state.FaultKindBeforeMaintenance = FaultKind.Unspecified;
        state.StatusReasonBeforeMaintenance = "";
        Raise(new TurnstileRestored
        {
            TurnstileId = Id,
            StationId = state.StationId,
            PreviousStatus = TurnstileStatus.UnderMaintenance,
            Reason = reason,
            RestoredAt = Timestamp.FromDateTimeOffset(now),
            Status = state.Status,
            MaintenanceCompleted = completed,
            RequestId = requestId,
        });
        return Outcome.Accepted;
    }

    /// <summary>The turnstile as the contract shows it; null while never installed.</summary>
    /// <returns>The contract's view.</returns>
    public Contracts.Equipment.V1.Turnstile? ToContract()
    {
        if (State is not { } state) return null;
        var view = new Contracts.Equipment.V1.Turnstile
        {
            TurnstileId = Id,
            StationId = state.StationId,
            LineIds = { state.LineIds },
            Model = state.Model.ToContract(),
            Status = state.Status,
            FaultKind = state.FaultKind,
            StatusReason = state.StatusReason,
            StatusChangedAt = Timestamp.FromDateTimeOffset(state.StatusChangedAt),
            InstalledAt = Timestamp.FromDateTimeOffset(state.InstalledAt),
            CameraId = state.CameraId ?? "",
            IngressCount = state.IngressCount,
            EgressCount = state.EgressCount,
            MaxPassagesBeforeMaintenance = state.MaxPassagesBeforeMaintenance,
            PassageThresholdExceeded = state.PassageThresholdExceeded,
            PassagesSinceMaintenance = PassagesSinceMaintenance,
            MaintenanceCycles = state.MaintenanceCycles,
            MaintenanceRequestId = state.MaintenanceRequestId ?? "",
        };
        if (state.DecommissionedAt is { } decommissioned) view.DecommissionedAt = Timestamp.FromDateTimeOffset(decommissioned);
        if (state.LastMaintainedAt is { } maintained) view.LastMaintainedAt = Timestamp.FromDateTimeOffset(maintained);
        return view;
    }

    private void RemoveCamera(TurnstileState state, string reason, DateTimeOffset now)
    {
        var camera = state.CameraId!;
        state.CameraId = null;
        state.CameraInstalledAt = null;
        Raise(new TurnstileCameraUninstalled
        {
            TurnstileId = Id,
            CameraId = camera,
            StationId = state.StationId,
            Reason = reason,
            UninstalledAt = Timestamp.FromDateTimeOffset(now),
        });
    }

    // Every status change sets the status, the fault behind it (unspecified unless LOCKED or FAULTED), its reason and when.
    private static void SetStatus(TurnstileState state, TurnstileStatus status, FaultKind faultKind, string reason, DateTimeOffset at)
    {
        state.Status = status;
        state.FaultKind = faultKind;
        state.StatusReason = reason;
        state.StatusChangedAt = at;
    }

    private Outcome UnknownTurnstile() => Outcome.NotFound("turnstile", Id);

    private Outcome Decommissioned() => Outcome.FailedPrecondition(ErrorReason.TurnstileDecommissioned, $"turnstile {Id} is decommissioned");

    private Outcome UnderMaintenance(TurnstileState state) =>
        Outcome.FailedPrecondition(ErrorReason.TurnstileUnderMaintenance, $"turnstile {Id} is under maintenance (request {state.MaintenanceRequestId})");

    // Why a turnstile that is not operational refuses passages.
    private static ErrorReason ReasonOf(TurnstileStatus status) => status switch
    {
        TurnstileStatus.Locked => ErrorReason.TurnstileLocked,
        TurnstileStatus.Faulted => ErrorReason.TurnstileFaulted,
        TurnstileStatus.UnderMaintenance => ErrorReason.TurnstileUnderMaintenance,
        _ => ErrorReason.TurnstileDecommissioned,
    };

    private static int Severity(TurnstileStatus status) => status switch
    {
        TurnstileStatus.Locked => 1,
        TurnstileStatus.Faulted => 2,
        _ => 0,
    };

    private static string Describe(TurnstileStatus status) => status switch
    {
        TurnstileStatus.Locked => "LOCKED",
        TurnstileStatus.Faulted => "FAULTED",
        TurnstileStatus.Decommissioned => "DECOMMISSIONED",
        TurnstileStatus.Operational => "OPERATIONAL",
        TurnstileStatus.UnderMaintenance => "UNDER_MAINTENANCE",
        _ => "UNSPECIFIED",
    };
}
