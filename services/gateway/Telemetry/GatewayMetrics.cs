using System.Diagnostics.Metrics;
using Mtaeda.Gateway.Journal;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Gateway.Telemetry;

/// <summary>
/// The gateway's instruments, on the shared <c>Mtaeda</c> meter (exported at <c>/metrics</c>): passages received,
/// forwarded and rejected (counters; passages per second is their rate), the journal depth, connected devices and
/// failed calls to equipment.
/// </summary>
internal sealed class GatewayMetrics
{
    private readonly Counter<long> _received = MtaedaTelemetry.Meter.CreateCounter<long>(
        "mtaeda.gateway.passages.received", unit: "{passage}", description: "Passages received from devices (replays not counted).");

    private readonly Counter<long> _forwarded = MtaedaTelemetry.Meter.CreateCounter<long>(
        "mtaeda.gateway.passages.forwarded", unit: "{passage}", description: "Passages confirmed by equipment (outcome: recorded, duplicate).");

    private readonly Counter<long> _rejected = MtaedaTelemetry.Meter.CreateCounter<long>(
        "mtaeda.gateway.passages.rejected", unit: "{passage}", description: "Passages refused (invalid, or by equipment), by reason.");

    private readonly Counter<long> _failures = MtaedaTelemetry.Meter.CreateCounter<long>(
        "mtaeda.gateway.equipment.failures", unit: "{call}", description: "Calls to equipment that failed and will be retried, by gRPC status.");

    private readonly UpDownCounter<long> _connected = MtaedaTelemetry.Meter.CreateUpDownCounter<long>(
        "mtaeda.gateway.devices.connected", unit: "{device}", description: "Device sessions open.");

    private readonly Counter<long> _captures = MtaedaTelemetry.Meter.CreateCounter<long>(
        "mtaeda.gateway.captures", unit: "{capture}", description: "Face captures handed to identification, by outcome (offender, passenger, unmatched, refused, failed, dropped); nothing else of them is kept.");

    public GatewayMetrics(PassageJournal journal)
    {
        MtaedaTelemetry.Meter.CreateObservableGauge(
            "mtaeda.gateway.journal.depth", () => journal.PendingCount, unit: "{entry}", description: "Journal entries not yet confirmed by equipment.");
    }

    public void Received(long passages) => _received.Add(passages);

    public void Forwarded(long passages, bool duplicate) => _forwarded.Add(passages, new KeyValuePair<string, object?>("outcome", duplicate ? "duplicate" : "recorded"));

    public void Rejected(long passages, string reason) => _rejected.Add(passages, new KeyValuePair<string, object?>("reason", reason));

    public void EquipmentFailure(string status) => _failures.Add(1, new KeyValuePair<string, object?>("status", status));

    public void Capture(string outcome) => _captures.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void Connected() => _connected.Add(1);

    public void Disconnected() => _connected.Add(-1);
}
