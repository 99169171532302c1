using Dapr.Workflow;

namespace Mtaeda.Passengers.Workflows;

/// <summary>What one top-up is about; the workflow's instance id is <see cref="TopUpWorkflow.InstanceId"/> of the top-up id.</summary>
/// <param name="TopUpId">Top-up id (the client's request id).</param>
/// <param name="PassengerId">Whose card.</param>
/// <param name="AmountCents">Amount.</param>
/// <param name="PaymentMethodToken">The payment method's token.</param>
/// <param name="RequestedAt">When it was requested (UTC); the wait for a new payment method counts from it.</param>
/// <param name="PaymentMethodTimeout">How long a new payment method may take to be confirmed.</param>
public sealed record TopUpProcess(string TopUpId, string PassengerId, long AmountCents, string PaymentMethodToken, DateTime RequestedAt, TimeSpan PaymentMethodTimeout);

/// <summary>The provider's answer about a payment method, as the external event <see cref="TopUpWorkflow.PaymentMethodUpdated"/> carries it.</summary>
/// <param name="Accepted">Whether the method was added.</param>
public sealed record PaymentMethodAnswer(bool Accepted);

/// <summary>How a top-up ended.</summary>
/// <param name="Completed">True when the card was credited.</param>
/// <param name="FailureReason">Why not, when not.</param>
/// <param name="BalanceAfterCents">The balance after the credit.</param>
public sealed record TopUpResult(bool Completed, string FailureReason, long BalanceAfterCents);

/// <summary>
/// The top-up saga of one request (a Dapr Workflow; book chapter 11): record it (TopUpRequested); if its payment method is
/// new, request the method's addition (PaymentMethodAddRequested) and wait for the provider's answer, the external event
/// <see cref="PaymentMethodUpdated"/>, until the deadline; then credit the card (TopUpCompleted) or end it without a credit
/// (TopUpFailed) when the method was rejected or not confirmed in time. Every effect is an activity on the passenger's
/// actor, idempotent per top-up id, so an activity run again after a crash (or a second instance for the same request)
/// credits the card once. The answer is waited for from the start, so one raised early is buffered and not lost.
/// </summary>
public sealed class TopUpWorkflow : Workflow<TopUpProcess, TopUpResult>
{
    /// <summary>External event: the provider answered about the payment method (a <see cref="PaymentMethodAnswer"/>).</summary>
    public const string PaymentMethodUpdated = nameof(PaymentMethodUpdated);

    /// <summary>Failure reason: the provider rejected the payment method.</summary>
    public const string Rejected = "the payment method was rejected";

    /// <summary>Failure reason: the provider did not confirm the payment method in time.</summary>
    public const string TimedOut = "the payment method was not confirmed in time";

    private static readonly WorkflowTaskOptions Retry = new(new WorkflowRetryPolicy(
        maxNumberOfAttempts: 10, firstRetryInterval: TimeSpan.FromSeconds(1), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromMinutes(1)));

    /// <summary>The workflow instance id of a top-up: derived from its request id, so a repeated request finds its instance.</summary>
    /// <param name="topUpId">The top-up id.</param>
    /// <returns>The instance id.</returns>
    public static string InstanceId(string topUpId) => $"top-up-{topUpId}";

    /// <inheritdoc />
    public override async Task<TopUpResult> RunAsync(WorkflowContext context, TopUpProcess input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        var answer = context.WaitForExternalEventAsync<PaymentMethodAnswer>(PaymentMethodUpdated);

        var recorded = await context.CallActivityAsync<TopUpProgress>(nameof(RecordTopUpActivity), input, Retry);
        if (recorded.Ended is { } ended) return ended;
        context.SetCustomStatus("requested");

        if (!recorded.PaymentMethodKnown)
        {
            var known = await context.CallActivityAsync<bool>(nameof(RequestPaymentMethodActivity), input, Retry);
            if (!known)
            {
                context.SetCustomStatus("awaiting payment method");
                using var timer = new CancellationTokenSource();
                var deadline = context.CreateTimer(input.RequestedAt + input.PaymentMethodTimeout, timer.Token);
                if (await Task.WhenAny(answer, deadline) == deadline)
                {
                    return await FailAsync(context, input, TimedOut);
                }

                timer.Cancel();
                if (!(await answer).Accepted) return await FailAsync(context, input, Rejected);
            }
        }

        var balance = await context.CallActivityAsync<TopUpResult>(nameof(CompleteTopUpActivity), input, Retry);
        context.SetCustomStatus(balance.Completed ? "completed" : "failed");
        return balance;
    }

    private static async Task<TopUpResult> FailAsync(WorkflowContext context, TopUpProcess input, string reason)
    {
        var result = await context.CallActivityAsync<TopUpResult>(nameof(FailTopUpActivity), new TopUpFailure(input, reason), Retry);
        context.SetCustomStatus(result.Completed ? "completed" : "failed");
        return result;
    }
}

/// <summary>What the record activity found.</summary>
/// <param name="PaymentMethodKnown">Whether the payment method is the passenger's already.</param>
/// <param name="Ended">How the top-up ended, when it had ended before (a new instance for a request already done).</param>
public sealed record TopUpProgress(bool PaymentMethodKnown, TopUpResult? Ended);

/// <summary>A failure for the fail activity.</summary>
/// <param name="Process">The top-up.</param>
/// <param name="Reason">Why.</param>
public sealed record TopUpFailure(TopUpProcess Process, string Reason);
