using System.Runtime.Serialization;
using Mtaeda.Contracts.Stations.V1;

namespace Mtaeda.Stations.Domain;

/// <summary>
/// Everything the Station aggregate knows, as the Station actor persists it (JSON in actor state). Plain data; the
/// rules live in <see cref="Station"/>. Collection setters exist for the serializer.
/// </summary>
[DataContract]
public sealed class StationState
{
    /// <summary>Station id.</summary>
    [DataMember(Order = 1)]
    public string StationId { get; set; } = string.Empty;

    /// <summary>Whether RegisterStation was accepted. The inventory can be known before (equipment's events may come first).</summary>
    [DataMember(Order = 2)]
    public bool Registered { get; set; }

    /// <summary>Display name.</summary>
    [DataMember(Order = 3)]
    public string Name { get; set; } = string.Empty;

    /// <summary>Postal address.</summary>
    [DataMember(Order = 4)]
    public PostalAddress? Address { get; set; }

    /// <summary>Lines serving the station, sorted.</summary>
    [DataMember(Order = 5)]
    public List<string> LineIds { get; set; } = [];

    /// <summary>Current status (unspecified until registered).</summary>
    [DataMember(Order = 6)]
    public StationStatus Status { get; set; }

    /// <summary>Reason given with the last close or offline command.</summary>
    [DataMember(Order = 7)]
    public string StatusReason { get; set; } = string.Empty;

    /// <summary>When it was registered.</summary>
    [DataMember(Order = 8)]
    public DateTimeOffset? RegisteredAt { get; set; }

    /// <summary>When it last became active.</summary>
    [DataMember(Order = 9)]
    public DateTimeOffset? OpenedAt { get; set; }

    /// <summary>When it was last closed.</summary>
    [DataMember(Order = 10)]
    public DateTimeOffset? ClosedAt { get; set; }

    /// <summary>When any field last changed.</summary>
    [DataMember(Order = 11)]
    public DateTimeOffset? LastModifiedAt { get; set; }

    /// <summary>Turnstiles installed and not decommissioned, sorted (from equipment's events).</summary>
    [DataMember(Order = 12)]
    public List<string> TurnstileIds { get; set; } = [];

    /// <summary>Cameras installed at the station, sorted (from equipment's events).</summary>
    [DataMember(Order = 13)]
    public List<string> CameraIds { get; set; } = [];

    /// <summary>When the last applied change of each turnstile happened (event time), to ignore older ones arriving late.</summary>
    [DataMember(Order = 14)]
    public Dictionary<string, DateTimeOffset> TurnstileChangedAt { get; set; } = new(StringComparer.Ordinal);

    /// <summary>When the last applied change of each camera happened (event time), to ignore older ones arriving late.</summary>
    [DataMember(Order = 15)]
    public Dictionary<string, DateTimeOffset> CameraChangedAt { get; set; } = new(StringComparer.Ordinal);
}
