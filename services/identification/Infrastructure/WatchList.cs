using Google.Protobuf.WellKnownTypes;
using Mtaeda.Contracts.Identification.V1;
using Mtaeda.Identification.Domain;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Identification.Infrastructure;

/// <summary>A validated template to store.</summary>
/// <param name="Id">Template id.</param>
/// <param name="Values">L2-normalised values of the configured length.</param>
public sealed record NewTemplate(string Id, float[] Values);

/// <summary>A validated change of an offender's entry.</summary>
public sealed record OffenderChange(string? CaseReference, AlertLevel? AlertLevel, IReadOnlyList<string>? Recipients, IReadOnlyList<NewTemplate> AddTemplates,
    IReadOnlyList<string> RemoveTemplateIds);

/// <summary>Who asked for a watch-list change.</summary>
/// <param name="ChangedBy">The operator id given with the request.</param>
/// <param name="CallerAppId">The calling app, as Dapr says (<c>dapr-caller-app-id</c>), or empty.</param>
public sealed record ChangeAuthor(string ChangedBy, string CallerAppId);

/// <summary>The watch-list entry is not there (NotFound) or already there (AlreadyExists), or the change is not allowed.</summary>
public sealed class WatchListRefusal(WatchListRefusal.Kind kind, string field, string message) : Exception(message)
{
    /// <summary>What went wrong.</summary>
    public enum Kind
    {
        /// <summary>No such offender.</summary>
        NotFound,

        /// <summary>The offender is listed already.</summary>
        AlreadyExists,

        /// <summary>The change itself is invalid (a template id held or not held).</summary>
        Invalid,

        /// <summary>A withdrawal of consent covered the enrolment already.</summary>
        Withdrawn,
    }

    /// <summary>What went wrong.</summary>
    public Kind Reason { get; } = kind;

    /// <summary>The field at fault.</summary>
    public string Field { get; } = field;
}

/// <summary>
/// The watch list and the passengers' enrolments: each change written in one state transaction with its audit entry
/// (who, what, when) and its event (<see cref="WatchListChanged"/> / <see cref="PassengerEnrollmentChanged"/>, which
/// carry no template and no case data), then applied to this replica's matcher at once; the other replicas reload the
/// entry from the store when the event reaches them. At start-up the matcher is rebuilt from the store.
/// </summary>
public sealed class WatchList(IdentificationStore store, StateOutbox outbox, IMatcher matcher, TimeProvider time)
{
    private readonly Lock _loading = new();
    private HashSet<PersonRef>? _changedWhileLoading;

    /// <summary>Lists an offender.</summary>
    public async Task<OffenderRecord> AddOffenderAsync(string id, string caseReference, AlertLevel level, IReadOnlyList<string> recipients,
        IReadOnlyList<NewTemplate> templates, ChangeAuthor author, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var record = new OffenderRecord(id, caseReference, (int)level, [.. recipients], [.. templates.Select(t => TemplateRecord.Of(t.Id, t.Values))], now, now);
        var changes = new List<string> { "case_reference", "alert_level", "recipients" };
        changes.AddRange(templates.Select(t => "templates+" + t.Id));
        await CommitChangeAsync(id, WatchListAction.Added, author, changes, "", null, record, mustNotExist: true, cancellationToken);
        await store.Offenders.AddAsync(id, cancellationToken);
        Apply(record);
        return record;
    }

    /// <summary>Changes an offender's entry.</summary>
    public async Task<OffenderRecord> UpdateOffenderAsync(string id, OffenderChange change, ChangeAuthor author, CancellationToken cancellationToken)
    {
        OffenderRecord? updated = null;
        var changes = new List<string>();
        await CommitChangeAsync(id, WatchListAction.Updated, author, changes, "", current =>
        {
            changes.Clear();
            var templates = new List<TemplateRecord>(current.Templates);
            foreach (var remove in change.RemoveTemplateIds)
            {
                if (templates.RemoveAll(t => t.Id == remove) == 0) throw new WatchListRefusal(WatchListRefusal.Kind.Invalid, "remove_template_ids", $"template '{remove}' is not held for this offender");
                changes.Add("templates-" + remove);
            }
            foreach (var add in change.AddTemplates)
            {
                if (templates.Any(t => t.Id == add.Id)) throw new WatchListRefusal(WatchListRefusal.Kind.Invalid, "add_templates", $"template '{add.Id}' is held already");
                templates.Add(TemplateRecord.Of(add.Id, add.Values));
                changes.Add("templates+" + add.Id);
            }
            if (templates.Count == 0) throw new WatchListRefusal(WatchListRefusal.Kind.Invalid, "remove_template_ids", "an offender keeps at least one template (remove the offender instead)");
            if (templates.Count > 20) throw new WatchListRefusal(WatchListRefusal.Kind.Invalid, "add_templates", "an offender holds at most 20 templates");
            if (change.CaseReference is not null && change.CaseReference != current.CaseReference) changes.Add("case_reference");
            if (change.AlertLevel is { } level && (int)level != current.AlertLevel) changes.Add("alert_level");
            if (change.Recipients is not null && !change.Recipients.SequenceEqual(current.Recipients)) changes.Add("recipients");
            updated = current with
            {
                CaseReference = change.CaseReference ?? current.CaseReference,
                AlertLevel = change.AlertLevel is { } l ? (int)l : current.AlertLevel,
                Recipients = change.Recipients is { } r ? [.. r] : current.Recipients,
                Templates = templates,
                UpdatedAt = time.GetUtcNow(),
            };
            return updated;
        }, null, mustNotExist: false, cancellationToken);
        Apply(updated!);
        return updated!;
    }

