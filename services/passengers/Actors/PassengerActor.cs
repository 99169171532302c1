using Dapr.Actors.Runtime;
using Dapr.Client;
using Mtaeda.Contracts;
using Mtaeda.Passengers.Domain;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Passengers.Actors;

/// <summary>
/// The durable home of one <see cref="Passenger"/>. A command runs in one actor turn (<see cref="AggregateActor{TState, TAggregate}"/>):
/// load the state, let the aggregate decide over a copy, then put the new state and the events it raised into the actor's
/// state, saved in one state transaction at the end of the turn and published after (the outbox reminder retries). Turns
/// are one at a time, so the top-up commands, idempotent per top-up id, credit a card once however often they are repeated.
/// </summary>
/// <param name="host">The actor host.</param>
/// <param name="dapr">The Dapr client the outbox publishes with.</param>
/// <param name="time">The clock.</param>
public class PassengerActor(ActorHost host, DaprClient dapr, TimeProvider time)
    : AggregateActor<PassengerState, Passenger>(host, dapr, StateKey, id => new PassengerState { PassengerId = id }, state => new Passenger(Copy(state))), IPassengerActor
{
    /// <summary>The actor type name.</summary>
    public const string TypeName = "Passenger";

    /// <summary>The actor state key of the passenger.</summary>
    public const string StateKey = "passenger";

    private DateTimeOffset Now => time.GetUtcNow();

    /// <inheritdoc />
    public Task<ActorReply<PassengerState>> RegisterAsync(PassengerInfoState info) => DecideAsync(p => p.Register(info, Now));

    /// <inheritdoc />
    public Task<ActorReply<PassengerState>> UpdateInformationAsync(PassengerInfoState info) => DecideAsync(p => p.UpdateInformation(info, Now));

    /// <inheritdoc />
    public Task<ActorReply<PassengerState>> RequestLoyaltyProgramAsync(LoyaltyProgramCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return DecideAsync(p => p.RequestLoyaltyProgram(command.ProgramId, command.Tier, Now));
    }

    /// <inheritdoc />
    public Task<ActorReply<PassengerState>> UpdateLoyaltyProgramAsync(LoyaltyProgramCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return DecideAsync(p => p.UpdateLoyaltyProgram(command.Tier, Now));
    }

    /// <inheritdoc />
    public Task<ActorReply<PassengerState>> RetireLoyaltyProgramAsync(string reason) => DecideAsync(p => p.RetireLoyaltyProgram(reason ?? "", Now));

    /// <inheritdoc />
    public Task<ActorReply<PassengerState>> BeginEnrollmentAsync() => DecideAsync(p => p.BeginEnrollment());

    /// <inheritdoc />
    public Task<ActorReply<PassengerState>> GiveConsentAsync(ulong enrollment) => DecideAsync(p => p.GiveConsent(enrollment, Now));

    /// <inheritdoc />
    public Task<ActorReply<PassengerState>> WithdrawConsentAsync() => DecideAsync(p => p.WithdrawConsent(Now));

    /// <inheritdoc />
    public async Task<ActorReply<PassengerState>> GetAsync()
    {
        var state = await LoadAsync();
        return state.Registered
            ? ActorReply<PassengerState>.Accepted(state)
            : ActorReply<PassengerState>.Refused(DomainRefusal.NotFound("passenger_id", $"no passenger '{state.PassengerId}' is registered"));
    }

    /// <inheritdoc />
    public Task<TopUpReply> RecordTopUpAsync(TopUpCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return TopUpDecisionAsync(p => p.RecordTopUp(command.TopUpId, command.AmountCents, command.PaymentMethodToken, Now));
    }

    /// <inheritdoc />
    public Task<TopUpReply> AwaitPaymentMethodAsync(string topUpId)
    {
        return TopUpDecisionAsync(p =>
        {
            p.AwaitPaymentMethod(topUpId, Now);
            return p.State.TopUps[topUpId];
        });
    }

    /// <inheritdoc />
    public async Task<PaymentMethodReply> AnswerPaymentMethodAsync(PaymentMethodAnswerCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        IReadOnlyList<string> waiting = [];
        var reply = await DecideAsync(p => waiting = p.AnswerPaymentMethod(command.PaymentMethodToken, command.Accepted, Now));
        return new PaymentMethodReply([.. waiting], reply.Refusal);
    }

    /// <inheritdoc />
    public Task<TopUpReply> CompleteTopUpAsync(string topUpId)
    {
        return TopUpDecisionAsync(p => p.CompleteTopUp(topUpId, Now));
    }

    /// <inheritdoc />
    public Task<TopUpReply> FailTopUpAsync(TopUpFailureCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return TopUpDecisionAsync(p => p.FailTopUp(command.TopUpId, command.Reason, Now));
    }

    /// <inheritdoc />
    public async Task<TopUpReply> GetTopUpAsync(string topUpId)
    {
        var state = await LoadAsync();
        return state.TopUps.TryGetValue(topUpId, out var topUp)
            ? new TopUpReply(topUp, state.PaymentMethods.Contains(topUp.PaymentMethodToken, StringComparer.Ordinal))
            : new TopUpReply(null, false, DomainRefusal.NotFound("top_up_id", $"passenger '{state.PassengerId}' has no top-up '{topUpId}'"));
    }

    private async Task<TopUpReply> TopUpDecisionAsync(Func<Passenger, TopUpState> command)
    {
        TopUpState? topUp = null;
        var reply = await DecideAsync(p => topUp = command(p));
        return reply.Refusal is { } refusal
            ? new TopUpReply(null, false, refusal)
            : new TopUpReply(topUp, reply.Value!.PaymentMethods.Contains(topUp!.PaymentMethodToken, StringComparer.Ordinal));
    }

    // A copy through its JSON (the state holds lists and dictionaries).
    private static PassengerState Copy(PassengerState state) =>
        System.Text.Json.JsonSerializer.Deserialize<PassengerState>(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(state))!;
}
