using Dapr.Actors;
using Dapr.Actors.Client;
using Dapr.Workflow;
using Mtaeda.Contracts.Passengers.V1;
using Mtaeda.Passengers.Actors;
using Mtaeda.Passengers.Domain;
using Mtaeda.Passengers.Infrastructure;

namespace Mtaeda.Passengers.Workflows;

/// <summary>The passenger actors, as the activities call them.</summary>
/// <param name="actors">The actor proxy factory.</param>
public sealed class PassengerActors(IActorProxyFactory actors)
{
    /// <summary>The actor of <paramref name="passengerId"/>.</summary>
    /// <param name="passengerId">The passenger.</param>
    /// <returns>The proxy.</returns>
    public IPassengerActor Of(string passengerId) => actors.CreateActorProxy<IPassengerActor>(new ActorId(passengerId), PassengerActor.TypeName);

    /// <summary>A top-up command's reply, or its refusal thrown (an activity refused fails the workflow: the input was checked before it started).</summary>
    /// <param name="reply">The reply.</param>
    /// <returns>The top-up.</returns>
    public static TopUpReply Accepted(TopUpReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        return reply.Refusal is { } refusal ? throw refusal.ToException() : reply;
    }

    /// <summary>How an ended top-up ended.</summary>
    /// <param name="topUp">The top-up.</param>
    /// <returns>The result.</returns>
    public static TopUpResult ResultOf(TopUpState topUp)
    {
        ArgumentNullException.ThrowIfNull(topUp);
        return new TopUpResult(topUp.Status == TopUpStatus.Completed, topUp.FailureReason, topUp.BalanceAfterCents);
    }
}

/// <summary>Records the top-up on the passenger (TopUpRequested once); says whether its payment method is known, or how it ended before.</summary>
/// <param name="actors">The passenger actors.</param>
public sealed class RecordTopUpActivity(PassengerActors actors) : WorkflowActivity<TopUpProcess, TopUpProgress>
{
    /// <inheritdoc />
    public override async Task<TopUpProgress> RunAsync(WorkflowActivityContext context, TopUpProcess input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var reply = PassengerActors.Accepted(await actors.Of(input.PassengerId).RecordTopUpAsync(new TopUpCommand(input.TopUpId, input.AmountCents, input.PaymentMethodToken)));
        var topUp = reply.TopUp!;
        return new TopUpProgress(reply.PaymentMethodKnown, topUp.Finished ? PassengerActors.ResultOf(topUp) : null);
    }
}

/// <summary>
/// The payment method is new: the top-up waits for it on the passenger (PaymentMethodAddRequested once) and the payment
/// provider is asked to validate and add it (<see cref="IPaymentProvider"/>). True when the method is known by now.
/// </summary>
/// <param name="actors">The passenger actors.</param>
/// <param name="provider">The payment provider.</param>
public sealed class RequestPaymentMethodActivity(PassengerActors actors, IPaymentProvider provider) : WorkflowActivity<TopUpProcess, bool>
{
    /// <inheritdoc />
    public override async Task<bool> RunAsync(WorkflowActivityContext context, TopUpProcess input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var reply = PassengerActors.Accepted(await actors.Of(input.PassengerId).AwaitPaymentMethodAsync(input.TopUpId));
        if (reply.PaymentMethodKnown) return true;
        await provider.RequestAddAsync(new PaymentMethodAddition(input.PassengerId, input.PaymentMethodToken, input.TopUpId), CancellationToken.None);
        return false;
    }
}

/// <summary>Credits the card (TopUpCompleted), once per top-up id.</summary>
/// <param name="actors">The passenger actors.</param>
public sealed class CompleteTopUpActivity(PassengerActors actors) : WorkflowActivity<TopUpProcess, TopUpResult>
{
    /// <inheritdoc />
    public override async Task<TopUpResult> RunAsync(WorkflowActivityContext context, TopUpProcess input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var reply = PassengerActors.Accepted(await actors.Of(input.PassengerId).CompleteTopUpAsync(input.TopUpId));
        return PassengerActors.ResultOf(reply.TopUp!);
    }
}

/// <summary>Ends the top-up without a credit (TopUpFailed), the passenger told.</summary>
/// <param name="actors">The passenger actors.</param>
public sealed class FailTopUpActivity(PassengerActors actors) : WorkflowActivity<TopUpFailure, TopUpResult>
{
    /// <inheritdoc />
    public override async Task<TopUpResult> RunAsync(WorkflowActivityContext context, TopUpFailure input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var reply = PassengerActors.Accepted(await actors.Of(input.Process.PassengerId).FailTopUpAsync(new TopUpFailureCommand(input.Process.TopUpId, input.Reason)));
        return PassengerActors.ResultOf(reply.TopUp!);
    }
}