    /// <summary>Takes an offender off the watch list.</summary>
    public async Task RemoveOffenderAsync(string id, string reason, ChangeAuthor author, CancellationToken cancellationToken)
    {
        await CommitChangeAsync(id, WatchListAction.Removed, author, ["offender"], reason, _ => null, null, mustNotExist: false, cancellationToken);
        Forget(new PersonRef(PersonKind.Offender, id));
        await store.Offenders.RemoveAsync(id, cancellationToken);
    }

    /// <summary>An offender's entry, or null.</summary>
    public async Task<OffenderRecord?> GetOffenderAsync(string id, CancellationToken cancellationToken) =>
        (await store.GetAsync<OffenderRecord>(IdentificationStore.OffenderKey(id), cancellationToken)).Value;

    /// <summary>The audit trail, newest first (at most <paramref name="limit"/>; an offender filter scans at most 10,000 entries back).</summary>
    public async Task<IReadOnlyList<WatchListChange>> ChangesAsync(string? offenderId, int limit, CancellationToken cancellationToken)
    {
        var (head, _) = await store.GetAsync<AuditHead>(IdentificationStore.AuditHeadKey, cancellationToken);
        var result = new List<WatchListChange>();
        var sequence = head?.Sequence ?? 0;
        var scanned = 0;
        while (sequence > 0 && result.Count < limit && scanned < 10_000)
        {
            var keys = new List<string>();
            for (var s = sequence; s > 0 && keys.Count < 100; s--) keys.Add(IdentificationStore.AuditKey(s));
            sequence -= (ulong)keys.Count;
            scanned += keys.Count;
            var entries = await store.GetManyAsync<string>(keys, cancellationToken);
            foreach (var key in keys)
            {
                if (!entries.TryGetValue(key, out var json)) continue;
                var change = IntegrationEvents.FromJson<WatchListChange>(json);
                if (offenderId is null || change.OffenderId == offenderId) result.Add(change);
                if (result.Count == limit) break;
            }
        }
        return result;
    }

    /// <summary>
    /// Enrols a passenger: the templates replace those held, unless a later enrolment (<paramref name="sequence"/>, passengers'
    /// number of it; 0: unnumbered) is held already, which is kept. An enrolment a withdrawal covered already (a call
    /// arriving after it) is refused (<see cref="WatchListRefusal.Kind.Withdrawn"/>) and stores nothing.
    /// </summary>
    public async Task EnrollPassengerAsync(string id, IReadOnlyList<NewTemplate> templates, ulong sequence, CancellationToken cancellationToken)
    {
        var record = await StateTransactions.RetryAsync(async ct =>
        {
            var (current, etag) = await store.GetAsync<PassengerRecord>(IdentificationStore.PassengerKey(id), ct);
            if (sequence > 0)
            {
                var (withdrawal, _) = await store.GetAsync<WithdrawalRecord>(IdentificationStore.WithdrawalKey(id), ct);
                if (withdrawal is not null && withdrawal.Through >= sequence)
                    throw new WatchListRefusal(WatchListRefusal.Kind.Withdrawn, "enrollment_sequence", $"the passenger withdrew the consent of enrolment {sequence} already");
                if (current is not null && current.EnrollmentSequence > sequence) return (true, ((PassengerRecord, OutboxEntry)?)null);
            }
            var pending = await outbox.ReadAsync(ct);
            var next = new PassengerRecord(id, [.. templates.Select(t => TemplateRecord.Of(t.Id, t.Values))], (current?.Version ?? 0) + 1, time.GetUtcNow(), sequence);
            var entry = EnrollmentEvent(id, true, next.Version);
            var done = await store.TryCommitAsync([new StateWrite(IdentificationStore.PassengerKey(id), StateTransactions.Json(next), etag), outbox.Append(pending, entry)], ct);
            return (done, ((PassengerRecord, OutboxEntry)?)(next, entry));
        }, "enrolling a passenger", cancellationToken);
        if (record is not { } written) return;
        await store.Passengers.AddAsync(id, cancellationToken);
        Apply(written.Item1);
        await outbox.PublishAsync([written.Item2], cancellationToken);
    }

