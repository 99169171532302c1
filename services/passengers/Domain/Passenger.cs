using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Mtaeda.Contracts;
using Mtaeda.Contracts.Common.V1;
using Mtaeda.Contracts.Passengers.V1;

namespace Mtaeda.Passengers.Domain;

/// <summary>Names of a top-up's steps.</summary>
public static class TopUpSteps
{
    /// <summary>The top-up was recorded (TopUpRequested).</summary>
    public const string Requested = "requested";

    /// <summary>The payment method is new: its addition was requested (PaymentMethodAddRequested).</summary>
    public const string PaymentMethodAddRequested = "payment method add requested";

    /// <summary>The provider added the method (PaymentMethodUpdated, accepted).</summary>
    public const string PaymentMethodUpdated = "payment method updated";

    /// <summary>The provider rejected the method (PaymentMethodUpdated, not accepted).</summary>
    public const string PaymentMethodRejected = "payment method rejected";

    /// <summary>The card was credited (TopUpCompleted).</summary>
    public const string Completed = "completed";

    /// <summary>Nothing was credited (TopUpFailed).</summary>
    public const string Failed = "failed";
}

/// <summary>
/// The Passenger aggregate: the passenger's information (PassengerInfo), the LoyaltyProgram entity, the consent to be
/// identified, and the transit card with its top-ups. Each command checks every rule before it changes anything, so a
/// refused command (<see cref="DomainRefusalException"/>) leaves the state as it was; an accepted one records what
/// changed and the integration events that say so (<see cref="Events"/>), each change the passenger should know of with
/// a <see cref="PassengerNotificationRequested"/>. A command that would change nothing is accepted and raises nothing, so
/// a client (or a workflow's activity run again) may repeat it: in particular a top-up credits the card once.
/// </summary>
public sealed class Passenger : Aggregate<PassengerState>
{
    /// <summary>Wraps a passenger's state.</summary>
    /// <param name="state">The state; changed in place by the commands.</param>
    public Passenger(PassengerState state)
        : base(state ?? throw new ArgumentNullException(nameof(state)))
    {
    }

    /// <summary>Registers the passenger (PassengerRegistered). Again with the same information: nothing; with other: AlreadyExists.</summary>
    /// <param name="info">Checked information.</param>
    /// <param name="now">The time.</param>
    public void Register(PassengerInfoState info, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(info);
        if (State.Registered)
        {
            if (State.Info == info) return;
            throw DomainRefusalException.AlreadyExists("passenger_id", $"passenger '{State.PassengerId}' is already registered with other information");
        }

        State.Registered = true;
        State.Info = info;
        State.RegisteredAt = now;
        Raise(new PassengerRegistered { PassengerId = State.PassengerId, Info = info.ToContract(), RegisteredAt = Timestamp.FromDateTimeOffset(now) });
        Notify(PassengerNotificationKind.Registered, "Welcome to MTAEDA", $"Hello {info.DisplayName}, your passenger account is ready.", now);
    }

    /// <summary>Replaces the information (PassengerInformationUpdated), when it differs.</summary>
    /// <param name="info">Checked information.</param>
    /// <param name="now">The time.</param>
    public void UpdateInformation(PassengerInfoState info, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(info);
        RequireRegistered();
        if (State.Info == info) return;
        State.Info = info;
        Raise(new PassengerInformationUpdated { PassengerId = State.PassengerId, Info = info.ToContract(), UpdatedAt = Timestamp.FromDateTimeOffset(now) });
        Notify(PassengerNotificationKind.InformationUpdated, "Your information was updated", "The information of your passenger account was changed.", now);
    }

    /// <summary>
    /// Requests a loyalty programme, ACTIVE at once (LoyaltyProgramRequested). The same request again (id and tier) changes
    /// nothing; while another programme is active: FailedPrecondition LOYALTY_PROGRAM_ACTIVE.
    /// </summary>
    /// <param name="programId">Checked programme id.</param>
    /// <param name="tier">Checked tier.</param>
    /// <param name="now">The time.</param>
    public void RequestLoyaltyProgram(string programId, LoyaltyTier tier, DateTimeOffset now)
    {
        RequireRegistered();
        if (State.LoyaltyProgram is { } current)
        {
            if (current.ProgramId == programId)
            {
                if (current.Status == LoyaltyProgramStatus.Active && current.Tier == tier) return;
                throw DomainRefusalException.AlreadyExists("program_id", $"loyalty programme '{programId}' was requested already with other values or is retired");
            }

            if (current.Status == LoyaltyProgramStatus.Active)
            {
                throw DomainRefusalException.Refused(ErrorReason.LoyaltyProgramActive,
                    $"passenger '{State.PassengerId}' has the active loyalty programme '{current.ProgramId}': retire it first", ("passenger_id", State.PassengerId));
            }
        }

        State.LoyaltyProgram = new LoyaltyProgramState { ProgramId = programId, Status = LoyaltyProgramStatus.Active, Tier = tier, RequestedAt = now, UpdatedAt = now };
        Raise(new LoyaltyProgramRequested { PassengerId = State.PassengerId, Program = State.LoyaltyProgram.ToContract() });
        Notify(PassengerNotificationKind.LoyaltyProgram, "Your loyalty programme is active", $"Your {TierName(tier)} loyalty programme is active.", now);
    }

