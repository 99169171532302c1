using System.Runtime.Serialization;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Contracts.Stations.V1;
using Mtaeda.Equipment.Domain;

namespace Mtaeda.Equipment.Actors;

/// <summary>Installs a camera (its id is the actor's) on a turnstile.</summary>
[DataContract]
public sealed record InstallCamera
{
    /// <summary>The turnstile it watches.</summary>
    [DataMember(Order = 1)]
    public string TurnstileId { get; init; } = "";

    /// <summary>Model information.</summary>
    [DataMember(Order = 2)]
    public EquipmentInfo Model { get; init; } = new();
}

/// <summary>Takes a camera off a turnstile.</summary>
[DataContract]
public sealed record CameraDetachment
{
    /// <summary>The camera.</summary>
    [DataMember(Order = 1)]
    public string CameraId { get; init; } = "";

    /// <summary>Why.</summary>
    [DataMember(Order = 2)]
    public string Reason { get; init; } = "";
}

/// <summary>Answer to <see cref="ITurnstileActor.InstallAsync"/>.</summary>
[DataContract]
public sealed record InstallTurnstileReply
{
    /// <summary>Accepted or why not.</summary>
    [DataMember(Order = 1)]
    public Outcome Outcome { get; init; } = Outcome.Accepted;

    /// <summary>When it was installed (the original time for a repeat).</summary>
    [DataMember(Order = 2)]
    public DateTimeOffset InstalledAt { get; init; }
}

/// <summary>Answer to <see cref="ITurnstileActor.DecommissionAsync"/>.</summary>
[DataContract]
public sealed record DecommissionTurnstileReply
{
    /// <summary>Accepted or why not.</summary>
    [DataMember(Order = 1)]
    public Outcome Outcome { get; init; } = Outcome.Accepted;

    /// <summary>When it was decommissioned (the original time when it already was).</summary>
    [DataMember(Order = 2)]
    public DateTimeOffset DecommissionedAt { get; init; }

    /// <summary>The camera the turnstile let go; null when none.</summary>
    [DataMember(Order = 3)]
    public string? RemovedCameraId { get; init; }
}

/// <summary>Answer to <see cref="ITurnstileActor.AttachCameraAsync"/>.</summary>
[DataContract]
public sealed record AttachCameraReply
{
    /// <summary>Accepted or why not.</summary>
    [DataMember(Order = 1)]
    public Outcome Outcome { get; init; } = Outcome.Accepted;

    /// <summary>The turnstile's station.</summary>
    [DataMember(Order = 2)]
    public string StationId { get; init; } = "";
}

/// <summary>Answer to <see cref="ITurnstileActor.RecordPassagesAsync"/>.</summary>
[DataContract]
public sealed record RecordPassagesReply
{
    /// <summary>Accepted or why not.</summary>
    [DataMember(Order = 1)]
    public Outcome Outcome { get; init; } = Outcome.Accepted;

    /// <summary>True when the batch had been recorded before and was not counted again.</summary>
    [DataMember(Order = 2)]
    public bool Duplicate { get; init; }
}

/// <summary>
/// Answer to a command that changes a device's status: <see cref="ITurnstileActor.ReportFaultAsync"/>,
/// <see cref="ITurnstileActor.RestoreAsync"/> and the maintenance commands of turnstiles and cameras. On the wire it is
/// <c>TurnstileStatusReply</c> or <c>CameraStatusReply</c> (its contract name after its status).
/// </summary>
/// <typeparam name="TStatus">The device's status: <see cref="TurnstileStatus"/> or <see cref="CameraStatus"/>.</typeparam>
[DataContract(Name = "{0}Reply")]
public sealed record StatusReply<TStatus>
    where TStatus : struct, Enum
{
    /// <summary>Accepted or why not.</summary>
    [DataMember(Order = 1)]
    public Outcome Outcome { get; init; } = Outcome.Accepted;

    /// <summary>The status after the command.</summary>
    [DataMember(Order = 2)]
    public TStatus Status { get; init; }
}

/// <summary>Answer to <see cref="ICameraActor.InstallAsync"/>.</summary>
[DataContract]
public sealed record InstallCameraReply
{
    /// <summary>Accepted or why not.</summary>
    [DataMember(Order = 1)]
    public Outcome Outcome { get; init; } = Outcome.Accepted;

    /// <summary>The station the camera is at.</summary>
    [DataMember(Order = 2)]
    public string StationId { get; init; } = "";

    /// <summary>When it was installed.</summary>
    [DataMember(Order = 3)]
    public DateTimeOffset InstalledAt { get; init; }
}

/// <summary>Answer to <see cref="ICameraActor.UninstallAsync"/>.</summary>
[DataContract]
public sealed record UninstallCameraReply
{
    /// <summary>Accepted or why not.</summary>
    [DataMember(Order = 1)]
    public Outcome Outcome { get; init; } = Outcome.Accepted;

    /// <summary>The turnstile it was on; empty when on none.</summary>
    [DataMember(Order = 2)]
    public string TurnstileId { get; init; } = "";
}

/// <summary>A station's status as equipment last heard it from stations, and when it changed.</summary>
[DataContract]
public sealed record StationAvailability
{
    /// <summary>ACTIVE, OFFLINE or CLOSED; unspecified while equipment heard nothing about the station.</summary>
    [DataMember(Order = 1)]
    public StationStatus Status { get; init; }

    /// <summary>When the station's status changed (the event's time); null while unspecified.</summary>
    [DataMember(Order = 2)]
    public DateTimeOffset? At { get; init; }
}

/// <summary>Answer to <see cref="ITurnstileActor.DetachCameraAsync"/>.</summary>
[DataContract]
public sealed record DetachCameraReply
{
    /// <summary>Accepted or why not.</summary>
    [DataMember(Order = 1)]
    public Outcome Outcome { get; init; } = Outcome.Accepted;

    /// <summary>True when the turnstile held the camera and took it off (and raised <c>TurnstileCameraUninstalled</c>).</summary>
    [DataMember(Order = 2)]
    public bool Detached { get; init; }
}

/// <summary>Answer to <see cref="ICameraActor.ReportFaultAsync"/>.</summary>
[DataContract]
public sealed record ReportCameraFaultReply
{
    /// <summary>Accepted or why not.</summary>
    [DataMember(Order = 1)]
    public Outcome Outcome { get; init; } = Outcome.Accepted;

    /// <summary>The camera's station; empty when refused.</summary>
    [DataMember(Order = 2)]
    public string StationId { get; init; } = "";
}
