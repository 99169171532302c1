using System.Runtime.Serialization;
using Mtaeda.Contracts.Equipment.V1;

namespace Mtaeda.Equipment.Domain;

/// <summary>Installs a turnstile (its id is the aggregate's) at a station, on lines the station serves.</summary>
[DataContract]
public sealed record InstallTurnstile
{
    /// <summary>Station it is installed at.</summary>
    [DataMember(Order = 1)]
    public string StationId { get; init; } = "";

    /// <summary>Lines reached through it, already resolved against the station (never empty).</summary>
    [DataMember(Order = 2)]
    public string[] LineIds { get; init; } = [];

    /// <summary>Model information.</summary>
    [DataMember(Order = 3)]
    public EquipmentInfo Model { get; init; } = new();

    /// <summary>Passages (entries plus exits) after which it needs maintenance; &gt; 0.</summary>
    [DataMember(Order = 4)]
    public long MaxPassagesBeforeMaintenance { get; init; }

    /// <summary>
    /// True when the command named no lines and <see cref="LineIds"/> are every line the station serves today: a repeat
    /// of such a command is the same command even if the station's lines changed since.
    /// </summary>
    [DataMember(Order = 5)]
    public bool AllStationLines { get; init; }
}

/// <summary>Takes a turnstile out of service for good.</summary>
[DataContract]
public sealed record DecommissionTurnstile
{
    /// <summary>Why, e.g. "station closed".</summary>
    [DataMember(Order = 1)]
    public string Reason { get; init; } = "";

    /// <summary>
    /// When set, decommission only if the turnstile is installed at this station (used when a station closes, so that
    /// a stale list never takes down a turnstile somewhere else).
    /// </summary>
    [DataMember(Order = 2)]
    public string? OnlyAtStationId { get; init; }
}

/// <summary>A batch of passages through one turnstile, as cut by the station gateway.</summary>
[DataContract]
public sealed record PassageBatch
{
    /// <summary>Longest batch id (the bound of the <c>PassagesRecorded</c> contract).</summary>
    public const int MaxBatchIdLength = Contracts.Equipment.V1.PassagesRecorded.MaxBatchIdLength;

    /// <summary>Most passages one direction of one batch may carry (the bound of the <c>PassagesRecorded</c> contract).</summary>
    public const long MaxPassagesPerDirection = Contracts.Equipment.V1.PassagesRecorded.MaxPassagesPerDirection;

    /// <summary>Idempotency key, unique per turnstile and stable across replays.</summary>
    [DataMember(Order = 1)]
    public string BatchId { get; init; } = "";

    /// <summary>Entries, &gt;= 0.</summary>
    [DataMember(Order = 2)]
    public long Ingress { get; init; }

    /// <summary>Exits, &gt;= 0; ingress + egress &gt; 0.</summary>
    [DataMember(Order = 3)]
    public long Egress { get; init; }

    /// <summary>Time of the earliest passage.</summary>
    [DataMember(Order = 4)]
    public DateTimeOffset IntervalStart { get; init; }

    /// <summary>Time of the latest passage: not before <see cref="IntervalStart"/>, in the same UTC minute.</summary>
    [DataMember(Order = 5)]
    public DateTimeOffset IntervalEnd { get; init; }

    /// <summary>The first rule the batch breaks, naming the field (proto names), or <see cref="Outcome.Accepted"/>.</summary>
    /// <returns>The outcome.</returns>
    public Outcome Validate()
    {
        if (string.IsNullOrWhiteSpace(BatchId)) return Outcome.InvalidArgument("batch_id", "is required");
        if (BatchId.Length > MaxBatchIdLength) return Outcome.InvalidArgument("batch_id", $"must be at most {MaxBatchIdLength} characters");
        if (Ingress < 0) return Outcome.InvalidArgument("ingress", "must be >= 0");
        if (Egress < 0) return Outcome.InvalidArgument("egress", "must be >= 0");
        if (Ingress > MaxPassagesPerDirection) return Outcome.InvalidArgument("ingress", $"must be at most {MaxPassagesPerDirection}");
        if (Egress > MaxPassagesPerDirection) return Outcome.InvalidArgument("egress", $"must be at most {MaxPassagesPerDirection}");
        if (Ingress + Egress == 0) return Outcome.InvalidArgument("ingress", "+ egress must be > 0");
        if (IntervalEnd < IntervalStart) return Outcome.InvalidArgument("interval_end", "must not be before interval_start");
        if (MinuteOf(IntervalStart) != MinuteOf(IntervalEnd)) return Outcome.InvalidArgument("interval_end", "must be in the same UTC minute as interval_start");
        return Outcome.Accepted;
    }

    private static long MinuteOf(DateTimeOffset at) => at.UtcTicks / TimeSpan.TicksPerMinute;
}

/// <summary>A fault a turnstile reports.</summary>
[DataContract]
public sealed record FaultReport
{
    /// <summary>Longest fault id.</summary>
    public const int MaxFaultIdLength = 256;

    /// <summary>LOCKED, JAMMED or MALFUNCTION.</summary>
    [DataMember(Order = 1)]
    public FaultKind Kind { get; init; }

    /// <summary>Human-readable cause; may be empty.</summary>
    [DataMember(Order = 2)]
    public string Reason { get; init; } = "";

    /// <summary>When the device detected it; null: when the command is accepted.</summary>
    [DataMember(Order = 3)]
    public DateTimeOffset? OccurredAt { get; init; }

    /// <summary>Idempotency key; null or empty when none was given.</summary>
    [DataMember(Order = 4)]
    public string? FaultId { get; init; }
}

/// <summary>Starts or finishes the maintenance of a turnstile (or of a camera) for a maintenance request.</summary>
[DataContract]
public sealed record TurnstileMaintenance
{
    /// <summary>The maintenance request (and work order).</summary>
    [DataMember(Order = 1)]
    public string RequestId { get; init; } = "";

    /// <summary>When finishing: true when the work was completed (for a turnstile, a new passage cycle), false when it was called off.</summary>
    [DataMember(Order = 2)]
    public bool Completed { get; init; }

    /// <summary>What is or was done; may be empty.</summary>
    [DataMember(Order = 3)]
    public string Reason { get; init; } = "";
}

/// <summary>A fault a camera reports.</summary>
[DataContract]
public sealed record CameraFaultReport
{
    /// <summary>NO_SIGNAL, OBSTRUCTED or MALFUNCTION.</summary>
    [DataMember(Order = 1)]
    public CameraFaultKind Kind { get; init; }

    /// <summary>Human-readable cause; may be empty.</summary>
    [DataMember(Order = 2)]
    public string Reason { get; init; } = "";

    /// <summary>When it was detected; null: when the command is accepted.</summary>
    [DataMember(Order = 3)]
    public DateTimeOffset? OccurredAt { get; init; }

    /// <summary>Idempotency key; null or empty when none was given.</summary>
    [DataMember(Order = 4)]
    public string? FaultId { get; init; }
}
