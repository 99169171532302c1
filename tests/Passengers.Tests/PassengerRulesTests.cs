using Mtaeda.Contracts;
using Mtaeda.Contracts.Common.V1;
using Mtaeda.Contracts.Passengers.V1;
using Mtaeda.Passengers.Domain;
using Passenger = Mtaeda.Passengers.Domain.Passenger;

namespace Mtaeda.Passengers.Tests;

/// <summary>The Passenger aggregate's rules: loyalty transitions, consent, and a top-up's card credit once per id.</summary>
public sealed class PassengerRulesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 8, 0, 0, TimeSpan.Zero);
    private static readonly PassengerInfoState Info = new() { DisplayName = "Ada", Email = "ada@example.org", Language = "en" };

    private static Passenger Registered()
    {
        var passenger = new Passenger(new PassengerState { PassengerId = "p-1" });
        passenger.Register(Info, T0);
        return new Passenger(passenger.State);
    }

    private static string[] Types(Passenger passenger) => [.. passenger.Events.Select(e => e.Descriptor.Name)];

    [Fact]
    public void Registering_raises_the_event_and_a_notification_and_a_repeat_changes_nothing_while_other_information_is_refused()
    {
        var passenger = new Passenger(new PassengerState { PassengerId = "p-1" });
        passenger.Register(Info, T0);
        Assert.Equal([nameof(PassengerRegistered), nameof(PassengerNotificationRequested)], Types(passenger));
        var notification = Assert.IsType<PassengerNotificationRequested>(passenger.Events[1]);
        Assert.Equal(("p-1.1", "ada@example.org", PassengerNotificationKind.Registered), (notification.NotificationId, notification.Email, notification.Kind));

        var again = new Passenger(passenger.State);
        again.Register(Info, T0.AddMinutes(1));
        Assert.False(again.Changed);
        var refusal = Assert.Throws<DomainRefusalException>(() => again.Register(Info with { DisplayName = "Grace" }, T0));
        Assert.Equal((RefusalKind.AlreadyExists, "passenger_id"), (refusal.Kind, refusal.Field));
    }

    [Fact]
    public void A_loyalty_programme_is_requested_updated_and_retired_each_with_its_event_and_a_notification()
    {
        var passenger = Registered();
        passenger.RequestLoyaltyProgram("lp-1", LoyaltyTier.Standard, T0);
        passenger.UpdateLoyaltyProgram(LoyaltyTier.Gold, T0.AddDays(1));
        passenger.UpdateLoyaltyProgram(LoyaltyTier.Gold, T0.AddDays(2)); // unchanged: nothing
        passenger.RetireLoyaltyProgram("moved away", T0.AddDays(3));
        passenger.RetireLoyaltyProgram("again", T0.AddDays(4)); // retired already: nothing

        Assert.Equal(
            [nameof(LoyaltyProgramRequested), nameof(PassengerNotificationRequested), nameof(LoyaltyProgramUpdated), nameof(PassengerNotificationRequested),
             nameof(LoyaltyProgramRetired), nameof(PassengerNotificationRequested)],
            Types(passenger));
        var program = passenger.State.LoyaltyProgram!;
        Assert.Equal((LoyaltyProgramStatus.Retired, LoyaltyTier.Gold, T0.AddDays(3)), (program.Status, program.Tier, program.RetiredAt));
        Assert.Equal("moved away", Assert.IsType<LoyaltyProgramRetired>(passenger.Events[4]).Reason);
    }

    [Fact]
    public void A_second_programme_is_refused_while_one_is_active_and_accepted_once_it_is_retired()
    {
        var passenger = Registered();
        passenger.RequestLoyaltyProgram("lp-1", LoyaltyTier.Silver, T0);
        passenger.RequestLoyaltyProgram("lp-1", LoyaltyTier.Silver, T0.AddMinutes(1)); // the same request: nothing
        Assert.Equal(2, passenger.Events.Count);

        var active = Assert.Throws<DomainRefusalException>(() => passenger.RequestLoyaltyProgram("lp-2", LoyaltyTier.Gold, T0));
        Assert.Equal((RefusalKind.FailedPrecondition, ErrorReason.LoyaltyProgramActive), (active.Kind, active.Reason));
        var other = Assert.Throws<DomainRefusalException>(() => passenger.RequestLoyaltyProgram("lp-1", LoyaltyTier.Gold, T0));
        Assert.Equal((RefusalKind.AlreadyExists, "program_id"), (other.Kind, other.Field));

        passenger.RetireLoyaltyProgram("", T0.AddDays(1));
        passenger.RequestLoyaltyProgram("lp-2", LoyaltyTier.Gold, T0.AddDays(2));
        Assert.Equal(("lp-2", LoyaltyProgramStatus.Active), (passenger.State.LoyaltyProgram!.ProgramId, passenger.State.LoyaltyProgram.Status));
    }

    [Fact]
    public void Updating_or_retiring_without_an_active_programme_is_refused_and_changes_nothing()
    {
        var passenger = Registered();
        var update = Assert.Throws<DomainRefusalException>(() => passenger.UpdateLoyaltyProgram(LoyaltyTier.Gold, T0));
        var retire = Assert.Throws<DomainRefusalException>(() => passenger.RetireLoyaltyProgram("", T0));
        Assert.Equal(ErrorReason.LoyaltyProgramNotActive, update.Reason);
        Assert.Equal(ErrorReason.LoyaltyProgramNotActive, retire.Reason);
        Assert.False(passenger.Changed);
        Assert.Null(passenger.State.LoyaltyProgram);
    }

    [Fact]
    public void A_loyalty_request_for_an_unknown_passenger_is_not_found_naming_the_passenger()
    {
        var unknown = new Passenger(new PassengerState { PassengerId = "p-404" });
        var refusal = Assert.Throws<DomainRefusalException>(() => unknown.RequestLoyaltyProgram("lp-1", LoyaltyTier.Standard, T0));
        Assert.Equal((RefusalKind.NotFound, "passenger_id"), (refusal.Kind, refusal.Field));
        Assert.False(unknown.Changed);
    }

    [Fact]
    public void Withdrawing_consent_always_asks_identification_to_delete_and_tells_the_passenger_only_when_consent_was_given()
    {
        var passenger = Registered();
        passenger.WithdrawConsent(T0);
        Assert.Equal([nameof(PassengerConsentWithdrawn)], Types(passenger));

        var enrollment = passenger.BeginEnrollment();
        passenger.GiveConsent(enrollment, T0.AddMinutes(1));
        passenger.GiveConsent(enrollment, T0.AddMinutes(2)); // given already: nothing
        passenger.WithdrawConsent(T0.AddMinutes(3));
        Assert.Equal(
            [nameof(PassengerConsentWithdrawn), nameof(PassengerConsentGiven), nameof(PassengerNotificationRequested), nameof(PassengerConsentWithdrawn), nameof(PassengerNotificationRequested)],
            Types(passenger));
        Assert.False(passenger.State.IdentificationConsent);
    }

    [Fact]
    public void A_withdrawal_covers_the_enrolments_begun_before_it_and_consent_for_one_it_covered_is_refused()
    {
        var passenger = Registered();
        var first = passenger.BeginEnrollment();
        passenger.GiveConsent(first, T0);
        passenger.WithdrawConsent(T0.AddMinutes(1));
        var second = passenger.BeginEnrollment();
        Assert.Equal((1UL, 2UL), (first, second));
        // The withdrawal's event names the last enrolment it covers: identification keeps the templates of enrolment 2.
        Assert.Equal(first, passenger.Events.OfType<PassengerConsentWithdrawn>().Single().EnrollmentSequence);

        // Enrolment 3 begins, the consent is withdrawn before identification answered: its consent is not recorded.
        passenger.GiveConsent(second, T0.AddMinutes(2));
        var third = passenger.BeginEnrollment();
        passenger.WithdrawConsent(T0.AddMinutes(3));
        Assert.Equal(third, passenger.Events.OfType<PassengerConsentWithdrawn>().Last().EnrollmentSequence);
        var refusal = Assert.Throws<DomainRefusalException>(() => passenger.GiveConsent(third, T0.AddMinutes(4)));
        Assert.Equal((RefusalKind.FailedPrecondition, ErrorReason.ConsentWithdrawn), (refusal.Kind, refusal.Reason));
        Assert.False(passenger.State.IdentificationConsent);
    }

    [Fact]
    public void A_top_up_credits_the_card_once_however_often_it_is_completed_and_a_failed_one_never()
    {
        var passenger = Registered();
        passenger.RecordTopUp("tu-1", 1_500, "tok_visa_0001", T0);
        passenger.RecordTopUp("tu-1", 1_500, "tok_visa_0001", T0.AddSeconds(1)); // the same request again
        Assert.Single(passenger.Events.OfType<TopUpRequested>());
        var refusal = Assert.Throws<DomainRefusalException>(() => passenger.RecordTopUp("tu-1", 2_000, "tok_visa_0001", T0));
        Assert.Equal((RefusalKind.AlreadyExists, "request_id"), (refusal.Kind, refusal.Field));

        passenger.CompleteTopUp("tu-1", T0.AddSeconds(2));
        passenger.CompleteTopUp("tu-1", T0.AddSeconds(3));
        passenger.FailTopUp("tu-1", "late", T0.AddSeconds(4));
        Assert.Equal(1_500, passenger.State.BalanceCents);
        Assert.Equal((TopUpStatus.Completed, 1_500L), (passenger.State.TopUps["tu-1"].Status, passenger.State.TopUps["tu-1"].BalanceAfterCents));
        Assert.Single(passenger.Events.OfType<TopUpCompleted>());
        Assert.Empty(passenger.Events.OfType<TopUpFailed>());

        passenger.RecordTopUp("tu-2", 700, "tok_visa_0001", T0);
        passenger.FailTopUp("tu-2", "the payment method was rejected", T0.AddSeconds(1));
        passenger.CompleteTopUp("tu-2", T0.AddSeconds(2));
        Assert.Equal(1_500, passenger.State.BalanceCents);
        Assert.Equal(TopUpStatus.Failed, passenger.State.TopUps["tu-2"].Status);
        Assert.Contains(passenger.Events.OfType<PassengerNotificationRequested>(), n => n.Kind == PassengerNotificationKind.TopUp && n.Body.Contains("was not added", StringComparison.Ordinal));
    }

    [Fact]
    public void A_new_payment_method_is_requested_once_and_its_confirmation_releases_every_top_up_that_waited()
    {
        var passenger = Registered();
        passenger.RecordTopUp("tu-1", 1_000, "tok_new_card", T0);
        passenger.RecordTopUp("tu-2", 2_000, "tok_new_card", T0);
        Assert.False(passenger.AwaitPaymentMethod("tu-1", T0));
        Assert.False(passenger.AwaitPaymentMethod("tu-1", T0)); // an activity run again: nothing more
        Assert.False(passenger.AwaitPaymentMethod("tu-2", T0));
        Assert.Equal(2, passenger.Events.OfType<PaymentMethodAddRequested>().Count());
        Assert.Equal(TopUpStatus.AwaitingPaymentMethod, passenger.State.TopUps["tu-1"].Status);

        Assert.Equal(["tu-1", "tu-2"], passenger.AnswerPaymentMethod("tok_new_card", accepted: true, T0.AddMinutes(1)));
        Assert.Empty(passenger.AnswerPaymentMethod("tok_new_card", accepted: true, T0.AddMinutes(2))); // a repeat: nothing
        var updated = Assert.Single(passenger.Events.OfType<PaymentMethodUpdated>());
        Assert.Equal(["tu-1", "tu-2"], updated.TopUpIds);
        Assert.True(passenger.KnowsPaymentMethodOf("tu-1"));
        Assert.Equal(TopUpSteps.PaymentMethodUpdated, passenger.State.TopUps["tu-2"].Steps[^1].Name);

        passenger.RecordTopUp("tu-3", 500, "tok_new_card", T0.AddMinutes(3));
        Assert.True(passenger.AwaitPaymentMethod("tu-3", T0.AddMinutes(3)));
        Assert.Single(passenger.Events.OfType<PaymentMethodUpdated>());
        var unknown = Assert.Throws<DomainRefusalException>(() => passenger.AnswerPaymentMethod("tok_never_asked", accepted: true, T0));
        Assert.Equal((RefusalKind.NotFound, "payment_method_token"), (unknown.Kind, unknown.Field));
    }

    [Theory]
    [InlineData(0L, "must be positive")]
    [InlineData(-100L, "must be positive")]
    [InlineData(50_001L, "at most 50000")]
    [InlineData(long.MaxValue, "at most 50000")]
    public void Non_positive_or_absurd_amounts_are_refused_naming_the_field(long cents, string rule)
    {
        var refusal = Assert.Throws<DomainRefusalException>(() => PassengerRules.Amount(cents));
        Assert.Equal((RefusalKind.InvalidArgument, "amount_cents"), (refusal.Kind, refusal.Field));
        Assert.Contains(rule, refusal.Refusal.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("4111111111111111")]
    [InlineData("4111 1111 1111 1111")]
    [InlineData("4111-1111-1111-1111")]
    [InlineData("tok_4111111111111111")]
    [InlineData("378282246310005")]
    public void Anything_shaped_like_a_card_number_is_refused_without_being_repeated(string token)
    {
        var refusal = Assert.Throws<DomainRefusalException>(() => PassengerRules.PaymentMethodToken(token));
        Assert.Equal((RefusalKind.InvalidArgument, "payment_method_token"), (refusal.Kind, refusal.Field));
        Assert.DoesNotContain("1111", refusal.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("0005", refusal.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tok_visa_0001")]
    [InlineData("pm-1234567890AB")]
    public void Provider_tokens_are_taken(string token) => Assert.Equal(token, PassengerRules.PaymentMethodToken(token));
}
