using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Google.Rpc;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Mtaeda.Contracts;
using Mtaeda.Contracts.Identification.V1;
using Mtaeda.Contracts.Passengers.V1;
using Mtaeda.Passengers.Domain;
using Mtaeda.Passengers.Infrastructure;
using Mtaeda.ServiceDefaults;
using Mtaeda.Testing;
using PassengersClient = Mtaeda.Contracts.Passengers.V1.Passengers.PassengersClient;

namespace Mtaeda.Passengers.Tests;

/// <summary>
/// The real passengers app in-process beside a local sidecar (actors, workflow engine, pub/sub), with a small
/// identification app that records the enrolments it is sent: the API through the sidecar, over gRPC and HTTP JSON.
/// </summary>
public sealed class PassengersApiTests
{
    private static readonly Func<string[], WebApplication> PassengersApp = ServiceApp.Of(typeof(PassengersExtensions).Assembly,
        builder => builder.AddPassengers(),
        app => app.MapPassengersApi().MapPassengersEventHandlers());

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static PassengerInfo Info(string name) => new() { DisplayName = name, Email = $"{name.ToLowerInvariant()}@example.org" };

    /// <summary>
    /// Passengers beside a sidecar (<paramref name="settings"/> added to its arguments), an observer of its topic, its client
    /// through the observer's sidecar, and passenger <paramref name="passengerId"/> registered as <paramref name="name"/>.
    /// </summary>
    private static async Task<(AppNode Passengers, Observer Observer, PassengersClient Api)> StartAsync(LocalRuntime runtime, string passengerId, string name, params string[] settings)
    {
        var passengers = await runtime.StartAsync("passengers", args => PassengersApp([.. args, .. settings]), Ct);
        var observer = await runtime.ObserveAsync("observer", [Topics.Passengers], Ct);
        var api = new PassengersClient(observer.Node.Invoker("passengers"));
        await api.RegisterPassengerAsync(new RegisterPassengerRequest { PassengerId = passengerId, Info = Info(name) }, cancellationToken: Ct);
        return (passengers, observer, api);
    }

