using Mtaeda.Contracts;
using Mtaeda.Contracts.Common.V1;
using Google.Protobuf.WellKnownTypes;
using Mtaeda.Contracts.Stations.V1;

namespace Mtaeda.Stations.Domain;

/// <summary>
/// The Station aggregate: name, address, lines served, status (active, closed, offline) and the equipment installed
/// there. Each command checks every rule before it changes anything, so a refused command
/// (<see cref="DomainRefusalException"/>) leaves the state as it was; an accepted one records what changed and the
/// integration events that say so (<see cref="Events"/>), which the actor saves together in one state transaction.
/// Commands that would change nothing are accepted and raise nothing, so that a client may repeat them safely.
/// </summary>
public sealed class Station : Aggregate<StationState>
{
    /// <summary>Wraps a station's state (a new, unregistered state when the station was never seen).</summary>
    /// <param name="state">The state; changed in place by the commands.</param>
    public Station(StationState state)
        : base(state ?? throw new ArgumentNullException(nameof(state)))
    {
    }

    /// <summary>Whether the station is registered.</summary>
    public bool IsRegistered => State.Registered;

    /// <summary>
    /// Registers the station: it becomes ACTIVE and raises <see cref="StationRegistered"/>. Registering it again with
    /// the same values changes nothing; with other values it is refused (AlreadyExists).
    /// </summary>
    /// <param name="name">Display name.</param>
    /// <param name="address">Postal address.</param>
    /// <param name="lineIds">Lines served.</param>
    /// <param name="now">The time of the command.</param>
    /// <returns>When the station was registered (the original time for a repeat).</returns>
    public DateTimeOffset Register(string name, PostalAddress? address, IEnumerable<string> lineIds, DateTimeOffset now)
    {
        var checkedName = StationRules.Name(name);
        var checkedAddress = StationRules.Address(address);
        var lines = StationRules.LineIds(lineIds);
        if (State.Registered)
        {
            if (State.Name == checkedName && State.Address == checkedAddress && State.LineIds.SequenceEqual(lines, StringComparer.Ordinal))
            {
                return State.RegisteredAt ?? now;
            }

            throw DomainRefusalException.AlreadyExists("station_id",
                $"station '{State.StationId}' is already registered with other values");
        }

        State.Registered = true;
        State.Name = checkedName;
        State.Address = checkedAddress;
        State.LineIds = [.. lines];
        State.Status = StationStatus.Active;
        State.StatusReason = string.Empty;
        State.RegisteredAt = now;
        State.OpenedAt = now;
        Touch(now);
        var registered = new StationRegistered
        {
            StationId = State.StationId,
            Name = checkedName,
            Address = checkedAddress.ToContract(),
            RegisteredAt = Timestamp.FromDateTimeOffset(now),
        };
        registered.LineIds.AddRange(lines);
        Raise(registered);
        return now;
    }

    /// <summary>Renames the station; raises <see cref="StationRenamed"/> unless the name is unchanged.</summary>
    /// <param name="name">The new name.</param>
    /// <param name="now">The time of the command.</param>
    public void Rename(string name, DateTimeOffset now)
    {
        var checkedName = StationRules.Name(name);
        RequireRegistered();
        if (State.Name == checkedName) return;
        var previous = State.Name;
        State.Name = checkedName;
        Touch(now);
        Raise(new StationRenamed
        {
            StationId = State.StationId,
            PreviousName = previous,
            Name = checkedName,
            RenamedAt = Timestamp.FromDateTimeOffset(now),
        });
    }

    /// <summary>Changes the address; raises <see cref="StationAddressChanged"/> unless it is unchanged.</summary>
    /// <param name="address">The new address.</param>
    /// <param name="now">The time of the command.</param>
    public void ChangeAddress(PostalAddress? address, DateTimeOffset now)
    {
        var checkedAddress = StationRules.Address(address);
        RequireRegistered();
        if (State.Address == checkedAddress) return;
        var previous = State.Address;
        State.Address = checkedAddress;
        Touch(now);
        Raise(new StationAddressChanged
        {
            StationId = State.StationId,
            PreviousAddress = previous?.ToContract(),
            Address = checkedAddress.ToContract(),
            ChangedAt = Timestamp.FromDateTimeOffset(now),
        });
    }

    /// <summary>Opens a closed or offline station (ACTIVE); raises <see cref="StationOpened"/>. An active station stays as it is.</summary>
    /// <param name="now">The time of the command.</param>
    public void Open(DateTimeOffset now)
    {
        RequireRegistered();
        if (State.Status == StationStatus.Active) return;
        var previous = State.Status;
        State.Status = StationStatus.Active;
        State.StatusReason = string.Empty;
        State.OpenedAt = now;
        Touch(now);
        Raise(new StationOpened
        {
            StationId = State.StationId,
            PreviousStatus = previous,
            OpenedAt = Timestamp.FromDateTimeOffset(now),
        });
    }

