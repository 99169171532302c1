using System.Runtime.Serialization;
using Mtaeda.Contracts.Common.V1;
using Mtaeda.Equipment.Actors;
using Mtaeda.Equipment.Domain;

namespace Mtaeda.Equipment.Tests.Actors;

/// <summary>
/// The one status reply of turnstiles and cameras keeps the contracts of the two replies it replaced
/// (<c>TurnstileStatusReply</c>, <c>CameraStatusReply</c>), so an actor and an API of different versions still understand
/// each other over actor remoting during a rolling update.
/// </summary>
public sealed class StatusReplyContractTests
{
    private const string Namespace = "http://schemas.datacontract.org/2004/07/Mtaeda.Equipment.Actors";

    [Fact]
    public void A_turnstile_status_reply_reads_and_is_read_as_the_former_TurnstileStatusReply()
    {
        var refused = Outcome.FailedPrecondition(ErrorReason.TurnstileDecommissioned, "turnstile ts-1 is decommissioned");

        var read = Cross<Former.TurnstileStatusReply, StatusReply<TurnstileStatus>>(new() { Outcome = refused, Status = TurnstileStatus.Decommissioned });
        var back = Cross<StatusReply<TurnstileStatus>, Former.TurnstileStatusReply>(new() { Outcome = refused, Status = TurnstileStatus.Decommissioned });

        Assert.Equal((TurnstileStatus.Decommissioned, ErrorReason.TurnstileDecommissioned), (read.Status, read.Outcome.Reason));
        Assert.Equal((TurnstileStatus.Decommissioned, ErrorReason.TurnstileDecommissioned), (back.Status, back.Outcome.Reason));
    }

    [Fact]
    public void A_camera_status_reply_reads_and_is_read_as_the_former_CameraStatusReply()
    {
        var read = Cross<Former.CameraStatusReply, StatusReply<CameraStatus>>(new() { Outcome = Outcome.Accepted, Status = CameraStatus.UnderMaintenance });
        var back = Cross<StatusReply<CameraStatus>, Former.CameraStatusReply>(new() { Outcome = Outcome.Accepted, Status = CameraStatus.UnderMaintenance });

        Assert.Equal(CameraStatus.UnderMaintenance, read.Status);
        Assert.True(read.Outcome.IsAccepted);
        Assert.Equal(CameraStatus.UnderMaintenance, back.Status);
    }

    /// <summary>Written as <typeparamref name="TFrom"/> by one version, read as <typeparamref name="TTo"/> by another.</summary>
    private static TTo Cross<TFrom, TTo>(TFrom value)
    {
        using var stream = new MemoryStream();
        new DataContractSerializer(typeof(TFrom)).WriteObject(stream, value);
        stream.Position = 0;
        return (TTo)new DataContractSerializer(typeof(TTo)).ReadObject(stream)!;
    }

    /// <summary>The replies as they were declared before they became <see cref="StatusReply{TStatus}"/>.</summary>
    private static class Former
    {
        [DataContract(Name = "TurnstileStatusReply", Namespace = Namespace)]
        public sealed record TurnstileStatusReply
        {
            [DataMember(Order = 1)]
            public Outcome Outcome { get; init; } = Outcome.Accepted;

            [DataMember(Order = 2)]
            public TurnstileStatus Status { get; init; }
        }

        [DataContract(Name = "CameraStatusReply", Namespace = Namespace)]
        public sealed record CameraStatusReply
        {
            [DataMember(Order = 1)]
            public Outcome Outcome { get; init; } = Outcome.Accepted;

            [DataMember(Order = 2)]
            public CameraStatus Status { get; init; }
        }
    }
}
