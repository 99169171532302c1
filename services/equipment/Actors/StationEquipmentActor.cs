using Dapr.Actors;
using Dapr.Actors.Runtime;
using Mtaeda.Contracts.Common.V1;
using Mtaeda.Contracts.Stations.V1;
using Mtaeda.Equipment.Domain;

namespace Mtaeda.Equipment.Actors;

/// <summary>
/// One station as equipment knows it (actor id = station id): the turnstiles installed there and the station's
/// availability as stations last announced it (<c>StationTakenOffline</c>, <c>StationOpened</c>, <c>StationClosed</c>).
/// </summary>
/// <remarks>
/// This actor is where "no operational turnstile at a closed station" is decided. Installing a turnstile runs in one of
/// its turns (<see cref="InstallTurnstileAsync"/>: check the availability, install the turnstile, list it), and so does
/// noting that the station closed (<see cref="StationClosedAsync"/>: mark it closed, answer the list to decommission).
/// The runtime runs one turn at a time per actor, so the two never interleave: either the install came first, and the
/// turnstile is on the list that closing decommissions, or the close came first, and the install is refused
/// (STATION_CLOSED). The stations service's own answer, asked before the install, narrows the window further but is
/// not what the rule rests on. Calls go from this actor to turnstile actors only, never back, so no two actors can wait
/// on each other. An availability change older than the one already noted is ignored (events may arrive out of order).
/// </remarks>
[Actor(TypeName = TypeName)]
public sealed class StationEquipmentActor : Actor, IStationEquipmentActor
{
    /// <summary>The actor type.</summary>
    public const string TypeName = "StationEquipment";

    /// <summary>The state key holding the turnstile ids.</summary>
    public const string StateKey = "turnstiles";

    /// <summary>The state key holding the station's <see cref="StationAvailability"/>.</summary>
    public const string AvailabilityKey = "availability";

    /// <summary>Creates the actor.</summary>
    /// <param name="host">The actor host.</param>
    /// <param name="stateManager">A state manager to use instead of the runtime's (tests).</param>
    public StationEquipmentActor(ActorHost host, IActorStateManager? stateManager = null)
        : base(host)
    {
        if (stateManager is not null) StateManager = stateManager;
    }

    /// <inheritdoc />
    public async Task<InstallTurnstileReply> InstallTurnstileAsync(string turnstileId, InstallTurnstile command)
    {
        ArgumentException.ThrowIfNullOrEmpty(turnstileId);
        ArgumentNullException.ThrowIfNull(command);
        var availability = await AvailabilityAsync();
        var turnstiles = await TurnstilesAsync();
        var listed = turnstiles.Contains(turnstileId, StringComparer.Ordinal);
        // A repeat of an install that was accepted before goes to the turnstile (which answers the original time).
        if (!listed && availability.Status == StationStatus.Closed)
        {
            return Refused(ErrorReason.StationClosed, $"station {Id.GetId()} is closed; nothing can be installed there");
        }
        if (!listed && availability.Status == StationStatus.Offline)
        {
            return Refused(ErrorReason.StationOffline, $"station {Id.GetId()} is offline; nothing can be installed there until it is opened");
        }

        var reply = await Turnstile(turnstileId).InstallAsync(command);
        if (reply.Outcome.IsAccepted && !listed)
        {
            turnstiles.Add(turnstileId);
            await StateManager.SetStateAsync(StateKey, turnstiles);
        }
        return reply;
    }

    /// <inheritdoc />
    public async Task<string[]> StationClosedAsync(DateTimeOffset closedAt)
    {
        // A close older than a change already noted (the station was opened again since) leaves the station as it is, and
        // the turnstiles installed since are not the close's to take down: only those the event itself lists are.
        if (!await NoteAsync(StationStatus.Closed, closedAt)) return [];
        return [.. await TurnstilesAsync()];
    }

    /// <inheritdoc />
    public async Task StationAvailabilityChangedAsync(StationAvailability change)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (change.At is not { } at) throw new ArgumentException("the time of the change is required", nameof(change));
        if (!await NoteAsync(change.Status, at)) return;
        foreach (var turnstileId in await TurnstilesAsync())
        {
            // Listed only after the turnstile accepted its install, so it exists; a decommissioned one notes it and stays so.
            await Turnstile(turnstileId).SetStationAvailabilityAsync(change);
        }
    }

    /// <inheritdoc />
    public async Task<StationAvailability> GetAvailabilityAsync() => await AvailabilityAsync();

    /// <inheritdoc />
    public async Task<string[]> GetTurnstilesAsync() => [.. await TurnstilesAsync()];

    // Notes the station's status; false (and nothing changes) when a newer change was noted already.
    private async Task<bool> NoteAsync(StationStatus status, DateTimeOffset at)
    {
        var known = await AvailabilityAsync();
        if (known.At is { } noted && at < noted) return false;
        if (known.Status != status || known.At != at)
        {
            await StateManager.SetStateAsync(AvailabilityKey, new StationAvailability { Status = status, At = at });
        }
        return true;
    }

    private async Task<StationAvailability> AvailabilityAsync()
    {
        var saved = await StateManager.TryGetStateAsync<StationAvailability>(AvailabilityKey);
        return saved.HasValue ? saved.Value : new StationAvailability { Status = StationStatus.Unspecified };
    }

    private async Task<List<string>> TurnstilesAsync()
    {
        var saved = await StateManager.TryGetStateAsync<List<string>>(StateKey);
        return saved.HasValue ? saved.Value : [];
    }

    private ITurnstileActor Turnstile(string turnstileId) =>
        ProxyFactory.CreateActorProxy<ITurnstileActor>(new ActorId(turnstileId), TurnstileActor.TypeName);

    private static InstallTurnstileReply Refused(ErrorReason reason, string message) =>
        new() { Outcome = Outcome.FailedPrecondition(reason, message) };
}
