using Google.Rpc;

namespace Mtaeda.Contracts.Equipment.V1;

/// <summary>The bounds of a <c>PassagesRecorded</c> event: equipment checks them before publishing, read sides before counting.</summary>
public sealed partial class PassagesRecorded : IValidatedMessage
{
    /// <summary>Most passages one direction of one batch may carry (a gateway cuts batches every minute).</summary>
    public const long MaxPassagesPerDirection = 1_000_000;

    /// <summary>Longest batch id.</summary>
    public const int MaxBatchIdLength = 128;

    /// <inheritdoc />
    public BadRequest Violations()
    {
        var violations = new BadRequest()
            .Id(TurnstileId, "turnstile_id")
            .Id(StationId, "station_id");
        for (var i = 0; i < LineIds.Count; i++) violations.Id(LineIds[i], $"line_ids[{i}]");
        if (BatchId.Length > MaxBatchIdLength) violations.Add("batch_id", $"must be at most {MaxBatchIdLength} characters");
        Count(violations, Ingress, "ingress");
        Count(violations, Egress, "egress");
        return violations;
    }

    /// <summary>Adds a violation when <paramref name="count"/> is not 0 to <see cref="MaxPassagesPerDirection"/>.</summary>
    /// <param name="violations">The violations so far.</param>
    /// <param name="count">A count of passages in one direction.</param>
    /// <param name="field">Its field.</param>
    /// <returns>The same violations.</returns>
    public static BadRequest Count(BadRequest violations, long count, string field) =>
        count is < 0 or > MaxPassagesPerDirection ? violations.Add(field, $"must be 0 to {MaxPassagesPerDirection}") : violations;
}
