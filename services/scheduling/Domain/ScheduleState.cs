using System.Runtime.Serialization;

namespace Mtaeda.Scheduling.Domain;

/// <summary>A preventive maintenance schedule as it is stored (actor state) and handed back by the actor.</summary>
[DataContract]
public sealed class ScheduleState
{
    /// <summary>The schedule id.</summary>
    [DataMember(Order = 1)] public string ScheduleId { get; set; } = string.Empty;

    /// <summary>The turnstile or camera.</summary>
    [DataMember(Order = 2)] public string DeviceId { get; set; } = string.Empty;

    /// <summary>Turnstile or camera.</summary>
    [DataMember(Order = 3)] public DeviceKind DeviceKind { get; set; }

    /// <summary>Station of the device.</summary>
    [DataMember(Order = 4)] public string StationId { get; set; } = string.Empty;

    /// <summary>The cron expression.</summary>
    [DataMember(Order = 5)] public string Cron { get; set; } = string.Empty;

    /// <summary>The IANA time zone it is read in.</summary>
    [DataMember(Order = 6)] public string TimeZone { get; set; } = string.Empty;

    /// <summary>1 when created, one more on each change and on removal; 0 until first created.</summary>
    [DataMember(Order = 7)] public long Version { get; set; }

    /// <summary>When it was created.</summary>
    [DataMember(Order = 8)] public DateTimeOffset? CreatedAt { get; set; }

    /// <summary>When its recurrence last changed (creation, then each change); occurrences count from it.</summary>
    [DataMember(Order = 9)] public DateTimeOffset? ChangedAt { get; set; }

    /// <summary>When it was removed; null while it is live.</summary>
    [DataMember(Order = 10)] public DateTimeOffset? RemovedAt { get; set; }

    /// <summary>True while the schedule exists and is not removed.</summary>
    public bool Live => Version > 0 && RemovedAt is null;

    /// <summary>A copy, for a command to change.</summary>
    /// <returns>The copy.</returns>
    public ScheduleState Copy() => (ScheduleState)MemberwiseClone();
}