    /// <summary>
    /// Closes the station (CLOSED); raises <see cref="StationClosed"/> listing the turnstiles installed there, which
    /// equipment decommissions on that event. A closed station stays as it is.
    /// </summary>
    /// <param name="reason">Why; optional.</param>
    /// <param name="now">The time of the command.</param>
    public void Close(string? reason, DateTimeOffset now)
    {
        var checkedReason = StationRules.Reason(reason);
        RequireRegistered();
        if (State.Status == StationStatus.Closed) return;
        State.Status = StationStatus.Closed;
        State.StatusReason = checkedReason;
        State.ClosedAt = now;
        Touch(now);
        var closed = new StationClosed
        {
            StationId = State.StationId,
            Reason = checkedReason,
            ClosedAt = Timestamp.FromDateTimeOffset(now),
        };
        closed.TurnstileIds.AddRange(State.TurnstileIds);
        Raise(closed);
    }

    /// <summary>
    /// Takes an active station offline (OFFLINE, equipment kept); raises <see cref="StationTakenOffline"/>. An offline
    /// station stays as it is; a closed one is refused (FailedPrecondition: open it first).
    /// </summary>
    /// <param name="reason">Why; optional.</param>
    /// <param name="now">The time of the command.</param>
    public void TakeOffline(string? reason, DateTimeOffset now)
    {
        var checkedReason = StationRules.Reason(reason);
        RequireRegistered();
        if (State.Status == StationStatus.Offline) return;
        if (State.Status == StationStatus.Closed)
        {
            throw DomainRefusalException.Refused(ErrorReason.StationClosed,
                $"station '{State.StationId}' is closed; a closed station cannot be taken offline (open it first)", ("station_id", State.StationId));
        }

        State.Status = StationStatus.Offline;
        State.StatusReason = checkedReason;
        Touch(now);
        Raise(new StationTakenOffline
        {
            StationId = State.StationId,
            Reason = checkedReason,
            TakenOfflineAt = Timestamp.FromDateTimeOffset(now),
        });
    }

    /// <summary>Equipment installed a turnstile here (a fact: recorded whatever the station's status).</summary>
    /// <param name="turnstileId">The turnstile.</param>
    /// <param name="occurredAt">When it was installed (the event's time).</param>
    /// <param name="now">When the event was handled.</param>
    public void TurnstileInstalled(string turnstileId, DateTimeOffset occurredAt, DateTimeOffset now) =>
        Inventory(State.TurnstileIds, State.TurnstileChangedAt, turnstileId, installed: true, occurredAt, now);

    /// <summary>Equipment decommissioned a turnstile of this station.</summary>
    /// <param name="turnstileId">The turnstile.</param>
    /// <param name="occurredAt">When it was decommissioned (the event's time).</param>
    /// <param name="now">When the event was handled.</param>
    public void TurnstileDecommissioned(string turnstileId, DateTimeOffset occurredAt, DateTimeOffset now) =>
        Inventory(State.TurnstileIds, State.TurnstileChangedAt, turnstileId, installed: false, occurredAt, now);

    /// <summary>Equipment installed a camera here.</summary>
    /// <param name="cameraId">The camera.</param>
    /// <param name="occurredAt">When it was installed (the event's time).</param>
    /// <param name="now">When the event was handled.</param>
    public void CameraInstalled(string cameraId, DateTimeOffset occurredAt, DateTimeOffset now) =>
        Inventory(State.CameraIds, State.CameraChangedAt, cameraId, installed: true, occurredAt, now);

    /// <summary>Equipment removed a camera from its turnstile here.</summary>
    /// <param name="cameraId">The camera.</param>
    /// <param name="occurredAt">When it was removed (the event's time).</param>
    /// <param name="now">When the event was handled.</param>
    public void CameraUninstalled(string cameraId, DateTimeOffset occurredAt, DateTimeOffset now) =>
        Inventory(State.CameraIds, State.CameraChangedAt, cameraId, installed: false, occurredAt, now);

    // Events reach the station in no particular order (several delivery workers, redeliveries): a change older than the
    // last one applied for the same device is ignored, so that a late "installed" cannot bring back a device removed since.
    private void Inventory(List<string> items, Dictionary<string, DateTimeOffset> changedAt, string id, bool installed, DateTimeOffset occurredAt, DateTimeOffset now)
    {
        var known = changedAt.TryGetValue(id, out var applied);
        if (known && occurredAt < applied) return;
        var index = items.BinarySearch(id, StringComparer.Ordinal);
        var listed = index >= 0;
        if (listed == installed && known && applied == occurredAt) return; // A redelivery.
        if (installed && !listed) items.Insert(~index, id);
        else if (!installed && listed) items.RemoveAt(index);
        changedAt[id] = occurredAt;
        Touch(now);
    }

    private void RequireRegistered()
    {
        if (!State.Registered)
        {
            throw DomainRefusalException.NotFound("station_id", $"no station '{State.StationId}' is registered");
        }
    }

    private void Touch(DateTimeOffset now)
    {
        State.LastModifiedAt = now;
        MarkChanged();
    }
}
