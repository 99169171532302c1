using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Mtaeda.Contracts.Gateway.V1;
using Mtaeda.Contracts.Identification.V1;
using Mtaeda.Identification.Domain;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Identification.Infrastructure;

/// <summary>A capture whose fields have been checked.</summary>
public sealed record Capture(string CaptureId, CameraRecord Camera, PassageDirection Direction, DateTimeOffset CapturedAt, float[] Template, ByteString Image);

/// <summary>
/// Matches a capture and, only when it identifies someone, records it: the identification (with the image crop), the
/// person's <see cref="CustomerStationInteraction"/> and the event (<see cref="OffenderIdentified"/> or
/// <see cref="PassengerIdentified"/>) in one state transaction, then publishes the event. A capture that matches no
/// one is counted and dropped here: this method neither writes, publishes, logs nor tags a trace with anything of it,
/// and clears its template.
/// </summary>
public sealed class CaptureIdentifier(IMatcher matcher, MatchPolicy policy, IdentificationStore store, StateOutbox outbox, WatchList watchList,
    IdentificationMetrics metrics, IdentificationOptions options, TimeProvider time)
{
    /// <summary>Matches and, on a match, records the capture.</summary>
    /// <returns>What it matched, and the identification id on a match.</returns>
    public async Task<(MatchKind Match, string IdentificationId)> IdentifyAsync(Capture capture, CancellationToken cancellationToken)
    {
        var match = policy.Identify(matcher, capture.Template);
        Array.Clear(capture.Template);
        if (match is null)
        {
            metrics.Unmatched();
            return (MatchKind.None, "");
        }
        var kind = match.Person.Kind == PersonKind.Offender ? MatchKind.Offender : MatchKind.Passenger;
        var offender = kind == MatchKind.Offender ? await watchList.GetOffenderAsync(match.Person.Id, cancellationToken) : null;
        if (kind == MatchKind.Offender && offender is null)
        {
            // Removed from the list between the match and now (another replica): no one to identify.
            matcher.Remove(match.Person);
            metrics.Unmatched();
            return (MatchKind.None, "");
        }
        var now = time.GetUtcNow();
        var interaction = new CustomerStationInteraction
        {
            IdentificationId = capture.CaptureId,
            PersonKind = kind,
            PersonId = match.Person.Id,
            StationId = capture.Camera.StationId,
            TurnstileId = capture.Camera.TurnstileId,
            CameraId = capture.Camera.CameraId,
            Direction = capture.Direction,
            OccurredAt = Timestamp.FromDateTimeOffset(capture.CapturedAt),
        };
        var record = new IdentificationRecord
        {
            IdentificationId = capture.CaptureId,
            Match = kind,
            PersonId = match.Person.Id,
            Similarity = match.Similarity,
            Interaction = interaction,
            Image = capture.Image,
        };
        IMessage message = kind == MatchKind.Offender
            ? Offender(offender!, record, now)
            : new PassengerIdentified
            {
                IdentificationId = capture.CaptureId,
                PassengerId = match.Person.Id,
                Interaction = interaction,
                Similarity = match.Similarity,
                IdentifiedAt = Timestamp.FromDateTimeOffset(now),
            };
        var entry = OutboxEntry.Of(message, "identified-" + capture.CaptureId, match.Person.Id);
        var recorded = await StateTransactions.RetryAsync(async ct =>
        {
            var (existing, _) = await store.GetAsync<string>(IdentificationStore.IdentificationKey(capture.CaptureId), ct);
            if (existing is not null) return (true, false);
            var interactionsKey = IdentificationStore.InteractionsKey(match.Person);
            var (interactions, interactionsTag) = await store.GetAsync<List<string>>(interactionsKey, ct);
            var pending = await outbox.ReadAsync(ct);
            var list = new List<string>(interactions ?? []) { IntegrationEvents.ToJson(interaction) };
            if (list.Count > options.InteractionsPerPerson) list.RemoveRange(0, list.Count - options.InteractionsPerPerson);
            var done = await store.TryCommitAsync(
            [
                new StateWrite(IdentificationStore.IdentificationKey(capture.CaptureId), StateTransactions.Json(IntegrationEvents.ToJson(record)), null),
                new StateWrite(interactionsKey, StateTransactions.Json(list), interactionsTag),
                outbox.Append(pending, entry),
            ], ct);
            return (done, true);
        }, "recording an identification", cancellationToken);
        if (!recorded) throw new DuplicateCaptureException();
        metrics.Matched(match.Person.Kind);
        await outbox.PublishAsync([entry], cancellationToken);
        return (kind, capture.CaptureId);
    }

    private static OffenderIdentified Offender(OffenderRecord offender, IdentificationRecord record, DateTimeOffset now)
    {
        var e = new OffenderIdentified
        {
            IdentificationId = record.IdentificationId,
            OffenderId = offender.Id,
            CaseReference = offender.CaseReference,
            AlertLevel = (AlertLevel)offender.AlertLevel,
            Interaction = record.Interaction,
            Similarity = record.Similarity,
            HasImage = !record.Image.IsEmpty,
            IdentifiedAt = Timestamp.FromDateTimeOffset(now),
        };
        e.Recipients.AddRange(offender.Recipients);
        return e;
    }
}

/// <summary>The capture id was recorded already.</summary>
public sealed class DuplicateCaptureException() : Exception("capture_id: was submitted already");
