using System.Diagnostics.Metrics;
using Mtaeda.Identification.Domain;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Identification.Infrastructure;

/// <summary>
/// Identification's instruments (meter <c>Mtaeda</c>): <c>mtaeda.identification.captures.unmatched</c> — the only
/// thing that remains of a capture that matched no one —, <c>mtaeda.identification.matches</c> by kind,
/// <c>mtaeda.identification.captures.refused</c> by field, and the templates the index holds.
/// </summary>
public sealed class IdentificationMetrics
{
    private readonly Counter<long> _unmatched = MtaedaTelemetry.Meter.CreateCounter<long>("mtaeda.identification.captures.unmatched", "{capture}", "Face captures that matched no one (kept nowhere)");
    private readonly Counter<long> _matches = MtaedaTelemetry.Meter.CreateCounter<long>("mtaeda.identification.matches", "{capture}", "Face captures that identified an offender or a passenger");
    private readonly Counter<long> _refused = MtaedaTelemetry.Meter.CreateCounter<long>("mtaeda.identification.captures.refused", "{capture}", "Face captures refused as invalid, by field");

    /// <summary>Registers the gauge of templates held.</summary>
    /// <param name="matcher">The matcher.</param>
    public IdentificationMetrics(IMatcher matcher) =>
        MtaedaTelemetry.Meter.CreateObservableGauge("mtaeda.identification.templates", () => matcher.Count, "{template}", "Templates in the in-memory index");

    /// <summary>A capture matched no one.</summary>
    public void Unmatched() => _unmatched.Add(1);

    /// <summary>A capture identified someone.</summary>
    /// <param name="kind">Offender or passenger.</param>
    public void Matched(PersonKind kind) => _matches.Add(1, new KeyValuePair<string, object?>("kind", kind == PersonKind.Offender ? "offender" : "passenger"));

    /// <summary>A capture was refused.</summary>
    /// <param name="field">The field at fault.</param>
    public void Refused(string field) => _refused.Add(1, new KeyValuePair<string, object?>("field", field));
}
