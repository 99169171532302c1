using Mtaeda.Contracts;
using Mtaeda.Contracts.Common.V1;
using Mtaeda.Contracts.Gateway.V1;
using Mtaeda.Gateway.Forwarding;

namespace Mtaeda.Gateway.Tests;

/// <summary>The gateway reads equipment's refusals by status code and reason code, never by their text.</summary>
public sealed class EquipmentErrorClassificationTests
{
    [Fact]
    public void A_refusal_with_the_decommissioned_reason_is_decommissioned_whatever_its_text_says()
    {
        var outcome = EquipmentCommands.Classify(Errors.FailedPrecondition(ErrorReason.TurnstileDecommissioned, "out of service for good"));

        Assert.Equal((OutcomeKind.Rejected, RejectionReason.Decommissioned), (outcome.Kind, outcome.Reason));
    }

    [Fact]
    public void A_refusal_with_another_reason_is_out_of_service_even_when_its_text_mentions_decommissioning()
    {
        var outcome = EquipmentCommands.Classify(Errors.FailedPrecondition(ErrorReason.TurnstileLocked, "locked while waiting to be decommissioned"));

        Assert.Equal((OutcomeKind.Rejected, RejectionReason.OutOfService), (outcome.Kind, outcome.Reason));
    }

    [Fact]
    public void Bad_input_is_an_invalid_signal_and_unavailability_is_transient()
    {
        Assert.Equal(RejectionReason.InvalidSignal, EquipmentCommands.Classify(Errors.InvalidArgument("batch_id", "is required")).Reason);
        Assert.Equal(OutcomeKind.Transient, EquipmentCommands.Classify(Errors.Unavailable("the sidecar is away")).Kind);
    }
}
