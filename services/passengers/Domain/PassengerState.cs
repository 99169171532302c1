using System.Runtime.Serialization;
using Mtaeda.Contracts.Passengers.V1;

namespace Mtaeda.Passengers.Domain;

/// <summary>
/// Everything the Passenger aggregate knows, as the Passenger actor persists it (JSON in actor state) and answers it
/// (data contract). Plain data; the rules live in <see cref="Passenger"/>. No card number and no face template is ever
/// part of it: a payment method is the provider's token, and templates go to identification.
/// </summary>
[DataContract]
public sealed class PassengerState
{
    /// <summary>Passenger id.</summary>
    [DataMember(Order = 1)]
    public string PassengerId { get; set; } = string.Empty;

    /// <summary>Whether RegisterPassenger was accepted.</summary>
    [DataMember(Order = 2)]
    public bool Registered { get; set; }

    /// <summary>Who the passenger is.</summary>
    [DataMember(Order = 3)]
    public PassengerInfoState Info { get; set; } = new();

    /// <summary>When registered.</summary>
    [DataMember(Order = 4)]
    public DateTimeOffset? RegisteredAt { get; set; }

    /// <summary>The loyalty programme (the latest requested); null when none was.</summary>
    [DataMember(Order = 5)]
    public LoyaltyProgramState? LoyaltyProgram { get; set; }

    /// <summary>Whether the passenger consents to be identified (and was enrolled with identification).</summary>
    [DataMember(Order = 6)]
    public bool IdentificationConsent { get; set; }

    /// <summary>Transit card balance, in cents.</summary>
    [DataMember(Order = 7)]
    public long BalanceCents { get; set; }

    /// <summary>Payment method tokens the provider has added for the passenger.</summary>
    [DataMember(Order = 8)]
    public List<string> PaymentMethods { get; set; } = [];

    /// <summary>Payment methods whose addition was requested and not yet answered: token → the top-ups waiting for it.</summary>
    [DataMember(Order = 9)]
    public Dictionary<string, List<string>> PendingPaymentMethods { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The passenger's top-ups by id: each credits the balance at most once.</summary>
    [DataMember(Order = 10)]
    public Dictionary<string, TopUpState> TopUps { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Notifications raised so far (numbers the next one's id).</summary>
    [DataMember(Order = 11)]
    public long Notifications { get; set; }

    /// <summary>The number of the last enrolment for identification begun (each is numbered, for identification to order them against withdrawals).</summary>
    [DataMember(Order = 12)]
    public ulong EnrollmentSequence { get; set; }

    /// <summary>The last enrolment the last withdrawal of consent covered: an enrolment numbered up to it is not recorded as consent.</summary>
    [DataMember(Order = 13)]
    public ulong WithdrawnThrough { get; set; }
}

/// <summary>Who the passenger is.</summary>
[DataContract]
public sealed record PassengerInfoState
{
    /// <summary>Name shown to the passenger.</summary>
    [DataMember(Order = 1)]
    public string DisplayName { get; init; } = string.Empty;

    /// <summary>Where notifications go.</summary>
    [DataMember(Order = 2)]
    public string Email { get; init; } = string.Empty;

    /// <summary>Preferred language (BCP 47).</summary>
    [DataMember(Order = 3)]
    public string Language { get; init; } = string.Empty;

    /// <summary>As the contract says it.</summary>
    /// <returns>The message.</returns>
    public PassengerInfo ToContract() => new() { DisplayName = DisplayName, Email = Email, Language = Language };
}

/// <summary>The LoyaltyProgram entity: one programme of the passenger, active until retired.</summary>
[DataContract]
public sealed class LoyaltyProgramState
{
    /// <summary>Programme id.</summary>
    [DataMember(Order = 1)]
    public string ProgramId { get; set; } = string.Empty;

    /// <summary>Active or retired.</summary>
    [DataMember(Order = 2)]
    public LoyaltyProgramStatus Status { get; set; }

    /// <summary>Tier.</summary>
    [DataMember(Order = 3)]
    public LoyaltyTier Tier { get; set; }

    /// <summary>When requested.</summary>
    [DataMember(Order = 4)]
    public DateTimeOffset RequestedAt { get; set; }

    /// <summary>When last changed.</summary>
    [DataMember(Order = 5)]
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>When retired.</summary>
    [DataMember(Order = 6)]
    public DateTimeOffset? RetiredAt { get; set; }

    /// <summary>As the contract says it.</summary>
    /// <returns>The message.</returns>
    public LoyaltyProgram ToContract()
    {
        var program = new LoyaltyProgram
        {
            ProgramId = ProgramId,
            Status = Status,
            Tier = Tier,
            RequestedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(RequestedAt),
            UpdatedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(UpdatedAt),
        };
        if (RetiredAt is { } retired) program.RetiredAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(retired);
        return program;
    }
}

/// <summary>One top-up of the passenger's card.</summary>
[DataContract]
public sealed class TopUpState
{
    /// <summary>Top-up id (the client's request id).</summary>
    [DataMember(Order = 1)]
    public string TopUpId { get; set; } = string.Empty;

    /// <summary>Amount in cents.</summary>
    [DataMember(Order = 2)]
    public long AmountCents { get; set; }

    /// <summary>The payment method's token.</summary>
    [DataMember(Order = 3)]
    public string PaymentMethodToken { get; set; } = string.Empty;

    /// <summary>Where it is.</summary>
    [DataMember(Order = 4)]
    public TopUpStatus Status { get; set; }

    /// <summary>Why it failed.</summary>
    [DataMember(Order = 5)]
    public string FailureReason { get; set; } = string.Empty;

    /// <summary>The balance right after the credit.</summary>
    [DataMember(Order = 6)]
    public long BalanceAfterCents { get; set; }

    /// <summary>Its steps, oldest first.</summary>
    [DataMember(Order = 7)]
    public List<TopUpStepState> Steps { get; set; } = [];

    /// <summary>Whether it has ended (completed or failed).</summary>
    public bool Finished => Status is TopUpStatus.Completed or TopUpStatus.Failed;
}

/// <summary>A step of a top-up.</summary>
/// <param name="Name">What happened.</param>
/// <param name="At">When.</param>
[DataContract]
public sealed record TopUpStepState([property: DataMember(Order = 1)] string Name, [property: DataMember(Order = 2)] DateTimeOffset At);
