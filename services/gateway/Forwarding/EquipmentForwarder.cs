using Mtaeda.Gateway.Devices;
using Mtaeda.Gateway.Journal;
using Mtaeda.Gateway.Telemetry;

namespace Mtaeda.Gateway.Forwarding;

/// <summary>
/// Forwards durable journal entries to equipment: <c>Gateway:MaxConcurrentForwards</c> workers take the entries the
/// <see cref="DeviceRegistry"/> offers (the oldest of a device, one per device at a time, so a device's batches and faults
/// reach equipment in order while devices proceed in parallel) and report each outcome back through
/// <see cref="DeviceOutcomes"/>. An entry's outcome (recorded or refused) is journaled before it is reported, so before
/// the device is told; a transient failure keeps it journaled, closes the shared <see cref="RetryGate"/> and reports it
/// to be offered again, the same command with the same batch or fault id, which equipment recognises when it had in
/// fact recorded it. A refusal because the station is offline is neither: the entry stays journaled and only its device
/// waits (<see cref="DeviceOutcomes.Held"/>) until it is offered again. The forwarder holds no device state.
/// </summary>
internal sealed class EquipmentForwarder(DeviceRegistry registry, DeviceOutcomes outcomes, PassageJournal journal, EquipmentCommands equipment, RetryGate gate,
    GatewayOptions options, GatewayMetrics metrics, ILogger<EquipmentForwarder> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, options.MaxConcurrentForwards).Select(_ => Task.Run(() => WorkAsync(stoppingToken), stoppingToken)));

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var (device, entry) in registry.Ready.ReadAllAsync(stoppingToken))
            {
                await gate.WaitAsync(stoppingToken);
                var outcome = await equipment.SendAsync(entry, stoppingToken);
                switch (outcome.Kind)
                {
                    case OutcomeKind.Transient:
                        metrics.EquipmentFailure(outcome.Status);
                        if (gate.Fail())
                            logger.LogWarning("Equipment cannot be reached ({Status}: {Message}); batches stay journaled and are forwarded when it can ({Depth} pending)",
                                outcome.Status, outcome.Message, journal.PendingCount);
                        outcomes.RetryLater(device, entry);
                        break;
                    case OutcomeKind.Held:
                        // Equipment answered: it is reachable. Only this device waits (its station is offline).
                        if (gate.Succeed()) logger.LogInformation("Equipment can be reached again; forwarding {Depth} journaled entries", journal.PendingCount);
                        logger.LogDebug("Equipment holds {Command} {First}-{Last} of device {DeviceId} back: {Message}; it stays journaled and is forwarded again",
                            entry.CommandCase, entry.FirstSequence, entry.LastSequence, entry.DeviceId, outcome.Message);
                        outcomes.Held(device, entry, outcome.Message);
                        break;
                    case OutcomeKind.Recorded:
                        if (gate.Succeed()) logger.LogInformation("Equipment can be reached again; forwarding {Depth} journaled entries", journal.PendingCount);
                        await journal.CompleteAsync(new EntryDone { EntryId = entry.EntryId, DeviceId = entry.DeviceId, FirstSequence = entry.FirstSequence, LastSequence = entry.LastSequence });
                        outcomes.Recorded(device, entry, outcome.Duplicate, outcome.StatusAfterFault);
                        break;
                    case OutcomeKind.Rejected:
                        gate.Succeed();
                        logger.LogWarning("Equipment refused {Command} {First}-{Last} of device {DeviceId}: {Reason} ({Status}: {Message})",
                            entry.CommandCase, entry.FirstSequence, entry.LastSequence, entry.DeviceId, outcome.Reason, outcome.Status, outcome.Message);
                        await journal.CompleteAsync(new EntryDone
                        {
                            EntryId = entry.EntryId,
                            DeviceId = entry.DeviceId,
                            FirstSequence = entry.FirstSequence,
                            LastSequence = entry.LastSequence,
                            Rejected = true,
                            Reason = outcome.Reason,
                            Message = outcome.Message,
                        });
                        outcomes.Rejected(device, entry, outcome.Reason, outcome.Message);
                        break;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or Grpc.Core.RpcException && stoppingToken.IsCancellationRequested)
        {
            // Shutting down: what was not confirmed stays journaled and is forwarded after the restart.
        }
    }
}
