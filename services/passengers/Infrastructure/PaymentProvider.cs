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
/// The development provider: it takes every request and leaves the answer to whoever drives the system (a test, the
/// dashboard, an operator with curl), who confirms or rejects the method through <c>ConfirmPaymentMethod</c> as the real
/// provider's callback would. The request is logged with the top-up id only.
/// </summary>
/// <param name="logger">The logger.</param>
public sealed partial class DevelopmentPaymentProvider(ILogger<DevelopmentPaymentProvider> logger) : IPaymentProvider
{
    /// <inheritdoc />
    public Task RequestAddAsync(PaymentMethodAddition addition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(addition);
        LogRequested(addition.TopUpId, addition.PassengerId);
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Top-up {TopUpId} waits for a new payment method of passenger {PassengerId}: confirm or reject it with POST /v1/payment-methods/{{token}}:confirm")]
    private partial void LogRequested(string topUpId, string passengerId);
}
