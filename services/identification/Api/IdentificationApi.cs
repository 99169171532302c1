using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mtaeda.Contracts;
using Mtaeda.Contracts.Gateway.V1;
using Mtaeda.Contracts.Identification.V1;
using Mtaeda.Identification.Domain;
using Mtaeda.Identification.Infrastructure;
using Mtaeda.ServiceDefaults;
using IdentificationService = Mtaeda.Contracts.Identification.V1.Identification;

namespace Mtaeda.Identification.Api;

/// <summary>
/// <c>mtaeda.identification.v1.Identification</c> over gRPC and HTTP JSON. Fields are checked here (InvalidArgument
/// naming the field and the rule, never a value of a template or an image; NotFound naming the field); captures go to
/// <see cref="CaptureIdentifier"/>, watch-list and enrolment changes to <see cref="WatchList"/>.
/// </summary>
public sealed class IdentificationApi(CaptureIdentifier identifier, WatchList watchList, CameraDirectory cameras, RecentCaptures recent, IdentificationStore store,
    IdentificationMetrics metrics, IdentificationOptions options, MatcherReadiness readiness) : IdentificationService.IdentificationBase
{
    /// <summary>The header Dapr adds with the calling app's id.</summary>
    public const string CallerAppHeader = "dapr-caller-app-id";

    private const int MaxTemplates = 20;

    /// <inheritdoc />
    public override async Task<SubmitCaptureResponse> SubmitCapture(SubmitCaptureRequest request, ServerCallContext context)
    {
        var values = request.Template?.Values.ToArray();
        // Field checks first; a refusal names the field and the rule only.
        if (Problem(request, values) is { } problem)
        {
            metrics.Refused(problem.Field);
            throw Errors.InvalidArgument(problem.Field, problem.Rule);
        }
        if (!readiness.IsReady) throw Errors.Unavailable("the watch list is still loading; retry shortly");
        // A camera not recorded on that turnstile is asked of equipment first (its CameraInstalled may still be on the way).
        var camera = await cameras.FindAsync(request.CameraId, request.TurnstileId, context.CancellationToken);
        if (camera is null)
        {
            metrics.Refused("camera_id");
            throw Errors.NotFound($"camera_id: camera '{request.CameraId}' is not installed on turnstile '{request.TurnstileId}'");
        }
        if (!recent.TryAdd(request.CaptureId))
        {
            metrics.Refused("capture_id");
            throw Errors.InvalidArgument("capture_id", "was submitted already");
        }
        var capture = new Capture(request.CaptureId, camera, request.Direction, request.CapturedAt.ToDateTimeOffset(), values!, request.Image);
        try
        {
            var (match, id) = await identifier.IdentifyAsync(capture, context.CancellationToken);
            return new SubmitCaptureResponse { Match = match, IdentificationId = id };
        }
        catch (DuplicateCaptureException)
        {
            metrics.Refused("capture_id");
            throw Errors.InvalidArgument("capture_id", "was submitted already");
        }
    }

    /// <inheritdoc />
    public override async Task<Offender> AddOffender(AddOffenderRequest request, ServerCallContext context)
    {
        Id(request.OffenderId, "offender_id");
        CaseReference(request.CaseReference, required: true);
        if (request.AlertLevel is not (AlertLevel.Low or AlertLevel.Medium or AlertLevel.High)) throw Errors.InvalidArgument("alert_level", "must be LOW, MEDIUM or HIGH");
        Recipients(request.Recipients);
        if (request.Templates.Count == 0) throw Errors.InvalidArgument("templates", "at least one is required");
        var templates = Templates(request.Templates, "templates");
        var author = Author(request.ChangedBy, context);
        var record = await Refusals(() => watchList.AddOffenderAsync(request.OffenderId, request.CaseReference, request.AlertLevel, [.. request.Recipients], templates, author, context.CancellationToken));
        return ToContract(record);
    }

    /// <inheritdoc />
    public override async Task<Offender> UpdateOffender(UpdateOffenderRequest request, ServerCallContext context)
    {
        Id(request.OffenderId, "offender_id");
        if (request.CaseReference.Length > 0) CaseReference(request.CaseReference, required: false);
        if (request.AlertLevel is not (AlertLevel.Unspecified or AlertLevel.Low or AlertLevel.Medium or AlertLevel.High)) throw Errors.InvalidArgument("alert_level", "must be LOW, MEDIUM or HIGH");
        if (request.ReplaceRecipients) Recipients(request.Recipients);
        else if (request.Recipients.Count > 0) throw Errors.InvalidArgument("recipients", "given without replace_recipients");
        var add = Templates(request.AddTemplates, "add_templates");
        for (var i = 0; i < request.RemoveTemplateIds.Count; i++) Id(request.RemoveTemplateIds[i], $"remove_template_ids[{i}]");
        var author = Author(request.ChangedBy, context);
        var change = new OffenderChange(request.CaseReference.Length > 0 ? request.CaseReference : null,
            request.AlertLevel == AlertLevel.Unspecified ? null : request.AlertLevel, request.ReplaceRecipients ? [.. request.Recipients] : null, add, [.. request.RemoveTemplateIds]);
        var record = await Refusals(() => watchList.UpdateOffenderAsync(request.OffenderId, change, author, context.CancellationToken));
        return ToContract(record);
    }

    /// <inheritdoc />
    public override async Task<RemoveOffenderResponse> RemoveOffender(RemoveOffenderRequest request, ServerCallContext context)
    {
        Id(request.OffenderId, "offender_id");
        if (request.Reason.Length > 500) throw Errors.InvalidArgument("reason", "at most 500 characters");
        var author = Author(request.ChangedBy, context);
        await Refusals(async () =>
        {
            await watchList.RemoveOffenderAsync(request.OffenderId, request.Reason, author, context.CancellationToken);
            return 0;
        });
        return new RemoveOffenderResponse();
    }

    /// <inheritdoc />
    public override async Task<Offender> GetOffender(GetOffenderRequest request, ServerCallContext context)
    {
        Id(request.OffenderId, "offender_id");
        var record = await watchList.GetOffenderAsync(request.OffenderId, context.CancellationToken)
            ?? throw Errors.NotFound($"offender_id: offender '{request.OffenderId}' is not on the watch list");
        return ToContract(record);
    }

    /// <inheritdoc />
    public override async Task<ListWatchListChangesResponse> ListWatchListChanges(ListWatchListChangesRequest request, ServerCallContext context)
    {
        if (request.OffenderId.Length > 0) Id(request.OffenderId, "offender_id");
        var limit = Limit(request.Limit);
        var response = new ListWatchListChangesResponse();
        response.Changes.AddRange(await watchList.ChangesAsync(request.OffenderId.Length > 0 ? request.OffenderId : null, limit, context.CancellationToken));
        return response;
    }

    /// <inheritdoc />
    public override async Task<EnrollPassengerResponse> EnrollPassenger(EnrollPassengerRequest request, ServerCallContext context)
    {
        Id(request.PassengerId, "passenger_id");
        if (request.Templates.Count == 0) throw Errors.InvalidArgument("templates", "at least one is required");
        var templates = Templates(request.Templates, "templates");
        await Refusals(async () =>
        {
            await watchList.EnrollPassengerAsync(request.PassengerId, templates, request.EnrollmentSequence, context.CancellationToken);
            return 0;
        });
        return new EnrollPassengerResponse();
    }

    /// <inheritdoc />
    public override async Task<WithdrawPassengerResponse> WithdrawPassenger(WithdrawPassengerRequest request, ServerCallContext context)
    {
        Id(request.PassengerId, "passenger_id");
        return new WithdrawPassengerResponse { Deleted = await watchList.WithdrawPassengerAsync(request.PassengerId, request.EnrollmentSequence, context.CancellationToken) };
    }

    /// <inheritdoc />
    public override async Task<IdentificationRecord> GetIdentification(GetIdentificationRequest request, ServerCallContext context)
    {
        Id(request.IdentificationId, "identification_id");
        var (json, _) = await store.GetAsync<string>(IdentificationStore.IdentificationKey(request.IdentificationId), context.CancellationToken);
        return json is null
            ? throw Errors.NotFound($"identification_id: no identification '{request.IdentificationId}'")
            : IntegrationEvents.FromJson<IdentificationRecord>(json);
    }

    /// <inheritdoc />
    public override async Task<ListInteractionsResponse> ListInteractions(ListInteractionsRequest request, ServerCallContext context)
    {
        Id(request.PersonId, "person_id");
        var limit = Limit(request.Limit);
        var response = new ListInteractionsResponse();
        foreach (var kind in new[] { PersonKind.Offender, PersonKind.Passenger })
        {
            var (list, _) = await store.GetAsync<List<string>>(IdentificationStore.InteractionsKey(new PersonRef(kind, request.PersonId)), context.CancellationToken);
            response.Interactions.AddRange((list ?? []).Select(IntegrationEvents.FromJson<CustomerStationInteraction>));
        }
        var newest = response.Interactions.OrderByDescending(i => i.OccurredAt.ToDateTimeOffset()).Take(limit).ToList();
        response.Interactions.Clear();
        response.Interactions.AddRange(newest);
        return response;
    }

    /// <summary>The first problem of a capture's fields, or null. Never quotes a value of the template or the image.</summary>
    internal (string Field, string Rule)? Problem(SubmitCaptureRequest request, float[]? values)
    {
        if (request.CaptureId.Length == 0) return ("capture_id", "is required");
        if (!Ids.IsValid(request.CaptureId)) return ("capture_id", Ids.Rule);
        if (request.CameraId.Length == 0) return ("camera_id", "is required");
        if (!Ids.IsValid(request.CameraId)) return ("camera_id", Ids.Rule);
        if (request.TurnstileId.Length == 0) return ("turnstile_id", "is required");
        if (!Ids.IsValid(request.TurnstileId)) return ("turnstile_id", Ids.Rule);
        if (request.Direction is not (PassageDirection.Ingress or PassageDirection.Egress)) return ("direction", "must be INGRESS or EGRESS");
        if (request.CapturedAt is null) return ("captured_at", "is required");
        if (request.CapturedAt.Seconds is < -62135596800 or > 253402300799 || request.CapturedAt.Nanos is < 0 or > 999_999_999) return ("captured_at", "is not a valid time");
        if (values is null) return ("template", "is required");
        if (FaceTemplateRule.Problem(values, options.TemplateLength) is { } rule) return ("template.values", rule);
        if (request.Image.Length > options.MaxImageBytes) return ("image", $"at most {options.MaxImageBytes} bytes");
        return null;
    }

    private IReadOnlyList<NewTemplate> Templates(IReadOnlyList<FaceTemplate> templates, string field)
    {
        FaceTemplateRule.CheckAll(templates, field, options.TemplateLength, MaxTemplates);
        return [.. templates.Select(t => new NewTemplate(t.TemplateId, [.. t.Values]))];
    }

    private static void Id(string id, string field)
    {
        if (id.Length == 0) throw Errors.InvalidArgument(field, "is required");
        if (!Ids.IsValid(id)) throw Errors.InvalidArgument(field, Ids.Rule);
    }

    private static void CaseReference(string value, bool required)
    {
        if (required && value.Length == 0) throw Errors.InvalidArgument("case_reference", "is required");
        if (value.Length > 100) throw Errors.InvalidArgument("case_reference", "at most 100 characters");
    }

    private static void Recipients(IReadOnlyList<string> recipients)
    {
        if (recipients.Count > 20) throw Errors.InvalidArgument("recipients", "at most 20");
        for (var i = 0; i < recipients.Count; i++) Id(recipients[i], $"recipients[{i}]");
    }

    private static int Limit(int limit) => limit switch
    {
        0 => 100,
        < 0 or > 1000 => throw Errors.InvalidArgument("limit", "must be 1 to 1000 (0: 100)"),
        _ => limit,
    };

    private static ChangeAuthor Author(string changedBy, ServerCallContext context)
    {
        Id(changedBy, "changed_by");
        return new ChangeAuthor(changedBy, context.RequestHeaders.GetValue(CallerAppHeader) ?? "");
    }

    private static async Task<T> Refusals<T>(Func<Task<T>> change)
    {
        try
        {
            return await change();
        }
        catch (WatchListRefusal refusal)
        {
            throw refusal.Reason switch
            {
                WatchListRefusal.Kind.NotFound => Errors.NotFound($"{refusal.Field}: {refusal.Message}"),
                WatchListRefusal.Kind.AlreadyExists => Errors.AlreadyExists($"{refusal.Field}: {refusal.Message}"),
                WatchListRefusal.Kind.Withdrawn => Errors.FailedPrecondition(Mtaeda.Contracts.Common.V1.ErrorReason.ConsentWithdrawn, $"{refusal.Field}: {refusal.Message}"),
                _ => Errors.InvalidArgument(refusal.Field, refusal.Message),
            };
        }
    }

    private static Offender ToContract(OffenderRecord record)
    {
        var offender = new Offender
        {
            OffenderId = record.Id,
            CaseReference = record.CaseReference,
            AlertLevel = (AlertLevel)record.AlertLevel,
            ListedAt = Timestamp.FromDateTimeOffset(record.ListedAt),
            UpdatedAt = Timestamp.FromDateTimeOffset(record.UpdatedAt),
        };
        offender.Recipients.AddRange(record.Recipients);
        offender.TemplateIds.AddRange(record.Templates.Select(t => t.Id));
        return offender;
    }
}