    /// <summary>
    /// Withdraws a passenger's enrolment: the templates are deleted when the enrolment held is one the withdrawal covers
    /// (numbered up to <paramref name="through"/>; 0: whatever is held), and kept when it is a later one (the withdrawal
    /// arrived late). The last enrolment covered is remembered, so that an enrolment it covers arriving later is refused.
    /// True when templates were deleted.
    /// </summary>
    public async Task<bool> WithdrawPassengerAsync(string id, ulong through, CancellationToken cancellationToken)
    {
        var (deleted, entry) = await StateTransactions.RetryAsync(async ct =>
        {
            var (current, etag) = await store.GetAsync<PassengerRecord>(IdentificationStore.PassengerKey(id), ct);
            var (withdrawal, withdrawalTag) = await store.GetAsync<WithdrawalRecord>(IdentificationStore.WithdrawalKey(id), ct);
            var delete = current is not null && (through == 0 || current.EnrollmentSequence <= through);
            var covered = Math.Max(withdrawal?.Through ?? 0, through == 0 ? current?.EnrollmentSequence ?? 0 : through);
            var writes = new List<StateWrite>();
            OutboxEntry? e = null;
            if (delete)
            {
                e = EnrollmentEvent(id, false, current!.Version + 1);
                writes.Add(new StateWrite(IdentificationStore.PassengerKey(id), null, etag));
                writes.Add(outbox.Append(await outbox.ReadAsync(ct), e));
            }
            if (covered > (withdrawal?.Through ?? 0))
                writes.Add(new StateWrite(IdentificationStore.WithdrawalKey(id), StateTransactions.Json(new WithdrawalRecord(id, covered, time.GetUtcNow())), withdrawalTag));
            if (writes.Count == 0) return (true, (false, (OutboxEntry?)null));
            return (await store.TryCommitAsync(writes, ct), (delete, e));
        }, "withdrawing a passenger", cancellationToken);
        if (!deleted) return false;
        Forget(new PersonRef(PersonKind.Passenger, id));
        await store.Passengers.RemoveAsync(id, cancellationToken);
        await outbox.PublishAsync([entry!], cancellationToken);
        return true;
    }

    /// <summary>Reloads one offender from the store into the matcher (another replica changed it).</summary>
    public Task ReloadOffenderAsync(string id, CancellationToken cancellationToken) => RefreshAsync(new PersonRef(PersonKind.Offender, id), live: true, cancellationToken);

    /// <summary>Reloads one passenger from the store into the matcher.</summary>
    public Task ReloadPassengerAsync(string id, CancellationToken cancellationToken) => RefreshAsync(new PersonRef(PersonKind.Passenger, id), live: true, cancellationToken);

    /// <summary>
    /// Builds the matcher from the store: every listed offender and enrolled passenger. Returns the templates loaded. A
    /// change applied while the store is read (an enrolment, a withdrawal, a watch-list change) would be overwritten by
    /// the older snapshot, so each person changed meanwhile is read again afterwards, until a pass changes no one.
    /// </summary>
    public async Task<int> LoadAllAsync(CancellationToken cancellationToken)
    {
        lock (_loading) _changedWhileLoading ??= [];
        var people = new List<(PersonRef, IReadOnlyList<StoredTemplate>)>();
        foreach (var chunk in (await store.Offenders.ListAsync(cancellationToken)).Chunk(100))
        {
            foreach (var record in (await store.GetManyAsync<OffenderRecord>([.. chunk.Select(IdentificationStore.OffenderKey)], cancellationToken)).Values)
                people.Add((new PersonRef(PersonKind.Offender, record.Id), Templates(record.Templates)));
        }
        foreach (var chunk in (await store.Passengers.ListAsync(cancellationToken)).Chunk(100))
        {
            foreach (var record in (await store.GetManyAsync<PassengerRecord>([.. chunk.Select(IdentificationStore.PassengerKey)], cancellationToken)).Values)
                people.Add((new PersonRef(PersonKind.Passenger, record.Id), Templates(record.Templates)));
        }
        matcher.PutMany(people);
        while (true)
        {
            HashSet<PersonRef> changed;
            lock (_loading)
            {
                changed = _changedWhileLoading!;
                _changedWhileLoading = changed.Count == 0 ? null : [];
            }
            if (changed.Count == 0) return matcher.Count;
            foreach (var person in changed) await RefreshAsync(person, live: false, cancellationToken);
        }
    }

