using Grpc.Core;
using Mtaeda.Contracts.Passengers.V1;
using PassengersClient = Mtaeda.Contracts.Passengers.V1.Passengers.PassengersClient;

namespace Mtaeda.Passengers.Infrastructure;

/// <summary>A payment method whose addition a top-up needs.</summary>
/// <param name="PassengerId">Whose.</param>
/// <param name="PaymentMethodToken">The provider's token (never a card number).</param>
/// <param name="TopUpId">The top-up that needs it.</param>
public sealed record PaymentMethodAddition(string PassengerId, string PaymentMethodToken, string TopUpId);

/// <summary>
/// The payment provider (the book's payment-profile service), a port: asked to validate and add a payment method, it
/// answers later, through <c>ConfirmPaymentMethod</c> (<c>POST /v1/payment-methods/{token}:confirm</c>), which raises
/// PaymentMethodUpdated and lets the waiting top-ups go on. A request may be repeated (an activity run again); the
/// provider answers once per token.
/// </summary>
public interface IPaymentProvider
{
    /// <summary>Asks the provider to validate and add the method.</summary>
    /// <param name="addition">The method and the top-up that needs it.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>A task that completes when the provider took the request.</returns>
    Task RequestAddAsync(PaymentMethodAddition addition, CancellationToken cancellationToken);
}

/// <summary>
/// The development provider: it decides from the payment method's token, as a real provider's test mode does, and answers
/// through the callback a real provider calls, <c>ConfirmPaymentMethod</c> (<c>POST /v1/payment-methods/{token}:confirm</c>),
/// invoked through this app's own sidecar: so its answer takes the path of a real one (the passenger's actor records
/// PaymentMethodUpdated, whose handler raises the event the top-up's workflow waits for).
/// <list type="bullet">
/// <item><see cref="ApprovedToken"/>: added at once (the top-up completes);</item>
/// <item><see cref="RejectedToken"/>: rejected at once (the top-up fails, "the payment method was rejected");</item>
/// <item><see cref="UnansweredToken"/>: never answered (the top-up fails at <c>Passengers:PaymentMethodTimeout</c>);</item>
/// <item>any other token: left to whoever drives the system (a test, an operator with curl), who confirms or rejects it
/// through <c>ConfirmPaymentMethod</c>; unanswered, it times out too.</item>
/// </list>
/// A repeated request (the activity run again) answers again, which changes nothing. Only the top-up id and the decision
/// are logged.
/// </summary>
/// <param name="passengers">This app's own API, through its sidecar (the callback).</param>
/// <param name="logger">The logger.</param>
public sealed partial class DevelopmentPaymentProvider(PassengersClient passengers, ILogger<DevelopmentPaymentProvider> logger) : IPaymentProvider
{
    /// <summary>A test token the provider adds at once.</summary>
    public const string ApprovedToken = "tok_dev_approved";

    /// <summary>A test token the provider rejects at once.</summary>
    public const string RejectedToken = "tok_dev_rejected";

    /// <summary>A test token the provider never answers (the top-up's deadline passes).</summary>
    public const string UnansweredToken = "tok_dev_no_answer";

    /// <inheritdoc />
    public async Task RequestAddAsync(PaymentMethodAddition addition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(addition);
        bool? accepted = addition.PaymentMethodToken switch
        {
            ApprovedToken => true,
            RejectedToken => false,
            _ => null,
        };
        if (accepted is not { } answer)
        {
            if (addition.PaymentMethodToken == UnansweredToken) LogUnanswered(addition.TopUpId);
            else LogLeftToCaller(addition.TopUpId, addition.PassengerId);
            return;
        }

        try
        {
            await passengers.ConfirmPaymentMethodAsync(new ConfirmPaymentMethodRequest
            {
                PaymentMethodToken = addition.PaymentMethodToken, PassengerId = addition.PassengerId, Accepted = answer,
            }, cancellationToken: cancellationToken);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            // Answered before (a repeated request): the addition is no longer pending.
        }

        LogAnswered(addition.TopUpId, answer ? "added" : "rejected");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Development payment provider: the payment method of top-up {TopUpId} is {Decision}")]
    private partial void LogAnswered(string topUpId, string decision);

    [LoggerMessage(Level = LogLevel.Information, Message = "Development payment provider: the payment method of top-up {TopUpId} is never answered (its deadline will pass)")]
    private partial void LogUnanswered(string topUpId);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Top-up {TopUpId} waits for a new payment method of passenger {PassengerId}: confirm or reject it with POST /v1/payment-methods/{{token}}:confirm")]
    private partial void LogLeftToCaller(string topUpId, string passengerId);
}
