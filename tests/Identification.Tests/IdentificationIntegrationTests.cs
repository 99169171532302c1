using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using static Mtaeda.Identification.Tests.Support.IdentificationApp;

namespace Mtaeda.Identification.Tests;

/// <summary>
/// The real identification app in-process beside a local sidecar, called through another app's sidecar as the gateway
/// calls it: the watch list, matches and their events, refusals, a restart rebuilding the index from the store, and the
/// purge rule — captures that match no one leave nothing in any state key, event, log line or trace.
/// </summary>
public sealed class IdentificationIntegrationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_listed_offender_is_identified_and_captures_that_match_no_one_leave_no_trace()
    {
        var logs = new CapturingLogs();
        var traces = new ConcurrentQueue<string>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                traces.Enqueue(activity.DisplayName);
                foreach (var tag in activity.TagObjects) traces.Enqueue($"{tag.Key}={tag.Value}");
                foreach (var e in activity.Events) traces.Enqueue(e.Name + string.Join(",", e.Tags.Select(t => $"{t.Key}={t.Value}")));
            },
        };
        ActivitySource.AddActivityListener(listener);
        await using var runtime = LocalRuntime.Create(logs);
        var identification = await runtime.StartAsync("identification", App(logs), Ct);
        var observer = await runtime.ObserveAsync("observer", [Topics.Identification], Ct);
        var gateway = await runtime.StartSidecarAsync("gateway", Ct);
        var client = new IdentificationClient(gateway.Invoker("identification"));
        var random = new Random(11);

        await StartEquipmentAsync(runtime, Ct);
        await InstallCameraAsync(runtime, gateway, Ct);

        // The watch list: bad input refused naming the field, nothing stored.
        var face = Faces.Unit(random, Dimensions);
        var wrong = await Assert.ThrowsAsync<RpcException>(() => client.AddOffenderAsync(new AddOffenderRequest
        {
            OffenderId = "off-1", CaseReference = "case-42", AlertLevel = AlertLevel.High, ChangedBy = "officer-7", Templates = { Template("t-1", [1, 0, 0]) },
        }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, wrong.StatusCode);
        Assert.Contains(Errors.FieldViolationsOf(wrong), v => v.Field == "templates[0].values");
        Assert.DoesNotContain(State(runtime), e => e.Key == "identification||offender|off-1");

        var offender = await client.AddOffenderAsync(new AddOffenderRequest
        {
            OffenderId = "off-1", CaseReference = "case-42", AlertLevel = AlertLevel.High, ChangedBy = "officer-7",
            Recipients = { "police-desk-3" }, Templates = { Template("t-1", face) },
        }, cancellationToken: Ct);
        Assert.Equal(["t-1"], offender.TemplateIds);
        var again = await Assert.ThrowsAsync<RpcException>(() => client.AddOffenderAsync(new AddOffenderRequest
        {
            OffenderId = "off-1", CaseReference = "case-42", AlertLevel = AlertLevel.High, ChangedBy = "officer-7", Templates = { Template("t-1", face) },
        }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.AlreadyExists, again.StatusCode);

        // A capture of the offender: identified, recorded, announced.
        var match = await client.SubmitCaptureAsync(Capture("ts-1.c1", Faces.Noisy(random, face, 0.99)), cancellationToken: Ct);
        Assert.Equal((MatchKind.Offender, "ts-1.c1"), (match.Match, match.IdentificationId));
        var alert = await observer.WaitForAsync(e => e.Type == EventType.Of<OffenderIdentified>(), Patience, Ct);
        Assert.Equal("identified-ts-1.c1", alert.Id);
        var identified = IntegrationEvents.FromJson<OffenderIdentified>(alert.Data);
        Assert.Equal(("off-1", "case-42", AlertLevel.High, "stn-1", "cam-1"), (identified.OffenderId, identified.CaseReference, identified.AlertLevel, identified.Interaction.StationId, identified.Interaction.CameraId));
        Assert.Equal(["police-desk-3"], identified.Recipients);
        var interactions = await client.ListInteractionsAsync(new ListInteractionsRequest { PersonId = "off-1" }, cancellationToken: Ct);
        Assert.Equal("ts-1.c1", Assert.Single(interactions.Interactions).IdentificationId);

        // Refusals of captures: the field named, nothing kept.
        async Task<RpcException> Refused(SubmitCaptureRequest request) =>
            await Assert.ThrowsAsync<RpcException>(() => client.SubmitCaptureAsync(request, cancellationToken: Ct).ResponseAsync);
        var notNormalised = (float[])face.Clone();
        notNormalised[0] += 0.5f;
        var notFinite = (float[])face.Clone();
        notFinite[1] = float.NaN;
        Assert.Equal(StatusCode.InvalidArgument, (await Refused(Capture("refused-1", [0.6f, 0.8f]))).StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, (await Refused(Capture("refused-2", notNormalised))).StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, (await Refused(Capture("refused-3", notFinite))).StatusCode);
        var unknown = await Refused(Capture("refused-4", face, camera: "cam-9"));
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.StartsWith("camera_id:", unknown.Status.Detail, StringComparison.Ordinal);
        var duplicate = await Refused(Capture("ts-1.c1", face));
        Assert.Equal(StatusCode.InvalidArgument, duplicate.StatusCode);
        Assert.Contains("capture_id", duplicate.Status.Detail, StringComparison.Ordinal);

        // Many captures of strangers: no match, and then no trace of them anywhere.
        const int strangers = 400;
        var strangerTemplates = new List<float[]>();
        for (var i = 0; i < strangers; i++)
        {
            var stranger = Faces.Unit(random, Dimensions);
            strangerTemplates.Add(stranger);
            var answer = await client.SubmitCaptureAsync(Capture($"nomatch-{i}", stranger), cancellationToken: Ct);
            Assert.Equal(MatchKind.None, answer.Match);
        }
        var duplicateStranger = await Refused(Capture("nomatch-7", strangerTemplates[7]));
        Assert.Equal(StatusCode.InvalidArgument, duplicateStranger.StatusCode);

        // The index is rebuilt from the store after a restart.
        await identification.DisposeAsync();
        identification = await runtime.StartAsync("identification", App(logs), Ct);
        var afterRestart = await Eventually.MatchesAsync(
            async () => await client.SubmitCaptureAsync(Capture("ts-1.c2", Faces.Noisy(random, face, 0.99)), cancellationToken: Ct).ResponseAsync.ContinueWith(t => t.IsCompletedSuccessfully ? t.Result.Match : MatchKind.None, TaskScheduler.Default),
            m => m == MatchKind.Offender, Patience, Ct, "the restarted service matches the offender");
        Assert.Equal(MatchKind.Offender, afterRestart);

        // Watch-list changes are audited: who, what, from which app.
        await client.UpdateOffenderAsync(new UpdateOffenderRequest { OffenderId = "off-1", AlertLevel = AlertLevel.Medium, ChangedBy = "officer-9" }, cancellationToken: Ct);
        await client.RemoveOffenderAsync(new RemoveOffenderRequest { OffenderId = "off-1", ChangedBy = "officer-9", Reason = "case closed" }, cancellationToken: Ct);
        var changes = await client.ListWatchListChangesAsync(new ListWatchListChangesRequest { OffenderId = "off-1" }, cancellationToken: Ct);
        Assert.Equal([WatchListAction.Removed, WatchListAction.Updated, WatchListAction.Added], changes.Changes.Select(c => c.Action));
        Assert.Equal(["officer-9", "officer-9", "officer-7"], changes.Changes.Select(c => c.ChangedBy));
        Assert.All(changes.Changes, c => Assert.Equal("gateway", c.CallerAppId));
        Assert.Equal(["alert_level"], changes.Changes[1].Changes);
        Assert.Equal(MatchKind.None, (await client.SubmitCaptureAsync(Capture("ts-1.c3", Faces.Noisy(random, face, 0.99)), cancellationToken: Ct)).Match);
        Assert.DoesNotContain(State(runtime), e => e.Key == "identification||offender|off-1");

        // The purge rule, proven by scanning everything the run left.
        await observer.WaitForAsync(e => e.Type == EventType.Of<WatchListChanged>() && e.Data.Contains("REMOVED", StringComparison.Ordinal), Patience, Ct);
        var needles = new List<string>();
        for (var i = 0; i < strangers; i++) needles.Add($"nomatch-{i}");
        // Ids with letters outside hex, so that no random id or GUID the run writes can contain one by chance ("bad-2" was
        // found inside an event id "…-bbad-23c6…").
        needles.AddRange(["refused-1", "refused-2", "refused-3", "refused-4", "ts-1.c3"]);
        var fingerprints = strangerTemplates.Append(notNormalised).Select(Fingerprints).ToList();
        var stored = State(runtime);
        Assert.NotEmpty(stored);
        var everything = new List<(string Where, string Text)>();
        everything.AddRange(stored.Select(e => ("state " + e.Key, e.Key + " " + Encoding.UTF8.GetString(e.Value))));
        everything.AddRange(observer.Events.Select(e => ("event " + e.Id, e.Id + " " + e.Subject + " " + e.Data)));
        everything.AddRange(logs.Lines.Select(l => ("log", l)));
        everything.AddRange(traces.Select(t => ("trace", t)));
        Assert.Contains(everything, e => e.Text.Contains("ts-1.c1", StringComparison.Ordinal)); // the scan sees what a match left
        foreach (var (where, text) in everything)
        {
            foreach (var needle in needles) Assert.False(text.Contains(needle, StringComparison.Ordinal), $"{where} holds capture id {needle}: {text}");
            foreach (var set in fingerprints)
            {
                foreach (var fingerprint in set) Assert.False(text.Contains(fingerprint, StringComparison.Ordinal), $"{where} holds a stranger's template: {text}");
            }
        }
        await identification.DisposeAsync();
    }
}