    [Fact]
    public async Task A_top_up_with_a_new_payment_method_completes_once_confirmed_and_a_repeated_request_credits_nothing_more()
    {
        await using var runtime = LocalRuntime.Create();
        var (_, observer, api) = await StartAsync(runtime, "p-1", "Ada");

        var request = new RequestTopUpRequest { PassengerId = "p-1", RequestId = "tu-1", AmountCents = 2_500, PaymentMethodToken = "tok_card_ada_1" };
        var first = await api.RequestTopUpAsync(request, cancellationToken: Ct);
        Assert.Equal(("tu-1", "p-1", 2_500L), (first.TopUpId, first.PassengerId, first.AmountCents));
        var waiting = await Eventually.MatchesAsync(() => api.GetTopUpAsync(new GetTopUpRequest { TopUpId = "tu-1" }, cancellationToken: Ct).ResponseAsync,
            t => t.Status == TopUpStatus.AwaitingPaymentMethod, Eventually.DefaultTimeout, Ct, "the top-up to wait for its new payment method");
        Assert.Equal([TopUpSteps.Requested, TopUpSteps.PaymentMethodAddRequested], waiting.Steps.Select(s => s.Name));
        Assert.Equal(0, (await api.GetCardBalanceAsync(new GetCardBalanceRequest { PassengerId = "p-1" }, cancellationToken: Ct)).BalanceCents);

        // The request sent twice while it waits: the same top-up, nothing new.
        var repeat = await api.RequestTopUpAsync(request, cancellationToken: Ct);
        Assert.Equal(TopUpStatus.AwaitingPaymentMethod, repeat.Status);

        // The provider confirms, over HTTP JSON through a sidecar, as the dashboard or curl would.
        using var http = new HttpClient { BaseAddress = new Uri($"{observer.Node.HttpEndpoint}/v1.0/invoke/passengers/method/") };
        using var confirmed = await http.PostAsJsonAsync("v1/payment-methods/tok_card_ada_1:confirm", new { passengerId = "p-1", accepted = true }, Ct);
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        Assert.Contains("tu-1", await confirmed.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        var done = await Eventually.MatchesAsync(() => api.GetTopUpAsync(new GetTopUpRequest { TopUpId = "tu-1" }, cancellationToken: Ct).ResponseAsync,
            t => t.Status == TopUpStatus.Completed, Eventually.DefaultTimeout, Ct, "the top-up to complete");
        Assert.Equal([TopUpSteps.Requested, TopUpSteps.PaymentMethodAddRequested, TopUpSteps.PaymentMethodUpdated, TopUpSteps.Completed], done.Steps.Select(s => s.Name));
        Assert.Equal(2_500, done.BalanceAfterCents);

        // Sent again after it completed (the instance is finished): answered with the completed top-up, the card credited once.
        var late = await api.RequestTopUpAsync(request, cancellationToken: Ct);
        Assert.Equal(TopUpStatus.Completed, late.Status);
        var balance = await api.GetCardBalanceAsync(new GetCardBalanceRequest { PassengerId = "p-1" }, cancellationToken: Ct);
        Assert.Equal((2_500L, 1), (balance.BalanceCents, balance.TopUpsCredited));
        var other = await Assert.ThrowsAsync<RpcException>(() => api.RequestTopUpAsync(new RequestTopUpRequest(request) { AmountCents = 3_000 }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.AlreadyExists, other.StatusCode);

        // A second top-up with the method now known completes without waiting.
        await api.RequestTopUpAsync(new RequestTopUpRequest(request) { RequestId = "tu-2", AmountCents = 500 }, cancellationToken: Ct);
        var second = await Eventually.MatchesAsync(() => api.GetTopUpAsync(new GetTopUpRequest { TopUpId = "tu-2" }, cancellationToken: Ct).ResponseAsync,
            t => t.Status == TopUpStatus.Completed, Eventually.DefaultTimeout, Ct, "the second top-up to complete");
        Assert.Equal([TopUpSteps.Requested, TopUpSteps.Completed], second.Steps.Select(s => s.Name));
        Assert.Equal(3_000, second.BalanceAfterCents);

        await observer.WaitUntilAsync(events => events.Count(e => e.Type == EventType.Of<TopUpCompleted>()) == 2, "two TopUpCompleted", Eventually.DefaultTimeout, Ct);
        Assert.Single(observer.Events, e => e.Type == EventType.Of<PaymentMethodAddRequested>());
        Assert.Equal(2, observer.Events.Count(e => e.Type == EventType.Of<PassengerNotificationRequested>()
            && IntegrationEvents.FromJson<PassengerNotificationRequested>(e.Data).Kind == PassengerNotificationKind.TopUp));
        Assert.All(observer.Events, e => Assert.Equal("p-1", e.Subject));
    }

    [Fact]
    public async Task A_rejected_payment_method_fails_the_top_up_and_tells_the_passenger_with_nothing_credited()
    {
        await using var runtime = LocalRuntime.Create();
        var (_, observer, api) = await StartAsync(runtime, "p-2", "Grace");
        await api.RequestTopUpAsync(new RequestTopUpRequest { PassengerId = "p-2", RequestId = "tu-r", AmountCents = 1_000, PaymentMethodToken = "tok_stolen_card" }, cancellationToken: Ct);
        await Eventually.MatchesAsync(() => api.GetTopUpAsync(new GetTopUpRequest { TopUpId = "tu-r" }, cancellationToken: Ct).ResponseAsync,
            t => t.Status == TopUpStatus.AwaitingPaymentMethod, Eventually.DefaultTimeout, Ct, "the top-up to wait");

        await api.ConfirmPaymentMethodAsync(new ConfirmPaymentMethodRequest { PaymentMethodToken = "tok_stolen_card", PassengerId = "p-2", Accepted = false }, cancellationToken: Ct);

        var failed = await Eventually.MatchesAsync(() => api.GetTopUpAsync(new GetTopUpRequest { TopUpId = "tu-r" }, cancellationToken: Ct).ResponseAsync,
            t => t.Status == TopUpStatus.Failed, Eventually.DefaultTimeout, Ct, "the top-up to fail");
        Assert.Equal("the payment method was rejected", failed.FailureReason);
        Assert.Equal(0, (await api.GetCardBalanceAsync(new GetCardBalanceRequest { PassengerId = "p-2" }, cancellationToken: Ct)).BalanceCents);
        var told = await observer.WaitForAsync(e => e.Type == EventType.Of<PassengerNotificationRequested>()
            && IntegrationEvents.FromJson<PassengerNotificationRequested>(e.Data).Kind == PassengerNotificationKind.TopUp, Eventually.DefaultTimeout, Ct);
        Assert.Equal("grace@example.org", IntegrationEvents.FromJson<PassengerNotificationRequested>(told.Data).Email);
        await observer.WaitForAsync(e => e.Type == EventType.Of<TopUpFailed>(), Eventually.DefaultTimeout, Ct);
    }

    [Fact]
    public async Task The_development_provider_adds_its_approved_test_token_and_rejects_its_rejected_one_through_the_callback()
    {
        await using var runtime = LocalRuntime.Create();
        var (_, observer, api) = await StartAsync(runtime, "p-5", "Edsger");

        await api.RequestTopUpAsync(new RequestTopUpRequest { PassengerId = "p-5", RequestId = "tu-ok", AmountCents = 1_200, PaymentMethodToken = DevelopmentPaymentProvider.ApprovedToken }, cancellationToken: Ct);
        var done = await Eventually.MatchesAsync(() => api.GetTopUpAsync(new GetTopUpRequest { TopUpId = "tu-ok" }, cancellationToken: Ct).ResponseAsync,
            t => t.Status is TopUpStatus.Completed or TopUpStatus.Failed, Eventually.DefaultTimeout, Ct, "the approved top-up to end");
        Assert.Equal(TopUpStatus.Completed, done.Status);
        Assert.Equal([TopUpSteps.Requested, TopUpSteps.PaymentMethodAddRequested, TopUpSteps.PaymentMethodUpdated, TopUpSteps.Completed], done.Steps.Select(s => s.Name));

        await api.RequestTopUpAsync(new RequestTopUpRequest { PassengerId = "p-5", RequestId = "tu-no", AmountCents = 700, PaymentMethodToken = DevelopmentPaymentProvider.RejectedToken }, cancellationToken: Ct);
        var failed = await Eventually.MatchesAsync(() => api.GetTopUpAsync(new GetTopUpRequest { TopUpId = "tu-no" }, cancellationToken: Ct).ResponseAsync,
            t => t.Status is TopUpStatus.Completed or TopUpStatus.Failed, Eventually.DefaultTimeout, Ct, "the rejected top-up to end");
        Assert.Equal((TopUpStatus.Failed, "the payment method was rejected"), (failed.Status, failed.FailureReason));
        Assert.Equal([TopUpSteps.Requested, TopUpSteps.PaymentMethodAddRequested, TopUpSteps.PaymentMethodRejected, TopUpSteps.Failed], failed.Steps.Select(s => s.Name));
        Assert.Equal(1_200, (await api.GetCardBalanceAsync(new GetCardBalanceRequest { PassengerId = "p-5" }, cancellationToken: Ct)).BalanceCents);

        // The answers went the way a real provider's do: PaymentMethodUpdated on the topic, accepted and rejected.
        var answers = await observer.WaitUntilAsync(events => events.Count(e => e.Type == EventType.Of<PaymentMethodUpdated>()) == 2, "two PaymentMethodUpdated",
            Eventually.DefaultTimeout, Ct);
        Assert.Equal([(DevelopmentPaymentProvider.ApprovedToken, true, "tu-ok"), (DevelopmentPaymentProvider.RejectedToken, false, "tu-no")],
            answers.Where(e => e.Type == EventType.Of<PaymentMethodUpdated>()).Select(e => IntegrationEvents.FromJson<PaymentMethodUpdated>(e.Data))
                .Select(u => (u.PaymentMethodToken, u.Accepted, Assert.Single(u.TopUpIds))).OrderByDescending(a => a.Item3, StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_development_provider_never_answers_its_unanswered_test_token_and_the_top_up_fails_at_its_deadline()
    {
        await using var runtime = LocalRuntime.Create();
        var (_, observer, api) = await StartAsync(runtime, "p-6", "Tony", "--Passengers:PaymentMethodTimeout=00:00:03");

        await api.RequestTopUpAsync(new RequestTopUpRequest { PassengerId = "p-6", RequestId = "tu-late", AmountCents = 900, PaymentMethodToken = DevelopmentPaymentProvider.UnansweredToken }, cancellationToken: Ct);
        var failed = await Eventually.MatchesAsync(() => api.GetTopUpAsync(new GetTopUpRequest { TopUpId = "tu-late" }, cancellationToken: Ct).ResponseAsync,
            t => t.Status is TopUpStatus.Completed or TopUpStatus.Failed, Eventually.DefaultTimeout, Ct, "the unanswered top-up to end");
        Assert.Equal((TopUpStatus.Failed, "the payment method was not confirmed in time"), (failed.Status, failed.FailureReason));
        Assert.Equal([TopUpSteps.Requested, TopUpSteps.PaymentMethodAddRequested, TopUpSteps.Failed], failed.Steps.Select(s => s.Name));
        Assert.Equal(0, (await api.GetCardBalanceAsync(new GetCardBalanceRequest { PassengerId = "p-6" }, cancellationToken: Ct)).BalanceCents);
        Assert.DoesNotContain(observer.Events, e => e.Type == EventType.Of<PaymentMethodUpdated>());
    }

    [Fact]
    public async Task Bad_input_is_refused_naming_the_field_and_nothing_is_stored_or_started()
    {
        await using var runtime = LocalRuntime.Create();
        var identification = new RecordingIdentification();
        await runtime.StartGrpcAppAsync("identification", identification, Ct);
        var (passengers, observer, api) = await StartAsync(runtime, "p-3", "Linus");

        var unknown = await Assert.ThrowsAsync<RpcException>(() => api.RequestLoyaltyProgramAsync(new RequestLoyaltyProgramRequest { PassengerId = "p-404", ProgramId = "lp-1" }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("passenger", unknown.Status.Detail, StringComparison.Ordinal);

        async Task<string> FieldOfAsync(Func<Task> call)
        {
            var e = await Assert.ThrowsAsync<RpcException>(call);
            Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
            return Assert.Single(Errors.FieldViolationsOf(e)).Field;
        }

        RequestTopUpRequest TopUp(long cents, string token = "tok_card_linus") => new() { PassengerId = "p-3", RequestId = $"tu-bad-{cents}", AmountCents = cents, PaymentMethodToken = token };
        Assert.Equal("amount_cents", await FieldOfAsync(() => api.RequestTopUpAsync(TopUp(0), cancellationToken: Ct).ResponseAsync));
        Assert.Equal("amount_cents", await FieldOfAsync(() => api.RequestTopUpAsync(TopUp(-5), cancellationToken: Ct).ResponseAsync));
        Assert.Equal("amount_cents", await FieldOfAsync(() => api.RequestTopUpAsync(TopUp(10_000_000), cancellationToken: Ct).ResponseAsync));
        Assert.Equal("payment_method_token", await FieldOfAsync(() => api.RequestTopUpAsync(TopUp(100, "4111111111111111"), cancellationToken: Ct).ResponseAsync));
        Assert.Equal("request_id", await FieldOfAsync(() => api.RequestTopUpAsync(new RequestTopUpRequest(TopUp(100)) { RequestId = "" }, cancellationToken: Ct).ResponseAsync));
        Assert.Equal("info.email", await FieldOfAsync(() => api.UpdatePassengerInformationAsync(new UpdatePassengerInformationRequest { PassengerId = "p-3", Info = new PassengerInfo { DisplayName = "L", Email = "nope" } }, cancellationToken: Ct).ResponseAsync));
        Assert.Equal("tier", await FieldOfAsync(() => api.UpdateLoyaltyProgramAsync(new UpdateLoyaltyProgramRequest { PassengerId = "p-3" }, cancellationToken: Ct).ResponseAsync));

        // Templates are checked as identification checks them; a bad one goes nowhere.
        var bad = new EnrollForIdentificationRequest { PassengerId = "p-3", Consent = true, Templates = { Template("t-1", 512), Template("t-2", 100) } };
        Assert.Equal("templates[1].values", await FieldOfAsync(() => api.EnrollForIdentificationAsync(bad, cancellationToken: Ct).ResponseAsync));
        var nan = new EnrollForIdentificationRequest { PassengerId = "p-3", Consent = true, Templates = { Template("t-1", 512) } };
        nan.Templates[0].Values[3] = float.NaN;
        Assert.Equal("templates[0].values", await FieldOfAsync(() => api.EnrollForIdentificationAsync(nan, cancellationToken: Ct).ResponseAsync));
        var noConsent = new EnrollForIdentificationRequest { PassengerId = "p-3", Templates = { Template("t-1", 512) } };
        Assert.Equal("consent", await FieldOfAsync(() => api.EnrollForIdentificationAsync(noConsent, cancellationToken: Ct).ResponseAsync));
        Assert.Empty(identification.Enrolled);

        // Nothing of the refused top-ups was recorded or started.
        var card = await api.GetCardBalanceAsync(new GetCardBalanceRequest { PassengerId = "p-3" }, cancellationToken: Ct);
        Assert.Equal((0L, 0), (card.BalanceCents, card.TopUpsCredited));
        var none = await Assert.ThrowsAsync<RpcException>(() => api.GetTopUpAsync(new GetTopUpRequest { TopUpId = "tu-bad-0" }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, none.StatusCode);
        using var sidecar = new HttpClient { BaseAddress = new Uri(passengers.HttpEndpoint) };
        var stored = await sidecar.GetStringAsync("v1.0/actors/Passenger/p-3/state/passenger", Ct);
        Assert.Contains("Linus", stored, StringComparison.Ordinal);
        Assert.DoesNotContain("4111", stored, StringComparison.Ordinal);
        Assert.DoesNotContain("tu-bad", stored, StringComparison.Ordinal);
        Assert.DoesNotContain(observer.Events, e => e.Type == EventType.Of<TopUpRequested>());
    }

    [Fact]
    public async Task Enrolment_with_consent_hands_the_templates_to_identification_and_withdrawal_asks_it_to_delete_them()
    {
        await using var runtime = LocalRuntime.Create();
        var identification = new RecordingIdentification();
        await runtime.StartGrpcAppAsync("identification", identification, Ct);
        var (_, observer, api) = await StartAsync(runtime, "p-4", "Barbara");

        var enrolled = await api.EnrollForIdentificationAsync(new EnrollForIdentificationRequest { PassengerId = "p-4", Consent = true, Templates = { Template("t-1", 512) } }, cancellationToken: Ct);
        Assert.True(enrolled.IdentificationConsent);
        var sent = Assert.Single(identification.Enrolled);
        Assert.Equal(("p-4", "t-1", 512, 1UL), (sent.PassengerId, sent.Templates[0].TemplateId, sent.Templates[0].Values.Count, sent.EnrollmentSequence));
        await observer.WaitForAsync(e => e.Type == EventType.Of<PassengerConsentGiven>(), Eventually.DefaultTimeout, Ct);

        var withdrawn = await api.WithdrawConsentAsync(new WithdrawConsentRequest { PassengerId = "p-4" }, cancellationToken: Ct);
        Assert.False(withdrawn.IdentificationConsent);
        var @event = await observer.WaitForAsync(e => e.Type == EventType.Of<PassengerConsentWithdrawn>(), Eventually.DefaultTimeout, Ct);
        var withdrawal = IntegrationEvents.FromJson<PassengerConsentWithdrawn>(@event.Data);
        Assert.Equal(("p-4", 1UL), (withdrawal.PassengerId, withdrawal.EnrollmentSequence));
        // The passenger's record holds no template.
        var passenger = await api.GetPassengerAsync(new GetPassengerRequest { PassengerId = "p-4" }, cancellationToken: Ct);
        Assert.DoesNotContain("values", passenger.ToString(), StringComparison.Ordinal);
    }

    private static FaceTemplate Template(string id, int length)
    {
        var template = new FaceTemplate { TemplateId = id };
        var value = (float)(1 / Math.Sqrt(length));
        for (var i = 0; i < length; i++) template.Values.Add(value);
        return template;
    }

    /// <summary>Identification's enrolment, recorded.</summary>
    private sealed class RecordingIdentification : Identification.IdentificationBase
    {
        public ConcurrentQueue<EnrollPassengerRequest> Enrolled { get; } = new();

        public override Task<EnrollPassengerResponse> EnrollPassenger(EnrollPassengerRequest request, ServerCallContext context)
        {
            Enrolled.Enqueue(request);
            return Task.FromResult(new EnrollPassengerResponse());
        }
    }
}
