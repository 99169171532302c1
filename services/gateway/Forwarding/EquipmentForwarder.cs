using Mtaeda.Gateway.Devices;
using Mtaeda.Gateway.Journal;
using Mtaeda.Gateway.Telemetry;

namespace Mtaeda.Gateway.Forwarding;

/// <summary>
/// Forwards durable journal entries to equipment: <c>Gateway:MaxConcurrentForwards</c> workers, each taking one device
/// at a time and sending its oldest entry, so a device's batches and faults reach equipment in order while devices
/// proceed in parallel. An entry's outcome (recorded or refused) is journaled before the device is told; a transient
/// failure keeps it journaled, closes the shared <see cref="RetryGate"/> and retries it later, the same command with
/// the same batch or fault id, which equipment recognises when it had in fact recorded it.
/// </summary>
internal sealed class EquipmentForwarder(DeviceRegistry registry, PassageJournal journal, EquipmentCommands equipment, RetryGate gate,
    GatewayOptions options, GatewayMetrics metrics, ILogger<EquipmentForwarder> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, options.MaxConcurrentForwards).Select(_ => Task.Run(() => WorkAsync(stoppingToken), stoppingToken)));

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var device in registry.Ready.ReadAllAsync(stoppingToken))
            {
                await gate.WaitAsync(stoppingToken);
                if (registry.Head(device) is not { } entry) continue;
                var outcome = await equipment.SendAsync(entry, stoppingToken);
                switch (outcome.Kind)
                {
                    case OutcomeKind.Transient:
                        metrics.EquipmentFailure(outcome.Status);
                        if (gate.Fail())
                            logger.LogWarning("Equipment cannot be reached ({Status}: {Message}); batches stay journaled and are forwarded when it can ({Depth} pending)",
                                outcome.Status, outcome.Message, journal.PendingCount);
                        registry.Requeue(device);
                        break;
                    case OutcomeKind.Recorded:
                        if (gate.Succeed()) logger.LogInformation("Equipment can be reached again; forwarding {Depth} journaled entries", journal.PendingCount);
                        await journal.CompleteAsync(new EntryDone { EntryId = entry.EntryId, DeviceId = entry.DeviceId, FirstSequence = entry.FirstSequence, LastSequence = entry.LastSequence });
                        registry.Recorded(device, entry, outcome.Duplicate, outcome.StatusAfterFault);
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
                        registry.Rejected(device, entry, outcome.Reason, outcome.Message);
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