    /// <summary>Changes the active programme's tier (LoyaltyProgramUpdated), when it differs.</summary>
    /// <param name="tier">Checked tier.</param>
    /// <param name="now">The time.</param>
    public void UpdateLoyaltyProgram(LoyaltyTier tier, DateTimeOffset now)
    {
        var program = ActiveProgram();
        if (program.Tier == tier) return;
        program.Tier = tier;
        program.UpdatedAt = now;
        Raise(new LoyaltyProgramUpdated { PassengerId = State.PassengerId, Program = program.ToContract() });
        Notify(PassengerNotificationKind.LoyaltyProgram, "Your loyalty programme changed", $"Your loyalty programme is now {TierName(tier)}.", now);
    }

    /// <summary>Retires the active programme (LoyaltyProgramRetired). Retiring a retired programme changes nothing.</summary>
    /// <param name="reason">Checked reason.</param>
    /// <param name="now">The time.</param>
    public void RetireLoyaltyProgram(string reason, DateTimeOffset now)
    {
        RequireRegistered();
        if (State.LoyaltyProgram is { Status: LoyaltyProgramStatus.Retired }) return;
        var program = ActiveProgram();
        program.Status = LoyaltyProgramStatus.Retired;
        program.UpdatedAt = now;
        program.RetiredAt = now;
        Raise(new LoyaltyProgramRetired { PassengerId = State.PassengerId, Program = program.ToContract(), Reason = reason });
        Notify(PassengerNotificationKind.LoyaltyProgram, "Your loyalty programme was retired", "Your loyalty programme has ended.", now);
    }

    /// <summary>
    /// Numbers a new enrolment for identification, before its templates are handed over: identification keeps an
    /// enrolment's templates from a withdrawal that does not cover its number (one delivered late). Raises nothing.
    /// </summary>
    /// <returns>The enrolment's number.</returns>
    public ulong BeginEnrollment()
    {
        RequireRegistered();
        State.EnrollmentSequence++;
        MarkChanged();
        return State.EnrollmentSequence;
    }

    /// <summary>
    /// Records the passenger's consent, once identification has enrolled the templates of enrolment
    /// <paramref name="enrollment"/> (PassengerConsentGiven). Refused (CONSENT_WITHDRAWN) when the consent was withdrawn
    /// after that enrolment began: the withdrawal covered it, and identification deletes or refuses its templates.
    /// </summary>
    /// <param name="enrollment">The enrolment's number (<see cref="BeginEnrollment"/>).</param>
    /// <param name="now">The time.</param>
    public void GiveConsent(ulong enrollment, DateTimeOffset now)
    {
        RequireRegistered();
        if (enrollment <= State.WithdrawnThrough)
        {
            throw DomainRefusalException.Refused(ErrorReason.ConsentWithdrawn,
                $"passenger '{State.PassengerId}' withdrew the consent while this enrolment was under way: enrol again", ("passenger_id", State.PassengerId));
        }

        if (State.IdentificationConsent) return;
        State.IdentificationConsent = true;
        Raise(new PassengerConsentGiven { PassengerId = State.PassengerId, GivenAt = Timestamp.FromDateTimeOffset(now) });
        Notify(PassengerNotificationKind.Consent, "You are enrolled for identification",
            "You consented to be recognised by the station cameras. You can withdraw this consent at any time; your face data is then deleted.", now);
    }

    /// <summary>
    /// Withdraws the consent (PassengerConsentWithdrawn, on which identification deletes the templates of the enrolments it
    /// covers: every one begun so far, numbered up to <see cref="PassengerState.EnrollmentSequence"/>). Raised even when no
    /// consent is recorded, so that templates enrolled by an enrolment whose consent was never recorded go too; the
    /// passenger is told only when the consent was recorded.
    /// </summary>
    /// <param name="now">The time.</param>
    public void WithdrawConsent(DateTimeOffset now)
    {
        RequireRegistered();
        var had = State.IdentificationConsent;
        State.IdentificationConsent = false;
        State.WithdrawnThrough = State.EnrollmentSequence;
        Raise(new PassengerConsentWithdrawn { PassengerId = State.PassengerId, EnrollmentSequence = State.EnrollmentSequence, WithdrawnAt = Timestamp.FromDateTimeOffset(now) });
        if (had) Notify(PassengerNotificationKind.Consent, "Your consent was withdrawn", "You will no longer be recognised by the station cameras; your face data is deleted.", now);
    }

