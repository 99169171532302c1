using System.Runtime.Serialization;
using Dapr.Actors;
using Mtaeda.Contracts;
using Mtaeda.Contracts.Passengers.V1;
using Mtaeda.Passengers.Domain;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Passengers.Actors;

/// <summary>
/// One actor per passenger (actor type <see cref="PassengerActor.TypeName"/>, id = passenger id), called through typed
/// remoting proxies (docs/adr/0004-actor-calls.md). A refused command comes back as the reply's <see cref="DomainRefusal"/>.
/// The top-up commands are the top-up workflow's activities' effects: each is idempotent per top-up id.
/// </summary>
public interface IPassengerActor : IActor
{
    /// <summary>Registers the passenger.</summary>
    Task<ActorReply<PassengerState>> RegisterAsync(PassengerInfoState info);

    /// <summary>Replaces the passenger's information.</summary>
    Task<ActorReply<PassengerState>> UpdateInformationAsync(PassengerInfoState info);

    /// <summary>Requests a loyalty programme.</summary>
    Task<ActorReply<PassengerState>> RequestLoyaltyProgramAsync(LoyaltyProgramCommand command);

    /// <summary>Changes the loyalty programme's tier.</summary>
    Task<ActorReply<PassengerState>> UpdateLoyaltyProgramAsync(LoyaltyProgramCommand command);

    /// <summary>Retires the loyalty programme.</summary>
    Task<ActorReply<PassengerState>> RetireLoyaltyProgramAsync(string reason);

    /// <summary>Numbers a new enrolment (the reply's <see cref="PassengerState.EnrollmentSequence"/>), before the templates go to identification.</summary>
    Task<ActorReply<PassengerState>> BeginEnrollmentAsync();

    /// <summary>Records the consent (after identification enrolled the templates of the enrolment numbered <paramref name="enrollment"/>).</summary>
    Task<ActorReply<PassengerState>> GiveConsentAsync(ulong enrollment);

    /// <summary>Withdraws the consent.</summary>
    Task<ActorReply<PassengerState>> WithdrawConsentAsync();

    /// <summary>Reads the passenger.</summary>
    Task<ActorReply<PassengerState>> GetAsync();

    /// <summary>Records a top-up (idempotent); the reply says whether its payment method is known.</summary>
    Task<TopUpReply> RecordTopUpAsync(TopUpCommand command);

    /// <summary>Makes the top-up wait for its new payment method (idempotent); the reply says whether the method is known by now.</summary>
    Task<TopUpReply> AwaitPaymentMethodAsync(string topUpId);

    /// <summary>The provider's answer about a payment method; the reply lists the top-ups that waited.</summary>
    Task<PaymentMethodReply> AnswerPaymentMethodAsync(PaymentMethodAnswerCommand command);

    /// <summary>Credits the card with the top-up, once.</summary>
    Task<TopUpReply> CompleteTopUpAsync(string topUpId);

    /// <summary>Ends the top-up without a credit.</summary>
    Task<TopUpReply> FailTopUpAsync(TopUpFailureCommand command);

    /// <summary>Reads one top-up.</summary>
    Task<TopUpReply> GetTopUpAsync(string topUpId);
}

/// <summary>RequestLoyaltyProgram or UpdateLoyaltyProgram as the actor receives it.</summary>
/// <param name="ProgramId">Programme id (empty for an update).</param>
/// <param name="Tier">Tier.</param>
[DataContract]
public sealed record LoyaltyProgramCommand([property: DataMember(Order = 1)] string ProgramId, [property: DataMember(Order = 2)] LoyaltyTier Tier);

/// <summary>A top-up as the actor records it.</summary>
/// <param name="TopUpId">Top-up id.</param>
/// <param name="AmountCents">Amount.</param>
/// <param name="PaymentMethodToken">The payment method's token.</param>
[DataContract]
public sealed record TopUpCommand([property: DataMember(Order = 1)] string TopUpId, [property: DataMember(Order = 2)] long AmountCents,
    [property: DataMember(Order = 3)] string PaymentMethodToken);

/// <summary>The provider's answer about a payment method.</summary>
/// <param name="PaymentMethodToken">The token.</param>
/// <param name="Accepted">Whether added.</param>
[DataContract]
public sealed record PaymentMethodAnswerCommand([property: DataMember(Order = 1)] string PaymentMethodToken, [property: DataMember(Order = 2)] bool Accepted);

/// <summary>A top-up's failure.</summary>
/// <param name="TopUpId">Top-up id.</param>
/// <param name="Reason">Why.</param>
[DataContract]
public sealed record TopUpFailureCommand([property: DataMember(Order = 1)] string TopUpId, [property: DataMember(Order = 2)] string Reason);

/// <summary>A top-up after the command, or why it was refused.</summary>
/// <param name="TopUp">The top-up (null when refused).</param>
/// <param name="PaymentMethodKnown">Whether its payment method is the passenger's.</param>
/// <param name="Refusal">Why refused; null when accepted.</param>
[DataContract]
public sealed record TopUpReply([property: DataMember(Order = 1)] TopUpState? TopUp, [property: DataMember(Order = 2)] bool PaymentMethodKnown,
    [property: DataMember(Order = 3)] DomainRefusal? Refusal = null);

/// <summary>The top-ups that waited for a payment method, or why the answer was refused.</summary>
/// <param name="TopUpIds">The top-ups.</param>
/// <param name="Refusal">Why refused; null when accepted.</param>
[DataContract]
public sealed record PaymentMethodReply([property: DataMember(Order = 1)] List<string> TopUpIds, [property: DataMember(Order = 2)] DomainRefusal? Refusal = null);
