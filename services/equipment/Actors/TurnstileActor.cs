using Dapr.Actors.Runtime;
using Dapr.Client;
using Mtaeda.Contracts;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Equipment.Domain;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Equipment.Actors;

/// <summary>
/// The turnstile's actor: loads the <see cref="Domain.Turnstile"/> aggregate from its state, runs the command, and when
/// it changed saves it and puts the events it raised in the outbox, all in the same turn (one state transaction).
/// </summary>
[Actor(TypeName = TypeName)]
public sealed class TurnstileActor : OutboxActor, ITurnstileActor
{
    /// <summary>The actor type.</summary>
    public const string TypeName = "Turnstile";

    /// <summary>The state key holding the <see cref="TurnstileState"/>.</summary>
    public const string StateKey = "turnstile";

    private readonly TimeProvider _time;
    private readonly EquipmentOptions _options;

    /// <summary>Creates the actor.</summary>
    /// <param name="host">The actor host.</param>
    /// <param name="dapr">The Dapr client the outbox publishes with.</param>
    /// <param name="time">The clock.</param>
    /// <param name="options">The equipment settings (the clock skew a passage batch may have).</param>
    /// <param name="stateManager">A state manager to use instead of the runtime's (tests).</param>
    public TurnstileActor(ActorHost host, DaprClient dapr, TimeProvider time, EquipmentOptions options, IActorStateManager? stateManager = null)
        : base(host, dapr)
    {
        _time = time;
        _options = options;
        if (stateManager is not null) StateManager = stateManager;
    }

    /// <inheritdoc />
    public async Task<InstallTurnstileReply> InstallAsync(InstallTurnstile command)
    {
        var turnstile = await LoadAsync();
        var outcome = turnstile.Install(command, _time.GetUtcNow());
        await SaveAsync(turnstile);
        return new() { Outcome = outcome, InstalledAt = turnstile.State?.InstalledAt ?? default };
    }

    /// <inheritdoc />
    public async Task<DecommissionTurnstileReply> DecommissionAsync(DecommissionTurnstile command)
    {
        var turnstile = await LoadAsync();
        var outcome = turnstile.Decommission(command, _time.GetUtcNow(), out var removedCamera);
        await SaveAsync(turnstile);
        return new() { Outcome = outcome, DecommissionedAt = turnstile.State?.DecommissionedAt ?? default, RemovedCameraId = removedCamera };
    }

    /// <inheritdoc />
    public async Task<AttachCameraReply> AttachCameraAsync(string cameraId)
    {
        var turnstile = await LoadAsync();
        var outcome = turnstile.AttachCamera(cameraId, _time.GetUtcNow());
        await SaveAsync(turnstile);
        return new() { Outcome = outcome, StationId = turnstile.State?.StationId ?? "" };
    }

    /// <inheritdoc />
    public async Task<DetachCameraReply> DetachCameraAsync(CameraDetachment detachment)
    {
        ArgumentNullException.ThrowIfNull(detachment);
        var turnstile = await LoadAsync();
        var outcome = turnstile.DetachCamera(detachment.CameraId, detachment.Reason, _time.GetUtcNow(), out var detached);
        await SaveAsync(turnstile);
        return new() { Outcome = outcome, Detached = detached };
    }

    /// <inheritdoc />
    public async Task<Outcome> SetStationAvailabilityAsync(StationAvailability availability)
    {
        ArgumentNullException.ThrowIfNull(availability);
        var turnstile = await LoadAsync();
        var outcome = turnstile.SetStationOffline(availability.Status == Contracts.Stations.V1.StationStatus.Offline, availability.At ?? _time.GetUtcNow());
        await SaveAsync(turnstile);
        return outcome;
    }

    /// <inheritdoc />
    public async Task<RecordPassagesReply> RecordPassagesAsync(PassageBatch batch)
    {
        var turnstile = await LoadAsync();
        var outcome = turnstile.RecordPassages(batch, _time.GetUtcNow(), out var duplicate, _options.MaxClockSkew);
        await SaveAsync(turnstile);
        return new() { Outcome = outcome, Duplicate = duplicate };
    }

    /// <inheritdoc />
    public async Task<StatusReply<TurnstileStatus>> ReportFaultAsync(FaultReport report)
    {
        var turnstile = await LoadAsync();
        var outcome = turnstile.ReportFault(report, _time.GetUtcNow());
        await SaveAsync(turnstile);
        return new() { Outcome = outcome, Status = turnstile.State?.Status ?? TurnstileStatus.Unspecified };
    }

    /// <inheritdoc />
    public async Task<StatusReply<TurnstileStatus>> RestoreAsync(string reason)
    {
        var turnstile = await LoadAsync();
        var outcome = turnstile.Restore(reason ?? "", _time.GetUtcNow());
        await SaveAsync(turnstile);
        return new() { Outcome = outcome, Status = turnstile.State?.Status ?? TurnstileStatus.Unspecified };
    }

    /// <inheritdoc />
    public async Task<StatusReply<TurnstileStatus>> StartMaintenanceAsync(TurnstileMaintenance maintenance)
    {
        ArgumentNullException.ThrowIfNull(maintenance);
        var turnstile = await LoadAsync();
        var outcome = turnstile.StartMaintenance(maintenance.RequestId, maintenance.Reason ?? "", _time.GetUtcNow());
        await SaveAsync(turnstile);
        return new() { Outcome = outcome, Status = turnstile.State?.Status ?? TurnstileStatus.Unspecified };
    }

    /// <inheritdoc />
    public async Task<StatusReply<TurnstileStatus>> FinishMaintenanceAsync(TurnstileMaintenance maintenance)
    {
        ArgumentNullException.ThrowIfNull(maintenance);
        var turnstile = await LoadAsync();
        var outcome = turnstile.FinishMaintenance(maintenance.RequestId, maintenance.Completed, maintenance.Reason ?? "", _time.GetUtcNow());
        await SaveAsync(turnstile);
        return new() { Outcome = outcome, Status = turnstile.State?.Status ?? TurnstileStatus.Unspecified };
    }

    /// <inheritdoc />
    public async Task<TurnstileState?> GetAsync() => (await LoadAsync()).State;

    private async Task<Domain.Turnstile> LoadAsync()
    {
        var saved = await StateManager.TryGetStateAsync<TurnstileState>(StateKey);
        return Domain.Turnstile.Load(Id.GetId(), saved.HasValue ? saved.Value : null);
    }

    private async Task SaveAsync(Domain.Turnstile turnstile)
    {
        if (!turnstile.Changed || turnstile.State is null) return;
        await StateManager.SetStateAsync(StateKey, turnstile.State);
        foreach (var message in turnstile.Events) await EmitAsync(message);
    }
}