    /// <summary>
    /// Records a top-up (TopUpRequested) as its workflow starts. The same top-up again changes nothing; the id with other
    /// values: AlreadyExists.
    /// </summary>
    /// <param name="topUpId">Checked id.</param>
    /// <param name="amountCents">Checked amount.</param>
    /// <param name="token">Checked payment method token.</param>
    /// <param name="now">The time.</param>
    /// <returns>The top-up.</returns>
    public TopUpState RecordTopUp(string topUpId, long amountCents, string token, DateTimeOffset now)
    {
        RequireRegistered();
        if (State.TopUps.TryGetValue(topUpId, out var known))
        {
            return known.AmountCents == amountCents && known.PaymentMethodToken == token
                ? known
                : throw DomainRefusalException.AlreadyExists("request_id", $"top-up '{topUpId}' was requested already with other values");
        }

        var topUp = new TopUpState { TopUpId = topUpId, AmountCents = amountCents, PaymentMethodToken = token, Status = TopUpStatus.Pending };
        topUp.Steps.Add(new TopUpStepState(TopUpSteps.Requested, now));
        State.TopUps[topUpId] = topUp;
        Raise(new TopUpRequested { TopUpId = topUpId, PassengerId = State.PassengerId, AmountCents = amountCents, RequestedAt = Timestamp.FromDateTimeOffset(now) });
        return topUp;
    }

    /// <summary>Whether the top-up's payment method is one the provider has added for the passenger.</summary>
    /// <param name="topUpId">The top-up.</param>
    /// <returns>True when known.</returns>
    public bool KnowsPaymentMethodOf(string topUpId) => State.PaymentMethods.Contains(TopUp(topUpId).PaymentMethodToken, StringComparer.Ordinal);

    /// <summary>
    /// The top-up's payment method is new: the top-up waits for it (AWAITING_PAYMENT_METHOD), and its addition is requested
    /// (PaymentMethodAddRequested). Nothing changes when the method is known by now, the top-up waits already or has ended.
    /// </summary>
    /// <param name="topUpId">The top-up.</param>
    /// <param name="now">The time.</param>
    /// <returns>True when the method is known (the top-up need not wait).</returns>
    public bool AwaitPaymentMethod(string topUpId, DateTimeOffset now)
    {
        var topUp = TopUp(topUpId);
        if (KnowsPaymentMethodOf(topUpId)) return true;
        if (topUp.Status != TopUpStatus.Pending) return false;
        topUp.Status = TopUpStatus.AwaitingPaymentMethod;
        topUp.Steps.Add(new TopUpStepState(TopUpSteps.PaymentMethodAddRequested, now));
        if (!State.PendingPaymentMethods.TryGetValue(topUp.PaymentMethodToken, out var waiting)) State.PendingPaymentMethods[topUp.PaymentMethodToken] = waiting = [];
        waiting.Add(topUpId);
        Raise(new PaymentMethodAddRequested
        {
            PassengerId = State.PassengerId, PaymentMethodToken = topUp.PaymentMethodToken, TopUpId = topUpId, RequestedAt = Timestamp.FromDateTimeOffset(now),
        });
        return false;
    }

    /// <summary>
    /// The provider's answer about a payment method (PaymentMethodUpdated, listing the top-ups that waited for it). Accepted,
    /// the method is the passenger's from now on. The same answer again changes nothing; NotFound when no addition of the
    /// token was requested for the passenger.
    /// </summary>
    /// <param name="token">Checked token.</param>
    /// <param name="accepted">Whether added.</param>
    /// <param name="now">The time.</param>
    /// <returns>The top-ups that waited for it.</returns>
    public IReadOnlyList<string> AnswerPaymentMethod(string token, bool accepted, DateTimeOffset now)
    {
        RequireRegistered();
        if (!State.PendingPaymentMethods.Remove(token, out var waiting))
        {
            if (accepted && State.PaymentMethods.Contains(token, StringComparer.Ordinal)) return [];
            throw DomainRefusalException.NotFound("payment_method_token", $"no payment method addition of that token is pending for passenger '{State.PassengerId}'");
        }

        if (accepted) State.PaymentMethods.Add(token);
        foreach (var id in waiting)
        {
            if (State.TopUps.TryGetValue(id, out var topUp) && !topUp.Finished)
            {
                topUp.Status = TopUpStatus.Pending;
                topUp.Steps.Add(new TopUpStepState(accepted ? TopUpSteps.PaymentMethodUpdated : TopUpSteps.PaymentMethodRejected, now));
            }
        }

        var updated = new PaymentMethodUpdated { PassengerId = State.PassengerId, PaymentMethodToken = token, Accepted = accepted, UpdatedAt = Timestamp.FromDateTimeOffset(now) };
        updated.TopUpIds.AddRange(waiting);
        Raise(updated);
        return waiting;
    }

