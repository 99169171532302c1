using Mtaeda.Contracts.Equipment.V1;
using static Mtaeda.Identification.Tests.Support.IdentificationApp;

namespace Mtaeda.Identification.Tests;

/// <summary>
/// How identification knows the cameras it takes captures from when equipment's events arrive in no set order (Redis
/// pub/sub delivers with several workers, Kafka keeps order per partition only): a capture that comes before its camera's
/// <see cref="CameraInstalled"/> is taken (equipment asked), a camera equipment does not have there is still refused,
/// and a removal delivered before the older installation keeps the camera removed.
/// </summary>
public sealed class CameraLookupTests
{
    private static int _captures;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // A capture of the face from the camera on the turnstile (a fresh capture id each time): how it matched, or the refusal.
    private static async Task<(StatusCode Status, MatchKind Match, string Detail)> SubmitAsync(IdentificationClient client, float[] face, string camera, string turnstile)
    {
        try
        {
            var answer = await client.SubmitCaptureAsync(Capture($"c-{Interlocked.Increment(ref _captures)}", face, camera, turnstile), cancellationToken: Ct);
            return (StatusCode.OK, answer.Match, "");
        }
        catch (RpcException e)
        {
            return (e.StatusCode, MatchKind.None, e.Status.Detail);
        }
    }

    // Identification and the gateway's sidecar, once captures are answered (the index loaded): a capture from a camera
    // nobody has is then refused NotFound, naming the field.
    private static async Task<IdentificationClient> StartAsync(LocalRuntime runtime, CapturingLogs logs, float[] face)
    {
        await runtime.StartAsync("identification", App(logs), Ct);
        var gateway = await runtime.StartSidecarAsync("gateway", Ct);
        var client = new IdentificationClient(gateway.Invoker("identification"));
        await WhenAvailableAsync(() => client.AddOffenderAsync(new AddOffenderRequest
        {
            OffenderId = "off-1", CaseReference = "case-1", AlertLevel = AlertLevel.High, ChangedBy = "officer-7", Templates = { Template("t-1", face) },
        }, cancellationToken: Ct), Ct);
        return client;
    }

    [Fact]
    public async Task A_capture_that_comes_before_its_cameras_CameraInstalled_is_identified_and_a_camera_equipment_does_not_have_is_refused()
    {
        var logs = new CapturingLogs();
        await using var runtime = LocalRuntime.Create(logs);
        var equipment = await StartEquipmentAsync(runtime, Ct);
        var random = new Random(3);
        var face = Faces.Unit(random, Dimensions);
        var client = await StartAsync(runtime, logs, face);

        // A camera equipment does not have: refused as before (once the index is loaded; Unavailable until then).
        var unknown = await Eventually.MatchesAsync(() => SubmitAsync(client, face, "cam-9", "ts-9"), r => r.Status != StatusCode.Unavailable, Patience, Ct,
            "identification to answer captures");
        Assert.Equal(StatusCode.NotFound, unknown.Status);
        Assert.StartsWith("camera_id:", unknown.Detail, StringComparison.Ordinal);

        // Equipment installed cam-2 on ts-2 at stn-2; its CameraInstalled is still on the way (not published at all here).
        equipment.Install("cam-2", "ts-2", "stn-2", DateTimeOffset.UtcNow.AddMinutes(-1));
        var asked = equipment.Asked;
        var first = await SubmitAsync(client, Faces.Noisy(random, face, 0.99), "cam-2", "ts-2");
        Assert.Equal((StatusCode.OK, MatchKind.Offender), (first.Status, first.Match));
        Assert.Equal(asked + 1, equipment.Asked);
        var interaction = Assert.Single((await client.ListInteractionsAsync(new ListInteractionsRequest { PersonId = "off-1" }, cancellationToken: Ct)).Interactions);
        Assert.Equal(("stn-2", "ts-2", "cam-2"), (interaction.StationId, interaction.TurnstileId, interaction.CameraId));
        // Recorded as the event would record it: the next capture does not ask again.
        Assert.Contains(State(runtime), e => e.Key == "identification||camera|cam-2");
        Assert.Equal(MatchKind.None, (await SubmitAsync(client, Faces.Unit(random, Dimensions), "cam-2", "ts-2")).Match);
        Assert.Equal(asked + 1, equipment.Asked);

        // The camera named on a turnstile it is not on: refused.
        var elsewhere = await SubmitAsync(client, face, "cam-2", "ts-3");
        Assert.Equal(StatusCode.NotFound, elsewhere.Status);
        Assert.StartsWith("camera_id:", elsewhere.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_removal_delivered_before_the_older_installation_keeps_the_camera_removed_and_captures_are_not_taken_while_equipment_cannot_be_asked()
    {
        var logs = new CapturingLogs();
        await using var runtime = LocalRuntime.Create(logs);
        var random = new Random(4);
        var face = Faces.Unit(random, Dimensions);
        var client = await StartAsync(runtime, logs, face);
        var publisher = await runtime.StartSidecarAsync("equipment-events", Ct);

        // Equipment installed cam-3 on ts-3 and removed it a minute later; the removal is delivered first.
        var installedAt = DateTimeOffset.UtcNow.AddMinutes(-2);
        await publisher.Client.PublishIntegrationEventAsync(Topics.Equipment, new TurnstileCameraUninstalled
        {
            CameraId = "cam-3", TurnstileId = "ts-3", UninstalledAt = Timestamp.FromDateTimeOffset(installedAt.AddMinutes(1)),
        }, cancellationToken: Ct);
        await publisher.Client.PublishIntegrationEventAsync(Topics.Equipment, new CameraInstalled
        {
            CameraId = "cam-3", StationId = "stn-3", TurnstileId = "ts-3", InstalledAt = Timestamp.FromDateTimeOffset(installedAt),
        }, cancellationToken: Ct);
        // One subscription, one delivery at a time: once a later event is recorded, both were handled.
        await publisher.Client.PublishIntegrationEventAsync(Topics.Equipment, new CameraInstalled
        {
            CameraId = "cam-4", StationId = "stn-3", TurnstileId = "ts-4", InstalledAt = Timestamp.FromDateTimeOffset(installedAt),
        }, cancellationToken: Ct);
        await Eventually.UntilAsync(() => State(runtime).Any(e => e.Key == "identification||camera|cam-4"), "the later installation recorded", Patience, Ct);
        var taken = await Eventually.MatchesAsync(() => SubmitAsync(client, face, "cam-4", "ts-4"), r => r.Status != StatusCode.Unavailable, Patience, Ct,
            "identification to answer captures");
        Assert.Equal((StatusCode.OK, MatchKind.Offender), (taken.Status, taken.Match));

        // cam-3 is not taken as installed; equipment (not running here) cannot be asked, so its captures are answered
        // Unavailable, not taken and not refused as unknown.
        var removed = await SubmitAsync(client, face, "cam-3", "ts-3");
        Assert.Equal(StatusCode.Unavailable, removed.Status);
        Assert.StartsWith("camera_id:", removed.Detail, StringComparison.Ordinal);
    }
}
