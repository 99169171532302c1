using Mtaeda.Contracts.Passengers.V1;
using static Mtaeda.Identification.Tests.Support.IdentificationApp;

namespace Mtaeda.Identification.Tests;

/// <summary>
/// A passenger's withdrawn consent (passengers' <see cref="PassengerConsentWithdrawn"/>) deletes the passenger's templates of
/// the enrolments it covers, and only those: a withdrawal delivered late leaves a later enrolment's templates alone.
/// </summary>
public sealed class PassengerConsentTests
{
    private static int _captures;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // Identification with a camera, and passengers' sidecar (which publishes the withdrawals and calls identification).
    private static async Task<(AppNode Passengers, IdentificationClient Client)> StartAsync(LocalRuntime runtime)
    {
        await runtime.StartAsync("identification", App(new CapturingLogs()), Ct);
        var passengers = await runtime.StartSidecarAsync("passengers", Ct);
        await InstallCameraAsync(runtime, passengers, Ct);
        return (passengers, new IdentificationClient(passengers.Invoker("identification")));
    }

    // A capture of the face (with a little noise): how it matched, or null while identification does not answer captures yet.
    private static Task<MatchKind?> MatchOf(IdentificationClient client, Random random, float[] face) =>
        client.SubmitCaptureAsync(Capture($"c-{Interlocked.Increment(ref _captures)}", Faces.Noisy(random, face, 0.99)), cancellationToken: Ct)
            .ResponseAsync.ContinueWith(t => t.IsCompletedSuccessfully ? t.Result.Match : (MatchKind?)null, TaskScheduler.Default);

    // Enrolment number <sequence> of passenger p-1, with one template.
    private static Task<EnrollPassengerResponse> Enroll(IdentificationClient client, ulong sequence, string templateId, float[] face) =>
        client.EnrollPassengerAsync(new EnrollPassengerRequest { PassengerId = "p-1", EnrollmentSequence = sequence, Templates = { Template(templateId, face) } }, cancellationToken: Ct).ResponseAsync;

    // Passengers' withdrawal of consent of p-1, covering enrolments up to <through> (0: unnumbered).
    private static Task Withdraw(AppNode passengers, ulong through) => passengers.Client.PublishIntegrationEventAsync(Topics.Passengers,
        new PassengerConsentWithdrawn { PassengerId = "p-1", EnrollmentSequence = through, WithdrawnAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow) },
        $"consent-withdrawn-p-1-{through}", "p-1", Ct);

    [Fact]
    public async Task An_enrolled_passenger_is_identified_until_the_consent_is_withdrawn_then_the_templates_are_gone()
    {
        await using var runtime = LocalRuntime.Create(new CapturingLogs());
        var (passengers, client) = await StartAsync(runtime);
        var random = new Random(5);

        var face = Faces.Unit(random, Dimensions);
        await Enroll(client, 0, "t-1", face);
        // Captures are answered once the index is loaded (Unavailable until then).
        var seen = await Eventually.MatchesAsync(() => MatchOf(client, random, face), m => m is not null, Patience, Ct, "identification to answer captures");
        Assert.Equal(MatchKind.Passenger, seen);

        await Withdraw(passengers, 0);

        await Eventually.UntilAsync(() => !State(runtime).Any(e => e.Key == "identification||passenger|p-1"), "the passenger's templates deleted",
            Patience, Ct);
        // The index forgets the passenger right after the store (the handler's last step): a capture of the face then matches no one.
        await Eventually.MatchesAsync(() => MatchOf(client, random, face), m => m == MatchKind.None, Patience, Ct,
            "a capture of the withdrawn passenger to match no one");
        Assert.DoesNotContain(State(runtime), e => e.Key.StartsWith("identification||passenger|p-1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_withdrawal_delivered_after_the_passenger_enrolled_again_leaves_the_new_templates_and_late_enrolments_change_nothing()
    {
        await using var runtime = LocalRuntime.Create(new CapturingLogs());
        var (passengers, client) = await StartAsync(runtime);
        var random = new Random(11);

        // Enrolment 1, withdrawn in passengers (its event on the way, late), then enrolment 2 reaches identification first.
        var first = Faces.Unit(random, Dimensions);
        var second = Faces.Unit(random, Dimensions);
        await Enroll(client, 1, "t-1", first);
        await Enroll(client, 2, "t-2", second);
        Task<MatchKind?> MatchOf(float[] face) => PassengerConsentTests.MatchOf(client, random, face);
        Assert.Equal(MatchKind.Passenger, await Eventually.MatchesAsync(() => MatchOf(second), m => m is not null, Patience, Ct,
            "identification to answer captures"));

        await Withdraw(passengers, 1);

        // The withdrawal is applied (it is remembered as covering enrolment 1), or, wrongly, the templates are gone.
        bool Held() => State(runtime).Any(e => e.Key == "identification||passenger|p-1");
        await Eventually.UntilAsync(() => !Held() || State(runtime).Any(e => e.Key == "identification||withdrawal|p-1"),
            "the late withdrawal applied", Patience, Ct);
        Assert.True(Held(), "the late withdrawal of enrolment 1 deleted the templates of enrolment 2");
        Assert.Equal(MatchKind.Passenger, await MatchOf(second));
        Assert.Equal(MatchKind.None, await MatchOf(first));

        // The withdrawal of enrolment 2 deletes them; enrolment 2 sent again after it (a retried call) is refused and stores nothing.
        await Withdraw(passengers, 2);
        await Eventually.UntilAsync(() => !Held(), "the templates of enrolment 2 deleted", Patience, Ct);
        await Eventually.MatchesAsync(() => MatchOf(second), m => m == MatchKind.None, Patience, Ct, "a capture of the withdrawn passenger to match no one");
        var late = await Assert.ThrowsAsync<RpcException>(() => Enroll(client, 2, "t-2", second));
        Assert.Equal(StatusCode.FailedPrecondition, late.StatusCode);
        Assert.False(Held());

        // The passenger enrols again twice (4 after 3, the calls crossing): enrolment 3 arriving after 4 changes nothing.
        await Enroll(client, 4, "t-4", first);
        await Enroll(client, 3, "t-3", second);
        Assert.Equal(MatchKind.Passenger, await MatchOf(first));
        Assert.Equal(MatchKind.None, await MatchOf(second));
    }
}
