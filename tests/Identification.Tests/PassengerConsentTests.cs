using Google.Protobuf.WellKnownTypes;
using Mtaeda.Contracts;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Contracts.Identification.V1;
using Mtaeda.Contracts.Passengers.V1;
using Mtaeda.ServiceDefaults;
using Mtaeda.Testing;
using IdentificationClient = Mtaeda.Contracts.Identification.V1.Identification.IdentificationClient;

namespace Mtaeda.Identification.Tests;

/// <summary>A passenger's withdrawn consent (passengers' <see cref="PassengerConsentWithdrawn"/>) deletes the passenger's templates.</summary>
public sealed class PassengerConsentTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_enrolled_passenger_is_identified_until_the_consent_is_withdrawn_then_the_templates_are_gone()
    {
        var logs = new CapturingLogs();
        await using var runtime = LocalRuntime.Create(logs);
        await runtime.StartAsync("identification", IdentificationIntegrationTests.App(logs), Ct);
        var passengers = await runtime.StartSidecarAsync("passengers", Ct);
        var client = new IdentificationClient(passengers.Invoker("identification"));
        var random = new Random(5);
        await passengers.Client.PublishIntegrationEventAsync(Topics.Equipment, new CameraInstalled
        {
            CameraId = "cam-1", StationId = "stn-1", TurnstileId = "ts-1", InstalledAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
        }, cancellationToken: Ct);
        await Eventually.UntilAsync(() => IdentificationIntegrationTests.State(runtime).Any(e => e.Key == "identification||camera|cam-1"), "the camera is known",
            IdentificationIntegrationTests.Patience, Ct);

        var face = MatchingTests.Random(random, IdentificationIntegrationTests.Dimensions);
        await client.EnrollPassengerAsync(new EnrollPassengerRequest { PassengerId = "p-1", Templates = { IdentificationIntegrationTests.Template("t-1", face) } }, cancellationToken: Ct);
        // Captures are answered once the index is loaded (Unavailable until then).
        var before = 0;
        var seen = await Eventually.MatchesAsync(
            () => client.SubmitCaptureAsync(IdentificationIntegrationTests.Capture($"c-before-{++before}", MatchingTests.Noisy(random, face, 0.02f)), cancellationToken: Ct).ResponseAsync
                .ContinueWith(t => t.IsCompletedSuccessfully ? t.Result.Match : (MatchKind?)null, TaskScheduler.Default),
            m => m is not null, IdentificationIntegrationTests.Patience, Ct, "identification to answer captures");
        Assert.Equal(MatchKind.Passenger, seen);

        await passengers.Client.PublishIntegrationEventAsync(Topics.Passengers,
            new PassengerConsentWithdrawn { PassengerId = "p-1", WithdrawnAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow) }, "consent-withdrawn-p-1", "p-1", Ct);

        await Eventually.UntilAsync(() => !IdentificationIntegrationTests.State(runtime).Any(e => e.Key == "identification||passenger|p-1"), "the passenger's templates deleted",
            IdentificationIntegrationTests.Patience, Ct);
        // The index forgets the passenger right after the store (the handler's last step): a capture of the face then matches no one.
        var attempt = 0;
        await Eventually.MatchesAsync(
            async () => (await client.SubmitCaptureAsync(IdentificationIntegrationTests.Capture($"c-after-{++attempt}", MatchingTests.Noisy(random, face, 0.02f)), cancellationToken: Ct)).Match,
            m => m == MatchKind.None, IdentificationIntegrationTests.Patience, Ct, "a capture of the withdrawn passenger to match no one");
        Assert.DoesNotContain(IdentificationIntegrationTests.State(runtime), e => e.Key.StartsWith("identification||passenger|p-1", StringComparison.Ordinal));
    }
}
