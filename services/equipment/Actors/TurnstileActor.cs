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
public sealed class TurnstileActor : DeviceActor<Domain.Turnstile, TurnstileState, TurnstileStatus>, ITurnstileActor
{
    /// <summary>The actor type.</summary>
    public const string TypeName = "Turnstile";

    /// <summary>The state key holding the <see cref="TurnstileState"/>.</summary>
    public const string StateKey = "turnstile";

    private readonly EquipmentOptions _options;

    /// <summary>Creates the actor.</summary>
    /// <param name="host">The actor host.</param>
    /// <param name="dapr">The Dapr client the outbox publishes with.</param>
    /// <param name="time">The clock.</param>
    /// <param name="options">The equipment settings (the clock skew a passage batch may have).</param>
    /// <param name="stateManager">A state manager to use instead of the runtime's (tests).</param>
    public TurnstileActor(ActorHost host, DaprClient dapr, TimeProvider time, EquipmentOptions options, IActorStateManager? stateManager = null)
        : base(host, dapr, time, StateKey, Domain.Turnstile.Load, stateManager)
    {
        _options = options;
    }

    /// <inheritdoc />
    public async Task<InstallTurnstileReply> InstallAsync(InstallTurnstile command)
    {
        var (turnstile, outcome) = await RunAsync(t => t.Install(command, Now));
        return new() { Outcome = outcome, InstalledAt = turnstile.State?.InstalledAt ?? default };
    }

    /// <inheritdoc />
    public async Task<DecommissionTurnstileReply> DecommissionAsync(DecommissionTurnstile command)
    {
        string? removedCamera = null;
        var (turnstile, outcome) = await RunAsync(t => t.Decommission(command, Now, out removedCamera));
        return new() { Outcome = outcome, DecommissionedAt = turnstile.State?.DecommissionedAt ?? default, RemovedCameraId = removedCamera };
    }

    /// <inheritdoc />
    public async Task<AttachCameraReply> AttachCameraAsync(string cameraId)
    {
        var (turnstile, outcome) = await RunAsync(t => t.AttachCamera(cameraId, Now));
        return new() { Outcome = outcome, StationId = turnstile.State?.StationId ?? "" };
    }

    /// <inheritdoc />
    public async Task<DetachCameraReply> DetachCameraAsync(CameraDetachment detachment)
    {
        ArgumentNullException.ThrowIfNull(detachment);
        var detached = false;
        var (_, outcome) = await RunAsync(t => t.DetachCamera(detachment.CameraId, detachment.Reason, Now, out detached));
        return new() { Outcome = outcome, Detached = detached };
    }

    /// <inheritdoc />
    public async Task<Outcome> SetStationAvailabilityAsync(StationAvailability availability)
    {
        ArgumentNullException.ThrowIfNull(availability);
        var offline = availability.Status == Contracts.Stations.V1.StationStatus.Offline;
        return (await RunAsync(t => t.SetStationOffline(offline, availability.At ?? Now))).Outcome;
    }

    /// <inheritdoc />
    public async Task<RecordPassagesReply> RecordPassagesAsync(PassageBatch batch)
    {
        var duplicate = false;
        var (_, outcome) = await RunAsync(t => t.RecordPassages(batch, Now, out duplicate, _options.MaxClockSkew));
        return new() { Outcome = outcome, Duplicate = duplicate };
    }

    /// <inheritdoc />
    public Task<StatusReply<TurnstileStatus>> ReportFaultAsync(FaultReport report) =>
        StatusAfterAsync(t => t.ReportFault(report, Now));

    /// <inheritdoc />
    public Task<StatusReply<TurnstileStatus>> RestoreAsync(string reason) =>
        StatusAfterAsync(t => t.Restore(reason ?? "", Now));

    /// <inheritdoc />
    public async Task<TurnstileState?> GetAsync() => (await LoadAsync()).State;
}
