using System.Text;
using Mtaeda.Contracts.Equipment.V1;
using static Mtaeda.Identification.Tests.Support.IdentificationApp;

namespace Mtaeda.Identification.Tests;

/// <summary>Identification on a state store Dapr encrypts (primaryEncryptionKey from a secret store).</summary>
public sealed class EncryptedStoreTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Templates_and_case_data_are_stored_encrypted_and_read_back_after_a_restart()
    {
        var logs = new CapturingLogs();
        await using var runtime = LocalRuntime.Create(logs);
        var secrets = Path.Combine(runtime.Resources, "identification-keys.json");
        await File.WriteAllTextAsync(secrets, """{ "identification-state-key": "6f3c1a2b4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8" }""", Ct);
        await File.WriteAllTextAsync(Path.Combine(runtime.Resources, "identificationstore.yaml"), $$"""
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata: { name: identification-secrets }
            spec:
              type: secretstores.local.file
              version: v1
              metadata:
              - { name: secretsFile, value: "{{secrets}}" }
            ---
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata: { name: identificationstore }
            spec:
              type: state.in-memory
              version: v1
              metadata:
              - { name: primaryEncryptionKey, secretKeyRef: { name: identification-state-key } }
            auth:
              secretStore: identification-secrets
            """, Ct);
        var identification = await runtime.StartAsync("identification", App(logs, "identificationstore"), Ct);
        var gateway = await runtime.StartSidecarAsync("gateway", Ct);
        var client = new IdentificationClient(gateway.Invoker("identification"));
        await gateway.Client.PublishIntegrationEventAsync(Topics.Equipment, new CameraInstalled
        {
            CameraId = "cam-1", StationId = "stn-1", TurnstileId = "ts-1", InstalledAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
        }, cancellationToken: Ct);
        var face = Faces.Unit(new Random(5), Dimensions);
        await WhenAvailableAsync(() => client.AddOffenderAsync(new AddOffenderRequest
        {
            OffenderId = "off-1", CaseReference = "case-secret-77", AlertLevel = AlertLevel.Low, ChangedBy = "officer-7", Templates = { Template("t-1", face) },
        }, cancellationToken: Ct), Ct);

        var stored = State(runtime, "identificationstore", "identificationstore.yaml");
        var offender = Assert.Single(stored, e => e.Key == "identification||offender|off-1");
        var text = Encoding.UTF8.GetString(offender.Value);
        Assert.EndsWith("||identification-state-key", text.Trim('"'), StringComparison.Ordinal);
        foreach (var (_, value) in stored)
        {
            var plain = Encoding.UTF8.GetString(value);
            Assert.DoesNotContain("case-secret-77", plain, StringComparison.Ordinal);
            foreach (var fingerprint in Fingerprints(face)) Assert.DoesNotContain(fingerprint, plain, StringComparison.Ordinal);
        }

        // Read back through Dapr: the restarted service rebuilds its index from the encrypted store.
        await identification.DisposeAsync();
        identification = await runtime.StartAsync("identification", App(logs, "identificationstore"), Ct);
        await Eventually.UntilAsync(() => State(runtime, "identificationstore", "identificationstore.yaml").Any(e => e.Key == "identification||camera|cam-1"), "the camera is known", Patience, Ct);
        var match = await Eventually.MatchesAsync(
            () => client.SubmitCaptureAsync(Capture("ts-1.c1", face), cancellationToken: Ct).ResponseAsync.ContinueWith(t => t.IsCompletedSuccessfully ? t.Result.Match : MatchKind.None, TaskScheduler.Default),
            m => m == MatchKind.Offender, Patience, Ct, "the restarted service matches the offender");
        Assert.Equal(MatchKind.Offender, match);
        Assert.Equal("case-secret-77", (await client.GetOffenderAsync(new GetOffenderRequest { OffenderId = "off-1" }, cancellationToken: Ct)).CaseReference);
        await identification.DisposeAsync();
    }
}