    // Reads the person's entry from the store into the matcher (or forgets the person). A live refresh (an event) counts as a
    // change for a load under way; the load's own does not.
    private async Task RefreshAsync(PersonRef person, bool live, CancellationToken cancellationToken)
    {
        var templates = person.Kind == PersonKind.Offender
            ? (await GetOffenderAsync(person.Id, cancellationToken))?.Templates
            : (await store.GetAsync<PassengerRecord>(IdentificationStore.PassengerKey(person.Id), cancellationToken)).Value?.Templates;
        if (live) Touch(person);
        if (templates is not null) matcher.Put(person, Templates(templates));
        else matcher.Remove(person);
    }

    private void Apply(OffenderRecord record) => Put(new PersonRef(PersonKind.Offender, record.Id), record.Templates);

    private void Apply(PassengerRecord record) => Put(new PersonRef(PersonKind.Passenger, record.Id), record.Templates);

    private void Put(PersonRef person, List<TemplateRecord> templates)
    {
        Touch(person);
        matcher.Put(person, Templates(templates));
    }

    private void Forget(PersonRef person)
    {
        Touch(person);
        matcher.Remove(person);
    }

    // Called after the change is committed: a load under way reads the person again once its snapshot is in.
    private void Touch(PersonRef person)
    {
        lock (_loading) _changedWhileLoading?.Add(person);
    }

    private static StoredTemplate[] Templates(List<TemplateRecord> templates) => [.. templates.Select(t => new StoredTemplate(t.Id, t.Read()))];

    private OutboxEntry EnrollmentEvent(string id, bool enrolled, ulong version) => OutboxEntry.Of(
        new PassengerEnrollmentChanged { PassengerId = id, Enrolled = enrolled, Version = version, ChangedAt = Timestamp.FromDateTimeOffset(time.GetUtcNow()) },
        $"enrolment-{id}-{version}", id);

    // One transaction: the offender's record (written, or deleted when change answers null), the audit head and entry,
    // and the WatchListChanged event in the outbox; published after the commit.
    private async Task CommitChangeAsync(string id, WatchListAction action, ChangeAuthor author, List<string> changes, string reason,
        Func<OffenderRecord, OffenderRecord?>? change, OffenderRecord? created, bool mustNotExist, CancellationToken cancellationToken)
    {
        var entry = await StateTransactions.RetryAsync(async ct =>
        {
            var (current, etag) = await store.GetAsync<OffenderRecord>(IdentificationStore.OffenderKey(id), ct);
            if (mustNotExist && current is not null) throw new WatchListRefusal(WatchListRefusal.Kind.AlreadyExists, "offender_id", $"offender '{id}' is on the watch list already");
            if (!mustNotExist && current is null) throw new WatchListRefusal(WatchListRefusal.Kind.NotFound, "offender_id", $"offender '{id}' is not on the watch list");
            var next = mustNotExist ? created : change!(current!);
            var (head, headTag) = await store.GetAsync<AuditHead>(IdentificationStore.AuditHeadKey, ct);
            var pending = await outbox.ReadAsync(ct);
            var sequence = (head?.Sequence ?? 0) + 1;
            var now = time.GetUtcNow();
            var audit = new WatchListChange
            {
                Sequence = sequence,
                OffenderId = id,
                Action = action,
                ChangedBy = author.ChangedBy,
                CallerAppId = author.CallerAppId,
                ChangedAt = Timestamp.FromDateTimeOffset(now),
                Reason = reason,
            };
            audit.Changes.AddRange(changes);
            var e = OutboxEntry.Of(new WatchListChanged { Sequence = sequence, OffenderId = id, Action = action, ChangedAt = audit.ChangedAt },
                "watch-list-" + sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), id);
            var done = await store.TryCommitAsync(
            [
                new StateWrite(IdentificationStore.OffenderKey(id), next is null ? null : StateTransactions.Json(next), etag),
                new StateWrite(IdentificationStore.AuditHeadKey, StateTransactions.Json(new AuditHead(sequence)), headTag),
                new StateWrite(IdentificationStore.AuditKey(sequence), StateTransactions.Json(IntegrationEvents.ToJson(audit)), null),
                outbox.Append(pending, e),
            ], ct);
            return (done, e);
        }, "a watch-list change", cancellationToken);
        await outbox.PublishAsync([entry], cancellationToken);
    }
}

/// <summary>The audit trail's last sequence number.</summary>
/// <param name="Sequence">The sequence.</param>
public sealed record AuditHead(ulong Sequence);
