using System.Net.Http.Json;
using LocalDapr.Runner;
using Mtaeda.Contracts.Passengers.V1;

namespace Mtaeda.EndToEnd.Tests;

/// <summary>
/// The card top-up saga end to end on the Redis backend, through the runner: a top-up with a new payment method waits for
/// the provider's confirmation, which arrives only after passengers (and, separately, the whole runtime) was killed with
/// SIGKILL and started again; the top-up then completes, and the card is credited exactly once — the request sent again
/// across the restart included.
/// </summary>
[Collection(nameof(MtaedaRedisSystem))]
public sealed class TopUpPathTests(MtaedaRedisSystem system)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_top_up_confirmed_after_passengers_was_killed_and_restarted_completes_once()
    {
        var request = await WaitingTopUpAsync("p-e2e-1", "tu-e2e-1", 1_250);

        var killed = system.RunningPid("passengers") ?? throw new InvalidOperationException("passengers is not running");
        ProcessTree.Signal(killed, ProcessTree.SigKill);
        await system.Runner.WaitForLineAsync(l => l.Contains($"app \"passengers\" (pid {killed}) exited with code 137 at ", StringComparison.Ordinal), TimeSpan.FromSeconds(30), Ct);
        await system.Runner.WaitForLineAsync(l => l.Contains("app \"passengers\" is back (app pid ", StringComparison.Ordinal) && !l.Contains($"(app pid {killed})", StringComparison.Ordinal), TimeSpan.FromSeconds(180), Ct);

        // The client, not having heard back, sends the request again: the same top-up, still waiting.
        var again = await system.Passengers.RequestTopUpAsync(request, cancellationToken: Ct);
        Assert.Equal(TopUpStatus.AwaitingPaymentMethod, again.Status);
        await ConfirmAndCompletedOnceAsync(request);
    }

    [Fact]
    public async Task A_top_up_confirmed_after_the_runtime_was_killed_and_started_again_completes_once()
    {
        var request = await WaitingTopUpAsync("p-e2e-2", "tu-e2e-2", 4_000);

        await system.KillAndRestartRuntimeAsync();

        await ConfirmAndCompletedOnceAsync(request);
        // Sent again once it is done: answered with the completed top-up, nothing credited.
        Assert.Equal(TopUpStatus.Completed, (await system.Passengers.RequestTopUpAsync(request, cancellationToken: Ct)).Status);
        Assert.Equal(request.AmountCents, (await system.Passengers.GetCardBalanceAsync(new GetCardBalanceRequest { PassengerId = request.PassengerId }, cancellationToken: Ct)).BalanceCents);
    }

    /// <summary>A registered passenger's top-up with a new payment method, waiting for the provider.</summary>
    private async Task<RequestTopUpRequest> WaitingTopUpAsync(string passengerId, string topUpId, long cents)
    {
        await system.Passengers.RegisterPassengerAsync(new RegisterPassengerRequest
        {
            PassengerId = passengerId, Info = new PassengerInfo { DisplayName = "Rider", Email = $"{passengerId}@example.org" },
        }, cancellationToken: Ct);
        var request = new RequestTopUpRequest { PassengerId = passengerId, RequestId = topUpId, AmountCents = cents, PaymentMethodToken = $"tok_{passengerId}_card" };
        await system.Passengers.RequestTopUpAsync(request, cancellationToken: Ct);
        await Eventually.MatchesAsync(() => system.Passengers.GetTopUpAsync(new GetTopUpRequest { TopUpId = topUpId }, cancellationToken: Ct).ResponseAsync,
            t => t.Status == TopUpStatus.AwaitingPaymentMethod, Eventually.DefaultTimeout, Ct, "the top-up to wait for its payment method");
        return request;
    }

    /// <summary>The provider confirms over HTTP JSON through a sidecar; the top-up completes with each step once and the card credited once.</summary>
    private async Task ConfirmAndCompletedOnceAsync(RequestTopUpRequest request)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"{system.SidecarHttp("simulator")}/v1.0/invoke/passengers/method/") };
        http.DefaultRequestHeaders.Add("dapr-api-token", system.ApiToken);
        using var response = await http.PostAsJsonAsync($"v1/payment-methods/{request.PaymentMethodToken}:confirm", new { passengerId = request.PassengerId, accepted = true }, Ct);
        Assert.True(response.IsSuccessStatusCode, $"confirm: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");

        var done = await Eventually.MatchesAsync(() => system.Passengers.GetTopUpAsync(new GetTopUpRequest { TopUpId = request.RequestId }, cancellationToken: Ct).ResponseAsync,
            t => t.Status == TopUpStatus.Completed, TimeSpan.FromSeconds(60), Ct, "the top-up to complete");
        Assert.Equal(["requested", "payment method add requested", "payment method updated", "completed"], done.Steps.Select(s => s.Name));
        Assert.Equal(request.AmountCents, done.BalanceAfterCents);
        var card = await system.Passengers.GetCardBalanceAsync(new GetCardBalanceRequest { PassengerId = request.PassengerId }, cancellationToken: Ct);
        Assert.Equal((request.AmountCents, 1), (card.BalanceCents, card.TopUpsCredited));
    }
}