    /// <summary>
    /// Credits the card with the top-up (TopUpCompleted): the balance changes here and nowhere else, once per top-up id —
    /// a completed top-up is not credited again, and a failed one never is.
    /// </summary>
    /// <param name="topUpId">The top-up.</param>
    /// <param name="now">The time.</param>
    /// <returns>The top-up as it ends.</returns>
    public TopUpState CompleteTopUp(string topUpId, DateTimeOffset now)
    {
        var topUp = TopUp(topUpId);
        if (topUp.Finished) return topUp;
        State.BalanceCents = checked(State.BalanceCents + topUp.AmountCents);
        topUp.Status = TopUpStatus.Completed;
        topUp.BalanceAfterCents = State.BalanceCents;
        topUp.Steps.Add(new TopUpStepState(TopUpSteps.Completed, now));
        Raise(new TopUpCompleted
        {
            TopUpId = topUpId, PassengerId = State.PassengerId, AmountCents = topUp.AmountCents, BalanceAfterCents = State.BalanceCents,
            CompletedAt = Timestamp.FromDateTimeOffset(now),
        });
        Notify(PassengerNotificationKind.TopUp, "Your card was topped up",
            $"{Money(topUp.AmountCents)} was added to your transit card. Your balance is {Money(State.BalanceCents)}.", now);
        return topUp;
    }

    /// <summary>Ends the top-up without a credit (TopUpFailed); an ended top-up is left as it is.</summary>
    /// <param name="topUpId">The top-up.</param>
    /// <param name="reason">Why.</param>
    /// <param name="now">The time.</param>
    /// <returns>The top-up as it ends.</returns>
    public TopUpState FailTopUp(string topUpId, string reason, DateTimeOffset now)
    {
        var topUp = TopUp(topUpId);
        if (topUp.Finished) return topUp;
        topUp.Status = TopUpStatus.Failed;
        topUp.FailureReason = reason;
        topUp.Steps.Add(new TopUpStepState(TopUpSteps.Failed, now));
        if (State.PendingPaymentMethods.TryGetValue(topUp.PaymentMethodToken, out var waiting))
        {
            waiting.Remove(topUpId);
            if (waiting.Count == 0) State.PendingPaymentMethods.Remove(topUp.PaymentMethodToken);
        }

        Raise(new TopUpFailed
        {
            TopUpId = topUpId, PassengerId = State.PassengerId, AmountCents = topUp.AmountCents, Reason = reason, FailedAt = Timestamp.FromDateTimeOffset(now),
        });
        Notify(PassengerNotificationKind.TopUp, "Your top-up did not go through",
            $"{Money(topUp.AmountCents)} was not added to your transit card: {reason}. Nothing was charged.", now);
        return topUp;
    }

    private TopUpState TopUp(string topUpId)
    {
        RequireRegistered();
        return State.TopUps.TryGetValue(topUpId, out var topUp)
            ? topUp
            : throw DomainRefusalException.NotFound("top_up_id", $"passenger '{State.PassengerId}' has no top-up '{topUpId}'");
    }

    private LoyaltyProgramState ActiveProgram()
    {
        RequireRegistered();
        return State.LoyaltyProgram is { Status: LoyaltyProgramStatus.Active } program
            ? program
            : throw DomainRefusalException.Refused(ErrorReason.LoyaltyProgramNotActive,
                $"passenger '{State.PassengerId}' has no active loyalty programme", ("passenger_id", State.PassengerId));
    }

    private void RequireRegistered()
    {
        if (!State.Registered) throw DomainRefusalException.NotFound("passenger_id", $"no passenger '{State.PassengerId}' is registered");
    }

    private void Notify(PassengerNotificationKind kind, string subject, string body, DateTimeOffset now)
    {
        State.Notifications++;
        Raise(new PassengerNotificationRequested
        {
            NotificationId = $"{State.PassengerId}.{State.Notifications.ToString(CultureInfo.InvariantCulture)}",
            PassengerId = State.PassengerId,
            Kind = kind,
            Email = State.Info.Email,
            Subject = subject,
            Body = body,
            OccurredAt = Timestamp.FromDateTimeOffset(now),
        });
    }

    private static string TierName(LoyaltyTier tier) => tier switch
    {
        LoyaltyTier.Silver => "silver",
        LoyaltyTier.Gold => "gold",
        _ => "standard",
    };

    private static string Money(long cents) => (cents / 100m).ToString("0.00", CultureInfo.InvariantCulture);
}
